"""Numbers taken at the same moment (PostgreSQL, real row locks): N documents issued at once get 1..N,
no gap and no duplicate, the series created by the first of them; and without the series lock the race
is real (pretix's habit: the concurrency test can fail)."""

import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from documents.models import Invoice, InvoiceSeries
from documents.services import invoices as paper
from documents.services.invoices import invoice_issue, invoice_number_next
from payments.tests.money_world import agreed, money_world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _issue_at_once(booking, *, pause: float = 0.05) -> list[BaseException]:
    """THREADS threads each take the next number of one series and write their document, pausing
    between the two, all released by one barrier. Returns the errors they met."""
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def issue():
        try:
            start.wait()
            with transaction.atomic():
                series, sequence, number = invoice_number_next(issuer_key="band:race", kind="invoice", prefix="RACE-")
                time.sleep(pause)
                Invoice.objects.create(
                    kind=Invoice.Kind.INVOICE,
                    series=series,
                    sequence=sequence,
                    number=number,
                    booking=booking,
                    currency="EUR",
                    net_minor=100,
                    total_minor=100,
                    issued_at=timezone.now(),
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_documents_issued_at_once_are_numbered_one_to_n():
    booking = money_world().request
    assert _issue_at_once(booking) == []
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS + 1))
    assert InvoiceSeries.objects.get(issuer_key="band:race").last_number == THREADS
    assert len(set(Invoice.objects.values_list("number", flat=True))) == THREADS


@pytest.mark.guard_removed
def test_without_the_lock_the_race_is_real(monkeypatch):
    booking = money_world().request
    # The series exists, read without FOR UPDATE: every racer reads the same last number.
    InvoiceSeries.objects.create(issuer_key="band:race", kind="invoice", prefix="RACE-")
    monkeypatch.setattr(
        paper, "_series_for_update", lambda key, kind: InvoiceSeries.objects.filter(issuer_key=key, kind=kind).first()
    )
    errors = _issue_at_once(booking)
    assert any(isinstance(e, IntegrityError) for e in errors)
    assert Invoice.objects.count() < THREADS


def test_two_catch_ups_at_once_issue_one_invoice():
    world = money_world()
    booked = agreed(world.request, band_side=world.leader, other_side=world.client)
    start = threading.Barrier(4)
    errors, issued = [], []

    def catch_up():
        try:
            start.wait()
            issued.append(invoice_issue(booking=booked).pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=catch_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(issued)) == 1 and Invoice.objects.filter(kind=Invoice.Kind.INVOICE).count() == 1
    assert InvoiceSeries.objects.get(issuer_key=f"band:{world.band.pk}", kind="invoice").last_number == 1


def test_a_changed_fee_caught_up_at_once_is_reissued_once():
    from bookings.models import Quote
    from documents.services.invoices import paper_catch_up

    world = money_world()
    booked = agreed(world.request, band_side=world.leader, other_side=world.client)
    invoice_issue(booking=booked)
    Quote.objects.filter(pk=booked.agreed_quote_id).update(fee_minor=90000)
    start = threading.Barrier(4)
    errors = []

    def catch_up():
        try:
            start.wait()
            paper_catch_up(booking=booked)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=catch_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    kinds = sorted(Invoice.objects.values_list("kind", "total_minor"))
    assert kinds == [("credit", -80000), ("invoice", 80000), ("invoice", 90000)]
