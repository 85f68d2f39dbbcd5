"""CalDAV calendars against a real Radicale started here: connect, read busy time into the band's green
zone, write gigs back under their feed UID; bad servers, private addresses, other members, anonymous."""

import contextlib
import datetime as dt
import http.server
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.calendar import band_calendar_access, band_green_zone
from bookings.services.ending import booking_cancel
from bookings.tests.journey import band_party, local
from bookings.tests.test_gig_life import _booked
from calendars import services
from calendars.models import ConnectedCalendar
from calendars.testing import RadicaleServer, calendar_create, event_put, events_in, free_port, radicale_installed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not radicale_installed(), reason="Radicale (requirements-dev) is not installed"),
]

PASSWORD = "ana-app-password-7f3k"  # a test account of the test server


@pytest.fixture(scope="module")
def radicale(tmp_path_factory) -> Iterator[RadicaleServer]:
    server = RadicaleServer(folder=tmp_path_factory.mktemp("radicale"), users={"ana": PASSWORD, "bob": "bob-pw"})
    server.start()
    work = calendar_create(server, "ana", "work", "Work")
    calendar_create(server, "ana", "gigs", "Gigs")
    # A busy evening 5 days ahead, 19:00–23:00 Berlin.
    event_put(server, "ana", work, "choir@example", local(5, 19), local(5, 23), "Choir rehearsal")
    yield server
    server.stop()


@pytest.fixture
def allowed(settings, radicale):
    settings.CALDAV_ALLOW_HOSTS = (radicale.host,)
    settings.CALDAV_TIMEOUT = 2.0
    return settings


def connect(user, radicale, password=PASSWORD) -> ConnectedCalendar:
    return services.caldav_calendar_connect(
        user=user, server_url=radicale.url, username="ana", password=password, name="My Radicale"
    )


def test_connect_reads_the_busy_evening_into_the_bands_green_zone(allowed, radicale):
    party = band_party()
    calendar = connect(party.member, radicale)
    assert sorted(calendar.calendar_names.values()) == ["Gigs", "Work"]
    calendar = services.connected_calendar_refresh(calendar_id=calendar.pk)
    assert calendar.last_error == "" and calendar.event_count == 1
    busy = BusyInterval.objects.get(source=BusyInterval.Source.CONNECTED, source_id=calendar.pk)
    assert (busy.user_id, busy.starts_at, busy.ends_at) == (party.member.pk, local(5, 19), local(5, 23))
    day = local(5).date()
    _, members, _ = band_calendar_access(slug=party.band.slug, user=party.leader)
    zone = band_green_zone(
        members=members,
        first_day=day,
        last_day=day,
        time_zone="Europe/Berlin",
        min_length=dt.timedelta(hours=3),
        today=local(0).date(),
        day_start=dt.time(18),
        day_end=dt.time(23, 59),
    )
    (evening,) = zone.days
    assert (evening.status, evening.busy_names) == ("partial", (party.member.display_name.split()[0],))


def test_the_secret_is_stored_encrypted(allowed, radicale):
    calendar = connect(UserFactory(), radicale)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM calendars_connectedcalendar WHERE id = %s", [calendar.pk])
        (stored,) = cursor.fetchone()
    assert PASSWORD not in stored and stored
    assert ConnectedCalendar.objects.get(pk=calendar.pk).secret == PASSWORD


def test_a_wrong_password_is_refused_at_connect_and_nothing_is_saved(allowed, radicale):
    user = UserFactory()
    with pytest.raises(Exception) as error:
        connect(user, radicale, password="wrong")
    assert "please connect again" in str(error.value.message_dict["password"][0])
    assert not ConnectedCalendar.objects.filter(user=user).exists()


