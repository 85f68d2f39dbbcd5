"""Contracts, written: drawing one from a booked gig's agreed terms, signing it for a side, sealing it
once both sides have, voiding it when the terms change, and a party's own contract template.

A contract's content is copied when it is drawn (parties, performance, terms, rider, clauses) and its
draft PDF is what both sides sign: each signature keeps the SHA-256 of those bytes. When the second
side signs, the final PDF (the draft's pages and a signature page) is sealed by the platform
(documents.seal) in the same transaction, under the contract's row lock. Bookings never call this
app: a contract whose booking changed is voided when it is next read or signed
(contract_check_current) and by the periodic sweep (contracts_round). docs/decisions/0036-paper.md.
"""

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Band
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking
from bookings.selectors.cancellation import cancellation_terms
from bookings.selectors.quotes import balance_text, deal_text, included_labels, money_text
from venues.models import Venue

from .. import seal
from ..models import Contract, ContractSignature, ContractTemplate, RenderedPdf
from ..pdf import html_to_pdf, pdf_from_html
from ..selectors.contracts import (
    Side,
    booking_terms_sha256,
    contract_sides_of,
    contract_stale_reason,
    contracts_to_sweep,
    default_clauses_text,
    has_terms,
    other_side_of,
    paragraphs,
    side_people,
    template_for_booking,
    zone_of,
)
from ..selectors.legal import party_of_band, party_of_user, party_of_venue

logger = logging.getLogger(__name__)

DRAFT_TEMPLATE = "documents/pdf/contract.html"
SIGNATURES_TEMPLATE = "documents/pdf/contract_signatures.html"
NOTIFICATION_KIND = "booking_contract"

SIDE_LABELS = {
    Side.BAND: gettext_lazy("Artist"),
    Side.VENUE: gettext_lazy("Venue"),
    Side.CLIENT: gettext_lazy("Client"),
}


@dataclass(frozen=True)
class SignIn:
    """What the signer sent: the side they sign for, their full name typed, the consent box, their
    password asked again, and the SHA-256 of the PDF the page showed them."""

    side: str
    full_name: str
    consent: bool
    password: str
    shown_sha256: str
    ip_address: str | None = None
    user_agent: str = ""


# ---- Drawing -----------------------------------------------------------------------------------


def _moment(moment: dt.datetime | None, zone) -> str:
    return date_format(timezone.localtime(moment, zone), "MOMENT_FORMAT") if moment else ""


def _performance(booking: Booking) -> dict:
    from core.fields.timezones import when_text

    zone = zone_of(booking)
    if booking.venue_id:
        venue = booking.venue
        stage = booking.slot.stage.name if booking.slot_id and booking.slot.stage_id else ""
        address = ", ".join(part for part in (venue.address, venue.postcode, venue.city) if part)
        place = venue.name
    else:
        stage, address, place = "", booking.location, booking.location or gettext("a private event")
    return {
        "when": when_text(booking.starts_at, booking.ends_at, zone),
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "time_zone": zone.key,
        "place": place,
        "stage": stage,
        "address": address,
        "load_in": _moment(booking.load_in_at, zone),
        "set": (
            gettext("%(start)s to %(end)s")
            % {"start": _moment(booking.set_starts_at, zone), "end": _moment(booking.set_ends_at, zone)}
            if booking.set_starts_at and booking.set_ends_at
            else ""
        ),
        "load_in_notes": booking.load_in_notes,
        "power_notes": booking.power_notes,
        "event_type": booking.event_type,
        "guests": booking.guests,
        "setting": booking.get_setting_display() if booking.setting else "",
    }


def _terms(booking: Booking) -> dict:
    quote = booking.agreed_quote
    if quote is None:
        fee = money_text((booking.fee or 0) * 100, booking.currency)
        return {
            "deal": gettext("a fee of %(fee)s") % {"fee": fee},
            "fee": fee,
            "deposit": "",
            "balance": gettext("The fee is due on the day of the gig."),
            "set_length": "",
            "included": [],
            "included_note": "",
            "cancellation": list(cancellation_terms(booking).words),
        }
    return {
        "deal": deal_text(quote),
        "fee": money_text(quote.fee_minor, quote.currency),
        "ticket_price": money_text(quote.ticket_price_minor, quote.currency),
        "capacity": quote.capacity,
        "deposit": gettext("%(percent)d %%") % {"percent": quote.deposit_percent} if quote.deposit_percent else "",
        "balance": balance_text(quote),
        "set_length": (
            ngettext("%(n)d minute", "%(n)d minutes", quote.set_minutes) % {"n": quote.set_minutes}
            if quote.set_minutes
            else ""
        ),
        "included": included_labels(quote),
        "included_note": quote.included_note,
        "cancellation": list(cancellation_terms(booking).words),
    }


