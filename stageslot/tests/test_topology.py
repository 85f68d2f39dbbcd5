"""Two web nodes behind nginx (bin/topology.py, docs/decisions/0065-two-nodes-behind-a-proxy.md): what a person
does on one node holds on the other (the session, the CSRF token, uploaded files, limits, a changed page, a
feed's ETag), the proxy's headers are trusted exactly as STAGESLOT_TRUSTED_PROXIES says, and a node restarted
or reloaded under load fails no request.

One topology for the module, on the test database (transactional tests: the rows a test makes are
committed, so the nodes see them), without a worker and beat. The test config of nginx names the node that
answered (X-Upstream) and has one port per node that goes to that node only.
"""

import html
import re
import statistics
import threading
import time
import urllib.request
from dataclasses import dataclass, field

import boto3
import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from requests.adapters import HTTPAdapter

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.images import png_upload
from bands.models import BandPhoto, Membership
from bands.services import band_update
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.models import BookingFile
from bookings.services.feeds import feed_create
from bookings.tests.test_files import PDF, _booking
from stageslot.tests.test_backups import database_url, load_script

topology_script = load_script("topology")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.services,
    pytest.mark.slow(reason="starts nginx, two gunicorn nodes and an S3 server once, and puts each under load"),
    pytest.mark.xdist_group("topology"),
    pytest.mark.django_db(transaction=True),
]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOO_MANY = "Too many failed login attempts"


