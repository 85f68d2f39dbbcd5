"""The public slot page and a band's application to a slot, with every way it can be refused."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import ApprovalStatus, Membership
from bands.tests.factories import GenreFactory, MembershipFactory
from bookings.models import Booking
from bookings.services import answering, asking, venue_slots
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from venues.models import Slot
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def page_url(slot: Slot) -> str:
    return reverse("bookings:slot_detail", args=[slot.pk])


def apply_url(slot: Slot) -> str:
    return reverse("bookings:apply", args=[slot.pk])


@pytest.fixture
def venue_and_owner():
    return venue_with_owner(name="Kellerbar", slug="kellerbar", time_zone="Europe/Berlin")


@pytest.fixture
def slot(venue_and_owner):
    return SlotFactory(venue=venue_and_owner[0], title="Friday Indie", fee=400, support_places=1)


@pytest.fixture
def band_and_leader():
    return band_with_leader(name="The Thaws", slug="the-thaws")


def post(client, slot: Slot, band, /, **fields):
    data = {"band": band.pk, "role": "headliner", "fee": "", "message": "We bring our own drums."}
    data.update(fields)
    return client.post(apply_url(slot), data)


# ---- The page ------------------------------------------------------------------------------------


def test_the_slot_page_shows_the_venue_times_stage_fee_lineup_and_status(client, venue_and_owner):
    venue, owner = venue_and_owner
    rock = GenreFactory(name="Rock")
    start = in_days(12, hour=19)
    slot = SlotFactory(
        venue=venue,
        title="Rock Night",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        fee=None,
        notes="Load-in at 17:00.",
        ticket_url="https://tickets.example.com/rock",
        genres=[rock],
    )
    headliner, headliner_leader = band_with_leader(name="Headliners", slug="headliners")
    booking = asking.booking_apply(slot=slot, band=headliner, by=headliner_leader, role="headliner")
    answering.booking_accept(booking=booking, by=owner)
    client.force_login(UserFactory(time_zone="America/New_York"))
    response = client.get(page_url(slot))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/venues/kellerbar/"' in html
    assert 'href="/bands/headliners/"' in html
    assert "Need support" in html
    assert "Negotiable" in html
    assert "Main stage" in html
    assert "Rock" in html
    assert "Load-in at 17:00." in html
    assert "https://tickets.example.com/rock" in html
    assert f"{start.astimezone(NEW_YORK):%H:%M}–" in html
    assert "(America/New_York)" in html
    assert "At the venue: " in html and "(Europe/Berlin)" in html
    assert f"{start.astimezone(BERLIN):%H:%M}–" in html


def test_anonymous_sees_the_slot_in_the_venue_zone_and_a_login_link(client, slot):
    response = client.get(page_url(slot))
    html = response.content.decode()
    assert response.status_code == 200
    assert "(Europe/Berlin)" in html
    assert "At the venue" not in html
    assert "Log in to apply" in html
    assert f"?next={page_url(slot)}" in html.replace("%2F", "/")
    assert 'action="' + apply_url(slot) not in html


def test_a_leader_gets_the_form_and_sees_whether_the_band_is_free(client, slot, band_and_leader):
    band, leader = band_and_leader
    drummer = MembershipFactory(band=band, required=True).user
    client.force_login(leader)
    html = client.get(page_url(slot)).content.decode()
    assert f'action="{apply_url(slot)}"' in html
    assert "Everyone is free then" in html
    assert "Fee asked (EUR):" in html
    BusyInterval.objects.create(
        user=drummer, starts_at=slot.starts_at, ends_at=slot.ends_at, source="rule", source_id=1
    )
    html = client.get(page_url(slot)).content.decode()
    assert "Not everyone is free then" in html


def test_a_plain_member_sees_no_form(client, slot, band_and_leader):
    band, _ = band_and_leader
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    client.force_login(member)
    html = client.get(page_url(slot)).content.decode()
    assert 'action="' + apply_url(slot) not in html
    assert "Only a band’s leaders and admins can apply." in html


def test_the_form_offers_only_open_places(client, venue_and_owner, band_and_leader):
    venue, owner = venue_and_owner
    slot = SlotFactory(venue=venue, support_places=2)
    other, other_leader = band_with_leader()
    answering.booking_accept(
        booking=asking.booking_apply(slot=slot, band=other, by=other_leader, role="headliner"), by=owner
    )
    client.force_login(band_and_leader[1])
    html = client.get(page_url(slot)).content.decode()
    assert 'value="support"' in html
    assert 'value="headliner"' not in html
    assert "Support (2 of 2 open)" in html


def test_the_page_shows_an_application_and_a_withdraw_button(client, slot, band_and_leader):
    band, leader = band_and_leader
    booking = asking.booking_apply(slot=slot, band=band, by=leader, role="headliner")
    client.force_login(leader)
    html = client.get(page_url(slot)).content.decode()
    assert "Application: pending" in html
    assert f'action="{reverse("bookings:withdraw", args=[booking.uid])}"' in html
    assert f'href="{reverse("bookings:detail", args=[booking.uid])}"' in html
    assert "Every band you lead or run has already applied to this slot." in html


def test_venue_staff_see_their_slot_without_a_form(client, slot, venue_and_owner):
    _, owner = venue_and_owner
    band, _ = band_with_leader()
    MembershipFactory(band=band, user=owner, role=Membership.Role.LEADER)
    client.force_login(owner)
    html = client.get(page_url(slot)).content.decode()
    assert "You are on the staff of this venue" in html
    assert 'action="' + apply_url(slot) not in html
    assert reverse("bookings:slot_manage", args=["kellerbar", slot.pk]) in html


def test_an_invite_only_slot_is_private(client, venue_and_owner, band_and_leader):
    venue, owner = venue_and_owner
    secret = SlotFactory(venue=venue, visibility=Slot.Visibility.INVITE, title="Secret show")
    band, leader = band_and_leader
    outsider, outsider_leader = band_with_leader()
    asking.booking_offer(slot=secret, band=band, by=owner, role="headliner")
    assert client.get(page_url(secret)).status_code == 404
    client.force_login(outsider_leader)
    assert client.get(page_url(secret)).status_code == 404
    assert post(client, secret, outsider).status_code == 404
    client.force_login(owner)
    assert client.get(page_url(secret)).status_code == 200
    client.force_login(leader)
    html = client.get(page_url(secret)).content.decode()
    assert "Secret show" in html
    assert "Offer: pending" in html
    assert "by invitation only" in html


def test_a_slot_at_a_venue_in_review_is_private(client):
    slot = SlotFactory(venue=VenueFactory(status=ApprovalStatus.PENDING))
    assert client.get(page_url(slot)).status_code == 404


def test_an_unknown_slot_is_404(client):
    assert client.get(reverse("bookings:slot_detail", args=[999999])).status_code == 404


# ---- Applying ------------------------------------------------------------------------------------


def test_a_leader_applies_and_lands_on_the_booking(client, slot, band_and_leader):
    band, leader = band_and_leader
    client.force_login(leader)
    response = post(client, slot, band, role="support", fee="350")
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:detail", args=[booking.uid])
    assert response["Location"] == f"/bookings/{booking.uid}/"
    assert (booking.kind, booking.role, booking.status) == ("application", "support", "pending")
    assert (booking.band, booking.slot, booking.fee) == (band, slot, 350)
    assert booking.message == "We bring our own drums."
    assert booking.requested_by == leader


def test_an_admin_may_apply_too_and_an_empty_fee_takes_the_offered_one(client, slot):
    band, _ = band_with_leader()
    admin = MembershipFactory(band=band, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    assert post(client, slot, band).status_code == 302
    assert Booking.objects.get().fee == 400
    negotiable = SlotFactory(fee=None)
    assert post(client, negotiable, band).status_code == 302
    assert Booking.objects.get(slot=negotiable).fee is None


def test_anonymous_cannot_apply(client, slot, band_and_leader):
    response = post(client, slot, band_and_leader[0])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Booking.objects.exists()


def test_a_get_on_the_apply_address_leads_to_the_slot(client, slot, band_and_leader):
    client.force_login(band_and_leader[1])
    response = client.get(apply_url(slot))
    assert response.status_code == 302
    assert response["Location"] == page_url(slot)


def test_applying_twice_is_a_conflict(client, slot, band_and_leader):
    band, leader = band_and_leader
    client.force_login(leader)
    assert post(client, slot, band).status_code == 302
    response = post(client, slot, band, role="support")
    assert response.status_code == 409
    assert "already has a pending application for this slot" in response.content.decode()
    assert Booking.objects.count() == 1


def test_applying_to_your_own_venue_is_forbidden(client, slot, venue_and_owner):
    _, owner = venue_and_owner
    band, _ = band_with_leader()
    MembershipFactory(band=band, user=owner, role=Membership.Role.LEADER)
    client.force_login(owner)
    response = post(client, slot, band)
    assert response.status_code == 403
    assert "You are on the staff of this venue" in response.content.decode()
    assert not Booking.objects.exists()


def test_an_invite_only_slot_takes_no_applications(client, venue_and_owner, band_and_leader):
    venue, owner = venue_and_owner
    band, leader = band_and_leader
    secret = SlotFactory(venue=venue, visibility=Slot.Visibility.INVITE)
    other_band, _ = band_with_leader()
    MembershipFactory(band=other_band, user=leader, role=Membership.Role.LEADER)
    asking.booking_offer(slot=secret, band=band, by=owner, role="headliner")
    client.force_login(leader)
    # The leader sees the slot through the offer, and still cannot apply for the other band.
    response = post(client, secret, other_band)
    assert response.status_code == 403
    assert "by invitation only" in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_cancelled_slot_takes_no_applications(client, slot, venue_and_owner, band_and_leader):
    venue_slots.slot_cancel(slot=slot, by=venue_and_owner[1], reason="Flooded cellar")
    band, leader = band_and_leader
    client.force_login(leader)
    html = client.get(page_url(slot)).content.decode()
    assert "The venue cancelled this slot: Flooded cellar" in html
    assert 'action="' + apply_url(slot) not in html
    response = post(client, slot, band)
    assert response.status_code == 409
    assert "The venue cancelled this slot." in response.content.decode()
    assert not Booking.objects.exists()


def test_a_past_slot_takes_no_applications(client, venue_and_owner, band_and_leader):
    past = SlotFactory(venue=venue_and_owner[0], starts_at=timezone.now() - dt.timedelta(hours=5))
    band, leader = band_and_leader
    client.force_login(leader)
    assert "This slot has passed." in client.get(page_url(past)).content.decode()
    response = post(client, past, band)
    assert response.status_code == 400
    assert "has already started" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_taken_place_is_a_conflict_and_the_page_says_so(client, venue_and_owner, band_and_leader):
    venue, owner = venue_and_owner
    slot = SlotFactory(venue=venue, support_places=0)
    band, leader = band_and_leader
    client.force_login(leader)
    stale_page = client.get(page_url(slot)).content.decode()
    assert 'value="headliner"' in stale_page
    other, other_leader = band_with_leader()
    answering.booking_accept(
        booking=asking.booking_apply(slot=slot, band=other, by=other_leader, role="headliner"), by=owner
    )
    response = post(client, slot, band, role="headliner")
    assert response.status_code == 409
    html = response.content.decode()
    assert "The headliner place of this slot is already taken." in html
    # The page is drawn again as the slot is now: the taken place is no longer offered.
    assert "Every place on this slot is taken." in html
    response = post(client, slot, band, role="support")
    assert response.status_code == 409
    assert "no support places" in response.content.decode()
    assert Booking.objects.filter(band=band).count() == 0


def test_a_band_that_is_not_yours_is_refused(client, slot, band_and_leader):
    _band, leader = band_and_leader
    stranger_band, _ = band_with_leader(name="Strangers")
    client.force_login(leader)
    response = post(client, slot, stranger_band)
    assert response.status_code == 400
    assert "Pick one of the bands you lead or run" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_band_you_only_play_in_is_refused(client, slot, band_and_leader):
    band, _ = band_and_leader
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    client.force_login(member)
    response = post(client, slot, band)
    assert response.status_code == 403
    assert "Only a band’s leaders and admins can apply" in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"fee": "-1"}, "A fee cannot be negative."),
        ({"fee": "lots"}, "Enter a whole number, like 400."),
        ({"fee": "99999999999999"}, "That is more than we can store"),
        ({"role": "drummer"}, "Choose headliner or support."),
        ({"role": ""}, "Choose headliner or support."),
        ({"band": "not-a-number"}, "Pick one of the bands you lead or run"),
        ({"message": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field(client, slot, band_and_leader, fields, message):
    band, leader = band_and_leader
    client.force_login(leader)
    response = post(client, slot, band, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert re.search(r'<ul class="errorlist"[^>]*>', html)
    assert not Booking.objects.exists()


def test_a_band_waiting_for_approval_is_told_so(client, slot):
    band, leader = band_with_leader(status=ApprovalStatus.PENDING)
    client.force_login(leader)
    response = post(client, slot, band)
    assert response.status_code == 400
    assert "waiting for approval" in response.content.decode()
    assert not Booking.objects.exists()


def test_after_withdrawing_the_band_may_apply_again(client, slot, band_and_leader):
    band, leader = band_and_leader
    first = asking.booking_apply(slot=slot, band=band, by=leader, role="headliner")
    answering.booking_withdraw(booking=first, by=leader)
    client.force_login(leader)
    assert f'action="{apply_url(slot)}"' in client.get(page_url(slot)).content.decode()
    assert post(client, slot, band).status_code == 302
    assert Booking.objects.filter(status=Booking.Status.PENDING).count() == 1


# ---- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 12])
def test_slot_page_query_count_does_not_grow_with_lineup_or_bands(
    client, django_assert_max_num_queries, venue_and_owner, count
):
    venue, _owner = venue_and_owner
    slot = SlotFactory(venue=venue, support_places=6, genres=[GenreFactory(name=f"G{n}") for n in range(count)])
    for n in range(min(count, 7)):
        role = Booking.Role.HEADLINER if n == 0 else Booking.Role.SUPPORT
        BookingFactory(band=band_with_leader()[0], slot=slot, role=role, status=Booking.Status.BOOKED)
    viewer = UserFactory()
    for n in range(count):
        band, _ = band_with_leader()
        MembershipFactory(band=band, user=viewer, role=Membership.Role.LEADER if n % 2 else Membership.Role.MEMBER)
        if n % 3 == 0:
            BookingFactory(band=band, slot=slot, status=Booking.Status.PENDING)
    client.force_login(viewer)
    # session, user, slot, genres, the viewer's bands, their required members' busy time around the slot
    # (each band held to its own load-in and pack-down), their bookings here, staff?, lineup
    with django_assert_max_num_queries(9):
        response = client.get(page_url(slot))
    assert response.status_code == 200
    client.logout()
    # slot, genres, lineup
    with django_assert_max_num_queries(3):
        assert client.get(page_url(slot)).status_code == 200
