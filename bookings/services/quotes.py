"""Quotes: one side of a booking proposes deal terms, the other accepts, counters or declines.

What must hold, whatever the order of clicks:
- a booking has at most one open quote (the partial unique constraint stands behind the checks);
  a counter closes the open one as "countered" in the same transaction as it is written;
- only the other side answers a quote, and only while it is open and has not expired (the time is
  checked here, so a quote past its time cannot be accepted before the periodic sweep lapses it);
- accepting a quote on a pending booking accepts the booking through answering.booking_accept, under
  its locks (band, slot, booking, then the quote) and in its transaction: a refusal there (another
  gig, a taken place, busy members) leaves the quote open and says why. On a booked gig, accepting
  a quote changes the agreed terms only.

Every write locks the booking row first, then the quote, so two answers to one quote queue and the
second finds it answered. Both sides are told (never the actor) and the band's and venue's webhooks
hear of it (`quote.*`) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, fields, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.services import WHEN, lazy_text
from bands.models import Currency

from ..errors import BookingConflict, BookingError, BookingPermissionError
from ..models import Booking, BookingEvent, Quote
from ..models_quotes import FEE_CAP_MINOR, MAX_WINDOWS, CostKind
from ..selectors.quotes import (
    QUOTED_KINDS,
    amount_text,
    counterpart_side,
    deal_text_lazy,
    money_text,
    quote_side_of,
)
from . import answering
from .agreement import quote_agree, quote_answerable, quote_emit, quote_notify
from .checks import booking_contact_check, too_long_text

Open = Quote.Status.OPEN
Deal = Quote.Deal

# Cancellation presets: (days before the gig, % refunded) from the most days to the fewest.
CANCEL_PRESETS: dict[str, tuple[tuple[int, int], ...]] = {
    "flexible": ((7, 100), (1, 50)),
    "moderate": ((30, 100), (14, 50)),
    "strict": ((60, 100), (30, 50)),
}
MAX_CAPACITY = 1_000_000
MAX_BALANCE_DAYS = 365
MAX_WINDOW_DAYS = 730
MAX_SET_MINUTES = 24 * 60


@dataclass(frozen=True)
class Terms:
    """What a quote proposes; amounts in minor units (cents)."""

    deal: str = Deal.FLAT
    fee_minor: int | None = None
    currency: str = Currency.EUR
    door_percent: int | None = None
    ticket_price_minor: int | None = None
    capacity: int | None = None
    deposit_percent: int = 0
    balance_due_days: int = 0
    set_minutes: int | None = None
    sound: bool = False
    backline: bool = False
    hospitality: bool = False
    accommodation: bool = False
    travel: bool = False
    included_note: str = ""
    # A preset's name, or "custom" with `cancel_windows` as (days, refund %) pairs.
    cancel_preset: str = "moderate"
    cancel_windows: tuple[tuple[int, int], ...] = ()
    # (kind, label, amount) the door side takes off the takings before a door split, and
    # (tickets sold, bonus) tiers: settled after the gig (payments.services.settlement).
    door_costs: tuple[tuple[str, str, int], ...] = ()
    bonus_tiers: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, quote: Quote) -> Terms:
        """A quote's terms, to counter them (the form starts from these)."""
        values = {f.name: getattr(quote, f.name) for f in fields(cls) if f.name not in LISTS}
        windows = tuple((w["days"], w["refund_percent"]) for w in quote.cancel_windows)
        costs = tuple((c["kind"], c["label"], c["amount_minor"]) for c in quote.door_costs)
        tiers = tuple((b["tickets"], b["amount_minor"]) for b in quote.bonus_tiers)
        return cls(**values, cancel_windows=windows, door_costs=costs, bonus_tiers=tiers)

    def listed(self) -> dict:
        """The list fields as the quote row keeps them (JSON)."""
        return {
            "cancel_windows": [{"days": d, "refund_percent": p} for d, p in self.cancel_windows],
            "door_costs": [{"kind": k, "label": label, "amount_minor": a} for k, label, a in self.door_costs],
            "bonus_tiers": [{"tickets": t, "amount_minor": a} for t, a in self.bonus_tiers],
        }


# Terms' fields kept as JSON lists on the quote.
LISTS = ("cancel_windows", "door_costs", "bonus_tiers")
MAX_TERM_ROWS = 10


def _percent_problem(value: int | None, *, low: int) -> str | None:
    if value is None or low <= value <= 100:
        return None
    return _("Enter a percentage from %(low)d to 100.") % {"low": low}