def contract_content(*, booking: Booking, uid: uuid.UUID, version: int, now: dt.datetime) -> dict:
    """What a contract says, as plain JSON, in the language active now: the parties, the performance,
    the terms, the rider and the clauses (the band's template, else the venue's, else ours)."""
    other = other_side_of(booking)
    other_party = party_of_venue(booking.venue) if other == Side.VENUE else party_of_user(booking.client)
    source, template = template_for_booking(booking)
    clauses = paragraphs(template.clauses) if template else paragraphs(default_clauses_text())
    additions = paragraphs(template.additions) if template else []
    return {
        "uid": str(uid),
        "version": version,
        "language": get_language() or settings.LANGUAGE_CODE,
        "drawn_on": date_format(timezone.localtime(now, zone_of(booking)), "DAY_FORMAT"),
        "booking": str(booking.uid),
        "band": {**party_of_band(booking.band), "name": booking.band.name, "side": Side.BAND},
        "other": {**other_party, "side": other, "label": str(SIDE_LABELS[other])},
        "performance": _performance(booking),
        "terms": _terms(booking),
        "rider": booking.band.rider,
        "clauses": clauses,
        "additions": additions,
        "template": source,
    }


def contract_draft_html(content: dict) -> str:
    with translation.override(content.get("language") or settings.LANGUAGE_CODE):
        return render_to_string(DRAFT_TEMPLATE, {"c": content})


def contract_draw(*, booking: Booking, by: User, now: dt.datetime | None = None) -> Contract:
    """Draw a booked gig's contract, for either side to sign. Renders its draft PDF (kept by content).

    Raises BookingPermissionError when `by` acts for neither side, BookingConflict when the gig is not
    booked or already has a live contract (two drawing at once: one wins, the other is told), and
    BookingError when there is nothing to draw from (no agreed terms or fee, no other party)."""
    now = now or timezone.now()
    if other_side_of(booking) is None:
        raise BookingError(gettext("This gig has nobody to sign a contract with."))
    if not contract_sides_of(booking, by):
        raise BookingPermissionError(gettext("Only the band's leaders and admins and the other side draw a contract."))
    current = Contract.objects.filter(booking=booking, status__in=Contract.LIVE).first()
    if current is not None:
        current = contract_check_current(contract=current, now=now)
        if current.status in Contract.LIVE:
            raise BookingConflict(gettext("This booking has a contract already."))
    booking = Booking.objects.select_related("band", "venue", "client", "slot__stage", "agreed_quote").get(
        pk=booking.pk
    )
    if booking.status != Booking.Status.BOOKED:
        raise BookingConflict(gettext("Only a booked gig gets a contract."))
    if not has_terms(booking):
        raise BookingError(gettext("Agree the terms (at least a fee) before drawing a contract."))
    uid = uuid.uuid4()
    version = (Contract.objects.filter(booking=booking).aggregate(n=Max("version"))["n"] or 0) + 1
    content = contract_content(booking=booking, uid=uid, version=version, now=now)
    draft = pdf_from_html(contract_draft_html(content))
    try:
        with transaction.atomic():
            locked = Booking.objects.select_for_update().get(pk=booking.pk)
            if locked.status != Booking.Status.BOOKED or locked.sequence != booking.sequence:
                raise BookingConflict(gettext("The booking changed meanwhile; reload the page and try again."))
            contract = Contract.objects.create(
                uid=uid,
                booking=booking,
                quote_id=booking.agreed_quote_id,
                version=version,
                other_side=other_side_of(booking),
                content=content,
                draft=draft,
                draft_sha256=draft.sha256,
                terms_sha256=booking_terms_sha256(locked),
                booking_sequence=locked.sequence,
                created_by=by,
            )
            _tell_sides(
                contract,
                booking,
                [Side.BAND, contract.other_side],
                lazy_text(gettext_lazy("A contract for %(gig)s is ready to sign."), gig=_gig(booking)),
                key=f"contract:{contract.uid}:drawn",
                by=by,
            )
    except IntegrityError as exc:
        raise BookingConflict(gettext("This booking has a contract already.")) from exc
    return contract


# ---- Signing and sealing -----------------------------------------------------------------------


