"""The figures of the analytics pages, each an SQL aggregate over the period and the one before it: a band's
gigs, earnings, answers, sources, cities and rating; a venue's slots, applications, no-shows, spend and
genres; an agency's bands side by side; the platform's for staff. A page makes the same few queries
whatever the number of bookings behind it (docs/decisions/0042-analytics.md)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bands.models import Band, Membership
from bookings.models import Booking, BookingEvent
from payments.models import LedgerEntry, Payment
from reviews.models import Review, Side, public_q
from teams.models import LinkStatus, Organisation, OrgMember
from teams.selectors import agency_roster
from venues.models import Slot, Venue, VenueStaff

from .charts import Chart, Series, number, numbers
from .forms import Period

Status = Booking.Status
Kind = Booking.Kind
PLAYED = list(Booking.PLAYED)
ANSWERED = (Status.BOOKED, Status.DECLINED)
# Requests and offers are answered by the band; applications by the venue.
BAND_ANSWERS = (Kind.REQUEST, Kind.OFFER)
TOP_CITIES = 10
TOP_GENRES = 10


@dataclass(frozen=True)
class Figure:
    """A headline figure and the same figure for the period before."""

    key: str
    label: str
    unit: str
    value: float | int | None
    before: float | int | None
    currency: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", number(self.value))
        object.__setattr__(self, "before", number(self.before))

    @property
    def change(self) -> float | None:
        """The change against the period before: in % of it, or in percentage points for a share (None
        where there is nothing to compare)."""
        if self.value is None or self.before is None:
            return None
        if self.unit == "percent":
            return round(self.value - self.before, 1)
        if not self.before:
            return None
        return round((self.value - self.before) * 100 / self.before, 1)


@dataclass
class Dashboard:
    title: str
    period: Period
    previous: Period
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    @property
    def chart_with_points(self) -> bool:
        return any(c.points for c in self.charts)

    def chart(self, key: str) -> Chart | None:
        return next((c for c in self.charts if c.key == key), None)


# ---- Shared pieces ------------------------------------------------------------------------------------


def _within(period: Period, name: str) -> Q:
    start, end = period.bounds()
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


def _span(current: Period, previous: Period, name: str) -> Q:
    return _within(Period(start=previous.start, end=current.end), name)


@dataclass(frozen=True)
class Buckets:
    """The moments where a month or the period starts, between the previous period's start and the period's
    end: each row falls in one interval, and each interval is one month of one of the two periods."""

    starts: list[dt.datetime]
    keys: list[tuple[dt.date, int]]  # (the month's first day, 1 for the period or 0 for the one before)

    def expression(self, name: str) -> Case | Value:
        """The interval of `name` as a CASE nested by halves: about six comparisons a row for 74 intervals
        (the database's own date functions would do: on SQLite Django truncates a zoned moment in Python,
        row by row, about half a second for 100,000 bookings)."""

        def pick(low: int, high: int):
            if low == high:
                return Value(low)
            middle = (low + high + 1) // 2
            return Case(
                When(**{f"{name}__lt": self.starts[middle]}, then=pick(low, middle - 1)),
                default=pick(middle, high),
                output_field=IntegerField(),
            )

        return pick(0, len(self.starts) - 1)

    def rows(self, rows) -> list[dict]:
        """The grouped rows with their month and period in place of the interval."""
        out = []
        for row in rows:
            month, now = self.keys[row.pop("bucket")]
            out.append({**row, "month": month, "now": now})
        return out


def _buckets(dash: "Dashboard") -> Buckets:
    zone = timezone.get_current_timezone()
    months = Period(start=dash.previous.start, end=dash.period.end).months()
    edges = {(dash.previous.start, 0), (dash.period.start, 1)}
    edges |= {(m, int(m >= dash.period.start)) for m in months if m > dash.previous.start}
    ordered = sorted(edges)
    return Buckets(
        starts=[dt.datetime.combine(day, dt.time.min, tzinfo=zone) for day, _now in ordered],
        keys=[(day.replace(day=1), now) for day, now in ordered],
    )


def _grouped(qs: QuerySet, name: str, dash: "Dashboard", *fields: str, **aggregates) -> list[dict]:
    """`aggregates` of the rows of `qs`, grouped by the month of `name` in the viewer's zone, by period (the
    dashboard's or the one before) and by `fields`."""
    buckets = _buckets(dash)
    rows = (
        qs.annotate(bucket=buckets.expression(name))
        .values("bucket", *fields)
        .annotate(**aggregates)
        .order_by("bucket", *fields)
    )
    return buckets.rows(rows)


