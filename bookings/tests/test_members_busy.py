"""Every way to BOOKED checks the required members' busy time with the gig's load-in and pack-down,
names who is busy, and lets the band's leaders accept anyway when they will find a stand-in."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client

from accounts.people import people_draw
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingPermissionError, MembersBusy
from bookings.models import Booking, BookingEvent
from bookings.selectors.detail import booking_event_rows
from bookings.services import answering, asking, shows
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner

pytestmark = pytest.mark.django_db

S = Booking.Status


def slot_at(venue, hour: int, hours: int = 2, day: int = 10):
    start = in_days(day, hour)
    return SlotFactory(venue=venue, starts_at=start, ends_at=start + timedelta(hours=hours))


@pytest.fixture
def w():
    """The Lanterns are booked in Bristol 21:00–23:00 UTC (load-in from 19:00, pack-down to 24:00); a
    Berlin venue has a slot at 19:00–21:00 UTC the same evening."""
    bristol, bristol_owner = venue_with_owner(name="Thekla Bristol")
    berlin, berlin_owner = venue_with_owner(name="Lido Berlin")
    band, leader = band_with_leader(name="The Lanterns")
    mara = MembershipFactory(band=band, role=Membership.Role.MEMBER, user=UserFactory(display_name="Mara Jensen")).user
    gig = asking.booking_apply(slot=slot_at(bristol, 21), band=band, by=leader, role="headliner")
    answering.booking_accept(booking=gig, by=bristol_owner)
    return SimpleNamespace(
        band=band,
        leader=leader,
        mara=mara,
        berlin=berlin,
        berlin_owner=berlin_owner,
        berlin_slot=slot_at(berlin, 19),
    )


def state(booking: Booking) -> tuple:
    booking.refresh_from_db()
    return booking.status, booking.sequence, booking.status_note, booking.events.count()


def test_accepting_a_gig_whose_load_in_meets_a_members_other_gig_is_refused_naming_them(w):
    application = asking.booking_apply(slot=w.berlin_slot, band=w.band, by=w.leader, role="headliner")
    before = state(application)
    with pytest.raises(MembersBusy) as refused:
        answering.booking_accept(booking=application, by=w.berlin_owner)
    assert "Mara Jensen is busy" in str(refused.value)
    assert "(another gig)" in str(refused.value)
    assert "Thekla" not in str(refused.value)  # where the other gig is stays unsaid
    assert {member.name for member in refused.value.members} >= {"Mara Jensen"}
    assert state(application) == before
    w.berlin_slot.refresh_from_db()
    assert w.berlin_slot.headliner_booked == 0


def test_a_second_band_that_shares_a_member_is_refused_too(w):
    side, side_leader = band_with_leader(name="Side Project")
    MembershipFactory(band=side, user=w.mara, role=Membership.Role.MEMBER)
    application = asking.booking_apply(slot=w.berlin_slot, band=side, by=side_leader, role="headliner")
    with pytest.raises(MembersBusy) as refused:
        answering.booking_accept(booking=application, by=w.berlin_owner)
    assert [member.name for member in refused.value.members] == ["Mara Jensen"]


def test_a_member_who_is_not_required_does_not_stop_the_gig(w):
    side, side_leader = band_with_leader(name="Side Project")
    MembershipFactory(band=side, user=w.mara, role=Membership.Role.MEMBER, required=False)
    application = asking.booking_apply(slot=w.berlin_slot, band=side, by=side_leader, role="headliner")
    answering.booking_accept(booking=application, by=w.berlin_owner)
    application.refresh_from_db()
    assert application.status == S.BOOKED


def test_the_new_gigs_own_pack_down_counts(w):
    # 17:00–18:30 ends before the Bristol load-in (19:00), but its own pack-down (1 h) reaches 19:30.
    start = in_days(10, 17)
    early = SlotFactory(venue=w.berlin, starts_at=start, ends_at=start + timedelta(minutes=90))
    application = asking.booking_apply(slot=early, band=w.band, by=w.leader, role="headliner")
    with pytest.raises(MembersBusy):
        answering.booking_accept(booking=application, by=w.berlin_owner)
    w.band.pack_down_minutes = 0
    w.band.save(update_fields=["pack_down_minutes"])
    answering.booking_accept(booking=application, by=w.berlin_owner)
    application.refresh_from_db()
    assert application.status == S.BOOKED


def test_the_leader_accepts_anyway_with_a_stand_in_and_the_audit_log_says_so(w):
    offer = asking.booking_offer(slot=w.berlin_slot, band=w.band, by=w.berlin_owner, role="headliner")
    with pytest.raises(MembersBusy):
        answering.booking_accept(booking=offer, by=w.leader)
    answering.booking_accept(booking=offer, by=w.leader, stand_in=True)
    offer.refresh_from_db()
    assert offer.status == S.BOOKED
    note = BookingEvent.objects.filter(booking=offer, to_status=S.BOOKED).get().note
    assert note.startswith("Accepted anyway: ")
    assert "Mara Jensen" not in note and "Mara Jensen is busy" in people_draw(note)  # by reference (decision 0131)
    assert "will find a stand-in" in note


def test_only_the_bands_leaders_may_accept_anyway(w):
    application = asking.booking_apply(slot=w.berlin_slot, band=w.band, by=w.leader, role="headliner")
    before = state(application)
    with pytest.raises(BookingPermissionError):
        answering.booking_accept(booking=application, by=w.berlin_owner, stand_in=True)
    with pytest.raises(BookingPermissionError):
        answering.booking_stand_in_plan(booking=application, by=w.berlin_owner)
    with pytest.raises(BookingPermissionError):
        answering.booking_stand_in_plan(booking=application, by=w.mara)  # a plain member
    assert state(application) == before


def test_a_planned_stand_in_lets_the_venue_accept_and_is_recorded(w):
    application = asking.booking_apply(slot=w.berlin_slot, band=w.band, by=w.leader, role="headliner")
    answering.booking_stand_in_plan(booking=application, by=w.leader)
    application.refresh_from_db()
    assert application.stand_in_planned
    planned = booking_event_rows([application.events.order_by("-pk").first()])[0]
    assert planned.what.startswith("A stand-in is planned if needed, by") and "Mara Jensen" in planned.note
    answering.booking_accept(booking=application, by=w.berlin_owner)
    application.refresh_from_db()
    assert application.status == S.BOOKED
    assert BookingEvent.objects.get(booking=application, to_status=S.BOOKED).note.startswith("Accepted anyway")


def test_hosting_a_show_while_a_member_plays_elsewhere_is_refused_unless_a_stand_in_is_found(w):
    start = in_days(10, 19)
    fields = {
        "band": w.band,
        "by": w.leader,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "time_zone": "Europe/Berlin",
        "title": "Release show",
        "place_name": "Hinterhof",
        "place_city": "Berlin",
    }
    with pytest.raises(MembersBusy):
        shows.show_host(**fields)
    slot = shows.show_host(**fields, stand_in=True)
    booking = Booking.objects.get(slot=slot)
    assert booking.status == S.BOOKED
    assert BookingEvent.objects.get(booking=booking).note.startswith("Hosted anyway: ")


def test_the_booking_page_names_who_is_busy_and_a_refused_accept_is_a_409(w):
    application = asking.booking_apply(slot=w.berlin_slot, band=w.band, by=w.leader, role="headliner")
    venue = Client()
    venue.force_login(w.berlin_owner)
    page = venue.get(f"/bookings/{application.uid}/")
    assert page.status_code == 200
    assert "Mara Jensen: another gig" in page.content.decode()
    refused = venue.post(f"/bookings/{application.uid}/accept/", headers={"HX-Request": "true"})
    assert refused.status_code == 409
    assert "Mara Jensen is busy" in refused.content.decode()
    sneaky = venue.post(f"/bookings/{application.uid}/accept/", {"stand_in": "1"})
    assert sneaky.status_code == 403
    application.refresh_from_db()
    assert application.status == S.PENDING

    band = Client()
    band.force_login(w.leader)
    assert "We will find a stand-in" in band.get(f"/bookings/{application.uid}/").content.decode()
    assert band.post(f"/bookings/{application.uid}/stand-in/").status_code == 302
    assert venue.post(f"/bookings/{application.uid}/accept/").status_code == 302
    application.refresh_from_db()
    assert application.status == S.BOOKED


def test_the_band_accepts_an_offer_anyway_from_its_page(w):
    offer = asking.booking_offer(slot=w.berlin_slot, band=w.band, by=w.berlin_owner, role="headliner")
    band = Client()
    band.force_login(w.leader)
    page = band.get(f"/bookings/{offer.uid}/").content.decode()
    assert "Accept anyway – we will find a stand-in" in page
    assert band.post(f"/bookings/{offer.uid}/accept/", {"stand_in": "1"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == S.BOOKED


def test_the_api_refuses_with_the_member_named_and_accepts_with_stand_in(w):
    offer = asking.booking_offer(slot=w.berlin_slot, band=w.band, by=w.berlin_owner, role="headliner")
    api = ApiClient(token_for(w.leader))
    refused = api.post(f"/api/v1/bookings/{offer.uid}/accept")
    assert refused.status_code == 409
    assert "Mara Jensen is busy" in refused.json()["detail"]
    accepted = api.post(f"/api/v1/bookings/{offer.uid}/accept?stand_in=true")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "booked"
