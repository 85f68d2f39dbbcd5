"""Demo quotes: deal terms in every state – open (a band's quote on a client's request), countered (a
venue answers a band's terms with its own), accepted (a booked gig's change of terms) and lapsed
(nobody answered in time).

Everything goes through bookings.services.quotes, as on the booking page; the notifications' emails
are marked as not wanted, as the demo people have no real mailboxes. Runs once: skipped when there
are quotes already.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Max

from accounts.models import Notification, User
from bands.selectors import band_managers
from bookings.errors import BookingError
from bookings.models import Booking, Quote
from bookings.selectors.bookings import venue_team
from bookings.selectors.quotes import counterpart_side, quote_side_of
from bookings.services import quotes
from bookings.services.quotes import Terms

logger = logging.getLogger(__name__)


def _sides(booking: Booking) -> tuple[User, User] | None:
    """(the band's leader, the other side's person) or None when either is missing."""
    band = next((u for u in band_managers(booking.band_id) if quote_side_of(booking, u) == "band"), None)
    others = [booking.client] if booking.client_id else venue_team(booking.venue_id)
    other = next((u for u in others if quote_side_of(booking, u) == counterpart_side(booking)), None)
    return (band, other) if band and other else None


def _pending(kind: str, now: dt.datetime, exclude: set[int]) -> Booking | None:
    return (
        Booking.objects.filter(status=Booking.Status.PENDING, kind=kind, starts_at__gt=now + dt.timedelta(days=2))
        .exclude(pk__in=exclude)
        .filter(picker_band__isnull=True)
        .select_related("band", "venue", "client", "slot")
        .order_by("starts_at", "pk")
        .first()
    )


def _terms(booking: Booking, **changes) -> Terms:
    fee = (booking.fee or booking.band.fee_min or 500) * 100
    return Terms(
        **{
            "fee_minor": fee,
            "currency": booking.currency,
            "deposit_percent": 30,
            "balance_due_days": 14,
            "sound": True,
            **changes,
        }
    )


def seed_quotes(*, now: dt.datetime) -> None:
    if Quote.objects.exists():
        return
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    used: set[int] = set()
    with transaction.atomic():
        try:
            _stories(now, used)
        except BookingError as exc:  # a demo world shaped otherwise: keep what was told
            logger.warning("Demo quotes: %s", exc)
        Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
            email_state=Notification.Email.SKIPPED
        )


def _stories(now: dt.datetime, used: set[int]) -> None:
    # Open: a band quotes a client's request (its usual fee, a set of 90 minutes, hospitality).
    if (request := _pending(Booking.Kind.REQUEST, now, used)) and (sides := _sides(request)):
        used.add(request.pk)
        quotes.quote_propose(
            booking=request,
            by=sides[0],
            terms=_terms(request, set_minutes=90, hospitality=True, cancel_preset="flexible"),
            message="Two sets of 45 minutes, our own sound. Dinner for five would be lovely.",
            send_anyway=True,
            now=now,
        )
    else:
        logger.warning("Demo quotes: no pending request to quote")
    # Countered: a band asks for a guarantee versus a door split; the venue answers with a door split.
    if (application := _pending(Booking.Kind.APPLICATION, now, used)) and (sides := _sides(application)):
        used.add(application.pk)
        quotes.quote_propose(
            booking=application,
            by=sides[0],
            terms=_terms(application, deal="versus", door_percent=70, ticket_price_minor=1500, capacity=180),
            send_anyway=True,
            now=now,
        )
        quotes.quote_propose(
            booking=application,
            by=sides[1],
            terms=_terms(
                application, deal="door", fee_minor=None, door_percent=80, ticket_price_minor=1500, capacity=180
            ),
            message="We can't guarantee on a Tuesday, but the door is all yours after costs.",
            send_anyway=True,
            now=now,
        )
    else:
        logger.warning("Demo quotes: no pending application to counter")
    # Lapsed: a venue's offer whose terms nobody answered in time.
    if (offer := _pending(Booking.Kind.OFFER, now, used)) and (sides := _sides(offer)):
        used.add(offer.pk)
        quotes.quote_propose(
            booking=offer, by=sides[1], terms=_terms(offer), send_anyway=True, now=now - dt.timedelta(days=9)
        )
        quotes.quotes_lapse(now=now)
    else:
        logger.warning("Demo quotes: no pending offer whose terms lapse")
    # Accepted: a booked gig's terms changed – the band adds backline, the venue accepts.
    booked = (
        Booking.objects.filter(status=Booking.Status.BOOKED, kind=Booking.Kind.APPLICATION, starts_at__gt=now)
        .select_related("band", "venue", "client", "slot")
        .order_by("starts_at", "pk")
        .first()
    )
    if booked and (sides := _sides(booked)):
        change = quotes.quote_propose(
            booking=booked, by=sides[0], terms=_terms(booked, backline=True), send_anyway=True, now=now
        )
        quotes.quote_accept(quote=change, by=sides[1], now=now)
    else:
        logger.warning("Demo quotes: no booked gig to change the terms of")
