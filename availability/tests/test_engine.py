"""The interval engine: rules expanded in the owner's wall-clock time, and the band's green zone."""

import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr

from availability import engine
from availability.engine import (
    Candidate,
    Recurrence,
    RuleError,
    Segment,
    clip,
    complement,
    day_statuses,
    expand,
    find_windows,
    green_zone,
    intersect,
    rules,
    subtract,
    sweep,
    union,
    validate_rrule,
)

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
H = timedelta(hours=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args)  # noqa: DTZ001 - a wall-clock time, as the rules store it


# ---- Expansion: wall-clock time and DST --------------------------------------------------------


def test_weekly_evening_stays_at_19_local_across_both_dst_changes():
    # Sunday evenings; in 2027 Berlin springs forward on 28 March and falls back on 31 October.
    rec = Recurrence(local(2027, 1, 3, 19), local(2027, 1, 3, 23), BERLIN, "FREQ=WEEKLY;BYDAY=SU")

    spring = expand(rec, utc(2027, 3, 20), utc(2027, 3, 30))
    autumn = expand(rec, utc(2027, 10, 23), utc(2027, 11, 2))

    assert spring == [(utc(2027, 3, 21, 18), utc(2027, 3, 21, 22)), (utc(2027, 3, 28, 17), utc(2027, 3, 28, 21))]
    assert autumn == [(utc(2027, 10, 24, 17), utc(2027, 10, 24, 21)), (utc(2027, 10, 31, 18), utc(2027, 10, 31, 22))]


def test_daily_0230_skips_the_spring_forward_night_only():
    rec = Recurrence(local(2027, 3, 1, 2, 30), local(2027, 3, 1, 3, 30), BERLIN, "FREQ=DAILY")

    starts = [start for start, _ in expand(rec, utc(2027, 3, 26), utc(2027, 3, 31))]

    assert starts == [
        utc(2027, 3, 26, 1, 30),
        utc(2027, 3, 27, 1, 30),
        utc(2027, 3, 29, 0, 30),
        utc(2027, 3, 30, 0, 30),
    ]


def test_ambiguous_autumn_time_takes_the_first_of_the_two():
    rec = Recurrence(local(2027, 10, 1, 2, 30), local(2027, 10, 1, 3, 0), BERLIN, "FREQ=DAILY")

    on_the_night = expand(rec, utc(2027, 10, 31), utc(2027, 10, 31, 4))

    # 02:30 happens twice; the first is still summer time (UTC+2). It ends at 03:00 winter time.
    assert on_the_night == [(utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 2))]


def test_one_off_block_in_the_spring_gap_moves_forward_instead_of_vanishing():
    rec = Recurrence(local(2027, 3, 28, 2, 30), local(2027, 3, 28, 4), BERLIN)

    assert expand(rec, utc(2027, 3, 27), utc(2027, 3, 29)) == [(utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 2))]


def test_whole_day_block_is_the_members_local_day():
    winter = Recurrence(local(2027, 3, 5), local(2027, 3, 6), BERLIN, all_day=True)
    summer = Recurrence(local(2027, 7, 1), local(2027, 7, 2), BERLIN, all_day=True)
    spring_day = Recurrence(local(2027, 3, 28), local(2027, 3, 29), BERLIN, all_day=True)
    tour = Recurrence(local(2027, 3, 1), local(2027, 3, 15), BERLIN, all_day=True)

    assert expand(winter, utc(2027, 3, 1), utc(2027, 3, 10)) == [(utc(2027, 3, 4, 23), utc(2027, 3, 5, 23))]
    assert expand(summer, utc(2027, 6, 1), utc(2027, 8, 1)) == [(utc(2027, 6, 30, 22), utc(2027, 7, 1, 22))]
    assert expand(spring_day, utc(2027, 3, 1), utc(2027, 4, 1)) == [(utc(2027, 3, 27, 23), utc(2027, 3, 28, 22))]
    assert expand(tour, utc(2027, 3, 10), utc(2027, 3, 11)) == [(utc(2027, 2, 28, 23), utc(2027, 3, 14, 23))]


