"""The floor of every request: what the middleware and the context processors cost before a view does
anything, and the cheapest pages on top of it.

Usage:
    .venv/bin/python benchmarks/floor.py [--runs 300] [--reuse] [--json FILE] [--compare FILE]

Uses DATABASE_URL when set (its server, a database of its own: stageslot_bench_floor), else a
throwaway SQLite file; DEBUG is off. Loads the demo world (`seed_demo`). The database stays after the
run, so that --reuse can measure again on the one a previous run seeded. Every figure is CPU time of
this process (time.process_time) per request through Django's test client and the whole middleware
stack, after a warm-up; p50 and p95 over --runs requests, and the SQL statements one request makes.

1. A view that does nothing (registered by this script only), signed out and signed in (the demo band
   leader), and a page that draws only the base layout.
2. Each middleware switched off in turn (the do-nothing view), and each context processor switched off in
   turn (the base layout): what the full stack costs more, and the queries it adds. A middleware others
   need (sessions before authentication) is shown as such.
3. The login page, the bell's poll (with `seen` the count and stamp it last answered: a 204 from the
   stamp; with the count alone, as a page drawn before stamps: a 204 after a count; and without),
   /health/, the dashboard of the band leader and a public band page.

Prints this machine's speed on a fixed piece of pure Python (the reference loop), so that figures taken
on two machines can be compared: the same code takes about as much longer as the loop does.

--json FILE saves the run; --compare FILE prints it side by side with this one (before/after).
Goal: the login page under 1.7 ms p50; no query that a request does not use (the do-nothing view makes
none signed out, and only the session and the user signed in).
"""

import argparse
import contextlib
import json
import logging
import os
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import search as search_bench  # noqa: E402  (database helpers, percentiles)

LEADER = "mara@demo.stageslot.test"
GOAL_LOGIN_P50_MS = 1.7
WARM_UP = 30


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300, help="requests measured per row (after a warm-up)")
    parser.add_argument("--reuse", action="store_true", help="keep the database a previous run seeded")
    parser.add_argument("--json", metavar="FILE", help="save this run's figures")
    parser.add_argument("--compare", metavar="FILE", help="a saved run to print beside this one")
    return parser.parse_args()


def floor_urlconf() -> str:
    """A URL conf of the site's own addresses plus two that do nothing: /__floor__/nothing/ answers
    "ok", /__floor__/layout/ draws the base layout with no content. Made here, never in the site."""
    from django.http import HttpResponse
    from django.shortcuts import render
    from django.urls import path

    import stageslot.urls

    def nothing(request):
        return HttpResponse("ok")

    def layout(request):
        return render(request, "base.html")

    module = types.ModuleType("floor_urls")
    module.urlpatterns = [
        path("__floor__/nothing/", nothing),
        path("__floor__/layout/", layout),
        *stageslot.urls.urlpatterns,
    ]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        if hasattr(stageslot.urls, name):
            setattr(module, name, getattr(stageslot.urls, name))
    sys.modules["floor_urls"] = module
    return "floor_urls"


def new_client(signed_in: bool):
    from django.test import Client

    from accounts.models import User

    client = Client()
    if signed_in:
        client.force_login(User.objects.get(email=LEADER))
    return client


def measure(path: str, *, signed_in: bool, runs: int, status: int = 200) -> dict:
    """{"p50": ms, "p95": ms, "queries": n} for `path` through a fresh client (its middleware loaded
    from the settings in force)."""
    from django.db import connection

    client = new_client(signed_in)
    for _ in range(WARM_UP):
        response = client.get(path)
        assert response.status_code == status, (path, response.status_code)
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        client.get(path)
    times = []
    for _ in range(runs):
        started = time.process_time()
        client.get(path)
        times.append(time.process_time() - started)
    return {
        "p50": statistics.median(times) * 1000,
        "p95": search_bench.percentile(times, 95) * 1000,
        "queries": len(statements),
        "sql": [sql[:120] for sql in statements],
    }