def contract_sign(*, contract: Contract, by: User, given: SignIn, now: dt.datetime | None = None) -> Contract:
    """Sign `contract` for `given.side` as `by`. The second signature seals the final PDF.

    Under the contract's row lock. Raises BookingError (400) on missing consent or name, or a wrong
    password; BookingPermissionError (403) when `by` may not sign for that side; BookingConflict (409)
    when the contract is void or sealed, the side signed already, or the PDF shown is not the one to
    sign. Nothing is written when it raises."""
    now = now or timezone.now()
    full_name = " ".join((given.full_name or "").split())
    if not full_name:
        raise BookingError(gettext("Type your full name to sign."))
    if not given.consent:
        raise BookingError(gettext("Tick the box to say you agree to sign this contract."))
    if given.side not in (Side.BAND, contract.other_side) or given.side not in contract_sides_of(contract.booking, by):
        raise BookingPermissionError(gettext("You cannot sign this contract for that side."))
    if not by.check_password(given.password or ""):
        raise BookingError(gettext("That is not your password. Nothing was signed."))
    contract = contract_check_current(contract=contract, now=now)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status == Contract.Status.VOID:
            raise BookingConflict(gettext("This contract is void: %(reason)s") % {"reason": locked.void_reason})
        if locked.status == Contract.Status.SIGNED:
            raise BookingConflict(gettext("Both sides have signed this contract already."))
        if locked.signatures.filter(side=given.side).exists():
            raise BookingConflict(gettext("Your side has signed this contract already."))
        if given.shown_sha256 != locked.draft_sha256:
            raise BookingConflict(gettext("The contract changed since you opened it: read it again, then sign."))
        ContractSignature.objects.create(
            contract=locked,
            side=given.side,
            signer=by,
            full_name=full_name[:200],
            consent=True,
            signed_at=now,
            ip_address=given.ip_address,
            user_agent=(given.user_agent or "")[:400],
            pdf_sha256=locked.draft_sha256,
        )
        booking = Booking.objects.select_related("band", "venue", "client").get(pk=locked.booking_id)
        signed = set(locked.signatures.values_list("side", flat=True))
        other = ({Side.BAND, locked.other_side} - {given.side}).pop()
        if signed >= {Side.BAND, locked.other_side}:
            _seal(locked, now=now)
            _tell_sides(
                locked,
                booking,
                [Side.BAND, locked.other_side],
                lazy_text(
                    gettext_lazy("Both sides signed the contract for %(gig)s; the sealed PDF is ready."),
                    gig=_gig(booking),
                ),
                key=f"contract:{locked.uid}:sealed",
                by=None,
            )
        else:
            locked.status = Contract.Status.PARTLY
            locked.save(update_fields=["status"])
            _tell_sides(
                locked,
                booking,
                [other],
                lazy_text(
                    gettext_lazy("%(name)s signed the contract for %(gig)s; it waits for your signature."),
                    name=by.name,  # the signer by reference (docs/decisions/0131), not the typed name
                    gig=_gig(booking),
                ),
                key=f"contract:{locked.uid}:signed:{given.side}",
                by=by,
            )
    return locked


def contract_signature_page_html(contract: Contract) -> str:
    content = contract.content
    zone_name = content["performance"]["time_zone"]
    with translation.override(content.get("language") or settings.LANGUAGE_CODE):
        import zoneinfo

        zone = zoneinfo.ZoneInfo(zone_name)
        rows = []
        for signature in sorted(contract.signatures.all(), key=lambda s: s.side != Side.BAND):
            party = content["band"] if signature.side == Side.BAND else content["other"]
            rows.append(
                {
                    "signature": signature,
                    "side": str(SIDE_LABELS[signature.side]),
                    "party": party["legal_name"],
                    "utc": signature.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
                    "local": timezone.localtime(signature.signed_at, zone).strftime("%Y-%m-%d %H:%M:%S ") + zone_name,
                }
            )
        return render_to_string(
            SIGNATURES_TEMPLATE,
            {"c": content, "rows": rows, "draft_sha256": contract.draft_sha256, "fingerprint": seal.seal_fingerprint()},
        )


def contract_final_pdf(contract: Contract) -> bytes:
    """The draft's pages and the signature page as one PDF (not yet sealed)."""
    return html_to_pdf(contract_draft_html(contract.content), contract_signature_page_html(contract))


def _seal(contract: Contract, *, now: dt.datetime) -> None:
    """Both have signed: build the final PDF, seal it, keep it. Called under the contract's lock."""
    try:
        joined = contract_final_pdf(contract)
        sealed = seal.seal_pdf(joined, reason=gettext("Signed by both parties on StageSlot; sealed by the platform."))
    except seal.SealError as exc:
        logger.exception("Contract %s cannot be sealed", contract.uid)
        raise BookingConflict(
            gettext("The contract cannot be sealed just now, so nothing was signed. Try again in a few minutes.")
        ) from exc
    digest = hashlib.sha256(sealed).hexdigest()
    final = RenderedPdf.objects.create(source_sha256=digest, sha256=digest, data=sealed, size=len(sealed))
    contract.final = final
    contract.final_sha256 = digest
    contract.sealed_at = now
    contract.status = Contract.Status.SIGNED
    contract.save(update_fields=["final", "final_sha256", "sealed_at", "status"])