@pytest.fixture(scope="module")
def topology(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    with django_db_blocker.unblock():
        url = database_url(connection.settings_dict["NAME"])
    site = topology_script.Topology(
        tmp_path_factory.mktemp("topology"),
        database_url=url,
        redis_url=settings.REDIS_URL,
        workers=False,
        for_tests=True,
        full_collectstatic=False,
    )
    try:
        site.start()
        seconds = site.seconds
        print(f"\ntopology up in {seconds['start']:.1f} s (nodes answered {seconds['nodes']:.1f} s after their start)")
        yield site
    finally:
        site.stop(quick=True)
        print("\ntopology stopped: " + ", ".join(f"{k} {v:.1f} s" for k, v in site.seconds.items() if "stop" in k))


# --- A person with a browser ----------------------------------------------------------------------------
class FromAddress(HTTPAdapter):
    """Connections from one loopback address of this machine (127.0.0.0/8 is all ours): another visitor."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def browser(site, *, address: str | None = None) -> requests.Session:
    session = site.https()
    if address:
        session.mount("https://", FromAddress(address))
    return session


def node_of(site, response: requests.Response) -> str:
    """Which node answered, from the test config's X-Upstream header."""
    port = int(response.headers["X-Upstream"].rsplit(":", 1)[1])
    return next(name for name, node in site.nodes.items() if node.port == port)


def post(session, base: str, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """A form sent as a browser sends it over HTTPS: with its origin, and the CSRF token of the page it is
    on (GET `token_from`, or `path`, first)."""
    page = session.get(base + (token_from or path))
    assert page.status_code == 200, (page.status_code, page.url)
    data = {"csrfmiddlewaretoken": CSRF.search(page.text)[1], **data}
    return session.post(
        base + path, data=data, headers={"Origin": base, "Referer": base + path}, allow_redirects=False, **kwargs
    )


def person(**fields) -> User:
    """A user whose password the production nodes can check (the test settings hash with MD5, which
    production does not take); few PBKDF2 rounds, so that signing in stays quick."""
    user = UserFactory(**fields)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "topologysalt", iterations=1000)
    user.save(update_fields=["password"])
    return user


def sign_in(session, base: str, user: User, password: str = PASSWORD) -> requests.Response:
    return post(session, base, "/accounts/login/", {"login": user.email, "password": password})


# --- What holds across the nodes -----------------------------------------------------------------------
def test_signed_in_on_one_node_a_person_goes_on_on_the_other(topology):
    user = person(display_name="Robin Twonodes")
    first, other = topology.node_url("node1"), topology.node_url("node2")
    session = browser(topology)
    signed_in = sign_in(session, first, user)
    assert signed_in.status_code == 302 and node_of(topology, signed_in) == "node1"
    assert all(cookie.secure for cookie in session.cookies)  # set over HTTPS, as the proxy said

    dashboard = session.get(other + "/dashboard/", allow_redirects=False)
    assert dashboard.status_code == 200 and node_of(topology, dashboard) == "node2"
    assert "Robin Twonodes" in html.unescape(dashboard.text)
    # A form node2 drew, sent to node1: the session and the CSRF token hold on both.
    token = CSRF.search(dashboard.text)[1]
    out = session.post(
        first + "/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        headers={"Origin": first, "Referer": first + "/dashboard/"},
        allow_redirects=False,
    )
    assert out.status_code == 302
    assert session.get(other + "/dashboard/", allow_redirects=False).status_code == 302  # to the sign-in page


def test_a_band_photo_uploaded_through_one_node_shows_through_the_other(topology):
    band = BandFactory(name="The Two Nodes", slug="the-two-nodes")
    leader = person()
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    first, other = topology.node_url("node1"), topology.node_url("node2")
    session = browser(topology)
    assert sign_in(session, first, leader).status_code == 302
    photo = png_upload((640, 480))
    added = post(
        session,
        first,
        f"/bands/{band.slug}/manage/photos/",
        {"caption": "Live on two nodes"},
        files={"image": (photo.name, photo.read(), "image/png")},
    )
    assert added.status_code == 302, added.text[-2000:]
    stored = BandPhoto.objects.get(band=band)

    page = browser(topology).get(other + f"/bands/{band.slug}/")
    assert page.status_code == 200 and node_of(topology, page) == "node2"
    bucket = topology.s3["media_bucket"]
    address = f"{topology.s3['endpoint_url']}/{bucket}/{stored.image.name}"
    assert address in page.text
    with urllib.request.urlopen(address) as picture:  # noqa: S310 (the test's own bucket server)
        assert picture.status == 200 and picture.read()[8:12] == b"WEBP"
    for node in topology.nodes.values():  # nothing on either node's own disk
        assert not [p for p in node.media_root.rglob("*") if p.is_file()]


def test_a_booking_file_shared_on_one_node_is_downloaded_through_the_other(topology):
    party, booking = _booking()
    for user in (party.leader, party.client):
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, "topologysalt", iterations=1000)
        user.save(update_fields=["password"])
    first, other = topology.node_url("node1"), topology.node_url("node2")
    band_side = browser(topology)
    assert sign_in(band_side, first, party.leader).status_code == 302
    shared = post(
        band_side,
        first,
        f"/bookings/{booking.uid}/files/",
        {"title": "Rider", "kind": "rider"},
        files={"file": ("rider.pdf", PDF, "application/pdf")},
    )
    assert shared.status_code == 302, shared.text[-2000:]
    row = BookingFile.objects.get(booking=booking)

    client_side = browser(topology)
    assert sign_in(client_side, other, party.client).status_code == 302
    download = client_side.get(other + f"/bookings/{booking.uid}/files/{row.pk}/")
    assert download.status_code == 200 and node_of(topology, download) == "node2"
    assert download.content == PDF
    # In the private bucket, which nobody reads without the keys.
    s3 = topology.s3
    bucket = boto3.client(
        "s3",
        endpoint_url=s3["endpoint_url"],
        region_name=s3["region"],
        aws_access_key_id=s3["access_key"],
        aws_secret_access_key=s3["secret_key"],
    )
    try:
        assert bucket.get_object(Bucket=s3["booking_files_bucket"], Key=row.file.name)["Body"].read() == PDF
    finally:
        bucket.close()
    anonymous = requests.get(f"{s3['endpoint_url']}/{s3['booking_files_bucket']}/{row.file.name}", timeout=5)
    assert anonymous.status_code == 403
    stranger = browser(topology).get(other + f"/bookings/{booking.uid}/files/{row.pk}/", allow_redirects=False)
    assert stranger.status_code == 302 and stranger.headers["Location"].startswith("/accounts/login/")
    for node in topology.nodes.values():
        assert not [p for p in node.directory.joinpath("booking-files").rglob("*") if p.is_file()]


def test_failed_sign_ins_count_across_both_nodes(topology):
    """allauth's login_failed limit, 5 in 5 minutes per account, counted in Redis: nginx hands the tries to
    one node and the other in turn (round robin), and the sixth is refused wherever it lands. Through the
    proxy's one address: allauth keys the account's count on the site's host, which is one host there."""
    user = person()
    session = browser(topology, address="127.0.0.4")
    base = topology.url
    token = CSRF.search(session.get(base + "/accounts/login/").text)[1]
    headers = {"Origin": base, "Referer": base + "/accounts/login/"}

    def attempt(password: str) -> requests.Response:
        data = {"csrfmiddlewaretoken": token, "login": user.email, "password": password}
        return session.post(base + "/accounts/login/", data=data, headers=headers, allow_redirects=False)

    answered_by = set()
    for _ in range(5):
        wrong = attempt("not-the-password")
        assert wrong.status_code == 200 and TOO_MANY not in html.unescape(wrong.text)
        answered_by.add(node_of(topology, wrong))
    assert answered_by == {"node1", "node2"}
    refused = attempt(PASSWORD)  # the right password, but the sixth try
    assert refused.status_code == 200 and TOO_MANY in html.unescape(refused.text)


