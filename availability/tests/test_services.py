"""The writes of the availability app: rules expand into busy intervals in UTC, changes replace
them, bad input saves nothing, and nobody changes someone else's time."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability import services
from availability.models import BusyInterval, ExternalCalendar, Rule
from availability.services import AvailabilityError, AvailabilityPermissionError

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
RULE, WINDOW, CALENDAR = BusyInterval.Source.RULE, BusyInterval.Source.WINDOW, BusyInterval.Source.CALENDAR
T = dt.time


def next_weekday(weekday: int, *, weeks: int = 1) -> dt.date:
    """A local date on `weekday` (0 = Monday) some weeks from now, well inside the horizon."""
    today = timezone.now().astimezone(BERLIN).date()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def berlin(day: dt.date, at: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=BERLIN).astimezone(dt.UTC)


def busy(user, source=RULE) -> list[tuple[dt.datetime, dt.datetime]]:
    return list(
        BusyInterval.objects.filter(user=user, source=source).order_by("starts_at").values_list("starts_at", "ends_at")
    )


def local_times(rows) -> list[tuple[dt.date, str, str]]:
    return [
        (s.astimezone(BERLIN).date(), f"{s.astimezone(BERLIN):%H:%M}", f"{e.astimezone(BERLIN):%H:%M}") for s, e in rows
    ]


@pytest.fixture
def user():
    return UserFactory(time_zone="Europe/Berlin")


def day_job(user, **overrides) -> Rule:
    monday = next_weekday(0)
    fields = {
        "title": "Day job",
        "start_date": monday,
        "start_time": T(9),
        "end_date": monday,
        "end_time": T(17),
        "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=10",
        **overrides,
    }
    return services.rule_create(user=user, **fields)


# ---- Materialisation -------------------------------------------------------------------------


def test_a_one_off_block_is_busy_at_its_utc_time(user):
    day = next_weekday(4)
    rule = services.rule_create(
        user=user, title="Wedding gig", start_date=day, start_time=T(19), end_date=day, end_time=T(23)
    )
    assert rule.time_zone == "Europe/Berlin"
    assert busy(user) == [(berlin(day, T(19)), berlin(day, T(23)))]
    assert BusyInterval.objects.get(user=user).starts_at.utcoffset() == dt.timedelta(0)
    rule.refresh_from_db()
    assert rule.materialised_until == services.horizon()[1]


def test_a_block_past_midnight_ends_the_next_day(user):
    day = next_weekday(5)
    services.rule_create(
        user=user, start_date=day, start_time=T(22), end_date=day + dt.timedelta(days=1), end_time=T(2)
    )
    assert busy(user) == [(berlin(day, T(22)), berlin(day + dt.timedelta(days=1), T(2)))]


def test_a_two_week_tour_covers_whole_local_days(user):
    first = next_weekday(0, weeks=3)
    last = first + dt.timedelta(days=13)
    services.rule_create(user=user, title="Tour", all_day=True, start_date=first, end_date=last)
    assert busy(user) == [(berlin(first, T(0)), berlin(last + dt.timedelta(days=1), T(0)))]


def test_a_weekly_rule_is_busy_on_each_chosen_day_at_the_same_local_time(user):
    day_job(user)
    rows = local_times(busy(user))
    assert len(rows) == 10
    assert {(start, end) for _, start, end in rows} == {("09:00", "17:00")}
    assert {day.weekday() for day, _, _ in rows} == {0, 1, 2, 3, 4}


def test_a_weekly_rule_keeps_its_local_time_across_a_daylight_saving_change(user):
    # The next day on which Berlin changes its clocks, within the horizon.
    today = timezone.now().astimezone(BERLIN).date()
    noon_offset = lambda day: dt.datetime.combine(day, T(12), tzinfo=BERLIN).utcoffset()  # noqa: E731
    change = next(
        today + dt.timedelta(days=k)
        for k in range(7, 380)
        if noon_offset(today + dt.timedelta(days=k)) != noon_offset(today + dt.timedelta(days=k - 1))
    )
    before = change - dt.timedelta(days=6)
    services.rule_create(
        user=user, start_date=before, start_time=T(19), end_date=before, end_time=T(22), rrule="FREQ=WEEKLY;COUNT=3"
    )
    rows = busy(user)
    assert [start for _, start, _ in local_times(rows)] == ["19:00", "19:00", "19:00"]
    offsets = {start.astimezone(BERLIN).utcoffset() for start, _ in rows}
    assert len(offsets) == 2


def test_updating_a_rule_replaces_its_busy_time(user):
    rule = day_job(user)
    services.rule_update(rule=rule, by=user, start_time=T(10), end_time=T(14), rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2")
    rows = local_times(busy(user))
    assert [(day.weekday(), start, end) for day, start, end in rows] == [(0, "10:00", "14:00"), (0, "10:00", "14:00")]


def test_deleting_a_rule_removes_its_busy_time_and_its_changed_dates(user):
    rule = day_job(user)
    services.rule_change_occurrence(
        rule=rule,
        by=user,
        on=rule.start_date,
        start_date=rule.start_date,
        start_time=T(12),
        end_date=rule.start_date,
        end_time=T(13),
    )
    services.rule_delete(rule=rule, by=user)
    assert busy(user) == []
    assert not Rule.objects.exists()


def test_skipping_an_occurrence_removes_just_that_one(user):
    rule = day_job(user)
    tuesday = rule.start_date + dt.timedelta(days=1)
    services.rule_skip_occurrence(rule=rule, by=user, on=tuesday)
    days = [day for day, _, _ in local_times(busy(user))]
    assert len(days) == 9
    assert tuesday not in days
    rule.refresh_from_db()
    assert rule.exdates == [tuesday.isoformat()]


def test_skipping_a_date_without_an_occurrence_is_refused(user):
    rule = day_job(user)
    saturday = rule.start_date + dt.timedelta(days=5)
    with pytest.raises(AvailabilityError, match="no occurrence"):
        services.rule_skip_occurrence(rule=rule, by=user, on=saturday)
    assert len(busy(user)) == 10


def test_a_one_off_block_has_no_occurrences_to_skip(user):
    day = next_weekday(2)
    rule = services.rule_create(user=user, start_date=day, start_time=T(9), end_date=day, end_time=T(10))
    with pytest.raises(AvailabilityError, match="does not repeat"):
        services.rule_skip_occurrence(rule=rule, by=user, on=day)


def test_changing_one_occurrence_moves_it_and_leaves_the_others(user):
    rule = day_job(user)
    wednesday = rule.start_date + dt.timedelta(days=2)
    override = services.rule_change_occurrence(
        rule=rule, by=user, on=wednesday, start_date=wednesday, start_time=T(13), end_date=wednesday, end_time=T(20)
    )
    assert override.series == rule and override.occurrence_date == wednesday and override.title == "Day job"
    rows = local_times(busy(user))
    assert len(rows) == 10
    assert [(start, end) for day, start, end in rows if day == wednesday] == [("13:00", "20:00")]
    # Changing the series later keeps the changed date as it is.
    services.rule_update(rule=Rule.objects.get(pk=rule.pk), by=user, start_time=T(8))
    assert [(start, end) for day, start, end in local_times(busy(user)) if day == wednesday] == [("13:00", "20:00")]


def test_an_only_available_window_makes_its_owner_busy_outside_it(user):
    friday = next_weekday(4)
    services.rule_create(
        user=user,
        kind=Rule.Kind.AVAILABLE,
        all_day=True,
        start_date=friday,
        end_date=friday + dt.timedelta(days=2),
        rrule="FREQ=WEEKLY",
    )
    _, end = services.horizon()
    rows = busy(user, WINDOW)
    assert busy(user, RULE) == []
    # Busy from Monday 00:00 to Friday 00:00 each week, free Friday to Sunday; nothing before the first window.
    monday = friday + dt.timedelta(days=3)
    assert rows[0] == (berlin(monday, T(0)), berlin(monday + dt.timedelta(days=4), T(0)))
    assert all(e - s == dt.timedelta(days=4) for s, e in rows[:-1])
    assert rows[-1][1] <= end
    assert len(rows) > 50


def test_a_second_window_merges_with_the_first(user):
    friday = next_weekday(4)
    services.rule_create(
        user=user,
        kind=Rule.Kind.AVAILABLE,
        start_date=friday,
        start_time=T(18),
        end_date=friday,
        end_time=T(23),
        rrule="FREQ=WEEKLY",
    )
    one_window = len(busy(user, WINDOW))
    tuesday = friday - dt.timedelta(days=3)
    services.rule_create(
        user=user,
        kind=Rule.Kind.AVAILABLE,
        start_date=tuesday,
        start_time=T(10),
        end_date=tuesday,
        end_time=T(12),
        rrule="FREQ=WEEKLY",
    )
    rows = busy(user, WINDOW)
    assert len(rows) > one_window
    assert not any(s < berlin(tuesday, T(11)) < e for s, e in rows)
    assert not any(s < berlin(friday, T(20)) < e for s, e in rows)
    assert any(s <= berlin(friday, T(12)) < e for s, e in rows)


def test_deleting_the_last_window_frees_its_owner(user):
    friday = next_weekday(4)
    window = services.rule_create(
        user=user, kind=Rule.Kind.AVAILABLE, all_day=True, start_date=friday, end_date=friday, rrule="FREQ=WEEKLY"
    )
    services.rule_delete(rule=window, by=user)
    assert busy(user, WINDOW) == []


def test_turning_a_busy_rule_into_a_window_moves_its_time(user):
    rule = day_job(user)
    services.rule_update(rule=rule, by=user, kind=Rule.Kind.AVAILABLE)
    assert busy(user, RULE) == []
    assert busy(user, WINDOW)
    services.rule_update(rule=rule, by=user, kind=Rule.Kind.BUSY)
    assert len(busy(user, RULE)) == 10
    assert busy(user, WINDOW) == []


def test_horizon_extend_extends_a_rule_and_prunes_old_rows(user):
    now = timezone.now()
    earlier = now - dt.timedelta(days=120)
    rule = services.rule_create(
        user=user,
        start_date=(earlier - dt.timedelta(days=70)).date(),
        start_time=T(19),
        end_date=(earlier - dt.timedelta(days=70)).date(),
        end_time=T(20),
        rrule="FREQ=DAILY",
    )
    services.rule_materialise(rule, now=earlier)
    BusyInterval.objects.create(
        user=user, starts_at=earlier - dt.timedelta(days=1), ends_at=earlier, source=CALENDAR, source_id=1
    )
    old_end = services.horizon(earlier)[1]
    assert max(e for _, e in busy(user)) <= old_end

    assert services.horizon_extend(now=now) == 1
    start, end = services.horizon(now)
    rows = busy(user)
    assert min(s for s, _ in rows) >= start - dt.timedelta(days=1)
    assert max(e for _, e in rows) > end - dt.timedelta(days=2)
    assert not BusyInterval.objects.filter(ends_at__lt=start).exists()
    rule.refresh_from_db()
    assert rule.materialised_until == end
    # Already current: nothing to do the second time.
    assert services.horizon_extend(now=now) == 0


def test_horizon_extend_also_extends_windows(user):
    now = timezone.now()
    earlier = now - dt.timedelta(days=30)
    window = services.rule_create(
        user=user,
        kind=Rule.Kind.AVAILABLE,
        all_day=True,
        start_date=(earlier - dt.timedelta(days=70)).date(),
        end_date=(earlier - dt.timedelta(days=70)).date(),
        rrule="FREQ=WEEKLY",
    )
    services.windows_materialise(user_id=user.pk, now=earlier)
    Rule.objects.filter(pk=window.pk).update(materialised_until=services.horizon(earlier)[1])
    services.horizon_extend(now=now)
    assert busy(user, WINDOW)[-1][1] == services.horizon(now)[1]


# ---- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error_field", "message"),
    [
        ({"end_date_offset": -1}, "end_date", "on or after the first day"),
        ({"end_time": T(19)}, "end_time", "after the start"),
        ({"end_time": T(18)}, "end_time", "after the start"),
        ({"start_time": None}, "start_time", "start time"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "not a time zone we know"),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule", "could not be read"),
        ({"rrule": "every monday"}, "rrule", "could not be read"),
        ({"rrule": "FREQ=HOURLY"}, "rrule", "at most once a day"),
        ({"rrule": "FREQ=DAILY;BYHOUR=9,12"}, "rrule", "at most once a day"),
        ({"rrule": "FREQ=DAILY;COUNT=3;UNTIL=20300101"}, "rrule", "not both"),
        ({"end_date_offset": 400}, "end_date", "at most a year"),
        ({"rrule": "FREQ=MONTHLY", "end_date_offset": 9}, "end_date", "at most 7 days"),
        ({"kind": "maybe"}, "kind", "not a valid choice"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_saved(user, fields, error_field, message):
    day = next_weekday(2)
    fields = dict(fields)
    offset = fields.pop("end_date_offset", 0)
    values = {
        "start_date": day,
        "start_time": T(19),
        "end_date": day + dt.timedelta(days=offset),
        "end_time": T(21),
        **fields,
    }
    with pytest.raises(ValidationError) as caught:
        services.rule_create(user=user, **values)
    assert error_field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[error_field])
    assert not Rule.objects.exists()
    assert not BusyInterval.objects.exists()


def test_a_bad_update_changes_nothing(user):
    rule = day_job(user)
    before = busy(user)
    with pytest.raises(ValidationError) as caught:
        services.rule_update(rule=rule, by=user, end_time=T(8))
    assert "end_time" in caught.value.message_dict
    rule.refresh_from_db()
    assert rule.end_time == T(17)
    assert busy(user) == before


def test_a_bad_change_of_one_date_changes_nothing(user):
    rule = day_job(user)
    with pytest.raises(ValidationError):
        services.rule_change_occurrence(
            rule=rule,
            by=user,
            on=rule.start_date,
            start_date=rule.start_date,
            start_time=T(12),
            end_date=rule.start_date,
            end_time=T(11),
        )
    rule.refresh_from_db()
    assert rule.exdates == []
    assert Rule.objects.count() == 1
    assert len(busy(user)) == 10


# ---- Someone else's time ------------------------------------------------------------------------


def test_nobody_changes_someone_elses_rules(user):
    rule = day_job(user)
    stranger = UserFactory()
    before = busy(user)
    calls = [
        lambda: services.rule_update(rule=rule, by=stranger, title="Mine now"),
        lambda: services.rule_delete(rule=rule, by=stranger),
        lambda: services.rule_skip_occurrence(rule=rule, by=stranger, on=rule.start_date),
        lambda: services.rule_change_occurrence(
            rule=rule,
            by=stranger,
            on=rule.start_date,
            start_date=rule.start_date,
            start_time=T(1),
            end_date=rule.start_date,
            end_time=T(2),
        ),
    ]
    for call in calls:
        with pytest.raises(AvailabilityPermissionError):
            call()
    rule.refresh_from_db()
    assert (rule.title, rule.exdates) == ("Day job", [])
    assert Rule.objects.count() == 1
    assert busy(user) == before


def test_nobody_removes_or_refreshes_someone_elses_calendar(user):
    calendar = ExternalCalendar.objects.create(user=user, url="https://calendar.example/secret.ics")
    stranger = UserFactory()
    with pytest.raises(AvailabilityPermissionError):
        services.calendar_remove(calendar=calendar, by=stranger)
    with pytest.raises(AvailabilityPermissionError):
        services.calendar_refresh_request(calendar=calendar, by=stranger)
    assert ExternalCalendar.objects.filter(pk=calendar.pk).exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [(dt.date(9999, 12, 31), "StageSlot plans at most three years ahead"), (dt.date(1, 1, 1), "Pick a date from 1970")],
)
def test_dates_beyond_any_plan_are_refused(user, day, message):
    with pytest.raises(ValidationError) as caught:
        services.rule_create(user=user, all_day=True, start_date=day, end_date=day)
    assert message in caught.value.message_dict["start_date"][0]
    assert not Rule.objects.exists()
