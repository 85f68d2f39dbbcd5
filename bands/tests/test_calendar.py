"""The band calendar: green, partial and red days, free windows, finding dates, who may look, query budgets."""

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from availability.services import rule_create
from bands import services
from bands.calendar import band_calendar_access, band_green_zone
from bands.models import Band, Membership

from .factories import BandFactory, MembershipFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
HTMX = {"HTTP_HX_REQUEST": "true"}


def next_weekday(weekday: int, weeks_ahead: int = 2) -> dt.date:
    """A date of that weekday a couple of weeks ahead (inside the busy-time horizon)."""
    today = timezone.localdate(timezone=BERLIN)
    return today + dt.timedelta(days=7 * weeks_ahead + (weekday - today.weekday()))


def busy_all_day(user, day: dt.date, title: str = "") -> None:
    rule_create(user=user, title=title, all_day=True, start_date=day, end_date=day)


def busy_between(user, day: dt.date, start: dt.time, end: dt.time, title: str = "") -> None:
    rule_create(user=user, title=title, start_date=day, start_time=start, end_date=day, end_time=end)


@pytest.fixture
def world():
    band = BandFactory(name="The Night Shift", slug="night-shift", time_zone="Europe/Berlin")
    lea = MembershipFactory(band=band, role=Membership.Role.LEADER, user__display_name="Lea Leader").user
    sam = MembershipFactory(band=band, user__display_name="Sam Rivera").user
    max_ = MembershipFactory(band=band, user__display_name="Max Member").user
    otto = MembershipFactory(band=band, required=False, user__display_name="Otto Optional").user
    other_band = BandFactory(name="Brass Band", slug="brass-band")
    other_leader = MembershipFactory(band=other_band, role=Membership.Role.LEADER, user__display_name="Olga").user
    MembershipFactory(band=other_band, user=sam)
    return SimpleNamespace(
        band=band,
        lea=lea,
        sam=sam,
        max=max_,
        otto=otto,
        other_band=other_band,
        other_leader=other_leader,
        stranger=UserFactory(),
        url=reverse("bands:calendar", args=["night-shift"]),
        find_url=reverse("bands:calendar_find", args=["night-shift"]),
    )


def day_cell(html: str, day: dt.date) -> str:
    """The text of one day's cell in the month grid."""
    match = re.search(rf'class="gz-day__link"\s+href="[^"]*date={day.isoformat()}[^>]*>(.*?)</a>', html, re.S)
    assert match, f"no cell for {day}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def month_of(world, client, day: dt.date, **params) -> str:
    client.force_login(world.lea)
    response = client.get(world.url, {"view": "month", "date": day.isoformat(), **params})
    assert response.status_code == 200
    return response.content.decode()


# ---- Day statuses ---------------------------------------------------------------------------------


def test_days_are_green_partial_or_red_with_the_missing_member_named(world, client):
    partial_day, red_day, green_day = next_weekday(0), next_weekday(1), next_weekday(2)
    busy_all_day(world.sam, partial_day)
    for person in (world.lea, world.sam, world.max):
        busy_all_day(person, red_day)

    html = month_of(world, client, partial_day)

    assert "2 of 3 free – Sam busy" in day_cell(html, partial_day)
    assert "gz-day--partial" in html
    assert "No one free" in day_cell(html, red_day)
    assert "All 3 free" in day_cell(html, green_day)


def test_a_short_gap_is_not_enough_for_the_band_minimum_but_the_min_control_changes_it(world, client):
    day = next_weekday(3)
    # Sam is free only from 20:00 to 22:00: two hours, the band asks for three.
    busy_between(world.sam, day, dt.time(0), dt.time(20))
    rule_create(
        user=world.sam,
        start_date=day,
        start_time=dt.time(22),
        end_date=day + dt.timedelta(days=1),
        end_time=dt.time(12),
    )

    assert "Sam busy" in day_cell(month_of(world, client, day), day)
    assert "All 3 free" in day_cell(month_of(world, client, day, min=120), day)


def test_an_optional_member_who_is_busy_keeps_the_day_green(world, client):
    day = next_weekday(4)
    busy_all_day(world.otto, day)

    assert "All 3 free" in day_cell(month_of(world, client, day), day)


