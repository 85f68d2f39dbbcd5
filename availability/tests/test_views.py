"""The availability pages: the calendar in month and week, its HTMX regions and dialog, adding and
changing rules through the friendly repeat fields, imported calendars, bad input, who may see
what, and query budgets that do not grow with the rows."""

import datetime as dt
import json
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability import services
from availability.models import BusyInterval, ExternalCalendar, Rule
from core.fields.scheduling import day_text, scheduling_last_day, scheduling_today

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
T = dt.time
CALENDAR = reverse("availability:calendar")
ADD = reverse("availability:rule_add")
RULES = reverse("availability:rules")
IMPORTS = reverse("availability:imports")
HTMX = {"HX-Request": "true"}
DIALOG = {**HTMX, "HX-Target": "cal-dialog-body"}


def today() -> dt.date:
    return timezone.now().astimezone(BERLIN).date()


def next_monday(weeks: int = 1) -> dt.date:
    day = today()
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 + 7 * (weeks - 1) or 7)


def berlin(day: dt.date, at: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=BERLIN)


@pytest.fixture
def user():
    return UserFactory(time_zone="Europe/Berlin", display_name="Mara")


@pytest.fixture
def me(client, user):
    client.force_login(user)
    return client


def day_job(user, **overrides) -> Rule:
    monday = next_monday()
    fields = {
        "title": "Day job",
        "start_date": monday,
        "start_time": T(9),
        "end_date": monday,
        "end_time": T(17),
        "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        **overrides,
    }
    return services.rule_create(user=user, **fields)


def form_data(day: dt.date, **overrides) -> dict:
    """What the add form posts for a one-off evening block."""
    return {
        "kind": "busy",
        "title": "Rehearsal",
        "start_date": day.isoformat(),
        "start_time": "19:00",
        "end_date": day.isoformat(),
        "end_time": "22:00",
        "time_zone": "Europe/Berlin",
        "repeat": "",
        "interval": "1",
        "monthly_mode": "date",
        "ends": "never",
        **overrides,
    }


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def checked(page: str, name: str, value: str) -> bool:
    """Whether the radio button or checkbox `name` = `value` is ticked."""
    return re.search(rf'name="{name}" value="{re.escape(value)}"[^>]*\schecked', page) is not None


def week_url(day: dt.date) -> str:
    return f"{CALENDAR}?view=week&date={day.isoformat()}"


def month_url(day: dt.date) -> str:
    return f"{CALENDAR}?date={day.isoformat()}"


# ---- Who may see what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [CALENDAR, week_url(dt.date(2026, 12, 7)), ADD, RULES, IMPORTS, reverse("availability:rule_edit", args=[1])],
)
def test_anonymous_people_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_anonymous_posts_change_nothing(client, user):
    rule = day_job(user)
    calendar = ExternalCalendar.objects.create(user=user, url="https://calendar.example/secret.ics")
    for url in (
        ADD,
        reverse("availability:rule_delete", args=[rule.pk]),
        reverse("availability:occurrence_skip", args=[rule.pk, rule.start_date]),
        reverse("availability:import_remove", args=[calendar.pk]),
    ):
        assert client.post(url, form_data(today())).status_code == 302
    assert Rule.objects.count() == 1
    assert ExternalCalendar.objects.count() == 1


def test_someone_elses_rules_and_calendars_are_not_found(me, user):
    stranger = UserFactory()
    rule = day_job(stranger)
    calendar = ExternalCalendar.objects.create(user=stranger, url="https://calendar.example/secret.ics")
    before = list(BusyInterval.objects.filter(user=stranger).values_list("starts_at", flat=True))
    on = rule.start_date
    gets = [
        reverse("availability:rule_edit", args=[rule.pk]),
        reverse("availability:rule_delete", args=[rule.pk]),
        reverse("availability:occurrence", args=[rule.pk, on]),
        reverse("availability:occurrence_edit", args=[rule.pk, on]),
    ]
    for url in gets:
        assert me.get(url).status_code == 404, url
    posts = [
        (reverse("availability:rule_edit", args=[rule.pk]), form_data(on, title="Mine now")),
        (reverse("availability:rule_delete", args=[rule.pk]), {}),
        (reverse("availability:occurrence_skip", args=[rule.pk, on]), {}),
        (reverse("availability:occurrence_edit", args=[rule.pk, on]), form_data(on)),
        (reverse("availability:import_refresh", args=[calendar.pk]), {}),
        (reverse("availability:import_remove", args=[calendar.pk]), {}),
    ]
    for url, data in posts:
        assert me.post(url, data).status_code == 404, url
        assert me.post(url, data, headers=DIALOG).status_code == 404, url
    rule.refresh_from_db()
    assert (rule.title, rule.exdates) == ("Day job", [])
    assert ExternalCalendar.objects.filter(pk=calendar.pk).exists()
    assert list(BusyInterval.objects.filter(user=stranger).values_list("starts_at", flat=True)) == before


def test_my_calendar_never_shows_someone_elses_time(me, user):
    day_job(UserFactory(), title="Their secret job")
    assert "Their secret job" not in text(me.get(month_url(next_monday())))


# ---- The calendar --------------------------------------------------------------------------------