def test_every_weekend_all_day_covers_saturday_and_sunday_local():
    rec = Recurrence(local(2027, 1, 2), local(2027, 1, 3), BERLIN, "FREQ=WEEKLY;BYDAY=SA,SU", all_day=True)

    week = expand(rec, utc(2027, 6, 7), utc(2027, 6, 14))

    assert union(week) == [(utc(2027, 6, 11, 22), utc(2027, 6, 13, 22))]


def test_member_in_new_york_and_member_in_berlin_across_their_different_dst_dates():
    # US clocks change on 14 March 2027, Berlin's two weeks later on 28 March.
    new_york = Recurrence(local(2027, 1, 1, 9), local(2027, 1, 1, 17), NEW_YORK, "FREQ=DAILY")
    berlin = Recurrence(local(2027, 1, 1, 8), local(2027, 1, 1, 16), BERLIN, "FREQ=DAILY")
    start, end = utc(2027, 3, 1), utc(2027, 4, 10)
    busy = {"nyc": expand(new_york, start, end), "ber": expand(berlin, start, end)}

    zone = green_zone(busy, ["nyc", "ber"], start, end, min_length=H)
    free_together = intersect(complement(busy["nyc"], start, end), complement(busy["ber"], start, end))

    assert zone == free_together
    assert (utc(2027, 3, 10, 22), utc(2027, 3, 11, 7)) in zone  # both on winter time
    assert (utc(2027, 3, 20, 21), utc(2027, 3, 21, 7)) in zone  # New York on summer time, Berlin not yet
    assert (utc(2027, 4, 1, 21), utc(2027, 4, 2, 6)) in zone  # both on summer time


# ---- Expansion: what a rule says ------------------------------------------------------------------


def test_exdate_removes_that_days_occurrence():
    rec = Recurrence(
        local(2027, 1, 4, 19),
        local(2027, 1, 4, 22),
        BERLIN,
        "FREQ=WEEKLY;BYDAY=MO",
        exdates=frozenset({date(2027, 6, 14)}),
    )

    starts = [start.date() for start, _ in expand(rec, utc(2027, 6, 1), utc(2027, 6, 30))]

    assert starts == [date(2027, 6, 7), date(2027, 6, 21), date(2027, 6, 28)]


