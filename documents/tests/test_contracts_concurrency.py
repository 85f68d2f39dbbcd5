"""Signing at the same moment (PostgreSQL, real row locks): both sides at once seal the contract once;
two people of the same side at once make one signature, and the other is told."""

import threading

import pytest
from django.db import connection

from bookings.errors import BookingConflict
from documents import seal
from documents.models import Contract, ContractSignature
from documents.services import contracts as services

from .contract_world import contract_world, sign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*jobs) -> list[BaseException]:
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait()
            job()
        except BaseException as exc:  # the thread's answer is the test's
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.parametrize("round_", range(2))
def test_both_sides_at_once_seal_the_contract_once(round_):
    world = contract_world(f"-race{round_}")
    contract = services.contract_draw(booking=world.gig, by=world.leader)
    errors = at_once(
        lambda: sign(contract, world.owner, "venue", full_name="Olga Owner"),
        lambda: sign(contract, world.leader, "band", full_name="Lena Leader"),
    )
    assert errors == []
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    assert ContractSignature.objects.filter(contract=contract).count() == 2
    assert seal.seal_check(bytes(contract.final.data)).valid


def test_two_of_one_side_at_once_make_one_signature():
    world = contract_world("-race-same")
    contract = services.contract_draw(booking=world.gig, by=world.owner)
    errors = at_once(
        lambda: sign(contract, world.leader, "band", full_name="Lena Leader"),
        lambda: sign(contract, world.admin, "band", full_name="Ada Admin"),
    )
    assert len(errors) == 1 and isinstance(errors[0], BookingConflict)
    assert ContractSignature.objects.filter(contract=contract, side="band").count() == 1
    contract.refresh_from_db()
    assert contract.status == Contract.Status.PARTLY
