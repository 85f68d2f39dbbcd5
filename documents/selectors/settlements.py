"""Reads of the settlement sheet and the offer letter: who may read them, and what they show.

Both are PDFs rendered from a fully resolved context (documents.pdf.pdf_render), so the same content
gives the same kept bytes whoever asks."""

import zoneinfo

from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, Quote
from bookings.models_quotes import CostKind
from bookings.selectors.bookings import booking_for_viewer, side_of
from bookings.selectors.detail import booking_title
from bookings.selectors.quotes import deal_text, money_text, quote_view
from core.fields.timezones import when_text
from payments.models import Settlement
from payments.selectors import settlement_booking_for_viewer, settlement_items, settlement_of, settlement_unagreed

# ---- The settlement sheet ---------------------------------------------------------------------


def settlement_sheet_booking_for_viewer(*, uid, user: User) -> Booking | None:
    """The door deal whose settlement sheet `user` may read: the two sides only (the payer's people, the
    band's leaders and admins, as the settlement's page), not staff reading as staff; None otherwise,
    or when nothing has been entered yet."""
    booking = settlement_booking_for_viewer(uid=uid, user=user)
    if booking is None or side_of(booking, user) not in ("venue", "client", "band"):
        return None
    return booking if settlement_of(booking) is not None else None


def zone_of(booking: Booking) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(booking.time_zone or "UTC")


def _payer_name(booking: Booking) -> str:
    if booking.venue_id:
        return booking.venue.name
    return booking.client.name if booking.client_id else ""


def settlement_sheet(*, booking: Booking) -> dict:
    """The settlement sheet's context: every cost and bonus tier with who added it and when, the bonus
    reached, the merchandise split, the totals, both approvals; `draft` until both sides approved.
    Three queries (the settlement is read with the booking)."""
    settlement: Settlement = settlement_of(booking)
    cur = settlement.currency
    costs, bonuses = settlement_items(settlement)
    quote: Quote = booking.agreed_quote
    return {
        "title": booking_title(booking),
        "band": booking.band.name,
        "payer": _payer_name(booking),
        "when": when_text(booking.starts_at, booking.ends_at, zone_of(booking)),
        "deal": deal_text(quote),
        "settlement": settlement,
        "draft": not settlement.is_approved,
        "costs": [
            {
                "kind": CostKind(c.kind).label,
                "label": c.label,
                "amount": money_text(c.amount_minor, cur),
                "agreed": c.agreed,
                "by": c.added_by.name if c.added_by_id else "",
                "at": c.added_at,
            }
            for c in costs
        ],
        "bonuses": [
            {
                "tickets": b.tickets,
                "amount": money_text(b.amount_minor, cur),
                "agreed": b.agreed,
                "by": b.added_by.name if b.added_by_id else "",
                "reached": b.tickets == settlement.bonus_tickets,
            }
            for b in bonuses
        ],
        "money": {
            name: money_text(getattr(settlement, f"{name}_minor"), cur)
            for name in ("gross", "costs", "net", "band_amount", "guarantee", "bonus", "merch_gross", "merch_cut")
        }
        | {
            "share": money_text(settlement.band_amount_minor - settlement.bonus_minor, cur),
            "payable": money_text(settlement.payable_minor, cur),
            "band_owes": money_text(settlement.band_owes_minor, cur) if settlement.band_owes_minor else "",
        },
        "payer_approved_by": settlement.payer_approved_by.name if settlement.payer_approved_by_id else "",
        "band_approved_by": settlement.band_approved_by.name if settlement.band_approved_by_id else "",
        "unagreed": settlement_unagreed(settlement, quote=booking.agreed_quote, costs=costs, bonuses=bonuses),
    }


# ---- The offer letter -------------------------------------------------------------------------


def offer_letter_booking_for_viewer(*, uid, user: User) -> Booking | None:
    """A venue's offer that `user` takes part in (the band's members, the venue's staff, the band's agents
    and the venue group's bookers who act for them), with terms to put on paper: its open or agreed quote,
    or the fee it was offered with. None for anything else."""
    if not getattr(user, "is_authenticated", False):
        return None
    booking = booking_for_viewer(uid=uid, user=user, related=("band", "venue", "slot__stage", "agreed_quote"))
    if booking is None or booking.kind != Booking.Kind.OFFER:
        return None
    return booking


def offer_terms(booking: Booking) -> Quote | None:
    """The terms the offer letter shows: the agreed quote, else the newest version proposed."""
    if booking.agreed_quote_id:
        return booking.agreed_quote
    return Quote.objects.filter(booking=booking).order_by("-version").first()


def offer_letter(*, booking: Booking) -> dict:
    """The offer letter's context: the parties, the date, the stage, the times (in the event's zone),
    the deal, the costs and bonus tiers the terms name, and until when the offer stands."""
    zone = zone_of(booking)
    quote = offer_terms(booking)
    terms = quote_view(quote, zone) if quote is not None else None
    expires = quote.expires_at if quote is not None and not booking.agreed_quote_id else booking.starts_at
    cur = quote.currency if quote is not None else booking.currency
    return {
        "title": booking_title(booking),
        "band": booking.band.name,
        "venue": booking.venue.name if booking.venue_id else "",
        "address": booking.venue.address if booking.venue_id else "",
        "stage": booking.slot.stage.name if booking.slot_id and booking.slot.stage_id else "",
        "when": when_text(booking.starts_at, booking.ends_at, zone),
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "role": booking.get_role_display(),
        "status": booking.get_status_display(),
        "terms": terms,
        "fee": money_text(booking.fee * 100, cur) if quote is None and booking.fee else "",
        "costs": [
            {
                "kind": CostKind(c["kind"]).label,
                "label": c.get("label", ""),
                "amount": money_text(c["amount_minor"], cur),
            }
            for c in (quote.door_costs if quote is not None else [])
        ],
        "bonuses": [
            {"tickets": b["tickets"], "amount": money_text(b["amount_minor"], cur)}
            for b in (quote.bonus_tiers if quote is not None else [])
        ],
        "expires_at": expires,
        "agreed": bool(booking.agreed_quote_id),
        "message": booking.message,
        "now": timezone.now(),
    }