def test_a_revoked_password_marks_the_calendar_for_reconnecting_and_keeps_the_busy_time(allowed, radicale):
    calendar = services.connected_calendar_refresh(calendar_id=connect(UserFactory(), radicale).pk)
    assert calendar.event_count == 1
    calendar.secret = "revoked"
    calendar.save()
    calendar = services.connected_calendar_refresh(calendar_id=calendar.pk)
    assert calendar.needs_reconnect and "connect again" in calendar.last_error
    assert BusyInterval.objects.filter(source=BusyInterval.Source.CONNECTED, source_id=calendar.pk).count() == 1
    assert calendar.pk not in services.connected_calendars_due()
    services.caldav_calendar_reconnect(calendar=calendar, by=calendar.user, password=PASSWORD)
    calendar.refresh_from_db()
    assert not calendar.needs_reconnect


def test_a_private_address_is_refused_when_not_allowed(settings, radicale):
    settings.CALDAV_ALLOW_HOSTS = ()
    user = UserFactory()
    with pytest.raises(Exception) as error:
        connect(user, radicale)
    assert "private network" in str(error.value.message_dict["server_url"][0])
    assert not ConnectedCalendar.objects.filter(user=user).exists()


# ---- tiny bad servers -------------------------------------------------------------------------


class _Bad(http.server.BaseHTTPRequestHandler):
    mode = "500"

    def _answer(self) -> None:
        with contextlib.suppress(OSError):  # the client may have given up (the slow server)
            self._send()

    def _send(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.mode == "slow":
            time.sleep(4)
        if self.mode == "500":
            self.send_response(500)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"oops!")
            return
        body = b"<html><body>Welcome to our portal \x00\xff garbage" if self.mode == "garbage" else b""
        self.send_response(207)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PROPFIND = do_REPORT = do_GET = do_OPTIONS = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def bad_server(settings) -> Iterator:
    started = []

    def start(mode: str) -> str:
        handler = type("Handler", (_Bad,), {"mode": mode})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        host = f"127.0.0.1:{server.server_address[1]}"
        settings.CALDAV_ALLOW_HOSTS = (host,)
        settings.CALDAV_TIMEOUT = 1.0
        return f"http://{host}/dav/"

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("mode", "words"),
    [("500", "had an error (HTTP 500)"), ("garbage", "could not understand"), ("slow", "longer than")],
)
def test_a_bad_server_gets_a_clear_message_at_connect(bad_server, mode, words):
    user = UserFactory()
    url = bad_server(mode)
    started = time.monotonic()
    with pytest.raises(Exception) as error:
        services.caldav_calendar_connect(user=user, server_url=url, username="ana", password="x")
    assert words in str(error.value.message_dict["server_url"][0])
    assert time.monotonic() - started < 8
    assert not ConnectedCalendar.objects.filter(user=user).exists()


@pytest.mark.parametrize(("mode", "words"), [("500", "HTTP 500"), ("garbage", "understand"), ("slow", "longer than")])
def test_a_server_going_bad_keeps_the_busy_time_and_backs_off(bad_server, mode, words):
    user, url = UserFactory(), bad_server(mode)
    calendar = ConnectedCalendar(
        user=user, provider="caldav", server_url=url, username="ana", calendar_names={url + "work/": "Work"}
    )
    calendar.secret = "x"
    calendar.save()
    kept = BusyInterval.objects.create(
        user=user, starts_at=local(3, 19), ends_at=local(3, 22), source="connected", source_id=calendar.pk
    )
    calendar = services.connected_calendar_refresh(calendar_id=calendar.pk)
    assert words in calendar.last_error and calendar.failures == 1 and not calendar.needs_reconnect
    assert BusyInterval.objects.filter(pk=kept.pk).exists()
    assert calendar.pk not in services.connected_calendars_due(now=calendar.last_attempt_at + dt.timedelta(minutes=5))
    assert calendar.pk in services.connected_calendars_due(now=calendar.last_attempt_at + dt.timedelta(minutes=10))


# ---- gigs written back -------------------------------------------------------------------------


