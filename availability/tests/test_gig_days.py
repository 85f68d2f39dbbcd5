"""engine.gig_days against a minute-by-minute oracle: random gigs, zones, gig hours and DST weeks.

The oracle asks of every minute of a gig which local day's gig hours it lies in, from the minute's
own wall-clock time, and gives the gig to the earliest such day. It uses no engine function.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from availability.engine import gig_days

MINUTE = timedelta(minutes=1)
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
# Weeks around DST changes (EU 28 Mar / 31 Oct, US 14 Mar / 7 Nov, Sydney 4 Apr / 3 Oct 2027) and a quiet one.
WEEKS = [
    datetime(2027, 3, 25, tzinfo=UTC),
    datetime(2027, 10, 28, tzinfo=UTC),
    datetime(2027, 3, 11, tzinfo=UTC),
    datetime(2027, 11, 4, tzinfo=UTC),
    datetime(2027, 4, 1, tzinfo=UTC),
    datetime(2027, 9, 30, tzinfo=UTC),
    datetime(2027, 6, 14, tzinfo=UTC),
]
# Gig hours as the calendar offers them: the whole day, evenings, evenings and late, afternoons, custom.
HOURS = [(None, None), (time(18), None), (time(18), time(2)), (time(12), time(18)), (time(20), time(3, 30))]


def in_hours(local: datetime, day: date, opens: time | None, closes: time | None) -> bool:
    """Whether the wall-clock moment `local` is in the gig hours that open on `day`."""
    opens = opens or time(0)
    crosses = closes is None or closes == time(0) or closes <= opens
    if not crosses:
        return local.date() == day and opens <= local.time() < closes
    if local.date() == day:
        return local.time() >= opens
    return local.date() == day + timedelta(days=1) and closes is not None and local.time() < closes


def oracle(gigs, first: date, last: date, zone: str, opens, closes) -> dict[date, list]:
    tz = ZoneInfo(zone)
    out: dict[date, list] = {}
    for start, end in sorted(gigs):
        owner = None
        moment = start
        while moment < end and owner is None:
            local = moment.astimezone(tz)
            for day in (local.date() - timedelta(days=1), local.date()):
                if in_hours(local, day, opens, closes):
                    owner = day
                    break
            moment += MINUTE
        if owner is not None and first <= owner <= last:
            out.setdefault(owner, []).append((start, end))
    return out


@st.composite
def cases(draw):
    week = draw(st.sampled_from(WEEKS))
    zone = draw(st.sampled_from(ZONES))
    opens, closes = draw(st.sampled_from(HOURS))
    gigs = []
    for _ in range(draw(st.integers(0, 4))):
        start = week + draw(st.integers(0, 6 * 24 * 60)) * MINUTE
        gigs.append((start, start + draw(st.integers(15, 10 * 60)) * MINUTE))
    first = (week + timedelta(days=draw(st.integers(0, 2)))).astimezone(ZoneInfo(zone)).date()
    last = first + timedelta(days=draw(st.integers(0, 5)))
    return gigs, first, last, zone, opens, closes


@settings(max_examples=150, deadline=None)
@given(cases())
def test_gig_days_agrees_with_the_minute_by_minute_oracle(case):
    gigs, first, last, zone, opens, closes = case

    found = gig_days(gigs, first, last, zone, day_start=opens, day_end=closes)

    assert found == oracle(gigs, first, last, zone, opens, closes)


def test_a_gig_past_midnight_belongs_to_the_evening_it_starts_in():
    start = datetime(2027, 6, 18, 21, tzinfo=UTC)  # Friday 23:00 in Berlin, until 01:00
    gigs = [(start, start + timedelta(hours=2))]

    assert gig_days(gigs, date(2027, 6, 18), date(2027, 6, 19), "Europe/Berlin") == {date(2027, 6, 18): gigs}
    late = gig_days(gigs, date(2027, 6, 19), date(2027, 6, 19), "Europe/Berlin", day_start=time(18), day_end=time(2))
    assert late == {}