def test_every_two_weeks_keeps_its_phase_when_the_start_is_years_back():
    rec = Recurrence(local(2015, 1, 6, 19), local(2015, 1, 6, 22), BERLIN, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH")
    naive = rrulestr("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", dtstart=rec.start)
    expected = [d for d in naive.between(local(2027, 5, 1), local(2027, 7, 1)) if d.hour == 19]

    got = [
        start.astimezone(engine.zone(BERLIN)).replace(tzinfo=None)
        for start, _ in expand(rec, utc(2027, 5, 1), utc(2027, 7, 1))
    ]

    assert got == expected
    assert got
    assert all((start.date() - date(2015, 1, 5)).days // 7 % 2 == 0 for start in got)


def test_monthly_on_the_31st_skips_short_months():
    rec = Recurrence(local(2027, 1, 31, 18), local(2027, 1, 31, 23), BERLIN, "FREQ=MONTHLY")

    months = [start.month for start, _ in expand(rec, utc(2027, 1, 1), utc(2028, 1, 1))]

    assert months == [1, 3, 5, 7, 8, 10, 12]


def test_monthly_on_the_last_friday():
    rec = Recurrence(local(2027, 1, 29, 20), local(2027, 1, 29, 23, 30), BERLIN, "FREQ=MONTHLY;BYDAY=-1FR")

    days = [start.date() for start, _ in expand(rec, utc(2027, 1, 1), utc(2027, 6, 1))]

    assert days == [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26), date(2027, 4, 30), date(2027, 5, 28)]


def test_count_counts_from_the_first_occurrence_even_for_a_later_window():
    rec = Recurrence(local(2027, 1, 15, 18), local(2027, 1, 15, 23), BERLIN, "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6")

    later = [start.month for start, _ in expand(rec, utc(2027, 4, 1), utc(2028, 1, 1))]

    assert later == [4, 5, 6]
    assert expand(rec, utc(2027, 7, 1), utc(2030, 1, 1)) == []


def test_count_does_not_count_a_start_skipped_by_spring_forward():
    rec = Recurrence(local(2027, 3, 27, 2, 30), local(2027, 3, 27, 3), BERLIN, "FREQ=DAILY;COUNT=3")

    days = [start.astimezone(engine.zone(BERLIN)).date() for start, _ in expand(rec, utc(2027, 3, 1), utc(2027, 4, 30))]

    assert days == [date(2027, 3, 27), date(2027, 3, 29), date(2027, 3, 30)]


def test_until_date_includes_that_whole_local_day():
    rec = Recurrence(
        local(2027, 3, 1, 9), local(2027, 3, 1, 17), BERLIN, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270331"
    )

    days = [start.date() for start, _ in expand(rec, utc(2027, 3, 29), utc(2027, 4, 10))]

    assert days == [date(2027, 3, 29), date(2027, 3, 30), date(2027, 3, 31)]


def test_occurrence_that_started_before_the_window_is_included():
    rec = Recurrence(local(2027, 1, 1, 22), local(2027, 1, 2, 2), BERLIN, "FREQ=DAILY")

    # 22:00–02:00 summer time is 20:00–00:00 UTC.
    assert expand(rec, utc(2027, 6, 9, 23), utc(2027, 6, 9, 23, 30)) == [(utc(2027, 6, 9, 20), utc(2027, 6, 10))]
    assert expand(rec, utc(2027, 6, 10), utc(2027, 6, 10, 0, 30)) == []


def test_start_twenty_years_back_costs_only_the_window(monkeypatch):
    rec = Recurrence(local(2007, 1, 1, 19), local(2007, 1, 1, 23), BERLIN, "FREQ=WEEKLY;BYDAY=MO,WE,FR")
    produced = []
    real_build = rules._build

    def counting_build(*args, **kwargs):
        for occurrence in real_build(*args, **kwargs):
            produced.append(occurrence)
            yield occurrence

    monkeypatch.setattr(rules, "_build", counting_build)
    week = expand(rec, utc(2027, 6, 7), utc(2027, 6, 14))

    assert [start.date() for start, _ in week] == [date(2027, 6, 7), date(2027, 6, 9), date(2027, 6, 11)]
    assert week[0] == (utc(2027, 6, 7, 17), utc(2027, 6, 7, 21))
    assert len(produced) < 15  # a few weeks of look-around, not twenty years of Mondays: the cost, counted


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;INTERVAL=3",
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,SA",
        "FREQ=MONTHLY;INTERVAL=5",
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU,-1FR",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=MONTHLY;INTERVAL=7;BYMONTHDAY=31,-10",
        "FREQ=YEARLY;INTERVAL=3",
        "FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU",
        "FREQ=YEARLY;INTERVAL=2;BYWEEKNO=1,20;BYDAY=MO",
        "FREQ=YEARLY;BYYEARDAY=1,-1",
    ],
)
def test_expansion_near_the_window_matches_a_full_walk_from_the_first_date(rule):
    first = local(2009, 8, 31, 19)
    rec = Recurrence(first, first + 2 * H, BERLIN, rule)
    full_walk = rrulestr(rule, dtstart=first).between(local(2026, 12, 20), local(2029, 1, 10), inc=True)
    expected = [engine.local_to_utc(start, engine.zone(BERLIN)) for start in full_walk]

    got = [start for start, _ in expand(rec, utc(2027, 1, 1), utc(2029, 1, 1))]

    assert got == [start for start in expected if utc(2027, 1, 1) - 2 * H < start < utc(2029, 1, 1)]
    assert got


def test_rule_that_never_matches_again_is_quick_to_expand():
    rec = Recurrence(local(2020, 1, 1, 9), local(2020, 1, 1, 10), BERLIN, "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")

    began = clock.perf_counter()
    assert expand(rec, utc(2027, 1, 1), utc(2028, 1, 1)) == []
    assert clock.perf_counter() - began < 0.5  # dateutil alone would search until the year 9999