def terms_check(terms: Terms) -> Terms:
    """The terms as they are kept (presets spelt out); raises ValidationError by field for anything a
    deal cannot be: a fee of nothing or past 10,000,000, a percentage past 100, a balance due after
    the gig, cancellation windows out of order or overlapping, an unknown currency."""
    errors: dict[str, list[str]] = {}
    if terms.deal not in Deal.values:
        errors["deal"] = [_("Choose one of the deals listed.")]
    if terms.currency not in Currency.values:
        errors["currency"] = [_("Choose one of the currencies listed.")]
    cap = amount_text(FEE_CAP_MINOR)
    for name, amount in (("fee_minor", terms.fee_minor), ("ticket_price_minor", terms.ticket_price_minor)):
        if amount is not None and amount <= 0:
            errors[name] = [_("Enter an amount above zero.")]
        elif amount is not None and amount > FEE_CAP_MINOR:
            errors[name] = [_("That is more than %(cap)s; check the amount.") % {"cap": cap}]
    if terms.deal in (Deal.FLAT, Deal.VERSUS) and terms.fee_minor is None and "fee_minor" not in errors:
        errors["fee_minor"] = [_("Enter the fee guaranteed to the band.")]
    if terms.deal == Deal.DOOR and terms.fee_minor is not None:
        errors["fee_minor"] = [
            _("A door split alone has no guarantee: leave the fee empty, or choose guarantee versus door split.")
        ]
    if problem := _percent_problem(terms.door_percent, low=1):
        errors["door_percent"] = [problem]
    elif terms.deal in (Deal.DOOR, Deal.VERSUS) and terms.door_percent is None:
        errors["door_percent"] = [_("Enter the band's share of the door in %.")]
    elif terms.deal == Deal.FLAT and terms.door_percent is not None:
        errors["door_percent"] = [_("A flat guarantee has no door split: leave it empty, or choose another deal.")]
    if terms.capacity is not None and not 1 <= terms.capacity <= MAX_CAPACITY:
        errors["capacity"] = [_("Enter a capacity from 1 to 1,000,000.")]
    if problem := _percent_problem(terms.deposit_percent, low=0):
        errors["deposit_percent"] = [problem]
    if terms.balance_due_days < 0:
        errors["balance_due_days"] = [_("The balance is due before the gig or on its day, never after it.")]
    elif terms.balance_due_days > MAX_BALANCE_DAYS:
        errors["balance_due_days"] = [_("The balance is due at most 365 days before the gig.")]
    if terms.set_minutes is not None and not 1 <= terms.set_minutes <= MAX_SET_MINUTES:
        errors["set_minutes"] = [_("A set is 1 minute to 24 hours long.")]
    note = terms.included_note.strip()
    if len(note) > 300:
        errors["included_note"] = [too_long_text(300, len(note))]
    windows = terms.cancel_windows
    if terms.cancel_preset in CANCEL_PRESETS:
        windows = CANCEL_PRESETS[terms.cancel_preset]
    elif terms.cancel_preset != "custom":
        errors["cancel_preset"] = [_("Choose one of the cancellation terms listed.")]
    elif problem := windows_problem(windows):
        errors["cancel_windows"] = [problem]
    if terms.deal == Deal.FLAT and (terms.door_costs or terms.bonus_tiers):
        errors["door_costs"] = [
            _("A flat guarantee is not settled at the door: leave the costs and bonuses empty, or choose a door split.")
        ]
    elif problem := _costs_problem(terms):
        errors["door_costs"] = [problem]
    if problem := _tiers_problem(terms):
        errors["bonus_tiers"] = [problem]
    if errors:
        raise ValidationError(errors)
    return replace(terms, included_note=note, cancel_windows=tuple(windows))


def _costs_problem(terms: Terms) -> str | None:
    if len(terms.door_costs) > MAX_TERM_ROWS:
        return _("At most 10 costs.")
    for kind, label, amount in terms.door_costs:
        if kind not in CostKind.values or len(label) > 100:
            return _("Name each cost by one of the kinds listed, in at most 100 characters.")
        if not 1 <= amount <= FEE_CAP_MINOR:
            return _("A cost is more than nothing and at most %(cap)s.") % {"cap": amount_text(FEE_CAP_MINOR)}
    return None


def _tiers_problem(terms: Terms) -> str | None:
    if len(terms.bonus_tiers) > MAX_TERM_ROWS:
        return _("At most 10 bonus tiers.")
    counts = [t for t, _amount in terms.bonus_tiers]
    if len(set(counts)) != len(counts):
        return _("Two bonus tiers at the same ticket count: keep one.")
    for tickets, amount in terms.bonus_tiers:
        if not 1 <= tickets <= MAX_CAPACITY:
            return _("A bonus tier is reached at 1 to 1,000,000 tickets sold.")
        if not 1 <= amount <= FEE_CAP_MINOR:
            return _("A bonus is more than nothing and at most %(cap)s.") % {"cap": amount_text(FEE_CAP_MINOR)}
    return None