def test_another_bands_block_makes_the_shared_member_busy_here(world, client):
    day = next_weekday(5)
    services.band_block_create(
        band=world.other_band,
        by=world.other_leader,
        kind="hold",
        title="Brass gig",
        all_day=True,
        start_date=day,
        end_date=day,
    )

    html = month_of(world, client, day)

    assert "2 of 3 free – Sam busy" in day_cell(html, day)
    # Another band's plans are theirs: its title does not show here.
    assert "Brass gig" not in html


def test_our_own_band_block_makes_every_member_busy(world, client):
    day = next_weekday(6)
    services.band_block_create(
        band=world.band, by=world.lea, kind="rehearsal", all_day=True, start_date=day, end_date=day
    )

    assert "No one free" in day_cell(month_of(world, client, day), day)


def test_the_selector_gives_statuses_for_each_local_day(world):
    day = next_weekday(0)
    busy_all_day(world.sam, day)
    _, members, _ = band_calendar_access(slug="night-shift", user=world.lea)
    zone = band_green_zone(
        members=members,
        first_day=day,
        last_day=day + dt.timedelta(days=1),
        time_zone="Europe/Berlin",
        min_length=dt.timedelta(hours=3),
        today=day,
    )
    first, second = zone.days
    assert (first.status, first.free_count, first.required_count, first.busy_names) == ("partial", 2, 3, ("Sam",))
    assert first.summary == "2 of 3 free – Sam busy"
    assert (second.status, second.summary) == ("green", "All 3 free")


# ---- Gig hours ----------------------------------------------------------------------------------------------


def test_a_weekly_evening_rule_makes_those_evenings_partial_unless_any_time_counts(world, client):
    thursday = next_weekday(3)
    # Sam teaches every Thursday 18:00–23:00 and is free all morning.
    rule_create(
        user=world.sam,
        start_date=thursday,
        start_time=dt.time(18),
        end_date=thursday,
        end_time=dt.time(23),
        rrule="FREQ=WEEKLY;BYDAY=TH",
    )
    friday, next_thursday = thursday + dt.timedelta(days=1), thursday + dt.timedelta(days=7)

    evenings = month_of(world, client, thursday)
    any_time = month_of(world, client, thursday, hours="any")
    afternoons = month_of(world, client, thursday, hours="afternoon")

    assert "2 of 3 free – Sam busy" in day_cell(evenings, thursday)
    assert "2 of 3 free – Sam busy" in day_cell(month_of(world, client, next_thursday), next_thursday)
    assert "All 3 free" in day_cell(evenings, friday)
    assert "All 3 free" in day_cell(any_time, thursday)
    assert "All 3 free" in day_cell(afternoons, thursday)
    assert "Green: everyone needed is free for 3 h in the evening (18:00–24:00)" in evenings
    assert "Green: everyone needed is free for 3 h at any time of day" in any_time
    assert "in the afternoon (12:00–18:00)" in afternoons


def test_late_hours_run_past_midnight_and_belong_to_the_evening_they_start(world, client):
    friday = next_weekday(4)
    saturday = friday + dt.timedelta(days=1)
    # Friday: Max is busy until midnight; Saturday: Sam until 22:00.
    rule_create(user=world.max, start_date=friday, start_time=dt.time(18), end_date=saturday, end_time=dt.time(0))
    busy_between(world.sam, saturday, dt.time(18), dt.time(22))

    assert "2 of 3 free – Sam busy" in day_cell(month_of(world, client, saturday), saturday)
    # 22:00–02:00 is four hours: long enough once the evening runs late.
    assert "All 3 free" in day_cell(month_of(world, client, saturday, hours="late"), saturday)
    # Two hours after Friday's midnight count for Friday, not for Saturday.
    assert "Max busy" in day_cell(month_of(world, client, friday, min=120), friday)
    assert "All 3 free" in day_cell(month_of(world, client, friday, min=120, hours="late"), friday)
    # The week says so too: Saturday's first free hours are Friday night's.
    week = client.get(world.url, {"view": "week", "date": saturday.isoformat(), "min": 120, "hours": "late"})
    windows = [
        " ".join(re.sub(r"<[^>]+>", " ", w).split())
        for w in re.findall(r"<details.*?</details>", week.content.decode(), re.S)
    ]
    after_midnight = next(w for w in windows if w.startswith("00:00–18:00"))
    assert "counts for the day before" in after_midnight


