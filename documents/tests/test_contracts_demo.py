"""The demo world's contracts: one sealed, one waiting for the band's signature, one void; seeding
again adds nothing."""

import pytest
from django.utils import timezone

from documents import seal
from documents.models import Contract, ContractSignature
from stageslot.demo_contracts import seed_contracts
from stageslot.management.commands.seed_demo import DEMO_PASSWORD
from stageslot.tests.test_seed_demo import seed_without_photos

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="each test seeds the whole demo world (about 10 s)")]


def test_the_demo_world_has_a_contract_in_every_state(settings, monkeypatch):
    seed_without_photos(settings, monkeypatch)
    seed_contracts(now=timezone.now(), password=DEMO_PASSWORD)
    sealed = Contract.objects.get(status=Contract.Status.SIGNED)
    assert seal.seal_check(bytes(sealed.final.data)).valid
    assert set(sealed.signatures.values_list("side", flat=True)) == {"band", sealed.other_side}
    waiting = Contract.objects.get(status=Contract.Status.PARTLY)
    assert list(waiting.signatures.values_list("side", flat=True)) == [waiting.other_side]
    assert Contract.objects.get(status=Contract.Status.VOID).void_reason
    counts = (Contract.objects.count(), ContractSignature.objects.count())
    seed_contracts(now=timezone.now(), password=DEMO_PASSWORD)
    assert (Contract.objects.count(), ContractSignature.objects.count()) == counts