# ---- Voiding -----------------------------------------------------------------------------------


def contract_check_current(*, contract: Contract, now: dt.datetime | None = None) -> Contract:
    """Void a live contract whose booking was called off or whose terms changed since it was drawn
    (both sides are told and asked for a new one); the contract as it stands now."""
    booking = Booking.objects.only(*_TERM_FIELDS).get(pk=contract.booking_id)
    if contract.status not in Contract.LIVE or not contract_stale_reason(contract, booking):
        if contract.status in Contract.LIVE and contract.booking_sequence != booking.sequence:
            Contract.objects.filter(pk=contract.pk, status__in=Contract.LIVE).update(booking_sequence=booking.sequence)
            contract.booking_sequence = booking.sequence
        return contract
    return contract_void(contract=contract, now=now)


_TERM_FIELDS = (
    "status",
    "sequence",
    "agreed_quote_id",
    "starts_at",
    "ends_at",
    "time_zone",
    "fee",
    "currency",
    "band_id",
    "venue_id",
    "client_id",
    "kind",
)


def contract_void(*, contract: Contract, reason: str = "", now: dt.datetime | None = None) -> Contract:
    """Void a live contract (under its lock), with `reason` or the booking's own; both sides are told.
    A contract already void is returned as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        booking = Booking.objects.select_related("band", "venue", "client").get(pk=locked.booking_id)
        reason = reason or contract_stale_reason(locked, booking)
        if locked.status not in Contract.LIVE or not reason:
            return locked
        locked.status = Contract.Status.VOID
        locked.void_reason = reason[:300]
        locked.voided_at = now
        locked.save(update_fields=["status", "void_reason", "voided_at"])
        if booking.status in Booking.PLAYED:
            text = gettext_lazy("The contract for %(gig)s is void (%(reason)s). Draw a new one from the booking.")
        else:
            text = gettext_lazy("The contract for %(gig)s is void (%(reason)s).")
        _tell_sides(
            locked,
            booking,
            [Side.BAND, locked.other_side],
            lazy_text(text, gig=_gig(booking), reason=reason),
            key=f"contract:{locked.uid}:void",
            by=None,
        )
    return locked


def contracts_round(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The periodic sweep: check every live contract whose booking changed since it was drawn (voiding
    the stale ones); how many were voided."""
    voided = 0
    for contract in contracts_to_sweep()[:limit]:
        if contract_check_current(contract=contract, now=now).status == Contract.Status.VOID:
            voided += 1
    return voided


# ---- Templates ---------------------------------------------------------------------------------


def contract_template_save(
    *, by: User, clauses: str, additions: str, band: Band | None = None, venue: Venue | None = None
) -> ContractTemplate:
    """Keep a band's or a venue's contract template (the caller checked `by` may edit it). Contracts
    drawn from now on take it; drawn ones keep what they say."""
    if (band is None) == (venue is None):
        raise ValueError("A template belongs to one band or one venue.")
    owner = {"band": band} if band is not None else {"venue": venue}
    with transaction.atomic():
        template, _created = ContractTemplate.objects.select_for_update().get_or_create(
            **owner, defaults={"clauses": clauses, "additions": additions, "updated_by": by}
        )
        template.clauses, template.additions, template.updated_by = clauses, additions, by
        template.save()
    return template


# ---- Telling -----------------------------------------------------------------------------------


def _gig(booking: Booking):
    """ "The Night Shift at Kellerbar on {when}", read in each recipient's language and zone."""
    place = booking.location or gettext_lazy("a private event") if not booking.venue_id else booking.venue.name
    # Translators: a gig in a contract's notification; {when} is its time, in the reader's zone.
    return lazy_text(gettext_lazy("%(band)s at %(place)s on {when}"), band=booking.band.name, place=place)


def _tell_sides(contract: Contract, booking: Booking, sides: list[str], text, *, key: str, by: User | None) -> None:
    people: dict[int, User] = {}
    for side in sides:
        people.update({person.pk: person for person in side_people(booking, side)})
    notifications_create(
        recipients=list(people.values()),
        kind=NOTIFICATION_KIND,
        text=text,
        link=reverse("documents:contract", args=[contract.uid]),
        key=key,
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )
