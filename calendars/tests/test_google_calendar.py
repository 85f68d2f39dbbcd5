"""Google Calendar through the pages and the sync pipeline, with Google's recorded answers at the HTTP
boundary: connecting (state, PKCE, the code exchanged, the token stored encrypted), busy time reaching the
band's green zone, a grant revoked mid-sync, Google unwell, every bad callback, other members, anonymous."""

import datetime as dt
import hashlib
import json
from base64 import urlsafe_b64encode
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.calendar import band_calendar_access, band_green_zone
from bookings.tests.journey import band_party, local
from calendars import services
from calendars.crypto import secret_encrypt
from calendars.google import Grant
from calendars.models import ConnectedCalendar, GrantRevocation
from stageslot.privacy.erasure import account_close, account_erase

from .google_recorded import (
    AUTHORIZE_URL,
    FREEBUSY_URL,
    REFRESH_TOKEN,
    REVOKE_URL,
    TOKEN_URL,
    answer,
    form,
    freebusy_from,
    google_answering,
    moved,
    raw,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("calendars:page")
CONNECT = reverse("calendars:google_connect")
CALLBACK = reverse("calendars:google_callback")
BERLIN_TODAY = local(0).date()


@pytest.fixture
def google_http(settings):
    settings.SITE_URL = "https://stageslot.example"
    with google_answering(settings) as mock:
        yield mock


def sync_answers(mock: responses.RequestsMock) -> responses.RequestsMock:
    """Google as it answers a sync: a fresh access token, then the recorded calendar moved so that its first
    busy evening (17:30–22:00 UTC) is three days from today."""
    mock.add(responses.POST, TOKEN_URL, json=answer("token_refresh.json"))
    recorded = moved(answer("freebusy.json"), to=BERLIN_TODAY + dt.timedelta(days=1))
    mock.add_callback(responses.POST, FREEBUSY_URL, callback=freebusy_from(recorded))
    return mock


@pytest.fixture
def calendar_answers(google_http):
    return sync_answers(google_http)


def start(client) -> dict[str, str]:
    """Press "Connect Google Calendar"; return the query of the address we are sent to."""
    response = client.post(CONNECT)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == AUTHORIZE_URL
    return {key: values[0] for key, values in parse_qs(url.query).items()}


def connected(user, *, email="lea.drums@gmail.com") -> ConnectedCalendar:
    grant = Grant(refresh_token=REFRESH_TOKEN, access_token="ya29.x", email=email, scopes=frozenset())
    return services.google_calendar_connect(user=user, grant=grant)


def busy_rows(calendar: ConnectedCalendar) -> list[tuple[dt.datetime, dt.datetime]]:
    rows = BusyInterval.objects.filter(source=BusyInterval.Source.CONNECTED, source_id=calendar.pk)
    return list(rows.order_by("starts_at").values_list("starts_at", "ends_at"))


def evening(day: int) -> tuple[dt.datetime, dt.datetime]:
    moment = dt.datetime.combine(BERLIN_TODAY + dt.timedelta(days=day), dt.time(17, 30), tzinfo=dt.UTC)
    return moment, moment + dt.timedelta(hours=4, minutes=30)


# ---- connecting ------------------------------------------------------------------------------------------


def test_the_button_shows_only_when_googles_keys_are_set(client, settings):
    client.force_login(UserFactory())
    settings.GOOGLE_CLIENT_ID = settings.GOOGLE_CLIENT_SECRET = ""
    assert "Connect Google Calendar" not in client.get(PAGE).content.decode()
    assert client.post(CONNECT).status_code == 404
    settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET = "id.apps.googleusercontent.com", "secret"
    assert "Connect Google Calendar" in client.get(PAGE).content.decode()


def test_connecting_sends_to_google_and_stores_the_grant_encrypted_then_reads_busy_time(
    client, google_http, django_capture_on_commit_callbacks
):
    user = UserFactory(email="lea@example.com")
    client.force_login(user)
    query = start(client)
    assert query["redirect_uri"] == "https://stageslot.example/me/calendars/google/callback/"
    assert query["scope"] == "openid email https://www.googleapis.com/auth/calendar.freebusy"
    assert (query["access_type"], query["prompt"], query["login_hint"]) == ("offline", "consent", "lea@example.com")
    assert len(google_http.calls) == 0  # nothing asked of Google before the member comes back
    google_http.add(responses.POST, TOKEN_URL, json=answer("token_exchange.json"))
    calendar_answers = sync_answers(google_http)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(CALLBACK, {"state": query["state"], "code": "4/0AVG7fiQ-recorded", "scope": "x"})
    assert response.status_code == 302 and response["Location"] == PAGE

    exchange = form(calendar_answers.calls[0])
    assert exchange["grant_type"] == "authorization_code" and exchange["code"] == "4/0AVG7fiQ-recorded"
    assert exchange["redirect_uri"] == query["redirect_uri"]
    verifier = exchange["code_verifier"]
    challenge = urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == query["code_challenge"]

    calendar = ConnectedCalendar.objects.get(user=user)
    assert (calendar.provider, calendar.account_email) == ("google", "lea.drums@gmail.com")
    assert REFRESH_TOKEN not in calendar.secret_encrypted and calendar.secret == REFRESH_TOKEN
    # The first read was queued and ran: the recorded busy evenings are the member's busy time.
    calendar.refresh_from_db()
    assert calendar.last_error == "" and not calendar.needs_reconnect
    assert busy_rows(calendar)[0] == evening(3)
    assert calendar.event_count == len(busy_rows(calendar)) == 4
    page = client.get(PAGE).content.decode()
    assert "lea.drums@gmail.com" in page
    assert "is connected; your busy times appear in a minute" in page
    # The state is used up: the same answer again connects nothing more.
    again = client.get(CALLBACK, {"state": query["state"], "code": "4/0AVG7fiQ-recorded"}, follow=True)
    assert "does not belong to a connection you started here" in again.content.decode()
    assert ConnectedCalendar.objects.filter(user=user).count() == 1


def test_google_busy_time_shows_as_busy_in_the_bands_green_zone(calendar_answers):
    party = band_party()
    calendar = connected(party.member)
    calendar = services.connected_calendar_refresh(calendar_id=calendar.pk)
    assert calendar.last_error == ""
    day = BERLIN_TODAY + dt.timedelta(days=3)
    _, members, _ = band_calendar_access(slug=party.band.slug, user=party.leader)
    zone = band_green_zone(
        members=members,
        first_day=day - dt.timedelta(days=1),
        last_day=day,
        time_zone="Europe/Berlin",
        min_length=dt.timedelta(hours=3),
        today=BERLIN_TODAY,
        day_start=dt.time(18),
        day_end=dt.time(23, 59),
    )
    free_evening, busy_evening = zone.days
    assert free_evening.status == "green"
    assert (busy_evening.status, busy_evening.busy_names) == ("partial", (party.member.display_name.split()[0],))


# ---- a revoked grant, Google unwell ----------------------------------------------------------------------


def test_a_grant_revoked_mid_sync_asks_to_connect_again_and_keeps_the_busy_time(client, calendar_answers):
    user = UserFactory()
    calendar = services.connected_calendar_refresh(calendar_id=connected(user).pk)
    kept = busy_rows(calendar)
    assert len(kept) == 4
    calendar_answers.replace(responses.POST, TOKEN_URL, json=answer("token_refresh_revoked.json"), status=400)

    calendar = services.connected_calendar_refresh(calendar_id=calendar.pk)
    assert calendar.needs_reconnect
    assert calendar.last_error == "Google no longer lets StageSlot read this calendar – connect it again."
    assert busy_rows(calendar) == kept
    assert calendar.pk not in services.connected_calendars_due(now=timezone.now() + dt.timedelta(days=1))
    client.force_login(user)
    page = client.get(PAGE).content.decode()
    assert "Google no longer lets StageSlot read this calendar – connect it again." in page
    assert "Until then we keep the busy times from the last good read." in page
    # Connecting again is one press in the calendar's own row.
    assert 'Connect again<span class="visually-hidden"> lea.drums@gmail.com</span>' in page


@pytest.mark.parametrize(
    ("recorded", "status"), [("freebusy_unauthenticated.json", 401), ("freebusy_scope_insufficient.json", 403)]
)
def test_google_refusing_the_token_mid_sync_asks_to_connect_again(calendar_answers, recorded, status):
    calendar = services.connected_calendar_refresh(calendar_id=connected(UserFactory()).pk)
    kept = busy_rows(calendar)
    calendar_answers.replace(responses.POST, FREEBUSY_URL, json=answer(recorded), status=status)
    calendar = services.connected_calendar_refresh(calendar_id=calendar.pk)
    assert calendar.needs_reconnect and "connect it again" in calendar.last_error
    assert busy_rows(calendar) == kept


def test_connecting_the_same_account_again_mends_the_calendar_in_place(calendar_answers):
    user = UserFactory()
    calendar = connected(user)
    ConnectedCalendar.objects.filter(pk=calendar.pk).update(needs_reconnect=True, last_error="gone", failures=3)
    again = connected(user)
    assert again.pk == calendar.pk
    again.refresh_from_db()
    assert (again.needs_reconnect, again.last_error, again.failures) == (False, "", 0)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"json": answer("freebusy_backend_error.json"), "status": 500}, "Google had an error (HTTP 500)"),
        ({"body": raw("freebusy_garbage.html"), "status": 200, "content_type": "text/html"}, "could not understand"),
        ({"body": requests.ReadTimeout("recorded")}, "Google took longer than 10 seconds to answer"),
        ({"json": answer("freebusy_rate_limited.json"), "status": 403}, "Google asks us to slow down"),
    ],
)
def test_google_unwell_mid_sync_says_so_and_loses_nothing(client, calendar_answers, kwargs, words):
    user = UserFactory()
    calendar = services.connected_calendar_refresh(calendar_id=connected(user).pk)
    kept = busy_rows(calendar)
    calendar_answers.replace(responses.POST, FREEBUSY_URL, **kwargs)

    calendar = services.connected_calendar_refresh(calendar_id=calendar.pk)
    assert words in calendar.last_error
    assert not calendar.needs_reconnect and calendar.failures == 1
    assert busy_rows(calendar) == kept
    assert calendar.secret == REFRESH_TOKEN
    client.force_login(user)
    page = client.get(PAGE).content.decode()
    assert words in page and "We keep the busy times from the last good read." in page
    # Google well again: the next read clears the message.
    calendar_answers.replace(
        responses.POST,
        FREEBUSY_URL,
        json=moved(answer("freebusy_empty.json"), to=BERLIN_TODAY),
    )
    calendar = services.connected_calendar_refresh(calendar_id=calendar.pk)
    assert (calendar.last_error, calendar.failures) == ("", 0)


