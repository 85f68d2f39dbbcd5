"""Day sheets: the page's server time and queries, a toggle, and the PDF rendered fresh and kept.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/day_sheets.py
        [--runs 40] [--database-name stageslot_bench_day_sheets] [--keep]
    .venv/bin/python benchmarks/day_sheets.py            # SQLite, a throwaway file

One booked gig at a venue with its details written, half its checklist advanced, four acts on the bill
and three files shared. Through Django's test client:
1. page: GET the day sheet --runs times, as the venue's booker and as a member of the band: p50/p95/max
   server time and the queries per request. Budget: p95 under 150 ms, at most 11 queries.
2. toggle: POST an item advanced and open again (htmx) --runs times: p50/p95. Budget: p95 under 150 ms.
3. pdf: after one warm-up render (WeasyPrint loads its fonts once per process), the PDF rendered with
   fresh content (a detail changes each time, so nothing is served from the kept bytes) --runs / 4
   times, then served again from the kept bytes --runs times: p50/p95.
   Budget: fresh p95 under 800 ms, kept p95 under 50 ms.
Exits with 1 when a budget is missed.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict

BUDGET_PAGE_P95_MS = 150.0
BUDGET_QUERIES = 11
BUDGET_TOGGLE_P95_MS = 150.0
BUDGET_PDF_P95_MS = 800.0
BUDGET_KEPT_P95_MS = 50.0


def gig():
    """A booked gig with its day sheet half advanced, a bill of four acts and three files."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from bookings.models import BookingFile
    from bookings.services import answering, asking
    from bookings.tests.factories import band_with_leader
    from gigs.selectors.day_sheets import ITEMS
    from gigs.services.day_sheets import advance_item_set, day_sheet_update
    from gigs.tests.factories import gig_world
    from venues.models import Slot

    world = gig_world(f"-bench{int(time.time())}")
    booking = world.gig
    Slot.objects.filter(pk=world.slot.pk).update(support_places=3)
    world.slot.refresh_from_db()
    for n in range(3):
        band, leader = band_with_leader(name=f"Support {n}", slug=f"support-{n}-{int(time.time())}")
        act = asking.booking_apply(slot=world.slot, band=band, by=leader, role="support", fee=100, message="")
        answering.booking_accept(booking=act, by=world.owner)
    for n in range(3):
        BookingFile.objects.create(
            booking=booking,
            title=f"Rider {n}",
            original_name=f"rider-{n}.pdf",
            file=ContentFile(b"%PDF-1.4", name=f"rider-{n}.pdf"),
            content_type="application/pdf",
            size=8,
            side="band",
            uploaded_by=world.leader,
        )
    day_sheet_update(
        booking=booking,
        by=world.owner,
        venue_contact_name="Vera Venue",
        venue_contact_phone="+49 30 1234567",
        load_in_at=booking.starts_at - dt.timedelta(hours=3),
        doors_at=booking.starts_at - dt.timedelta(minutes=30),
        backline="Drum kit, bass amp, two DI boxes.",
        hospitality="Dinner at 18:30.",
        parking="Loading bay in the back yard.",
    )
    for item in ITEMS[: len(ITEMS) // 2]:
        advance_item_set(booking=booking, item=item.value, by=world.owner, advanced=True)
    return world


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def measure(args, problems: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from gigs.services.day_sheets import day_sheet_update

    world = gig()
    booking = world.gig
    page = reverse("documents:day_sheet", args=[booking.uid])
    for who, person in (("venue", world.owner), ("band member", world.member)):
        client = Client()
        client.force_login(person)
        client.get(page)  # warm: templates compiled, session read once
        times, queries = [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                ms, response = timed(lambda c=client: c.get(page))
            assert response.status_code == 200
            times.append(ms)
            queries.append(len(captured))
        print(f"page as {who:11}: {spread(times)}  queries {max(queries)}")
        if percentile(times, 95) > BUDGET_PAGE_P95_MS:
            problems.append(f"page as {who} p95 over {BUDGET_PAGE_P95_MS:.0f} ms")
        if max(queries) > BUDGET_QUERIES:
            problems.append(f"page as {who}: {max(queries)} queries")

    client = Client()
    client.force_login(world.owner)
    advance = reverse("documents:day_sheet_advance", args=[booking.uid])
    toggles = []
    for n in range(args.runs):
        data = {"item": "files", "advanced": "1" if n % 2 == 0 else "0"}
        ms, response = timed(lambda d=data: client.post(advance, d, headers={"HX-Request": "true"}))
        assert response.status_code == 200, response.status_code
        toggles.append(ms)
    print(f"toggle (htmx)     : {spread(toggles)}")
    if percentile(toggles, 95) > BUDGET_TOGGLE_P95_MS:
        problems.append(f"toggle p95 over {BUDGET_TOGGLE_P95_MS:.0f} ms")

    pdf = reverse("documents:day_sheet_pdf", args=[booking.uid])
    client.get(pdf)  # warm: WeasyPrint loads its fonts once per process
    fresh = []
    for n in range(max(4, args.runs // 4)):
        day_sheet_update(booking=booking, by=world.owner, notes=f"Run {n}: merch table by the door.")
        ms, response = timed(lambda: client.get(pdf))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        fresh.append(ms)
    kept = []
    for _ in range(args.runs):
        ms, response = timed(lambda: client.get(pdf))
        kept.append(ms)
    print(f"pdf, fresh        : {spread(fresh)}")
    print(f"pdf, kept bytes   : {spread(kept)}")
    if percentile(fresh, 95) > BUDGET_PDF_P95_MS:
        problems.append(f"fresh PDF p95 over {BUDGET_PDF_P95_MS:.0f} ms")
    if percentile(kept, 95) > BUDGET_KEPT_P95_MS:
        problems.append(f"kept PDF p95 over {BUDGET_KEPT_P95_MS:.0f} ms")


def main() -> None:
    args = scratch(__doc__, runs=40, database="stageslot_bench_day_sheets")
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    problems: list[str] = []
    measure(args, problems)
    verdict(problems)


if __name__ == "__main__":
    main()
