"""Invoices: a document's PDF rendered fresh and served again from its kept bytes, and numbers taken by
N threads at once.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/invoices.py
        [--runs 40] [--threads 16] [--per-thread 25] [--database-name stageslot_bench_invoices] [--keep]
    .venv/bin/python benchmarks/invoices.py            # SQLite, a throwaway file: the race is skipped

1. render: one booked gig with its invoice (a band with VAT and a note); the invoice's PDF rendered
   --runs times, each time with fresh content (the recipient's address changes, so nothing is served
   from the kept bytes): p50/p95/max. Budget: p95 under 500 ms. Then the same PDF asked for again
   --runs times (documents.pdf keeps the bytes by the HTML's SHA-256): p50/p95. Budget: p95 under 50 ms.
2. numbers (PostgreSQL): --threads threads, released by one barrier, each issuing --per-thread
   documents in one band's series (invoice_number_next and the document's row in one transaction each):
   documents a second, and the check that the numbers are 1..N with no gap and no duplicate.
Exits with 1 when a budget is missed or a result is wrong.
"""

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict


def extra(parser) -> None:
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--per-thread", type=int, default=25)


def booked_gig():
    from bands.tests.factories import MembershipFactory  # noqa: F401  (factories need the app loaded)
    from documents.models import LegalDetails
    from documents.services.invoices import invoice_issue
    from payments.tests.money_world import agreed, money_world

    world = money_world(f"-bench{int(time.time())}")
    LegalDetails.objects.create(
        band=world.band,
        legal_name="Night Shift GbR",
        address="Hauptstr. 1\n10115 Berlin",
        tax_number="DE123456789",
        vat_rate_bp=1900,
        invoice_note="IBAN DE00 1234 5678 9012 3456 78 · BIC BENCHDEFF",
    )
    gig = agreed(world.request, band_side=world.leader, other_side=world.client)
    return world, invoice_issue(booking=gig)


def measure_render(args, problems: list[str]) -> None:
    from documents.services.invoices import invoice_pdf

    _world, invoice = booked_gig()
    fresh, again = [], []
    for run in range(args.runs):
        invoice.content["recipient"]["address"] = f"Weg {run}\n14467 Potsdam"  # new content, a new render
        started = time.perf_counter()
        pdf = invoice_pdf(invoice=invoice)
        fresh.append((time.perf_counter() - started) * 1000)
        assert bytes(pdf.data).startswith(b"%PDF")
    for _ in range(args.runs):
        started = time.perf_counter()
        invoice_pdf(invoice=invoice)
        again.append((time.perf_counter() - started) * 1000)
    print(f"invoice PDF, fresh content each time: {spread(fresh)}  ({pdf.size} bytes)")
    print(f"invoice PDF, served from its kept bytes: {spread(again)}")
    if percentile(fresh, 95) >= 500:
        problems.append("fresh invoice PDF p95 not under 500 ms")
    if percentile(again, 95) >= 50:
        problems.append("kept invoice PDF p95 not under 50 ms")


def measure_numbers(args, problems: list[str]) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from documents.models import Invoice
    from documents.services.invoices import invoice_number_next

    world, _invoice = booked_gig()
    key = f"band:bench-{int(time.time())}"
    start = threading.Barrier(args.threads)
    errors: list[BaseException] = []
    latencies: list[float] = []

    def issue():
        try:
            start.wait()
            for _ in range(args.per_thread):
                began = time.perf_counter()
                with transaction.atomic():
                    series, sequence, number = invoice_number_next(issuer_key=key, kind="invoice", prefix="BENCH-")
                    Invoice.objects.create(
                        kind=Invoice.Kind.INVOICE,
                        series=series,
                        sequence=sequence,
                        number=number,
                        booking=world.request,
                        currency="EUR",
                        net_minor=100,
                        total_minor=100,
                        issued_at=timezone.now(),
                    )
                latencies.append((time.perf_counter() - began) * 1000)
        except BaseException as exc:  # a thread's error is the benchmark's answer
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(args.threads)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - began
    total = args.threads * args.per_thread
    sequences = sorted(Invoice.objects.filter(series__issuer_key=key).values_list("sequence", flat=True))
    ok = not errors and sequences == list(range(1, total + 1))
    print(
        f"numbers: {args.threads} threads × {args.per_thread} documents at once: {total / took:,.0f} documents/s, "
        f"one document {spread(latencies)}; 1..{total} with no gap and no duplicate: {'yes' if ok else 'NO'}"
    )
    if not ok:
        problems.append(f"numbers not 1..{total}: errors {errors[:3]}, {len(sequences)} documents")


def main() -> None:
    args = scratch(__doc__, runs=40, database="stageslot_bench_invoices", extra=extra)
    from django.db import connection

    problems: list[str] = []
    measure_render(args, problems)
    if connection.vendor == "postgresql":
        measure_numbers(args, problems)
    else:
        print("numbers: skipped (SQLite has no row locks; run with DATABASE_URL on PostgreSQL)")
    verdict(problems)


if __name__ == "__main__":
    main()
