"""One path makes a booking BOOKED (ARCHITECTURE "One place for each rule"): bookings.services.book.

Two proofs: a scan of every app's source for a write of BOOKED outside book.py, and the doors (accept,
accept anyway, a quote's acceptance, instant booking, a hosted show) seen passing through booking_book.
"""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from bands.packages import package_price
from bookings.models import Booking
from bookings.services import answering, asking, book, shows
from bookings.services.instant import booking_instant
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from stageslot.tests import source as shared

from .journey import band_party, local

# The one module that writes BOOKED.
WRITER = "bookings/services/book.py"
# Modules that may write BOOKED all the same, each with its reason. reschedule.reschedule_accept moves
# a gig that is already BOOKED and keeps its status, so it needs no entry.
ALLOWED: dict[str, str] = {}

BOOKED_NAMES = {"Booking.Status.BOOKED", "Status.BOOKED", "'booked'"}


def _is_booked(node: ast.AST) -> bool:
    return ast.unparse(node) in BOOKED_NAMES


def booked_writes(source: str) -> list[tuple[int, str]]:
    """Where `source` writes BOOKED: booking_transition(…, BOOKED), a create/update/get_or_create/
    update_or_create or Booking(…) with status=BOOKED, and `x.status = BOOKED`."""
    found = []
    for node in shared.walk(source):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "booking_transition":
                targets = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "to")]
                if any(_is_booked(target) for target in targets):
                    found.append((node.lineno, ast.unparse(node)[:80]))
            elif name in {"create", "update", "get_or_create", "update_or_create", "Booking"} and any(
                k.arg == "status" and _is_booked(k.value) for k in node.keywords
            ):
                found.append((node.lineno, ast.unparse(node)[:80]))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (
                    zip(target.elts, node.value.elts, strict=False)
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [(target, node.value)]
                )
                for left, right in pairs:
                    if isinstance(left, ast.Attribute) and left.attr == "status" and _is_booked(right):
                        found.append((node.lineno, ast.unparse(node)[:80]))
    return found


def app_sources() -> list[Path]:
    """Every module of our own apps, without their tests and migrations (fixtures and history write
    rows as they are)."""
    root = Path(settings.BASE_DIR)
    paths = []
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if root not in folder.parents:
            continue
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).parts
            if "tests" in parts or "migrations" in parts:
                continue
            paths.append(path)
    return sorted(paths)


def test_the_scan_finds_each_kind_of_booked_write():
    """The scanner itself can fail: each way of writing BOOKED is found, another status is not."""
    source = """
booking_transition(booking, Status.BOOKED, actor=by, now=now)
booking_transition(booking, to=Booking.Status.BOOKED, actor=by, now=now)
Booking.objects.create(band=band, status=Booking.Status.BOOKED)
Booking.objects.filter(pk=1).update(status="booked")
booking.status = Status.BOOKED
booking.status, booking.sequence = Status.BOOKED, 1
booking_transition(booking, Status.CANCELLED, actor=by, now=now)
checkout.status = Checkout.Status.BOOKED
"""
    assert sorted(line for line, _ in booked_writes(source)) == [2, 3, 4, 5, 6, 7]


def test_only_book_py_writes_booked():
    root = Path(settings.BASE_DIR)
    writers = {}
    for path in app_sources():
        found = booked_writes(path.read_text())
        if found:
            writers[path.relative_to(root).as_posix()] = found
    assert WRITER in writers, "the scan no longer finds booking_book's own write"
    strays = {module: lines for module, lines in writers.items() if module != WRITER and module not in ALLOWED}
    assert strays == {}, f"BOOKED is written outside {WRITER}; book through book.booking_book: {strays}"


@pytest.fixture
def booked_through(monkeypatch):
    """The plans booking_book was given."""
    plans = []
    original = book.booking_book

    def spy(*, plan, now):
        plans.append(plan)
        return original(plan=plan, now=now)

    monkeypatch.setattr(book, "booking_book", spy)
    return plans


@pytest.mark.django_db
def test_accept_and_accept_anyway_end_in_booking_book(booked_through):
    band, leader = band_with_leader()
    venue, owner = venue_with_owner()
    first = asking.booking_apply(slot=SlotFactory(venue=venue), band=band, by=leader, role="headliner")
    answering.booking_accept(booking=first, by=owner)
    later = SlotFactory(venue=venue, starts_at=in_days(20))
    offer = asking.booking_offer(slot=later, band=band, by=owner, role="headliner")
    answering.booking_accept(booking=offer, by=leader, stand_in=True)
    assert [(plan.booking.pk, plan.stand_in) for plan in booked_through] == [(first.pk, False), (offer.pk, True)]
    assert Booking.objects.filter(status=Booking.Status.BOOKED).count() == 2


@pytest.mark.django_db
def test_instant_booking_and_a_hosted_show_end_in_booking_book(booked_through):
    party = band_party()
    instant = booking_instant(
        band=party.band,
        package=party.instant,
        client=party.client,
        starts_at=local(10),
        price=package_price(party.instant),
    )
    host, leader = band_with_leader(name="The Hosts")
    start = in_days(12, 20)
    slot = shows.show_host(
        band=host,
        by=leader,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        time_zone="Europe/Berlin",
        title="Release show",
        place_name="Zukunft",
    )
    own = Booking.objects.get(slot=slot)
    assert [plan.booking.pk for plan in booked_through] == [instant.pk, own.pk]
    assert [plan.booking.kind for plan in booked_through] == [Booking.Kind.REQUEST, Booking.Kind.HOST]
    assert (instant.sequence, own.sequence) == (1, 1)
