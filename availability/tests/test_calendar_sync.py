"""Importing a person's own calendar from a real local HTTP server: the events make them busy with
their titles, an unchanged feed is not downloaded again, a broken feed keeps the last good busy
time and says why, failing calendars are retried less often, and private addresses are refused."""

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability import services, tasks
from availability.ics_import import MSG_NOT_FOUND, MSG_NOT_ICS
from availability.models import BusyInterval, ExternalCalendar
from core.transport.outbound import MSG_PRIVATE

pytestmark = pytest.mark.django_db

CALENDAR = BusyInterval.Source.CALENDAR


def ics(*events: tuple[str, dt.datetime, dt.datetime]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//StageSlot tests//EN"]
    for index, (title, start, end) in enumerate(events):
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{index}@tests",
            f"DTSTAMP:{start:%Y%m%dT%H%M%SZ}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{end:%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{title}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


class Feeds(ThreadingHTTPServer):
    """Answers each path with what the test put there; honours If-None-Match for an ETag."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.routes: dict[str, tuple[int, bytes, str, str]] = {}
        self.hits: list[tuple[str, int]] = []

    def serve(self, path: str, body: bytes, *, status: int = 200, etag: str = "", kind: str = "text/calendar") -> None:
        self.routes[path] = (status, body, etag, kind)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class FeedHandler(BaseHTTPRequestHandler):
    server: Feeds

    def do_GET(self) -> None:
        status, body, etag, kind = self.server.routes.get(self.path, (404, b"not here", "", "text/plain"))
        if etag and self.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        self.server.hits.append((self.path, status))
        self.send_response(status)
        if etag:
            self.send_header("ETag", etag)
        if status != 304:
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="module")
def feeds() -> Iterator[Feeds]:
    server = Feeds()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def allowed(settings, feeds: Feeds) -> Feeds:
    settings.ICS_IMPORT_ALLOW_HOSTS = (feeds.host,)
    feeds.routes.clear()
    feeds.hits.clear()
    return feeds


@pytest.fixture
def user():
    return UserFactory(time_zone="Europe/Berlin")


def soon(days: int, hour: int) -> dt.datetime:
    today = timezone.now().astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return today.replace(hour=hour) + dt.timedelta(days=days)


def busy(user) -> list[tuple[dt.datetime, dt.datetime, str]]:
    return list(
        BusyInterval.objects.filter(user=user, source=CALENDAR)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at", "title")
    )


def add(user, feeds: Feeds, path: str, capture, name: str = "Work") -> ExternalCalendar:
    with capture(execute=True):
        calendar = services.calendar_add(user=user, url=f"http://{feeds.host}{path}", name=name)
    calendar.refresh_from_db()
    return calendar


EVENTS = (
    ("Dentist", soon(2, 8), soon(2, 9)),
    ("Office party", soon(5, 17), soon(5, 22)),
)


def test_adding_a_calendar_imports_its_events_with_their_titles(user, allowed, django_capture_on_commit_callbacks):
    allowed.serve("/me.ics", ics(*EVENTS), etag='"v1"')
    calendar = add(user, allowed, "/me.ics", django_capture_on_commit_callbacks)
    assert busy(user) == [(s, e, title) for title, s, e in EVENTS]
    assert (calendar.event_count, calendar.failures, calendar.last_error) == (2, 0, "")
    assert calendar.last_synced_at is not None and calendar.etag == '"v1"'
    assert calendar.name == "Work"
    assert calendar.url_hint == "http://127.0.0.1/…"


def test_an_unchanged_calendar_is_not_downloaded_again(user, allowed, django_capture_on_commit_callbacks):
    allowed.serve("/me.ics", ics(*EVENTS), etag='"v1"')
    calendar = add(user, allowed, "/me.ics", django_capture_on_commit_callbacks)
    later = timezone.now() + dt.timedelta(hours=2)
    services.calendar_sync(calendar_id=calendar.pk, now=later)
    calendar.refresh_from_db()
    assert allowed.hits == [("/me.ics", 200), ("/me.ics", 304)]
    assert len(busy(user)) == 2
    assert calendar.last_synced_at == later and calendar.event_count == 2


def test_a_changed_calendar_replaces_its_busy_time(user, allowed, django_capture_on_commit_callbacks):
    allowed.serve("/me.ics", ics(*EVENTS), etag='"v1"')
    calendar = add(user, allowed, "/me.ics", django_capture_on_commit_callbacks)
    allowed.serve("/me.ics", ics(("Rehearsal", soon(3, 18), soon(3, 21))), etag='"v2"')
    services.calendar_sync(calendar_id=calendar.pk)
    assert [title for _, _, title in busy(user)] == ["Rehearsal"]


@pytest.mark.parametrize(
    ("status", "body", "kind", "message"),
    [
        (404, b"gone", "text/plain", MSG_NOT_FOUND),
        (200, b"<html><body>Log in to see this calendar</body></html>", "text/html", MSG_NOT_ICS),
    ],
)
def test_a_failing_calendar_says_why_and_keeps_the_last_busy_time(
    user, allowed, django_capture_on_commit_callbacks, status, body, kind, message
):
    allowed.serve("/me.ics", ics(*EVENTS))
    calendar = add(user, allowed, "/me.ics", django_capture_on_commit_callbacks)
    synced_at = calendar.last_synced_at
    allowed.serve("/me.ics", body, status=status, kind=kind)
    for attempt in (1, 2):
        services.calendar_sync(calendar_id=calendar.pk)
        calendar.refresh_from_db()
        assert (calendar.last_error, calendar.failures) == (message, attempt)
    assert len(busy(user)) == 2
    assert calendar.last_synced_at == synced_at
    # Once it works again the error goes away.
    allowed.serve("/me.ics", ics(*EVENTS))
    services.calendar_sync(calendar_id=calendar.pk)
    calendar.refresh_from_db()
    assert (calendar.last_error, calendar.failures) == ("", 0)


def test_failing_calendars_are_retried_less_and_less_often(user):
    now = timezone.now()
    fine = ExternalCalendar.objects.create(user=user, url="https://a.example/1.ics", last_attempt_at=now)
    failing = ExternalCalendar.objects.create(user=user, url="https://a.example/2.ics", last_attempt_at=now, failures=1)
    stuck = ExternalCalendar.objects.create(user=user, url="https://a.example/3.ics", last_attempt_at=now, failures=9)
    new = ExternalCalendar.objects.create(user=user, url="https://a.example/4.ics")
    assert services.calendars_due(now=now) == [new.pk]
    assert services.calendars_due(now=now + dt.timedelta(hours=1)) == [fine.pk, new.pk]
    assert services.calendars_due(now=now + dt.timedelta(hours=2)) == [fine.pk, failing.pk, new.pk]
    assert stuck.pk not in services.calendars_due(now=now + dt.timedelta(hours=23))
    assert stuck.pk in services.calendars_due(now=now + dt.timedelta(hours=24))


def test_the_periodic_task_reads_the_calendars_that_are_due(user, allowed):
    allowed.serve("/me.ics", ics(*EVENTS))
    ExternalCalendar.objects.create(user=user, url=f"http://{allowed.host}/me.ics")
    assert tasks.calendars_refresh.delay().get() == 1
    assert len(busy(user)) == 2
    assert tasks.calendars_refresh.delay().get() == 0


def test_removing_a_calendar_frees_its_time(user, allowed, django_capture_on_commit_callbacks):
    allowed.serve("/me.ics", ics(*EVENTS))
    calendar = add(user, allowed, "/me.ics", django_capture_on_commit_callbacks)
    services.calendar_remove(calendar=calendar, by=user)
    assert busy(user) == []
    assert not ExternalCalendar.objects.exists()


def test_a_calendar_removed_before_its_sync_runs_is_ignored(user):
    calendar = ExternalCalendar.objects.create(user=user, url="https://a.example/1.ics")
    pk = calendar.pk
    calendar.delete()
    assert services.calendar_sync(calendar_id=pk) is None


def test_a_private_address_is_refused_when_added_and_when_synced_in_the_same_words(user, settings, feeds):
    settings.ICS_IMPORT_ALLOW_HOSTS = ()
    feeds.hits.clear()
    feeds.serve("/me.ics", ics(*EVENTS))
    with pytest.raises(ValidationError) as caught:
        services.calendar_add(user=user, url=f"http://{feeds.host}/me.ics")
    assert caught.value.message_dict["url"] == [MSG_PRIVATE]
    assert not ExternalCalendar.objects.exists()
    # A row saved before the check (or whose name now resolves elsewhere) is refused when it is fetched.
    calendar = ExternalCalendar.objects.create(user=user, url=f"http://{feeds.host}/me.ics")
    calendar = services.calendar_sync(calendar_id=calendar.pk)
    assert calendar.last_error == MSG_PRIVATE
    assert calendar.failures == 1
    assert busy(user) == []
    assert feeds.hits == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://calendar.example/me.ics", "https:// or webcal://"),
        ("javascript:alert(1)", "https:// or webcal://"),
        ("", "https:// or webcal://"),
    ],
)
def test_an_address_that_is_not_a_web_calendar_is_refused(user, url, message):
    with pytest.raises(ValidationError) as caught:
        services.calendar_add(user=user, url=url)
    assert message in caught.value.message_dict["url"][0]
    assert not ExternalCalendar.objects.exists()


def test_webcal_addresses_are_read_over_https_and_added_once(user):
    calendar = services.calendar_add(user=user, url="webcal://calendar.example/Secret.ics")
    assert calendar.url == "https://calendar.example/Secret.ics"
    with pytest.raises(ValidationError, match="already added"):
        services.calendar_add(user=user, url="https://calendar.example/Secret.ics")
    for n in range(services.CALENDAR_LIMIT - 1):
        services.calendar_add(user=user, url=f"https://calendar.example/{n}.ics")
    with pytest.raises(ValidationError, match="at most"):
        services.calendar_add(user=user, url="https://calendar.example/one-too-many.ics")


def test_an_unexpected_failure_is_recorded_not_raised(user, allowed, django_capture_on_commit_callbacks, monkeypatch):
    allowed.serve("/me.ics", ics(*EVENTS))
    calendar = add(user, allowed, "/me.ics", django_capture_on_commit_callbacks)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in a parser")

    monkeypatch.setattr(services, "parse_busy", broken)
    services.calendar_sync(calendar_id=calendar.pk)
    calendar.refresh_from_db()
    assert calendar.last_error == "Something went wrong reading this calendar; we will try again later."
    assert calendar.failures == 1
    assert len(busy(user)) == 2


# ---- Calendars that are not quite right ----------------------------------------------------------------


def sloppy_calendar(start: dt.datetime) -> bytes:
    """An Outlook-style export: a stand-up whose rule has a space after a comma, two events with no UID,
    and two series whose rules cannot be read at all."""
    stamp = f"{start:%Y%m%dT%H%M%SZ}"
    events = [
        f"UID:standup\r\nSUMMARY:Stand-up\r\nDTSTART:{stamp}\r\nDURATION:PT30M\r\n"
        "RRULE:FREQ=DAILY;COUNT=14;BYDAY=MO, TU,WE,TH,FR,SA,SU",
        f"SUMMARY:No id one\r\nDTSTART:{stamp}\r\nDURATION:PT1H",
        f"SUMMARY:No id two\r\nDTSTART:{stamp}\r\nDURATION:PT2H",
        f"UID:x\r\nSUMMARY:Choir\r\nDTSTART:{stamp}\r\nDURATION:PT1H\r\nRRULE:BYDAY=MO;WHEN=OFTEN",
        f"UID:y\r\nSUMMARY:Gym\r\nDTSTART:{stamp}\r\nDURATION:PT1H\r\nRRULE:EVERY=WEEK",
    ]
    body = "".join(f"BEGIN:VEVENT\r\n{event}\r\nEND:VEVENT\r\n" for event in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Outlook//EN\r\n{body}END:VCALENDAR\r\n".encode()


def test_a_sloppy_calendar_keeps_its_busy_time_and_the_page_says_what_could_not_be_read(
    client, user, allowed, django_capture_on_commit_callbacks
):
    allowed.serve("/outlook.ics", sloppy_calendar(soon(2, 7)))
    calendar = add(user, allowed, "/outlook.ics", django_capture_on_commit_callbacks)
    titles = [title for _start, _end, title in busy(user)]
    assert titles.count("Stand-up") == 14
    assert {"No id one", "No id two", "Choir", "Gym"} <= set(titles)
    assert calendar.last_error == ""
    assert len(calendar.read_problems) == 2

    client.force_login(user)
    html = client.get("/me/availability/imported/").content.decode()
    assert "2 events could not be read fully:" in html
    assert "“Choir”: its repeat rule could not be read, so only its first date is kept" in html
    assert "“Gym”" in html


def test_a_damaged_calendar_says_it_is_damaged(user, allowed, django_capture_on_commit_callbacks):
    allowed.serve("/cut.ics", ics(*EVENTS)[:120])
    calendar = add(user, allowed, "/cut.ics", django_capture_on_commit_callbacks)
    assert "damaged" in calendar.last_error
    assert "web page" not in calendar.last_error


def test_a_calendar_of_39000_events_gets_one_clear_message(user, allowed, django_capture_on_commit_callbacks):
    event = (
        "BEGIN:VEVENT\r\nUID:{n}@x\r\nDTSTART:2020{m:02d}{d:02d}T090000Z\r\nDURATION:PT1H\r\n"
        "SUMMARY:Mtg {n}\r\nEND:VEVENT\r\n"
    )
    body = "".join(event.format(n=n, m=n % 12 + 1, d=n % 28 + 1) for n in range(39_000))
    data = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n".encode()
    assert len(data) < 5 * 1024 * 1024
    allowed.serve("/huge.ics", data)
    calendar = add(user, allowed, "/huge.ics", django_capture_on_commit_callbacks)
    assert calendar.last_error.startswith("Your calendar file has 39,000 events; we import calendars of up to 20,000")
    assert busy(user) == []