def windows_problem(windows: tuple[tuple[int, int], ...]) -> str | None:
    """Why custom cancellation windows cannot stand, or None: each is "cancelled N days or more before:
    P % back", listed from the most days to the fewest, never two on the same day, and never more
    back closer to the gig."""
    if len(windows) > MAX_WINDOWS:
        return ngettext(
            "At most %(count)d cancellation window, please.",
            "At most %(count)d cancellation windows, please.",
            MAX_WINDOWS,
        ) % {"count": MAX_WINDOWS}
    for days, percent in windows:
        if not 0 <= days <= MAX_WINDOW_DAYS:
            return _("A window starts 0 to 730 days before the gig.")
        if not 0 <= percent <= 100:
            return _("A refund is 0 to 100 %.")
    for (days, percent), (next_days, next_percent) in itertools.pairwise(windows):
        if next_days == days:
            return _("Two windows start %(days)d days before the gig; they overlap. Give each its own day.") % {
                "days": days
            }
        if next_days > days:
            return _("List the windows from the most days before the gig to the fewest.")
        if next_percent > percent:
            return _("A later cancellation cannot get more back than an earlier one.")
    return None


def quote_warnings(*, booking: Booking, terms: Terms) -> list[str]:
    """What the sender should know before sending: a fee outside the band's stated range, or not the
    slot's fee. Never changes the terms; the sender sends anyway or changes them."""
    if terms.fee_minor is None:
        return []
    warnings = []
    band, fee = booking.band, terms.fee_minor
    if band.currency == terms.currency:
        if band.fee_min is not None and fee < band.fee_min * 100:
            warnings.append(
                _("This fee is below %(band)s's lowest fee (%(fee)s).")
                % {"band": band.name, "fee": money_text(band.fee_min * 100, band.currency)}
            )
        if band.fee_max is not None and fee > band.fee_max * 100:
            warnings.append(
                _("This fee is above %(band)s's highest fee (%(fee)s).")
                % {"band": band.name, "fee": money_text(band.fee_max * 100, band.currency)}
            )
    slot = booking.slot if booking.slot_id else None
    if slot is not None and slot.fee is not None and slot.currency == terms.currency and fee != slot.fee * 100:
        warnings.append(
            _("The slot's fee is %(fee)s; this quote differs from it.")
            % {"fee": money_text(slot.fee * 100, slot.currency)}
        )
    return warnings


# ---- Proposing and countering -------------------------------------------------------------------


def _side_or_refuse(booking: Booking, by: User) -> str:
    side = quote_side_of(booking, by)
    if side is None:
        if booking.kind not in QUOTED_KINDS:
            raise BookingPermissionError(_("A band's own show has no terms to agree on."))
        raise BookingPermissionError(
            _("Only the band's leaders and admins and the other side of this booking can propose or answer terms.")
        )
    return side


def _quotable(booking: Booking, now: dt.datetime) -> None:
    """Terms are agreed on a pending booking, or changed on a booked gig that has not started."""
    if booking.status not in Booking.LIVE:
        raise BookingConflict(
            # Translators: status is the booking's state (declined, withdrawn, cancelled…).
            _("This booking is %(status)s, so its terms can no longer change. Nothing was changed.")
            % {"status": booking.get_status_display().lower()}
        )
    if booking.starts_at <= now:
        raise BookingError(_("This gig has started, so its terms can no longer change."))