def test_the_month_shows_busy_time_from_every_source_in_my_zone(me, user):
    monday = next_monday()
    day_job(user)
    calendar = ExternalCalendar.objects.create(user=user, url="https://calendar.example/secret.ics", name="Work")
    for source, source_id, start, end, title in [
        (BusyInterval.Source.CALENDAR, calendar.pk, T(6), T(7), "Dentist"),
        (BusyInterval.Source.BAND_BLOCK, 99, T(18), T(21), ""),
        (BusyInterval.Source.GIG, 98, T(21, 30), T(23, 30), ""),
    ]:
        # Saturday has room: a month day lists three blocks.
        day = monday + dt.timedelta(days=5 if source == BusyInterval.Source.GIG else 1)
        BusyInterval.objects.create(
            user=user,
            starts_at=berlin(day, start),
            ends_at=berlin(day, end),
            source=source,
            source_id=source_id,
            title=title,
        )
    page = text(me.get(month_url(monday)))
    assert "Times in <strong>Europe/Berlin</strong>" in page
    assert f"{monday:%B %Y}" in page
    assert "09:00–17:00" in page and "Day job" in page
    assert "06:00–07:00" in page and "Dentist" in page
    assert "Band rehearsal or hold" in page and "18:00–21:00" in page
    assert "21:30–23:30" in page and ">Gig<" in page
    occurrence = reverse("availability:occurrence", args=[Rule.objects.get().pk, monday])
    assert f'href="{occurrence}"' in page and f'hx-get="{occurrence}"' in page


def test_times_follow_my_zone(me, user):
    user.time_zone = "America/New_York"
    user.save()
    monday = next_monday()
    services.rule_create(
        user=user,
        title="Gig",
        start_date=monday,
        start_time=T(20),
        end_date=monday,
        end_time=T(23),
        time_zone="Europe/Berlin",
    )
    page = text(me.get(week_url(monday)))
    assert "Times in <strong>America/New_York</strong>" in page
    local = berlin(monday, T(20)).astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert f"{local:%H:%M}–" in page


def test_the_week_places_blocks_on_the_time_grid(me, user):
    monday = next_monday()
    day_job(user)
    services.rule_create(
        user=user, title="Lesson", start_date=monday, start_time=T(12), end_date=monday, end_time=T(13)
    )
    services.rule_create(
        user=user,
        title="Late gig",
        start_date=monday + dt.timedelta(days=2),
        start_time=T(22),
        end_date=monday + dt.timedelta(days=3),
        end_time=T(2),
    )
    page = text(me.get(week_url(monday + dt.timedelta(days=3))))
    assert f"{monday:%-d %b} – " in page
    # 09:00 is 37.5 % down the day, eight hours 33.3 % tall; the lesson overlaps it, so they share the width.
    assert "--top: 37.500%; --height: 33.333%; --lane: 0; --lanes: 2" in page
    assert "--top: 50.000%; --height: 4.167%; --lane: 1; --lanes: 2" in page
    assert "from 22:00" in page and "until 02:00" in page
    slot = f"{ADD}?date={monday.isoformat()}&amp;time=19:00"
    assert f'href="{slot}"' in page and f'hx-get="{slot}"' in page


def test_whole_days_sit_in_the_all_day_row(me, user):
    monday = next_monday()
    services.rule_create(
        user=user, title="Tour", all_day=True, start_date=monday, end_date=monday + dt.timedelta(days=13)
    )
    week = text(me.get(week_url(monday)))
    assert week.count('<span class="cal-event__time">All day</span> <span class="cal-event__title">Tour</span>') == 7
    month = text(me.get(month_url(monday)))
    assert month.count(">Tour<") >= 7


def test_only_available_windows_are_explained_and_shaded(me, user):
    friday = next_monday() + dt.timedelta(days=4)
    services.rule_create(
        user=user,
        kind=Rule.Kind.AVAILABLE,
        start_date=friday,
        start_time=T(18),
        end_date=friday,
        end_time=T(23),
        rrule="FREQ=WEEKLY;BYDAY=FR,SA,SU",
    )
    month = text(me.get(month_url(friday)))
    assert "Outside them you count as busy" in month
    assert "Available 18:00–23:00" in month
    assert "Not available" in month
    # The first window starts on that Friday; the week after is shaded from Monday on.
    week = text(me.get(week_url(friday + dt.timedelta(days=7))))
    assert 'class="cal-shade"' in week and "cal-shade--day" in week


def test_without_windows_the_page_offers_one(me):
    page = text(me.get(CALENDAR))
    assert "Add an only-available window" in page
    assert "outside it you count as busy" in page


def test_a_month_day_with_many_blocks_links_to_its_week(me, user):
    monday = next_monday()
    for hour in range(8, 14):
        services.rule_create(
            user=user,
            title=f"Lesson {hour}",
            start_date=monday,
            start_time=T(hour),
            end_date=monday,
            end_time=T(hour, 45),
        )
    page = text(me.get(month_url(monday)))
    assert "+3 more" in page
    assert f'href="{CALENDAR}?view=week&amp;date={monday.isoformat()}"' in page


def test_navigation_links_are_real_urls_that_htmx_pushes(me):
    page = text(me.get(f"{CALENDAR}?view=month&date=2026-12-15"))
    assert "December 2026" in page
    for url in (
        f"{CALENDAR}?view=month&amp;date=2026-11-01",
        f"{CALENDAR}?view=month&amp;date=2027-01-01",
        f"{CALENDAR}?view=week&amp;date=2026-12-15",
    ):
        assert f'href="{url}" hx-get="{url}" hx-target="#calendar" hx-swap="outerHTML" hx-push-url="true"' in page
    week = text(me.get(f"{CALENDAR}?view=week&date=2026-12-15"))
    assert "14 Dec – 20 Dec 2026" in week
    assert f'href="{CALENDAR}?view=week&amp;date=2026-12-07"' in week


def test_htmx_navigation_gets_only_the_calendar(me):
    response = me.get(f"{CALENDAR}?view=week&date=2026-12-15", headers={**HTMX, "HX-Target": "calendar"})
    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="calendar"')
    assert "<html" not in page and "14 Dec – 20 Dec 2026" in page
    # It refreshes itself, at its own address, when something changes.
    assert f'hx-get="{CALENDAR}?view=week&amp;date=2026-12-15" hx-trigger="availability-changed from:body"' in page


