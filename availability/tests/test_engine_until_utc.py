"""A rule's UNTIL written in UTC (ending in Z) is a moment, compared in UTC and inclusive (RFC 5545),
not a local wall time: checked on examples and against a brute-force minute grid."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from availability.engine import Recurrence, RuleError, expand, validate_rrule

MINUTE = timedelta(minutes=1)


def test_a_rule_ending_at_its_first_start_in_utc_is_accepted_and_happens_once():
    # 2027-03-30 13:00 UTC is 2027-03-31 00:00 in Sydney (UTC+11): the first start itself.
    first = datetime(2027, 3, 31, 0, 0)  # noqa: DTZ001 - local wall clock
    text = "FREQ=DAILY;UNTIL=20270330T130000Z"
    assert validate_rrule(text, dtstart=first, time_zone="Australia/Sydney") == text
    rec = Recurrence(first, first + timedelta(hours=2), "Australia/Sydney", text)
    got = expand(rec, datetime(2027, 3, 25, tzinfo=UTC), datetime(2027, 4, 10, tzinfo=UTC))
    assert got == [(datetime(2027, 3, 30, 13, tzinfo=UTC), datetime(2027, 3, 30, 15, tzinfo=UTC))]


def test_a_rule_ending_a_minute_before_its_first_start_in_utc_is_refused():
    first = datetime(2027, 3, 31, 0, 0)  # noqa: DTZ001 - local wall clock
    with pytest.raises(RuleError, match="never happens"):
        validate_rrule("FREQ=DAILY;UNTIL=20270330T125900Z", dtstart=first, time_zone="Australia/Sydney")


def test_the_first_of_two_half_past_ones_on_the_fall_back_night_is_kept():
    # 2027-11-07 01:30 EDT is 05:30 UTC, before UNTIL 06:15 UTC (which is 01:15 EST, the second 01:15).
    first = datetime(2027, 11, 1, 1, 30)  # noqa: DTZ001 - local wall clock
    rec = Recurrence(first, first + timedelta(minutes=30), "America/New_York", "FREQ=DAILY;UNTIL=20271107T061500Z")
    got = expand(rec, datetime(2027, 11, 1, tzinfo=UTC), datetime(2027, 11, 10, tzinfo=UTC))
    assert len(got) == 7
    # It ends at 02:00 wall time, which is 02:00 EST (a block keeps its wall-clock length).
    assert got[-1] == (datetime(2027, 11, 7, 5, 30, tzinfo=UTC), datetime(2027, 11, 7, 7, 0, tzinfo=UTC))


def test_a_local_until_still_includes_that_whole_local_day():
    first = datetime(2027, 11, 1, 23, 0)  # noqa: DTZ001 - local wall clock
    rec = Recurrence(first, first + timedelta(minutes=30), "America/New_York", "FREQ=DAILY;UNTIL=20271103")
    got = expand(rec, datetime(2027, 11, 1, tzinfo=UTC), datetime(2027, 11, 10, tzinfo=UTC))
    assert len(got) == 3


def test_the_rule_form_accepts_the_sydney_rule(db):
    from accounts.tests.factories import UserFactory
    from availability.services import rule_create

    user = UserFactory(time_zone="Australia/Sydney")
    rule = rule_create(
        user=user,
        title="Night shift",
        start_date=date(2027, 3, 31),
        start_time=time(0),
        end_date=date(2027, 3, 31),
        end_time=time(2),
        rrule="FREQ=DAILY;UNTIL=20270330T130000Z",
    )
    assert rule.rrule == "FREQ=DAILY;UNTIL=20270330T130000Z"


# ---- Against a brute-force minute grid ------------------------------------------------------------

# Changes: New York 7 Nov (back) and 14 Mar (forward), Berlin 31 Oct / 28 Mar, Sydney 4 Apr (back) /
# 3 Oct (forward), Lord Howe (half an hour) the same days as Sydney.
CHANGES = {
    "America/New_York": [date(2027, 11, 7), date(2027, 3, 14)],
    "Europe/Berlin": [date(2027, 10, 31), date(2027, 3, 28)],
    "Australia/Sydney": [date(2027, 4, 4), date(2027, 10, 3)],
    "Australia/Lord_Howe": [date(2027, 4, 4), date(2027, 10, 3)],
    "UTC": [date(2027, 6, 13), date(2027, 1, 1)],
}
NIGHT = [time(0), time(0, 30), time(1), time(1, 30), time(1, 45), time(2), time(2, 30), time(3), time(23)]


def oracle_minutes(zone: ZoneInfo, first: datetime, minutes: int, every: int, until: datetime, lo, hi) -> set[int]:
    """Busy minutes (since lo) of a daily rule, walked date by date in wall time, UNTIL compared in UTC."""
    busy: set[int] = set()
    day = first.date()
    while day <= (hi + timedelta(days=2)).date():
        wall = datetime.combine(day, first.time())
        forward = wall.replace(tzinfo=zone, fold=1).utcoffset() > wall.replace(tzinfo=zone, fold=0).utcoffset()
        start = wall.replace(tzinfo=zone).astimezone(UTC)
        if not forward and start <= until:
            end = (wall + timedelta(minutes=minutes)).replace(tzinfo=zone).astimezone(UTC)
            minute = start
            while minute < end:
                if lo <= minute < hi:
                    busy.add((minute - lo) // MINUTE)
                minute += MINUTE
        day += timedelta(days=every)
    return busy


def engine_minutes(intervals, lo) -> set[int]:
    busy: set[int] = set()
    for start, end in intervals:
        busy.update(range((start - lo) // MINUTE, (end - lo) // MINUTE))
    return busy


@settings(max_examples=60, deadline=None)
@given(
    zone_name=st.sampled_from(sorted(CHANGES)),
    change=st.integers(0, 1),
    days_before=st.integers(0, 4),
    at=st.sampled_from(NIGHT),
    minutes=st.sampled_from([15, 30, 90, 150]),
    every=st.integers(1, 2),
    until_offset=st.integers(-36 * 60, 36 * 60),
)
def test_utc_until_matches_the_minute_grid(zone_name, change, days_before, at, minutes, every, until_offset):
    zone = ZoneInfo(zone_name)
    change_day = CHANGES[zone_name][change]
    first = datetime.combine(change_day - timedelta(days=days_before), at)
    # UNTIL: a UTC moment within a day and a half of the change night, to the minute.
    until = datetime.combine(change_day, time(0), tzinfo=UTC) + timedelta(minutes=until_offset)
    text = (
        f"FREQ=DAILY;INTERVAL={every};UNTIL={until:%Y%m%dT%H%M%S}Z"
        if every > 1
        else f"FREQ=DAILY;UNTIL={until:%Y%m%dT%H%M%S}Z"
    )
    lo = datetime.combine(change_day - timedelta(days=6), time(0), tzinfo=UTC)
    hi = lo + timedelta(days=10)
    expected = oracle_minutes(zone, first, minutes, every, until, lo, hi)
    rec = Recurrence(first, first + timedelta(minutes=minutes), zone_name, text)
    assert engine_minutes(expand(rec, lo, hi), lo) == expected
    # The rule is accepted exactly when a start of it is not after UNTIL (a start that falls into a
    # spring-forward gap counts as written, as it does for a local UNTIL).
    happens = first.replace(tzinfo=zone).astimezone(UTC) <= until
    try:
        validate_rrule(text, dtstart=first, time_zone=zone_name)
        accepted = True
    except RuleError:
        accepted = False
    assert accepted == happens
