"""Deal terms through the API: a booking's quotes, proposing terms, countering the other side's, and
accepting or declining them, on bookings.services.quotes as the booking page does.

A booking (or quote) the caller is not part of does not exist for them (404). Who may do what is
the services' call: the band's leaders and admins and the other side (the venue's staff, the client,
the headliner picking its support) propose and answer, only the side that did not send a quote
answers it (403 otherwise); answered or expired quotes, a booking that moved on, a band booked
meanwhile are 409 with the reason; bad terms are 422 by field. A fee outside the band's range or
not the slot's is a 422 on `send_anyway` until it is sent with `send_anyway: true`. Amounts are
integers in minor units (cents) with their currency.
"""

import datetime as dt
import uuid
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from core.fields.api_fields import ApiInt, ApiLine, ApiText
from core.fields.form_fields import MAX_FEE

from ..models import Booking, Quote
from ..selectors.quotes import quote_for_viewer, quotes_of
from ..services import quotes as services
from ..services.quotes import Terms
from .bookings import ONE_ERRORS, WRITE_ERRORS, _mine_or_404
from .core import PAGE_DEFAULT, PAGE_MAX, Page, caller, keyset, token_auth
from .schemas import utc

router = Router(auth=token_auth, tags=["quotes"])
# The largest amount in minor units (cents), and the most days before a gig a term may name.
MINOR_MAX = MAX_FEE * 100
DAYS_MAX = 3 * 366


class WindowOut(Schema):
    days: int = Field(description="Cancelled this many days or more before the gig…")
    refund_percent: int = Field(description="…refunds this much of what was paid")


class DoorCost(Schema):
    kind: Literal["sound", "lights", "hospitality", "marketing", "security", "stagehands", "backline", "other"]
    label: str = Field("", max_length=100)
    amount_minor: int = Field(description="Taken off the door's takings before the split, in minor units")


class BonusTier(Schema):
    tickets: int = Field(description="At this many tickets sold or more…")
    amount_minor: int = Field(description="…the band gets this much more (the highest tier reached counts)")


# What a quote's body takes: bounded (rows stored before the bounds are still answered as DoorCost, BonusTier).
class DoorCostIn(DoorCost):
    label: ApiLine(100) = Field("")
    amount_minor: ApiInt(le=MINOR_MAX) = Field(
        description="Taken off the door's takings before the split, in minor units"
    )


class BonusTierIn(BonusTier):
    tickets: ApiInt() = Field(description="At this many tickets sold or more…")
    amount_minor: ApiInt(le=MINOR_MAX) = Field(
        description="…the band gets this much more (the highest tier reached counts)"
    )


class IncludedOut(Schema):
    sound: bool
    backline: bool
    hospitality: bool
    accommodation: bool
    travel: bool
    note: str


class QuoteOut(Schema):
    id: int
    booking: uuid.UUID
    version: int
    status: str = Field(description="open, accepted, countered, declined or lapsed")
    side: str = Field(description="The side that proposed: band, venue, client or headliner")
    proposed_by: str | None = Field(description="The name of who proposed")
    replaces: int | None = Field(description="The version this one counters")
    deal: str = Field(description="flat, door or versus (the guarantee or the door share, whichever is higher)")
    fee_minor: int | None = Field(description="The guarantee in minor units (cents)")
    currency: str
    door_percent: int | None
    ticket_price_minor: int | None
    capacity: int | None
    deposit_percent: int
    balance_due_days: int = Field(description="Days before the gig the balance is due; 0 on the day")
    set_minutes: int | None
    included: IncludedOut
    cancel_preset: str
    cancel_windows: list[WindowOut]
    door_costs: list[DoorCost]
    bonus_tiers: list[BonusTier]
    message: str
    expires_at: dt.datetime
    answered_by: str | None
    answer_note: str
    answered_at: dt.datetime | None
    created_at: dt.datetime


class QuotePage(Page):
    items: list[QuoteOut]


def quote_out(quote: Quote, booking: Booking) -> QuoteOut:
    return QuoteOut(
        id=quote.pk,
        booking=booking.uid,
        version=quote.version,
        status=quote.status,
        side=quote.side,
        proposed_by=quote.proposed_by.name if quote.proposed_by else None,
        replaces=quote.replaces_id,
        deal=quote.deal,
        fee_minor=quote.fee_minor,
        currency=quote.currency,
        door_percent=quote.door_percent,
        ticket_price_minor=quote.ticket_price_minor,
        capacity=quote.capacity,
        deposit_percent=quote.deposit_percent,
        balance_due_days=quote.balance_due_days,
        set_minutes=quote.set_minutes,
        included=IncludedOut(
            sound=quote.sound,
            backline=quote.backline,
            hospitality=quote.hospitality,
            accommodation=quote.accommodation,
            travel=quote.travel,
            note=quote.included_note,
        ),
        cancel_preset=quote.cancel_preset,
        cancel_windows=[WindowOut(**w) for w in quote.cancel_windows],
        door_costs=[DoorCost(**c) for c in quote.door_costs],
        bonus_tiers=[BonusTier(**b) for b in quote.bonus_tiers],
        message=quote.message,
        expires_at=utc(quote.expires_at),
        answered_by=quote.answered_by.name if quote.answered_by else None,
        answer_note=quote.answer_note,
        answered_at=utc(quote.answered_at),
        created_at=utc(quote.created_at),
    )


def _quote_or_404(request: HttpRequest, quote_id: int) -> Quote:
    quote = quote_for_viewer(pk=quote_id, user=request.user)
    if quote is None:
        raise Http404(_("No such quote."))
    return quote


