"""Query count and server time of the pages.

Usage: .venv/bin/python benchmarks/pages.py [--runs 50]
Uses DATABASE_URL when set (PostgreSQL), else a throwaway SQLite file. Loads the
demo world, then requests each page through Django's test client and prints the
number of SQL queries and the p50/p95 server time.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/stageslot-bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from bookings.models import Booking, CalendarFeed, Message, ShareLink  # noqa: E402
from venues.models import Slot  # noqa: E402

PAGES = [
    ("home", "/", False),
    ("login", "/accounts/login/", False),
    ("signup", "/accounts/signup/", False),
    ("dashboard", "/dashboard/", True),
    ("profile", "/me/profile/", True),
    ("email settings", "/accounts/email/", True),
    ("bands", "/bands/", False),
    ("venues", "/venues/", False),
    ("gig finder", "/slots/", False),
    ("my availability", "/me/availability/", True),
    ("my week", "/me/availability/?view=week", True),
    ("my rules", "/me/availability/rules/", True),
    ("band calendar", "/bands/the-night-owls/calendar/", True),
    ("band week", "/bands/the-night-owls/calendar/?view=week", True),
    ("find dates", "/bands/the-night-owls/calendar/find/?start=TODAY&end=LATER&length=180&time_of_day=evening", True),
    ("bands free on", "/bands/?free_on=TODAY&part=evening", False),
    ("band page", "/bands/the-night-owls/", False),
    ("band live cal", "/bands/the-night-owls/availability/", False),
    ("venue page", "/venues/kellerbar/", False),
    ("venue live slots", "/venues/kellerbar/slots/", False),
    ("finder: we play", "/slots/?playable=on", True),
    ("slot page", "/slots/SLOT/", True),
    ("bookings inbox", "/bookings/", True),
    ("bookings history", "/bookings/?tab=history", True),
    ("booking detail", "/bookings/BOOKING/", True),
    ("request form", "/bands/the-night-owls/request/", "client"),
    ("venue slots", "/venues/kellerbar/manage/slots/", "venue"),
    ("venue slot inbox", "/venues/kellerbar/manage/slots/SLOT/", "venue"),
    ("venue applications", "/venues/kellerbar/manage/applications/", "venue"),
    ("notifications", "/notifications/", True),
    ("bell (polled)", "/notifications/bell/", True),
    ("notif settings", "/notifications/settings/", True),
    ("thread (polled)", "/bookings/THREAD/messages/", True),
    ("calendar feeds", "/me/feeds/", True),
    ("member feed .ics", "/feeds/FEED.ics", False),
    ("band share links", "/bands/the-night-owls/manage/share/", True),
    ("share page", "/share/SHARE/", False),
    ("share .ics", "/share/SHARE.ics", False),
]


class QueryCounter:
    """Counts every SQL statement, whatever DEBUG says."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
    client = Client()
    client.force_login(User.objects.get(email="mara@demo.stageslot.test"))
    venue_client = Client()
    venue_client.force_login(User.objects.get(email="kellerbar-owner@demo.stageslot.test"))
    client_client = Client()
    client_client.force_login(User.objects.get(email="client@demo.stageslot.test"))
    anonymous = Client()
    clients = {True: client, False: anonymous, "venue": venue_client, "client": client_client}
    # The Kellerbar slot with the most bookings, and one of the Night Owls' bookings.
    slot = (
        Slot.objects.filter(venue__slug="kellerbar", cancelled_at__isnull=True)
        .annotate(n=Count("bookings"))
        .order_by("-n", "starts_at")
        .first()
    )
    booking = Booking.objects.filter(band__slug="the-night-owls").order_by("-pk").first()
    thread = Message.objects.filter(booking__band__slug="the-night-owls").order_by("pk").first().booking
    feed = CalendarFeed.objects.get(user__email="mara@demo.stageslot.test", scope=CalendarFeed.Scope.MEMBER)
    share = ShareLink.objects.filter(band__slug="the-night-owls", revoked_at__isnull=True).first()

    print(f"database: {connection.vendor}, runs per page: {args.runs}")
    print(f"{'page':<20}{'status':>7}{'queries':>9}{'p50 ms':>9}{'p95 ms':>9}")
    today = date.today()
    for name, url, logged_in in PAGES:
        url = url.replace("TODAY", today.isoformat()).replace("LATER", (today + timedelta(days=90)).isoformat())
        url = url.replace("SLOT", str(slot.pk)).replace("BOOKING", str(booking.uid))
        url = url.replace("THREAD", str(thread.uid)).replace("FEED", feed.token).replace("SHARE", share.token)
        c = clients[logged_in]
        # What a page polls is asked for the way htmx asks.
        headers = {"HX-Request": "true"} if name.endswith("(polled)") else {}
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            status = c.get(url, headers=headers).status_code
        timings = []
        for _ in range(args.runs):
            start = time.perf_counter()
            c.get(url, headers=headers)
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"{name:<20}{status:>7}{counter.count:>9}{statistics.median(timings):>9.1f}{p95:>9.1f}")


if __name__ == "__main__":
    main()
