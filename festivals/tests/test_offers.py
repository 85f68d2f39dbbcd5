"""Asked before booked: the organiser offers an act a set; only the act's accept books it, through
booking_book with the festival's rules under the locks. Declined, withdrawn or lapsed, an offer leaves
nothing booked and frees the stage; the public timetable shows only the sets the acts accepted."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking
from bookings.services import answering, periodic
from festivals import selectors
from festivals.models import Placement
from festivals.services import timetable
from festivals.services.errors import FestivalPermissionError
from teams.models import Organisation, Role
from teams.tests.factories import OrganisationFactory, OrgMemberFactory

from .factories import festival_world, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return festival_world()


def offer(w, fstage, band, hour, minute=0, **more) -> Placement:
    return timetable.placement_offer(
        fstage=fstage,
        band=band,
        starts_at=local(w.first_day, hour, minute),
        set_minutes=45,
        by=w.owner,
        now=timezone.now(),
        **more,
    )


def booked(w) -> int:
    return Booking.objects.filter(band__in=[w.kite, w.moth, w.owl], status=Booking.Status.BOOKED).count()


def public_acts(w) -> list[str]:
    days = selectors.timetable(festival=w.festival, booked_only=True)
    return [cell.placement.band.name for day in days for column in day.columns for cell in column.cells]


def test_an_offer_waits_for_the_act_and_its_accept_books_it(w):
    placed = offer(w, w.main, w.kite, 20, fee=800, terms="Two drinks each")
    booking = placed.booking
    assert booking.kind == Booking.Kind.OFFER and booking.status == Booking.Status.PENDING
    assert booking.fee == 800 and booking.message == "Two drinks each" and booked(w) == 0
    assert placed.is_offered and public_acts(w) == []
    leader = w.leaders[w.kite.pk]
    note = Notification.objects.get(recipient=leader)
    assert "Lake Fest" in note.text and "Main" in note.text
    # The organiser holds the slot: another act on the stage then is refused at once.
    with pytest.raises(BookingConflict, match="changeover"):
        offer(w, w.main, w.owl, 20, 15)
    # The act answers in its inbox like any offer: booking_accept goes through the festival's door.
    done = answering.booking_accept(booking=booking, by=leader)
    assert done.status == Booking.Status.BOOKED and booked(w) == 1
    placed.refresh_from_db()
    assert not placed.is_offered and public_acts(w) == ["Kite"]
    assert done.slot.stage_id == w.main.stage_id and done.block_id


def test_declined_withdrawn_or_lapsed_an_offer_books_nothing_and_frees_the_stage(w):
    kite = offer(w, w.main, w.kite, 20)
    answering.booking_decline(booking=kite.booking, by=w.leaders[w.kite.pk], reason="On holiday")
    owl = offer(w, w.main, w.owl, 20)  # the stage is free again, at the same time
    timetable.placement_withdraw(placement=owl, by=w.booker, now=timezone.now())
    owl.booking.refresh_from_db()
    assert owl.booking.status == Booking.Status.WITHDRAWN
    assert Notification.objects.filter(recipient=w.leaders[w.owl.pk], text__contains="Withdrawn").exists()
    with pytest.raises(BookingConflict):
        answering.booking_accept(booking=owl.booking, by=w.leaders[w.owl.pk])
    moth = offer(w, w.main, w.moth, 20)
    assert periodic.bookings_expire(now=moth.starts_at + dt.timedelta(minutes=1)) == 1
    moth.booking.refresh_from_db()
    assert moth.booking.status == Booking.Status.DECLINED
    assert booked(w) == 0 and public_acts(w) == []
    assert list(timetable.timetable_grid_query(w.festival)) == []


def test_a_clash_that_arose_after_the_offer_is_refused_at_the_accept(w):
    kite = offer(w, w.main, w.kite, 20)
    owl = offer(w, w.tent, w.owl, 20)  # no shared player yet
    MembershipFactory(band=w.owl, user=w.mara, role=Membership.Role.MEMBER)
    answering.booking_accept(booking=kite.booking, by=w.leaders[w.kite.pk])
    with pytest.raises(BookingConflict) as caught:
        answering.booking_accept(booking=owl.booking, by=w.leaders[w.owl.pk])
    said = str(caught.value)
    assert "Mara Guitar" in said and "Kite" in said and "Owl" in said
    owl.booking.refresh_from_db()
    assert owl.booking.status == Booking.Status.PENDING and booked(w) == 1


def test_the_builder_refuses_a_clash_at_offer_time_too(w):
    offer(w, w.main, w.kite, 20)
    with pytest.raises(BookingConflict, match="Mara Guitar"):
        offer(w, w.tent, w.moth, 20, 30)
    assert Placement.objects.count() == 1


def test_only_the_bands_leaders_accept_and_only_the_festivals_organisation_withdraws(w):
    placed = offer(w, w.main, w.kite, 20)
    for who in (w.leaders[w.owl.pk], w.owner, w.stranger, w.mara):
        with pytest.raises(BookingPermissionError):
            timetable.placement_accept(placement=placed, by=who, now=timezone.now())
        with pytest.raises(BookingPermissionError):
            answering.booking_accept(booking=placed.booking, by=who)
    other = OrganisationFactory(kind=Organisation.Kind.VENUE_GROUP, name="Other Promotions")
    rival = OrgMemberFactory(organisation=other, role=Role.OWNER).user
    for who in (rival, w.leaders[w.kite.pk], w.juror, w.stranger):
        with pytest.raises(FestivalPermissionError):
            timetable.placement_withdraw(placement=placed, by=who, now=timezone.now())
    placed.booking.refresh_from_db()
    assert placed.booking.status == Booking.Status.PENDING and booked(w) == 0


def test_an_act_that_never_applied_can_be_invited(w, client):
    client.force_login(w.owner)
    data = {"invite": "Owl", "stage": w.tent.pk, "day": w.first_day.isoformat(), "time": "18:00", "minutes": 45}
    answer = client.post(reverse("festivals:place", args=[w.festival.slug]), data)
    assert answer.status_code == 302
    placed = Placement.objects.get(band=w.owl)
    assert placed.application is None and placed.is_offered
    page = client.get(reverse("festivals:builder", args=[w.festival.slug]))
    assert "Offered – waiting for the act" in page.content.decode()
    missing = client.post(reverse("festivals:place", args=[w.festival.slug]), {**data, "invite": "Nobody"})
    assert "No approved band" in missing.content.decode() and Placement.objects.count() == 1


def test_who_may_see_and_answer_an_offer_in_the_bookings_pages(w, client):
    placed = offer(w, w.main, w.kite, 20)
    uid = placed.booking.uid
    detail, accept = reverse("bookings:detail", args=[uid]), reverse("bookings:accept", args=[uid])
    answer = client.post(accept)
    assert answer.status_code == 302 and "login" in answer["Location"]
    for who in (w.leaders[w.owl.pk], w.stranger):
        client.force_login(who)
        assert client.get(detail).status_code in (403, 404)
        assert client.post(accept).status_code in (403, 404)
    placed.booking.refresh_from_db()
    assert placed.booking.status == Booking.Status.PENDING
    client.force_login(w.leaders[w.kite.pk])
    assert client.get(detail).status_code == 200
    client.post(accept)
    placed.booking.refresh_from_db()
    assert placed.booking.status == Booking.Status.BOOKED
    # The organiser withdraws nothing booked: the withdraw form answers with the refusal.
    client.force_login(w.owner)
    client.post(reverse("festivals:withdraw", args=[w.festival.slug]), {"placement": placed.pk})
    placed.booking.refresh_from_db()
    assert placed.booking.status == Booking.Status.BOOKED


def test_an_act_far_away_reads_its_offer_at_the_festivals_clock_too(w, client):
    """The act's leader lives in New York; the set is at 20:00 where the festival is. The offer's notice and its
    page give the festival's time beside the leader's own, each zone named (issue 84)."""
    leader = w.leaders[w.kite.pk]
    leader.time_zone = "America/New_York"
    leader.save(update_fields=["time_zone"])
    placed = offer(w, w.main, w.kite, 20)
    told = Notification.objects.get(recipient=leader, kind="booking_created")
    assert "(America/New_York); there: " in told.text and "20:00" in told.text.split("there: ")[1]
    client.force_login(leader)
    page = client.get(reverse("bookings:detail", args=[placed.booking.uid])).content.decode()
    assert "Local time there" in page and "20:00" in page
    # A reader in the festival's own zone reads it once.
    moth = w.leaders[w.moth.pk]
    moth.time_zone = w.festival.venue.time_zone
    moth.save(update_fields=["time_zone"])
    offer(w, w.main, w.moth, 18)
    here = Notification.objects.get(recipient=moth, kind="booking_created")
    assert "18:00" in here.text and "there: " not in here.text
