"""One show per stage on the venue's slot pages: posting, editing and the weekly series say which slot is in
the way (409, nothing saved), the series preview marks those dates before anything is posted, and a
slot posted twice (double click, resubmitted form, second tab) is posted once."""

import datetime as dt
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from bookings.services import venue_slots
from bookings.tests.factories import venue_with_owner
from venues.models import Slot, VenueStaff
from venues.services import slot_create
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def venue():
    venue, _ = venue_with_owner(name="Kellerbar", slug="kellerbar", time_zone="Europe/Berlin", stages=["Main stage"])
    VenueStaffFactory(venue=venue, role=VenueStaff.Role.BOOKER)
    return venue


def owner_of(venue):
    return venue.staff_roles.get(role=VenueStaff.Role.OWNER).user


def booker_of(venue):
    return venue.staff_roles.get(role=VenueStaff.Role.BOOKER).user


def next_friday(weeks: int = 4) -> dt.date:
    today = timezone.localdate(timezone.now(), BERLIN)
    return today + timedelta(days=(4 - today.weekday()) % 7 + 7 * weeks)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), BERLIN)


def day_text(day: dt.date) -> str:
    return dateformat.format(day, "D j F Y")


def rock_night(venue, day: dt.date) -> Slot:
    """“Friday Rock Night”, 21:00–01:00 Berlin on `day`, posted by the owner."""
    return slot_create(
        venue=venue,
        by=owner_of(venue),
        stage=venue.stages.get(),
        starts_at=at(day, 21),
        ends_at=at(day + timedelta(days=1), 1),
        title="Friday Rock Night",
    )


