"""Staff watch bookings and slots in the Django admin: filters, search, the audit trail, read-only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.models import Booking, BookingEvent
from bookings.services import answering, asking, venue_slots
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from venues.models import Slot

pytestmark = pytest.mark.django_db

BOOKINGS = reverse("admin:bookings_booking_changelist")
SLOTS = reverse("admin:venues_slot_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def gigs():
    """Kellerbar: a booked headline by The Lanterns, a declined rival; Elsewhere: an offer pending."""
    venue, owner = venue_with_owner(name="Kellerbar")
    other, other_owner = venue_with_owner(name="Elsewhere")
    band, leader = band_with_leader(name="The Lanterns")
    rival, rival_leader = band_with_leader(name="Rival Sons")
    slot = SlotFactory(venue=venue, starts_at=in_days(10), ends_at=in_days(10, 23), support_places=1)
    booked = asking.booking_apply(slot=slot, band=band, by=leader, role="headliner")
    declined = asking.booking_apply(slot=slot, band=rival, by=rival_leader, role="headliner")
    answering.booking_accept(booking=booked, by=owner)
    offered = asking.booking_offer(
        slot=SlotFactory(venue=other, starts_at=in_days(12), ends_at=in_days(12, 23)),
        band=rival,
        by=other_owner,
        role="headliner",
    )
    for booking in (booked, declined):
        booking.refresh_from_db()
    slot.refresh_from_db()
    return {"booked": booked, "declined": declined, "offered": offered, "slot": slot, "owner": owner}


def listed(client, url: str, query: str = "") -> str:
    response = client.get(f"{url}?{query}")
    assert response.status_code == 200
    return response.content.decode()


def statuses_listed(html: str, *bookings: Booking) -> set[str]:
    return {b.status for b in bookings if reverse("admin:bookings_booking_change", args=[b.pk]) in html}


def test_bookings_filter_by_status_and_kind(staff_client, gigs):
    everything = gigs["booked"], gigs["declined"], gigs["offered"]
    assert statuses_listed(listed(staff_client, BOOKINGS), *everything) == {"booked", "declined", "pending"}
    assert statuses_listed(listed(staff_client, BOOKINGS, "status__exact=booked"), *everything) == {"booked"}
    assert statuses_listed(listed(staff_client, BOOKINGS, "kind__exact=offer"), *everything) == {"pending"}
    html = listed(staff_client, BOOKINGS, "kind__exact=application&status__exact=declined")
    assert statuses_listed(html, *everything) == {"declined"}


@pytest.mark.parametrize(
    ("term", "expected"),
    [("Lanterns", {"booked"}), ("rival", {"declined", "pending"}), ("Elsewhere", {"pending"})],
)
def test_bookings_search_by_band_and_venue(staff_client, gigs, term, expected):
    html = listed(staff_client, BOOKINGS, f"q={term}")
    assert statuses_listed(html, gigs["booked"], gigs["declined"], gigs["offered"]) == expected


def test_bookings_search_by_uid(staff_client, gigs):
    booked = gigs["booked"]
    for term in (str(booked.uid), str(booked.uid)[:8]):
        html = listed(staff_client, BOOKINGS, f"q={term}")
        assert statuses_listed(html, booked, gigs["declined"], gigs["offered"]) == {"booked"}


def test_a_booking_page_shows_its_history_and_cannot_be_changed(staff_client, gigs):
    booked = gigs["booked"]
    url = reverse("admin:bookings_booking_change", args=[booked.pk])
    html = listed(staff_client, url)
    assert "History (who changed what, and why)" in html
    assert "Accepted" in html and "Applied" in html
    assert "(Europe/Berlin)" in html
    # Read-only: no inputs for the booking or its events, no save, no delete.
    assert 'name="status"' not in html and 'name="events-0-note"' not in html
    assert 'name="_save"' not in html
    assert reverse("admin:bookings_booking_delete", args=[booked.pk]) not in html
    response = staff_client.post(url, {"status": "cancelled", "status_note": "hacked"})
    assert response.status_code == 403
    booked.refresh_from_db()
    assert (booked.status, booked.status_note) == ("booked", "Accepted")


def test_bookings_and_their_events_are_never_deleted_or_added_by_staff(staff_client, gigs):
    booked = gigs["booked"]
    assert staff_client.get(reverse("admin:bookings_booking_delete", args=[booked.pk])).status_code == 403
    assert staff_client.get(reverse("admin:bookings_booking_add")).status_code == 403
    response = staff_client.post(BOOKINGS, {"action": "delete_selected", "_selected_action": [booked.pk]})
    assert Booking.objects.filter(pk=booked.pk).exists()
    assert "delete_selected" not in listed(staff_client, BOOKINGS)
    assert response.status_code in (200, 302)
    assert BookingEvent.objects.filter(booking=booked).count() == 2


def test_bookings_list_query_count_does_not_grow(staff_client, gigs, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        listed(staff_client, BOOKINGS)
    venue, _ = venue_with_owner()
    for day in range(20, 40):
        band, leader = band_with_leader()
        slot = SlotFactory(venue=venue, starts_at=in_days(day), ends_at=in_days(day, 23))
        asking.booking_apply(slot=slot, band=band, by=leader, role="headliner")
    with django_assert_max_num_queries(7):
        listed(staff_client, BOOKINGS)


def test_the_offer_invite_list_never_shows_the_token(staff_client, gigs):
    invite = venue_slots.offer_invite_create(
        slot=gigs["slot"], by=gigs["owner"], email="new@band.example", role="support", site_url="https://x.example"
    )
    html = listed(staff_client, reverse("admin:bookings_offerinvite_changelist"))
    assert "new@band.example" in html and "open" in html
    page = listed(staff_client, reverse("admin:bookings_offerinvite_change", args=[invite.pk]))
    assert invite.token not in html and invite.token not in page


# ---- Slots ------------------------------------------------------------------------------------


def test_slots_filter_by_derived_status(staff_client, gigs):
    slot = gigs["slot"]  # headliner booked, one support place open
    full = SlotFactory(venue=slot.venue, title="Sold out", support_places=0, headliner_booked=1)
    gone = SlotFactory(venue=slot.venue, title="Gone", cancelled_at=timezone.now(), cancel_reason="Closed")
    fresh = SlotFactory(venue=slot.venue, title="Fresh")
    titles = {s.title: s for s in (slot, full, gone, fresh)}

    def shown(status: str) -> set[str]:
        html = listed(staff_client, SLOTS, f"status={status}")
        return {t for t, s in titles.items() if reverse("admin:venues_slot_change", args=[s.pk]) in html}

    assert shown("need_support") == {slot.title}
    assert shown("booked") == {"Sold out"}
    assert shown("cancelled") == {"Gone"}
    assert shown("open") >= {"Fresh"} and not shown("open") & {slot.title, "Sold out", "Gone"}
    html = listed(staff_client, SLOTS, "q=Kellerbar")
    assert "Need support" in html and "1 of 2" in html


def test_slot_counters_are_read_only_and_slots_are_not_deleted(staff_client, gigs):
    slot = gigs["slot"]
    url = reverse("admin:venues_slot_change", args=[slot.pk])
    html = listed(staff_client, url)
    for field in ("headliner_booked", "supports_booked", "support_places", "starts_at", "cancelled_at"):
        assert f'name="{field}' not in html
    assert 'name="title"' in html
    response = staff_client.post(
        url,
        {"title": "Renamed", "currency": slot.currency, "visibility": slot.visibility, "headliner_booked": 0},
    )
    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.title, slot.headliner_booked) == ("Renamed", 1)
    assert staff_client.get(reverse("admin:venues_slot_delete", args=[slot.pk])).status_code == 403
    assert staff_client.get(reverse("admin:venues_slot_add")).status_code == 403
    assert Slot.objects.filter(pk=slot.pk).exists()


def test_slots_list_query_count_does_not_grow(staff_client, gigs, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        listed(staff_client, SLOTS)
    SlotFactory.create_batch(25, venue=gigs["slot"].venue)
    with django_assert_max_num_queries(7):
        listed(staff_client, SLOTS)
