"""Importing a musician's own calendar by its secret address: the guarded fetch and reading busy times.

The fetch tests talk to a real HTTP server on 127.0.0.1 over real sockets.
"""

import contextlib
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from availability import ics_import
from availability.ics_import import FeedError, ImportedEvent, fetch_ics, normalise_url, parse_busy, parse_busy_report
from core.transport import outbound

SAMPLES = Path(__file__).parent / "ics_samples"
GOOGLE = (SAMPLES / "google.ics").read_bytes()
APPLE = (SAMPLES / "apple.ics").read_bytes()
OUTLOOK = (SAMPLES / "outlook.ics").read_bytes()
LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>...</form></body></html>"
BOMB = gzip.compress(b"\0" * 10_000_000, compresslevel=9)
MARCH, MAY = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- a real calendar server -------------------------------------------------------------------


class CalendarServer(ThreadingHTTPServer):
    daemon_threads = True
    stop: threading.Event
    requests: list[tuple[str, dict[str, str]]]


class Handler(BaseHTTPRequestHandler):
    server: CalendarServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        name = self.path.strip("/").split("/")[0].replace("-", "_").replace(".", "_")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            getattr(self, f"route_{name}", self.route_missing)()

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": "text/calendar; charset=utf-8", "Content-Length": str(len(body)), **(headers or {})}
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def route_calendar_ics(self) -> None:
        if self.headers.get("If-None-Match") == '"v1"':
            self.send(304, headers={"ETag": '"v1"', "Content-Length": "0"})
        else:
            self.send(200, GOOGLE, {"ETag": '"v1"', "Last-Modified": "Sun, 01 Mar 2026 12:00:00 GMT"})

    def route_gzipped_ics(self) -> None:
        self.send(200, gzip.compress(GOOGLE), {"Content-Encoding": "gzip"})

    def route_hops(self) -> None:
        left = int(self.path.rsplit("/", 1)[1])
        if left:
            self.send(302, headers={"Location": f"/hops/{left - 1}"})
        else:
            self.route_calendar_ics()

    def route_to_private(self) -> None:
        self.send(302, headers={"Location": "http://10.0.0.1/x"})

    def route_to_metadata(self) -> None:
        self.send(301, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    def route_to_localhost(self) -> None:
        self.send(307, headers={"Location": f"http://localhost:{self.server.server_port}/calendar.ics"})

    def route_to_ftp(self) -> None:
        self.send(302, headers={"Location": "ftp://files.example.com/cal.ics"})

    def route_slow(self) -> None:
        self.server.stop.wait(3)

    def route_drip(self) -> None:
        self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n")
        self.drip()

    def route_drip_headers(self) -> None:
        self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Padding: ")
        self.drip()

    def drip(self) -> None:
        """A byte every 0.2 s, for 5 s: a client without an overall deadline waits all that time."""
        for _ in range(25):
            if self.server.stop.wait(0.2):
                return
            self.wfile.write(b"X")
            self.wfile.flush()

    def route_huge_declared(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "10000000")
        self.end_headers()
        self.wfile.write(b"BEGIN:VCALENDAR\r\n" * 10)

    def route_huge_streamed(self) -> None:
        self.send_response(200)
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"X" * 1000)

    def route_huge_chunked(self) -> None:
        self.protocol_version = "HTTP/1.1"
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"3e8\r\n" + b"X" * 1000 + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def route_bomb(self) -> None:
        self.send(200, BOMB, {"Content-Encoding": "gzip"})

    def route_bad_gzip(self) -> None:
        self.send(200, b"this is not gzip at all", {"Content-Encoding": "gzip"})

    def route_brotli(self) -> None:
        self.send(200, b"\x1b\x00", {"Content-Encoding": "br"})

    def route_truncated(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "5000")
        self.end_headers()
        self.wfile.write(GOOGLE[:100])

    def route_garbage(self) -> None:
        self.wfile.write(b"hello, this is not HTTP\r\n\r\n")

    def route_login(self) -> None:
        self.send(200, LOGIN_PAGE, {"Content-Type": "text/html"})

    def route_status(self) -> None:
        self.send(int(self.path.rsplit("/", 1)[1]), b"<h1>Error</h1>", {"Content-Type": "text/html"})

    def route_missing(self) -> None:
        self.send(404, b"<h1>Not found</h1>", {"Content-Type": "text/html"})


