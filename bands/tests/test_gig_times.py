"""A night with a gig is not free: load-in before and pack-down after every gig, for every member in
every band they play in; a day with a booked gig reads Booked and is not proposed again."""

import datetime as dt
import importlib
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands import services
from bands.calendar import band_calendar_access, band_find_dates, band_green_zone
from bands.models import Band, BandBlock, Membership

from .factories import BandFactory, MembershipFactory
from .test_calendar import day_cell, next_weekday

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
H = dt.timedelta(hours=1)


def at(day: dt.date, hour: int, zone=BERLIN, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone).astimezone(dt.UTC)


def gig(band: Band, day: dt.date, hour: int = 21, hours: int = 2, zone=BERLIN, **minutes) -> BandBlock:
    start = at(day, hour, zone)
    return services.band_gig_block_add(
        band_id=band.pk, starts_at=start, ends_at=start + hours * H, title="Gig: Kellerbar", **minutes
    )


def busy_gig(user) -> list[tuple[dt.datetime, dt.datetime]]:
    rows = BusyInterval.objects.filter(user=user, source=BusyInterval.Source.GIG).order_by("starts_at")
    return list(rows.values_list("starts_at", "ends_at"))


@pytest.fixture
def w():
    band = BandFactory(name="The Night Shift", slug="night-shift", time_zone="Europe/Berlin")
    lea = MembershipFactory(band=band, role=Membership.Role.LEADER, user__display_name="Lea Leader").user
    sam = MembershipFactory(band=band, user__display_name="Sam Rivera").user
    max_ = MembershipFactory(band=band, user__display_name="Max Member").user
    other_band = BandFactory(name="Brass Band", slug="brass-band", time_zone="Europe/Berlin")
    olga = MembershipFactory(band=other_band, role=Membership.Role.LEADER, user__display_name="Olga").user
    MembershipFactory(band=other_band, user=sam)
    return SimpleNamespace(
        band=band, lea=lea, sam=sam, max=max_, other_band=other_band, olga=olga, saturday=next_weekday(5)
    )


def zone_of(band: Band, day: dt.date, *, hours=(dt.time(18), None), with_band: bool = True):
    _, members, _ = band_calendar_access(slug=band.slug, user=UserFactory.build())
    return band_green_zone(
        members=members,
        first_day=day,
        last_day=day,
        time_zone="Europe/Berlin",
        min_length=dt.timedelta(minutes=band.min_gig_minutes),
        today=timezone.localdate(),
        day_start=hours[0],
        day_end=hours[1],
        band=band if with_band else None,
    ).days[0]


def find_days(band: Band, first: dt.date, last: dt.date, *, hours=(dt.time(18), None), zone="Europe/Berlin"):
    _, members, _ = band_calendar_access(slug=band.slug, user=UserFactory.build())
    found = band_find_dates(
        members=members,
        first_day=first,
        last_day=last,
        time_zone=zone,
        min_length=dt.timedelta(minutes=band.min_gig_minutes),
        day_start=hours[0],
        day_end=hours[1],
        now=timezone.now(),
        band=band,
    )
    return [(c.day, c.start_label, c.end_label) for c in found]


# ---- Busy time around a gig ------------------------------------------------------------------------


def test_a_gig_makes_members_busy_from_load_in_to_pack_down_in_every_band_they_play_in(w):
    block = gig(w.band, w.saturday)

    padded = (at(w.saturday, 19), at(w.saturday, 24 - 1) + H)  # 19:00 to midnight, Berlin
    for person in (w.lea, w.sam, w.max):
        assert busy_gig(person) == [padded]
    assert busy_gig(w.olga) == []
    assert (block.gig_starts_at, block.gig_ends_at) == (at(w.saturday, 21), at(w.saturday, 23))
    # Sam's other band cannot play that evening: Sam is free from 18:00 to 19:00 only.
    day = zone_of(w.other_band, w.saturday)
    assert day.status == "partial"
    assert day.busy_names == ("Sam",)


