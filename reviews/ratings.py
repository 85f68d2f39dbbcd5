"""How a band's or venue's stars become the score "best rated first" sorts by (docs/decisions/0018).

A plain average lets one 5-star review outrank fifty 4.8s. The score is a Bayesian average: every
band starts with PRIOR_WEIGHT imaginary reviews of PRIOR_MEAN stars, and its real reviews pull it
towards their own average the more of them there are.
"""

PRIOR_MEAN = 3.5
PRIOR_WEIGHT = 5


def bayesian_score(*, total: int, count: int) -> float | None:
    """(PRIOR_WEIGHT × PRIOR_MEAN + sum of stars) / (PRIOR_WEIGHT + number of reviews); None without one."""
    if count <= 0:
        return None
    return round((PRIOR_WEIGHT * PRIOR_MEAN + total) / (PRIOR_WEIGHT + count), 4)
