"""Booked gigs with agreed terms and a contract helper, for the contract tests."""

from types import SimpleNamespace

from accounts.tests.factories import PASSWORD
from bookings.models import Booking
from documents.models import Contract
from documents.services import contracts as services
from payments.tests.money_world import agreed, money_world


def contract_world(suffix: str = "") -> SimpleNamespace:
    """money_world's people, its venue application and its client request both booked on agreed terms."""
    world = money_world(suffix)
    world.band.rider = "Two DI boxes, a drum riser, six bottles of water."
    world.band.save(update_fields=["rider"])
    world.gig = agreed(world.application, band_side=world.leader, other_side=world.owner)
    world.private = agreed(world.request, band_side=world.leader, other_side=world.client)
    assert world.gig.status == Booking.Status.BOOKED
    assert world.private.status == Booking.Status.BOOKED
    return world


def sign_in(contract: Contract, side: str, **changes) -> services.SignIn:
    values = {
        "side": side,
        "full_name": "Sam Signer",
        "consent": True,
        "password": PASSWORD,
        "shown_sha256": contract.draft_sha256,
        "ip_address": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (test)",
    }
    return services.SignIn(**{**values, **changes})


def sign(contract: Contract, user, side: str, **changes) -> Contract:
    contract = Contract.objects.select_related("booking").get(pk=contract.pk)
    return services.contract_sign(contract=contract, by=user, given=sign_in(contract, side, **changes))