def _month_labels(months: list[dt.date]) -> list[str]:
    return [formats.date_format(m, "YEAR_MONTH_FORMAT") for m in months]


def _aligned(values: dict[dt.date, float], months: list[dt.date]) -> list:
    return [values.get(m, 0) for m in months]


def _previous_aligned(values: dict[dt.date, float], previous: list[dt.date], length: int) -> list:
    """The previous period's months, month for month beside the current ones (by position)."""
    out = [values.get(m, 0) for m in previous][:length]
    return out + [None] * (length - len(out))


def _per_month(
    key: str,
    title: str,
    unit: str,
    dash: Dashboard,
    current: dict[dt.date, float],
    before: dict[dt.date, float],
    *,
    kind: str = "bar",
    label: str = "",
    currency: str = "",
    description: str = "",
) -> Chart:
    months, previous = dash.period.months(), dash.previous.months()
    return Chart(
        key=key,
        title=title,
        kind=kind,
        unit=unit,
        column=_("Month"),
        labels=_month_labels(months),
        series=[
            Series(label or _("This period"), numbers(_aligned(current, months))),
            Series(_("Previous period"), numbers(_previous_aligned(before, previous, len(months))), previous=True),
        ],
        currency=currency,
        description=description,
    )


def _split(rows, dash: Dashboard, value: str) -> tuple[dict, dict]:
    """Monthly rows of both periods into the current one's and the previous one's."""
    current, before = defaultdict(float), defaultdict(float)
    for row in rows:
        (current if row["now"] else before)[row["month"]] += row[value] or 0
    return current, before


def _source() -> Case:
    return Case(
        When(kind=Kind.APPLICATION, then=Value("finder")),
        When(kind=Kind.OFFER, then=Value("offer")),
        When(kind=Kind.HOST, then=Value("own_show")),
        When(kind=Kind.REQUEST, instant=True, then=Value("instant")),
        default=Value("search"),
        output_field=CharField(),
    )


def source_names() -> dict[str, str]:
    return {
        "search": _("Search and request"),
        "instant": _("Instant booking"),
        "finder": _("Gig finder (applications)"),
        "offer": _("Venue offers"),
        "own_show": _("Own shows"),
    }


def _first_answer(field_name: str) -> Subquery:
    """The band's first answer to a request or offer (booked or declined), from the booking's history."""
    return Subquery(
        BookingEvent.objects.filter(booking=OuterRef("pk"), from_status=Status.PENDING, to_status__in=ANSWERED)
        .order_by("created_at", "pk")
        .values(field_name)[:1]
    )


