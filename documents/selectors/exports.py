"""Reads of the CSV exports: each export's columns and its rows, read in one streamed query.

Every export reuses the selector of the page it exports (the inbox's, the money pages', the slot
list's), narrows it by the same filters, and reads it with `values_list(...)` and
`iterator(chunk_size=CHUNK_SIZE)`: plain tuples, names joined in by the database, no model instance
and no query per row. Times are ISO 8601 in the viewer's zone with a column naming that zone; money
is in major units beside its currency.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from accounts.models import User
from bands.models import Band
from bookings.models import Booking, Quote
from bookings.selectors.inbox import Roles, bookings_mine
from bookings.selectors.venue_slots import venue_slot_rows
from gigs.models import Tour
from gigs.selectors.tours import tour_money
from payments.models import LedgerEntry, Payment, Settlement
from payments.selectors import ledger_of_band, payer_q, payer_venue_ids
from venues.models import Slot, Venue

from ..exports import CHUNK_SIZE, iso_local, major, safe_text


@dataclass(frozen=True)
class Export:
    """What a CSV export writes: its file's name, its header, and its rows (read when iterated)."""

    name: str
    header: list[str]
    rows: Iterable[Sequence]


def _labels(choices) -> dict[str, str]:
    """A TextChoices' labels in the active language, looked up once per export rather than per row."""
    return {value: str(label) for value, label in choices.choices}


def _person(display_name: str | None, email: str | None) -> str:
    """What a page calls a person (User.name) from the two columns it is made of."""
    return display_name or (email or "").split("@", 1)[0]


def _stream(rows: QuerySet, make: Callable[[tuple], Sequence]) -> Iterator[Sequence]:
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        yield make(row)


def _span(qs: QuerySet, field: str, start: dt.datetime | None, end: dt.datetime | None) -> QuerySet:
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": start})
    if end is not None:
        qs = qs.filter(**{f"{field}__lt": end})
    return qs


# ---- Bookings (the inbox) -------------------------------------------------------------------------

BOOKING_COLUMNS = (
    "uid",
    "kind",
    "role",
    "status",
    "band__name",
    "venue__name",
    "location",
    "client__display_name",
    "client__email",
    "event_type",
    "starts_at",
    "ends_at",
    "fee",
    "currency",
    "agreed_quote__fee_minor",
    "agreed_quote__currency",
    "created_at",
)


def bookings_export(
    *,
    roles: Roles,
    show: str | None,
    tab: str | None,
    status: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    zone: ZoneInfo,
) -> Export:
    """The viewer's bookings as the inbox lists them (`show` and `tab` as on the page; a status, and the
    gigs starting in [start, end)), soonest first. One query, streamed."""
    qs = bookings_mine(roles=roles, role=None, status=status, tab=tab).filter(roles.show_q(show))
    qs = _span(qs, "starts_at", start, end).order_by("starts_at", "pk").values_list(*BOOKING_COLUMNS)
    kinds, role_names, statuses = _labels(Booking.Kind), _labels(Booking.Role), _labels(Booking.Status)
    zone_name = zone.key

    def row(r: tuple) -> tuple:
        uid, kind, role, status_, band, venue, location, c_name, c_email, event, starts, ends = r[:12]
        fee, currency, quote_fee, quote_currency, created = r[12:]
        fee_minor = quote_fee if quote_fee is not None else (fee * 100 if fee is not None else None)
        return (
            uid,
            kinds.get(kind, kind),
            role_names.get(role, role),
            statuses.get(status_, status_),
            safe_text(band),
            safe_text(venue or location),
            safe_text(_person(c_name, c_email)) if c_email else "",
            safe_text(event),
            iso_local(starts, zone),
            iso_local(ends, zone),
            zone_name,
            major(fee_minor),
            (quote_currency if quote_fee is not None else currency) if fee_minor is not None else "",
            iso_local(created, zone),
        )

    header = [
        gettext("Booking"),
        gettext("Kind"),
        gettext("Role"),
        gettext("Status"),
        gettext("Band"),
        gettext("Venue or place"),
        gettext("Client"),
        gettext("Event"),
        gettext("Starts"),
        gettext("Ends"),
        gettext("Time zone"),
        gettext("Fee"),
        gettext("Currency"),
        gettext("Asked on"),
    ]
    return Export("bookings", header, _stream(qs, row))