def test_a_booking_can_have_its_own_load_in_and_pack_down_and_go_back_to_the_band_defaults(w):
    block = gig(w.band, w.saturday, load_in_minutes=30, pack_down_minutes=0)
    assert busy_gig(w.sam) == [(at(w.saturday, 20, minute=30), at(w.saturday, 23))]

    services.band_gig_block_pad(block_id=block.pk, load_in_minutes=240, pack_down_minutes=90)
    assert busy_gig(w.sam) == [(at(w.saturday, 17), at(w.saturday, 23) + 90 * dt.timedelta(minutes=1))]

    services.band_gig_block_pad(block_id=block.pk, load_in_minutes=None, pack_down_minutes=None)
    assert busy_gig(w.sam) == [(at(w.saturday, 19), at(w.saturday, 23) + H)]


def test_changing_the_band_defaults_moves_its_gigs_to_come_but_not_past_ones_nor_their_own_times(w):
    coming = gig(w.band, w.saturday)
    own = gig(w.band, w.saturday + dt.timedelta(days=7), load_in_minutes=45, pack_down_minutes=15)
    past_day = timezone.localdate() - dt.timedelta(days=10)
    past = gig(w.band, past_day)

    services.band_gig_times_set(band=w.band, by=w.lea, load_in_minutes=60, pack_down_minutes=30, two_gigs_a_day=True)

    w.band.refresh_from_db()
    assert (w.band.load_in_minutes, w.band.pack_down_minutes, w.band.two_gigs_a_day) == (60, 30, True)
    by_block = dict(
        BusyInterval.objects.filter(user=w.sam, source="gig").values_list("source_id", "starts_at").distinct()
    )
    assert by_block[coming.pk] == at(w.saturday, 20)
    assert by_block[own.pk] == at(w.saturday + dt.timedelta(days=7), 20, minute=15)
    assert by_block[past.pk] == at(past_day, 19)
    coming = BandBlock.objects.select_related("band").get(pk=coming.pk)
    assert services.gig_busy_window(coming) == (at(w.saturday, 20), at(w.saturday, 23) + H / 2)
    assert coming.gig_starts_at == at(w.saturday, 21)


@pytest.mark.parametrize(
    ("load_in", "pack_down", "field"),
    [(-1, 60, "load_in_minutes"), (120, 601, "pack_down_minutes"), ("2h", 60, "load_in_minutes")],
)
def test_bad_gig_times_change_nothing(w, load_in, pack_down, field):
    block = gig(w.band, w.saturday)
    with pytest.raises(ValidationError) as exc:
        services.band_gig_times_set(
            band=w.band, by=w.lea, load_in_minutes=load_in, pack_down_minutes=pack_down, two_gigs_a_day=True
        )
    assert field in exc.value.message_dict
    w.band.refresh_from_db()
    assert (w.band.load_in_minutes, w.band.pack_down_minutes, w.band.two_gigs_a_day) == (120, 60, False)
    assert busy_gig(w.sam) == [(at(w.saturday, 19), at(w.saturday, 23) + H)]
    with pytest.raises(ValidationError):
        services.band_gig_block_pad(block_id=block.pk, load_in_minutes=-5, pack_down_minutes=None)
    assert busy_gig(w.sam) == [(at(w.saturday, 19), at(w.saturday, 23) + H)]


def test_only_leaders_and_admins_change_the_gig_times(w):
    for person in (w.sam, w.olga, UserFactory()):
        with pytest.raises(services.BandPermissionError):
            services.band_gig_times_set(
                band=w.band, by=person, load_in_minutes=0, pack_down_minutes=0, two_gigs_a_day=True
            )
    w.band.refresh_from_db()
    assert (w.band.load_in_minutes, w.band.two_gigs_a_day) == (120, False)


def test_the_migration_pads_existing_gig_blocks_and_their_busy_time(w):
    start, end = at(w.saturday, 21), at(w.saturday, 23)
    # A gig block as the booking workflow wrote it before: its own times are the gig's, unpadded.
    old = BandBlock.objects.create(
        band=w.band,
        kind=BandBlock.Kind.GIG,
        time_zone="UTC",
        start_date=start.date(),
        start_time=start.time().replace(tzinfo=None),
        end_date=end.date(),
        end_time=end.time().replace(tzinfo=None),
    )
    for person in (w.lea, w.sam):
        BusyInterval.objects.create(user=person, starts_at=start, ends_at=end, source="gig", source_id=old.pk)

    importlib.import_module("bands.migrations.0006_gig_blocks_padded").pad(django_apps, None)

    old.refresh_from_db()
    assert (old.gig_starts_at, old.gig_ends_at) == (start, end)
    assert busy_gig(w.sam) == [(start - 2 * H, end + H)]
    assert zone_of(w.band, w.saturday).status == "booked"