def _answers(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    return bookings.filter(kind__in=BAND_ANSWERS).annotate(
        answer=_first_answer("to_status"), answered_at=_first_answer("created_at")
    )


def _acceptance(bookings: QuerySet[Booking], dash: Dashboard) -> tuple[float | None, float | None]:
    """The share of answered requests and offers the band accepted, this period and the one before (1 query)."""
    answered = _answers(bookings)
    now, before = _within(dash.period, "created_at"), _within(dash.previous, "created_at")
    counts = answered.aggregate(
        yes=Count("pk", filter=now & Q(answer=Status.BOOKED)),
        all=Count("pk", filter=now & Q(answer__isnull=False)),
        yes_before=Count("pk", filter=before & Q(answer=Status.BOOKED)),
        all_before=Count("pk", filter=before & Q(answer__isnull=False)),
    )

    def share(yes, total):
        return round(yes * 100 / total, 1) if total else None

    return share(counts["yes"], counts["all"]), share(counts["yes_before"], counts["all_before"])


def _median_hours(bookings: QuerySet[Booking], period: Period) -> float | None:
    """The median time from a request or offer to the band's first answer, in hours (2 queries: how many,
    then the middle one or two in order)."""
    waits = (
        _answers(bookings)
        .filter(_within(period, "created_at"), answered_at__isnull=False)
        .annotate(wait=ExpressionWrapper(F("answered_at") - F("created_at"), output_field=DurationField()))
    )
    total = waits.count()
    if not total:
        return None
    middle = list(waits.order_by("wait", "pk").values_list("wait", flat=True)[(total - 1) // 2 : total // 2 + 1])
    seconds = sum(w.total_seconds() for w in middle) / len(middle)
    return round(seconds / 3600, 1)


def _money_by_currency(rows, dash: Dashboard) -> dict[str, tuple[dict, dict, dict]]:
    """Monthly rows with currency, sum and count into {currency: (current, before, counts by period)}."""
    out: dict[str, tuple[dict, dict, dict]] = {}
    for row in rows:
        currency = row["currency"]
        current, before, counts = out.setdefault(
            currency, (defaultdict(float), defaultdict(float), {"now": 0, "before": 0, "sum_now": 0, "sum_before": 0})
        )
        is_now = bool(row["now"])
        (current if is_now else before)[row["month"]] += row["total"] or 0
        counts["now" if is_now else "before"] += row["priced"]
        counts["sum_now" if is_now else "sum_before"] += row["total"] or 0
    # The currency with the most money first.
    return dict(sorted(out.items(), key=lambda item: -item[1][2]["sum_now"]))


def _money_charts(key: str, title: str, rows, dash: Dashboard, *, label_average: str) -> list[Figure]:
    """One money chart per currency, and the total and average figures of each."""
    figures = []
    for currency, (current, before, counts) in _money_by_currency(rows, dash).items():
        dash.charts.append(
            _per_month(
                f"{key}-{currency.lower()}",
                f"{title} ({currency})",
                "money",
                dash,
                current,
                before,
                currency=currency,
            )
        )
        figures.append(Figure(key, f"{title} ({currency})", "money", counts["sum_now"], counts["sum_before"], currency))
        figures.append(
            Figure(
                f"average-{currency.lower()}",
                f"{label_average} ({currency})",
                "money",
                number(counts["sum_now"] / counts["now"]) if counts["now"] else None,
                number(counts["sum_before"] / counts["before"]) if counts["before"] else None,
                currency,
            )
        )
    return figures


def _city() -> Coalesce:
    return Coalesce(
        NullIf(F("venue__city"), Value("")),
        NullIf(F("slot__place_city"), Value("")),
        Value(""),
        output_field=CharField(),
    )


def _cities_chart(bookings: QuerySet[Booking], dash: Dashboard) -> Chart:
    rows = list(
        bookings.filter(_within(dash.period, "starts_at"), status__in=PLAYED)
        .annotate(city=_city())
        .exclude(city="")
        .values("city")
        .annotate(
            gigs=Count("pk"),
            lat=Avg(Coalesce("slot__latitude", "venue__latitude", output_field=FloatField())),
            lon=Avg(Coalesce("slot__longitude", "venue__longitude", output_field=FloatField())),
        )
        .order_by("-gigs", "city")[:TOP_CITIES]
    )
    chart = Chart(
        key="cities",
        title=_("Top cities"),
        kind="bar",
        unit="count",
        column=_("City"),
        labels=[r["city"] for r in rows],
        series=[Series(_("Gigs"), [r["gigs"] for r in rows])],
    )
    chart.points = [
        {
            "lat": round(r["lat"], 5),
            "lon": round(r["lon"], 5),
            "kind": "show",
            "title": r["city"],
            "url": "#chart-cities-table",
            "line": _("%(count)s gigs") % {"count": r["gigs"]},
        }
        for r in rows
        if r["lat"] is not None and r["lon"] is not None
    ]
    return chart


# ---- Who may see which figures ----------------------------------------------------------------------------


def may_see_band(user, band: Band) -> bool:
    """The band's members, and anyone in an agency that represents it now (viewers too: they only read)."""
    if Membership.objects.filter(band=band, user_id=user.pk).exists():
        return True
    return OrgMember.objects.filter(
        user_id=user.pk,
        organisation__representation__band=band,
        organisation__representation__status=LinkStatus.ACTIVE,
    ).exists()


def may_see_venue(user, venue: Venue) -> bool:
    """The venue's staff, and anyone in a group that runs it now."""
    if VenueStaff.objects.filter(venue=venue, user_id=user.pk).exists():
        return True
    return OrgMember.objects.filter(
        user_id=user.pk, organisation__venuelink__venue=venue, organisation__venuelink__status=LinkStatus.ACTIVE
    ).exists()


def band_named(*, slug: str) -> Band | None:
    return Band.objects.filter(slug=slug).first()


def venue_named(*, slug: str) -> Venue | None:
    return Venue.objects.filter(slug=slug).first()


def agency_bands(*, organisation: Organisation) -> list[Band]:
    return [row.band for row in agency_roster(organisation=organisation)]


def group_venue_list(*, organisation: Organisation) -> list[Venue]:
    return list(
        Venue.objects.filter(group_links__organisation=organisation, group_links__status=LinkStatus.ACTIVE).order_by(
            "name", "pk"
        )
    )


# ---- A band ----------------------------------------------------------------------------------------------


def band_dashboard(*, band: Band, period: Period) -> Dashboard:
    dash = Dashboard(title=band.name, period=period, previous=period.previous())
    bookings = Booking.objects.filter(band=band)
    _band_figures(dash, bookings)
    return dash


def _band_figures(dash: Dashboard, bookings: QuerySet[Booking]) -> None:
    played = _grouped(
        bookings.filter(_span(dash.period, dash.previous, "starts_at"), status__in=PLAYED),
        "starts_at",
        dash,
        "currency",
        gigs=Count("pk"),
        total=Sum("fee"),
        priced=Count("fee"),
    )
    gigs_now, gigs_before = _split(played, dash, "gigs")
    dash.charts.append(_per_month("gigs", _("Gigs per month"), "count", dash, gigs_now, gigs_before))
    dash.figures.append(Figure("gigs", _("Gigs"), "count", sum(gigs_now.values()), sum(gigs_before.values())))
    dash.figures.extend(_money_charts("earnings", _("Earnings"), played, dash, label_average=_("Average fee")))

    accepted, accepted_before = _acceptance(bookings, dash)
    dash.figures.append(Figure("acceptance", _("Requests and offers accepted"), "percent", accepted, accepted_before))
    dash.figures.append(
        Figure(
            "answer-hours",
            _("Median time to answer"),
            "hours",
            _median_hours(bookings, dash.period),
            _median_hours(bookings, dash.previous),
        )
    )

    names = source_names()
    sources = dict(
        bookings.filter(_within(dash.period, "created_at"))
        .annotate(source=_source())
        .values("source")
        .annotate(n=Count("pk"))
        .values_list("source", "n")
    )
    dash.charts.append(
        Chart(
            key="sources",
            title=_("Where requests came from"),
            kind="bar",
            unit="count",
            column=_("Source"),
            labels=list(names.values()),
            series=[Series(_("Requests, offers and applications"), [sources.get(k, 0) for k in names])],
        )
    )
    dash.charts.append(_cities_chart(bookings, dash))
    band_ids = bookings.values("band_id")
    ratings = _grouped(
        Review.objects.filter(
            public_q(),
            _span(dash.period, dash.previous, "published_at"),
            band_id__in=band_ids,
            subject_side=Side.BAND,
            overall__isnull=False,
        ),
        "published_at",
        dash,
        stars=Sum("overall"),
        n=Count("pk"),
    )
    stars_now, stars_before = _split(ratings, dash, "stars")
    count_now, count_before = _split(ratings, dash, "n")
    dash.charts.append(
        _per_month(
            "rating",
            _("Rating over time"),
            "stars",
            dash,
            {m: stars_now[m] / count_now[m] for m in count_now},
            {m: stars_before[m] / count_before[m] for m in count_before},
            kind="line",
            description=_("The average overall stars of the reviews published each month."),
        )
    )
    total_now, total_before = sum(count_now.values()), sum(count_before.values())
    dash.figures.append(
        Figure(
            "rating",
            _("Average rating"),
            "stars",
            number(sum(stars_now.values()) / total_now) if total_now else None,
            number(sum(stars_before.values()) / total_before) if total_before else None,
        )
    )


# ---- A venue ---------------------------------------------------------------------------------------------


def venue_dashboard(*, venue: Venue, period: Period) -> Dashboard:
    dash = Dashboard(title=venue.name, period=period, previous=period.previous())
    slots = _grouped(
        Slot.objects.filter(_span(period, dash.previous, "starts_at"), venue=venue).filter(cancelled_at__isnull=True),
        "starts_at",
        dash,
        n=Count("pk", distinct=True),
        filled=Count("pk", filter=Q(headliner_booked=1), distinct=True),
        applications=Count("bookings", filter=Q(bookings__kind=Kind.APPLICATION)),
    )
    n_now, n_before = _split(slots, dash, "n")
    filled_now, filled_before = _split(slots, dash, "filled")
    apps_now, apps_before = _split(slots, dash, "applications")

    def shares(filled, total):
        return {m: filled[m] * 100 / total[m] for m in total if total[m]}

    def ratio(a, b):
        return number(a / b) if b else None

    dash.charts.append(
        _per_month(
            "fill-rate",
            _("Slots filled"),
            "percent",
            dash,
            shares(filled_now, n_now),
            shares(filled_before, n_before),
            kind="line",
            description=_("The share of the month's slots (not cancelled) whose headliner was booked."),
        )
    )
    dash.figures += [
        Figure("slots", _("Slots"), "count", sum(n_now.values()), sum(n_before.values())),
        Figure(
            "fill-rate",
            _("Slots filled"),
            "percent",
            ratio(sum(filled_now.values()) * 100, sum(n_now.values())),
            ratio(sum(filled_before.values()) * 100, sum(n_before.values())),
        ),
        Figure(
            "applications",
            _("Applications per slot"),
            "count",
            ratio(sum(apps_now.values()), sum(n_now.values())),
            ratio(sum(apps_before.values()), sum(n_before.values())),
        ),
    ]
    dash.charts.append(
        _per_month(
            "applications",
            _("Applications per slot"),
            "count",
            dash,
            {m: apps_now[m] / n_now[m] for m in n_now if n_now[m]},
            {m: apps_before[m] / n_before[m] for m in n_before if n_before[m]},
        )
    )
    bookings = Booking.objects.filter(venue=venue)
    spend = _grouped(
        bookings.filter(_span(period, dash.previous, "starts_at"), status__in=PLAYED),
        "starts_at",
        dash,
        "currency",
        total=Sum("fee"),
        priced=Count("fee"),
    )
    dash.figures.extend(_money_charts("spend", _("Spend on acts"), spend, dash, label_average=_("Average fee")))
    no_shows = _grouped(
        Review.objects.filter(
            _span(period, dash.previous, "booking__starts_at"), venue=venue, no_show=True, author_side=Side.VENUE
        ).exclude(no_show_dismissed_at__isnull=False),
        "booking__starts_at",
        dash,
        n=Count("pk"),
    )
    shows_now, shows_before = _split(no_shows, dash, "n")
    dash.charts.append(_per_month("no-shows", _("No-shows"), "count", dash, shows_now, shows_before))
    dash.figures.append(Figure("no-shows", _("No-shows"), "count", sum(shows_now.values()), sum(shows_before.values())))
    genres = list(
        bookings.filter(_within(period, "starts_at"), status__in=PLAYED, band__genres__isnull=False)
        .values("band__genres__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "band__genres__name")[:TOP_GENRES]
    )
    dash.charts.append(
        Chart(
            key="genres",
            title=_("Genres booked"),
            kind="bar",
            unit="count",
            column=_("Genre"),
            labels=[g["band__genres__name"] for g in genres],
            series=[Series(_("Gigs"), [g["n"] for g in genres])],
        )
    )
    return dash


# ---- An agency: its bands side by side -------------------------------------------------------------------


def agency_dashboard(
    *, title: str, bands: list[Band], period: Period, organisation: Organisation | None = None
) -> Dashboard:
    dash = Dashboard(title=title, period=period, previous=period.previous())
    names = {b.pk: b.name for b in bands}
    order = sorted(names, key=lambda pk: (names[pk].lower(), pk))
    bookings = Booking.objects.filter(band_id__in=order)
    rows = list(
        bookings.filter(_within(period, "starts_at"), status__in=PLAYED)
        .values("band_id", "currency")
        .annotate(gigs=Count("pk"), total=Sum("fee"), priced=Count("fee"))
        .order_by("band_id", "currency")
    )
    gigs, money = defaultdict(int), defaultdict(lambda: defaultdict(float))
    for row in rows:
        gigs[row["band_id"]] += row["gigs"]
        money[row["currency"]][row["band_id"]] += row["total"] or 0
    answered = (
        _answers(bookings)
        .filter(_within(period, "created_at"), answer__isnull=False)
        .values("band_id")
        .annotate(yes=Count("pk", filter=Q(answer=Status.BOOKED)), n=Count("pk"))
        .order_by("band_id")
    )
    acceptance = {r["band_id"]: round(r["yes"] * 100 / r["n"], 1) for r in answered if r["n"]}
    labels = [names[pk] for pk in order]
    dash.charts.append(
        Chart(
            key="gigs",
            title=_("Gigs per band"),
            kind="bar",
            unit="count",
            column=_("Band"),
            labels=labels,
            series=[Series(_("Gigs"), [gigs.get(pk, 0) for pk in order])],
        )
    )
    for currency, per_band in sorted(money.items(), key=lambda item: -sum(item[1].values())):
        dash.charts.append(
            Chart(
                key=f"earnings-{currency.lower()}",
                title=_("Earnings per band (%(currency)s)") % {"currency": currency},
                kind="bar",
                unit="money",
                currency=currency,
                column=_("Band"),
                labels=labels,
                series=[Series(_("Earnings"), numbers(per_band.get(pk, 0) for pk in order))],
            )
        )
    dash.charts.append(
        Chart(
            key="acceptance",
            title=_("Requests and offers accepted"),
            kind="bar",
            unit="percent",
            column=_("Band"),
            labels=labels,
            series=[Series(_("Accepted"), [acceptance.get(pk) for pk in order])],
        )
    )
    monthly = _grouped(
        bookings.filter(_within(period, "starts_at"), status__in=PLAYED),
        "starts_at",
        dash,
        "band_id",
        gigs=Count("pk"),
    )
    per_band = defaultdict(dict)
    for row in monthly:
        per_band[row["band_id"]][row["month"]] = row["gigs"]
    months = period.months()
    dash.charts.append(
        Chart(
            key="gigs-per-month",
            title=_("Gigs per month, band by band"),
            kind="line",
            unit="count",
            column=_("Month"),
            labels=_month_labels(months),
            series=[Series(names[pk], [per_band[pk].get(m, 0) for m in months]) for pk in order],
        )
    )
    dash.figures.append(Figure("bands", _("Bands"), "count", len(order), None))
    dash.figures.append(Figure("gigs", _("Gigs"), "count", sum(gigs.values()), None))
    if organisation is not None:
        # The agency's commission on the money paid through StageSlot, as the ledger has it (refunds off).
        earned = (
            LedgerEntry.objects.filter(
                _span(period, dash.previous, "created_at"),
                organisation=organisation,
                kind=LedgerEntry.Kind.AGENCY_COMMISSION,
            )
            .values("currency")
            .annotate(
                now=Sum("amount_minor", filter=_within(period, "created_at")),
                before=Sum("amount_minor", filter=_within(dash.previous, "created_at")),
            )
            .order_by("currency")
        )
        for row in earned:
            dash.figures.append(
                Figure(
                    f"commission-{row['currency'].lower()}",
                    _("Commission through StageSlot (%(currency)s)") % {"currency": row["currency"]},
                    "money",
                    (row["now"] or 0) / 100,
                    (row["before"] or 0) / 100,
                    row["currency"],
                )
            )
    return dash


# ---- Staff: the platform ---------------------------------------------------------------------------------


def platform_dashboard(*, period: Period) -> Dashboard:
    dash = Dashboard(title=pgettext("analytics", "StageSlot"), period=period, previous=period.previous())
    span = Period(start=dash.previous.start, end=period.end)
    users = _grouped(
        get_user_model().objects.filter(_within(span, "date_joined")),
        "date_joined",
        dash,
        n=Count("pk"),
    )
    now, before = _split(users, dash, "n")
    dash.charts.append(_per_month("sign-ups", _("Sign-ups"), "count", dash, now, before))
    dash.figures.append(Figure("sign-ups", _("Sign-ups"), "count", sum(now.values()), sum(before.values())))
    bookings = _grouped(
        Booking.objects.filter(_within(span, "created_at")),
        "created_at",
        dash,
        n=Count("pk"),
        booked=Count("pk", filter=Q(status__in=PLAYED)),
    )
    now, before = _split(bookings, dash, "n")
    dash.charts.append(
        _per_month(
            "bookings",
            _("Bookings made"),
            "count",
            dash,
            now,
            before,
            description=_("Requests, offers and applications by the month they were made."),
        )
    )
    dash.figures.append(Figure("bookings", _("Bookings made"), "count", sum(now.values()), sum(before.values())))
    booked_now, booked_before = _split(bookings, dash, "booked")
    dash.figures.append(
        Figure("booked", _("Of them booked"), "count", sum(booked_now.values()), sum(booked_before.values()))
    )
    money = _grouped(
        Payment.objects.filter(_within(span, "paid_at"), status=Payment.Status.SUCCEEDED),
        "paid_at",
        dash,
        "currency",
        paid=Sum("amount_minor"),
        refunded=Sum("refunded_minor"),
        priced=Count("pk"),
    )
    # Minor units into whole ones: what went through the platform, refunds taken off.
    rows = [{**r, "total": ((r["paid"] or 0) - (r["refunded"] or 0)) / 100} for r in money]
    dash.figures.extend(
        _money_charts("payments", _("Paid through StageSlot"), rows, dash, label_average=_("Average payment"))
    )
    disputes = _grouped(
        BookingEvent.objects.filter(_within(span, "created_at"), to_status=Status.DISPUTED),
        "created_at",
        dash,
        n=Count("booking_id", distinct=True),
    )
    now, before = _split(disputes, dash, "n")
    dash.charts.append(_per_month("disputes", _("Disputes opened"), "count", dash, now, before))
    dash.figures.append(Figure("disputes", _("Disputes opened"), "count", sum(now.values()), sum(before.values())))
    return dash