def test_a_history_restore_gets_the_whole_page(me):
    response = me.get(
        f"{CALENDAR}?view=week&date=2026-12-15",
        headers={**HTMX, "HX-Target": "calendar", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["?date=soon", "?date=2026-02-30", "?view=year&date=99999-01-01", "?date=0001-01-01", "?date=9999-12-31"]
)
def test_odd_addresses_show_this_month(me, query):
    response = me.get(CALENDAR + query)
    assert response.status_code == 200
    assert f"{today():%B %Y}" in text(response)


def test_far_months_say_how_far_busy_time_is_kept(me):
    far = today() + services.horizon_ahead() + dt.timedelta(days=40)
    assert "Busy time is kept up to" in text(me.get(month_url(far)))
    past = today() - dt.timedelta(days=200)
    assert "no longer kept" in text(me.get(month_url(past)))


# ---- Adding busy time ----------------------------------------------------------------------------


def test_clicking_a_day_opens_the_dialog_with_that_day(me):
    day = next_monday()
    response = me.get(f"{ADD}?date={day.isoformat()}", headers=DIALOG)
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert 'id="cal-dialog-title"' in page
    assert f"Busy all day on {day:%a %-d %b}" in page
    assert f'name="start_date" value="{day.isoformat()}"' in page
    assert 'name="all_day" id="id_all_day" checked' in page
    assert f'hx-post="{ADD}?date={day.isoformat()}"' in page


def test_clicking_an_hour_prefills_an_hour_from_it(me):
    day = next_monday()
    page = text(me.get(f"{ADD}?date={day.isoformat()}&time=23:00", headers=DIALOG))
    assert 'name="start_time" value="23:00"' in page
    assert 'name="end_time" value="00:00"' in page
    assert f'name="end_date" value="{(day + dt.timedelta(days=1)).isoformat()}"' in page


@pytest.mark.parametrize("query", ["?date=9999-12-31&time=23:30", "?date=someday&time=25:00", "?time=19:00:00%2B02:00"])
def test_odd_add_addresses_still_offer_the_form(me, query):
    response = me.get(ADD + query, headers=DIALOG)
    assert response.status_code == 200 and 'name="start_date"' in text(response)


def test_without_javascript_the_add_page_is_a_full_page(me):
    page = text(me.get(f"{ADD}?date=2026-12-07"))
    assert "<html" in page and "My availability" in page
    assert "hx-post" not in page.split('class="cal-form"')[1].split(">")[0]


def test_a_block_added_in_the_dialog_refreshes_the_calendar(me, user):
    day = next_monday()
    response = me.post(ADD, form_data(day), headers=DIALOG)
    assert response.status_code == 204
    trigger = json.loads(response["HX-Trigger"])
    assert "availability-changed" in trigger
    assert "Your busy time is saved" in trigger["availability-changed"]["message"]
    rule = Rule.objects.get()
    assert (rule.user, rule.title, rule.rrule) == (user, "Rehearsal", "")
    assert list(BusyInterval.objects.values_list("starts_at", "ends_at")) == [(berlin(day, T(19)), berlin(day, T(22)))]


def test_a_block_added_without_javascript_goes_back_to_its_month(me):
    day = next_monday()
    response = me.post(ADD, form_data(day))
    assert response.status_code == 302
    assert response.url == f"{CALENDAR}?date={day.isoformat()}"
    assert "Your busy time is saved" in text(me.get(response.url))


def test_the_quick_whole_day_button_blocks_the_day(me):
    day = next_monday()
    data = {
        "kind": "busy",
        "all_day": "on",
        "start_date": day,
        "end_date": day,
        "time_zone": "Europe/Berlin",
        "repeat": "",
        "ends": "never",
    }
    assert me.post(ADD, data, headers=DIALOG).status_code == 204
    rule = Rule.objects.get()
    assert rule.all_day and rule.start_date == rule.end_date == day


@pytest.mark.parametrize(
    ("fields", "rrule"),
    [
        ({"repeat": "WEEKLY", "weekdays": ["MO", "TU", "WE", "TH", "FR"]}, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        ({"repeat": "WEEKLY", "interval": "2", "weekdays": ["FR", "MO"]}, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"),
        ({"repeat": "WEEKLY"}, "FREQ=WEEKLY;BYDAY=MO"),
        ({"repeat": "DAILY", "ends": "count", "count": "5"}, "FREQ=DAILY;COUNT=5"),
        ({"repeat": "MONTHLY", "month_day": "14"}, "FREQ=MONTHLY;BYMONTHDAY=14"),
        (
            {"repeat": "MONTHLY", "monthly_mode": "weekday", "month_ordinal": "2", "month_weekday": "TU"},
            "FREQ=MONTHLY;BYDAY=2TU",
        ),
        (
            {"repeat": "MONTHLY", "monthly_mode": "weekday", "month_ordinal": "-1", "month_weekday": "FR"},
            "FREQ=MONTHLY;BYDAY=-1FR",
        ),
        (
            {"repeat": "WEEKLY", "weekdays": ["SA"], "ends": "until", "until": "UNTIL"},
            "FREQ=WEEKLY;UNTIL={until}T235959;BYDAY=SA",
        ),
        (
            {"repeat": "CUSTOM", "custom_rrule": "RRULE:freq=yearly;bymonth=12;bymonthday=24"},
            "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24",
        ),
    ],
)
def test_the_repeat_fields_become_a_repeat_rule(me, fields, rrule):
    day = next_monday()
    until = day + dt.timedelta(days=60)
    fields = {key: (until.isoformat() if value == "UNTIL" else value) for key, value in fields.items()}
    assert me.post(ADD, form_data(day, **fields), headers=DIALOG).status_code == 204
    rule = Rule.objects.get()
    assert rule.rrule == rrule.format(until=f"{until:%Y%m%d}")
    assert BusyInterval.objects.filter(source_id=rule.pk).exists()


def test_a_window_is_added_like_a_block(me, user):
    friday = next_monday() + dt.timedelta(days=4)
    page = text(me.get(f"{ADD}?kind=available&date={friday.isoformat()}", headers=DIALOG))
    assert checked(page, "kind", "available") and not checked(page, "kind", "busy")
    data = form_data(friday, kind="available", all_day="on", repeat="WEEKLY", weekdays=["FR", "SA", "SU"])
    assert me.post(ADD, data, headers=DIALOG).status_code == 204
    assert Rule.objects.get().kind == Rule.Kind.AVAILABLE
    assert BusyInterval.objects.filter(user=user, source=BusyInterval.Source.WINDOW).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"end_date": "PREVIOUS"}, "end_date", "on or after the first day"),
        ({"end_time": "19:00"}, "end_time", "The end must be after the start"),
        ({"start_time": ""}, "start_time", "Enter a start time"),
        ({"start_date": "31/02/2026"}, "start_date", "Enter a valid date"),
        ({"start_date": "9999-12-31", "end_date": "9999-12-31", "all_day": "on"}, "start_date", "at most three years"),
        ({"repeat": "DAILY", "ends": "until", "until": "9999-12-31"}, "until", "pick a date up to"),
        ({"start_date": "2199-12-31", "end_date": "2199-12-31"}, "start_date", "at most three years ahead"),
        ({"end_date": "9999-12-31", "all_day": "on"}, "end_date", "at most three years ahead"),
        ({"start_date": "0001-01-01", "end_date": "0001-01-01"}, "start_date", "That is too long ago to plan for"),
        ({"repeat": "CUSTOM", "custom_rrule": "FREQ=DAILY;UNTIL=99991231"}, "custom_rrule", "UNTIL is Fri 31 Dec 9999"),
        ({"repeat": "WEEKLY", "ends": "until", "until": "2199-01-01"}, "until", "or choose “Keeps going”"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "not a time zone we know"),
        ({"repeat": "CUSTOM", "custom_rrule": "every second tuesday"}, "custom_rrule", "could not be read"),
        ({"repeat": "CUSTOM", "custom_rrule": "FREQ=HOURLY"}, "custom_rrule", "at most once a day"),
        ({"repeat": "CUSTOM", "custom_rrule": "FREQ=DAILY;BYMINUTE=5"}, "custom_rrule", "at most once a day"),
        ({"repeat": "WEEKLY", "interval": "0"}, "interval", "greater than or equal to 1"),
        ({"repeat": "WEEKLY", "ends": "until", "until": "PREVIOUS"}, "until", "on or after the first day"),
        ({"repeat": "WEEKLY", "ends": "count", "count": ""}, "count", "how many times"),
        ({"repeat": "MONTHLY", "end_date": "LATER"}, "end_date", "at most 7 days"),
        ({"repeat": "YEARLY"}, "repeat", "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(me, fields, field, message):
    day = next_monday()
    swaps = {"PREVIOUS": (day - dt.timedelta(days=1)).isoformat(), "LATER": (day + dt.timedelta(days=9)).isoformat()}
    data = form_data(day, **{key: swaps.get(value, value) for key, value in fields.items()})
    in_dialog = me.post(ADD, data, headers=DIALOG)
    assert in_dialog.status_code == 200
    page = text(in_dialog)
    assert "<html" not in page and 'id="cal-dialog-title"' in page
    errors = re.search(
        rf'<div id="id_{field}_error">.*?</ul>|<ul class="errorlist" id="id_{field}_error">.*?</ul>', page
    )
    assert errors is not None, page
    assert message in errors.group(0)
    assert me.post(ADD, data).status_code == 400
    assert not Rule.objects.exists()
    assert not BusyInterval.objects.exists()


# ---- Changing and removing ---------------------------------------------------------------------------


def test_the_last_dates_allowed_are_named_and_taken(me, user):
    last = scheduling_last_day(scheduling_today(BERLIN))
    message = f"StageSlot plans at most three years ahead: pick a date up to {day_text(last)}."
    beyond = form_data(last + dt.timedelta(days=1))
    assert message in text(me.post(ADD, beyond))
    weekly = form_data(next_monday(), repeat="WEEKLY", ends="until", until=(last + dt.timedelta(days=1)).isoformat())
    assert message[:-1] + ", or choose “Keeps going”." in text(me.post(ADD, weekly))
    assert not Rule.objects.exists()
    assert me.post(ADD, form_data(last), headers=DIALOG).status_code == 204
    weekly["until"] = last.isoformat()
    assert me.post(ADD, weekly, headers=DIALOG).status_code == 204
    assert Rule.objects.count() == 2


def test_a_rule_that_started_long_ago_can_still_be_edited(me, user):
    long_ago = today() - dt.timedelta(days=4 * 365)
    rule = day_job(user, start_date=long_ago, end_date=long_ago, rrule="FREQ=WEEKLY")
    data = form_data(long_ago, title="Old job, new name", start_time="09:00", end_time="17:00", repeat="WEEKLY")
    data["weekdays"] = [["MO", "TU", "WE", "TH", "FR", "SA", "SU"][long_ago.weekday()]]
    assert me.post(reverse("availability:rule_edit", args=[rule.pk]), data, headers=DIALOG).status_code == 204
    rule.refresh_from_db()
    assert (rule.title, rule.start_date) == ("Old job, new name", long_ago)
    # Moving it further back is a new date, and that one is too long ago.
    data["start_date"] = data["end_date"] = (long_ago - dt.timedelta(days=7)).isoformat()
    response = me.post(reverse("availability:rule_edit", args=[rule.pk]), data)
    assert response.status_code == 400
    assert "That is too long ago to plan for" in text(response)


def test_one_date_of_a_series_cannot_move_beyond_the_horizon(me, user):
    rule = day_job(user)
    wednesday = rule.start_date + dt.timedelta(days=2)
    url = reverse("availability:occurrence_edit", args=[rule.pk, wednesday])
    data = {
        "title": "Moved",
        "start_date": "9999-12-30",
        "start_time": "23:00",
        "end_date": "9999-12-31",
        "end_time": "01:00",
    }
    response = me.post(url, data)
    assert response.status_code == 400
    assert "StageSlot plans at most three years ahead" in text(response)
    assert not Rule.objects.filter(series=rule).exists()


def test_clicking_an_occurrence_offers_the_choices(me, user):
    rule = day_job(user)
    tuesday = rule.start_date + dt.timedelta(days=1)
    page = text(me.get(reverse("availability:occurrence", args=[rule.pk, tuesday]), headers=DIALOG))
    assert f"{tuesday:%a %-d %b %Y}, 09:00–17:00" in page
    assert "Every Monday to Friday, 09:00–17:00" in page
    for choice in (
        "Change this date only",
        "Edit the whole series",
        f"Skip {tuesday:%a %-d %b}",
        "Delete the whole series",
    ):
        assert choice in page


def test_a_date_without_an_occurrence_is_not_found(me, user):
    rule = day_job(user)
    saturday = rule.start_date + dt.timedelta(days=5)
    assert me.get(reverse("availability:occurrence", args=[rule.pk, saturday])).status_code == 404
    assert me.get(reverse("availability:occurrence_edit", args=[rule.pk, saturday])).status_code == 404
    assert me.get(f"/me/availability/rules/{rule.pk}/2026-02-30/").status_code == 404


def test_skipping_a_date_in_the_dialog(me, user):
    rule = day_job(user)
    tuesday = rule.start_date + dt.timedelta(days=1)
    response = me.post(reverse("availability:occurrence_skip", args=[rule.pk, tuesday]), headers=DIALOG)
    assert response.status_code == 204
    assert "availability-changed" in response["HX-Trigger"]
    rule.refresh_from_db()
    assert rule.exdates == [tuesday.isoformat()]
    assert not BusyInterval.objects.filter(starts_at=berlin(tuesday, T(9))).exists()
    # Twice is explained, not a crash.
    again = me.post(reverse("availability:occurrence_skip", args=[rule.pk, tuesday]), headers=DIALOG)
    assert again.status_code == 200 and "has no occurrence" in text(again)
    assert me.get(reverse("availability:occurrence_skip", args=[rule.pk, tuesday])).status_code == 405


def test_changing_one_date_in_the_dialog(me, user):
    rule = day_job(user)
    wednesday = rule.start_date + dt.timedelta(days=2)
    url = reverse("availability:occurrence_edit", args=[rule.pk, wednesday])
    page = text(me.get(url, headers=DIALOG))
    assert 'name="start_time" value="09:00"' in page and "Day job" in page
    data = {
        "title": "Day job (late)",
        "start_date": wednesday,
        "start_time": "13:00",
        "end_date": wednesday,
        "end_time": "21:00",
    }
    assert me.post(url, data, headers=DIALOG).status_code == 204
    override = Rule.objects.get(series=rule)
    assert (override.occurrence_date, override.start_time, override.title) == (wednesday, T(13), "Day job (late)")
    assert BusyInterval.objects.filter(source_id=override.pk, starts_at=berlin(wednesday, T(13))).exists()
    # Its own block on the calendar opens it, not the series.
    page = text(me.get(reverse("availability:occurrence", args=[override.pk, wednesday]), headers=DIALOG))
    assert "Change this date" in page and "Edit the whole series" in page


def test_a_bad_change_of_one_date_is_explained(me, user):
    rule = day_job(user)
    url = reverse("availability:occurrence_edit", args=[rule.pk, rule.start_date])
    data = {"start_date": rule.start_date, "start_time": "13:00", "end_date": rule.start_date, "end_time": "12:00"}
    response = me.post(url, data, headers=DIALOG)
    assert response.status_code == 200 and "The end must be after the start" in text(response)
    assert not Rule.objects.filter(series=rule).exists()


def test_editing_a_series_prefills_the_repeat_fields(me, user):
    rule = day_job(user, rrule="FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR;COUNT=6")
    page = text(me.get(reverse("availability:rule_edit", args=[rule.pk]), headers=DIALOG))
    assert '<option value="MONTHLY" selected>' in page
    assert 'name="interval" value="2"' in page
    assert checked(page, "monthly_mode", "weekday")
    assert '<option value="-1" selected>last</option>' in page
    assert '<option value="FR" selected>Fri</option>' in page
    assert checked(page, "ends", "count") and 'name="count" value="6"' in page


def test_editing_a_weekly_series_with_an_end_date(me, user):
    until = next_monday() + dt.timedelta(days=400)
    rule = day_job(user, rrule=f"FREQ=WEEKLY;BYDAY=TU,TH;UNTIL={until:%Y%m%d}T235959")
    page = text(me.get(reverse("availability:rule_edit", args=[rule.pk])))
    assert '<option value="WEEKLY" selected>' in page
    assert checked(page, "weekdays", "TU") and checked(page, "weekdays", "TH") and not checked(page, "weekdays", "MO")
    assert f'name="until" value="{until.isoformat()}"' in page


def test_a_rule_the_friendly_fields_cannot_say_is_edited_as_a_custom_rule(me, user):
    rule = day_job(user, rrule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24,31")
    page = text(me.get(reverse("availability:rule_edit", args=[rule.pk])))
    assert '<option value="CUSTOM" selected>' in page
    assert 'value="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24,31"' in page


def test_editing_the_whole_series(me, user):
    rule = day_job(user)
    data = form_data(
        rule.start_date,
        title="Part-time job",
        start_time="09:00",
        end_time="13:00",
        repeat="WEEKLY",
        weekdays=["MO", "WE"],
    )
    assert me.post(reverse("availability:rule_edit", args=[rule.pk]), data, headers=DIALOG).status_code == 204
    rule.refresh_from_db()
    assert (rule.title, rule.rrule, rule.end_time) == ("Part-time job", "FREQ=WEEKLY;BYDAY=MO,WE", T(13))
    weekdays = {s.astimezone(BERLIN).weekday() for s in BusyInterval.objects.values_list("starts_at", flat=True)}
    assert weekdays == {0, 2}


def test_a_bad_edit_keeps_the_rule(me, user):
    rule = day_job(user)
    data = form_data(rule.start_date, repeat="CUSTOM", custom_rrule="FREQ=MINUTELY")
    response = me.post(reverse("availability:rule_edit", args=[rule.pk]), data)
    assert response.status_code == 400 and "at most once a day" in text(response)
    rule.refresh_from_db()
    assert rule.rrule == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def test_deleting_a_series(me, user):
    rule = day_job(user)
    url = reverse("availability:rule_delete", args=[rule.pk])
    confirm = text(me.get(url, headers=DIALOG))
    assert "Delete “Day job”?" in confirm and "Every date of this series goes" in confirm
    response = me.post(url, headers=DIALOG)
    assert response.status_code == 204 and "availability-changed" in response["HX-Trigger"]
    assert not Rule.objects.exists() and not BusyInterval.objects.exists()


def test_deleting_without_javascript_returns_to_the_calendar(me, user):
    rule = day_job(user)
    response = me.post(reverse("availability:rule_delete", args=[rule.pk]))
    assert response.status_code == 302 and response.url.startswith(CALENDAR)


# ---- The list of rules ------------------------------------------------------------------------------


def test_the_rules_are_listed_in_plain_words(me, user):
    until = next_monday() + dt.timedelta(days=400)
    rule = day_job(user, rrule=f"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL={until:%Y%m%d}T235959")
    tuesday = rule.start_date + dt.timedelta(days=1)
    services.rule_skip_occurrence(rule=rule, by=user, on=tuesday)
    wednesday = tuesday + dt.timedelta(days=1)
    services.rule_change_occurrence(
        rule=rule, by=user, on=wednesday, start_date=wednesday, start_time=T(12), end_date=wednesday, end_time=T(18)
    )
    friday = next_monday() + dt.timedelta(days=4)
    services.rule_create(
        user=user,
        kind=Rule.Kind.AVAILABLE,
        all_day=True,
        start_date=friday,
        end_date=friday + dt.timedelta(days=2),
        rrule="FREQ=WEEKLY",
    )
    services.rule_create(
        user=user,
        title="Holiday",
        all_day=True,
        start_date=friday,
        end_date=friday + dt.timedelta(days=13),
        time_zone="Europe/Lisbon",
    )
    page = text(me.get(RULES))
    assert f"Every Monday to Friday, 09:00–17:00, until {until.day} {until:%b %Y}" in page
    assert f"Skipped: {tuesday:%a %-d %b %Y}" in page
    assert f"{wednesday:%a %-d %b} changed to {wednesday:%a %-d %b %Y}, 12:00–18:00" in page
    assert "Only-available windows" in page and "outside your windows you count as busy" in page
    assert "all day for 3 days" in page
    assert "(Europe/Lisbon)" in page and "Holiday" in page


def test_the_rule_list_refreshes_itself_after_a_change(me, user):
    day_job(user)
    response = me.get(RULES, headers={**HTMX, "HX-Target": "rules"})
    page = text(response)
    assert page.lstrip().startswith('<div id="rules"') and "<html" not in page
    assert 'hx-trigger="availability-changed from:body"' in page


# ---- Imported calendars -----------------------------------------------------------------------------


def test_the_import_page_lists_calendars_without_their_secret_address(me, user):
    now = timezone.now()
    ExternalCalendar.objects.create(
        user=user,
        url="https://calendar.example/private/abc123secret/basic.ics",
        name="Work",
        last_synced_at=berlin(dt.date(2026, 12, 1), T(14, 5)),
        last_attempt_at=now,
        event_count=12,
        last_error="The calendar server had an error (HTTP 503).",
        failures=2,
    )
    page = text(me.get(IMPORTS))
    assert "Work" in page and "https://calendar.example/…" in page
    assert "abc123secret" not in page
    assert "Last read 1 Dec 2026, 14:05" in page and "12 events" in page
    assert "The calendar server had an error (HTTP 503)." in page
    assert "We keep the events from the last good read." in page
    assert "Refresh now" in page and "Remove" in page


def test_adding_a_calendar(me, user, django_capture_on_commit_callbacks, monkeypatch):
    synced = []
    monkeypatch.setattr(services, "_queue_sync", synced.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = me.post(
            IMPORTS,
            {"url": "webcal://calendar.example/me.ics", "name": "Band diary"},
            headers={**HTMX, "HX-Target": "imports"},
        )
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    calendar = ExternalCalendar.objects.get()
    assert synced == [calendar.pk]
    assert (calendar.user, calendar.url, calendar.name) == (user, "https://calendar.example/me.ics", "Band diary")
    assert "“Band diary” is added" in page and "Not read yet" in page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://calendar.example/me.ics", "https:// or webcal://"),
        ("file:///etc/passwd", "https:// or webcal://"),
        ("", "This field is required"),
        ("https://" + "a" * 2000 + ".example/", "at most 2000 characters"),
    ],
)
def test_a_bad_import_address_is_explained_and_nothing_is_saved(me, url, message):
    response = me.post(IMPORTS, {"url": url}, headers={**HTMX, "HX-Target": "imports"})
    assert response.status_code == 200
    assert message in text(response)
    assert me.post(IMPORTS, {"url": url}).status_code == 400
    assert not ExternalCalendar.objects.exists()


def test_refreshing_and_removing_a_calendar(me, user, monkeypatch, django_capture_on_commit_callbacks):
    synced = []
    monkeypatch.setattr(services, "_queue_sync", synced.append)
    calendar = ExternalCalendar.objects.create(user=user, url="https://calendar.example/me.ics", name="Work")
    BusyInterval.objects.create(
        user=user,
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=1),
        source="calendar",
        source_id=calendar.pk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        refresh = me.post(reverse("availability:import_refresh", args=[calendar.pk]))
    assert refresh.status_code == 302 and synced == [calendar.pk]
    removed = me.post(
        reverse("availability:import_remove", args=[calendar.pk]), headers={**HTMX, "HX-Target": "imports"}
    )
    assert removed.status_code == 200 and "“Work” is removed" in text(removed)
    assert "availability-changed" in removed["HX-Trigger"]
    assert not ExternalCalendar.objects.exists() and not BusyInterval.objects.exists()


# ---- Query budgets ------------------------------------------------------------------------------------


def fill(user, count: int) -> None:
    """`count` rules and as many imported events in the coming weeks."""
    monday = next_monday()
    calendar = ExternalCalendar.objects.create(user=user, url="https://calendar.example/me.ics")
    for n in range(count):
        day = monday + dt.timedelta(days=n % 21)
        services.rule_create(
            user=user,
            title=f"Block {n}",
            start_date=day,
            start_time=T(8 + n % 12),
            end_date=day,
            end_time=T(9 + n % 12),
        )
        BusyInterval.objects.create(
            user=user,
            starts_at=berlin(day, T(6)),
            ends_at=berlin(day, T(7)),
            source="calendar",
            source_id=calendar.pk,
            title=f"Event {n}",
        )
    services.rule_create(
        user=user,
        kind=Rule.Kind.AVAILABLE,
        all_day=True,
        start_date=monday,
        end_date=monday,
        rrule="FREQ=WEEKLY;BYDAY=MO,WE",
    )


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        # Session, user, the person's rules (titles), their busy intervals in the window.
        (month_url(today() + dt.timedelta(days=7)), 4),
        (week_url(today() + dt.timedelta(days=7)), 4),
        # Session, user, the list.
        (RULES, 3),
        (IMPORTS, 3),
    ],
)
def test_pages_take_the_same_queries_for_few_and_many_rows(me, user, url, budget, django_assert_max_num_queries):
    counts = []
    for count in (0, 50):
        if count:
            fill(user, count)
        with CaptureQueriesContext(connection) as queries:
            assert me.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(budget):
        me.get(url)