# ---- The band's calendar ---------------------------------------------------------------------------


def test_the_month_view_reads_booked_on_the_day_of_a_gig(w, client):
    gig(w.band, w.saturday)
    client.force_login(w.lea)

    response = client.get(reverse("bands:calendar", args=[w.band.slug]), {"view": "month", "date": w.saturday})

    cell = day_cell(response.content.decode(), w.saturday)
    assert "Booked: gig 21:00–23:00" in cell
    assert "free" not in cell
    assert "gz-day--booked" in response.content.decode()


def test_a_gig_in_bristol_books_the_day_for_a_viewer_in_berlin(w):
    gig(w.band, w.saturday, hour=21, zone=LONDON)  # 22:00 in Berlin

    day = zone_of(w.band, w.saturday)

    assert day.status == "booked"
    assert day.gigs == ("22:00–24:00",)


def test_a_matinee_outside_the_gig_hours_leaves_the_evening_to_the_green_zone(w):
    gig(w.band, w.saturday, hour=13)  # busy 11:00 to 16:00

    assert zone_of(w.band, w.saturday).status == "green"
    assert zone_of(w.band, w.saturday, hours=(None, None)).status == "booked"


def test_a_band_that_takes_two_gigs_a_day_sees_the_free_hours_around_its_gig(w):
    gig(w.band, w.saturday, hour=13)
    services.band_gig_times_set(band=w.band, by=w.lea, load_in_minutes=120, pack_down_minutes=60, two_gigs_a_day=True)
    w.band.refresh_from_db()

    day = zone_of(w.band, w.saturday, hours=(None, None))

    assert day.status == "green"
    assert day.gigs == ("13:00–15:00",)


# ---- Finding dates -----------------------------------------------------------------------------------


def test_find_dates_does_not_propose_the_evening_before_a_21_00_gig(w):
    gig(w.band, w.saturday)

    days = [d for d, _, _ in find_days(w.band, w.saturday - dt.timedelta(days=1), w.saturday)]

    assert days == [w.saturday - dt.timedelta(days=1)]


def test_find_dates_does_not_propose_berlin_18_00_before_a_gig_in_bristol_at_21_00(w, client):
    gig(w.band, w.saturday, hour=21, zone=LONDON)
    client.force_login(w.lea)

    response = client.get(
        reverse("bands:calendar_find", args=[w.band.slug]),
        {"start": w.saturday, "end": w.saturday, "length": "180", "time_of_day": "evening"},
    )

    assert response.status_code == 200
    assert response.context["candidates"] == []


def test_find_dates_at_any_time_skips_the_day_of_a_gig_unless_the_band_takes_two_a_day(w):
    gig(w.band, w.saturday, hour=13)  # busy 11:00 to 16:00; free from 16:00

    assert w.saturday not in [d for d, _, _ in find_days(w.band, w.saturday, w.saturday, hours=(None, None))]

    services.band_gig_times_set(band=w.band, by=w.lea, load_in_minutes=120, pack_down_minutes=60, two_gigs_a_day=True)
    w.band.refresh_from_db()
    assert (w.saturday, "16:00", "24:00") in find_days(w.band, w.saturday, w.saturday, hours=(None, None))


def test_the_other_band_of_a_member_is_not_offered_the_evening_either(w):
    gig(w.band, w.saturday)

    assert find_days(w.other_band, w.saturday, w.saturday) == []


# ---- The band's gig times page --------------------------------------------------------------------


def test_a_leader_sets_the_gig_times_on_the_manage_page_and_the_gigs_to_come_move(w, client):
    gig(w.band, w.saturday)
    url = reverse("bands:gig_times", args=[w.band.slug])
    client.force_login(w.lea)

    page = client.get(url)
    response = client.post(url, {"load_in_minutes": "60", "pack_down_minutes": "30", "two_gigs_a_day": "on"})

    assert page.status_code == 200
    assert 'value="120"' in page.content.decode()
    assert response.status_code == 302
    w.band.refresh_from_db()
    assert (w.band.load_in_minutes, w.band.pack_down_minutes, w.band.two_gigs_a_day) == (60, 30, True)
    assert busy_gig(w.sam) == [(at(w.saturday, 20), at(w.saturday, 23) + H / 2)]