@pytest.fixture(scope="module")
def server() -> Iterator[CalendarServer]:
    httpd = CalendarServer(("127.0.0.1", 0), Handler)
    httpd.stop = threading.Event()
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.stop.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def base(server: CalendarServer) -> str:
    server.requests.clear()
    return f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def allowed(server: CalendarServer) -> set[str]:
    return {f"127.0.0.1:{server.server_port}"}


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every address a socket connects to during the test (the connection itself still happens)."""
    seen: list[tuple] = []
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: tuple) -> None:
        seen.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def refused(url: str, **kwargs: object) -> str:
    with pytest.raises(FeedError) as caught:
        fetch_ics(url, **kwargs)
    return str(caught.value)


# ---- normalise_url ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "fetched"),
    [
        ("webcal://p123-caldav.icloud.com/published/2/abc", "https://p123-caldav.icloud.com/published/2/abc"),
        ("webcals://example.com/cal.ics", "https://example.com/cal.ics"),
        (
            "  HTTPS://Calendar.Google.COM/calendar/ical/x%40group/private-abc/basic.ics  ",
            "https://calendar.google.com/calendar/ical/x%40group/private-abc/basic.ics",
        ),
        (
            "https://outlook.office365.com:443/owa/calendar/a/b/reachcalendar.ics",
            "https://outlook.office365.com/owa/calendar/a/b/reachcalendar.ics",
        ),
        ("http://example.com:8080/feed?token=a&b=c#top", "http://example.com:8080/feed?token=a&b=c"),
        ("https://example.com", "https://example.com/"),
        ("https://bücher.example/kalender/ä.ics", "https://xn--bcher-kva.example/kalender/%C3%A4.ics"),
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://0x7f.0.0.1/", "http://127.0.0.1/"),
        ("http://0177.1/", "http://127.0.0.1/"),
        ("http://[0:0:0:0:0:0:0:1]:8000/x", "http://[::1]:8000/x"),
    ],
)
def test_normalise_url_accepts_web_addresses_and_turns_webcal_into_https(pasted: str, fetched: str) -> None:
    assert normalise_url(pasted) == fetched


@pytest.mark.parametrize(
    "pasted",
    [
        "ftp://example.com/cal.ics",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/calendar,BEGIN:VCALENDAR",
        "gopher://example.com:70/_GET",
        "calendar.google.com/calendar/ical/x/basic.ics",
        "http:///no-host",
        "https://",
        "http://user:pass@example.com/cal.ics",
        "http://token@example.com/cal.ics",
        "http://example.com:99999/cal.ics",
        "http://example.com:0/cal.ics",
        "http://exa mple.com/cal.ics",
        "http://example.com/cal\n.ics",
        "http://exam_ple!.com/",
        "",
    ],
)
def test_normalise_url_refuses_anything_but_a_plain_web_address(pasted: str) -> None:
    with pytest.raises(FeedError, match=r"^Paste the calendar's address starting with https:// or webcal://$"):
        normalise_url(pasted)


def test_normalise_url_refuses_addresses_longer_than_2000_characters() -> None:
    assert normalise_url("https://example.com/" + "a" * 1980).endswith("a")
    with pytest.raises(FeedError, match="longer than 2000 characters"):
        normalise_url("https://example.com/" + "a" * 1981)


# ---- which addresses may be fetched -------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.0.0.1",
        "172.16.5.4",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fe80::1%eth0",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::a00:1",
        "2002:7f00:1::",
        "2001:db8::1",
        "not an address",
    ],
)
def test_private_and_special_addresses_are_not_public(address: str) -> None:
    assert not outbound.is_public_address(address)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_internet_addresses_are_public(address: str) -> None:
    assert outbound.is_public_address(address)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "0.0.0.0", "[::1]", "2130706433", "0x7f.0.0.1", "[::ffff:127.0.0.1]"],  # noqa: S104
)
def test_fetching_the_server_itself_is_refused_before_connecting(host: str, server, connections) -> None:
    message = refused(f"http://{host}:{server.server_port}/calendar.ics", timeout=2)
    assert message == "This address points to a private network address, which we do not connect to."
    assert connections == []
    assert server.requests == []


def test_allow_hosts_needs_the_exact_host_and_port(server, base, connections) -> None:
    port = server.server_port
    for near_miss in ({"127.0.0.1"}, {f"127.0.0.1:{port + 1}"}, {f"localhost:{port}"}):
        assert "private network" in refused(f"{base}/calendar.ics", allow_hosts=near_miss)
    assert connections == []


# ---- fetching ----------------------------------------------------------------------------------


def test_fetch_returns_the_calendar_and_its_validators(server, base, allowed, connections) -> None:
    result = fetch_ics(f"{base}/calendar.ics", allow_hosts=allowed)
    assert result.body == GOOGLE
    assert result.etag == '"v1"'
    assert result.last_modified == "Sun, 01 Mar 2026 12:00:00 GMT"
    assert result.final_url == f"{base}/calendar.ics"
    ((_, headers),) = server.requests
    assert headers["user-agent"] == "StageSlot calendar import (+https://stageslot.example/)"
    assert headers["host"] == f"127.0.0.1:{server.server_port}"
    assert "if-none-match" not in headers
    assert connections == [("127.0.0.1", server.server_port)]


def test_fetch_sends_the_validators_and_gets_no_body_when_unchanged(server, base, allowed) -> None:
    result = fetch_ics(
        f"{base}/calendar.ics", etag='"v1"', last_modified="Sun, 01 Mar 2026 12:00:00 GMT", allow_hosts=allowed
    )
    assert result.body is None
    assert result.etag == '"v1"'
    assert result.last_modified == "Sun, 01 Mar 2026 12:00:00 GMT"
    ((_, headers),) = server.requests
    assert headers["if-none-match"] == '"v1"'
    assert headers["if-modified-since"] == "Sun, 01 Mar 2026 12:00:00 GMT"


def test_fetch_drops_a_stored_validator_that_is_not_a_header_value(server, base, allowed) -> None:
    result = fetch_ics(f"{base}/calendar.ics", etag='"v1"\r\nX-Injected: 1', allow_hosts=allowed)
    assert result.body == GOOGLE
    ((_, headers),) = server.requests
    assert "if-none-match" not in headers and "x-injected" not in headers


def test_fetch_unzips_a_gzipped_calendar(base, allowed) -> None:
    assert fetch_ics(f"{base}/gzipped.ics", allow_hosts=allowed).body == GOOGLE


def test_fetch_follows_a_short_redirect_chain(server, base, allowed) -> None:
    result = fetch_ics(f"{base}/hops/2", allow_hosts=allowed)
    assert result.body == GOOGLE
    assert result.final_url == f"{base}/hops/0"
    assert [path for path, _ in server.requests] == ["/hops/2", "/hops/1", "/hops/0"]
    assert fetch_ics(f"{base}/hops/3", allow_hosts=allowed, max_redirects=3).body == GOOGLE


def test_fetch_stops_after_too_many_redirects(server, base, allowed) -> None:
    message = refused(f"{base}/hops/5", allow_hosts=allowed)
    assert message == "The calendar address redirects more than 3 times; paste the address it finally leads to."
    assert len(server.requests) == 4
    assert "more than 0 times" in refused(f"{base}/hops/1", allow_hosts=allowed, max_redirects=0)


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata", "/to-localhost"])
def test_a_redirect_to_a_private_address_is_refused_before_connecting(path, server, base, allowed, connections) -> None:
    message = refused(f"{base}{path}", allow_hosts=allowed, timeout=5)
    assert message == "This address redirects to a private network address, which we do not follow."
    assert connections == [("127.0.0.1", server.server_port)]


def test_a_redirect_to_another_scheme_is_refused(base, allowed) -> None:
    assert refused(f"{base}/to-ftp", allow_hosts=allowed) == outbound.MSG_REDIRECT_BAD


def test_a_server_that_does_not_answer_in_time_is_given_up(base, allowed) -> None:
    started = time.monotonic()
    message = refused(f"{base}/slow", allow_hosts=allowed, timeout=0.5)
    assert message == "The calendar server took longer than 0.5 seconds to answer."
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_a_server_that_drips_bytes_is_cut_off_at_twice_the_timeout(path, base, allowed) -> None:
    started = time.monotonic()
    message = refused(f"{base}{path}", allow_hosts=allowed, timeout=0.5)
    assert message == "The calendar server took longer than 0.5 seconds to answer."
    assert 0.9 < time.monotonic() - started < 3


def test_the_timeout_message_names_the_timeout() -> None:
    message = ics_import.MSG_TIMEOUT % {"seconds": ics_import._number(10.0)}
    assert message == "The calendar server took longer than 10 seconds to answer."


@pytest.mark.parametrize("path", ["/huge-declared", "/huge-streamed", "/huge-chunked", "/bomb"])
def test_a_calendar_larger_than_the_limit_is_refused(path, base, allowed) -> None:
    message = refused(f"{base}{path}", allow_hosts=allowed, max_bytes=50 * 1024)
    assert message.startswith("The calendar is larger than 50 kB, which is more than we import.")


def test_the_size_limit_reads_in_megabytes_by_default(base, allowed) -> None:
    message = refused(f"{base}/huge-declared", allow_hosts=allowed)
    assert message.startswith("The calendar is larger than 5 MB, which is more than we import.")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/status/401", "The calendar server refused access – check the link is the secret address."),
        ("/status/403", "The calendar server refused access – check the link is the secret address."),
        ("/status/404", "The calendar was not found at that address – it may have been reset."),
        ("/status/410", "The calendar was not found at that address – it may have been reset."),
        ("/status/500", "The calendar server had an error (HTTP 500)."),
        ("/status/503", "The calendar server had an error (HTTP 503)."),
        ("/status/429", ics_import.MSG_RATE_LIMITED),
        ("/status/418", "The calendar server answered with an error (HTTP 418)."),
        ("/bad-gzip", ics_import.MSG_DAMAGED),
        ("/truncated", ics_import.MSG_DAMAGED),
        ("/brotli", "The calendar server sent the file in a compression we do not read (br)."),
        ("/garbage", ics_import.MSG_PROTOCOL),
    ],
)
def test_server_errors_become_plain_messages(path, message, base, allowed) -> None:
    assert refused(f"{base}{path}", allow_hosts=allowed) == message


def test_a_closed_port_unknown_host_or_broken_tls_is_a_plain_message() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert refused(f"http://127.0.0.1:{port}/", allow_hosts={f"127.0.0.1:{port}"}) == (
        "The calendar server “127.0.0.1” refused the connection – try again later."
    )
    assert refused("https://calendar.invalid/cal.ics", timeout=2) == (
        "We could not find the calendar server “calendar.invalid” – check the address."
    )


def test_https_to_a_server_without_tls_is_a_plain_message(server, allowed) -> None:
    url = f"https://127.0.0.1:{server.server_port}/calendar.ics"
    assert (
        refused(url, allow_hosts=allowed) == "We could not open a secure connection to the calendar server “127.0.0.1”."
    )


def test_a_login_page_instead_of_a_calendar_is_refused_when_read(base, allowed) -> None:
    body = fetch_ics(f"{base}/login", allow_hosts=allowed).body
    with pytest.raises(FeedError, match=r"^That address did not return a calendar \(iCalendar/ICS\) file\. "):
        parse_busy(body, MARCH, MAY)


# ---- parse_busy: the samples --------------------------------------------------------------------


def spans(events: list[ImportedEvent]) -> list[tuple[datetime, datetime, str]]:
    return [(event.start, event.end, event.title) for event in events]


def test_google_weekly_rehearsal_keeps_its_local_time_over_the_dst_change() -> None:
    events = parse_busy(GOOGLE, MARCH, MAY, default_zone="Europe/Berlin")
    rehearsals = [span for span in spans(events) if span[2].startswith("Band rehearsal")]
    assert rehearsals == [
        (utc(2026, 3, 17, 18), utc(2026, 3, 17, 20), "Band rehearsal"),
        (utc(2026, 3, 24, 18), utc(2026, 3, 24, 20), "Band rehearsal"),
        # 31 March is excluded (EXDATE); Europe moved to summer time on 29 March.
        (utc(2026, 4, 8, 18), utc(2026, 4, 8, 20), "Band rehearsal (moved to Wednesday)"),
        (utc(2026, 4, 14, 17), utc(2026, 4, 14, 19), "Band rehearsal"),
        (utc(2026, 4, 21, 17), utc(2026, 4, 21, 19), "Band rehearsal"),
    ]
    assert {event.uid for event in events if event.title.startswith("Band")} == {"4kq3b0rehearsal7f3a@google.com"}


def test_google_calendar_in_full() -> None:
    assert spans(parse_busy(GOOGLE, MARCH, MAY, default_zone="Europe/Berlin")) == [
        (utc(2026, 3, 17, 18), utc(2026, 3, 17, 20), "Band rehearsal"),
        (utc(2026, 3, 19, 17), utc(2026, 3, 19, 18), "Guitar lesson"),
        (utc(2026, 3, 24, 18), utc(2026, 3, 24, 20), "Band rehearsal"),
        (utc(2026, 3, 25, 9), utc(2026, 3, 25, 10), "Dentist"),
        (utc(2026, 3, 26, 17), utc(2026, 3, 26, 18), "Guitar lesson"),
        # A repeating event written in UTC repeats at the calendar's local time (X-WR-TIMEZONE), as Google means it.
        (utc(2026, 4, 2, 16), utc(2026, 4, 2, 17), "Guitar lesson"),
        # All-day 3–5 April (DTEND 6 April is exclusive) are Berlin days.
        (utc(2026, 4, 2, 22), utc(2026, 4, 5, 22), "Holiday at the lake"),
        (utc(2026, 4, 8, 18), utc(2026, 4, 8, 20), "Band rehearsal (moved to Wednesday)"),
        (utc(2026, 4, 14, 17), utc(2026, 4, 14, 19), "Band rehearsal"),
        (utc(2026, 4, 21, 17), utc(2026, 4, 21, 19), "Band rehearsal"),
    ]


def test_apple_floating_times_are_in_the_calendars_x_wr_timezone() -> None:
    # The owner lives in Chicago; the calendar says New York. Floating times follow the calendar,
    # all-day events follow the owner.
    assert spans(parse_busy(APPLE, MARCH, MAY, default_zone="America/Chicago")) == [
        (utc(2026, 3, 2, 23), utc(2026, 3, 3, 0), "Teaching – drum students"),
        # 9 March is cancelled in its own override; the US moved to summer time on 8 March.
        (utc(2026, 3, 12, 14), utc(2026, 3, 12, 16, 30), "Studio session"),
        (utc(2026, 3, 16, 22), utc(2026, 3, 16, 23), "Teaching – drum students"),
        # An all-day event without DTEND is one day long; the reminder without length is left out.
        (utc(2026, 3, 20, 5), utc(2026, 3, 21, 5), "Music educators' conference"),
    ]


def test_outlook_windows_zone_names_are_understood() -> None:
    assert spans(parse_busy(OUTLOOK, MARCH, MAY, default_zone="Europe/Berlin")) == [
        (utc(2026, 3, 23, 8), utc(2026, 3, 23, 9), "Weekly planning"),
        (utc(2026, 4, 2, 12), utc(2026, 4, 2, 13, 30), "Soundcheck"),
        # "Eastern Standard Time" has no VTIMEZONE in the file: the Windows name alone is enough.
        (utc(2026, 4, 3, 14), utc(2026, 4, 3, 15), "Call with the US label"),
        (utc(2026, 4, 6, 7), utc(2026, 4, 6, 8), "Weekly planning"),
        (utc(2026, 4, 9, 22), utc(2026, 4, 10, 22), "Out of office"),
    ]


def test_all_day_events_are_the_owners_local_days() -> None:
    holiday = [e for e in parse_busy(GOOGLE, MARCH, MAY, default_zone="America/Los_Angeles") if "Holiday" in e.title]
    assert spans(holiday) == [(utc(2026, 4, 3, 7), utc(2026, 4, 6, 7), "Holiday at the lake")]


def test_free_and_cancelled_events_are_left_out() -> None:
    titles = {event.title for sample in (GOOGLE, APPLE, OUTLOOK) for event in parse_busy(sample, MARCH, MAY)}
    assert titles.isdisjoint(
        {"Mum's birthday", "Focus time", "Gig at Kaschemme (called off)", "Lunch", "Canceled: Meeting with promoter"}
    )


# ---- parse_busy: edges --------------------------------------------------------------------------


def calendar(*events: str, header: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n{header}{body}END:VCALENDAR\r\n".encode()


def test_events_overlapping_the_window_are_returned_whole_and_others_not() -> None:
    data = calendar(
        "UID:a\r\nSUMMARY:Tour\r\nDTSTART:20260225T100000Z\r\nDTEND:20260303T100000Z",
        "UID:b\r\nSUMMARY:Before\r\nDTSTART:20260227T100000Z\r\nDTEND:20260301T000000Z",
        "UID:c\r\nSUMMARY:After\r\nDTSTART:20260501T000000Z\r\nDTEND:20260501T020000Z",
        "UID:d\r\nSUMMARY:Backwards\r\nDTSTART:20260310T100000Z\r\nDTEND:20260310T090000Z",
        "UID:e\r\nSUMMARY:Negative\r\nDTSTART:20260311T100000Z\r\nDURATION:-PT1H",
        "UID:f\r\nSUMMARY:Instant\r\nDTSTART:20260312T100000Z\r\nDTEND:20260312T100000Z",
    )
    assert spans(parse_busy(data, MARCH, MAY)) == [(utc(2026, 2, 25, 10), utc(2026, 3, 3, 10), "Tour")]


def test_floating_times_without_x_wr_timezone_are_in_the_owners_zone() -> None:
    data = calendar(
        "UID:a\r\nSUMMARY:Gig\r\nDTSTART:20260410T200000\r\nDTEND:20260410T230000",
        "UID:b\r\nSUMMARY:Unknown zone\r\nDTSTART;TZID=Nowhere/Special:20260411T200000\r\nDURATION:PT1H",
    )
    assert spans(parse_busy(data, MARCH, MAY, default_zone="Europe/Berlin")) == [
        (utc(2026, 4, 10, 18), utc(2026, 4, 10, 21), "Gig"),
        (utc(2026, 4, 11, 18), utc(2026, 4, 11, 19), "Unknown zone"),
    ]


def test_titles_are_tidied_and_cut_to_200_characters() -> None:
    data = calendar(
        "UID:a\r\nSUMMARY:" + "x" * 300 + "\r\nDTSTART:20260310T100000Z\r\nDTEND:20260310T110000Z",
        "UID:b\r\nSUMMARY:  Rehearsal\\n  room 4 \r\nDTSTART:20260311T100000Z\r\nDTEND:20260311T110000Z",
        "UID:c\r\nDTSTART:20260312T100000Z\r\nDTEND:20260312T110000Z",
    )
    assert [event.title for event in parse_busy(data, MARCH, MAY)] == ["x" * 200, "Rehearsal room 4", ""]


def test_a_broken_event_does_not_cost_the_rest_of_the_calendar() -> None:
    data = calendar(
        "UID:a\r\nSUMMARY:No start\r\nDTEND:20260310T110000Z",
        "UID:b\r\nSUMMARY:Bad rule\r\nDTSTART:20260310T100000Z\r\nDTEND:20260310T110000Z\r\nRRULE:FREQ=SOMETIMES",
        "UID:y\r\nSUMMARY:Year one\r\nDTSTART;TZID=Europe/Berlin:00010101T000000\r\n"
        "DTEND;TZID=Europe/Berlin:00010101T003000",
        "UID:c\r\nSUMMARY:Fine\r\nDTSTART:20260312T100000Z\r\nDTEND:20260312T110000Z",
    )
    # A rule that cannot be read keeps the event's first date, and says so (see test_ics_damaged.py).
    report = parse_busy_report(data, MARCH, MAY)
    assert [event.title for event in report.events] == ["Bad rule", "Fine"]
    assert any("Bad rule" in problem for problem in report.problems)


def test_more_occurrences_than_the_limit_are_refused() -> None:
    daily = calendar(
        "UID:a\r\nSUMMARY:Practice\r\nDTSTART:20200101T060000Z\r\nDTEND:20200101T070000Z\r\nRRULE:FREQ=DAILY"
    )
    assert len(parse_busy(daily, MARCH, MAY, max_events=61)) == 61
    with pytest.raises(FeedError, match="more than 60 events"):
        parse_busy(daily, MARCH, MAY, max_events=60)


@pytest.mark.parametrize("rule", ["FREQ=SECONDLY", "FREQ=HOURLY;COUNT=5", "FREQ=DAILY;BYHOUR=9,17"])
def test_events_repeating_more_than_daily_are_refused_by_name(rule: str) -> None:
    data = calendar(f"UID:a\r\nSUMMARY:Drink water\r\nDTSTART:19900101T000000Z\r\nDURATION:PT1M\r\nRRULE:{rule}")
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"^The event “Drink water” repeats more often than once a day"):
        parse_busy(data, MARCH, MAY)
    # Refused before expanding: expanding would take hours.
    assert time.monotonic() - started < 5


def test_expanding_stops_when_it_takes_too_long() -> None:
    data = calendar(*(f"UID:{n}\r\nDTSTART:20260310T100000Z\r\nDTEND:20260310T110000Z" for n in range(3)))
    with pytest.raises(FeedError, match="too complex to read in 0 seconds"):
        parse_busy(data, MARCH, MAY, max_seconds=0)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \r\n",
        LOGIN_PAGE,
        b'{"events": []}',
        bytes(range(256)) * 4,
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mia\r\nEND:VCARD\r\n",
    ],
)
def test_anything_but_a_calendar_is_refused_with_a_message(data: bytes) -> None:
    with pytest.raises(FeedError) as caught:
        parse_busy(data, MARCH, MAY)
    assert str(caught.value) == ics_import.MSG_NOT_ICS


def test_a_byte_order_mark_and_an_empty_calendar_are_fine() -> None:
    assert parse_busy(b"\xef\xbb\xbf" + calendar(), MARCH, MAY) == []


def test_the_window_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_busy(GOOGLE, datetime(2026, 3, 1), MAY)  # noqa: DTZ001


def test_many_long_running_weekly_series_are_all_expanded() -> None:
    events = [
        f"UID:w{n}\r\nSUMMARY:Weekly {n}\r\nDTSTART:2015{1 + n % 12:02d}{1 + n % 28:02d}T{n % 24:02d}0000Z\r\n"
        f"DURATION:PT1H\r\nRRULE:FREQ=WEEKLY"
        for n in range(40)
    ]
    found = parse_busy(calendar(*events), utc(2026, 1, 5), utc(2026, 1, 5) + timedelta(weeks=10))
    assert len(found) == 40 * 10
    assert {event.title for event in found} == {f"Weekly {n}" for n in range(40)}


# ---- Versions of one event: only the newest SEQUENCE counts -------------------------------------


def test_an_export_that_keeps_older_versions_is_busy_only_as_the_newest_one_says() -> None:
    # A real export (recurring-ical-events, issue 148): version 2 of a fortnightly week-long event took
    # the week of 15 July out; version 1 still stands beside it in the file.
    data = (SAMPLES / "superseded_versions.ics").read_bytes()
    report = parse_busy_report(data, utc(2024, 6, 1), utc(2024, 9, 1))
    assert [(event.start.date().isoformat(), event.title) for event in report.events] == [
        ("2024-07-01", "test123 - edited"),
        ("2024-07-29", "test123 - edited"),
    ]
    assert not any(event.start <= utc(2024, 7, 16) < event.end for event in report.events)
    assert any("older version was left out" in problem for problem in report.problems)


def _calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(events) + "END:VCALENDAR\r\n").encode()


def _event(uid: str, start: str, end: str, *extra: str) -> str:
    lines = [f"UID:{uid}", f"DTSTART:{start}", f"DTEND:{end}", "SUMMARY:Rehearsal", *extra]
    return "BEGIN:VEVENT\r\n" + "".join(line + "\r\n" for line in lines) + "END:VEVENT\r\n"


def test_a_moved_occurrence_counts_in_its_newest_version_only() -> None:
    series = _event("r1", "20260302T180000Z", "20260302T200000Z", "RRULE:FREQ=WEEKLY;COUNT=3")
    moved_v1 = _event("r1", "20260309T190000Z", "20260309T210000Z", "RECURRENCE-ID:20260309T180000Z", "SEQUENCE:1")
    moved_v2 = _event("r1", "20260310T100000Z", "20260310T120000Z", "RECURRENCE-ID:20260309T180000Z", "SEQUENCE:2")
    events = parse_busy(_calendar(series, moved_v1, moved_v2), MARCH, MAY)
    assert [event.start for event in events] == [utc(2026, 3, 2, 18), utc(2026, 3, 10, 10), utc(2026, 3, 16, 18)]


def test_two_events_that_share_a_uid_and_a_sequence_are_both_kept() -> None:
    first = _event("same", "20260302T180000Z", "20260302T200000Z")
    second = _event("same", "20260305T180000Z", "20260305T200000Z")
    events = parse_busy(_calendar(first, second), MARCH, MAY)
    assert [event.start for event in events] == [utc(2026, 3, 2, 18), utc(2026, 3, 5, 18)]