def slot_data(venue, day: dt.date, **overrides) -> dict:
    data = {
        "stage": venue.stages.get().pk,
        "date": day.isoformat(),
        "start": "22:00",
        "end": "23:30",
        "end_date": "",
        "title": "Quiz night",
        "fee": "",
        "currency": "EUR",
        "support_places": "0",
        "visibility": "public",
        "ticket_url": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def series_data(venue, first: dt.date, last: dt.date, **overrides) -> dict:
    data = slot_data(venue, first, start="20:00", end="23:00", title="Open stage")
    for key in ("date", "end_date"):
        data.pop(key)
    data.update({"weekdays": ["4"], "first_date": first.isoformat(), "last_date": last.isoformat()})
    data.update(overrides)
    return data


CLASH = "Main stage already has “Friday Rock Night” from 21:00 to 01:00 on {day} (Europe/Berlin)."


# ---- One slot ------------------------------------------------------------------------------------------


def test_posting_over_a_show_on_the_stage_is_409_naming_it_and_posts_nothing(client, venue):
    friday = next_friday()
    rock_night(venue, friday)
    client.force_login(booker_of(venue))
    response = client.post(reverse("bookings:venue_slot_new", args=[venue.slug]), slot_data(venue, friday))
    assert response.status_code == 409
    assert CLASH.format(day=day_text(friday)) in response.content.decode()
    assert list(Slot.objects.values_list("title", flat=True)) == ["Friday Rock Night"]


def test_a_slot_ending_as_the_show_starts_is_posted(client, venue):
    friday = next_friday()
    rock_night(venue, friday)
    client.force_login(booker_of(venue))
    response = client.post(
        reverse("bookings:venue_slot_new", args=[venue.slug]), slot_data(venue, friday, start="19:00", end="21:00")
    )
    assert response.status_code == 302
    assert Slot.objects.count() == 2


def test_a_cancelled_slot_frees_the_stage_for_a_new_one(client, venue):
    friday = next_friday()
    old = rock_night(venue, friday)
    venue_slots.slot_cancel(slot=old, by=owner_of(venue), reason="The band split up")
    client.force_login(booker_of(venue))
    response = client.post(reverse("bookings:venue_slot_new", args=[venue.slug]), slot_data(venue, friday))
    assert response.status_code == 302
    assert Slot.objects.get(cancelled_at__isnull=True).title == "Quiz night"


def test_posting_the_same_slot_twice_posts_it_once_and_shows_it(client, venue):
    """A double click or a resubmitted form: the second post finds the first and goes to its page."""
    friday = next_friday()
    client.force_login(booker_of(venue))
    url = reverse("bookings:venue_slot_new", args=[venue.slug])
    first = client.post(url, slot_data(venue, friday))
    second = client.post(url, slot_data(venue, friday), follow=True)
    slot = Slot.objects.get()
    assert first.status_code == 302
    assert second.redirect_chain == [(reverse("bookings:slot_manage", args=[venue.slug, slot.pk]), 302)]
    assert "This slot is already posted" in second.content.decode()


def test_the_same_slot_from_someone_else_is_a_clash_not_a_repeat(client, venue):
    friday = next_friday()
    url = reverse("bookings:venue_slot_new", args=[venue.slug])
    client.force_login(owner_of(venue))
    client.post(url, slot_data(venue, friday))
    client.force_login(booker_of(venue))
    response = client.post(url, slot_data(venue, friday))
    assert response.status_code == 409
    assert "Main stage already has “Quiz night” from 22:00 to 23:30" in response.content.decode()
    assert Slot.objects.count() == 1


def test_moving_a_slot_onto_a_show_is_409_and_changes_nothing(client, venue):
    friday = next_friday()
    rock_night(venue, friday)
    early = slot_create(
        venue=venue,
        by=owner_of(venue),
        stage=venue.stages.get(),
        starts_at=at(friday, 17),
        ends_at=at(friday, 19),
        title="Matinee",
    )
    client.force_login(owner_of(venue))
    response = client.post(
        reverse("bookings:slot_manage", args=[venue.slug, early.pk]),
        slot_data(venue, friday, start="20:00", end="22:00", title="Matinee"),
    )
    assert response.status_code == 409
    assert CLASH.format(day=day_text(friday)) in response.content.decode()
    early.refresh_from_db()
    assert (early.starts_at, early.ends_at) == (at(friday, 17), at(friday, 19))


def test_a_stranger_posting_over_a_show_gets_403_and_learns_nothing(client, venue):
    friday = next_friday()
    rock_night(venue, friday)
    _, stranger = venue_with_owner()
    client.force_login(stranger)
    response = client.post(reverse("bookings:venue_slot_new", args=[venue.slug]), slot_data(venue, friday))
    assert response.status_code == 403
    assert "Friday Rock Night" not in response.content.decode()


# ---- A weekly series -----------------------------------------------------------------------------------


def test_the_series_preview_marks_the_dates_a_show_is_in_the_way_of_and_posts_nothing(client, venue):
    first = next_friday()
    rock_night(venue, first + timedelta(days=14))
    client.force_login(owner_of(venue))
    url = reverse("bookings:venue_slot_series", args=[venue.slug])
    response = client.post(url, {**series_data(venue, first, first + timedelta(days=28)), "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "This posts 4 slots" in page and "Post 4 slots" in page
    assert "1 date clashes with a show already on this stage" in page
    assert f"Left out:</strong> {CLASH.format(day=day_text(first + timedelta(days=14)))}" in page
    assert Slot.objects.count() == 1


def test_posting_the_series_skips_the_dates_in_the_way_and_names_them(client, venue):
    first = next_friday()
    clash_day = first + timedelta(days=14)
    rock_night(venue, clash_day)
    client.force_login(owner_of(venue))
    url = reverse("bookings:venue_slot_series", args=[venue.slug])
    response = client.post(url, series_data(venue, first, first + timedelta(days=28)), follow=True)
    page = response.content.decode()
    assert "Posted 4 slots." in page
    assert f"Skipped {dateformat.format(clash_day, 'D j M Y')}: {CLASH.format(day=day_text(clash_day))}" in page
    posted = Slot.objects.filter(title="Open stage").order_by("starts_at")
    assert [s.starts_at.astimezone(BERLIN).date() for s in posted] == [
        first + timedelta(days=7 * n) for n in (0, 1, 3, 4)
    ]


def test_posting_the_same_series_twice_posts_it_once(client, venue):
    first = next_friday()
    client.force_login(owner_of(venue))
    url = reverse("bookings:venue_slot_series", args=[venue.slug])
    data = series_data(venue, first, first + timedelta(days=21))
    client.post(url, data)
    again = client.post(url, data, follow=True)
    assert again.redirect_chain == [(reverse("bookings:venue_slots", args=[venue.slug]), 302)]
    assert "These 4 slots are already posted." in again.content.decode()
    assert Slot.objects.count() == 4


def test_a_series_every_date_of_which_is_taken_is_409_and_posts_nothing(client, venue):
    first = next_friday()
    for week in range(2):
        rock_night(venue, first + timedelta(days=7 * week))
    client.force_login(booker_of(venue))
    url = reverse("bookings:venue_slot_series", args=[venue.slug])
    response = client.post(url, series_data(venue, first, first + timedelta(days=7)))
    page = response.content.decode()
    assert response.status_code == 409
    assert "Every date clashes with a show already on Main stage; nothing was posted." in page
    assert CLASH.format(day=day_text(first + timedelta(days=7))) in page
    assert Slot.objects.count() == 2


@pytest.mark.parametrize("taken", [1, 12])
def test_series_preview_query_count_does_not_grow_with_the_slots_in_the_way(
    client, venue, taken, django_assert_max_num_queries
):
    first = next_friday()
    for week in range(taken):
        rock_night(venue, first + timedelta(days=7 * week))
    client.force_login(owner_of(venue))
    url = reverse("bookings:venue_slot_series", args=[venue.slug])
    data = {**series_data(venue, first, first + timedelta(days=7 * 15)), "preview": "1"}
    # session, user, venue, the stages to pick, the stage picked, the slots in the way, the stage's venue
    # (its zone), the genres to pick
    with django_assert_max_num_queries(8):
        response = client.post(url, data)
    assert response.content.decode().count("Left out:</strong>") == taken
