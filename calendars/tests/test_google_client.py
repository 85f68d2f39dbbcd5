"""The Google Calendar client against Google's recorded answers: the consent address, the code and refresh
exchanges, the free/busy query in pieces, and every way Google says no or says nothing useful."""

import datetime as dt
import hashlib
import json
from base64 import urlsafe_b64encode
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from calendars import google
from calendars.models import ConnectedCalendar

from .google_recorded import (
    CLIENT_ID,
    CLIENT_SECRET,
    FREEBUSY_URL,
    REFRESH_TOKEN,
    REVOKE_URL,
    TOKEN_URL,
    answer,
    form,
    google_answering,
    moved,
    raw,
)

UTC = dt.UTC
START = dt.datetime(2026, 11, 24, tzinfo=UTC)
REDIRECT = "https://stageslot.example/me/calendars/google/callback/"


@pytest.fixture
def google_http(settings):
    with google_answering(settings) as mock:
        yield mock


def connected(*listed: str) -> ConnectedCalendar:
    calendar = ConnectedCalendar(provider=ConnectedCalendar.Provider.GOOGLE, calendars=list(listed))
    calendar.secret = REFRESH_TOKEN
    return calendar


def test_the_consent_address_asks_for_free_busy_only_with_state_and_pkce(google_http):
    start = google.authorization_start(redirect_uri=REDIRECT, login_hint="lea@example.com")
    url = urlsplit(start.url)
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://accounts.google.com/o/oauth2/v2/auth"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == REDIRECT
    assert query["response_type"] == "code"
    assert query["scope"].split() == ["openid", "email", "https://www.googleapis.com/auth/calendar.freebusy"]
    assert query["access_type"] == "offline"
    assert query["prompt"] == "consent"
    assert query["state"] == start.state and len(start.state) >= 40
    assert query["code_challenge_method"] == "S256"
    digest = urlsafe_b64encode(hashlib.sha256(start.code_verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == digest
    assert 43 <= len(start.code_verifier) <= 128
    assert query["login_hint"] == "lea@example.com"
    assert "client_secret" not in query
    again = google.authorization_start(redirect_uri=REDIRECT)
    assert again.state != start.state and again.code_verifier != start.code_verifier


def test_without_keys_there_is_no_consent_address(settings):
    settings.GOOGLE_CLIENT_ID = ""
    settings.GOOGLE_CLIENT_SECRET = ""
    assert not google.is_configured()
    with pytest.raises(google.GoogleError, match="not set up"):
        google.authorization_start(redirect_uri=REDIRECT)


def test_the_code_is_exchanged_with_its_verifier_for_a_refresh_token_and_the_account(google_http):
    google_http.add(responses.POST, TOKEN_URL, json=answer("token_exchange.json"))
    grant = google.code_exchange(code="4/0AVG7fiQ-recorded", code_verifier="v" * 64, redirect_uri=REDIRECT)
    assert grant.refresh_token == REFRESH_TOKEN
    assert grant.email == "lea.drums@gmail.com"
    assert "https://www.googleapis.com/auth/calendar.freebusy" in grant.scopes
    sent = form(google_http.calls[0])
    assert sent == {
        "grant_type": "authorization_code",
        "code": "4/0AVG7fiQ-recorded",
        "code_verifier": "v" * 64,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


@pytest.mark.parametrize(
    ("recorded", "status", "error", "words"),
    [
        ("token_exchange_calendar_unticked.json", 200, google.GoogleError, "permission to see when you are busy"),
        ("token_exchange_code_used.json", 400, google.GoogleRevoked, "did not accept the sign-in"),
        ("token_invalid_client.json", 401, google.GoogleError, "did not accept StageSlot's keys"),
        ("freebusy_backend_error.json", 500, google.GoogleError, "HTTP 500"),
    ],
)
def test_an_exchange_google_refuses_says_why(google_http, recorded, status, error, words):
    google_http.add(responses.POST, TOKEN_URL, json=answer(recorded), status=status)
    with pytest.raises(error, match=words):
        google.code_exchange(code="4/0A", code_verifier="v" * 64, redirect_uri=REDIRECT)


def test_an_id_token_for_another_app_is_not_believed(google_http, settings):
    google_http.add(responses.POST, TOKEN_URL, json=answer("token_exchange.json"))
    settings.GOOGLE_CLIENT_ID = "someone-else.apps.googleusercontent.com"
    with pytest.raises(google.GoogleError, match="could not understand"):
        google.code_exchange(code="4/0A", code_verifier="v" * 64, redirect_uri=REDIRECT)


def test_an_exchange_without_a_refresh_token_asks_to_connect_again(google_http):
    body = answer("token_exchange.json")
    del body["refresh_token"]
    google_http.add(responses.POST, TOKEN_URL, json=body)
    with pytest.raises(google.GoogleError, match="lasting access"):
        google.code_exchange(code="4/0A", code_verifier="v" * 64, redirect_uri=REDIRECT)


def test_busy_time_over_a_long_window_is_asked_in_pieces_of_at_most_90_days(google_http):
    google_http.add(responses.POST, TOKEN_URL, json=answer("token_refresh.json"))
    google_http.add(responses.POST, FREEBUSY_URL, json=answer("freebusy.json"))
    google_http.add(responses.POST, FREEBUSY_URL, json=answer("freebusy_empty.json"))
    end = START + dt.timedelta(days=150)
    busy = google.busy_between(connected(), START, end)
    assert all(b.title == "" for b in busy)
    assert [(b.start, b.end) for b in busy] == [
        (dt.datetime(2026, 11, 26, 17, 30, tzinfo=UTC), dt.datetime(2026, 11, 26, 22, tzinfo=UTC)),
        (dt.datetime(2026, 11, 28, 9, tzinfo=UTC), dt.datetime(2026, 11, 28, 12, 30, tzinfo=UTC)),
        (dt.datetime(2026, 12, 3, 18, tzinfo=UTC), dt.datetime(2026, 12, 3, 21, tzinfo=UTC)),
        (dt.datetime(2026, 12, 24, 23, tzinfo=UTC), dt.datetime(2026, 12, 26, 23, tzinfo=UTC)),
    ]
    refresh = form(google_http.calls[0])
    assert refresh["grant_type"] == "refresh_token" and refresh["refresh_token"] == REFRESH_TOKEN
    queries = [json.loads(call.request.body) for call in google_http.calls[1:]]
    assert [(q["timeMin"], q["timeMax"]) for q in queries] == [
        ("2026-11-24T00:00:00Z", "2027-02-22T00:00:00Z"),
        ("2027-02-22T00:00:00Z", "2027-04-23T00:00:00Z"),
    ]
    assert queries[0]["items"] == [{"id": "primary"}]
    bearer = answer("token_refresh.json")["access_token"]
    assert google_http.calls[1].request.headers["Authorization"] == f"Bearer {bearer}"


def test_busy_time_is_clipped_to_the_window_and_merged(google_http):
    body = answer("freebusy.json")
    body["calendars"]["primary"]["busy"].append({"start": "2026-11-26T21:00:00Z", "end": "2026-11-26T23:00:00Z"})
    body["calendars"]["primary"]["busy"].append({"start": "2026-11-23T20:00:00Z", "end": "2026-11-24T02:00:00Z"})
    google_http.add(responses.POST, FREEBUSY_URL, json=body)
    busy = google.free_busy(access_token="t", start=START, end=START + dt.timedelta(days=20))
    assert busy[0] == (START, START + dt.timedelta(hours=2))
    assert busy[1] == (dt.datetime(2026, 11, 26, 17, 30, tzinfo=UTC), dt.datetime(2026, 11, 26, 23, tzinfo=UTC))
    assert busy[-1] == (dt.datetime(2026, 12, 3, 18, tzinfo=UTC), dt.datetime(2026, 12, 3, 21, tzinfo=UTC))


def test_a_listed_calendar_google_no_longer_knows_is_left_out(google_http):
    listed = "c_8f3e1a0b7c6d5e4f@group.calendar.google.com"
    google_http.add(responses.POST, TOKEN_URL, json=answer("token_refresh.json"))
    google_http.add(responses.POST, FREEBUSY_URL, json=answer("freebusy_listed_calendar_gone.json"))
    busy = google.busy_between(connected(listed), START, START + dt.timedelta(days=30))
    assert len(busy) == 1
    assert json.loads(google_http.calls[1].request.body)["items"] == [{"id": "primary"}, {"id": listed}]


def test_moved_answers_keep_their_shape():
    body = moved(answer("freebusy.json"), to=dt.date(2027, 1, 4))
    assert body["timeMin"] == "2027-01-04T00:00:00.000Z"
    assert body["calendars"]["primary"]["busy"][0] == {"start": "2027-01-06T17:30:00Z", "end": "2027-01-06T22:00:00Z"}


# ---- Google saying no ------------------------------------------------------------------------------------


def test_a_secret_the_key_no_longer_opens_means_connect_again(google_http, settings):
    calendar = connected()
    settings.CALENDAR_SECRETS_KEY = "bm90LXRoZS1rZXktaXQtd2FzLWVuY3J5cHRlZC13aSE="
    with pytest.raises(google.GoogleRevoked, match="connect it again"):
        google.busy_between(calendar, START, START + dt.timedelta(days=1))
    assert len(google_http.calls) == 0


def test_a_revoked_grant_on_refresh_means_connect_again(google_http):
    google_http.add(responses.POST, TOKEN_URL, json=answer("token_refresh_revoked.json"), status=400)
    with pytest.raises(google.GoogleRevoked, match="connect it again"):
        google.busy_between(connected(), START, START + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("recorded", "status"), [("freebusy_unauthenticated.json", 401), ("freebusy_scope_insufficient.json", 403)]
)
def test_401_or_a_403_about_permission_means_connect_again(google_http, recorded, status):
    google_http.add(responses.POST, FREEBUSY_URL, json=answer(recorded), status=status)
    with pytest.raises(google.GoogleRevoked, match="connect it again"):
        google.free_busy(access_token="t", start=START, end=START + dt.timedelta(days=1))


def test_a_refresh_that_lost_the_calendar_scope_means_connect_again(google_http):
    body = answer("token_refresh.json")
    body["scope"] = "openid https://www.googleapis.com/auth/userinfo.email"
    google_http.add(responses.POST, TOKEN_URL, json=body)
    with pytest.raises(google.GoogleRevoked, match="permission to see when you are busy"):
        google.access_token_for(refresh_token=REFRESH_TOKEN)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"json": answer("freebusy_rate_limited.json"), "status": 403}, "slow down"),
        ({"json": {}, "status": 429}, "slow down"),
        ({"json": answer("freebusy_backend_error.json"), "status": 500}, r"error \(HTTP 500\)"),
        ({"body": raw("freebusy_garbage.html"), "status": 502, "content_type": "text/html"}, r"HTTP 502"),
        ({"body": raw("freebusy_garbage.html"), "status": 200, "content_type": "text/html"}, "could not understand"),
        ({"body": b'{"kind": "calendar#freeBusy", "calend', "status": 200}, "could not understand"),
        ({"json": {"calendars": {"primary": {"busy": [{"start": "soon"}]}}}}, "could not understand"),
        ({"json": {"kind": "calendar#freeBusy", "calendars": {}}}, "could not understand"),
        (
            {"json": {"calendars": {"primary": {"errors": [{"domain": "global", "reason": "backendError"}]}}}},
            "had an error",
        ),
        ({"body": requests.ConnectTimeout("recorded")}, "longer than 10 seconds"),
        ({"body": requests.ReadTimeout("recorded")}, "longer than 10 seconds"),
        ({"body": requests.ConnectionError("recorded")}, "could not reach Google"),
    ],
)
def test_google_unwell_is_a_try_again_later_not_a_reconnect(google_http, kwargs, words):
    google_http.add(responses.POST, FREEBUSY_URL, **kwargs)
    with pytest.raises(google.GoogleError, match=words) as raised:
        google.free_busy(access_token="t", start=START, end=START + dt.timedelta(days=1))
    assert not isinstance(raised.value, google.GoogleRevoked)


def test_revoking_is_best_effort(google_http):
    google_http.add(responses.POST, REVOKE_URL, body="")
    assert google.token_revoke(token=REFRESH_TOKEN) is True
    assert form(google_http.calls[0]) == {"token": REFRESH_TOKEN}
    unknown = {"error": "invalid_token", "error_description": "Bad Request"}
    google_http.replace(responses.POST, REVOKE_URL, json=unknown, status=400)
    assert google.token_revoke(token=REFRESH_TOKEN) is True
    google_http.replace(responses.POST, REVOKE_URL, body=requests.ConnectTimeout("recorded"))
    assert google.token_revoke(token=REFRESH_TOKEN) is False
