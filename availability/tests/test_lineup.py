"""The line-up engine against a brute-force count of who can fill what, on small random bands."""

import itertools
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from availability.engine import day_statuses
from availability.lineup import Lineup, amber, fill, fills, mask_check

CASES = {"compared": 0}


def brute_force(free: frozenset, lineup: Lineup) -> bool:
    """Try every assignment of free members to one of their sections or none."""
    if not lineup.required <= free or len(free) < lineup.total:
        return False
    players = sorted(free)
    choices = [[None, *sorted(lineup.plays.get(m, ()))] for m in players]
    for pick in itertools.product(*choices):
        counts: dict = {}
        for section in pick:
            if section is not None:
                counts[section] = counts.get(section, 0) + 1
        if all(counts.get(s, 0) >= n for s, n in lineup.needs.items()):
            return True
    return False


@st.composite
def lineups(draw: st.DrawFn) -> tuple[Lineup, frozenset]:
    size = draw(st.integers(0, 7))
    members = [f"m{i}" for i in range(size)]
    sections = [f"s{i}" for i in range(draw(st.integers(0, 3)))]
    needs = {s: draw(st.integers(0, 3)) for s in sections}
    plays = {
        m: frozenset(draw(st.lists(st.sampled_from(sections), max_size=3))) if sections else frozenset()
        for m in members
    }
    required = frozenset(m for m in members if draw(st.booleans()) and draw(st.booleans()))
    total = draw(st.integers(0, size + 1)) if draw(st.booleans()) else 0
    free = frozenset(m for m in members if draw(st.booleans()))
    soft = frozenset(m for m in members if draw(st.booleans()) and draw(st.booleans()))
    return Lineup(needs=needs, plays=plays, required=required, total=total, soft=soft), free


def brute_force_status(free: frozenset, lineup: Lineup) -> str:
    """green: the firm free members fill it; amber: only with soft ones; else "no"."""
    if brute_force(free - lineup.soft, lineup):
        return "green"
    return "amber" if brute_force(free, lineup) else "no"


