"""Demo contracts: one signed by both sides and sealed, one the other side signed that waits for the
band's signature, and one voided (its terms changed after it was drawn), on booked demo gigs with
agreed terms.

Everything goes through documents.services.contracts, as on the contract page (the demo people sign
with the demo password). The notifications' emails are marked as not wanted, as the demo people have
no real mailboxes. Runs once: skipped when there are contracts already.
"""

import datetime as dt
import logging

from django.db.models import Max
from django.utils.translation import gettext

from accounts.models import Notification, User
from bookings.errors import BookingError
from bookings.models import Booking
from documents.models import Contract
from documents.selectors.contracts import contract_sides_of, has_terms, other_side_of, side_people
from documents.services import contracts as services

logger = logging.getLogger(__name__)


def _candidates(now: dt.datetime) -> list[Booking]:
    """Booked gigs to come with agreed terms and someone to sign with, soonest first."""
    bookings = (
        Booking.objects.filter(status=Booking.Status.BOOKED, starts_at__gt=now, picker_band__isnull=True)
        .select_related("band", "venue", "client", "agreed_quote")
        .order_by("-agreed_quote_id", "starts_at", "pk")
    )
    return [b for b in bookings if other_side_of(b) is not None and has_terms(b)]


def _signer(booking: Booking, side: str) -> User | None:
    return next((u for u in side_people(booking, side) if side in contract_sides_of(booking, u)), None)


def _sign(contract: Contract, side: str, *, password: str, now: dt.datetime) -> Contract:
    booking = contract.booking
    person = _signer(booking, side)
    if person is None:
        raise BookingError(gettext("Nobody signs for this side of the gig."))
    given = services.SignIn(
        side=side,
        full_name=person.name,
        consent=True,
        password=password,
        shown_sha256=contract.draft_sha256,
        ip_address="192.0.2.10",
        user_agent="StageSlot demo",
    )
    return services.contract_sign(
        contract=Contract.objects.select_related("booking").get(pk=contract.pk), by=person, given=given, now=now
    )


def seed_contracts(*, now: dt.datetime, password: str) -> None:
    """`password`: the demo accounts' own, which signing asks for again."""
    if Contract.objects.exists():
        return
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    plans = ["sealed", "waiting for the band", "void"]
    for booking in _candidates(now):
        if not plans:
            break
        band_person = _signer(booking, "band")
        if band_person is None:
            continue
        try:
            contract = services.contract_draw(booking=booking, by=band_person, now=now)
            plan = plans[0]
            if plan == "sealed":
                _sign(contract, contract.other_side, password=password, now=now)
                _sign(contract, "band", password=password, now=now)
            elif plan == "waiting for the band":
                _sign(contract, contract.other_side, password=password, now=now)
            else:
                services.contract_void(
                    contract=contract,
                    reason=gettext("The terms changed after the contract was drawn (new agreed terms, times or fee)."),
                    now=now,
                )
        except BookingError as exc:
            logger.warning("Demo contracts: %s for booking %s", exc, booking.pk)
            continue
        plans.pop(0)
    if plans:
        logger.warning("Demo contracts: not enough booked gigs with agreed terms for %s", ", ".join(plans))
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