def test_the_selector_counts_only_the_gig_hours_it_is_given(world):
    day = next_weekday(0)
    busy_between(world.sam, day, dt.time(8), dt.time(23, 59))
    _, members, _ = band_calendar_access(slug="night-shift", user=world.lea)

    def status(**hours) -> str:
        zone = band_green_zone(
            members=members,
            first_day=day,
            last_day=day,
            time_zone="Europe/Berlin",
            min_length=dt.timedelta(hours=3),
            today=day,
            **hours,
        )
        return zone.days[0].status

    assert status() == "green"  # free together from midnight to 08:00
    assert status(day_start=dt.time(18)) == "partial"
    assert status(day_start=dt.time(18), day_end=dt.time(2)) == "partial"


def test_week_view_greys_out_free_time_outside_gig_hours(world, client):
    day = next_weekday(2)
    busy_between(world.sam, day, dt.time(9), dt.time(19, 30))
    client.force_login(world.lea)

    evenings = client.get(world.url, {"view": "week", "date": day.isoformat()}).content.decode()
    any_time = client.get(world.url, {"view": "week", "date": day.isoformat(), "hours": "any"}).content.decode()

    windows = [
        " ".join(re.sub(r"<[^>]+>", " ", w).split()) for w in re.findall(r"<details.*?</details>", evenings, re.S)
    ]
    morning = next(w for w in windows if "00:00–09:00" in w)
    assert "outside gig hours" in morning
    assert "long enough" in next(w for w in windows if "19:30–24:00" in w)
    assert "gz-window--off" in evenings
    assert "gz-bar__piece--off" in evenings
    assert "A day’s status counts only in the evening (18:00–24:00)" in evenings
    assert "outside gig hours" not in any_time
    assert "gz-bar__piece--off" not in any_time


def test_gig_hours_stay_in_every_calendar_link(world, client):
    client.force_login(world.lea)
    response = client.get(world.url, {"view": "month", "date": "2030-01-15", "min": "120", "hours": "late"})
    context, html = response.context, response.content.decode()
    assert context["prev_url"] == f"{world.url}?view=month&date=2029-12-01&min=120&hours=late"
    assert context["next_url"] == f"{world.url}?view=month&date=2030-02-01&min=120&hours=late"
    assert context["today_url"].endswith("&min=120&hours=late")
    assert context["week_url"] == f"{world.url}?view=week&date=2030-01-01&min=120&hours=late"
    assert context["self_url"] == f"{world.url}?view=month&date=2030-01-15&min=120&hours=late"
    # The day cells open their week with the same hours, and the save form keeps them.
    assert f'href="{world.url}?view=week&amp;date=2030-01-15&amp;min=120&amp;hours=late"' in html
    assert '<input type="hidden" name="hours" value="late">' in html
    assert re.search(r'<option value="late"\s+selected>', html)
    # The default hours are left out of links, like the band's own length.
    evenings = client.get(world.url, {"view": "month", "date": "2030-01-15", "hours": "evening"}).context
    assert evenings["next_url"] == f"{world.url}?view=month&date=2030-02-01"


def test_saving_the_default_length_keeps_the_gig_hours_shown(world, client):
    client.force_login(world.lea)
    url = reverse("bands:calendar_min", args=["night-shift"])
    response = client.post(url, {"minutes": "120", "view": "month", "date": "2030-01-07", "hours": "afternoon"})
    assert response["Location"] == f"{world.url}?view=month&date=2030-01-07&hours=afternoon"
    response = client.post(url, {"minutes": "90", "view": "week", "date": "2030-01-07", "hours": "any"}, **HTMX)
    assert response["HX-Push-Url"] == f"{world.url}?view=week&date=2030-01-07&hours=any"
    assert response.context["hours"].key == "any"