def test_refresh_now_reads_at_once(client, calendar_answers, django_capture_on_commit_callbacks):
    user = UserFactory()
    calendar = connected(user)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("calendars:refresh", args=[calendar.pk]), follow=True)
    assert response.status_code == 200
    assert len(busy_rows(calendar)) == 4


# ---- the callback refusing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"error": "access_denied"}, "You did not allow StageSlot to see your calendar; nothing was connected."),
        ({"error": "server_error"}, "Google could not connect your calendar; nothing was connected."),
        ({}, "Google sent no permission with its answer; nothing was connected."),
        ({"code": "4/0A", "state": "forged"}, "does not belong to a connection you started here"),
        ({"code": "4/0A", "state": ""}, "does not belong to a connection you started here"),
    ],
)
def test_a_callback_without_a_usable_answer_says_why_and_stores_nothing(client, google_http, params, words):
    user = UserFactory()
    client.force_login(user)
    query = start(client)
    response = client.get(CALLBACK, {"state": query["state"], **params}, follow=True)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not ConnectedCalendar.objects.exists()
    assert len(google_http.calls) == 0


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"json": answer("token_exchange_code_used.json"), "status": 400}, "did not accept the sign-in"),
        ({"json": answer("token_exchange_calendar_unticked.json")}, "leave the box for your calendar ticked"),
        ({"json": answer("freebusy_backend_error.json"), "status": 500}, "Google had an error (HTTP 500)"),
        ({"body": raw("freebusy_garbage.html"), "status": 200, "content_type": "text/html"}, "could not understand"),
        ({"body": requests.ConnectTimeout("recorded")}, "Google took longer than 10 seconds"),
        ({"json": answer("token_invalid_client.json"), "status": 401}, "did not accept StageSlot&#x27;s keys"),
    ],
)
def test_a_token_exchange_that_fails_says_why_and_stores_nothing(client, google_http, kwargs, words):
    client.force_login(UserFactory())
    query = start(client)
    google_http.add(responses.POST, TOKEN_URL, **kwargs)
    response = client.get(CALLBACK, {"state": query["state"], "code": "4/0A"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was connected" in page and words in page
    assert not ConnectedCalendar.objects.exists()


def test_a_callback_past_the_limit_stores_nothing(client, google_http):
    user = UserFactory()
    for n in range(services.CONNECTED_LIMIT):
        connected(user, email=f"band{n}@gmail.com")
    client.force_login(user)
    query = start(client)
    google_http.add(responses.POST, TOKEN_URL, json=answer("token_exchange.json"))
    response = client.get(CALLBACK, {"state": query["state"], "code": "4/0A"}, follow=True)
    assert "You can connect at most 5 calendar accounts." in response.content.decode()
    assert not ConnectedCalendar.objects.filter(account_email="lea.drums@gmail.com").exists()


def test_a_callback_only_takes_a_get(client, google_http):
    client.force_login(UserFactory())
    assert client.post(CALLBACK, {"state": "x", "code": "y"}).status_code == 405
    assert client.get(CONNECT).status_code == 405


# ---- disconnecting ----------------------------------------------------------------------------------------


def test_disconnecting_revokes_at_google_and_forgets_the_calendar_and_its_busy_time(client, calendar_answers):
    user = UserFactory()
    calendar = services.connected_calendar_refresh(calendar_id=connected(user).pk)
    assert busy_rows(calendar)
    calendar_answers.add(responses.POST, REVOKE_URL, body="")
    client.force_login(user)
    response = client.post(reverse("calendars:disconnect", args=[calendar.pk]), follow=True)
    assert response.status_code == 200
    assert form(calendar_answers.calls[-1]) == {"token": REFRESH_TOKEN}
    assert not ConnectedCalendar.objects.filter(pk=calendar.pk).exists()
    assert busy_rows(calendar) == []


def test_disconnecting_works_when_google_cannot_be_told(client, google_http):
    user = UserFactory()
    calendar = connected(user)
    google_http.add(responses.POST, REVOKE_URL, body=requests.ConnectTimeout("recorded"))
    client.force_login(user)
    assert client.post(reverse("calendars:disconnect", args=[calendar.pk])).status_code == 302
    assert not ConnectedCalendar.objects.filter(pk=calendar.pk).exists()


# ---- other members, anonymous -----------------------------------------------------------------------------


def test_another_member_cannot_see_refresh_or_disconnect_my_google_calendar(client, google_http):
    mine = connected(UserFactory())
    client.force_login(UserFactory())
    assert "lea.drums@gmail.com" not in client.get(PAGE).content.decode()
    for name in ("settings", "refresh", "disconnect"):
        assert client.post(reverse(f"calendars:{name}", args=[mine.pk])).status_code == 404
    assert ConnectedCalendar.objects.filter(pk=mine.pk).exists()
    assert len(google_http.calls) == 0  # nothing revoked


def test_another_member_cannot_finish_a_connection_i_started(client, google_http):
    """My state is in my session only: an answer carried to someone else's browser connects nothing."""
    client.force_login(UserFactory())
    query = start(client)
    client.force_login(UserFactory())
    google_http.add(responses.POST, TOKEN_URL, json=answer("token_exchange.json"))
    response = client.get(CALLBACK, {"state": query["state"], "code": "4/0A"}, follow=True)
    assert "does not belong to a connection you started here" in response.content.decode()
    assert not ConnectedCalendar.objects.exists() and len(google_http.calls) == 0


def test_the_same_google_account_connected_by_two_members_stays_two_calendars(google_http):
    lea, sam = UserFactory(), UserFactory()
    mine, theirs = connected(lea), connected(sam)
    assert mine.pk != theirs.pk
    assert ConnectedCalendar.objects.get(pk=mine.pk).user_id == lea.pk


def test_anonymous_is_sent_to_sign_in(client, google_http):
    for method, url in (("post", CONNECT), ("get", CALLBACK + "?state=x&code=y")):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert len(google_http.calls) == 0


def test_the_exchange_body_never_carries_the_secret_to_the_page(client, google_http):
    client.force_login(UserFactory())
    query = start(client)
    google_http.add(responses.POST, TOKEN_URL, json=answer("token_exchange.json"))
    response = client.get(CALLBACK, {"state": query["state"], "code": "4/0A"}, follow=True)
    assert REFRESH_TOKEN not in response.content.decode()
    assert json.dumps(dict(client.session)).find(REFRESH_TOKEN) == -1


def test_disconnecting_keeps_the_grant_at_google_while_another_member_uses_the_same_account(client, google_http):
    """Google forgets a Google account's whole grant at once: one member leaving must not cut off the other."""
    lea, sam = UserFactory(), UserFactory()
    connected(lea)
    theirs = connected(sam)
    client.force_login(sam)
    assert client.post(reverse("calendars:disconnect", args=[theirs.pk])).status_code == 302
    assert len(google_http.calls) == 0
    assert ConnectedCalendar.objects.filter(user=lea).exists()


def test_every_word_about_google_on_the_page_is_marked_for_translation(client, google_http):
    from bands.tests.pseudo_pages import words_left_unmarked

    user = UserFactory()
    calendar = connected(user)
    error = "Google no longer lets StageSlot read this calendar – connect it again."
    ConnectedCalendar.objects.filter(pk=calendar.pk).update(needs_reconnect=True, last_error=error)
    client.force_login(user)
    assert words_left_unmarked(client, [PAGE], data=["lea.drums@gmail.com", error]) == {}


# ---- closing the account ----------------------------------------------------------------------------------


def test_closing_the_account_revokes_the_google_grant_and_deletes_every_calendars_credentials(google_http):
    user = UserFactory()
    google_calendar = connected(user)
    caldav = ConnectedCalendar(user=user, provider=ConnectedCalendar.Provider.CALDAV, server_url="https://dav.test/")
    caldav.secret = "app-password"
    caldav.save()
    google_http.add(responses.POST, REVOKE_URL, body="")
    account_close(user=user)
    assert form(google_http.calls[-1]) == {"token": REFRESH_TOKEN}
    assert not ConnectedCalendar.objects.filter(pk__in=[google_calendar.pk, caldav.pk]).exists()
    assert not GrantRevocation.objects.exists()


def test_google_down_at_closing_holds_nothing_back_and_the_worker_revokes_later(google_http, caplog):
    user = UserFactory()
    connected(user)
    google_http.add(responses.POST, REVOKE_URL, body=requests.ConnectTimeout("recorded"))
    closed_at = timezone.now()
    closure = account_close(user=user, now=closed_at)
    assert not ConnectedCalendar.objects.filter(user=user).exists()
    assert "tried again later" in caplog.text
    assert account_erase(closure_id=closure.pk, now=closed_at + dt.timedelta(days=31))

    (waiting,) = GrantRevocation.objects.all()
    assert waiting.secret == REFRESH_TOKEN
    assert services.grant_revocations_retry(now=closed_at + dt.timedelta(minutes=6)) == 0
    waiting.refresh_from_db()
    assert (waiting.attempts, waiting.next_attempt_at) == (2, closed_at + dt.timedelta(minutes=16))

    google_http.replace(responses.POST, REVOKE_URL, body="")
    assert services.grant_revocations_retry(now=closed_at + dt.timedelta(minutes=10)) == 0  # not due yet
    assert services.grant_revocations_retry(now=closed_at + dt.timedelta(minutes=16)) == 1
    assert form(google_http.calls[-1]) == {"token": REFRESH_TOKEN}
    assert not GrantRevocation.objects.exists()


def test_a_grant_google_never_confirms_is_given_up_and_logged(google_http, caplog):
    start_at = timezone.now()
    GrantRevocation.objects.create(
        provider="google", secret_encrypted=secret_encrypt(REFRESH_TOKEN), attempts=13, next_attempt_at=start_at
    )
    google_http.add(responses.POST, REVOKE_URL, json={"error": "server_error"}, status=503)
    assert services.grant_revocations_retry(now=start_at) == 0
    assert not GrantRevocation.objects.exists()
    assert "after 14 tries" in caplog.text
