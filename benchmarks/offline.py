"""On the road, offline (decision 0091): the size a device keeps per show and the time to keep it.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/offline.py
        [--runs 20] [--database-name stageslot_bench_offline] [--keep]
    .venv/bin/python benchmarks/offline.py            # SQLite, a throwaway file

A member of a band with two booked shows ahead (a venue gig with its day sheet written, 40 guests, a set
list of 20 songs and two 100 KB files for the road; a private event). Through Django's test client, as
the service worker does it:
1. keep list: GET /me/offline/ --runs times: p50/p95 server time and queries. Budget: p95 under 100 ms,
   at most 6 queries.
2. keeping: every address on the list fetched once, --runs times: the bytes kept per show (pages and
   files) and the server time to keep everything (p50/p95). Budget: p95 under 1,500 ms for both shows.
Exits with 1 when a budget is missed.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict

BUDGET_LIST_P95_MS = 100.0
BUDGET_LIST_QUERIES = 6
BUDGET_KEEP_P95_MS = 1500.0


def world():
    import datetime as dt

    from django.core.files.base import ContentFile

    from bookings.models import BookingFile
    from gigs.services.day_sheets import day_sheet_update
    from gigs.services.guest_lists import guest_caps_set, guest_entry_add
    from gigs.services.set_lists import set_list_save, song_create
    from gigs.tests.factories import gig_world

    w = gig_world(f"-bench{int(time.time())}")
    gig = w.gig
    day_sheet_update(
        booking=gig,
        by=w.owner,
        venue_contact_name="Vera Venue",
        venue_contact_phone="+49 30 1234567",
        load_in_at=gig.starts_at - dt.timedelta(hours=3),
        doors_at=gig.starts_at - dt.timedelta(minutes=30),
        parking="Loading bay behind the bar, two hours free.",
        hospitality="Dinner at 18:30 for five.",
    )
    guest_caps_set(booking=gig, by=w.owner, band_cap=None, venue_cap=None)
    for n in range(40):
        guest_entry_add(booking=gig, by=w.owner, side="venue", name=f"Guest {n:02}", plus_ones=n % 3, note="")
    songs = [song_create(band=w.band, by=w.member, title=f"Song {n}", length="4:00") for n in range(20)]
    set_list_save(booking=gig, by=w.leader, entries=[(s.pk, 1 + n // 10, "") for n, s in enumerate(songs)])
    for n in range(2):
        BookingFile.objects.create(
            booking=gig,
            title=f"Stage plot {n}",
            original_name=f"plot-{n}.pdf",
            file=ContentFile(os.urandom(100_000), name=f"plot-{n}.pdf"),
            content_type="application/pdf",
            size=100_000,
            side="band",
            for_the_road=True,
        )
    return w


def measure(args, problems: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    w = world()
    client = Client()
    client.force_login(w.member)
    times, queries = [], 0
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            listed = client.get(reverse("road_keep")).json()
            times.append((time.perf_counter() - began) * 1000)
        queries = max(queries, len(captured))
    print(f"keep list ({listed['shows']} shows, {len(listed['keep'])} addresses): {spread(times)}, {queries} queries")
    if percentile(times, 95) > BUDGET_LIST_P95_MS or queries > BUDGET_LIST_QUERIES:
        problems.append("keep list over budget")

    keeping, sizes = [], {}
    for _ in range(args.runs):
        began = time.perf_counter()
        for entry in listed["keep"]:
            response = client.get(entry["url"])
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert response.status_code == 200 and response.get("X-StageSlot-Keep") == str(w.member.pk), entry
            sizes.setdefault(entry.get("gig", "start page"), {})[entry["url"]] = len(body)
        keeping.append((time.perf_counter() - began) * 1000)
    for gig, pages in sizes.items():
        print(f"  kept for {gig}: {len(pages)} addresses, {sum(pages.values()) / 1024:7.1f} KB")
    print(f"keeping everything: {spread(keeping)}")
    if percentile(keeping, 95) > BUDGET_KEEP_P95_MS:
        problems.append("keeping over budget")


def main() -> None:
    args = scratch(__doc__, runs=20, database="stageslot_bench_offline")
    problems: list[str] = []
    measure(args, problems)
    verdict(problems)


if __name__ == "__main__":
    main()