def test_gig_hours_shorter_than_the_length_say_so(world, client):
    client.force_login(world.lea)
    html = client.get(world.url, {"min": "480"}).content.decode()
    assert "Evenings (18:00–24:00) are only 6 h long, shorter than 8 h: no day can be green." in html
    assert "no day can be green" not in client.get(world.url, {"min": "480", "hours": "late"}).content.decode()


def test_private_titles_of_members_never_show(world, client):
    day = next_weekday(1)
    busy_between(world.sam, day, dt.time(18), dt.time(23), title="Therapy with Dr Jones")
    BusyInterval.objects.create(
        user=world.max,
        starts_at=dt.datetime.combine(day, dt.time(10), tzinfo=BERLIN),
        ends_at=dt.datetime.combine(day, dt.time(12), tzinfo=BERLIN),
        source=BusyInterval.Source.CALENDAR,
        source_id=1,
        title="Job interview at ACME",
    )
    client.force_login(world.lea)
    pages = [
        client.get(world.url, {"view": "month", "date": day.isoformat()}),
        client.get(world.url, {"view": "week", "date": day.isoformat()}),
        client.get(
            world.find_url, {"start": day.isoformat(), "end": day.isoformat(), "length": "60", "time_of_day": "any"}
        ),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "Therapy" not in html
        assert "ACME" not in html


# ---- Week view ------------------------------------------------------------------------------------


def test_the_week_shows_the_free_windows_of_each_day_and_who_is_free(world, client):
    day = next_weekday(2)
    busy_between(world.sam, day, dt.time(9), dt.time(19, 30))
    busy_between(world.otto, day, dt.time(21), dt.time(23))
    client.force_login(world.lea)

    response = client.get(world.url, {"view": "week", "date": day.isoformat()})

    html = response.content.decode()
    assert response.status_code == 200
    assert "00:00–09:00" in html
    assert "19:30–24:00" in html
    windows = [" ".join(re.sub(r"<[^>]+>", " ", w).split()) for w in re.findall(r"<details.*?</details>", html, re.S)]
    text = next(w for w in windows if "19:30–24:00" in w)
    assert "4 h 30 · long enough" in text
    # Free before the day job, but not in the evening the band plays in.
    assert "00:00–09:00 9 h · outside gig hours" in next(w for w in windows if "00:00–09:00" in w)
    assert "Free Lea, Sam, Max" in text
    assert "Free for part of it Otto" in text
    assert "Times in <strong>Europe/Berlin</strong>, your time zone." in html


def test_the_week_is_in_the_viewers_time_zone_and_names_it(world, client):
    day = next_weekday(2)
    # 20:00–24:00 in Berlin is 14:00–18:00 in New York.
    busy_between(world.sam, day, dt.time(0), dt.time(20))
    world.lea.time_zone = "America/New_York"
    world.lea.save()
    client.force_login(world.lea)

    html = client.get(world.url, {"view": "week", "date": day.isoformat()}).content.decode()

    assert "Times in <strong>America/New_York</strong>" in html
    assert "The Night Shift is based in Europe/Berlin" in html
    assert "14:00–" in html


# ---- Finding dates -----------------------------------------------------------------------------------


def find(world, client, headers=None, **params):
    client.force_login(world.lea)
    return client.get(world.find_url, params, **(headers or {}))


def test_find_dates_lists_evenings_on_the_chosen_weekdays_best_first(world, client):
    friday = next_weekday(4)
    saturday = friday + dt.timedelta(days=1)
    next_friday = friday + dt.timedelta(days=7)
    next_saturday = saturday + dt.timedelta(days=7)
    busy_between(world.otto, friday, dt.time(17), dt.time(23))  # optional: still a date, ranked lower
    busy_between(world.sam, saturday, dt.time(19), dt.time(23))  # needed: no date that evening

    response = find(
        world,
        client,
        start=friday.isoformat(),
        end=next_saturday.isoformat(),
        length="180",
        time_of_day="evening",
        weekdays=["4", "5"],
    )

    assert response.status_code == 200
    candidates = response.context["candidates"]
    days = [c.day for c in candidates]
    assert saturday not in days
    assert set(days) == {friday, next_friday, next_saturday}
    assert all(c.start.astimezone(BERLIN).time() == dt.time(18) for c in candidates)
    assert [c.everyone for c in candidates] == [True, True, False]
    assert days[-1] == friday
    assert candidates[-1].missing_names == ("Otto",)
    html = response.content.decode()
    assert "Without Otto" in html
    assert "18:00–24:00" in html


def test_find_dates_answers_htmx_with_the_form_and_results_only(world, client):
    friday = next_weekday(4)
    params = {"start": friday.isoformat(), "end": friday.isoformat(), "length": "180", "time_of_day": "evening"}
    response = find(world, client, HTMX, **params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="gz-find"')
    assert "1 window, best first" in html
    assert response["HX-Push-Url"].startswith(world.find_url + "?start=")


def test_find_dates_with_custom_hours_past_midnight(world, client):
    friday = next_weekday(4)
    response = find(
        world,
        client,
        start=friday.isoformat(),
        end=friday.isoformat(),
        length="240",
        time_of_day="custom",
        day_start="22:00",
        day_end="03:00",
    )
    [candidate] = response.context["candidates"]
    assert (candidate.start_label, candidate.end_label, candidate.next_day) == ("22:00", "03:00", True)


def test_find_dates_any_time_gives_one_window_per_day(world, client):
    friday = next_weekday(4)
    response = find(
        world,
        client,
        start=friday.isoformat(),
        end=(friday + dt.timedelta(days=2)).isoformat(),
        length="180",
        time_of_day="any",
    )
    candidates = response.context["candidates"]
    assert sorted(c.day for c in candidates) == [friday + dt.timedelta(days=k) for k in range(3)]
    assert all(c.length == dt.timedelta(hours=24) for c in candidates)
    # Their weeks open with the same hours, so the days found there are green too.
    assert f"?view=week&amp;date={friday.isoformat()}&amp;hours=any" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"end": "past-start"}, "The end date is before the start date."),
        ({"end": "far"}, "Search at most a year at a time"),
        ({"weekdays": ["9"]}, "Pick weekdays from Monday to Sunday."),
        ({"length": "10"}, "Pick a length from 30 minutes to 12 hours."),
        ({"length": "1000"}, "Pick a length from 30 minutes to 12 hours."),
        ({"length": "soon"}, "Pick a length from 30 minutes to 12 hours."),
        ({"start": "31.02.2025"}, "Enter a valid date."),
        ({"time_of_day": "midnight"}, "Pick evenings, afternoons, any time, or your own hours."),
        ({"time_of_day": "custom"}, "Give the hours to search in"),
        ({"time_of_day": "custom", "day_start": "19:00", "day_end": "20:00"}, "shorter than the length asked for"),
    ],
)
def test_find_dates_explains_bad_input(world, client, change, message):
    start = next_weekday(0)
    params = {
        "start": start.isoformat(),
        "end": (start + dt.timedelta(days=14)).isoformat(),
        "length": "180",
        "time_of_day": "evening",
    }
    if change.get("end") == "past-start":
        change = {"end": (start - dt.timedelta(days=1)).isoformat()}
    elif change.get("end") == "far":
        change = {
            "start": timezone.localdate().isoformat(),
            "end": (timezone.localdate() + dt.timedelta(days=380)).isoformat(),
        }
    params.update(change)

    for headers in ({}, HTMX):
        response = find(world, client, headers, **params)
        html = response.content.decode()
        assert response.status_code == 200
        assert message in html
        assert "gz-candidates" not in html
        assert "Some of the search needs fixing" in html


