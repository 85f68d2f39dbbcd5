"""Reads of quotes: a booking's versions, who may answer, the terms in words and what changed between
two versions (shown on the booking page, in notifications and in the API)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from bands.cancellation import windows_of, windows_words
from core.fields.amounts import money_words

from ..models import Booking, Quote
from ..models_quotes import CostKind
from .bookings import side_of

Deal = Quote.Deal
# Booking kinds whose two sides negotiate terms (a host's own show has nobody to answer it).
QUOTED_KINDS = (Booking.Kind.APPLICATION, Booking.Kind.OFFER, Booking.Kind.REQUEST)


def quotes_of(*, booking: Booking) -> QuerySet[Quote]:
    """Every version of `booking`'s quotes, newest first, with who proposed and who answered them."""
    return (
        Quote.objects.filter(booking=booking).select_related("proposed_by", "answered_by").order_by("-version", "-pk")
    )


def quote_of(*, booking: Booking, pk: int) -> Quote | None:
    """One quote of `booking` (None when it is another booking's or does not exist)."""
    return Quote.objects.filter(booking=booking, pk=pk).select_related("booking", "proposed_by").first()


def quote_for_viewer(*, pk: int, user: User) -> Quote | None:
    """A quote whose booking `user` takes part in (a member of the band, the venue's staff, the client)."""
    from .bookings import booking_for_viewer

    booking_uid = Quote.objects.filter(pk=pk).values_list("booking__uid", flat=True).first()
    if booking_uid is None:
        return None
    booking = booking_for_viewer(uid=booking_uid, user=user)
    if booking is None:
        return None
    quote = Quote.objects.select_related("proposed_by", "answered_by").get(pk=pk)
    quote.booking = booking
    return quote


def counterpart_side(booking: Booking) -> str:
    """The side that negotiates with the band: the client, the headliner that picks support acts, or
    the venue."""
    if booking.kind == Booking.Kind.REQUEST:
        return "client"
    if booking.picker_band_id:
        return "headliner"
    return "venue"


def quote_side_of(booking: Booking, user: User) -> str | None:
    """The side `user` proposes and answers terms for: "band" (leaders and admins) or the counterpart
    (see counterpart_side); None when they may do neither."""
    if booking.kind not in QUOTED_KINDS:
        return None
    side = side_of(booking, user)
    return side if side in ("band", counterpart_side(booking)) else None


# ---- Terms in words ---------------------------------------------------------------------------


def amount_text(minor: int) -> str:
    """ "1,250", "12.50": an amount in minor units, in the reader's locale (cents only when there are some)."""
    decimals = 2 if minor % 100 else 0
    return number_format(Decimal(minor) / 100, decimal_pos=decimals, use_l10n=True, force_grouping=True)


# Every currency StageSlot takes (bands.Currency) counts in hundredths: an amount is kept in minor units.
MINOR_PER_UNIT = 100