# ---- A band's gigs, payments and ledger -----------------------------------------------------------


def band_gigs_export(
    *, band: Band, status: str | None, start: dt.datetime | None, end: dt.datetime | None, zone: ZoneInfo
) -> Export:
    """The band's booked and played gigs (those its calendar and money pages show), soonest first, with
    their set times and agreed fee. One query, streamed."""
    qs = Booking.objects.filter(band=band, status__in=Booking.PLAYED)
    if status:
        qs = qs.filter(status=status)
    qs = _span(qs, "starts_at", start, end).order_by("starts_at", "pk")
    qs = qs.values_list(
        "uid",
        "status",
        "kind",
        "role",
        "venue__name",
        "location",
        "venue__city",
        "starts_at",
        "ends_at",
        "load_in_at",
        "set_starts_at",
        "set_ends_at",
        "fee",
        "currency",
        "agreed_quote__fee_minor",
        "agreed_quote__currency",
        "paid_minor",
    )
    statuses, kinds, role_names = _labels(Booking.Status), _labels(Booking.Kind), _labels(Booking.Role)
    zone_name = zone.key

    def row(r: tuple) -> tuple:
        uid, status_, kind, role, venue, location, city, starts, ends, load_in, set_start, set_end = r[:12]
        fee, currency, quote_fee, quote_currency, paid = r[12:]
        fee_minor = quote_fee if quote_fee is not None else (fee * 100 if fee is not None else None)
        money_currency = quote_currency if quote_fee is not None else currency
        return (
            uid,
            statuses.get(status_, status_),
            kinds.get(kind, kind),
            role_names.get(role, role),
            safe_text(venue or location),
            safe_text(city or ""),
            iso_local(starts, zone),
            iso_local(ends, zone),
            iso_local(load_in, zone),
            iso_local(set_start, zone),
            iso_local(set_end, zone),
            zone_name,
            major(fee_minor),
            major(paid),
            money_currency,
        )

    header = [
        gettext("Booking"),
        gettext("Status"),
        gettext("Kind"),
        gettext("Role"),
        gettext("Venue or place"),
        gettext("City"),
        gettext("Starts"),
        gettext("Ends"),
        gettext("Load-in"),
        gettext("Set starts"),
        gettext("Set ends"),
        gettext("Time zone"),
        gettext("Fee"),
        gettext("Paid through StageSlot"),
        gettext("Currency"),
    ]
    return Export(f"{band.slug}-gigs", header, _stream(qs, row))


PAYMENT_COLUMNS = (
    "uid",
    "booking__uid",
    "booking__band__name",
    "booking__venue__name",
    "booking__location",
    "purpose",
    "status",
    "method",
    "amount_minor",
    "refunded_minor",
    "platform_fee_minor",
    "currency",
    "created_at",
    "paid_at",
    "reference",
)


def _payments_export(*, name: str, qs: QuerySet[Payment], zone: ZoneInfo) -> Export:
    purposes, statuses, methods = _labels(Payment.Purpose), _labels(Payment.Status), _labels(Payment.Method)
    zone_name = zone.key

    def row(r: tuple) -> tuple:
        uid, booking, band, venue, location, purpose, status_, method, amount, refunded, fee, currency = r[:12]
        created, paid_at, reference = r[12:]
        return (
            uid,
            booking or "",
            safe_text(band or ""),
            safe_text(venue or location or ""),
            purposes.get(purpose, purpose),
            statuses.get(status_, status_),
            methods.get(method, method),
            major(amount),
            major(refunded),
            major(fee),
            currency,
            iso_local(created, zone),
            iso_local(paid_at, zone),
            zone_name,
            safe_text(reference),
        )

    header = [
        gettext("Payment"),
        gettext("Booking"),
        gettext("Band"),
        gettext("Venue or place"),
        gettext("For"),
        gettext("Status"),
        gettext("Method"),
        gettext("Amount"),
        gettext("Refunded"),
        gettext("Platform fee"),
        gettext("Currency"),
        gettext("Created"),
        gettext("Paid"),
        gettext("Time zone"),
        gettext("Reference"),
    ]
    qs = qs.order_by("created_at", "pk").values_list(*PAYMENT_COLUMNS)
    return Export(name, header, _stream(qs, row))


