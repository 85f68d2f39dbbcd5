"""A German page against its English twin: server time and queries of the same pages read in British
English and in German.

Usage: .venv/bin/python benchmarks/german.py [--runs 60]
Uses DATABASE_URL when set (PostgreSQL), else a throwaway SQLite file. Loads the demo world, then asks
each page in turns – English, German, English… so both see the same machine – and prints the median
and p95 of each, the queries of each and how much slower (or faster) German is.
"""

import argparse
import logging
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
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/stageslot-bench-german.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from bookings.models import Booking  # noqa: E402
from stageslot.catalogues import compile_catalogues  # noqa: E402

PAGES = [
    ("home", "/", False),
    ("bands search", "/bands/", False),
    ("band page", "/bands/the-night-owls/", False),
    ("gig finder", "/slots/", False),
    ("dashboard", "/dashboard/", True),
    ("my availability", "/me/availability/", True),
    ("band calendar", "/bands/the-night-owls/calendar/", True),
    ("bookings inbox", "/bookings/", True),
    ("booking detail", "/bookings/BOOKING/", True),
]
LANGUAGES = {"English": "en-GB,en;q=0.8", "German": "de-DE,de;q=0.9"}


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()

    logging.disable(logging.INFO)  # the eager tasks' log lines
    compile_catalogues()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    mara = User.objects.get(email="mara@demo.stageslot.test")
    assert not mara.language, "the benchmark reads the pages in the browser's language"
    member, anonymous = Client(), Client()
    member.force_login(mara)
    booking = Booking.objects.filter(band__slug="the-night-owls").order_by("-pk").first()

    print(f"database: {connection.vendor}, runs per page and language: {args.runs}")
    print(f"{'page':<18}{'queries en/de':>14}{'en p50':>9}{'de p50':>9}{'en p95':>9}{'de p95':>9}{'de vs en':>10}")
    total = dict.fromkeys(LANGUAGES, 0.0)
    for name, url, signed_in in PAGES:
        url = url.replace("BOOKING", str(booking.uid))
        client = member if signed_in else anonymous
        queries, timings = {}, {language: [] for language in LANGUAGES}
        for header in LANGUAGES.values():  # warm both languages' caches first
            client.get(url, HTTP_ACCEPT_LANGUAGE=header)
        for language, header in LANGUAGES.items():
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                response = client.get(url, HTTP_ACCEPT_LANGUAGE=header)
            assert response.status_code == 200, (url, response.status_code)
            assert response["Content-Language"].lower().startswith(header[:2].lower()), response["Content-Language"]
            queries[language] = counter.count
        for _ in range(args.runs):
            for language, header in LANGUAGES.items():
                start = time.perf_counter()
                client.get(url, HTTP_ACCEPT_LANGUAGE=header)
                timings[language].append((time.perf_counter() - start) * 1000)
        en, de = statistics.median(timings["English"]), statistics.median(timings["German"])
        for language in LANGUAGES:
            total[language] += statistics.median(timings[language])
        print(
            f"{name:<18}{queries['English']:>7}/{queries['German']:<6}{en:>9.1f}{de:>9.1f}"
            f"{p95(timings['English']):>9.1f}{p95(timings['German']):>9.1f}{(de / en - 1) * 100:>+9.1f}%"
        )
    change = (total["German"] / total["English"] - 1) * 100
    english, german = total["English"], total["German"]
    print(f"all pages, sum of medians: English {english:.1f} ms, German {german:.1f} ms ({change:+.1f}%)")


if __name__ == "__main__":
    main()