def test_the_client_address_is_the_one_nginx_saw_never_what_the_client_claims(topology):
    guessed, user = [person(), person()], person()
    spoofer = browser(topology, address="127.0.0.5")
    for n in range(10):  # login_failed: 10 a minute per address; each try claims another address
        spoofer.headers["X-Forwarded-For"] = f"203.0.113.{n + 1}"
        # Wrong passwords for accounts that exist (for one that does not, Django hashes anyway: slow).
        wrong = post(spoofer, topology.url, "/accounts/login/", {"login": guessed[n % 2].email, "password": "x"})
        assert wrong.status_code == 200 and TOO_MANY not in wrong.text
    spoofer.headers["X-Forwarded-For"] = "203.0.113.99"
    refused = sign_in(spoofer, topology.url, user)
    assert TOO_MANY in html.unescape(refused.text)
    # Another address is another visitor (not everyone behind nginx's own address), over HTTPS as seen.
    neighbour = browser(topology, address="127.0.0.6")
    welcome = sign_in(neighbour, topology.url, user)
    assert welcome.status_code == 302 and welcome.headers["Location"] == "/dashboard/"
    assert "Secure" in welcome.headers["Set-Cookie"]
    home = neighbour.get(topology.url + "/", allow_redirects=False)
    assert home.status_code == 200  # https seen: no redirect to itself
    # Straight to a node without the proxy's X-Forwarded-Proto: plain HTTP, sent to HTTPS.
    direct = requests.get(topology.nodes["node1"].url + "/", allow_redirects=False, timeout=5)
    assert direct.status_code == 301 and direct.headers["Location"].startswith("https://")


def test_a_band_page_changed_is_seen_at_once_through_both_nodes(topology):
    band = BandFactory(name="The Kept Pages", slug="the-kept-pages", bio="First words.")
    leader = person()
    MembershipFactory(band=band, user=leader, role=Membership.Role.LEADER)
    nodes = [topology.node_url("node1"), topology.node_url("node2")]
    visitor = browser(topology)
    for _ in range(2):  # each node keeps the page drawn for first visits, and its fragments
        for base in nodes:
            visitor.cookies.clear()
            assert "First words." in visitor.get(base + f"/bands/{band.slug}/").text
    band_update(band=band, by=leader, bio="Changed words.")
    for base in nodes:
        visitor.cookies.clear()
        page = visitor.get(base + f"/bands/{band.slug}/").text
        assert "Changed words." in page and "First words." not in page


def test_a_calendar_feed_has_the_same_etag_from_both_nodes(topology):
    party, _booked = _booking()
    feed = feed_create(by=party.leader, scope="band", band=party.band)
    first, other = (topology.node_url(n) + f"/feeds/{feed.token}.ics" for n in ("node1", "node2"))
    session = browser(topology)
    one, two = session.get(first), session.get(other)
    assert one.status_code == two.status_code == 200
    assert one.headers["ETag"] == two.headers["ETag"] and one.content == two.content
    assert "BEGIN:VEVENT" in one.text
    again = session.get(other, headers={"If-None-Match": one.headers["ETag"]})
    assert again.status_code == 304


# --- Restarts under load -------------------------------------------------------------------------------
@dataclass
class Load:
    """Requests through the proxy from several threads: each thread a visitor of its own."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    posts: int = 0
    resent: int = 0
    nodes: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, began: float, failure: str | None, node: str | None = None, post: bool = False) -> None:
        with self.lock:
            self.latencies.append(time.perf_counter() - began)
            if failure:
                self.failures.append(failure)
            if node:
                self.nodes[node] = self.nodes.get(node, 0) + 1
            self.posts += post

    def summary(self, what: str) -> str:
        times = sorted(self.latencies)
        cuts = statistics.quantiles(times, n=100)
        return (
            f"{what}: {len(times)} requests ({self.posts} POST), {len(self.failures)} failed, {self.resent} sent again "
            f"on a new connection after nginx closed an idle one, by node {self.nodes}; "
            f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms, "
            f"max {times[-1] * 1000:.0f} ms"
        )


def closed_unanswered(error: requests.RequestException) -> bool:
    """A kept-alive connection to nginx closed before any answer: nginx's reload (a drain in a rolling
    restart) closes its idle client connections, and a request sent on one at that moment was never read.
    A browser sends it again on a new connection (RFC 9112 section 9.3.1), and so does the load, once."""
    # Closed with or without a reset, depending on whether the request had reached nginx's side: the same race.
    # Only nginx's own connections can end so: a node that fails answers 502 through nginx, counted as failed.
    closed = ("RemoteDisconnected", "ConnectionResetError", "BrokenPipeError")
    return isinstance(error, requests.ConnectionError) and any(name in repr(error) for name in closed)


def load_during(site, action, *, readers: int = 4, writers: int = 2, settle: float = 1.0) -> Load:
    """Run `action()` while `readers` threads GET pages and `writers` signed-in threads GET their dashboard
    and POST a form, all through the proxy; `settle` seconds of load before and after it.

    The writers sign in before the load starts, and the action waits for each writer's first POST: on a busy
    machine a writer still signing in when the action ends would leave the action without POSTs to judge
    (and a failed sign-in inside a thread would go unseen)."""
    band = BandFactory(slug="under-load")
    sessions = []
    for user in [person() for _ in range(writers)]:
        session = browser(site)
        assert sign_in(session, site.url, user).status_code == 302
        token = CSRF.search(session.get(site.url + "/dashboard/").text)[1]
        sessions.append((session, token))
    load, done = Load(), threading.Event()
    posting = threading.Barrier(writers + 1)
    pages = ["/", "/accounts/login/", f"/bands/{band.slug}/", "/health/"]

    def request(session, method: str, path: str, **kwargs) -> None:
        began = time.perf_counter()
        for attempt in (1, 2):
            try:
                answer = session.request(method, site.url + path, allow_redirects=False, timeout=30, **kwargs)
                break
            except requests.RequestException as error:
                if attempt == 1 and closed_unanswered(error):
                    with load.lock:
                        load.resent += 1
                    continue
                load.record(began, f"{method} {path}: {error.__class__.__name__}: {error}"[:300])
                return
        bad = answer.status_code >= 400
        load.record(
            began,
            f"{method} {path}: {answer.status_code}" if bad else None,
            answer.headers.get("X-Upstream"),
            post=method == "POST",
        )

    def reader(n: int) -> None:
        session = browser(site)
        while not done.is_set():
            session.cookies.clear()
            request(session, "GET", pages[n % len(pages)])
            n += 1

    def writer(session: requests.Session, token: str) -> None:
        headers = {"Origin": site.url, "Referer": site.url + "/notifications/"}
        first = True
        while not done.is_set():
            request(session, "GET", "/dashboard/")
            request(session, "POST", "/notifications/read-all/", data={"csrfmiddlewaretoken": token}, headers=headers)
            if first:
                first = False
                posting.wait(timeout=60)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    threads += [threading.Thread(target=writer, args=pair) for pair in sessions]
    for thread in threads:
        thread.start()
    try:
        posting.wait(timeout=60)  # every writer has posted once
        time.sleep(settle)
        action()
        time.sleep(settle)
    finally:
        done.set()
        for thread in threads:
            thread.join()
    return load


def test_a_rolling_restart_of_one_node_under_load_fails_no_request(topology):
    old = topology.nodes["node1"].pid
    load = load_during(topology, lambda: topology.restart("node1"))
    print("\n" + load.summary("rolling restart of node1"))
    assert topology.nodes["node1"].pid != old
    assert load.failures == [], load.failures
    assert load.posts > 10
    assert set(load.nodes) == {f"127.0.0.1:{n.port}" for n in topology.nodes.values()}


def test_a_graceful_reload_of_one_node_under_load_fails_no_request(topology):
    log = topology.nodes["node2"].log

    def reload() -> None:
        booted = log.read_text().count("Booting worker")
        topology.reload("node2")
        deadline = time.monotonic() + 30
        while log.read_text().count("Booting worker") < booted + topology.web_concurrency:
            assert time.monotonic() < deadline, "node2's new workers did not boot"
            time.sleep(0.1)
        time.sleep(2.5)  # the old workers finish and go

    load = load_during(topology, reload)
    print("\n" + load.summary("graceful reload (HUP) of node2"))
    assert load.failures == [], load.failures
    assert load.posts > 10