def test_occurrence_cap_raises_a_rule_error():
    rec = Recurrence(local(2027, 1, 1, 9), local(2027, 1, 1, 10), BERLIN, "FREQ=DAILY")

    with pytest.raises(RuleError, match="repeats too often"):
        expand(rec, utc(2027, 1, 1), utc(2028, 1, 1), cap=100)
    assert len(expand(rec, utc(2027, 1, 1), utc(2027, 4, 11), cap=100)) == 100


def test_end_before_start_is_refused():
    with pytest.raises(RuleError, match="end must be after the start"):
        expand(Recurrence(local(2027, 1, 1, 9), local(2027, 1, 1, 9), BERLIN), utc(2027, 1, 1), utc(2027, 1, 2))


def test_unknown_time_zone_is_refused():
    with pytest.raises(RuleError, match="not a time zone"):
        expand(
            Recurrence(local(2027, 1, 1, 9), local(2027, 1, 1, 10), "Mars/Olympus"), utc(2027, 1, 1), utc(2027, 1, 2)
        )


# ---- validate_rrule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["FREQ=HOURLY", "FREQ=MINUTELY;INTERVAL=30", "FREQ=SECONDLY", "FREQ=DAILY;BYHOUR=9,17", "FREQ=WEEKLY;BYMINUTE=0"],
)
def test_rules_finer_than_daily_are_refused(text):
    with pytest.raises(RuleError, match="at most once a day"):
        validate_rrule(text)


@pytest.mark.parametrize(
    "text",
    [
        "garbage",
        "FREQ=FORTNIGHTLY",
        "BYDAY=MO",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;FOO=1",
        "FREQ=WEEKLY;BYDAY=MO;BYDAY=TU",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=DAILY;UNTIL=20270231",
        "FREQ=WEEKLY;BYDAY=-1FR",
    ],
)
def test_unreadable_rules_are_refused_with_a_message(text):
    with pytest.raises(RuleError) as caught:
        validate_rrule(text)
    assert str(caught.value)


def test_count_and_until_together_are_refused():
    with pytest.raises(RuleError, match="not both"):
        validate_rrule("FREQ=DAILY;COUNT=3;UNTIL=20270101")


def test_count_and_interval_have_caps():
    assert validate_rrule("FREQ=DAILY;COUNT=1000") == "FREQ=DAILY;COUNT=1000"
    with pytest.raises(RuleError, match="at most 1000 times"):
        validate_rrule("FREQ=DAILY;COUNT=1001")
    with pytest.raises(RuleError, match="from 1 to 52"):
        validate_rrule("FREQ=WEEKLY;INTERVAL=53")


def test_validate_rrule_returns_the_canonical_body():
    text = "RRULE: freq=weekly;byday=mo,tu;until=20270331;interval=1;wkst=MO;"

    assert validate_rrule(text) == "FREQ=WEEKLY;UNTIL=20270331;BYDAY=MO,TU"
    assert validate_rrule("") == ""


def test_rule_that_never_happens_is_refused_when_the_start_is_known():
    with pytest.raises(RuleError, match="never happens"):
        validate_rrule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", dtstart=local(2027, 1, 1, 9))
    with pytest.raises(RuleError, match="never happens"):
        validate_rrule("FREQ=WEEKLY;UNTIL=20260101", dtstart=local(2027, 1, 1, 9))
    assert validate_rrule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", dtstart=local(2027, 1, 1, 9))


# ---- Interval algebra ----------------------------------------------------------------------------

A, B, C, D = utc(2027, 1, 1, 10), utc(2027, 1, 1, 11), utc(2027, 1, 1, 12), utc(2027, 1, 1, 13)


def test_union_merges_touching_and_contained_and_drops_empty():
    assert union([(C, D), (A, B), (B, C)]) == [(A, D)]
    assert union([(A, D), (B, C)]) == [(A, D)]
    assert union([(A, A), (C, B)]) == []
    assert union([]) == []
    assert union([(C, D), (A, B)]) == [(A, B), (C, D)]