def _payments(status: str | None, start: dt.datetime | None, end: dt.datetime | None, *filters: Q) -> QuerySet:
    qs = Payment.objects.filter(*filters)
    if status:
        qs = qs.filter(status=status)
    return _span(qs, "created_at", start, end)


def band_payments_export(
    *, band: Band, status: str | None, start: dt.datetime | None, end: dt.datetime | None, zone: ZoneInfo
) -> Export:
    """Every payment of the band's bookings (as its money page lists them per gig), oldest first. One
    query, streamed."""
    qs = _payments(status, start, end, Q(booking__band=band))
    return _payments_export(name=f"{band.slug}-payments", qs=qs, zone=zone)


def payer_payments_export(
    *, user: User, status: str | None, start: dt.datetime | None, end: dt.datetime | None, zone: ZoneInfo
) -> Export:
    """What `user` paid, as a client and for the venues they staff (the "Paid" page's bookings), oldest
    first. Two queries: the venues, then the streamed payments."""
    payer_bookings = Booking.objects.filter(payer_q(user=user, venue_ids=payer_venue_ids(user=user)))
    qs = _payments(status, start, end, Q(booking__in=payer_bookings.values("pk")))
    return _payments_export(name="payments", qs=qs, zone=zone)


def band_ledger_export(
    *,
    band: Band,
    kind: str | None,
    currency: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    zone: ZoneInfo,
) -> Export:
    """The band's ledger entries (ledger_of_band: its shares, its members' shares, payments outside
    StageSlot, payouts), oldest first, each signed as the ledger keeps it. One query, streamed."""
    qs = _span(ledger_of_band(band=band, kind=kind, currency=currency), "created_at", start, end)
    qs = qs.order_by("created_at", "pk").values_list(
        "pk",
        "created_at",
        "kind",
        "amount_minor",
        "currency",
        "booking__uid",
        "member__display_name",
        "member__email",
        "payment__uid",
        "memo",
    )
    kinds = _labels(LedgerEntry.Kind)
    zone_name = zone.key

    def row(r: tuple) -> tuple:
        pk, created, kind_, amount, currency_, booking, m_name, m_email, payment, memo = r
        return (
            pk,
            iso_local(created, zone),
            zone_name,
            kinds.get(kind_, kind_),
            major(amount),
            currency_,
            booking or "",
            safe_text(_person(m_name, m_email)) if m_email else "",
            payment or "",
            safe_text(memo),
        )

    header = [
        gettext("Entry"),
        gettext("Time"),
        gettext("Time zone"),
        gettext("Kind"),
        gettext("Amount"),
        gettext("Currency"),
        gettext("Booking"),
        gettext("Member"),
        gettext("Payment"),
        gettext("Memo"),
    ]
    return Export(f"{band.slug}-ledger", header, _stream(qs, row))


# ---- A venue's slots ------------------------------------------------------------------------------


