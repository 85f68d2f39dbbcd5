"""The month view and "find dates" agree on which day a window belongs to (the day its gig hours open
on), checked against a brute-force minute grid with random busy time, gig hours past midnight and
daylight-saving nights."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from availability import engine
from bands import calendar
from bands.calendar import CalendarMember

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
# Days around a change: Berlin spring forward 28 Mar 2027 (02:00 does not exist) and fall back
# 31 Oct 2027, New York 7 Nov 2027, and a quiet week.
FIRST_DAYS = {
    "Europe/Berlin": [dt.date(2027, 3, 26), dt.date(2027, 10, 29), dt.date(2027, 6, 10)],
    "America/New_York": [dt.date(2027, 11, 5), dt.date(2027, 3, 12)],
}
HOURS = [(dt.time(18), dt.time(2)), (dt.time(20), dt.time(3)), (dt.time(22), dt.time(1, 30)), (dt.time(19), None)]
DAYS = 4


def members(count: int) -> list[CalendarMember]:
    return [CalendarMember(k, f"M{k}", f"Member {k}", k < count, None) for k in range(count + 1)]


def wall(day: dt.date, moment: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, moment).replace(tzinfo=zone).astimezone(UTC)


def oracle_green_days(busy, required, first_day, zone, opens, closes, length) -> set[dt.date]:
    """Days whose gig hours (opening that day, maybe closing after midnight) hold `length` minutes in a
    row when every required member is free, minute by minute."""
    green = set()
    for k in range(DAYS):
        day = first_day + dt.timedelta(days=k)
        start = wall(day, opens, zone)
        end = wall(day + dt.timedelta(days=1), closes or dt.time(0), zone)
        run = 0
        minute = start
        while minute < end:
            free = all(not (s <= minute < e) for key in required for s, e in busy.get(key, ()))
            run = run + 1 if free else 0
            if run >= length:
                green.add(day)
                break
            minute += MINUTE
    return green


@settings(max_examples=25, deadline=None)
@given(
    zone_name=st.sampled_from(sorted(FIRST_DAYS)),
    which=st.integers(0, 2),
    hours=st.sampled_from(HOURS),
    length=st.sampled_from([30, 60, 90, 120, 180]),
    count=st.integers(1, 3),
    blocks=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, (DAYS + 1) * 24 * 12), st.integers(1, 8 * 12)), max_size=14
    ),
)
def test_month_view_and_find_dates_agree_with_the_minute_grid(zone_name, which, hours, length, count, blocks):
    zone = ZoneInfo(zone_name)
    first_day = FIRST_DAYS[zone_name][which % len(FIRST_DAYS[zone_name])]
    last_day = first_day + dt.timedelta(days=DAYS - 1)
    opens, closes = hours
    origin = wall(first_day, dt.time(0), zone) - dt.timedelta(hours=12)
    busy: dict[int, list] = {}
    for key, start, size in blocks:  # five-minute steps
        s = origin + dt.timedelta(minutes=5 * start)
        busy.setdefault(key, []).append((s, s + dt.timedelta(minutes=5 * size)))
    for intervals in busy.values():
        intervals.sort()
    people = members(count)
    required = [m.user_id for m in people if m.required]
    expected = oracle_green_days(busy, required, first_day, zone, opens, closes, length)

    def read(_members, _start, _end, _band=None, *, micros=False):
        # As the database gives it: microseconds where only the days are worked out (the month).
        return {key: engine.busy_micros(intervals) for key, intervals in busy.items()} if micros else busy

    with mock.patch.object(calendar, "_busy", read):
        zone_view = calendar.band_green_zone(
            members=people,
            first_day=first_day,
            last_day=last_day,
            time_zone=zone_name,
            min_length=dt.timedelta(minutes=length),
            today=first_day - dt.timedelta(days=30),
            day_start=opens,
            day_end=closes,
        )
        found = calendar.band_find_dates(
            members=people,
            first_day=first_day,
            last_day=last_day,
            time_zone=zone_name,
            min_length=dt.timedelta(minutes=length),
            day_start=opens,
            day_end=closes,
            now=origin - dt.timedelta(days=30),
            limit=500,
        )
    assert {d.day for d in zone_view.days if d.status == "green"} == expected
    assert {c.day for c in found} == expected
    for c in found:
        # Each date's window lies in the hours that open on that date.
        assert wall(c.day, opens, zone) <= c.start
        assert c.end <= wall(c.day + dt.timedelta(days=1), closes or dt.time(0), zone)
