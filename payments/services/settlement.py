"""A door deal settled after the gig: the side that ran the door (the venue's staff, or the client of a
private event) enters the tickets sold, the takings and the agreed costs; the band's amount is worked out
here from the agreed terms; the band's leaders approve it or say what is wrong. Approved by both, it is
final: the ledger records it and what the band is owed beyond what was paid becomes due
(payments.selectors.settlement_part), paid through the pay page or recorded as paid outside StageSlot.

Every write locks the booking, then its settlement, so an entry and an approval queue; an approval names
the version of the figures it read, so figures changed meanwhile are never approved unseen.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.selectors import band_managers
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking, BookingEvent, Quote
from bookings.models_quotes import FEE_CAP_MINOR
from bookings.selectors.bookings import manages_band_of
from bookings.selectors.quotes import money_text, money_text_lazy
from bookings.services.checks import too_long_text
from bookings.services.notices import booking_summary

from ..models import Payment, Settlement, SettlementBonus, SettlementCost
from ..selectors import may_pay, payer_side, settlement_part, settlement_unagreed, split_percent
from . import ledger
from .payments import payer_people

Deal = Quote.Deal
Status = Settlement.Status

# A count past this is a typing slip, not a night at the door.
MAX_TICKETS = 1_000_000
FINAL = gettext_lazy(
    "Both sides approved this settlement, so it can no longer be changed. Write to StageSlot staff if it is wrong."
)
# Gigs whose settlement can be entered and approved once they have started.
SETTLED_FROM = (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS, Booking.Status.COMPLETED, Booking.Status.DISPUTED)


@dataclass(frozen=True)
class Figures:
    """A settlement worked out: the takings, the net after costs (never below 0), the band's share of
    the net door, the bonus reached, the band's amount (the guarantee or the share, plus the bonus),
    the venue's cut of the merchandise, and what the door side pays (the band's amount less that cut)."""

    tickets_sold: int
    gross_minor: int
    costs_minor: int
    net_minor: int
    door_share_minor: int
    band_amount_minor: int
    bonus_minor: int = 0
    bonus_tickets: int | None = None
    merch_cut_minor: int = 0
    payable_minor: int = 0


def bonus_reached(
    tiers: Iterable[tuple[int, int]], tickets_sold: int, *, agreed: Iterable[tuple[int, int]] = ()
) -> tuple[int | None, int]:
    """(tier's ticket count, bonus) of the highest tier `tickets_sold` reached, or (None, 0). Tiers do not
    add up: the tier reached names the whole bonus (docs/decisions/0069-settlements-itemised.md). The
    `agreed` tiers (the terms') are a floor: a tier added at settlement never pays less than the agreed
    tier reached (docs/decisions/0073-what-was-agreed-and-the-bytes-sent.md)."""
    reached = [(tickets, amount) for tickets, amount in tiers if tickets_sold >= tickets]
    best = max(reached) if reached else (None, 0)
    floor = [(tickets, amount) for tickets, amount in agreed if tickets_sold >= tickets]
    if floor and max(floor)[1] > best[1]:
        return max(floor)
    return best


def settlement_compute(
    *,
    quote: Quote,
    tickets_sold: int,
    gross_minor: int | None,
    costs_minor: int,
    bonuses: Iterable[tuple[int, int]] = (),
    agreed_bonuses: Iterable[tuple[int, int]] = (),
    merch_gross_minor: int = 0,
    merch_venue_percent: int = 0,
) -> Figures:
    """The band's amount by the agreed terms: a door split pays its share of the net; a guarantee versus
    a door split pays the guarantee or that share, whichever is higher; the bonus of the highest tier
    reached is added on top, never less than the agreed tier reached (`agreed_bonuses`). Without
    `gross_minor` the takings are tickets × the agreed ticket price. Costs above the takings leave a net
    of 0. The venue's cut of the merchandise (its percentage of what the band sold) is what the band owes
    the venue: it is taken off what the door side pays."""
    gross = gross_minor if gross_minor is not None else tickets_sold * (quote.ticket_price_minor or 0)
    net = max(gross - costs_minor, 0)
    share = split_percent(net, quote.door_percent or 0)
    amount = max(quote.fee_minor or 0, share) if quote.deal == Deal.VERSUS else share
    tier, bonus = bonus_reached(bonuses, tickets_sold, agreed=agreed_bonuses)
    amount += bonus
    cut = split_percent(merch_gross_minor, merch_venue_percent)
    return Figures(tickets_sold, gross, costs_minor, net, share, amount, bonus, tier, cut, max(amount - cut, 0))


def settlement_refusal(booking: Booking, *, now: dt.datetime) -> BookingError | None:
    """Why `booking` has no settlement (yet), as the refusal to raise; None when it may have one."""
    quote = booking.agreed_quote
    if quote is None or quote.deal not in (Deal.DOOR, Deal.VERSUS):
        return BookingConflict(
            _("Only a door split, or a guarantee versus a door split, is settled after the gig; these terms are not.")
        )
    if payer_side(booking) is None:
        return BookingConflict(_("Nobody pays the band for this show through StageSlot, so it has no settlement."))
    if booking.status not in SETTLED_FROM:
        # Translators: status is the gig's state (cancelled, declined…).
        return BookingConflict(
            _("This gig is %(status)s, so it has no settlement.") % {"status": booking.get_status_display().lower()}
        )
    if booking.starts_at > now:
        return BookingError(_("The settlement is entered once the gig has started."))
    return None


def settlement_side(booking: Booking, user: User) -> str | None:
    """ "payer" (the venue's staff, or the client), "band" (its leaders and admins), or None."""
    if may_pay(booking, user):
        return "payer"
    if getattr(user, "is_authenticated", False) and manages_band_of(booking, user):
        return "band"
    return None


def _lock(booking: Booking, now: dt.datetime) -> tuple[Booking, Settlement | None]:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("agreed_quote", "band", "venue", "client")
        .get(pk=booking.pk)
    )
    refusal = settlement_refusal(booking, now=now)
    if refusal is not None:
        raise refusal
    settlement = Settlement.objects.select_for_update().filter(booking=booking).first()
    return booking, settlement


def _amount_problem(amount: int | None, *, what: str) -> str | None:
    """Why an amount entered on a settlement cannot stand: none, below zero, or a typing slip."""
    if amount is None:
        return _("Enter the %(what)s: an amount of 0 or more.") % {"what": what}
    if amount < 0:
        return _("The %(what)s cannot be below zero.") % {"what": what}
    if amount > FEE_CAP_MINOR:
        return _("%(what)s above 10,000,000 is a typing slip: check the amount.") % {"what": what.capitalize()}
    return None


def _check(
    quote: Quote,
    *,
    tickets_sold: int | None,
    gross_minor: int | None,
    merch_gross_minor: int | None,
    merch_venue_percent: int | None,
    note: str,
):
    errors: dict[str, list[str]] = {}
    if tickets_sold is None:
        errors["tickets_sold"] = [_("Enter the tickets sold: a whole number, 0 or more.")]
    elif tickets_sold < 0:
        errors["tickets_sold"] = [_("Tickets sold cannot be below zero.")]
    elif tickets_sold > MAX_TICKETS:
        errors["tickets_sold"] = [_("More than 1,000,000 tickets is a typing slip: check the number.")]
    if gross_minor is None and not quote.ticket_price_minor:
        errors["gross"] = [_("The terms name no ticket price: enter the takings at the door.")]
    elif gross_minor is not None and gross_minor < 0:
        errors["gross"] = [_("The takings cannot be below zero.")]
    elif gross_minor is not None and gross_minor > FEE_CAP_MINOR:
        errors["gross"] = [_("Takings above 10,000,000 are a typing slip: check the amount.")]
    elif (
        "tickets_sold" not in errors and gross_minor is None and tickets_sold * quote.ticket_price_minor > FEE_CAP_MINOR
    ):
        errors["tickets_sold"] = [
            _("These tickets at the agreed price come to more than 10,000,000: check the number.")
        ]
    if problem := _amount_problem(merch_gross_minor or 0, what=_("merchandise sold")):
        errors["merch_gross"] = [problem]
    if merch_venue_percent is not None and not 0 <= merch_venue_percent <= 100:
        errors["merch_venue_percent"] = [_("The venue's cut of the merchandise is 0 to 100 %.")]
    if len(note) > 500:
        errors["note"] = [too_long_text(500, len(note))]
    if errors:
        raise ValidationError(errors)


def _refigure(settlement: Settlement, quote: Quote) -> None:
    """Work the settlement's figures out again from its rows: the costs are the sum of its items and the
    bonus the highest tier reached (never below the agreed tier reached). The one place the stored
    figures are written."""
    costs = sum(c.amount_minor for c in settlement.costs.all())
    tiers = [(b.tickets, b.amount_minor) for b in settlement.bonuses.all()]
    figures = settlement_compute(
        quote=quote,
        tickets_sold=settlement.tickets_sold,
        gross_minor=settlement.gross_minor if settlement.gross_entered else None,
        costs_minor=costs,
        bonuses=tiers,
        agreed_bonuses=[(b["tickets"], b["amount_minor"]) for b in quote.bonus_tiers or []],
        merch_gross_minor=settlement.merch_gross_minor,
        merch_venue_percent=settlement.merch_venue_percent,
    )
    settlement.gross_minor = figures.gross_minor
    settlement.costs_minor = figures.costs_minor
    settlement.net_minor = figures.net_minor
    settlement.bonus_minor, settlement.bonus_tickets = figures.bonus_minor, figures.bonus_tickets
    settlement.merch_cut_minor = figures.merch_cut_minor
    settlement.band_amount_minor = figures.band_amount_minor


def _from_terms(settlement: Settlement, quote: Quote, now: dt.datetime) -> None:
    """The costs and bonus tiers the agreed terms name, as agreed rows of a new settlement."""
    SettlementCost.objects.bulk_create(
        SettlementCost(
            settlement=settlement,
            kind=c["kind"],
            label=c.get("label", ""),
            amount_minor=c["amount_minor"],
            agreed=True,
            added_at=now,
        )
        for c in quote.door_costs
    )
    SettlementBonus.objects.bulk_create(
        SettlementBonus(
            settlement=settlement, tickets=b["tickets"], amount_minor=b["amount_minor"], agreed=True, added_at=now
        )
        for b in quote.bonus_tiers
    )


def settlement_summary(settlement: Settlement) -> str:
    """The figures in a line, in the active language (the history stores it in the writer's)."""
    cur = settlement.currency
    line = _("%(tickets)s tickets, takings %(gross)s, costs %(costs)s, net %(net)s: the band's amount %(amount)s") % {
        "tickets": settlement.tickets_sold,
        "gross": money_text(settlement.gross_minor, cur),
        "costs": money_text(settlement.costs_minor, cur),
        "net": money_text(settlement.net_minor, cur),
        "amount": money_text(settlement.band_amount_minor, cur),
    }
    if settlement.bonus_minor:
        line += _(" (with a bonus of %(bonus)s)") % {"bonus": money_text(settlement.bonus_minor, cur)}
    if settlement.merch_cut_minor:
        line += _("; the venue's merchandise cut %(cut)s") % {"cut": money_text(settlement.merch_cut_minor, cur)}
    return line


def _event(booking: Booking, by: User, head: str, rest: str) -> None:
    BookingEvent.objects.create(
        booking=booking, actor=by, from_status=booking.status, to_status=booking.status, note=f"{head}: {rest}"[:500]
    )


def _tell(booking: Booking, people: list[User], text, *, key: str, by: User | None) -> None:
    notifications_create(
        recipients=people,
        kind="booking_payment",
        text=text,
        link=reverse("payments:settlement", args=[booking.uid]),
        key=key,
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


def _door_side_only(booking: Booking, by: User) -> None:
    if settlement_side(booking, by) != "payer":
        raise BookingPermissionError(
            _("Only the client enters the settlement of this gig.")
            if payer_side(booking) == "client"
            else _("Only the venue's staff enter the settlement of this gig.")
        )


def _new_version(settlement: Settlement, by: User, now: dt.datetime) -> None:
    """The door side changed the figures: a new version, approved by it, which the band approves anew."""
    settlement.status = Status.DRAFT
    settlement.payer_approved_by, settlement.payer_approved_at = by, now
    # Any change clears the other side's approval: the band approves the figures it read.
    settlement.band_approved_by, settlement.band_approved_at = None, None
    settlement.unagreed_accepted = False
    settlement.dispute_note = ""


def _tell_band(booking: Booking, settlement: Settlement, by: User, what: str) -> None:
    _tell(
        booking,
        band_managers(booking.band_id),
        lazy_text(
            gettext_lazy(
                "%(name)s changed the settlement for %(band)s to %(gig)s: %(what)s. The band's amount is now "
                "%(amount)s. Approve it, or say what is wrong."
            ),
            name=by.name,
            band=booking.band.name,
            gig=booking_summary(booking),
            what=what,
            amount=money_text_lazy(settlement.band_amount_minor, settlement.currency),
        ),
        key=f"settlement:{settlement.pk}:changed:{settlement.version}",
        by=by,
    )


def settlement_enter(
    *,
    booking: Booking,
    by: User,
    tickets_sold: int | None,
    gross_minor: int | None = None,
    merch_gross_minor: int | None = None,
    merch_venue_percent: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Settlement:
    """The door side enters (or corrects) the figures once the gig has started; entering them is its
    approval of them, and clears the band's. `gross_minor` None: tickets × the agreed ticket price. The
    first entry copies the costs and bonus tiers the agreed terms name, as agreed items; the costs and
    tiers themselves change through settlement_cost_add/remove and settlement_bonus_add/remove.
    `merch_gross_minor` and `merch_venue_percent` None keep what was entered (0 at first).

    Raises BookingPermissionError (not the venue's staff or the client), BookingConflict (not a door
    deal, the gig called off, approved by both already), BookingError (not started yet), ValidationError
    by field (tickets_sold, gross, merch_gross, merch_venue_percent, note). Nothing changes when it raises.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    _door_side_only(booking, by)
    with transaction.atomic():
        booking, settlement = _lock(booking, now)
        quote = booking.agreed_quote
        if settlement is not None and settlement.is_approved:
            raise BookingConflict(str(FINAL))
        _check(
            quote,
            tickets_sold=tickets_sold,
            gross_minor=gross_minor,
            merch_gross_minor=merch_gross_minor,
            merch_venue_percent=merch_venue_percent,
            note=note,
        )
        first = settlement is None
        if first:
            settlement = Settlement(booking=booking, version=1)
        else:
            settlement.version += 1
        settlement.tickets_sold = tickets_sold
        settlement.gross_entered = gross_minor is not None
        settlement.gross_minor = gross_minor or 0
        if merch_gross_minor is not None:
            settlement.merch_gross_minor = merch_gross_minor
        if merch_venue_percent is not None:
            settlement.merch_venue_percent = merch_venue_percent
        settlement.currency = quote.currency
        settlement.deal = quote.deal
        settlement.door_percent = quote.door_percent
        settlement.guarantee_minor = (quote.fee_minor or 0) if quote.deal == Deal.VERSUS else 0
        settlement.note = note
        settlement.entered_by, settlement.entered_at = by, now
        _new_version(settlement, by, now)
        if first:
            # The rows need the settlement's key: save it, copy the terms' items, then work it out.
            settlement.net_minor = settlement.band_amount_minor = 0
            settlement.save()
            _from_terms(settlement, quote, now)
        _refigure(settlement, quote)
        settlement.save()
        _event(booking, by, "Settlement entered", settlement_summary(settlement))
        amount = money_text_lazy(settlement.band_amount_minor, settlement.currency)
        _tell(
            booking,
            band_managers(booking.band_id),
            lazy_text(
                gettext_lazy(
                    "%(name)s entered the settlement for %(band)s to %(gig)s: %(tickets)s tickets, the band's "
                    "amount %(amount)s. Approve it, or say what is wrong."
                ),
                name=by.name,
                band=booking.band.name,
                gig=booking_summary(booking),
                tickets=settlement.tickets_sold,
                amount=amount,
            ),
            key=f"settlement:{settlement.pk}:entered:{settlement.version}",
            by=by,
        )
    return settlement


# A settlement with more items than this is a list gone wrong, not a night's costs.
MAX_ITEMS = 30


def _open_settlement(booking: Booking, by: User, now: dt.datetime) -> tuple[Booking, Settlement]:
    """Under the locks: the settlement the door side changes (entered, not final)."""
    booking, settlement = _lock(booking, now)
    if settlement is None:
        raise BookingConflict(_("Enter the tickets sold first; then add the costs and bonuses."))
    if settlement.is_approved:
        raise BookingConflict(str(FINAL))
    return booking, settlement


def _changed(booking: Booking, settlement: Settlement, by: User, now: dt.datetime, what: str) -> Settlement:
    settlement.version += 1
    _new_version(settlement, by, now)
    _refigure(settlement, booking.agreed_quote)
    settlement.save()
    _event(booking, by, "Settlement changed", f"{what}; {settlement_summary(settlement)}")
    _tell_band(booking, settlement, by, what)
    return settlement


def settlement_cost_add(
    *, booking: Booking, by: User, kind: str, label: str = "", amount_minor: int | None, now: dt.datetime | None = None
) -> SettlementCost:
    """The door side adds a cost at settlement: not in the agreed terms, so it is flagged "added at
    settlement by <name>" and the band's approval must accept it. A new version of the figures.

    Raises BookingPermissionError, BookingConflict (nothing entered yet, approved already, too many
    items), BookingError (not started), ValidationError by field (kind, label, amount). Nothing changes
    when it raises."""
    now = now or timezone.now()
    label = (label or "").strip()
    _door_side_only(booking, by)
    errors: dict[str, list[str]] = {}
    if kind not in SettlementCost.Kind.values:
        errors["kind"] = [_("Choose one of the kinds listed.")]
    if len(label) > 100:
        errors["label"] = [too_long_text(100, len(label))]
    if problem := _amount_problem(amount_minor, what=_("cost")):
        errors["amount"] = [problem]
    elif amount_minor == 0:
        errors["amount"] = [_("A cost of nothing is no cost: enter its amount.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        booking, settlement = _open_settlement(booking, by, now)
        if settlement.costs.count() >= MAX_ITEMS:
            raise BookingConflict(_("A settlement has at most 30 costs: add them up in fewer lines."))
        cost = SettlementCost.objects.create(
            settlement=settlement, kind=kind, label=label, amount_minor=amount_minor, added_by=by, added_at=now
        )
        what = _("a cost added, not in the agreed terms: %(cost)s %(amount)s") % {
            "cost": cost_name(cost),
            "amount": money_text(amount_minor, settlement.currency),
        }
        _changed(booking, settlement, by, now, what)
    return cost


def settlement_cost_remove(*, booking: Booking, by: User, cost_id: int, now: dt.datetime | None = None) -> Settlement:
    """The door side takes a cost off the settlement (one of the terms' too: that is in the band's
    favour). A new version. Raises BookingPermissionError, BookingConflict (not entered, approved, no
    such cost)."""
    now = now or timezone.now()
    _door_side_only(booking, by)
    with transaction.atomic():
        booking, settlement = _open_settlement(booking, by, now)
        cost = settlement.costs.filter(pk=cost_id).first()
        if cost is None:
            raise BookingConflict(_("That cost is not on this settlement (any more). Nothing was changed."))
        what = _("a cost taken off: %(cost)s %(amount)s") % {
            "cost": cost_name(cost),
            "amount": money_text(cost.amount_minor, settlement.currency),
        }
        cost.delete()
        return _changed(booking, settlement, by, now, what)


def settlement_bonus_add(
    *, booking: Booking, by: User, tickets: int | None, amount_minor: int | None, now: dt.datetime | None = None
) -> SettlementBonus:
    """The door side adds a bonus tier at settlement (the terms named none, or not this one): flagged
    "added at settlement by <name>" as a cost is, and the band's approval must accept it by name (a tier
    can pay the band less: the highest tier reached counts). A new version. A tier that would undercut an
    agreed one (more tickets, less bonus) is refused: what was agreed is not lowered by one side.

    Raises BookingPermissionError, BookingConflict (not entered, approved, a tier at that count already,
    too many, undercutting an agreed tier), ValidationError by field (tickets, amount)."""
    now = now or timezone.now()
    _door_side_only(booking, by)
    errors: dict[str, list[str]] = {}
    if tickets is None or tickets < 1:
        errors["tickets"] = [_("A bonus is reached at 1 ticket sold or more.")]
    elif tickets > MAX_TICKETS:
        errors["tickets"] = [_("More than 1,000,000 tickets is a typing slip: check the number.")]
    if problem := _amount_problem(amount_minor, what=_("bonus")):
        errors["amount"] = [problem]
    elif amount_minor == 0:
        errors["amount"] = [_("A bonus of nothing is no bonus: enter its amount.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        booking, settlement = _open_settlement(booking, by, now)
        tiers = list(settlement.bonuses.values_list("tickets", flat=True))
        if tickets in tiers:
            raise BookingConflict(_("This settlement has a bonus at that ticket count already. Nothing was changed."))
        if (lowered := _lowers_agreed_tier(booking.agreed_quote, tickets, amount_minor)) is not None:
            raise BookingConflict(
                _(
                    "A bonus of %(amount)s at %(tickets)s tickets would pay less than the agreed %(agreed)s at "
                    "%(agreed_tickets)s tickets: what was agreed cannot be lowered at settlement. Nothing was "
                    "changed."
                )
                % {
                    "amount": money_text(amount_minor, settlement.currency),
                    "tickets": tickets,
                    "agreed": money_text(lowered[1], settlement.currency),
                    "agreed_tickets": lowered[0],
                }
            )
        if len(tiers) >= MAX_ITEMS:
            raise BookingConflict(_("A settlement has at most 30 bonus tiers."))
        bonus = SettlementBonus.objects.create(
            settlement=settlement, tickets=tickets, amount_minor=amount_minor, added_by=by, added_at=now
        )
        what = _("a bonus added, not in the agreed terms: %(amount)s at %(tickets)s tickets") % {
            "amount": money_text(amount_minor, settlement.currency),
            "tickets": tickets,
        }
        _changed(booking, settlement, by, now, what)
    return bonus


def _lowers_agreed_tier(quote: Quote, tickets: int, amount_minor: int) -> tuple[int, int] | None:
    """The agreed tier (tickets, amount) that a tier of `amount_minor` at `tickets` would undercut: one
    at fewer tickets that pays more, so selling more would pay the band less. None when there is none."""
    undercut = [
        (b["tickets"], b["amount_minor"])
        for b in quote.bonus_tiers or []
        if b["tickets"] < tickets and b["amount_minor"] > amount_minor
    ]
    return max(undercut, key=lambda t: t[1]) if undercut else None


def settlement_bonus_remove(*, booking: Booking, by: User, bonus_id: int, now: dt.datetime | None = None) -> Settlement:
    """The door side takes a bonus tier added at settlement off again; the terms' tiers stay (they were
    agreed). Raises BookingPermissionError, BookingConflict (not entered, approved, no such tier, agreed)."""
    now = now or timezone.now()
    _door_side_only(booking, by)
    with transaction.atomic():
        booking, settlement = _open_settlement(booking, by, now)
        bonus = settlement.bonuses.filter(pk=bonus_id).first()
        if bonus is None:
            raise BookingConflict(_("That bonus is not on this settlement (any more). Nothing was changed."))
        if bonus.agreed:
            raise BookingConflict(_("That bonus is in the agreed terms, so it stays."))
        what = _("a bonus taken off: %(amount)s at %(tickets)s tickets") % {
            "amount": money_text(bonus.amount_minor, settlement.currency),
            "tickets": bonus.tickets,
        }
        bonus.delete()
        return _changed(booking, settlement, by, now, what)


def cost_name(cost: SettlementCost) -> str:
    """A cost in words: its kind, and its label when it has one ("Sound: PA hire")."""
    kind = cost.get_kind_display()
    return f"{kind}: {cost.label}" if cost.label else str(kind)


def settlement_approve(
    *,
    booking: Booking,
    by: User,
    version: int | None,
    accept_unagreed: bool = False,
    now: dt.datetime | None = None,
) -> Settlement:
    """The band's leaders and admins (or the door side, should its approval be missing) approve the
    figures of `version`. Once both sides have, it is final: the ledger records the band's amount and
    what the band is owed beyond what was paid becomes due from the payer, who is told (the band's
    invoice for it is issued by documents' catch-up, once). A version that differs from the agreed terms
    in anything (payments.selectors.settlement_unagreed: a cost or a tier added, taken off or changed, a
    merchandise cut) is approved by the band only with `accept_unagreed` (it ticks that it accepts them,
    each named on the page and in the refusal; the history keeps what it accepted).

    Raises BookingPermissionError (neither side), BookingConflict (nothing entered yet, approved already,
    figures changed since `version` was read), BookingError (not started yet, differences from the terms
    not accepted).
    """
    now = now or timezone.now()
    side = settlement_side(booking, by)
    if side is None:
        raise BookingPermissionError(
            _("Only the band's leaders and admins and the side that ran the door approve a settlement.")
        )
    with transaction.atomic():
        booking, settlement = _lock(booking, now)
        if settlement is None:
            raise BookingConflict(_("Nothing has been entered yet, so there is nothing to approve."))
        if settlement.is_approved:
            raise BookingConflict(_("This settlement is approved by both sides already. Nothing was changed."))
        if version != settlement.version:
            raise BookingConflict(
                _("The figures changed since you read them. Read them again before you approve them.")
            )
        accepted = []
        if side == "band":
            accepted = settlement_unagreed(settlement, quote=booking.agreed_quote)
            if accepted:
                if not accept_unagreed:
                    raise BookingError(
                        _(
                            "These figures differ from the agreed terms (%(what)s): tick that the band accepts "
                            "them, or say what is wrong."
                        )
                        % {"what": "; ".join(u.text for u in accepted)}
                    )
                settlement.unagreed_accepted = True
            settlement.band_approved_by, settlement.band_approved_at = by, now
            settlement.dispute_note = ""
        else:
            if settlement.payer_approved_at is not None:
                raise BookingConflict(_("You approved these figures when you entered them; the band approves next."))
            settlement.payer_approved_by, settlement.payer_approved_at = by, now
        final = settlement.payer_approved_at is not None and settlement.band_approved_at is not None
        if final:
            settlement.status, settlement.approved_at = Status.APPROVED, now
        elif settlement.status == Status.DISPUTED:
            settlement.status = Status.DRAFT
        settlement.save()
        if accepted:
            _event(booking, by, "Accepted what differs from the agreed terms", "; ".join(u.text for u in accepted))
        if final:
            _settled(booking, settlement, by)
        else:
            _event(booking, by, "Settlement approved", settlement_summary(settlement))
    return settlement


def _settled(booking: Booking, settlement: Settlement, by: User) -> None:
    """In the approval's transaction: the ledger's record, the history, and both sides told what is due."""
    ledger.ledger_post_settlement(settlement=settlement, booking=booking)
    due = settlement_part(booking, list(Payment.objects.filter(booking=booking)))
    _event(booking, by, "Settlement approved", settlement_summary(settlement))
    amount = money_text_lazy(settlement.band_amount_minor, settlement.currency)
    if due is not None and not due.paid:
        payer_text = gettext_lazy(
            "The settlement for %(band)s to %(gig)s is approved: the band's amount is %(amount)s, and "
            "%(due)s of it is due now. Pay it on the settlement's page."
        )
        band_text = gettext_lazy(
            "The settlement for %(gig)s is approved: the band's amount is %(amount)s; "
            "%(due)s of it is due from the payer."
        )
    else:
        payer_text = gettext_lazy(
            "The settlement for %(band)s to %(gig)s is approved: the band's amount is %(amount)s, "
            "paid already; nothing more is due."
        )
        band_text = gettext_lazy(
            "The settlement for %(gig)s is approved: the band's amount is %(amount)s, paid already."
        )
    params = {
        "band": booking.band.name,
        "gig": booking_summary(booking),
        "amount": amount,
        "due": money_text_lazy(due.amount_minor, due.currency) if due is not None else "",
    }
    key = f"settlement:{settlement.pk}:approved"
    _tell(booking, payer_people(booking), lazy_text(payer_text, **params), key=key, by=by)
    _tell(booking, band_managers(booking.band_id), lazy_text(band_text, **params), key=f"{key}:band", by=by)


def settlement_question(
    *, booking: Booking, by: User, reason: str, version: int | None, now: dt.datetime | None = None
) -> Settlement:
    """The band's leaders and admins say what is wrong with the figures of `version`: the settlement waits
    for the door side to enter them again, and it is told why.

    Raises BookingPermissionError (not the band's leaders or admins), ValidationError("reason"),
    BookingConflict (nothing entered, approved already, figures changed since `version`).
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if settlement_side(booking, by) != "band":
        raise BookingPermissionError(_("Only the band's leaders and admins question a settlement."))
    if not reason:
        raise ValidationError({"reason": [_("Say what is wrong with the figures; the other side reads it.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [too_long_text(500, len(reason))]})
    with transaction.atomic():
        booking, settlement = _lock(booking, now)
        if settlement is None:
            raise BookingConflict(_("Nothing has been entered yet, so there is nothing to question."))
        if settlement.is_approved:
            raise BookingConflict(str(FINAL))
        if version != settlement.version:
            raise BookingConflict(_("The figures changed since you read them. Read them again before you answer them."))
        settlement.status = Status.DISPUTED
        settlement.dispute_note = reason
        settlement.band_approved_by, settlement.band_approved_at = None, None
        settlement.save()
        _event(booking, by, "Settlement questioned", reason)
        _tell(
            booking,
            payer_people(booking),
            lazy_text(
                gettext_lazy(
                    "%(band)s questioned the settlement for %(gig)s: %(reason)s. "
                    "Check the figures and enter them again."
                ),
                band=booking.band.name,
                gig=booking_summary(booking),
                reason=reason,
            ),
            key=f"settlement:{settlement.pk}:questioned:{settlement.version}",
            by=by,
        )
    return settlement