def venue_slots_export(*, venue: Venue, show: str, now: dt.datetime, zone: ZoneInfo) -> Export:
    """The venue's slots in the slot list's tab `show` (venue_slot_rows, the page's own query), with the
    counts of pending applications and offers. One query, streamed."""
    qs = venue_slot_rows(venue=venue, show=show, now=now).values_list(
        "pk",
        "title",
        "stage__name",
        "starts_at",
        "ends_at",
        "cancelled_at",
        "headliner_booked",
        "supports_booked",
        "support_places",
        "visibility",
        "fee",
        "currency",
        "pending_applications",
        "pending_offers",
    )
    statuses, visibilities = _labels(Slot.Status), _labels(Slot.Visibility)
    zone_name = zone.key

    def status_of(cancelled, headliner: int, supports: int, places: int) -> str:
        # Slot.status, from the counters already read.
        if cancelled is not None:
            return Slot.Status.CANCELLED
        if not headliner:
            return Slot.Status.OPEN
        return Slot.Status.NEED_SUPPORT if supports < places else Slot.Status.BOOKED

    def row(r: tuple) -> tuple:
        pk, title, stage, starts, ends, cancelled, headliner, supports, places, visibility, fee = r[:11]
        currency, applications, offers = r[11:]
        return (
            pk,
            safe_text(title),
            safe_text(stage or ""),
            iso_local(starts, zone),
            iso_local(ends, zone),
            zone_name,
            statuses[status_of(cancelled, headliner, supports, places)],
            visibilities.get(visibility, visibility),
            places,
            supports,
            major(fee * 100) if fee is not None else "",
            currency if fee is not None else "",
            applications,
            offers,
        )

    header = [
        gettext("Slot"),
        gettext("Title"),
        gettext("Stage"),
        gettext("Starts"),
        gettext("Ends"),
        gettext("Time zone"),
        gettext("Status"),
        gettext("Visibility"),
        gettext("Support places"),
        gettext("Supports booked"),
        gettext("Fee"),
        gettext("Currency"),
        gettext("Pending applications"),
        gettext("Pending offers"),
    ]
    return Export(f"{venue.slug}-slots", header, _stream(qs, row))


def tour_money_export(*, tour: Tour) -> Export:
    """A tour's money (gigs.selectors.tours.tour_money): one row a show – its deal, guarantee and settlement
    in the show's own currency with the tour's exchange rate for it, then income, the door forecast, costs
    and result, planned and actual, in the tour's currency (the same figures as the money page) – and one
    for the costs of the whole tour, then the tour's totals. A show in another currency with no rate is
    counted as nothing and its rate left empty. Four queries."""
    money = tour_money(tour=tour)
    header = [
        gettext("Show"),
        gettext("Date"),
        gettext("Status"),
        gettext("Deal"),
        gettext("Guarantee"),
        gettext("Door split (%)"),
        gettext("Settlement"),
        gettext("Settled amount"),
        gettext("Currency of the show"),
        gettext("Exchange rate"),
        gettext("Income planned"),
        gettext("Door forecast"),
        gettext("Income actual"),
        gettext("Costs planned"),
        gettext("Costs actual"),
        gettext("Result planned"),
        gettext("Result actual"),
        gettext("Currency"),
    ]
    statuses = _labels(Booking.Status)
    deals = _labels(Quote.Deal)
    settled = _labels(Settlement.Status)

    def rows() -> Iterator[Sequence]:
        for row in money.rows:
            booking = row.booking
            yield [
                safe_text(booking.place_name if booking else gettext("The whole tour")),
                iso_local(booking.starts_at, booking.zone) if booking else "",
                statuses.get(booking.status, booking.status) if booking else "",
                deals.get(row.deal, row.deal) if booking else "",
                major(row.guarantee_minor) if booking else "",
                row.door_percent if booking and row.door else "",
                settled.get(row.settlement_status, "") if row.door else "",
                major(row.settlement_minor) if row.settlement_minor is not None else "",
                row.currency if booking else "",
                f"{row.rate.normalize():f}" if row.converted else "",
                major(row.income_planned_minor),
                major(row.forecast_tour_minor) if row.forecast_tour_minor is not None else "",
                major(row.income_actual_minor),
                major(row.planned_minor),
                major(row.actual_minor),
                major(row.result_planned_minor),
                major(row.result_actual_minor),
                money.currency,
            ]
        yield [
            safe_text(gettext("Tour")),
            *[""] * 9,
            major(money.income_planned_minor),
            major(money.forecast_minor) if money.forecast_minor is not None else "",
            major(money.income_actual_minor),
            major(money.planned_minor),
            major(money.actual_minor),
            major(money.result_planned_minor),
            major(money.result_actual_minor),
            money.currency,
        ]

    return Export(name=f"tour-{tour.pk}-money.csv", header=header, rows=rows())