def _fresh(request: HttpRequest, quote_id: int) -> QuoteOut:
    quote = _quote_or_404(request, quote_id)
    return quote_out(quote, quote.booking)


@router.get("/bookings/{uuid:uid}/quotes", response={200: QuotePage, **ONE_ERRORS})
def quotes_list(request: HttpRequest, uid: uuid.UUID, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """Every version of the terms of a booking you are part of, newest first."""
    caller(request, ApiToken.Scope.READ)
    booking = _mine_or_404(request, uid)
    page = max(1, min(limit, PAGE_MAX))
    rows, next_url = keyset(request, quotes_of(booking=booking), order=("-version", "-pk"), cursor=cursor, limit=page)
    return {"items": [quote_out(q, booking) for q in rows], "next": next_url}


class WindowIn(Schema):
    days: ApiInt(le=DAYS_MAX) = Field(description="Cancelled this many days or more before the gig…")
    refund_percent: ApiInt(le=100) = Field(description="…refunds this much (0 to 100)")


class QuoteIn(Schema):
    deal: Literal["flat", "door", "versus"] = "flat"
    fee_minor: ApiInt(le=MINOR_MAX) | None = Field(
        None, description="The guarantee in minor units; none for a door split alone"
    )
    currency: ApiLine(3) = Field("EUR")
    door_percent: ApiInt(le=100) | None = None
    ticket_price_minor: ApiInt(le=MINOR_MAX) | None = None
    capacity: ApiInt() | None = None
    deposit_percent: ApiInt(le=100) = 0
    balance_due_days: ApiInt(le=DAYS_MAX) = Field(0, description="Days before the gig; 0 on the day")
    set_minutes: ApiInt(le=24 * 60) | None = None
    sound: bool = False
    backline: bool = False
    hospitality: bool = False
    accommodation: bool = False
    travel: bool = False
    included_note: ApiText(300) = Field("")
    cancel_preset: Literal["flexible", "moderate", "strict", "custom"] = "moderate"
    cancel_windows: list[WindowIn] = Field(default_factory=list, description="With cancel_preset custom")
    door_costs: list[DoorCostIn] = Field(default_factory=list, description="Door splits: at most 10")
    bonus_tiers: list[BonusTierIn] = Field(default_factory=list, description="Door splits: at most 10")
    message: ApiText(2000) = Field("")
    send_anyway: bool = Field(False, description="Send although the fee is outside the band's range or the slot's")


@router.post("/bookings/{uuid:uid}/quotes", response={201: QuoteOut, **WRITE_ERRORS})
def quote_propose(request: HttpRequest, uid: uuid.UUID, body: QuoteIn):
    """Propose terms for a pending or booked booking (the band's leaders and admins, or the other side).
    When the other side's quote is open, this counters it (it becomes `countered`). On a booked gig,
    accepted terms change the deal only. 409 when your side's quote is still open."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    booking = _mine_or_404(request, uid)
    terms, message, send_anyway = _terms_of(body)
    quote = services.quote_propose(booking=booking, by=user, terms=terms, message=message, send_anyway=send_anyway)
    return Answer(201, _fresh(request, quote.pk))


def _terms_of(body: QuoteIn) -> tuple[Terms, str, bool]:
    data = body.dict()
    windows = tuple((w["days"], w["refund_percent"]) for w in data.pop("cancel_windows"))
    costs = tuple((c["kind"], c["label"].strip(), c["amount_minor"]) for c in data.pop("door_costs"))
    tiers = tuple((b["tickets"], b["amount_minor"]) for b in data.pop("bonus_tiers"))
    message, send_anyway = data.pop("message"), data.pop("send_anyway")
    return Terms(**data, cancel_windows=windows, door_costs=costs, bonus_tiers=tiers), message, send_anyway


@router.post("/quotes/{int:quote_id}/counter", response={201: QuoteOut, **WRITE_ERRORS})
def quote_counter(request: HttpRequest, quote_id: int, body: QuoteIn):
    """Answer the other side's open quote with new terms: it becomes `countered` and the new version
    replaces it (the same as proposing on its booking, but refused with a 409 when that quote was
    answered, replaced or expired meanwhile, and a 403 when your own side sent it)."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    terms, message, send_anyway = _terms_of(body)
    quote = services.quote_counter(
        quote=_quote_or_404(request, quote_id), by=user, terms=terms, message=message, send_anyway=send_anyway
    )
    return Answer(201, _fresh(request, quote.pk))


class AcceptIn(Schema):
    stand_in: bool = Field(False, description="The band's leaders accept although a member is busy")


@router.post("/quotes/{int:quote_id}/accept", response={200: QuoteOut, **WRITE_ERRORS})
def quote_accept(request: HttpRequest, quote_id: int, body: AcceptIn | None = None):
    """Accept the other side's open quote. On a pending booking this books it, through the same checks
    as accepting it (409 when the band is booked then, the place is taken, a member is busy)."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    services.quote_accept(quote=_quote_or_404(request, quote_id), by=user, stand_in=bool(body and body.stand_in))
    return _fresh(request, quote_id)


class QuoteDeclineIn(Schema):
    note: ApiText(500) = Field("", description="Why, if you like; the other side reads it")


@router.post("/quotes/{int:quote_id}/decline", response={200: QuoteOut, **WRITE_ERRORS})
def quote_decline(request: HttpRequest, quote_id: int, body: QuoteDeclineIn | None = None):
    """Decline the other side's open quote; the booking stays as it is."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    services.quote_decline(quote=_quote_or_404(request, quote_id), by=user, note=body.note if body else "")
    return _fresh(request, quote_id)
