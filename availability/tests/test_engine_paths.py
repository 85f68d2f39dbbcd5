"""day_statuses reads the same whichever way its sweep is worked out.

Little busy time is walked piece by piece in Python; much is swept in arrays (numpy), and there the sweep
takes the quick way where it can: timestamps (doubles) for moments before 2038, one packed
int64 sort key per step, uint64 masks up to 63 people, and a line-up decided for every piece at once
by counts (Hall's condition) while doublers play at most six sections. Beyond those limits it takes the
slow, general way: exact microseconds, a sort on three keys, Python ints as masks, each piece asked. The
property tests check the engine against brute force on small bands (test_lineup, test_engine_oracle),
which walk the pieces; here the same random bands are read all three ways (pieces, quick arrays, and
arrays with every limit set to nothing, so the general ways run), each with the busy time as datetimes and as
the database's microseconds (engine.busy_micros), and all must give the same days.
"""

from contextlib import ExitStack
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from availability import engine
from availability.lineup import Lineup

from .test_lineup import lineups

DAY0 = date(2027, 3, 26)  # Europe/Berlin and London change to summer time on the 28th
START = datetime.combine(DAY0, time(0), tzinfo=UTC) - timedelta(days=1)
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
HOURS = [(None, None), (time(18), time(2)), (time(9), time(17)), (time(2, 30), time(3, 30))]


@st.composite
def bands(draw: st.DrawFn):
    lineup, _free = draw(lineups())
    members = sorted(lineup.plays)
    busy = {}
    for m in members:
        stretches = draw(
            st.lists(st.tuples(st.integers(0, 6 * 96), st.integers(-4, 3 * 96), st.integers(0, 2)), max_size=6)
        )
        # Quarter hours, a few a microsecond off, some empty or back to front (the engine skips those).
        busy[m] = [
            (START + timedelta(minutes=15 * q, microseconds=us), START + timedelta(minutes=15 * (q + n)))
            for q, n, us in stretches
        ]
    by_lineup = draw(st.booleans())
    required = sorted(lineup.required) if by_lineup else [m for m in members if draw(st.booleans())]
    hours = draw(st.sampled_from(HOURS))
    return {
        "busy": busy,
        "required": required,
        "lineup": lineup if by_lineup else None,
        "members": members if by_lineup else (),
        "time_zone": draw(st.sampled_from(ZONES)),
        "day_start": hours[0],
        "day_end": hours[1],
        "min_length": timedelta(minutes=draw(st.sampled_from([1, 15, 120, 600]))),
        "keep_windows": draw(st.booleans()),
    }


def statuses(case: dict) -> list[engine.DayStatus]:
    return engine.day_statuses(
        case["busy"],
        case["required"],
        DAY0,
        DAY0 + timedelta(days=3),
        case["time_zone"],
        min_length=case["min_length"],
        day_start=case["day_start"],
        day_end=case["day_end"],
        lineup=case["lineup"],
        members=case["members"],
        keep_windows=case["keep_windows"],
    )


def the_way(way: str) -> ExitStack:
    """ "pieces": one by one in Python; "arrays": in numpy, the quick ways; "general": in numpy, every limit
    set to nothing."""
    stack = ExitStack()
    for name in (
        "_ARRAYS_FROM",
        "_ARRAYS_WITH_WINDOWS_FROM",
        "_MICROS_ARRAYS_FROM",
        "_MICROS_ARRAYS_WITH_WINDOWS_FROM",
    ):
        stack.enter_context(mock.patch.object(engine.days, name, 10**9 if way == "pieces" else 0))
    if way == "general":
        for name in ("_FLOAT_EXACT_BEFORE", "_KEY_BITS", "_MASK_BITS", "_HALL_SECTIONS"):
            stack.enter_context(mock.patch.object(engine.arrays, name, 0))
    return stack


def every_way(case: dict) -> dict[str, list[engine.DayStatus]]:
    """Each way, with the busy time as datetimes and (", µs") as the database's microseconds (busy_micros)."""
    found = {}
    in_micros = {**case, "busy": {key: engine.busy_micros(busy) for key, busy in case["busy"].items()}}
    for way in ("pieces", "arrays", "general"):
        with the_way(way):
            found[way] = statuses(case)
            found[f"{way}, µs"] = statuses(in_micros)
    return found


def assert_all_alike(found: dict[str, list[engine.DayStatus]]) -> None:
    for way, days in found.items():
        assert days == found["pieces"], way


@settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(bands())
def test_the_pieces_and_the_arrays_quick_or_general_give_the_same_days(case):
    found = every_way(case)
    assert_all_alike(found)


def test_a_band_of_seventy_with_ten_sections_of_doublers_reads_the_same_both_ways():
    # Past every limit at once: 70 people (no uint64 mask) and doublers across ten sections.
    members = list(range(70))
    sections = list(range(10))
    lineup = Lineup(
        needs=dict.fromkeys(sections, 3),
        plays={m: frozenset({m % 10, (m + 1) % 10}) if m % 3 == 0 else frozenset({m % 10}) for m in members},
        required=frozenset({0}),
        total=40,
        soft=frozenset(m for m in members if m % 7 == 6),
    )
    busy = {
        m: [
            (START + timedelta(hours=5 * m % 70 + k * 11), START + timedelta(hours=5 * m % 70 + k * 11 + 4))
            for k in range(8)
        ]
        for m in members
    }
    case = {
        "busy": busy,
        "required": [0],
        "lineup": lineup,
        "members": members,
        "time_zone": "Europe/Berlin",
        "day_start": time(18),
        "day_end": time(2),
        "min_length": timedelta(hours=3),
        "keep_windows": True,
    }
    found = every_way(case)
    assert_all_alike(found)
    assert {s.status for s in found["pieces"]} - {"green"}, "some evening must be short for the check to mean much"


def test_moments_after_2038_are_counted_to_the_microsecond():
    for micros in (False, True):
        for way in ("pieces", "arrays"):
            with the_way(way):
                check_2040(micros)


def check_2040(micros: bool = False):
    later = datetime(2040, 6, 1, 20, tzinfo=UTC)
    busy = {"a": [(later, later + timedelta(hours=2, microseconds=1))], "b": []}
    if micros:
        busy = {key: engine.busy_micros(intervals) for key, intervals in busy.items()}
    (day,) = engine.day_statuses(
        busy, ["a", "b"], date(2040, 6, 1), date(2040, 6, 1), "UTC", min_length=timedelta(hours=1)
    )
    # Free until 20:00 and again from 22:00 and a microsecond: the last window opens exactly then.
    assert day.windows[-1] == (later + timedelta(hours=2, microseconds=1), datetime(2040, 6, 2, tzinfo=UTC))