def quote_propose(
    *,
    booking: Booking,
    by: User,
    terms: Terms,
    message: str = "",
    send_anyway: bool = False,
    now: dt.datetime | None = None,
    counters: int | None = None,
) -> Quote:
    """Propose terms for `booking` (the band's leaders and admins, or the other side). When the other
    side's quote is open this is a counter: that one becomes "countered" and this one replaces it.
    With `counters` (a quote's id) it must be that quote that is open when the booking is locked.
    Raises BookingPermissionError (not a party; a host's own show), ValidationError by field (bad
    terms; `send_anyway` with the warnings when the fee is outside the band's range or not the slot's
    and `send_anyway` is False), BookingConflict (the booking is no longer live; your own side's quote
    is still open), BookingError (the gig has started), ContactRefused (one side blocked the other)."""
    now = now or timezone.now()
    side = _side_or_refuse(booking, by)
    booking_contact_check(booking=booking, band_side_asks=side == "band")
    terms = terms_check(terms)
    message = message.strip()
    if len(message) > 2000:
        raise ValidationError({"message": [too_long_text(2000, len(message))]})
    if not send_anyway and (warnings := quote_warnings(booking=booking, terms=terms)):
        raise ValidationError({"send_anyway": warnings}, code="warning")
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("band", "venue", "client", "slot")
            .get(pk=booking.pk)
        )
        _quotable(booking, now)
        current = Quote.objects.select_for_update().filter(booking=booking, status=Open).first()
        if counters is not None and (current is None or current.pk != counters or current.expires_at <= now):
            raise BookingConflict(
                _(
                    "These terms were answered, replaced or expired meanwhile, so there is nothing to counter. "
                    "Nothing was changed."
                )
            )
        if current is not None and current.side == side:
            raise BookingConflict(
                _("Your side's quote (version %(version)d) is waiting for an answer. Nothing was changed.")
                % {"version": current.version}
            )
        if current is not None:
            lapsed = current.expires_at <= now
            current.status = Quote.Status.LAPSED if lapsed else Quote.Status.COUNTERED
            current.answered_by, current.answered_at = (None if lapsed else by), now
            current.save(update_fields=["status", "answered_by", "answered_at"])
            if lapsed:
                _lapsed_tell(booking, current)
                current = None
        version = (Quote.objects.filter(booking=booking).aggregate(v=Max("version"))["v"] or 0) + 1
        expires_at = min(now + dt.timedelta(days=settings.QUOTE_DAYS), booking.starts_at)
        values = {f.name: getattr(terms, f.name) for f in fields(Terms) if f.name not in LISTS}
        try:
            with transaction.atomic():
                quote = Quote.objects.create(
                    booking=booking,
                    version=version,
                    side=side,
                    proposed_by=by,
                    replaces=current,
                    message=message,
                    expires_at=expires_at,
                    **terms.listed(),
                    **values,
                )
        except IntegrityError as exc:
            raise BookingConflict(
                _("Someone sent terms for this booking at the same moment. Nothing was changed.")
            ) from exc
        countered = current is not None
        BookingEvent.objects.create(
            booking=booking,
            actor=by,
            from_status=booking.status,
            to_status=booking.status,
            note="Terms countered" if countered else "Terms proposed",
        )
        if countered:
            text = gettext_lazy("%(name)s counters the terms for %(band)s on %(when)s: %(deal)s.")
        else:
            text = gettext_lazy("%(name)s proposes terms for %(band)s on %(when)s: %(deal)s.")
        other = "band" if side != "band" else counterpart_side(booking)
        quote_notify(
            booking,
            quote,
            lazy_text(text, name=by.name, band=booking.band.name, when=WHEN, deal=deal_text_lazy(quote)),
            sides=[other],
            by=by,
            what="open",
        )
        quote_emit("quote.countered" if countered else "quote.proposed", booking, quote)
    return quote


def quote_counter(
    *,
    quote: Quote,
    by: User,
    terms: Terms,
    message: str = "",
    send_anyway: bool = False,
    now: dt.datetime | None = None,
) -> Quote:
    """Answer the other side's open `quote` with new terms (quote_propose, which marks it "countered").
    Raises as quote_propose, and BookingPermissionError (your own side's quote), BookingConflict (the
    quote is answered or expired, or was meanwhile)."""
    now = now or timezone.now()
    booking = quote.booking
    _answerer(quote, booking, by)
    quote_answerable(quote, booking, now)
    return quote_propose(
        booking=booking, by=by, terms=terms, message=message, send_anyway=send_anyway, now=now, counters=quote.pk
    )


# ---- Answering --------------------------------------------------------------------------------


def _answerer(quote: Quote, booking: Booking, by: User, side: str | None = None) -> str:
    side = side or _side_or_refuse(booking, by)
    if side == quote.side:
        raise BookingPermissionError(_("Your side sent these terms; the other side answers them."))
    return side


