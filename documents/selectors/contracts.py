"""Contracts, read: who may see and sign a booking's contract, the booking's terms as one hash, the
contract page's and the paper card's context, a party's template and the contracts to sweep."""

import hashlib
import json
import zoneinfo
from collections.abc import Iterable
from uuid import UUID

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from bands.models import Band, Membership
from bookings.models import Booking
from bookings.selectors.bookings import booking_for_viewer, standing_in
from venues.models import Venue

from ..models import Contract, ContractSignature, ContractTemplate, RenderedPdf

Side = ContractSignature.Side

# Our plain default clauses: a band or venue edits them on its template page. One paragraph each.
DEFAULT_CLAUSES = (
    gettext_lazy(
        "Performance. The artist performs at the place and time set out above, for the set length agreed. "
        "The organiser provides the stage, power and access set out above."
    ),
    gettext_lazy(
        "Payment. The organiser pays the fee on the terms above. A deposit paid through StageSlot counts "
        "towards the fee. Any balance is paid by the date set out above."
    ),
    gettext_lazy(
        "Cancellation. Either party may cancel in writing through StageSlot. The refund follows the "
        "cancellation windows above; a cancellation closer to the performance refunds no more."
    ),
    gettext_lazy(
        "Force majeure. Neither party is liable for a performance prevented by events beyond its "
        "reasonable control (severe weather, illness, an order of the authorities). The deposit is then "
        "returned in full unless the parties agree a new date."
    ),
    gettext_lazy(
        "Rider. The organiser provides what the artist's rider below asks for, unless the terms above "
        "say otherwise or the parties agree a change in writing."
    ),
    gettext_lazy(
        "Recording. No part of the performance may be recorded, broadcast or streamed for sale without "
        "the artist's written consent. Photographs and short clips for promotion are allowed."
    ),
    gettext_lazy(
        "Conduct and safety. Each party keeps to the venue's house rules and the law, and is responsible "
        "for its own people and equipment."
    ),
    gettext_lazy(
        "Whole agreement. This contract, with the terms agreed on StageSlot, is the whole agreement. "
        "A change is valid only when both parties sign a new contract; a change of terms voids this one."
    ),
)

SIDE_ORDER = (Side.BAND, Side.VENUE, Side.CLIENT)


def default_clauses_text() -> str:
    """The default clauses as a template's text: paragraphs separated by a blank line."""
    return "\n\n".join(str(clause) for clause in DEFAULT_CLAUSES)