def test_the_dialog_and_calendar_partial_have_small_budgets(me, user, django_assert_max_num_queries):
    fill(user, 20)
    rule = Rule.objects.filter(kind=Rule.Kind.BUSY).first()
    with django_assert_max_num_queries(4):
        me.get(week_url(next_monday()), headers={**HTMX, "HX-Target": "calendar"})
    with django_assert_max_num_queries(4):
        me.get(reverse("availability:occurrence", args=[rule.pk, rule.start_date]), headers=DIALOG)
    with django_assert_max_num_queries(4):
        me.get(reverse("availability:rule_edit", args=[rule.pk]), headers=DIALOG)


# ---- In a real browser ---------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_dialog_adds_changes_and_skips_without_reloading_the_page(live_server, browser, axe_check):
    from accounts.tests.factories import PASSWORD

    UserFactory(email="drummer@example.com", time_zone="Europe/Berlin")
    monday = next_monday()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email:").fill("drummer@example.com")
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.get_by_role("link", name="Availability").click()
    page.get_by_role("link", name="Week").click()
    page.wait_for_url(re.compile(r"view=week"))
    page.goto(f"{live_server.url}{week_url(monday)}")
    axe_check(page)
    page.evaluate("window.notReloaded = true")

    # An hour of Tuesday: the dialog opens with that time, the repeat details appear when asked for.
    tuesday = monday + dt.timedelta(days=1)
    page.locator(f'a.cal-slot[href$="date={tuesday.isoformat()}&time=19:00"]').click(force=True)
    dialog = page.locator("dialog#cal-dialog")
    dialog.get_by_label("What is it:").fill("Band practice")
    assert dialog.get_by_label("From:").input_value() == "19:00"
    axe_check(page, what="the busy-time dialog")
    assert not dialog.get_by_label("Number of times:").is_visible()
    dialog.get_by_label("Repeats:").select_option("WEEKLY")
    dialog.get_by_label("After a number of times").check()
    dialog.get_by_label("Number of times:").fill("4")
    dialog.get_by_role("button", name="Save").click()
    page.wait_for_selector("dialog#cal-dialog[open]", state="detached")
    chip = page.locator("#calendar a.cal-event", has_text="Band practice")
    chip.wait_for()
    assert page.locator("#cal-status").inner_text().startswith("Your busy time is saved")
    assert page.evaluate("window.notReloaded")
    assert Rule.objects.get().rrule == "FREQ=WEEKLY;COUNT=4;BYDAY=TU"
    axe_check(page, what="the week after saving")

    # Bad input stays in the dialog with its message.
    chip.click()
    dialog.get_by_role("link", name="Change this date only").click()
    dialog.get_by_label("Until:").fill("18:00")
    dialog.get_by_role("button", name="Save this date").click()
    dialog.get_by_text("The end must be after the start").wait_for()
    axe_check(page, what="the dialog with an error")
    page.keyboard.press("Escape")

    # Skip this date: the block goes, the rest of the series stays.
    page.locator("#calendar a.cal-event", has_text="Band practice").click()
    dialog.get_by_role("button", name=re.compile("Skip")).click()
    page.wait_for_selector("dialog#cal-dialog[open]", state="detached")
    page.locator("#calendar a.cal-event", has_text="Band practice").wait_for(state="detached")
    assert page.evaluate("window.notReloaded")

    # Next week through HTMX: a real address in the bar, the next Tuesday still busy.
    page.get_by_role("link", name="Next week").click()
    page.wait_for_url(re.compile(rf"date={(monday + dt.timedelta(days=7)).isoformat()}"))
    page.locator("#calendar a.cal-event", has_text="Band practice").wait_for()
    assert page.evaluate("window.notReloaded")
    axe_check(page, what="the next week")