def test_a_booked_gig_is_written_into_the_chosen_calendar_updated_and_removed(allowed, radicale):
    party = band_party()
    calendar = connect(party.member, radicale)
    gigs_url = next(url for url, name in calendar.calendar_names.items() if name == "Gigs")
    services.connected_calendar_choose(
        calendar=calendar, by=party.member, read=list(calendar.calendar_names), write_calendar_url=gigs_url
    )
    booking = _booked(party, days=12)
    calendar = services.connected_calendar_refresh(calendar_id=calendar.pk)
    uid = f"booking-{booking.uid}@stageslot"
    found = events_in(radicale, "ana", gigs_url)
    assert f"{uid}.ics" in found and f"UID:{uid}" in found[f"{uid}.ics"]
    assert calendar.written_stamp and list(calendar.written) == [uid]
    # Nothing changed: nothing is due to be written again.
    assert calendar.pk not in services.connected_calendars_to_write()
    booking_cancel(booking=booking, by=party.leader, reason="The van broke down.")
    assert calendar.pk in services.connected_calendars_to_write()
    services.connected_calendar_write_gigs(calendar_id=calendar.pk)
    assert f"{uid}.ics" not in events_in(radicale, "ana", gigs_url)
    calendar.refresh_from_db()
    assert calendar.written == {} and calendar.write_error == ""


# ---- pages and who may ---------------------------------------------------------------------------


def test_the_page_prompts_to_connect_when_there_is_none(client):
    client.force_login(UserFactory())
    response = client.get(reverse("calendars:page"))
    assert response.status_code == 200
    assert "Connect your calendar" in response.content.decode()


def test_connect_refresh_and_disconnect_through_the_pages(
    allowed, radicale, client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("calendars:caldav_connect"),
            {"server_url": radicale.url, "username": "ana", "password": PASSWORD, "name": "Home"},
        )
    calendar = ConnectedCalendar.objects.get(user=user)
    assert response.status_code == 302 and response.url == reverse("calendars:settings", args=[calendar.pk])
    page = client.get(reverse("calendars:page")).content.decode()
    assert "Home" in page and "Refresh now" in page and PASSWORD not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("calendars:refresh", args=[calendar.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "up to date" in response.content.decode()
    response = client.post(reverse("calendars:disconnect", args=[calendar.pk]))
    assert response.status_code == 302
    assert not ConnectedCalendar.objects.filter(pk=calendar.pk).exists()
    assert not BusyInterval.objects.filter(source="connected", source_id=calendar.pk).exists()


def test_a_wrong_password_on_the_page_is_said_next_to_the_field(allowed, radicale, client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("calendars:caldav_connect"), {"server_url": radicale.url, "username": "ana", "password": "nope"}
    )
    assert response.status_code == 400
    assert "refused the user name or app password" in response.content.decode()


def test_another_member_cannot_see_refresh_change_or_disconnect_my_calendar(allowed, radicale, client):
    calendar = connect(UserFactory(), radicale)
    client.force_login(UserFactory())
    assert client.get(reverse("calendars:settings", args=[calendar.pk])).status_code == 404
    for name in ("refresh", "disconnect", "caldav_reconnect"):
        assert client.post(reverse(f"calendars:{name}", args=[calendar.pk]), {"password": "x"}).status_code == 404
    assert "My Radicale" not in client.get(reverse("calendars:page")).content.decode()
    assert ConnectedCalendar.objects.filter(pk=calendar.pk).exists()


def test_anonymous_is_sent_to_sign_in(client):
    for url in (reverse("calendars:page"), reverse("calendars:settings", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


def test_choosing_a_calendar_the_account_does_not_have_is_refused(allowed, radicale, client):
    user = UserFactory()
    calendar = connect(user, radicale)
    client.force_login(user)
    response = client.post(
        reverse("calendars:settings", args=[calendar.pk]), {"read": ["http://evil.example/"], "write_calendar_url": ""}
    )
    assert response.status_code == 400
    calendar.refresh_from_db()
    assert calendar.calendars == [] and calendar.write_calendar_url == ""
