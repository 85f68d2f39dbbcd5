"""Agreeing a quote's terms under the booking's lock: the accept of a quote (quotes.quote_accept) and
every accept of a pending booking (book.booking_book, whatever the door) agree terms here, once.

The rule for the terms on the table when a pending booking is accepted (plainly, "anyway" with a
stand-in, on the page, in the API or from an e-mail's button): an open quote that has not expired is
agreed in the same transaction when the accepting side is the side that did not send it – accepting
the booking is accepting the terms offered with it, as quote acceptance is. When the accepting side
sent it itself, its own offer still waits for the other side, which has agreed to nothing: the accept
is refused (nothing changes) and the other side books the gig by accepting the quote. So no gig is
booked beside terms one side proposed, with nothing due.

Locks: the booking is locked by the caller; the quote is locked here, after it (the order every quote
write keeps). Both sides are told of agreed terms; the `quote.accepted` webhook is the caller's, once
the booking is in its new state.
"""

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import WHEN, lazy_text, notifications_create
from bands.selectors import band_managers

from ..errors import BookingConflict
from ..models import Booking, BookingEvent, Quote
from ..selectors.bookings import venue_team
from ..selectors.quotes import QUOTED_KINDS, counterpart_side, deal_text_lazy, quote_side_of
from .notices import link_of
from .webhooks import webhook_events_emit

Open = Quote.Status.OPEN


def side_people(booking: Booking, side: str) -> list[User]:
    """Who speaks for `side` on the booking's terms: the band's leaders and admins, the venue's staff,
    the headliner's leaders and admins, or the client."""
    if side == "band":
        return band_managers(booking.band_id)
    if side == "venue":
        return venue_team(booking.venue_id)
    if side == "headliner":
        return band_managers(booking.picker_band_id)
    return [booking.client]


# Who else answers for a side of some bookings and is told of their terms: each door (registered by the app
# that gives that right, in its AppConfig.ready) is called as door(booking, quote, text, sides=, by=, what=,
# told=) after the side's own people are told, and tells those it knows of (with a link they can open).
QUOTE_NOTICE_DOORS: list[Callable[..., None]] = []


def quote_notify(
    booking: Booking, quote: Quote, text: Promise, *, sides: list[str], by: User | None, what: str
) -> None:
    people: list[User] = []
    for side in sides:
        people += [p for p in side_people(booking, side) if p not in people]
    for door in QUOTE_NOTICE_DOORS:
        door(booking, quote, text, sides=sides, by=by, what=what, told=people)
    notifications_create(
        recipients=people,
        kind="booking_quote",
        text=text,
        link=link_of(booking),
        key=f"quote:{quote.pk}:{what}",
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


def quote_payload(quote: Quote) -> dict:
    """A quote as the API and the webhooks give it (amounts in minor units)."""
    return {
        "id": quote.pk,
        "version": quote.version,
        "status": quote.status,
        "side": quote.side,
        "deal": quote.deal,
        "fee_minor": quote.fee_minor,
        "currency": quote.currency,
        "door_percent": quote.door_percent,
        "ticket_price_minor": quote.ticket_price_minor,
        "capacity": quote.capacity,
        "deposit_percent": quote.deposit_percent,
        "balance_due_days": quote.balance_due_days,
        "set_minutes": quote.set_minutes,
        "included": {
            "sound": quote.sound,
            "backline": quote.backline,
            "hospitality": quote.hospitality,
            "accommodation": quote.accommodation,
            "travel": quote.travel,
            "note": quote.included_note,
        },
        "cancel_preset": quote.cancel_preset,
        "cancel_windows": quote.cancel_windows,
        "door_costs": quote.door_costs,
        "bonus_tiers": quote.bonus_tiers,
        "replaces": quote.replaces_id,
        "expires_at": quote.expires_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }


def quote_emit(event: str, booking: Booking, quote: Quote) -> None:
    webhook_events_emit(event=event, bookings=[booking], extra={"quote": quote_payload(quote)})


def quote_expires_text(quote: Quote, booking: Booking) -> str:
    local = timezone.localtime(quote.expires_at, booking.zone)
    return date_format(local, "MOMENT_FORMAT")


def quote_answerable(quote: Quote, booking: Booking, now: dt.datetime) -> None:
    """Refuse (BookingConflict) a quote that is answered or has expired."""
    if quote.status != Open:
        raise BookingConflict(
            # Translators: status is the quote's state (accepted, countered, declined, lapsed).
            _("This quote is already %(status)s, so nothing was changed.")
            % {"status": quote.get_status_display().lower()}
        )
    if quote.expires_at <= now:
        raise BookingConflict(
            _("This quote expired on %(when)s, so it can no longer be answered. Propose new terms instead.")
            % {"when": quote_expires_text(quote, booking)}
        )


def quote_agree(*, quote_id: int, booking: Booking, by: User, now: dt.datetime) -> Quote:
    """Under the booking's lock: lock the quote, check it again, accept it and make its terms the deal."""
    quote = Quote.objects.select_for_update().get(pk=quote_id)
    quote_answerable(quote, booking, now)
    quote.status, quote.answered_by, quote.answered_at = Quote.Status.ACCEPTED, by, now
    quote.save(update_fields=["status", "answered_by", "answered_at"])
    booking.fee = (quote.fee_minor // 100) if quote.fee_minor is not None else None
    booking.currency = quote.currency
    booking.agreed_quote = quote
    booking.save(update_fields=["fee", "currency", "agreed_quote", "updated_at"])
    BookingEvent.objects.create(
        booking=booking,
        actor=by,
        from_status=booking.status,
        to_status=booking.status,
        note="Terms agreed",
    )
    quote_notify(
        booking,
        quote,
        lazy_text(
            gettext_lazy("%(name)s accepted the terms for %(band)s on %(when)s: %(deal)s."),
            name=by.name,
            band=booking.band.name,
            when=WHEN,
            deal=deal_text_lazy(quote),
        ),
        sides=["band", counterpart_side(booking)],
        by=by,
        what="accepted",
    )
    return quote


def open_quote_agree(*, booking: Booking, by: User, now: dt.datetime) -> Quote | None:
    """The terms on the table when `by` accepts the pending `booking` (locked): the open quote that
    has not expired is agreed (see the module docstring) and returned; None when there is none.

    Raises BookingConflict when `by`'s side sent that quote: the other side accepts it first."""
    if booking.kind not in QUOTED_KINDS:
        return None
    quote = Quote.objects.select_for_update().filter(booking=booking, status=Open, expires_at__gt=now).first()
    if quote is None:
        return None
    if quote_side_of(booking, by) == quote.side:
        raise BookingConflict(
            _(
                "Your side's terms (version %(version)d) are still waiting for the other side: the gig is "
                "booked when they accept them. Nothing was changed."
            )
            % {"version": quote.version}
        )
    return quote_agree(quote_id=quote.pk, booking=booking, by=by, now=now)