# ---- Week views open on the coming days; the month follows what was saved ---------------------------


def test_the_week_opens_on_the_coming_seven_days_scrolled_to_gig_hours(me):
    html = me.get(f"{CALENDAR}?view=week").content.decode()
    first, last = today(), today() + dt.timedelta(days=6)
    assert f'data-first="{first.isoformat()}"' in html and f'data-last="{last.isoformat()}"' in html
    title = f"{first:%-d %b} – {last:%-d %b %Y}" if first.year == last.year else f"{first:%-d %b %Y} – {last:%-d %b %Y}"
    assert title in html
    # Yesterday is not in it; the seventh day is.
    assert f"date={(first - dt.timedelta(days=1)).isoformat()}&amp;time=" not in html
    assert f"date={last.isoformat()}&amp;time=19:00" in html
    assert 'data-scroll-hour="17"' in html


def test_saving_tells_the_calendar_the_date_to_show(me):
    later = today() + dt.timedelta(days=70)
    response = me.post(
        reverse("availability:rule_add"),
        {
            "title": "Tour",
            "kind": "busy",
            "all_day": "on",
            "start_date": later.isoformat(),
            "end_date": later.isoformat(),
            "time_zone": "Europe/Berlin",
            "ends": "never",
        },
        headers={**HTMX, "HX-Target": "cal-dialog-body"},
    )
    assert response.status_code == 204, response.content.decode()
    assert json.loads(response["HX-Trigger"])["availability-changed"]["date"] == later.isoformat()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_the_month_moves_to_the_block_just_saved(live_server, browser):
    from accounts.tests.factories import PASSWORD

    UserFactory(email="drummer@example.com", time_zone="Europe/Berlin")
    later = today() + dt.timedelta(days=70)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email:").fill("drummer@example.com")
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.goto(f"{live_server.url}{CALENDAR}")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name="Add busy time").first.click()
    dialog = page.locator("dialog#cal-dialog")
    dialog.get_by_label("What is it:").fill("Tour of the north")
    dialog.get_by_label("Whole days").check()
    dialog.get_by_label("First day:").fill(later.isoformat())
    dialog.get_by_label("Last day:").fill(later.isoformat())
    dialog.get_by_role("button", name="Save").click()
    page.wait_for_selector("dialog#cal-dialog[open]", state="detached")
    page.locator("#calendar", has_text=f"{later:%B %Y}").wait_for()
    page.locator("#calendar .cal-event", has_text="Tour of the north").wait_for()
    page.wait_for_url(re.compile(rf"date={later.isoformat()}"))
    assert page.evaluate("window.notReloaded")