@contextlib.contextmanager
def quiet_errors():
    """No traceback in the log for a stack that cannot work without what was switched off."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def without_middleware(name: str, path: str, *, signed_in: bool, runs: int) -> dict | str:
    from django.conf import settings
    from django.test import override_settings

    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != name]), quiet_errors():
        try:
            return measure(path, signed_in=signed_in, runs=runs)
        except Exception as error:  # one another middleware needs (sessions for authentication, …)
            return f"needed ({type(error).__name__})"


def without_processor(name: str, path: str, *, signed_in: bool, runs: int) -> dict | str:
    import copy

    from django.conf import settings
    from django.test import override_settings

    templates = copy.deepcopy(settings.TEMPLATES)
    django_engine = templates[0]["OPTIONS"]
    django_engine["context_processors"] = [p for p in django_engine["context_processors"] if p != name]
    with override_settings(TEMPLATES=templates), quiet_errors():
        try:
            return measure(path, signed_in=signed_in, runs=runs)
        except Exception as error:
            return f"needed ({type(error).__name__})"


def pages() -> list[tuple[str, str, bool, int]]:
    from accounts.models import User
    from accounts.notifications import notifications_unread_count
    from core.caching.stamps import bell_stamp_key, stamp_current

    leader = User.objects.get(email=LEADER)
    unread = notifications_unread_count(user=leader)
    stamp = stamp_current(bell_stamp_key(leader.pk))
    return [
        ("login (signed out)", "/accounts/login/", False, 200),
        ("health", "/health/", False, 200),
        ("bell, nothing changed", f"/notifications/bell/?seen={unread}:{stamp}", True, 204),
        ("bell, seen = count", f"/notifications/bell/?seen={unread}", True, 204),
        ("bell, first poll", "/notifications/bell/", True, 200),
        ("dashboard (leader)", "/dashboard/", True, 200),
        ("band page (signed out)", "/bands/the-night-owls/", False, 200),
    ]


def run(runs: int) -> dict:
    from django.conf import settings
    from django.test import override_settings

    results: dict[str, dict] = {"floor": {}, "middleware": {}, "processors": {}, "pages": {}}
    with override_settings(ROOT_URLCONF=floor_urlconf()):
        for who, signed_in in (("signed out", False), ("signed in", True)):
            results["floor"][f"nothing, {who}"] = measure("/__floor__/nothing/", signed_in=signed_in, runs=runs)
            results["floor"][f"layout, {who}"] = measure("/__floor__/layout/", signed_in=signed_in, runs=runs)
        for name in settings.MIDDLEWARE:
            short = name.rsplit(".", 1)[-1]
            for who, signed_in in (("out", False), ("in", True)):
                results["middleware"][f"{short} ({who})"] = without_middleware(
                    name, "/__floor__/nothing/", signed_in=signed_in, runs=runs
                )
        for name in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]:
            short = name.rsplit(".", 1)[-1]
            for who, signed_in in (("out", False), ("in", True)):
                results["processors"][f"{short} ({who})"] = without_processor(
                    name, "/__floor__/layout/", signed_in=signed_in, runs=runs
                )
    for label, path, signed_in, status in pages():
        results["pages"][label] = measure(path, signed_in=signed_in, runs=runs, status=status)
    results["load"] = list(os.getloadavg())
    results["machine_us"] = machine_speed()
    return results


def machine_speed() -> float:
    """This machine's speed in microseconds for a fixed piece of pure Python (the best of five runs of
    summing a dictionary's 1,000 values): figures from two machines compare through it."""
    import timeit

    values = {i: i for i in range(1000)}
    return min(timeit.repeat(lambda: sum(values.values()), number=20000, repeat=5)) / 20000 * 1e6


def cost_rows(results: dict, section: str, base_key: str) -> dict[str, str]:
    """Cells of what each switched-off item saves: the full stack minus the stack without it."""
    out = {}
    for label, figures in results[section].items():
        who = "signed in" if label.endswith("(in)") else "signed out"
        base = results["floor"][f"{base_key}, {who}"]
        if isinstance(figures, str):
            out[label] = f"{figures:>30}"
        else:
            out[label] = (
                f"{base['p50'] - figures['p50']:+7.3f} {base['p95'] - figures['p95']:+7.3f} "
                f"{base['queries'] - figures['queries']:>+4} q"
            )
    return out


def figure_rows(results: dict, section: str) -> dict[str, str]:
    return {label: f"{f['p50']:7.3f} {f['p95']:7.3f} {f['queries']:>4} q" for label, f in results[section].items()}


def print_tables(now: dict, before: dict | None) -> None:
    sections = [
        ("The floor (CPU ms p50, p95; queries)", lambda r: figure_rows(r, "floor")),
        (
            "What each middleware costs on the do-nothing view (full stack minus without it: ms p50, p95; queries)",
            lambda r: cost_rows(r, "middleware", "nothing"),
        ),
        (
            "What each context processor costs on the base layout (full minus without it: ms p50, p95; queries)",
            lambda r: cost_rows(r, "processors", "layout"),
        ),
        ("Pages (CPU ms p50, p95; queries)", lambda r: figure_rows(r, "pages")),
    ]
    for title, rows in sections:
        print(f"\n{title}")
        mine = rows(now)
        theirs = rows(before) if before else {}
        if before:
            print(f"{'':<44}{'before':>30}{'after':>30}")
        for label, cell in mine.items():
            print(f"{label:<44}" + (f"{theirs.get(label, '—'):>30}" if before else "") + f"{cell:>30}")
    login = now["pages"]["login (signed out)"]["p50"]
    verdict = "meets" if login < GOAL_LOGIN_P50_MS else "misses"
    print(f"\nlogin page p50 {login:.3f} ms ({verdict} the goal of {GOAL_LOGIN_P50_MS} ms)")
    for label in ("nothing, signed out", "nothing, signed in"):
        print(f"queries of the do-nothing view, {label.split(', ')[1]}:")
        for sql in now["floor"][label]["sql"]:
            print(f"    {sql}")
    load = ", ".join(f"{x:.2f}" for x in now["load"])
    print(f"\nload average {load}" + (f" (before: {', '.join(f'{x:.2f}' for x in before['load'])})" if before else ""))
    speed = f"machine: {now['machine_us']:.2f} µs for the reference loop"
    if before and "machine_us" in before:
        speed += f" (before: {before['machine_us']:.2f} µs)"
    print(speed)


def main() -> None:
    args = parse_args()
    before = json.loads(Path(args.compare).read_text()) if args.compare else None
    _maintenance_url, where = search_bench.point_at_fresh_database(
        "stageslot_bench_floor", "stageslot-bench-floor.sqlite3", reuse=args.reuse
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    import django

    django.setup()
    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import User

    assert not settings.DEBUG
    call_command("migrate", verbosity=0)
    if not (args.reuse and User.objects.filter(email=LEADER).exists()):
        call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{where}; {args.runs} requests per row after {WARM_UP} to warm up; load {load}")
    results = run(args.runs)
    print_tables(results, before)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
        print(f"saved to {args.json}")


if __name__ == "__main__":
    main()
