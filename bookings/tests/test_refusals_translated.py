"""A refusal reaches people in their language: the page and the API both answer with the service's
marked sentence, and the API's problem title too. Drawn in the pseudo-locale, every word of it comes
wrapped in ⟦…⟧."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services.answering import booking_accept
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import BookingFactory, band_with_leader, in_days
from stageslot.tests.pseudo import database_words, pseudo_locale, unwrapped_text

pytestmark = pytest.mark.django_db

TAKEN = "⟦This ⟦private request⟧ is already ⟦declined⟧, so nothing was changed.⟧"


@pytest.fixture
def lost():
    """A client's two requests for the same evening: the band took the first, so the second was
    declined automatically. (band leader, the second request)"""
    band, leader = band_with_leader(name="The Lates")
    client_user = UserFactory()
    start = in_days(20, hour=18)
    requests = [
        BookingFactory(
            band=band,
            slot=None,
            venue=None,
            kind=Booking.Kind.REQUEST,
            client=client_user,
            requested_by=client_user,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            event_type="Wedding",
            location="Orangerie",
        )
        for _n in range(2)
    ]
    booking_accept(booking=requests[0], by=leader)
    requests[1].refresh_from_db()
    assert requests[1].status == Booking.Status.DECLINED
    return leader, requests[1]


def test_a_refusal_on_the_page_is_in_the_readers_language(client, lost):
    leader, booking = lost
    client.force_login(leader)
    with pseudo_locale():
        response = client.post(reverse("bookings:accept", args=[booking.uid]))
        html = response.content.decode()
        data = database_words()
    assert response.status_code == 409
    assert TAKEN in html
    assert unwrapped_text(html, data=data) == []


def test_a_refusal_through_the_api_is_in_the_readers_language(lost):
    leader, booking = lost
    api = ApiClient(token_for(leader))
    with pseudo_locale():
        response = api.post(f"/api/v1/bookings/{booking.uid}/accept")
    assert response.status_code == 409
    assert response.json()["detail"] == TAKEN
    assert response.json()["title"] == "⟦Conflict⟧"


def test_the_api_answers_in_english_by_default(lost):
    leader, booking = lost
    response = ApiClient(token_for(leader)).post(f"/api/v1/bookings/{booking.uid}/accept")
    assert response.json()["detail"] == "This private request is already declined, so nothing was changed."
    assert response.json()["title"] == "Conflict"


def test_a_permission_refusal_through_the_api_is_in_the_readers_language(lost):
    _leader, booking = lost
    api = ApiClient(token_for(booking.client))
    with pseudo_locale():
        response = api.post(f"/api/v1/bookings/{booking.uid}/accept")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert detail.startswith("⟦") and detail.endswith("⟧") and detail.count("⟦") == 1, detail
    assert response.json()["title"] == "⟦Forbidden⟧"