def convert_minor(minor: int, rate: Decimal) -> int:
    """`minor` units of one currency in minor units of another at `rate` (1 of the first = `rate` of the
    second), rounded half to even to the second currency's minor units: the one conversion of money."""
    return int((Decimal(minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def rate_text(rate: Decimal) -> str:
    """ "1.0480", "0.857143": an exchange rate in the reader's locale, four decimals at least."""
    places = max(4, -rate.normalize().as_tuple().exponent)
    return number_format(rate, decimal_pos=places, use_l10n=True, force_grouping=True)


def money_text(minor: int | None, currency: str) -> str:
    """ "1,250 EUR", "12.50 EUR": an amount in minor units, in the reader's locale, with its currency."""
    if minor is None:
        return ""
    amount = amount_text(minor)
    return money_words(amount, currency)


money_text_lazy = lazy(money_text, str)


def deal_text(quote: Quote) -> str:
    """The deal in a phrase: "a fee of 800 EUR", "70 % of the door", "800 EUR versus 70 % of the door"."""
    fee = money_text(quote.fee_minor, quote.currency)
    if quote.deal == Deal.DOOR:
        return _("%(percent)s %% of the door") % {"percent": quote.door_percent}
    if quote.deal == Deal.VERSUS:
        # Translators: a guarantee versus a share of the door, whichever is higher.
        return _("%(fee)s versus %(percent)s %% of the door") % {"fee": fee, "percent": quote.door_percent}
    return _("a fee of %(fee)s") % {"fee": fee}


deal_text_lazy = lazy(deal_text, str)


def door_estimate_minor(quote: Quote) -> int | None:
    """What the band would earn from a full house, before costs: the door share of ticket price × capacity,
    or the guarantee when that is higher (versus). None without a ticket price and capacity."""
    if quote.deal == Deal.FLAT or not quote.ticket_price_minor or not quote.capacity or not quote.door_percent:
        return None
    share = quote.ticket_price_minor * quote.capacity * quote.door_percent // 100
    if quote.deal == Deal.VERSUS and quote.fee_minor:
        return max(share, quote.fee_minor)
    return share


def balance_text(quote: Quote) -> str:
    if quote.deposit_percent >= 100:
        return _("Everything is paid as the deposit.")
    if quote.balance_due_days == 0:
        return _("The balance is due on the day of the gig.")
    return ngettext(
        "The balance is due %(days)d day before the gig.",
        "The balance is due %(days)d days before the gig.",
        quote.balance_due_days,
    ) % {"days": quote.balance_due_days}


def windows_text(quote: Quote) -> list[str]:
    """A quote's cancellation terms in words (any version, agreed or not), by the one rule that also
    decides the refund (bands.cancellation; an agreed quote's through bookings.selectors.cancellation)."""
    return windows_words(windows_of(quote.cancel_windows))


INCLUDED = (
    ("sound", gettext_lazy("Sound")),
    ("backline", gettext_lazy("Backline")),
    ("hospitality", gettext_lazy("Hospitality")),
    ("accommodation", gettext_lazy("Accommodation")),
    ("travel", gettext_lazy("Travel")),
)


def included_labels(quote: Quote) -> list[str]:
    return [str(label) for name, label in INCLUDED if getattr(quote, name)]


# ---- What changed between two versions ---------------------------------------------------------


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def _percent(value: int | None) -> str:
    return "–" if value is None else _("%(percent)d %%") % {"percent": value}


def quote_changes(old: Quote, new: Quote) -> list[str]:
    """Each term that differs from `old` to `new`, in words: "Fee 800 → 650 EUR", "Deposit 30 % → 50 %"."""
    changes = []
    if old.deal != new.deal:
        changes.append(_("Deal %(old)s → %(new)s") % {"old": old.get_deal_display(), "new": new.get_deal_display()})
    if (old.fee_minor, old.currency) != (new.fee_minor, new.currency):
        if old.currency == new.currency and old.fee_minor is not None and new.fee_minor is not None:
            changes.append(
                # Translators: two amounts in the same currency, e.g. "Fee 800 → 650 EUR".
                _("Fee %(old)s → %(new)s %(currency)s")
                % {
                    "old": amount_text(old.fee_minor),
                    "new": amount_text(new.fee_minor),
                    "currency": new.currency,
                }
            )
        else:
            changes.append(
                _("Fee %(old)s → %(new)s")
                % {
                    "old": money_text(old.fee_minor, old.currency) or "–",
                    "new": money_text(new.fee_minor, new.currency) or "–",
                }
            )
    if old.door_percent != new.door_percent:
        changes.append(
            _("Door split %(old)s → %(new)s") % {"old": _percent(old.door_percent), "new": _percent(new.door_percent)}
        )
    if (old.ticket_price_minor, old.currency) != (new.ticket_price_minor, new.currency):
        changes.append(
            _("Ticket price %(old)s → %(new)s")
            % {
                "old": money_text(old.ticket_price_minor, old.currency) or "–",
                "new": money_text(new.ticket_price_minor, new.currency) or "–",
            }
        )
    if old.capacity != new.capacity:
        changes.append(_("Capacity %(old)s → %(new)s") % {"old": old.capacity or "–", "new": new.capacity or "–"})
    if old.deposit_percent != new.deposit_percent:
        changes.append(
            _("Deposit %(old)s → %(new)s")
            % {"old": _percent(old.deposit_percent), "new": _percent(new.deposit_percent)}
        )
    if old.balance_due_days != new.balance_due_days:
        changes.append(
            # Translators: days before the gig the balance is due, e.g. "Balance due 14 → 7 days before".
            _("Balance due %(old)d → %(new)d days before") % {"old": old.balance_due_days, "new": new.balance_due_days}
        )
    if old.set_minutes != new.set_minutes:
        changes.append(
            _("Set length %(old)s → %(new)s min") % {"old": old.set_minutes or "–", "new": new.set_minutes or "–"}
        )
    for name, label in INCLUDED:
        if getattr(old, name) != getattr(new, name):
            changes.append(
                # Translators: something included in the deal, e.g. "Backline: no → yes".
                _("%(what)s: %(old)s → %(new)s")
                % {"what": label, "old": _yes_no(getattr(old, name)), "new": _yes_no(getattr(new, name))}
            )
    if old.included_note != new.included_note:
        changes.append(_("The note on what is included changed"))
    if old.cancel_windows != new.cancel_windows:
        changes.append(_("Cancellation terms changed"))
    if old.door_costs != new.door_costs:
        changes.append(_("The costs taken off the door changed"))
    if old.bonus_tiers != new.bonus_tiers:
        changes.append(_("The bonuses changed"))
    return changes


def quote_history(quotes: Sequence[Quote]) -> list[tuple[Quote, list[str]]]:
    """Newest first, each version with what changed from the one before it (nothing for the first)."""
    ordered = sorted(quotes, key=lambda q: q.version)
    rows, previous = [], None
    for quote in ordered:
        rows.append((quote, quote_changes(previous, quote) if previous is not None else []))
        previous = quote
    return list(reversed(rows))


# ---- The booking page's terms card -------------------------------------------------------------


def _moment(moment, zone) -> str:
    return date_format(timezone.localtime(moment, zone), "MOMENT_FORMAT")


def quote_view(quote: Quote, zone) -> dict:
    """One version's terms as the card shows them."""
    estimate = door_estimate_minor(quote)
    return {
        "quote": quote,
        "deal": deal_text(quote),
        "fee": money_text(quote.fee_minor, quote.currency),
        "ticket_price": money_text(quote.ticket_price_minor, quote.currency),
        "estimate": money_text(estimate, quote.currency) if estimate is not None else "",
        "balance": balance_text(quote),
        "windows": windows_text(quote),
        "included": included_labels(quote),
        "expires": _moment(quote.expires_at, zone),
        "costs": door_costs_text(quote),
        "bonuses": bonus_tiers_text(quote),
    }


def door_costs_text(quote: Quote) -> list[str]:
    """The costs the terms let the door side take off, in words: "Sound (PA hire): 150 EUR"."""
    rows = []
    for cost in quote.door_costs:
        kind = CostKind(cost["kind"]).label if cost["kind"] in CostKind.values else cost["kind"]
        name = f"{kind} ({cost['label']})" if cost.get("label") else str(kind)
        rows.append(
            _("%(cost)s: %(amount)s") % {"cost": name, "amount": money_text(cost["amount_minor"], quote.currency)}
        )
    return rows


def bonus_tiers_text(quote: Quote) -> list[str]:
    """The bonus tiers in words: "+100 EUR at 200 tickets sold"."""
    return [
        _("+%(amount)s at %(tickets)s tickets sold")
        % {"amount": money_text(tier["amount_minor"], quote.currency), "tickets": tier["tickets"]}
        for tier in sorted(quote.bonus_tiers, key=lambda t: t["tickets"])
    ]


def quote_card(*, booking: Booking, user: User, now) -> dict:
    """What the booking page's terms card shows `user`: the open quote (and whether they answer it),
    the agreed terms, every version with what changed, and whether they may propose. One query."""
    zone = timezone.get_current_timezone()
    versions = list(quotes_of(booking=booking))
    side = quote_side_of(booking, user)
    live = booking.status in Booking.LIVE and booking.starts_at > now
    current = next((q for q in versions if q.is_open), None)
    agreed = next((q for q in versions if q.pk == booking.agreed_quote_id), None)
    expired = current is not None and current.expires_at <= now
    return {
        "side": side,
        "current": quote_view(current, zone) if current is not None else None,
        "current_expired": expired,
        "agreed": quote_view(agreed, zone) if agreed is not None else None,
        "history": [
            {
                "quote": q,
                "changes": changes,
                "when": date_format(timezone.localtime(q.created_at, zone), "MOMENT_FORMAT"),
            }
            for q, changes in quote_history(versions)
        ],
        "can_answer": live and side is not None and current is not None and not expired and current.side != side,
        "waiting": live and current is not None and not expired and current.side == side,
        "can_propose": live and side is not None and (current is None or expired or current.side != side),
        "is_change": booking.status == Booking.Status.BOOKED,
    }