@settings(
    max_examples=1500, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(lineups())
def test_the_line_up_is_filled_exactly_when_some_assignment_fills_it(case):
    lineup, free = case
    expected = brute_force(free, lineup)
    CASES["compared"] += 1
    result = fill(free, lineup)
    assert fills(free, lineup) == expected
    assert result.ok == expected
    # The assignment is real: free members, each in a section they play, no section over-filled beyond need.
    for member, section in result.assignment.items():
        assert member in free and section in lineup.plays[member]
    assert result.missing == lineup.required - free
    for short in result.short:
        assert short.have < short.need
        assert short.have == sum(1 for s in result.assignment.values() if s == short.section)
        assert all(m not in free and short.section in lineup.plays[m] for m in short.could)
    if not result.short:
        for section, need in lineup.needs.items():
            assert sum(1 for s in result.assignment.values() if s == section) >= need


@settings(
    max_examples=600, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(lineups())
def test_amber_is_exactly_a_line_up_the_soft_members_are_needed_for(case):
    lineup, free = case
    expected = brute_force_status(free, lineup)
    CASES["compared"] += 1
    maybe = amber(free, lineup)
    assert (maybe is not None) == (expected == "amber")
    if maybe is not None:
        firm = free - lineup.soft
        assert not maybe.ok
        assert maybe.missing == lineup.required - firm
        for short in maybe.short:
            # Who could fill a short section: soft members free then who play it.
            assert short.could <= free & lineup.soft
            assert all(short.section in lineup.plays[m] for m in short.could)
        # Each short section can be filled by the soft members who could: together they fill the line-up.
        helpers = frozenset().union(*(s.could for s in maybe.short)) | (lineup.required & free)
        assert maybe.total_short or brute_force(firm | helpers, lineup)


@settings(
    max_examples=400, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(lineups())
def test_the_engines_check_by_bit_mask_agrees_for_every_set_of_free_members(case):
    lineup, _free = case
    keys = sorted(lineup.plays)
    check = mask_check(lineup, keys)
    # Every mask, in an order that reuses the check's cache across different shortfalls.
    soft = sum(1 << i for i, k in enumerate(keys) if k in lineup.soft)
    for mask in sorted(range(1 << len(keys)), key=lambda m: (m & 1, m)):
        free = frozenset(k for i, k in enumerate(keys) if mask >> i & 1)
        CASES["compared"] += 2
        assert check(mask) == brute_force(free, lineup)
        assert check(mask & ~soft) == brute_force(free - lineup.soft, lineup)


def test_a_doubler_counts_once_in_the_section_where_they_are_needed():
    lineup = Lineup(needs={"sax": 1, "trumpet": 1}, plays={"ana": {"sax", "trumpet"}, "ben": {"trumpet"}})
    assert fills({"ana", "ben"}, lineup)
    assert fill({"ana", "ben"}, lineup).assignment == {"ana": "sax", "ben": "trumpet"}
    alone = fill({"ana"}, lineup)
    assert not alone.ok
    assert [(s.section, s.have, s.need, s.could) for s in alone.short] in (
        [("trumpet", 0, 1, frozenset({"ben"}))],
        [("sax", 0, 1, frozenset())],
    )


# ---- Day statuses with a line-up ---------------------------------------------------------------------

DAY0 = date(2026, 3, 2)
START = datetime.combine(DAY0, time(0), tzinfo=UTC)


@st.composite
def busy_bands(draw: st.DrawFn):
    lineup, _free = draw(lineups())
    members = sorted(lineup.plays)
    busy = {}
    for m in members:
        hours = draw(st.lists(st.tuples(st.integers(0, 71), st.integers(1, 10)), max_size=3))
        busy[m] = sorted((START + timedelta(hours=h), START + timedelta(hours=h + n)) for h, n in hours)
    return lineup, members, busy


@settings(
    max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(busy_bands())
def test_a_day_is_green_when_the_members_free_at_some_hour_fill_the_line_up(case):
    lineup, members, busy = case
    statuses = day_statuses(
        busy,
        sorted(lineup.required),
        DAY0,
        DAY0 + timedelta(days=1),
        "UTC",
        min_length=timedelta(hours=2),
        lineup=lineup,
        members=members,
    )
    quick = day_statuses(
        busy,
        sorted(lineup.required),
        DAY0,
        DAY0 + timedelta(days=1),
        "UTC",
        min_length=timedelta(hours=2),
        lineup=lineup,
        members=members,
        keep_windows=False,
    )
    # Without windows a day stops at its first green moment: the same status and reasons.
    assert [(q.status, q.short) for q in quick] == [(s.status, s.short) for s in statuses]
    for status in statuses:
        day_start = datetime.combine(status.day, time(0), tzinfo=UTC)
        # Busy time starts and ends on the hour, so checking each hour's start is exhaustive.
        seen = set()
        for h in range(24):
            at = day_start + timedelta(hours=h)
            free = frozenset(m for m in members if not any(s < at + timedelta(hours=2) and e > at for s, e in busy[m]))
            CASES["compared"] += 1
            # Without sections or a total only the named members count, as before: nobody is a maybe.
            plain = lineup.counts_everyone and brute_force(free, lineup)
            seen.add("green" if plain else brute_force_status(free, lineup))
        green = "green" in seen
        expected = "green" if green else "amber" if "amber" in seen and not lineup.counts_everyone else None
        if expected:
            assert status.status == expected
        else:
            assert status.status in ("partial", "red")
        if status.status == "amber":
            assert all(s.could <= lineup.soft for s in status.short)
            assert status.short or status.busy or lineup.total
        elif status.status != "green" and not lineup.counts_everyone:
            assert status.short or status.busy or status.free_count < lineup.total


def test_without_sections_or_a_total_the_day_reads_as_before():
    busy = {"a": [(START + timedelta(hours=10), START + timedelta(hours=30))], "b": []}
    plain = day_statuses(busy, ["a", "b"], DAY0, DAY0 + timedelta(days=2), "UTC", min_length=timedelta(hours=2))
    with_lineup = day_statuses(
        busy,
        ["a", "b"],
        DAY0,
        DAY0 + timedelta(days=2),
        "UTC",
        min_length=timedelta(hours=2),
        lineup=Lineup(required=frozenset({"a", "b"})),
        members=["a", "b", "c"],
    )
    assert plain == with_lineup


def test_the_count_of_compared_cases_is_reported(capsys):
    print(f"line-up cases compared with brute force: {CASES['compared']}")
