"""Each connect and each "Refresh now" calls another server: a person gets so many an hour, on the page
and through the API alike, and a burst gets exactly the limit through."""

from unittest import mock

import pytest

from accounts.tests.factories import UserFactory
from bookings.tests.api_helpers import ApiClient, token_for
from calendars.models import ConnectedCalendar

pytestmark = pytest.mark.django_db


def account(user) -> ConnectedCalendar:
    # Its server is never called: the refresh is only queued.
    return ConnectedCalendar.objects.create(
        user=user, provider=ConnectedCalendar.Provider.CALDAV, server_url="http://127.0.0.1:1/", username="alpha"
    )


@pytest.fixture
def limits(settings):
    settings.STAGESLOT_RATE_LIMITS = {
        **settings.STAGESLOT_RATE_LIMITS,
        "calendar_refresh": "2/h",
        "calendar_connect": "2/h",
    }


def test_refresh_now_on_the_page_stops_at_the_limit(client, limits):
    user = UserFactory()
    calendar = account(user)
    client.force_login(user)
    with mock.patch("calendars.services.connected_calendar_refresh_request") as queued:
        answers = [client.post(f"/me/calendars/{calendar.pk}/refresh/").status_code for _ in range(3)]
    assert answers[:2] != [429, 429] and answers[2] == 429
    assert queued.call_count == 2


def test_refresh_through_the_api_stops_at_the_same_limit(limits):
    user = UserFactory()
    calendar = account(user)
    api = ApiClient(token_for(user))
    with mock.patch("calendars.services.connected_calendar_refresh_request") as queued:
        answers = [api.post(f"/api/v1/me/calendars/{calendar.pk}/refresh").status_code for _ in range(3)]
    assert answers == [202, 202, 429]
    assert queued.call_count == 2


def test_connecting_stops_at_the_limit_and_a_refused_try_gives_its_place_back(client, limits):
    user = UserFactory()
    client.force_login(user)
    form = {"server_url": "http://127.0.0.1:1/", "username": "alpha", "password": "nope", "name": ""}
    # Refused (a private address): nothing done, so no place is used.
    for _ in range(3):
        assert client.post("/me/calendars/caldav/connect/", form).status_code == 400
    with mock.patch("calendars.services.caldav_calendar_connect", side_effect=lambda **kw: account(kw["user"])):
        answers = [client.post("/me/calendars/caldav/connect/", form).status_code for _ in range(3)]
    assert 429 not in answers[:2] and answers[2] == 429
