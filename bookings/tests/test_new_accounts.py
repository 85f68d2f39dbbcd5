"""A new account asks only a few bands or venues it has never dealt with in a day (decision 0081): the next
one is refused with when to try again, nothing is written; parties it dealt with before, and older accounts,
are not limited."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.errors import BookingError
from bookings.models import Booking
from bookings.services import asking
from bookings.services.requests import booking_request_many
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from bookings.tests.test_blocks import page
from bookings.tests.test_request_views import day_ahead
from bookings.tests.test_request_views import form_data as request_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limit(settings):
    settings.NEW_ACCOUNT_DAYS = 7
    settings.NEW_ACCOUNT_NEW_CONTACTS_PER_DAY = 2


@pytest.fixture
def bands():
    return [band_with_leader(name=f"Band {n}", slug=f"band-{n}")[0] for n in range(4)]


def ask(band, client, day=60):
    return asking.booking_request(
        band=band, client=client, starts_at=in_days(day, 17), ends_at=in_days(day, 22), time_zone="Europe/Berlin"
    )


def test_a_new_client_asks_two_new_bands_a_day_and_the_third_is_refused(bands):
    fresh = UserFactory()
    ask(bands[0], fresh)
    ask(bands[1], fresh)
    with pytest.raises(BookingError, match="Try again tomorrow"):
        ask(bands[2], fresh)
    assert Booking.objects.filter(client=fresh).count() == 2
    ask(bands[0], fresh, day=61)  # a band it has asked already is not new


def test_a_request_to_several_bands_over_the_limit_sends_none(bands):
    fresh = UserFactory()
    with pytest.raises(BookingError, match="new account"):
        booking_request_many(
            bands=bands[:3],
            client=fresh,
            starts_at=in_days(60, 17),
            ends_at=in_days(60, 22),
            time_zone="Europe/Berlin",
        )
    assert not Booking.objects.exists()


def test_an_older_account_and_the_next_day_are_not_limited(bands):
    settled = UserFactory()
    settled.date_joined = timezone.now() - dt.timedelta(days=8)
    settled.save(update_fields=["date_joined"])
    for band in bands:
        ask(band, settled)
    fresh = UserFactory()
    for band in bands[:2]:
        ask(band, fresh)
    Booking.objects.filter(client=fresh).update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    ask(bands[2], fresh)
    ask(bands[3], fresh)


def test_a_new_venue_offers_to_two_new_bands_a_day(bands):
    venue, owner = venue_with_owner(slug="fresh-venue")
    slots = [
        SlotFactory(venue=venue, starts_at=in_days(30 + n), ends_at=in_days(30 + n) + dt.timedelta(hours=3))
        for n in range(3)
    ]
    asking.booking_offer(slot=slots[0], band=bands[0], by=owner, role="headliner")
    asking.booking_offer(slot=slots[1], band=bands[1], by=owner, role="headliner")
    with pytest.raises(BookingError, match="new account"):
        asking.booking_offer(slot=slots[2], band=bands[2], by=owner, role="headliner")


def test_a_new_band_applies_to_two_new_venues_a_day():
    band, leader = band_with_leader(slug="fresh-band")
    slots = []
    for n in range(3):
        venue, _owner = venue_with_owner(slug=f"venue-{n}")
        slots.append(
            SlotFactory(venue=venue, starts_at=in_days(30 + n), ends_at=in_days(30 + n) + dt.timedelta(hours=3))
        )
    asking.booking_apply(slot=slots[0], band=band, by=leader, role="headliner")
    asking.booking_apply(slot=slots[1], band=band, by=leader, role="headliner")
    with pytest.raises(BookingError, match="new account"):
        asking.booking_apply(slot=slots[2], band=band, by=leader, role="headliner")


def test_the_page_and_the_api_say_why_and_write_nothing(client, bands):
    fresh = UserFactory()
    ask(bands[0], fresh)
    ask(bands[1], fresh)
    client.force_login(fresh)
    response = client.post(
        reverse("bookings:request", args=[bands[2].slug]), request_form(date=day_ahead(40).isoformat())
    )
    assert response.status_code == 400 and "Try again tomorrow" in page(response)
    times = {"starts_at": in_days(40, 17).isoformat(), "ends_at": in_days(40, 22).isoformat()}
    answer = ApiClient(token_for(fresh)).post(
        "/api/v1/bookings/requests", {"band": bands[3].slug, "time_zone": "Europe/Berlin", **times}
    )
    assert answer.status_code == 400 and "Try again tomorrow" in answer.json()["detail"]
    assert Booking.objects.filter(client=fresh).count() == 2