def paragraphs(text: str) -> list[str]:
    """A template's text as its paragraphs (blank lines separate them)."""
    return [" ".join(part.split()) for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


# ---- Who is who --------------------------------------------------------------------------------


def other_side_of(booking: Booking) -> str | None:
    """Who signs with the band: the client of a private request, the venue of an application or an
    offer at a venue; None where nobody does (a band's own show, a support act its headliner picks)."""
    if booking.kind == Booking.Kind.REQUEST and booking.client_id:
        return Side.CLIENT
    if (
        booking.kind in (Booking.Kind.APPLICATION, Booking.Kind.OFFER)
        and booking.venue_id
        and not booking.picker_band_id
    ):
        return Side.VENUE
    return None


def _standing(booking: Booking, user: User):
    standing = getattr(booking, "standing", None)
    if standing is None or standing.user_id != user.pk:
        standing = booking.standing = standing_in(booking, user)
    return standing


def contract_sides_of(booking: Booking, user: User) -> list[str]:
    """The sides `user` may sign and draw for: "band" (its leaders and admins), and the other side
    ("venue": its staff; "client": the client). Members, staff and anyone else: none."""
    if not getattr(user, "is_authenticated", False):
        return []
    other = other_side_of(booking)
    if other is None:
        return []
    standing = _standing(booking, user)
    sides = []
    if standing.manages_band:
        sides.append(Side.BAND)
    if other == Side.VENUE and standing.venue_staff:
        sides.append(Side.VENUE)
    if other == Side.CLIENT and booking.client_id == user.pk:
        sides.append(Side.CLIENT)
    return sides


def may_read_contract(booking: Booking, user: User) -> bool:
    """The booking's parties read its contract: the band's members, the venue's staff, the client; and
    StageSlot's staff. A headliner that picks a support act is not a party to its contract."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    standing = _standing(booking, user)
    return booking.client_id == user.pk or standing.band_role is not None or standing.venue_staff


def contract_booking(*, uid: UUID, user: User) -> Booking | None:
    """The booking if `user` may read its contracts, else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    booking = booking_for_viewer(uid=uid, user=user)
    if booking is None and user.is_staff:
        booking = Booking.objects.select_related("band", "venue", "slot__stage", "client").filter(uid=uid).first()
    if booking is None or not may_read_contract(booking, user):
        return None
    return booking


CONTRACT_RELATED = (
    "booking__band",
    "booking__venue",
    "booking__client",
    "booking__slot__stage",
    "booking__agreed_quote",
    "draft",
)


def contract_for_viewer(*, uid: UUID, user: User) -> Contract | None:
    """A contract by its uid if `user` may read it (see may_read_contract), else None. The draft's
    row comes with it; its bytes are read only when served."""
    if not getattr(user, "is_authenticated", False):
        return None
    contract = Contract.objects.select_related(*CONTRACT_RELATED).defer("draft__data").filter(uid=uid).first()
    if contract is None or not may_read_contract(contract.booking, user):
        return None
    return contract


def contract_live(booking: Booking) -> Contract | None:
    return Contract.objects.filter(booking=booking, status__in=Contract.LIVE).first()


def contract_latest(booking: Booking) -> Contract | None:
    """The live contract, else the latest void one."""
    return Contract.objects.filter(booking=booking).prefetch_related("signatures__signer").order_by("-version").first()


def contract_signatures(contract: Contract) -> list[ContractSignature]:
    signatures = list(contract.signatures.all())
    return sorted(signatures, key=lambda s: SIDE_ORDER.index(s.side))


def contract_waiting_for(contract: Contract, signatures: Iterable[ContractSignature]) -> list[str]:
    """The sides still to sign a live contract (none once it is void or sealed)."""
    if contract.status not in (Contract.Status.AWAITING, Contract.Status.PARTLY):
        return []
    signed = {signature.side for signature in signatures}
    return [side for side in (Side.BAND, contract.other_side) if side not in signed]


def contracts_waiting_for_bands(*, band_ids: list[int]) -> dict[int, list[Contract]]:
    """The live contracts still waiting for each band's signature (contract_waiting_for names the band),
    soonest gig first, with their bookings (bands with none are left out). One query."""
    if not band_ids:
        return {}
    band_signed = ContractSignature.objects.filter(contract=OuterRef("pk"), side=Side.BAND)
    contracts = (
        Contract.objects.filter(
            booking__band_id__in=band_ids, status__in=(Contract.Status.AWAITING, Contract.Status.PARTLY)
        )
        .exclude(Exists(band_signed))
        .select_related("booking__venue", "booking__band")
        .order_by("booking__starts_at", "pk")
    )
    out: dict[int, list[Contract]] = {}
    for contract in contracts:
        out.setdefault(contract.booking.band_id, []).append(contract)
    return out


def may_draw_contract(booking: Booking, user: User) -> bool:
    return booking.status == Booking.Status.BOOKED and bool(contract_sides_of(booking, user)) and has_terms(booking)


def has_terms(booking: Booking) -> bool:
    return booking.agreed_quote_id is not None or booking.fee is not None


# ---- The terms as one hash ---------------------------------------------------------------------


def booking_terms(booking: Booking) -> dict:
    """What a contract depends on: the agreed terms, the times, the fee, the parties."""
    return {
        "quote": booking.agreed_quote_id,
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "time_zone": booking.time_zone,
        "fee": booking.fee,
        "currency": booking.currency,
        "band": booking.band_id,
        "venue": booking.venue_id,
        "client": booking.client_id,
        "kind": booking.kind,
    }


def booking_terms_sha256(booking: Booking) -> str:
    data = json.dumps(booking_terms(booking), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def contract_stale_reason(contract: Contract, booking: Booking) -> str:
    """Why a live contract no longer holds ("" when it does): the gig was called off, or its terms,
    times, fee or parties changed since it was drawn."""
    if contract.status not in Contract.LIVE:
        return ""
    if booking.status not in Booking.PLAYED:
        return gettext("The booking was %(status)s.") % {"status": booking.get_status_display().lower()}
    if contract.terms_sha256 and contract.terms_sha256 != booking_terms_sha256(booking):
        return gettext("The terms changed after the contract was drawn (new agreed terms, times or fee).")
    return ""


def contracts_to_sweep() -> QuerySet[Contract]:
    """Live contracts whose booking changed since they were drawn (its sequence moved on)."""
    return (
        Contract.objects.filter(status__in=Contract.LIVE)
        .exclude(booking__sequence=F("booking_sequence"))
        .select_related("booking")
        .order_by("pk")
    )


# ---- Templates ---------------------------------------------------------------------------------


def template_of(*, band: Band | None = None, venue: Venue | None = None) -> ContractTemplate | None:
    if band is not None:
        return ContractTemplate.objects.filter(band=band).first()
    return ContractTemplate.objects.filter(venue=venue).first()


def template_for_booking(booking: Booking) -> tuple[str, ContractTemplate | None]:
    """The clauses a booking's contract takes: the band's template, else the venue's, else ours."""
    owners = Q(band_id=booking.band_id)
    if booking.venue_id:
        owners |= Q(venue_id=booking.venue_id)
    found = {("band" if t.band_id else "venue"): t for t in ContractTemplate.objects.filter(owners)}
    if found.get("band"):
        return "band", found["band"]
    if found.get("venue"):
        return "venue", found["venue"]
    return "default", None


def band_managed_by(*, slug: str, user: User) -> Band | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Band.objects.filter(
            slug=slug,
            memberships__user_id=user.pk,
            memberships__role__in=(Membership.Role.LEADER, Membership.Role.ADMIN),
        )
        .distinct()
        .first()
    )


def venue_staffed_by(*, slug: str, user: User) -> Venue | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Venue.objects.filter(slug=slug, staff_roles__user_id=user.pk).distinct().first()


# ---- People to tell -----------------------------------------------------------------------------


def side_people(booking: Booking, side: str) -> list[User]:
    """Who acts for a side: the band's leaders and admins, the venue's staff, the client."""
    if side == Side.BAND:
        return list(
            User.objects.filter(
                memberships__band_id=booking.band_id,
                memberships__role__in=(Membership.Role.LEADER, Membership.Role.ADMIN),
            ).order_by("pk")
        )
    if side == Side.VENUE and booking.venue_id:
        return list(User.objects.filter(venue_roles__venue_id=booking.venue_id).order_by("pk"))
    if side == Side.CLIENT and booking.client_id:
        return [booking.client]
    return []


def zone_of(booking: Booking) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(booking.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


# ---- What the pages show -----------------------------------------------------------------------


def contract_state(contract: Contract, signatures: list[ContractSignature], user: User) -> dict:
    """A contract's state for `user`: who signed, who is still to, and what `user` can do next."""
    booking = contract.booking
    waiting = contract_waiting_for(contract, signatures)
    mine = [side for side in contract_sides_of(booking, user) if side in waiting]
    signed_sides = {signature.side for signature in signatures}
    return {
        "contract": contract,
        "signatures": signatures,
        "waiting": [{"side": side, "label": SIDE_NAMES[side]} for side in waiting],
        "may_sign": mine,
        "signed_by_me": [s for s in contract_sides_of(booking, user) if s in signed_sides],
        "may_redraw": contract.status == Contract.Status.VOID and may_draw_contract(booking, user),
    }


SIDE_NAMES = {
    Side.BAND: gettext_lazy("the band"),
    Side.VENUE: gettext_lazy("the venue"),
    Side.CLIENT: gettext_lazy("the client"),
}


def contract_card(*, booking: Booking, user: User) -> dict | None:
    """The paper card's contract part: the live (or latest void) contract and the viewer's next step,
    or an offer to draw one; None when a contract does not apply or the viewer may not read it."""
    if other_side_of(booking) is None or not may_read_contract(booking, user):
        return None
    contract = contract_latest(booking)
    if contract is None:
        if booking.status != Booking.Status.BOOKED:
            return None
        return {"contract": None, "may_draw": may_draw_contract(booking, user), "booking": booking}
    contract.booking = booking
    state = contract_state(contract, contract_signatures(contract), user)
    return {**state, "booking": booking, "may_draw": state["may_redraw"]}


def contract_by_final_sha256(digest: str) -> Contract | None:
    """The sealed contract whose final PDF has this SHA-256, with its signatures and booking."""
    return (
        Contract.objects.filter(final_sha256=digest)
        .exclude(final_sha256="")
        .select_related("booking__band", "booking__venue")
        .prefetch_related("signatures")
        .first()
    )


def pdf_bytes(pk: int) -> bytes:
    """A kept PDF's bytes (a contract's page reads its PDF rows without them)."""
    return bytes(RenderedPdf.objects.values_list("data", flat=True).get(pk=pk))
