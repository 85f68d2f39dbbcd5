"""Do a graceful reload (HUP) and a rolling restart of a web node stall the site? Two nodes behind nginx
(bin/topology.py), a steady load through the proxy – visitors drawing the band page, its availability
fragment, the search, the home and sign-in pages and /health/, and signed-in people drawing their dashboard
and sending a form – and, under it, node2 reloaded (HUP), then node1 restarted one node at a time as the
README says. After each, the same change where no request waits on it (the reload of a third node nginx does
not send to; the restart with node1 kept out until the load ended): what the change costs the machine alone.
Prints, for each, the requests sent, how many failed, p50/p99/max and the slowest requests
(docs/decisions/0087-reloads-that-never-stall.md).

    python benchmarks/reload.py [--dir DIR] [--rate 20] [--settle 3]

Without --dir it starts a topology of its own (a new database, migrated; about a minute) and stops it at
the end; with --dir it uses the one `bin/topology.py up --dir DIR` started, and leaves it running. Its
people and band are made in the topology's database. stageslot/tests/test_topology.py runs the same load.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Load:
    """What the load saw: each request's seconds, the failures, and which node answered how often; the
    slowest requests with what they asked, who answered and when they began, from the action's start."""

    latencies: list[float] = field(default_factory=list)
    requests: list[tuple[float, float, str, str]] = field(default_factory=list)
    action_began: float = 0.0
    failures: list[str] = field(default_factory=list)
    # Requests answered by a worker or thread not yet readied (X-StageSlot-Ready: 0; stageslot/readiness.py).
    unready: list[str] = field(default_factory=list)
    readied: int = 0  # answers that said their worker and thread were readied (X-StageSlot-Ready: 1)
    posts: int = 0
    resent: int = 0
    nodes: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self,
        began: float,
        failure: str | None,
        node: str | None = None,
        post: bool = False,
        what: str = "",
        ready: str | None = None,
    ) -> None:
        with self.lock:
            if ready == "0":
                self.unready.append(f"{what} on {node}")
            self.readied += ready == "1"
            self.latencies.append(time.perf_counter() - began)
            self.requests.append((self.latencies[-1], began, what, node or "no node"))
            if failure:
                self.failures.append(failure)
            if node:
                self.nodes[node] = self.nodes.get(node, 0) + 1
            self.posts += post

    def percentile(self, n: int) -> float:
        """The n-th percentile of the requests' seconds."""
        return statistics.quantiles(sorted(self.latencies), n=100)[n - 1]

    def summary(self, what: str) -> str:
        times = sorted(self.latencies)
        return (
            f"{what}: {len(times)} requests ({self.posts} POST), {len(self.failures)} failed, "
            f"{len(self.unready)} answered by a worker not readied, {self.resent} sent again "
            f"on a new connection after nginx closed an idle one, by node {self.nodes}; "
            f"p50 {self.percentile(50) * 1000:.0f} ms, p99 {self.percentile(99) * 1000:.0f} ms, "
            f"max {times[-1] * 1000:.0f} ms; slowest: {self.slowest()}"
        )

    def slowest(self, count: int = 3) -> str:
        """The `count` slowest requests: seconds, what, the node, and when each began (from the action's start)."""
        return ", ".join(
            f"{seconds * 1000:.0f} ms {what} on {node} at {began - self.action_began:+.1f} s"
            for seconds, began, what, node in sorted(self.requests, reverse=True)[:count]
        )


def closed_unanswered(error: requests.RequestException) -> bool:
    """A kept-alive connection to nginx closed before any answer: nginx's reload (a drain in a rolling
    restart) closes its idle client connections, and a request sent on one at that moment was never read.
    A browser sends it again on a new connection (RFC 9112 section 9.3.1), and so does the load, once."""
    # Closed with or without a reset, depending on whether the request had reached nginx's side: the same race.
    # Only nginx's own connections can end so: a node that fails answers 502 through nginx, counted as failed.
    closed = ("RemoteDisconnected", "ConnectionResetError", "BrokenPipeError")
    return isinstance(error, requests.ConnectionError) and any(name in repr(error) for name in closed)


def steady_load(site, action, *, writers: list, band: str, rate: float = 20.0, settle: float = 1.0) -> Load:
    """Run `action()` under `rate` requests a second through the proxy, `settle` seconds of it before and
    after: four visitors' threads GET the busiest pages of the band `band` and the site, and each of
    `writers` – (a signed-in session, its CSRF token) – GETs its dashboard and POSTs a form. Each thread
    keeps its share of the rate (a thread that fell behind sends at once, never in a burst).

    The action waits for each writer's first POST: on a busy machine a writer still starting when the
    action ends would leave the action without POSTs to judge."""
    load, done = Load(), threading.Event()
    posting = threading.Barrier(len(writers) + 1)
    pages = [f"/bands/{band}/", "/", f"/bands/{band}/availability/", "/accounts/login/", "/bands/?q=band", "/health/"]
    readers = 4
    interval = (readers + 2 * len(writers)) / rate  # a turn's share of the rate: a writer's is a GET and a POST

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
                load.record(
                    began, f"{method} {path}: {error.__class__.__name__}: {error}"[:300], what=f"{method} {path}"
                )
                return
        bad = answer.status_code >= 400
        load.record(
            began,
            f"{method} {path}: {answer.status_code}" if bad else None,
            answer.headers.get("X-Upstream"),
            post=method == "POST",
            what=f"{method} {path}",
            ready=answer.headers.get("X-StageSlot-Ready"),
        )

    def paced(turn) -> None:
        due = time.perf_counter()
        while not done.is_set():
            turn()
            due = max(due + interval, time.perf_counter() - interval)
            done.wait(max(0.0, due - time.perf_counter()))

    def reader(n: int) -> None:
        session = site.https()

        def turn() -> None:
            nonlocal n
            session.cookies.clear()
            request(session, "GET", pages[n % len(pages)])
            n += readers

        paced(turn)

    def writer(session: requests.Session, token: str) -> None:
        headers = {"Origin": site.url, "Referer": site.url + "/notifications/"}
        posted = False

        def turn() -> None:
            nonlocal posted
            request(session, "GET", "/dashboard/")
            request(session, "POST", "/notifications/read-all/", data={"csrfmiddlewaretoken": token}, headers=headers)
            if not posted:
                posted = True
                posting.wait(timeout=60)

        paced(turn)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    threads += [threading.Thread(target=writer, args=pair) for pair in writers]
    for thread in threads:
        thread.start()
    try:
        posting.wait(timeout=60)  # every writer has posted once
        done.wait(settle)
        load.action_began = time.perf_counter()
        action()
        done.wait(settle)
    finally:
        done.set()
        for thread in threads:
            thread.join()
    return load


