"""Pure interval maths for availability: expand rules, combine busy time, find green zones.

No Django here. Every interval is half-open [start, end) with aware UTC datetimes and start < end.
Recurring rules are RFC 5545 RRULE bodies expanded by python-dateutil in the owner's wall-clock time.

Four concerns, a module each; their public names are the engine's, imported from here:
- `rules`: RRULE bodies parsed, bounded, validated and expanded in the owner's wall-clock time;
- `intervals`: time zones, the interval algebra (union, clip, intersect, subtract, complement) and the sweep
  into segments of the same free people, the green zone;
- `days`: the day sweep (day_statuses), the candidate windows for a gig, local hours and a gig's days;
- `arrays`: the day sweep's array walk over microseconds and bit masks, for large busy time (decision 0119).
`words` holds the refusals' error and the translation hooks Django fills in (AvailabilityConfig.ready).
"""

from .arrays import Sweep, Walk, busy_micros
from .days import Candidate, DayStatus, day_statuses, find_windows, gig_days, local_hours
from .intervals import (
    Interval,
    Segment,
    clip,
    complement,
    day_bounds,
    existing_to_utc,
    green_zone,
    intersect,
    local_exists,
    local_to_utc,
    subtract,
    sweep,
    union,
    zone,
)
from .rules import (
    MAX_COUNT,
    MAX_INTERVAL,
    MAX_OCCURRENCES,
    WEEKDAY_CODES,
    Recurrence,
    expand,
    rebase,
    rrule_parts,
    until_date,
    validate_rrule,
)
from .words import RuleError, ngettext

__all__ = [
    "MAX_COUNT",
    "MAX_INTERVAL",
    "MAX_OCCURRENCES",
    "WEEKDAY_CODES",
    "Candidate",
    "DayStatus",
    "Interval",
    "Recurrence",
    "RuleError",
    "Segment",
    "Sweep",
    "Walk",
    "busy_micros",
    "clip",
    "complement",
    "day_bounds",
    "day_statuses",
    "existing_to_utc",
    "expand",
    "find_windows",
    "gig_days",
    "green_zone",
    "intersect",
    "local_exists",
    "local_hours",
    "local_to_utc",
    "ngettext",
    "rebase",
    "rrule_parts",
    "subtract",
    "sweep",
    "union",
    "until_date",
    "validate_rrule",
    "zone",
]