def test_find_dates_page_without_a_search_shows_the_form_with_the_band_default(world, client):
    client.force_login(world.sam)
    response = client.get(world.find_url)
    assert response.status_code == 200
    assert response.context["candidates"] is None
    assert response.context["form"]["length"].value() == 180
    assert "<html" in response.content.decode()


# ---- Saving the minimum --------------------------------------------------------------------------------


def test_a_leader_saves_the_shown_length_as_the_band_default(world, client):
    client.force_login(world.lea)
    url = reverse("bands:calendar_min", args=["night-shift"])
    response = client.post(url, {"minutes": "120", "view": "week", "date": "2030-01-07"})
    assert response.status_code == 302
    assert response["Location"] == f"{world.url}?view=week&date=2030-01-07"
    assert Band.objects.get(pk=world.band.pk).min_gig_minutes == 120

    response = client.post(url, {"minutes": "90", "view": "month", "date": "2030-01-07"}, **HTMX)
    assert response.status_code == 200
    assert "now counts a day as free with 1 h 30 together" in response.content.decode()
    assert Band.objects.get(pk=world.band.pk).min_gig_minutes == 90


def test_a_member_cannot_change_the_default_and_bad_lengths_change_nothing(world, client):
    url = reverse("bands:calendar_min", args=["night-shift"])
    client.force_login(world.sam)
    assert client.post(url, {"minutes": "120"}).status_code == 403
    client.force_login(world.lea)
    response = client.post(url, {"minutes": "5"}, follow=True)
    assert response.status_code == 200
    assert "Pick a length from 30 minutes to 12 hours." in response.content.decode()
    assert Band.objects.get(pk=world.band.pk).min_gig_minutes == 180


