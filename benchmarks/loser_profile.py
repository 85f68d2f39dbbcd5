"""One loser of a decided accept race, through the WSGI application as gunicorn loads it: CPU and queries.

Usage:
    .venv/bin/python benchmarks/loser_profile.py [--runs 300] [--pending 200] [--top 25] [--sort tottime]
        [--only PATTERN] [--path /health/] [--kind both|htmx|page]
    DATABASE_URL=postgres://postgres@127.0.0.1/any .venv/bin/python benchmarks/loser_profile.py
        [--database-name stageslot_bench_loser]

Builds the benchmark's contended band (benchmarks/booking.py: contention_world, overlapping_bookings)
with --pending overlapping pending bookings, accepts one of them, then POSTs accepts of the others
the way benchmarks/booking.py --http does (every other one with HX-Request, the session and CSRF
cookies, no body) straight into stageslot.wsgi.application, no test client in between. The losers
find the band booked and their bookings still pending (the worker declines them later). Prints the
first losers' CPU and queries, the warm losers' mean CPU, the floor (a POST to /health/, refused
with a 405 after the same middleware, session and user), the loser's steps one by one, then a
cProfile in CPU time of --runs warm losers (or of POSTs to --path): the top --top functions by
--sort, only those whose file matches --only if given.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402

CSRF_SECRET = "benchmarkbenchmarkbenchmarkbench"  # noqa: S105 (as benchmarks/booking.py sends it)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300, help="warm losers profiled")
    parser.add_argument("--pending", type=int, default=200, help="overlapping pending bookings of the band")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    parser.add_argument("--path", default="", help="profile POSTs to this path instead (e.g. /health/)")
    parser.add_argument("--only", default="", help="only functions whose file matches this pattern")
    parser.add_argument("--kind", choices=("both", "htmx", "page"), default="both", help="losers profiled")
    parser.add_argument("--database-name", default="stageslot_bench_loser")
    return parser.parse_args()


def pieces(world, losers: list, factory, runs: int) -> None:
    """The loser's steps one by one, warm, each `runs` times: CPU ms per call."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user_model

    # The site's own store (SESSION_ENGINE), as a request loads it: not Django's database store.
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

    from bookings.pages import render_conflict

    try:
        from bookings.selectors.bookings import booking_for_action
    except ImportError:  # an older checkout, to compare: the action read through the ORM
        from bookings.selectors.bookings import booking_for_viewer

        def booking_for_action(*, uid, user):
            return booking_for_viewer(uid=uid, user=user, related=("band",))

    from bookings.errors import BookingConflict
    from bookings.services.answering import booking_accept

    user = get_user_model().objects.get(pk=world.leader.pk)

    def timed(name: str, step) -> None:
        step(0)
        started = time.process_time()
        for i in range(runs):
            step(i)
        print(f"  {name:<44}{(time.process_time() - started) / runs * 1000:>7.2f} ms")

    def refused(i: int) -> str:
        booking = booking_for_action(uid=losers[i % len(losers)].uid, user=user)
        try:
            booking_accept(booking=booking, by=user)
        except BookingConflict as exc:
            return str(exc)
        raise AssertionError("not a loser")

    booking = booking_for_action(uid=losers[0].uid, user=user)
    error = refused(0)
    plain, htmx = factory.post("/"), factory.post("/", headers={"HX-Request": "true"})
    for request in (plain, htmx):
        request.user = user
        from django_htmx.middleware import HtmxDetails

        request.htmx = HtmxDetails(request)
    print("the loser's steps (CPU per call, warm):")
    timed("session load", lambda i: SessionStore(world.session).load())
    timed("user load", lambda i: get_user_model().objects.get(pk=user.pk))
    timed("booking_for_action", lambda i: booking_for_action(uid=losers[i % len(losers)].uid, user=user))
    timed("booking_for_action + booking_accept refused", refused)
    timed("render_conflict htmx", lambda i: render_conflict(htmx, booking, error=error))
    timed("render_conflict page", lambda i: render_conflict(plain, booking, error=error))


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(args.database_name, "stageslot-bench-loser.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    os.environ["STAGESLOT_TEST_EAGER"] = "false"
    import django

    django.setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)
    import booking as booking_bench
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import RequestFactory

    from stageslot.celery_app import app as celery_app

    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://localhost/"
    try:
        call_command("migrate", verbosity=0)
        world = booking_bench.contention_world()
        bookings = booking_bench.overlapping_bookings(
            band=world.band, venue=world.venue, owner=world.owner, client=world.client, day=200, count=args.pending
        )
        cookie = f"{settings.SESSION_COOKIE_NAME}={world.session}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"
        factory = RequestFactory()
        from stageslot.wsgi import application  # as gunicorn loads it

        def post(index: int, path: str = "") -> tuple[int, int, bytes]:
            """(status, queries, body) of an accept of bookings[index % len] (or a POST to `path`); every
            other one HTMX."""
            headers = {"HTTP_COOKIE": cookie, "HTTP_X_CSRFTOKEN": CSRF_SECRET, "SERVER_NAME": "127.0.0.1"}
            if index % 2:
                headers["HTTP_HX_REQUEST"] = "true"
            path = path or f"/bookings/{bookings[index % len(bookings)].uid}/accept/"
            # As the benchmark's client sends it: no body, no content type (nothing for Django to parse).
            environ = factory.generic("POST", path, content_type="", **headers).environ
            answer: list[str] = []
            counter = search_bench.QueryCounter()
            with connection.execute_wrapper(counter):
                body = b"".join(application(environ, lambda status, _headers: answer.append(status)))
            return int(answer[0].split()[0]), counter.count, body

        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"database: {connection.vendor} ({where}); {args.pending} pending; load average {load}")
        status, queries, _ = post(0)
        print(f"winner: {status}, {queries} queries")
        started = time.process_time()
        status, queries, body = post(1)
        print(f"first loser in this process (htmx): {status}, {queries} queries, "
              f"{(time.process_time() - started) * 1000:.1f} ms CPU")  # fmt: skip
        status, queries, body = post(2)
        print(f"first page loser: {status}, {queries} queries, {len(body)} bytes")
        for i in range(3, 23):  # warm every path
            post(i)
        for kind, offset in (("plain", 1), ("htmx", 0)):
            runs = [post(3 + 2 * i + offset) for i in range(20)]
            status = {r[0] for r in runs}
            print(f"  {kind}: status {status}, queries {sorted({r[1] for r in runs})}, {len(runs[0][2])} bytes")
        started = time.process_time()
        for i in range(args.runs):
            post(3 + i)
        cpu = (time.process_time() - started) / args.runs
        print(f"warm losers: {cpu * 1000:.2f} ms CPU each (mean of {args.runs}, half htmx)")
        for kind, offset in (("htmx (259 bytes into the alert)", 0), ("page (no JavaScript)", 1)):
            started = time.process_time()
            for i in range(args.runs // 2):
                post(3 + 2 * i + offset)
            cpu = (time.process_time() - started) / (args.runs // 2)
            print(f"  warm losers, {kind}: {cpu * 1000:.2f} ms CPU each")
        started = time.process_time()
        for i in range(args.runs):
            post(i, "/health/")
        cpu = (time.process_time() - started) / args.runs
        print(f"the floor, a POST to /health/ (405) through the same stack: {cpu * 1000:.2f} ms CPU each")
        pieces(world, bookings[1:], factory, args.runs)
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits on the database
        step, first = {"both": (1, 3), "htmx": (2, 3), "page": (2, 4)}[args.kind]  # odd indices are htmx
        profiler.enable()
        for i in range(args.runs):
            post(first + step * i, args.path)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(args.sort).print_stats(*([args.only] if args.only else []), args.top)
        print(out.getvalue())
    finally:
        connections.close_all()
        if maintenance_url:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)


if __name__ == "__main__":
    main()
