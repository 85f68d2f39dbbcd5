"""The act sends back its own terms on a set it was offered; the festival's organisation answers them from
the builder – a booker of the organisation who is no staff of the venue as well. Accepted, the terms are the
deal and the set is booked by the one path; declined, the offer stands. No one else may answer: another
organisation's owner, the act itself, a stranger, a visitor."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from bookings.models import Booking, Quote
from bookings.services import quotes
from bookings.services.quotes import Terms
from festivals.models import Placement
from festivals.services import timetable
from teams.models import Organisation, Role
from teams.tests.factories import OrganisationFactory, OrgMemberFactory
from venues.models import VenueStaff

from .factories import festival_world, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(monkeypatch):
    # A booked fee's invoice is emailed with its PDF (documents' own tests draw it): seconds beside the point.
    monkeypatch.setattr("documents.services.invoices.invoice_send", lambda **kwargs: False)
    return festival_world()


def offered_and_countered(w) -> tuple[Placement, Quote]:
    placement = timetable.placement_offer(
        fstage=w.main, band=w.kite, starts_at=local(w.first_day, 20), set_minutes=45, by=w.owner,
        now=timezone.now(), fee=500,
    )  # fmt: skip
    quote = quotes.quote_propose(
        booking=placement.booking,
        by=w.leaders[w.kite.pk],
        terms=Terms(fee_minor=80_000, currency=placement.booking.currency),
        send_anyway=True,
    )
    return placement, quote


def answer(client, w, placement, value: str):
    url = reverse("festivals:counter_answer", args=[w.festival.slug])
    return client.post(url, {"placement": placement.pk, "answer": value})


def test_a_booker_who_is_no_venue_staff_declines_then_accepts_the_acts_terms(client, w):
    assert not VenueStaff.objects.filter(venue=w.venue, user=w.booker).exists()
    placement, quote = offered_and_countered(w)
    client.force_login(w.booker)
    page = client.get(reverse("festivals:builder", args=[w.festival.slug])).content.decode()
    assert "The act sent back its terms (version 1): a fee of 800" in page
    assert "Accept the act's terms" in page

    leader = w.leaders[w.kite.pk]
    told = Notification.objects.filter(recipient=leader).count()
    assert answer(client, w, placement, "decline").status_code == 302
    quote.refresh_from_db()
    placement.booking.refresh_from_db()
    assert quote.status == Quote.Status.DECLINED and quote.answered_by == w.booker
    assert placement.booking.status == Booking.Status.PENDING
    assert Notification.objects.filter(recipient=leader).count() == told + 1
    page = client.get(reverse("festivals:builder", args=[w.festival.slug])).content.decode()
    assert "declined; the offer stands" in page and "The act sent back its terms" not in page

    second = quotes.quote_propose(
        booking=placement.booking, by=leader, terms=Terms(fee_minor=70_000, currency=quote.currency), send_anyway=True
    )
    assert answer(client, w, placement, "accept").status_code == 302
    second.refresh_from_db()
    booking = Booking.objects.get(pk=placement.booking_id)
    assert second.status == Quote.Status.ACCEPTED
    assert booking.status == Booking.Status.BOOKED and booking.fee == 700 and booking.agreed_quote_id == second.pk
    page = client.get(reverse("festivals:builder", args=[w.festival.slug])).content.decode()
    assert "terms are the deal: the set is booked" in page


def test_no_one_else_answers_the_acts_terms_and_bad_input_changes_nothing(client, w):
    placement, quote = offered_and_countered(w)
    other_org = OrganisationFactory(kind=Organisation.Kind.VENUE_GROUP, name="Hilltop")
    other = OrgMemberFactory(organisation=other_org, role=Role.OWNER).user
    for person in (other, w.leaders[w.kite.pk], w.stranger, w.juror):
        client.force_login(person)
        assert answer(client, w, placement, "accept").status_code == 404, person
    client.logout()
    response = answer(client, w, placement, "accept")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    client.force_login(w.booker)
    for data in ({"placement": placement.pk, "answer": "maybe"}, {"placement": "x"}, {}):
        response = client.post(reverse("festivals:counter_answer", args=[w.festival.slug]), data)
        assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.OPEN
    assert Booking.objects.get(pk=placement.booking_id).status == Booking.Status.PENDING
    # An offer with no terms of the act's waiting: said so, nothing changed.
    bare = timetable.placement_offer(
        fstage=w.tent, band=w.owl, starts_at=local(w.first_day, 18), set_minutes=45, by=w.owner, now=timezone.now()
    )
    page = client.post(
        reverse("festivals:counter_answer", args=[w.festival.slug]), {"placement": bare.pk, "answer": "accept"},
        follow=True,
    ).content.decode()  # fmt: skip
    assert "The act has sent no terms that wait for your answer." in page
    assert Booking.objects.get(pk=bare.booking_id).status == Booking.Status.PENDING


def test_the_organisation_is_told_of_the_acts_terms_with_a_link_it_can_open(client, w):
    """The act's terms wait for the venue's side: the organisation's bookers who are no staff of the venue are
    told too (once, linked to the builder where they answer); the venue's staff keep their booking link."""
    before = Notification.objects.filter(recipient=w.booker).count()
    offered_and_countered(w)
    [note] = Notification.objects.filter(recipient=w.booker, kind="booking_quote")
    assert Notification.objects.filter(recipient=w.booker).count() == before + 1
    builder = reverse("festivals:builder", args=[w.festival.slug])
    assert note.link == builder
    client.force_login(w.booker)
    assert client.get(note.link).status_code == 200
    staff = VenueStaff.objects.filter(venue=w.venue).values_list("user_id", flat=True)
    for told in Notification.objects.filter(kind="booking_quote", recipient_id__in=staff):
        assert told.link.startswith("/bookings/"), told.link
    assert not Notification.objects.filter(kind="booking_quote", recipient=w.leaders[w.kite.pk]).exists()
