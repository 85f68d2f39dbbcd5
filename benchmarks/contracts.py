"""Contracts: a contract's PDF rendered fresh and served again from its kept bytes, the seal, and the
seal checked (as the verification page does).

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/contracts.py
        [--runs 40] [--database-name stageslot_bench_contracts] [--keep]
    .venv/bin/python benchmarks/contracts.py            # SQLite, a throwaway file

1. render: one booked gig on agreed terms (a venue application; the band has a rider, legal details and
   a template with additions); its contract drawn once, then its content rendered to the PDF to sign
   --runs times, each time with fresh content (the contract's uid changes, so nothing is served from
   the kept bytes): p50/p95/max. Budget: p95 under 800 ms. Then the same PDF asked for again --runs
   times (documents.pdf keeps the bytes by the HTML's SHA-256): p50/p95. Budget: p95 under 50 ms.
2. seal: the final PDF (the draft's pages and the signature page, both signatures in) built and
   sealed with the platform's certificate (documents.seal, pyHanko) --runs times; apart, the join and
   the seal alone. Budget: p95 of build and seal together under 1,500 ms.
3. check: the sealed PDF checked --runs times (documents.seal.seal_check, as the verification page):
   p50/p95, every check valid; and once with one byte changed: not valid.
Exits with 1 when a budget is missed or a result is wrong.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import search as search_bench


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-name", default="stageslot_bench_contracts")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def figures(values_ms: list[float]) -> str:
    return (
        f"p50 {statistics.median(values_ms):6.1f} ms  p95 {search_bench.percentile(values_ms, 95):6.1f} ms  "
        f"max {max(values_ms):6.1f} ms  (n={len(values_ms)})"
    )


def signed_contract():
    """A booked gig's contract, drawn through the services and signed by both sides."""
    from documents.models import ContractTemplate, LegalDetails
    from documents.selectors.contracts import default_clauses_text
    from documents.services import contracts as services
    from documents.tests.contract_world import contract_world, sign

    world = contract_world(f"-bench{int(time.time())}")
    LegalDetails.objects.create(band=world.band, legal_name="Night Shift GbR", address="Hauptstr. 1\n10115 Berlin")
    LegalDetails.objects.create(venue=world.venue, legal_name="Kellerbar UG", address="Kellerweg 2\n10117 Berlin")
    ContractTemplate.objects.create(
        band=world.band,
        clauses=default_clauses_text(),
        additions="Merchandise: the artist sells its own, the venue takes no share.\n\nGuest list: eight names.",
    )
    contract = services.contract_draw(booking=world.gig, by=world.leader)
    sign(contract, world.owner, "venue", full_name="Olga Owner")
    return sign(contract, world.leader, "band", full_name="Lena Leader")


def measure(args, problems: list[str]) -> None:
    from documents import seal
    from documents.pdf import pdf_from_html
    from documents.services import contracts as services

    contract = signed_contract()
    content = dict(contract.content)
    fresh = []
    for _ in range(args.runs):
        content["uid"] = str(uuid.uuid4())  # new content, a new render
        started = time.perf_counter()
        pdf = pdf_from_html(services.contract_draft_html(content))
        fresh.append((time.perf_counter() - started) * 1000)
        assert bytes(pdf.data).startswith(b"%PDF")
    again = []
    for _ in range(args.runs):
        started = time.perf_counter()
        kept = pdf_from_html(services.contract_draft_html(content))
        again.append((time.perf_counter() - started) * 1000)
    assert kept.pk == pdf.pk
    print(f"contract PDF, fresh content each time: {figures(fresh)}  ({pdf.size} bytes, {pdf.data[:8]!r})")
    print(f"contract PDF, served from its kept bytes: {figures(again)}")
    if search_bench.percentile(fresh, 95) >= 800:
        problems.append("fresh contract PDF p95 not under 800 ms")
    if search_bench.percentile(again, 95) >= 50:
        problems.append("kept contract PDF p95 not under 50 ms")

    joins, seals, both = [], [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        joined = services.contract_final_pdf(contract)
        middle = time.perf_counter()
        sealed = seal.seal_pdf(joined, reason="benchmark")
        ended = time.perf_counter()
        joins.append((middle - started) * 1000)
        seals.append((ended - middle) * 1000)
        both.append((ended - started) * 1000)
    print(f"final PDF built (draft pages + signature page): {figures(joins)}")
    print(f"final PDF sealed (pyHanko, PAdES):              {figures(seals)}  ({len(sealed)} bytes)")
    print(f"built and sealed together:                      {figures(both)}")
    if search_bench.percentile(both, 95) >= 1500:
        problems.append("built and sealed p95 not under 1,500 ms")

    checks, valid = [], 0
    for _ in range(args.runs):
        started = time.perf_counter()
        valid += seal.seal_check(sealed).valid
        checks.append((time.perf_counter() - started) * 1000)
    broken = bytearray(sealed)
    broken[len(broken) // 2] ^= 0x01
    caught = not seal.seal_check(bytes(broken)).valid
    print(
        f"seal checked: {figures(checks)}; valid {valid}/{args.runs}; "
        f"one byte changed caught: {'yes' if caught else 'NO'}"
    )
    if valid != args.runs or not caught:
        problems.append("the seal check answered wrongly")


def main() -> None:
    args = parse_args()
    maintenance_url, where = search_bench.point_at_fresh_database(
        args.database_name, "stageslot-bench-contracts.sqlite3"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection, connections

    from stageslot.celery_app import app as celery_app

    # As in production with a worker: notifications queue their email (an in-memory broker); nobody takes it.
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://localhost/"
    problems: list[str] = []
    try:
        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor} ({where}); load average {search_bench.load_average()}")
        measure(args, problems)
    finally:
        connections.close_all()
        if maintenance_url and not args.keep:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)
    if problems:
        print("PROBLEMS: " + "; ".join(problems))
        sys.exit(1)
    print("every budget met")


if __name__ == "__main__":
    main()