def test_intersect_keeps_only_common_time():
    assert intersect([(A, C)], [(B, D)]) == [(B, C)]
    assert intersect([(A, B)], [(B, C)]) == []  # touching is not overlapping
    assert intersect([(A, D)], [(B, C)]) == [(B, C)]
    assert intersect([], [(A, B)]) == []


def test_subtract_cuts_holes():
    assert subtract([(A, D)], [(B, C)]) == [(A, B), (C, D)]
    assert subtract([(A, B)], [(B, C)]) == [(A, B)]
    assert subtract([(B, C)], [(A, D)]) == []
    assert subtract([(A, D)], []) == [(A, D)]
    assert subtract([(A, B), (C, D)], [(A, B), (C, D)]) == []


def test_complement_is_free_time_inside_the_window():
    assert complement([(B, C)], A, D) == [(A, B), (C, D)]
    assert complement([(A, D)], B, C) == []
    assert complement([], A, B) == [(A, B)]
    assert complement([(A, B), (B, C)], A, D) == [(C, D)]
    assert complement([(A, B)], D, A) == []


def test_clip_cuts_to_the_window():
    assert clip([(A, C), (C, D)], B, C) == [(B, C)]


# ---- Sweep and green zone --------------------------------------------------------------------------


def test_sweep_cuts_the_window_where_anyone_changes():
    busy = {"ana": [(B, C)], "ben": [(A, B), (B, C)], "cat": []}

    assert sweep(busy, A, D) == [
        Segment(A, B, frozenset({"ana", "cat"})),
        Segment(B, C, frozenset({"cat"})),
        Segment(C, D, frozenset({"ana", "ben", "cat"})),
    ]


def test_green_zone_ignores_people_who_are_not_required_and_short_gaps():
    busy = {"ana": [(A, B)], "ben": [(C, C + timedelta(minutes=30))], "guest": [(A, D)]}

    assert green_zone(busy, ["ana", "ben"], A, D, min_length=timedelta(minutes=30)) == [
        (B, C),
        (C + timedelta(minutes=30), D),
    ]
    assert green_zone(busy, ["ana", "ben"], A, D, min_length=timedelta(minutes=61)) == []
    assert green_zone(busy, [], A, D, min_length=H) == [(A, D)]


# ---- Day statuses -------------------------------------------------------------------------------------


def berlin(*args: int) -> datetime:
    return engine.local_to_utc(local(*args), engine.zone(BERLIN))


def test_day_statuses_green_partial_red_and_late_gig():
    # Mon 7 – Fri 11 June 2027 in Berlin.
    busy = {
        "olly": [(berlin(2027, 6, 7), berlin(2027, 6, 8))],  # optional: does not matter
        "sam": [(berlin(2027, 6, 8), berlin(2027, 6, 9))],
        "ana": [(berlin(2027, 6, 9), berlin(2027, 6, 10, 22)), (berlin(2027, 6, 11, 1), berlin(2027, 6, 12))],
        "ben": [(berlin(2027, 6, 9), berlin(2027, 6, 10, 22)), (berlin(2027, 6, 11, 1), berlin(2027, 6, 12))],
    }
    busy["sam"] += busy["ana"]

    days = day_statuses(busy, ["ana", "ben", "sam"], date(2027, 6, 7), date(2027, 6, 11), BERLIN, min_length=3 * H)

    assert [d.status for d in days] == ["green", "partial", "red", "green", "red"]
    monday, tuesday, wednesday, thursday, friday = days
    assert monday.windows == ((berlin(2027, 6, 7), berlin(2027, 6, 8)),)
    assert (tuesday.free_count, tuesday.required_count, tuesday.busy) == (2, 3, frozenset({"sam"}))
    assert (wednesday.free_count, wednesday.busy) == (0, frozenset({"ana", "ben", "sam"}))
    # The gig 22:00–01:00 starts on Thursday: Thursday is green, its window shown up to midnight.
    assert thursday.windows == ((berlin(2027, 6, 10, 22), berlin(2027, 6, 11)),)
    assert friday.windows == ()


