"""Public reads: bands and venues (the searches of /bands/ and /venues/, with every filter they have,
including free on a date), a band's public availability by month, and slots (the gig finder, /slots/).

Each search reads its query through the page's own form and runs the page's selector: a filter added
to the page (such as a minimum rating, once bands carry one) is a filter the API checks the same way.
Unlike the page, which drops a filter it cannot read, the API refuses it with a 422.
"""

import zoneinfo

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from accounts.blocks import hidden_from
from accounts.models import PartyKind
from bands.calendar import band_calendar_access
from bands.forms.search import BandSearchForm
from bands.selectors import (
    BAND_SORTS,
    band_countries,
    band_hidden_from,
    band_search,
    bands_public,
    genre_choices,
    local_span,
)
from core.fields.dates import ApiDate, ApiDateTime
from venues.forms.search import VenueSearchForm
from venues.selectors import VENUE_SORTS, venue_countries, venue_search, venues_public

from ..forms.finder import FinderForm
from ..selectors.finder import finder_bands_of, finder_countries, finder_slots, slot_for_viewer, slots_hidden_from
from ..selectors.public import band_public_month, month_in_range, parse_month, shift_month
from .core import COMMON_ERRORS, PAGE_DEFAULT, PAGE_MAX, PUBLIC, ApiProblem, Problem, keyset, public_auth, viewer
from .schemas import BandOut, BandPage, DayOut, MonthOut, SlotOut, SlotPage, VenueOut, VenuePage, Window, utc

router = Router(auth=public_auth)

ERRORS = dict.fromkeys(COMMON_ERRORS, Problem)
ONE_ERRORS = {**ERRORS, 404: Problem}


# The pages' "within" is the API's "within_km".
API_NAMES = {"within": "within_km"}


def _hidden(request: HttpRequest, kind: str, field: str = "pk"):
    """The one filter of what a caller is shown (accounts.blocks.hidden_from): bands or venues blocked either
    way by the caller, or a band or venue they speak for, are not listed, and their pages are a 404."""
    return hidden_from(viewer(request) or AnonymousUser(), kind, field=field)


def _form_problem(form) -> ApiProblem:
    errors = {API_NAMES.get(name, name): [str(e) for e in errs] for name, errs in form.errors.items()}
    return ApiProblem(422, _("Some of the filters are not valid."), errors=errors)


def _search_data(request: HttpRequest) -> QueryDict:
    """The query as the page's form reads it: `within_km` is its `within`."""
    data = request.GET.copy()
    data.pop("within", None)
    if "within_km" in data:
        data["within"] = data.pop("within_km")[-1]
    return data


def _sort_check(sort: str, sorts, near: int | None) -> None:
    if sort not in sorts:
        raise ApiProblem(
            422, _("Unknown sort."), errors={"sort": [_("One of: %(sorts)s.") % {"sorts": ", ".join(sorts)}]}
        )
    if sort == "distance" and near is None:
        raise ApiProblem(422, _("Nothing to measure from."), errors={"sort": [_("Sorting by distance needs near.")]})


def _distance(row) -> float | None:
    km = getattr(row, "distance_km", None)
    return round(km, 1) if km is not None else None


NEAR = Query(
    default=None, description="A city's id (the city list's): search around it; each item says its distance_km"
)
WITHIN_KM = Query(
    default=None, description="With near: only what lies within this many km of it (more than 0, at most 20,000)"
)


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ApiProblem(
            422, _("Unknown time zone."), errors={"time_zone": [_("Give an IANA zone, like Europe/Berlin.")]}
        ) from None


def _limit(limit: int) -> int:
    return max(1, min(limit, PAGE_MAX))


# ---- Bands ------------------------------------------------------------------------------------


