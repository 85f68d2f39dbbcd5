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

import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import percentile, scratch, spread, verdict


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
    print(f"contract PDF, fresh content each time: {spread(fresh)}  ({pdf.size} bytes, {pdf.data[:8]!r})")
    print(f"contract PDF, served from its kept bytes: {spread(again)}")
    if percentile(fresh, 95) >= 800:
        problems.append("fresh contract PDF p95 not under 800 ms")
    if percentile(again, 95) >= 50:
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
    print(f"final PDF built (draft pages + signature page): {spread(joins)}")
    print(f"final PDF sealed (pyHanko, PAdES):              {spread(seals)}  ({len(sealed)} bytes)")
    print(f"built and sealed together:                      {spread(both)}")
    if percentile(both, 95) >= 1500:
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
        f"seal checked: {spread(checks)}; valid {valid}/{args.runs}; "
        f"one byte changed caught: {'yes' if caught else 'NO'}"
    )
    if valid != args.runs or not caught:
        problems.append("the seal check answered wrongly")


def main() -> None:
    args = scratch(__doc__, runs=40, database="stageslot_bench_contracts")
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    problems: list[str] = []
    measure(args, problems)
    verdict(problems)


if __name__ == "__main__":
    main()