def test_day_statuses_partial_reports_the_largest_group_free_together():
    day = date(2027, 6, 7)
    busy = {
        # Ana and Ben are free 18:00–23:00, Sam only 09:00–12:00; each is free for three hours.
        "ana": [(berlin(2027, 6, 7), berlin(2027, 6, 7, 18)), (berlin(2027, 6, 7, 23), berlin(2027, 6, 8))],
        "ben": [(berlin(2027, 6, 7), berlin(2027, 6, 7, 18)), (berlin(2027, 6, 7, 23), berlin(2027, 6, 8))],
        "sam": [(berlin(2027, 6, 7), berlin(2027, 6, 7, 9)), (berlin(2027, 6, 7, 12), berlin(2027, 6, 8))],
    }

    (status,) = day_statuses(busy, ["sam", "ana", "ben"], day, day, BERLIN, min_length=3 * H)

    assert (status.status, status.free_count, status.busy) == ("partial", 2, frozenset({"sam"}))


def test_day_statuses_knows_the_23_hour_spring_day():
    days = day_statuses({"ana": []}, ["ana"], date(2027, 3, 27), date(2027, 3, 29), BERLIN, min_length=3 * H)

    assert [d.windows[0][1] - d.windows[0][0] for d in days] == [24 * H, 23 * H, 24 * H]
    assert days[1].windows == ((utc(2027, 3, 27, 23), utc(2027, 3, 28, 22)),)


def test_day_statuses_without_required_members_is_all_green():
    (status,) = day_statuses({"ana": [(A, D)]}, [], date(2027, 1, 1), date(2027, 1, 1), "UTC", min_length=H)

    assert status.status == "green"
    assert status.windows == ((utc(2027, 1, 1), utc(2027, 1, 2)),)


def test_day_statuses_in_evening_hours_a_busy_evening_is_partial_whatever_the_morning():
    # Mon 7 and Tue 8 June 2027: Sam is busy 19:00–23:00 on Monday, free all morning.
    busy = {"ana": [], "ben": [], "sam": [(berlin(2027, 6, 7, 19), berlin(2027, 6, 7, 23))]}
    members, monday, tuesday = ["ana", "ben", "sam"], date(2027, 6, 7), date(2027, 6, 8)

    evenings = day_statuses(busy, members, monday, tuesday, BERLIN, min_length=3 * H, day_start=time(18))
    any_time = day_statuses(busy, members, monday, tuesday, BERLIN, min_length=3 * H)

    assert [(d.status, d.free_count, d.busy) for d in evenings] == [
        ("partial", 2, frozenset({"sam"})),
        ("green", 3, frozenset()),
    ]
    assert evenings[0].windows == ()
    # Only the evening counts, up to midnight: the window does not run into Wednesday.
    assert evenings[1].windows == ((berlin(2027, 6, 8, 18), berlin(2027, 6, 9)),)
    assert [d.status for d in any_time] == ["green", "green"]


def test_day_statuses_free_only_before_the_day_job_is_not_a_green_evening():
    # Everyone works 08:00–24:00 every day, so they are free together from midnight to 08:00.
    busy = {name: [(berlin(2027, 6, d, 8), berlin(2027, 6, d + 1)) for d in range(6, 12)] for name in ("ana", "ben")}
    first, last = date(2027, 6, 7), date(2027, 6, 10)

    whole_days = day_statuses(busy, ["ana", "ben"], first, last, BERLIN, min_length=3 * H)
    evenings = day_statuses(busy, ["ana", "ben"], first, last, BERLIN, min_length=3 * H, day_start=time(18))
    afternoons = day_statuses(
        busy, ["ana", "ben"], first, last, BERLIN, min_length=3 * H, day_start=time(12), day_end=time(18)
    )

    assert {d.status for d in whole_days} == {"green"}
    assert whole_days[0].windows == ((berlin(2027, 6, 7), berlin(2027, 6, 7, 8)),)
    assert {(d.status, d.windows) for d in evenings} == {("red", ())}
    assert {d.status for d in afternoons} == {"red"}