def band_out(request: HttpRequest, band, *, free: Window | None = None) -> BandOut:
    return BandOut(
        slug=band.slug,
        name=band.name,
        tagline=band.tagline,
        genres=[g.slug for g in band.genres.all()],
        city=band.city,
        region=band.region,
        country=str(band.country or ""),
        time_zone=band.time_zone,
        fee_min=band.fee_min,
        fee_max=band.fee_max,
        currency=band.currency,
        member_count=getattr(band, "member_count", None),
        rating=band.rating_average,
        rating_count=band.rating_count,
        url=request.build_absolute_uri(f"/bands/{band.slug}/"),
        free=free,
        travel_km=band.travel_km,
        distance_km=_distance(band),
    )


def _free_window(form: BandSearchForm, band) -> Window | None:
    if form.free_between is not None:
        start, end = form.free_between
        return Window(starts_at=start, ends_at=end, time_zone=band.time_zone)
    if form.free_on_local is not None:
        day, opens, closes = form.free_on_local
        start, end = local_span(day, opens, closes, zoneinfo.ZoneInfo(band.time_zone))
        return Window(starts_at=start, ends_at=end, time_zone=band.time_zone)
    return None


@router.get("/bands", response={200: BandPage, **ERRORS}, openapi_extra=PUBLIC, tags=["bands"])
def bands_list(
    request: HttpRequest,
    q: str | None = None,
    genre: list[str] = Query(default=[]),  # noqa: B008
    city: str | None = None,
    region: str | None = None,
    country: str | None = None,
    fee_min: int | None = None,
    fee_max: int | None = None,
    free_on: ApiDate.PLAN | None = None,
    part: str | None = Query(default=None, description="evening (default), afternoon or day"),
    free_from: ApiDateTime.ANY_PLAN | None = None,
    free_until: ApiDateTime.ANY_PLAN | None = None,
    time_zone: str = Query(default="UTC", description="The zone free_on's “today” and naive times are read in"),
    min_rating: str | None = Query(default=None, description="3, 3.5, 4 or 4.5: at least this many stars on average"),
    near: int | None = NEAR,
    within_km: float | None = WITHIN_KM,
    travels_here: bool = Query(default=False, description="With near: only bands whose travel_km reaches it"),
    sort: str = Query(
        default="name",
        description="name, newest, rating (best rated first), fee (lowest fee first), -fee (highest fee first)"
        " or distance (with near); bands without a fee come last in both fee orders",
    ),
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """Approved bands matching every filter, as /bands/ finds them. `free_on` (a date) finds bands
    free for that part of the day on each band's own clock; `free_from`/`free_until` for a span."""
    zone = _zone(time_zone)
    _sort_check(sort, BAND_SORTS, near)
    form = BandSearchForm(_search_data(request), genres=genre_choices(), countries=band_countries(), time_zone=zone.key)
    if not form.is_valid():
        raise _form_problem(form)
    bands, next_url = keyset(
        request,
        band_search(**form.filters()).filter(_hidden(request, PartyKind.BAND.value)),
        order=BAND_SORTS[sort],
        cursor=cursor,
        limit=_limit(limit),
    )
    return {"items": [band_out(request, b, free=_free_window(form, b)) for b in bands], "next": next_url}


@router.get("/bands/{slug}", response={200: BandOut, **ONE_ERRORS}, openapi_extra=PUBLIC, tags=["bands"])
def band_detail(request: HttpRequest, slug: str):
    """One approved band."""
    band = bands_public().filter(_hidden(request, PartyKind.BAND.value), slug=slug).first()
    if band is None:
        raise Http404(_("No such band."))
    return band_out(request, band)


@router.get("/bands/{slug}/availability", response={200: MonthOut, **ONE_ERRORS}, openapi_extra=PUBLIC, tags=["bands"])
def band_availability(
    request: HttpRequest,
    slug: str,
    month: str | None = Query(default=None, description="YYYY-MM; this month when left out"),
):
    """A band's public month, as its page shows it: each day booked, pending, available (the green zone
    in the evening on the band's clock) or nothing."""
    user = viewer(request) or AnonymousUser()
    try:
        band, members, me = band_calendar_access(slug=slug, user=user)
    except Http404:
        raise Http404(_("No such band.")) from None
    if not band.is_public and me is None and not user.is_staff:
        raise Http404(_("No such band."))
    if band_hidden_from(band=band, user=user):
        raise Http404(_("No such band."))
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(band.time_zone)).date()
    month_start = parse_month(month, today=today)
    if month and f"{month_start:%Y-%m}" != month.strip():
        raise ApiProblem(
            422, _("Unknown month."), errors={"month": [_("Give a month as YYYY-MM, at most 2 years back, 3 ahead.")]}
        )
    shown = band_public_month(band=band, members=members, month_start=month_start, today=today)
    before, after = shift_month(month_start, -1), shift_month(month_start, 1)
    return MonthOut(
        band=band.slug,
        month=f"{month_start:%Y-%m}",
        time_zone=band.time_zone,
        min_gig_minutes=band.min_gig_minutes,
        days=[
            DayOut(date=d.day, state=d.state, gigs=[g.venue_name for g in d.gigs if g.venue_name])
            for d in shown.days
            if d.in_month
        ],
        previous=f"{before:%Y-%m}" if month_in_range(before, today=today) else None,
        next=f"{after:%Y-%m}" if month_in_range(after, today=today) else None,
    )