def test_the_repeat_rule_is_an_advanced_option_with_examples(me):
    html = me.get(reverse("availability:rule_add")).content.decode()
    advanced = re.search(r'<details class="cal-advanced".*?</details>', html, flags=re.S)[0]
    assert "Advanced" in advanced and 'name="custom_rrule"' in advanced
    assert "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU</code> – every other Tuesday" in advanced
    # Folded away until it is wanted; the repeat menu names it in plain words.
    assert not re.match(r"<details[^>]*\sopen", advanced)
    assert '<option value="CUSTOM">Advanced: a rule of your own</option>' in html
    assert "RFC 5545" not in html


def test_a_rule_written_under_advanced_is_used_without_choosing_it_above(me, user):
    day = next_monday()
    response = me.post(reverse("availability:rule_add"), form_data(day, custom_rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"))
    assert response.status_code == 302
    assert Rule.objects.get(user=user).rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"


def test_a_drag_across_the_week_grid_opens_the_form_with_its_start_and_end(me):
    monday = next_monday()
    page = text(me.get(f"{ADD}?date={monday.isoformat()}&time=14:00&until=17:00"))
    assert 'name="start_time" value="14:00"' in page and 'name="end_time" value="17:00"' in page
    assert f'name="end_date" value="{monday.isoformat()}"' in page
    # Down to midnight: the block ends at the next day's start.
    page = text(me.get(f"{ADD}?date={monday.isoformat()}&time=21:00&until=00:00"))
    assert 'name="end_time" value="00:00"' in page
    assert f'name="end_date" value="{(monday + dt.timedelta(days=1)).isoformat()}"' in page
    # An end that is no time is left out: an hour, as for a click.
    page = text(me.get(f"{ADD}?date={monday.isoformat()}&time=14:00&until=25:99"))
    assert 'name="end_time" value="15:00"' in page


def test_the_week_grid_says_how_to_drag_and_gives_each_hour_its_day_and_time(me):
    monday = next_monday()
    page = text(me.get(week_url(monday)))
    assert "drag down across a day's hours, to add busy time there" in page
    assert f'data-date="{monday.isoformat()}"' in page and 'data-time="19:00"' in page