def test_day_statuses_late_hours_cross_midnight_and_belong_to_the_evening_they_open_on():
    # Fri 11 – Sun 13 June 2027 from 20:00 to 02:00, two hours wanted.
    busy = {
        "ana": [
            (berlin(2027, 6, 12, 20), berlin(2027, 6, 13)),  # Saturday until midnight
            (berlin(2027, 6, 13, 21), berlin(2027, 6, 14, 1)),  # Sunday 21:00–01:00
        ],
        "ben": [],
        "sam": [(berlin(2027, 6, 12, 2), berlin(2027, 6, 12, 18))],  # sleeps off Friday night: does not matter
    }

    friday, saturday, sunday = day_statuses(
        busy,
        ["ana", "ben", "sam"],
        date(2027, 6, 11),
        date(2027, 6, 13),
        BERLIN,
        min_length=2 * H,
        day_start=time(20),
        day_end=time(2),
    )

    assert friday.status == "green"
    assert friday.windows == ((berlin(2027, 6, 11, 20), berlin(2027, 6, 12, 2)),)
    # Saturday night after midnight is still Saturday's evening.
    assert saturday.status == "green"
    assert saturday.windows == ((berlin(2027, 6, 13), berlin(2027, 6, 13, 2)),)
    # An hour before and an hour after Ana's commitment: not two hours together.
    assert (sunday.status, sunday.free_count, sunday.busy) == ("partial", 2, frozenset({"ana"}))


def test_day_statuses_hours_on_the_spring_forward_night():
    # 28 March 2027 in Berlin has no 02:00–03:00: a range ending at 02:30 ends at 03:30 summer time, moved
    # forward by the gap like any local time that does not exist.
    (saturday,) = day_statuses(
        {"ana": []},
        ["ana"],
        date(2027, 3, 27),
        date(2027, 3, 27),
        BERLIN,
        min_length=H,
        day_start=time(22),
        day_end=time(2, 30),
    )

    assert saturday.windows == ((utc(2027, 3, 27, 21), utc(2027, 3, 28, 1, 30)),)


# ---- Candidate windows -------------------------------------------------------------------------------


def test_find_windows_evenings_on_fridays_and_saturdays_best_first():
    busy = {
        "ana": [(berlin(2027, 6, 11, 18), berlin(2027, 6, 11, 19))],
        "cat": [(berlin(2027, 6, 12, 18), berlin(2027, 6, 12, 21))],
        "dan": [(berlin(2027, 6, 11, 22), berlin(2027, 6, 11, 23))],
    }

    found = find_windows(
        busy,
        ["ana", "ben"],
        ["cat", "dan"],
        utc(2027, 6, 7),
        utc(2027, 6, 14),
        BERLIN,
        min_length=3 * H,
        day_start=time(18),
        day_end=time(0),
        weekdays=[4, 5],
    )

    everyone = frozenset({"ana", "ben", "cat", "dan"})
    assert found == [
        Candidate(berlin(2027, 6, 11, 19), berlin(2027, 6, 11, 22), everyone, frozenset()),
        Candidate(berlin(2027, 6, 12, 21), berlin(2027, 6, 13), everyone, frozenset()),
        Candidate(berlin(2027, 6, 12, 18), berlin(2027, 6, 13), everyone - {"cat"}, frozenset({"cat"})),
        Candidate(berlin(2027, 6, 11, 19), berlin(2027, 6, 12), everyone - {"dan"}, frozenset({"dan"})),
    ]


def test_find_windows_late_range_crosses_midnight_and_respects_limit():
    found = find_windows(
        {"ana": []},
        ["ana"],
        [],
        utc(2027, 6, 7),
        utc(2027, 6, 14),
        BERLIN,
        min_length=2 * H,
        day_start=time(20),
        day_end=time(2),
        weekdays=[4],
        limit=5,
    )

    assert [(c.start, c.end) for c in found] == [(berlin(2027, 6, 11, 20), berlin(2027, 6, 12, 2))]
    assert find_windows({}, ["ana"], [], utc(2027, 6, 7), utc(2027, 6, 14), BERLIN, min_length=H, limit=0) == []