def signed_in(site, email: str, password: str) -> tuple[requests.Session, str]:
    """A session signed in through the proxy as a browser does, and the CSRF token of its dashboard."""
    session = site.https()
    page = session.get(site.url + "/accounts/login/")
    data = {"csrfmiddlewaretoken": CSRF.search(page.text)[1], "login": email, "password": password}
    headers = {"Origin": site.url, "Referer": site.url + "/accounts/login/"}
    answer = session.post(site.url + "/accounts/login/", data=data, headers=headers, allow_redirects=False)
    if answer.status_code != 302:
        raise RuntimeError(f"signing in as {email} answered {answer.status_code}")
    return session, CSRF.search(session.get(site.url + "/dashboard/").text)[1]


def reloaded(site, node: str, *, timeout: float = 60) -> None:
    """HUP to `node`'s gunicorn, and wait until its old workers are gone and as many new ones run."""
    log = site.node(node).log
    booted = log.read_text().count("Booting worker")
    site.reload(node)
    deadline = time.monotonic() + timeout
    while log.read_text().count("Booting worker") < booted + site.web_concurrency:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{node}'s new workers did not boot: see {log}")
        time.sleep(0.1)
    while _workers(site.node(node).pid) > site.web_concurrency:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{node}'s old workers did not go: see {log}")
        time.sleep(0.1)


def _workers(master: int) -> int:
    """How many processes `master` has (its workers, old and new)."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                count += 1
        except (OSError, IndexError, ValueError):
            continue
    return count


PEOPLE_MADE = """
import json, secrets, sys
import django

django.setup()
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.tests.factories import UserFactory
from bands.tests.factories import BandFactory

stamp = secrets.token_hex(3)
band = BandFactory(name=f"The Steady Band {stamp}", slug=f"steady-band-{stamp}")
password = secrets.token_urlsafe(12)
people = []
for n in range(int(sys.argv[1])):
    # Few PBKDF2 rounds: signing in stays quick; production checks them all the same.
    user = UserFactory(email=f"steady-{stamp}-{n}@example.com")
    user.password = PBKDF2PasswordHasher().encode(password, secrets.token_hex(8), iterations=1000)
    user.save(update_fields=["password"])
    people.append((user.email, password))
print(json.dumps({"band": band.slug, "people": people}))
"""


def people_made(site, count: int) -> tuple[str, list[tuple[str, str]]]:
    """A band and `count` people who can sign in, made in the topology's database by a process with the site's
    own settings (this one's may be another's: importing the project configures them): the band's slug and each
    person's email and password."""
    made = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PEOPLE_MADE, str(count)],
        cwd=ROOT,
        env=site.env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if made.returncode:
        raise RuntimeError(f"making the people failed:\n{made.stderr[-3000:]}")
    answer = json.loads(made.stdout.strip().splitlines()[-1])
    return answer["band"], [tuple(pair) for pair in answer["people"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=None, help="a topology that `bin/topology.py up` started")
    parser.add_argument("--rate", type=float, default=20.0, help="requests a second through the proxy")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds of load before and after each")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "bin")]
    import topology as topologies

    if args.dir:
        site, ours = topologies.Topology.from_state(args.dir), False
    else:
        site, ours = topologies.Topology(workers=False, for_tests=True, full_collectstatic=False), True
        print(f"Starting a topology in {site.directory} …", flush=True)
        site.start()
    try:
        band, people = people_made(site, 2)
        writers = [signed_in(site, email, password) for email, password in people]
        with site.shadow() as shadow:
            # Each change, then the same change where no request waits on it: what the change costs the machine.
            for what, action, after in (
                ("graceful reload (HUP) of node2", lambda: reloaded(site, "node2"), None),
                ("the same reload of a node nginx does not send to", lambda: reloaded(site, shadow.name), None),
                ("rolling restart of node1", lambda: site.restart("node1"), None),
                (
                    "the same restart, node1 kept out of nginx until the load ended",
                    lambda: site.restart("node1", rejoin=False),
                    lambda: site.rejoin("node1"),
                ),
            ):
                load = steady_load(site, action, writers=writers, band=band, rate=args.rate, settle=args.settle)
                if after is not None:
                    after()
                print(load.summary(what), flush=True)
                for failure in load.failures[:5]:
                    print(f"  {failure}")
    finally:
        if ours:
            site.stop(quick=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