# ---- Venues -----------------------------------------------------------------------------------


def venue_out(request: HttpRequest, venue) -> VenueOut:
    return VenueOut(
        slug=venue.slug,
        name=venue.name,
        city=venue.city,
        region=venue.region,
        country=str(venue.country or ""),
        time_zone=venue.time_zone,
        capacity=venue.capacity,
        genres=[g.slug for g in venue.genres.all()],
        rating=venue.rating_average,
        rating_count=venue.rating_count,
        url=request.build_absolute_uri(f"/venues/{venue.slug}/"),
        distance_km=_distance(venue),
    )


@router.get("/venues", response={200: VenuePage, **ERRORS}, openapi_extra=PUBLIC, tags=["venues"])
def venues_list(
    request: HttpRequest,
    q: str | None = None,
    genre: list[str] = Query(default=[]),  # noqa: B008
    city: str | None = None,
    region: str | None = None,
    country: str | None = None,
    capacity_min: int | None = None,
    capacity_max: int | None = None,
    min_rating: str | None = Query(default=None, description="3, 3.5, 4 or 4.5: at least this many stars on average"),
    near: int | None = NEAR,
    within_km: float | None = WITHIN_KM,
    sort: str = Query(
        default="name",
        description="name, newest, capacity (largest first), rating (best rated first) or distance (with near)",
    ),
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """Approved venues matching every filter, as /venues/ finds them."""
    _sort_check(sort, VENUE_SORTS, near)
    form = VenueSearchForm(_search_data(request), genres=genre_choices(), countries=venue_countries())
    if not form.is_valid():
        raise _form_problem(form)
    qs = venue_search(**form.filters()).filter(_hidden(request, PartyKind.VENUE.value))
    order = VENUE_SORTS[sort]
    if sort == "capacity":
        # A venue that gives no capacity comes last, on every database, and the cursor can say where.
        from django.db.models.functions import Coalesce

        qs = qs.annotate(capacity_key=Coalesce("capacity", -1))
        order = ("-capacity_key", "name", "pk")
    venues, next_url = keyset(request, qs, order=order, cursor=cursor, limit=_limit(limit))
    return {"items": [venue_out(request, v) for v in venues], "next": next_url}


@router.get("/venues/{slug}", response={200: VenueOut, **ONE_ERRORS}, openapi_extra=PUBLIC, tags=["venues"])
def venue_detail(request: HttpRequest, slug: str):
    """One approved venue."""
    venue = venues_public().filter(_hidden(request, PartyKind.VENUE.value), slug=slug).first()
    if venue is None:
        raise Http404(_("No such venue."))
    return venue_out(request, venue)


# ---- Slots (the gig finder) ---------------------------------------------------------------------

SLOT_SORTS = {"soonest": ("starts_at", "pk"), "distance": ("distance_km", "starts_at", "pk")}


def slot_out(request: HttpRequest, slot) -> SlotOut:
    return SlotOut(
        id=slot.pk,
        title=slot.title,
        venue=slot.venue.slug if slot.venue_id else None,
        venue_name=slot.venue.name if slot.venue_id else None,
        stage=slot.stage.name if slot.stage_id else None,
        host_band=slot.host_band.slug if slot.host_band_id else None,
        place=slot.place_label,
        starts_at=utc(slot.starts_at),
        ends_at=utc(slot.ends_at),
        time_zone=slot.zone_name,
        genres=[g.slug for g in slot.genres.all()],
        fee=slot.fee,
        currency=slot.currency,
        support_places=slot.support_places,
        status=slot.status,
        headliner_open=slot.place_open("headliner"),
        support_open=slot.place_open("support"),
        band_free=getattr(slot, "band_free", None),
        url=request.build_absolute_uri(f"/{'shows' if slot.host_band_id else 'slots'}/{slot.pk}/"),
        distance_km=_distance(slot),
    )


@router.get("/slots", response={200: SlotPage, **ERRORS}, openapi_extra=PUBLIC, tags=["slots"])
def slots_list(
    request: HttpRequest,
    genre: list[str] = Query(default=[]),  # noqa: B008
    city: str | None = None,
    region: str | None = None,
    country: str | None = None,
    date_from: ApiDate.PLAN | None = None,
    date_until: ApiDate.PLAN | None = None,
    fee_min: int | None = None,
    role: str | None = Query(default=None, description="headliner or support: that place still open"),
    include_booked: bool = False,
    band: str | None = Query(default=None, description="One of your bands (slug): marks band_free"),
    playable: bool = Query(default=False, description="With band: only slots the band can play"),
    min_rating: str | None = Query(
        default=None, description="3, 3.5, 4 or 4.5: at least this many stars on average, the venue's"
    ),
    time_zone: str = Query(default="UTC", description="The zone date_from and date_until are days in"),
    near: int | None = NEAR,
    within_km: float | None = WITHIN_KM,
    sort: str = Query(default="soonest", description="soonest or distance (nearest first, with near)"),
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """Upcoming public slots, soonest first, as the gig finder (/slots/) lists them."""
    now = timezone.now()
    zone = _zone(time_zone)
    _sort_check(sort, SLOT_SORTS, near)
    user = viewer(request) or AnonymousUser()
    bands = finder_bands_of(user=user) if user.is_authenticated else []
    data = _search_data(request)
    form = FinderForm(data, genres=genre_choices(), countries=finder_countries(now=now), bands=bands, zone=zone)
    if band and not bands:
        raise ApiProblem(422, _("Unknown band."), errors={"band": [_("Pick one of your bands; you lead or run none.")]})
    if not form.is_valid():
        raise _form_problem(form)
    chosen = form.chosen_band if band else None
    slots, next_url = keyset(
        request,
        finder_slots(now=now, band_id=chosen.pk if chosen else None, **form.filters()).filter(slots_hidden_from(user)),
        order=SLOT_SORTS[sort],
        cursor=cursor,
        limit=_limit(limit),
    )
    return {"items": [slot_out(request, s) for s in slots], "next": next_url}


@router.get("/slots/{int:slot_id}", response={200: SlotOut, **ONE_ERRORS}, openapi_extra=PUBLIC, tags=["slots"])
def slot_detail(request: HttpRequest, slot_id: int):
    """One slot the caller may see: a public one, or an invite-only one of their own venue."""
    slot = slot_for_viewer(pk=slot_id, user=viewer(request) or AnonymousUser())
    if slot is None:
        raise Http404(_("No such slot."))
    return slot_out(request, slot)