def quote_accept(
    *, quote: Quote, by: User, stand_in: bool = False, now: dt.datetime | None = None, side: str | None = None
) -> Quote:
    """Accept the other side's open quote. On a pending booking this accepts the booking through
    answering.booking_accept, under its locks and in its transaction (so a refusal there – another
    gig, a taken place, busy members – leaves the quote open and raises it); on a booked gig it only
    changes the agreed terms. The booking's fee, currency and agreed quote are the quote's from now.
    `side`: the side `by` answers for, when an app above has found it by a rule of its own (a festival's
    organisation answers for the venue on the sets it offered: festivals.services.timetable); else the
    booking's people only. Raises BookingPermissionError (not a party, your own side's quote),
    BookingConflict (answered, expired, the booking moved on, and what booking_accept raises), BookingError."""
    now = now or timezone.now()
    _answerer(quote, quote.booking, by, side)
    # Read again (a plain read): a page drawn before someone else answered says "open" and "pending".
    standing = getattr(quote.booking, "standing", None)
    quote = Quote.objects.select_related("booking__band", "booking__slot", "booking__venue").get(pk=quote.pk)
    booking = quote.booking
    if standing is not None:
        booking.standing = standing
    quote_answerable(quote, booking, now)
    if booking.status == Booking.Status.PENDING:
        accepted: list[Quote] = []

        def agree(locked: Booking) -> None:
            accepted.append(quote_agree(quote_id=quote.pk, booking=locked, by=by, now=now))

        booking = answering.booking_accept(booking=booking, by=by, now=now, stand_in=stand_in, terms=agree)
        quote = accepted[0]
        with transaction.atomic():
            quote_emit("quote.accepted", booking, quote)
        return quote
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
        )
        _quotable(booking, now)  # booked still (nothing leads back to pending), and not started
        quote = quote_agree(quote_id=quote.pk, booking=booking, by=by, now=now)
        quote_emit("quote.accepted", booking, quote)
    return quote


def quote_decline(
    *, quote: Quote, by: User, note: str = "", now: dt.datetime | None = None, side: str | None = None
) -> Quote:
    """Decline the other side's open quote (the booking itself stays as it is: either side may propose
    other terms, or decline the booking). `side` and what it raises as quote_accept."""
    now = now or timezone.now()
    note = note.strip()[:500]
    _answerer(quote, quote.booking, by, side)
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("band", "venue", "client")
            .get(pk=quote.booking_id)
        )
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        quote_answerable(quote, booking, now)
        quote.status, quote.answered_by, quote.answered_at, quote.answer_note = Quote.Status.DECLINED, by, now, note
        quote.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
        BookingEvent.objects.create(
            booking=booking,
            actor=by,
            from_status=booking.status,
            to_status=booking.status,
            note=f"Terms declined: {note}"[:500] if note else "Terms declined",
        )
        if note:
            # Translators: %(note)s is what the person declining wrote.
            text = lazy_text(
                gettext_lazy("%(name)s declined the terms for %(band)s on %(when)s (%(note)s)."),
                name=by.name,
                band=booking.band.name,
                when=WHEN,
                note=note,
            )
        else:
            text = lazy_text(
                gettext_lazy("%(name)s declined the terms for %(band)s on %(when)s."),
                name=by.name,
                band=booking.band.name,
                when=WHEN,
            )
        quote_notify(booking, quote, text, sides=[quote.side], by=by, what="declined")
        quote_emit("quote.declined", booking, quote)
    return quote


# ---- Lapsing ----------------------------------------------------------------------------------


def _lapsed_tell(booking: Booking, quote: Quote) -> None:
    quote_notify(
        booking,
        quote,
        lazy_text(
            gettext_lazy("The terms proposed for %(band)s on %(when)s lapsed without an answer."),
            band=booking.band.name,
            when=WHEN,
        ),
        sides=["band", counterpart_side(booking)],
        by=None,
        what="lapsed",
    )
    quote_emit("quote.lapsed", booking, quote)


def quotes_lapse(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Periodic: open quotes past their time, or on a booking nobody can agree terms on any more
    (declined, withdrawn, cancelled), lapse; both sides are told. Each in a short transaction of its
    own (booking, then quote locked, checked again). Returns how many lapsed."""
    now = now or timezone.now()
    due = list(
        Quote.objects.filter(status=Open)
        .filter(Q(expires_at__lte=now) | ~Q(booking__status__in=Booking.LIVE))
        .order_by("expires_at", "pk")
        .values_list("pk", "booking_id")[:limit]
    )
    lapsed = 0
    for pk, booking_id in due:
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related("band", "venue", "client")
                .get(pk=booking_id)
            )
            quote = Quote.objects.select_for_update().get(pk=pk)
            if quote.status != Open or (quote.expires_at > now and booking.status in Booking.LIVE):
                continue
            quote.status, quote.answered_at = Quote.Status.LAPSED, now
            quote.save(update_fields=["status", "answered_at"])
            BookingEvent.objects.create(
                booking=booking,
                actor=None,
                from_status=booking.status,
                to_status=booking.status,
                note="Terms lapsed",
            )
            _lapsed_tell(booking, quote)
            lapsed += 1
    return lapsed