def test_the_save_button_shows_only_to_managers_when_another_length_is_shown(world, client):
    client.force_login(world.lea)
    assert "the band’s default" not in client.get(world.url).content.decode()
    assert "Make 2 h the band’s default" in client.get(world.url, {"min": "120"}).content.decode()
    client.force_login(world.sam)
    assert "the band’s default" not in client.get(world.url, {"min": "120"}).content.decode()


def test_unreadable_calendar_parameters_fall_back_to_defaults(world, client):
    client.force_login(world.lea)
    response = client.get(world.url, {"view": "year", "date": "yesterday", "min": "9999", "hours": "midnight"})
    assert response.status_code == 200
    assert response.context["view"] == "month"
    assert response.context["minutes"] == 180
    assert response.context["hours"].key == "evening"
    for hours in ("", "EVENING", "late;drop", "custom"):
        response = client.get(world.url, {"hours": hours}, **HTMX)
        assert response.status_code == 200
        assert response.context["hours"].key == "evening"


# ---- Who may look -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["calendar", "calendar_find"])
def test_only_members_see_the_calendar(world, client, name):
    url = reverse(f"bands:{name}", args=["night-shift"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    for outsider in (world.other_leader, world.stranger):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(world.otto)
    assert client.get(url).status_code == 200


def test_outsiders_cannot_change_the_default_either(world, client):
    url = reverse("bands:calendar_min", args=["night-shift"])
    assert client.post(url, {"minutes": "120"}).status_code == 302
    client.force_login(world.other_leader)
    assert client.post(url, {"minutes": "120"}).status_code == 404
    assert Band.objects.get(pk=world.band.pk).min_gig_minutes == 180


def test_members_see_a_read_only_calendar(world, client):
    services.band_block_create(
        band=world.band,
        by=world.lea,
        kind="rehearsal",
        title="Proberaum",
        all_day=False,
        start_date=next_weekday(1),
        start_time=dt.time(19),
        end_date=next_weekday(1),
        end_time=dt.time(22),
    )
    client.force_login(world.sam)
    html = client.get(world.url).content.decode()
    assert "Proberaum" in html
    assert "Add a rehearsal or hold" not in html
    assert "Delete" not in html


# ---- HTMX and queries -------------------------------------------------------------------------------------


def test_htmx_navigation_gets_only_the_calendar_and_history_restore_the_page(world, client):
    client.force_login(world.lea)
    partial = client.get(world.url, {"view": "week", "date": "2030-01-09"}, **HTMX).content.decode()
    assert "<html" not in partial
    assert partial.lstrip().startswith('<section id="gz-calendar"')
    assert "Rehearsals and holds" not in partial
    # Every HTMX link and form also works without JavaScript.
    tags = re.findall(r"<(a|form)\b([^>]*hx-get=[^>]*)>", partial)
    assert len(tags) >= 6
    for tag, attrs in tags:
        target = re.search(r'hx-get="([^"]+)"', attrs).group(1)
        plain = re.search(r'(?:href|action)="([^"]+)"', attrs).group(1)
        assert plain == target, tag
    restore = client.get(world.url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restore.content.decode()
    full = client.get(world.url).content.decode()
    assert "<html" in full
    assert 'id="gz-calendar"' in full


def test_month_navigation_links(world, client):
    client.force_login(world.lea)
    response = client.get(world.url, {"view": "month", "date": "2030-01-15", "min": "120"})
    context = response.context
    assert context["title"] == "January 2030"
    assert context["prev_url"] == f"{world.url}?view=month&date=2029-12-01&min=120"
    assert context["next_url"] == f"{world.url}?view=month&date=2030-02-01&min=120"
    assert context["week_url"] == f"{world.url}?view=week&date=2030-01-01&min=120"
    # January 2030 starts on a Tuesday: the grid starts on Monday 31 December.
    assert context["zone"].days[0].day == dt.date(2029, 12, 31)
    assert len(context["zone"].days) % 7 == 0


def band_with(members: int) -> tuple[Band, list]:
    band = BandFactory()
    people = [MembershipFactory(band=band, role=Membership.Role.LEADER).user]
    people += [MembershipFactory(band=band, required=bool(k % 3)).user for k in range(members - 1)]
    day = next_weekday(2)
    for k, person in enumerate(people):
        busy_between(person, day + dt.timedelta(days=k), dt.time(18), dt.time(22))
    return band, people


def queries(client, url, params, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params, **headers).status_code == 200
    return len(ctx.captured_queries)


# Session, user, band, members (one query), busy time (one query), the band's booked gigs (one query), the
# calendar's holds (one query, holds.selectors.band_held_days); the full page adds the band's blocks.
@pytest.mark.parametrize(
    ("name", "params", "headers", "budget"),
    [
        ("calendar", {"view": "month"}, {}, 8),
        ("calendar", {"view": "week"}, {}, 8),
        ("calendar", {"view": "week"}, HTMX, 7),
        ("calendar", {"view": "week", "hours": "late"}, {}, 8),
        ("calendar_find", {"start": "today", "length": "180", "time_of_day": "evening"}, HTMX, 6),
        ("calendar_find", {"start": "today", "length": "60", "time_of_day": "any", "weekdays": ["5"]}, {}, 6),
    ],
)
def test_query_count_does_not_grow_with_the_number_of_members(
    client, django_assert_max_num_queries, name, params, headers, budget
):
    params = dict(params)
    if params.get("start") == "today":
        params["start"] = timezone.localdate().isoformat()
        params["end"] = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    counts = []
    for size in (3, 8):
        band, people = band_with(size)
        client.force_login(people[0])
        url = reverse(f"bands:{name}", args=[band.slug])
        queries(client, url, params, **headers)  # the first request after login loads more
        with django_assert_max_num_queries(budget) as ctx:
            assert client.get(url, params, **headers).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# ---- Which day a window after midnight belongs to -------------------------------------------------


def busy_from_to(user, start: dt.datetime, end: dt.datetime) -> None:
    rule_create(user=user, start_date=start.date(), start_time=start.time(), end_date=end.date(), end_time=end.time())


def test_month_view_and_find_dates_give_a_window_after_midnight_to_the_evening_it_opens_on(world, client):
    """Gig hours 18:00–02:00: 00:30–02:00 on the 14th is the night of the 13th in both views, and the
    tail of the 12th's night (00:00–02:00 on the 13th) is not a date of the 13th."""
    thirteenth = next_weekday(2)
    twelfth, fourteenth = thirteenth - dt.timedelta(days=1), thirteenth + dt.timedelta(days=1)
    at = dt.datetime.combine
    for person in (world.lea, world.sam, world.max):
        busy_from_to(person, at(twelfth, dt.time(18)), at(thirteenth, dt.time(0)))
        busy_from_to(person, at(thirteenth, dt.time(18)), at(fourteenth, dt.time(0, 30)))
        busy_from_to(person, at(fourteenth, dt.time(18)), at(fourteenth + dt.timedelta(days=1), dt.time(2)))

    html = month_of(world, client, thirteenth, hours="late", min=90)
    assert "All 3 free" in day_cell(html, thirteenth)
    assert "All 3 free" in day_cell(html, twelfth)
    assert "All 3 free" not in day_cell(html, fourteenth)

    response = find(
        world,
        client,
        start=thirteenth.isoformat(),
        end=thirteenth.isoformat(),
        length="90",
        time_of_day="custom",
        day_start="18:00",
        day_end="02:00",
    )
    [candidate] = response.context["candidates"]
    assert candidate.day == thirteenth
    assert candidate.start == at(fourteenth, dt.time(0, 30), tzinfo=BERLIN)
    assert (candidate.start_label, candidate.end_label) == ("00:30", "02:00")
    # The 12th's night is found as the 12th.
    response = find(
        world,
        client,
        start=twelfth.isoformat(),
        end=twelfth.isoformat(),
        length="90",
        time_of_day="custom",
        day_start="18:00",
        day_end="02:00",
    )
    [candidate] = response.context["candidates"]
    assert candidate.day == twelfth
    assert candidate.start == at(thirteenth, dt.time(0), tzinfo=BERLIN)


def test_the_week_opens_on_the_coming_seven_days(world, client):
    client.force_login(world.lea)
    first = timezone.localdate(timezone=ZoneInfo(world.lea.time_zone))  # the day where she is
    last = first + dt.timedelta(days=6)
    response = client.get(world.url, {"view": "week"})
    assert response.status_code == 200
    title = response.context["title"]
    # The first day shown is today, not the Monday before it.
    assert title.startswith(f"{first:%-d}") and title.endswith(f"{last:%-d %b %Y}")


# ---- The green zone on a member's own week grid ---------------------------------------------------------


def overlay(client, first: dt.date, last: dt.date | None = None):
    last = last or first + dt.timedelta(days=6)
    return client.get(reverse("bands:member_green_zone"), {"first": first.isoformat(), "last": last.isoformat()})


def test_a_members_week_grid_gets_each_of_their_bands_green_zone_by_day(world, client, django_assert_max_num_queries):
    monday = next_weekday(0)
    busy_between(world.max, monday, dt.time(0), dt.time(18))  # Max is free from 18:00 on Monday only
    busy_all_day(world.max, monday + dt.timedelta(days=1))
    client.force_login(world.sam)
    # session, user, the bands; then per band its members, their busy time and the band's own blocks.
    with django_assert_max_num_queries(3 + 3 * 2):
        response = overlay(client, monday)
    assert response.status_code == 200
    html = re.sub(r"\s+", " ", response.content.decode())
    # Sam plays in both bands: a lane each, named in the legend.
    assert "Brass Band" in html and "The Night Shift" in html
    monday_column = re.search(rf'<div id="cal-gz-{monday.isoformat()}".*?</div>', html)[0]
    assert 'hx-swap-oob="true"' in monday_column
    assert "The Night Shift: everyone free 18:00–24:00" in monday_column
    # 18:00 is 75 % down the day.
    assert "--top: 75.000%; --height: 25.000%; --lane: 1; --lanes: 2" in monday_column
    tuesday_column = re.search(rf'<div id="cal-gz-{(monday + dt.timedelta(days=1)).isoformat()}".*?</div>', html)[0]
    assert "The Night Shift" not in tuesday_column and "Brass Band: everyone free" in tuesday_column
    # Private titles never show; another person's bands are not there for Lea.
    client.force_login(world.lea)
    html = overlay(client, monday).content.decode()
    assert "Brass Band" not in html and "The Night Shift" in html


def test_the_week_grid_overlay_refuses_bad_dates_and_strangers_see_no_band(world, client):
    client.force_login(world.sam)
    monday = next_weekday(0)
    assert client.get(reverse("bands:member_green_zone"), {"first": "someday", "last": "2026-13-01"}).status_code == 400
    assert overlay(client, monday, monday + dt.timedelta(days=30)).status_code == 400
    assert overlay(client, monday, monday - dt.timedelta(days=1)).status_code == 400
    client.force_login(world.stranger)
    response = overlay(client, monday)
    assert response.status_code == 200 and "cal-gz" not in response.content.decode()
    client.logout()
    assert overlay(client, monday).status_code == 302
