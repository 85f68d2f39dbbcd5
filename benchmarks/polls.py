"""What the polls of an open tab cost when nothing changed: the bell (every 15 s), a booking's thread
(every 5 s) and its live status (every 15 s), answered from their change stamps, against the same
polls without a stamp (the count or the query they make), in CPU time of this process.

Usage: .venv/bin/python benchmarks/polls.py [--runs 500]
Uses DATABASE_URL when set (an empty database), else a throwaway SQLite file, migrated afresh. DEBUG is off.
Each poll is asked --runs times through Django's test client after a warm-up; prints the p50/p95 CPU
ms and the queries of one request; the first row is the floor every signed-in request pays (its
middleware, session and user: the bell refuses HEAD before any work of its own).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
if not os.environ.get("DATABASE_URL"):
    _file = Path(tempfile.gettempdir()) / "stageslot-bench-polls.sqlite3"
    _file.unlink(missing_ok=True)  # a fresh world each run
    os.environ["DATABASE_URL"] = f"sqlite:///{_file}"

import django  # noqa: E402

django.setup()

from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

HTMX = {"HTTP_HX_REQUEST": "true"}


def cpu_ms(client: Client, url: str, params: dict, runs: int, method: str = "get") -> tuple[float, float, int, int]:
    """(p50, p95 CPU ms, status, queries) of `runs` requests after 20 to warm up."""
    ask = getattr(client, method)
    for _ in range(20):
        ask(url, params, **HTMX)
    timings = []
    for _ in range(runs):
        started = time.process_time()
        response = ask(url, params, **HTMX)
        timings.append((time.process_time() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        ask(url, params, **HTMX)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95)], response.status_code, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)

    from accounts.services import notifications_create
    from bookings.pages import status_poll_url
    from bookings.services.threads import message_post
    from bookings.tests.test_detail_views import make_world

    # Without Redis a stamp lives a minute in this process's memory; a page follows the new one its
    # next answer brings, which these fixed polls do not: keep them while the runs last.
    caches["stamps"].default_timeout = None
    world = make_world(suffix=f"-{os.getpid()}")
    notifications_create(recipients=[world.client], kind="message", text="Hello", key=f"bench:{os.getpid()}")
    last = message_post(booking=world.request, by=world.leader, body="First dance at nine?")
    client = Client()
    client.force_login(world.client)

    bell = reverse("notifications:bell")
    seen = client.get(bell, **HTMX).content.decode().split('name="seen" value="')[1].split('"')[0]
    page = client.get(reverse("bookings:detail", args=[world.request.uid])).content.decode()
    thread_stamp = page.split('id="thread-stamp"')[1].split('value="')[1].split('"')[0]
    thread = reverse("bookings:thread", args=[world.request.uid])
    status = status_poll_url(world.request)
    status_path, status_query = status.split("?")
    status_params = dict(pair.split("=") for pair in status_query.split("&"))
    polls = [
        ("floor: the bell asked with HEAD (405)", bell, {}, "head"),
        ("bell, unchanged, stamp", bell, {"seen": seen}),
        ("bell, unchanged, count only (before)", bell, {"seen": seen.split(":")[0]}),
        ("thread, unchanged, stamp", thread, {"after": last.pk, "stamp": thread_stamp}),
        ("thread, unchanged, no stamp (before)", thread, {"after": last.pk}),
        ("status, unchanged, stamp", status_path, status_params),
        ("status, unchanged, no stamp (before)", status_path, {k: v for k, v in status_params.items() if k != "stamp"}),
    ]
    print(f"{'poll':40} {'p50 ms':>8} {'p95 ms':>8} {'status':>7} {'queries':>8}")
    for name, url, params, *method in polls:
        p50, p95, code, queries = cpu_ms(client, url, params, args.runs, *method)
        print(f"{name:40} {p50:8.3f} {p95:8.3f} {code:7d} {queries:8d}")


if __name__ == "__main__":
    main()