@pytest.mark.parametrize("value", ["", "-1", "601", "lots"])
def test_bad_gig_times_on_the_manage_page_get_a_message_and_change_nothing(w, client, value):
    client.force_login(w.lea)

    response = client.post(
        reverse("bands:gig_times", args=[w.band.slug]), {"load_in_minutes": value, "pack_down_minutes": "30"}
    )

    assert response.status_code == 400
    assert "Enter minutes from 0 to 600" in response.content.decode()
    w.band.refresh_from_db()
    assert (w.band.load_in_minutes, w.band.pack_down_minutes) == (120, 60)


def test_only_leaders_and_admins_open_the_gig_times_page(w, client):
    url = reverse("bands:gig_times", args=[w.band.slug])
    for person in (w.sam, w.olga, UserFactory()):
        client.force_login(person)
        assert client.get(url).status_code == 403
        assert client.post(url, {"load_in_minutes": "0", "pack_down_minutes": "0"}).status_code == 403
    client.logout()
    assert client.post(url, {"load_in_minutes": "0", "pack_down_minutes": "0"}).status_code == 302
    w.band.refresh_from_db()
    assert (w.band.load_in_minutes, w.band.pack_down_minutes) == (120, 60)


def test_a_leader_sets_how_many_days_before_a_gig_silent_members_are_reminded(w, client):
    url = reverse("bands:gig_times", args=[w.band.slug])
    client.force_login(w.lea)

    page = client.get(url).content.decode()
    response = client.post(url, {"load_in_minutes": "120", "pack_down_minutes": "60", "rsvp_reminder_days": "3"})

    assert "Remind members who have not answered (days before a gig)" in page
    assert 'name="rsvp_reminder_days"' in page and "0: no reminder." in page
    assert response.status_code == 302
    w.band.refresh_from_db()
    assert w.band.rsvp_reminder_days == 3
    # Left empty, the days stay as they are (as the other optional settings of the page).
    client.post(url, {"load_in_minutes": "120", "pack_down_minutes": "60", "rsvp_reminder_days": ""})
    w.band.refresh_from_db()
    assert w.band.rsvp_reminder_days == 3


@pytest.mark.parametrize("value", ["-1", "61", "a week", "2.5"])
def test_bad_reminder_days_get_a_clear_message_and_change_nothing(w, client, value):
    client.force_login(w.lea)

    response = client.post(
        reverse("bands:gig_times", args=[w.band.slug]),
        {"load_in_minutes": "30", "pack_down_minutes": "30", "rsvp_reminder_days": value},
    )

    assert response.status_code == 400
    assert "Enter days from 0 to 60, e.g. 7 for a week before the gig; 0 sends no reminder." in response.text
    w.band.refresh_from_db()
    assert (w.band.rsvp_reminder_days, w.band.load_in_minutes) == (7, 120)


def test_a_member_who_is_not_a_leader_cannot_set_the_reminder_days(w, client):
    url = reverse("bands:gig_times", args=[w.band.slug])
    client.force_login(w.sam)
    answer = client.post(url, {"load_in_minutes": "120", "pack_down_minutes": "60", "rsvp_reminder_days": "1"})
    assert answer.status_code == 403
    with pytest.raises(services.BandPermissionError):
        services.band_gig_times_set(
            band=w.band, by=w.sam, load_in_minutes=120, pack_down_minutes=60, two_gigs_a_day=False, rsvp_reminder_days=1
        )
    w.band.refresh_from_db()
    assert w.band.rsvp_reminder_days == 7


@pytest.mark.parametrize("value", [-1, 61, True, "7"])
def test_the_service_refuses_reminder_days_out_of_bounds(w, value):
    with pytest.raises(ValidationError) as caught:
        services.band_gig_times_set(
            band=w.band,
            by=w.lea,
            load_in_minutes=120,
            pack_down_minutes=60,
            two_gigs_a_day=False,
            rsvp_reminder_days=value,
        )
    assert "rsvp_reminder_days" in caught.value.message_dict
    w.band.refresh_from_db()
    assert w.band.rsvp_reminder_days == 7
