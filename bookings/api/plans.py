"""Plans through the API: saved alerts (a band's saved gig finder searches, told of new matches while
the band is free) and the tour planner (routes of open slots and support places, and applying to their
stops).

Alerts read through bookings.selectors.alerts and write through bookings.services.alerts, as
/slots/alerts/ does: a search is checked by the gig finder's own form (FinderForm), so its filters mean
what they mean on the page, and a filter the page would quietly drop is a 422 naming it. Only a band's
leaders and admins see and change its alerts (anyone else: 404, or 403 when they play in the band).

The tour planner reads through bookings.selectors.tours (tour_plan, tour_stretches) with the page's own
form (TourForm), and applies through bookings.services.tours.tour_apply, the service behind
/bands/<slug>/manage/tour/apply/: one application per stop through asking.booking_apply, each
counted against the person's limit of applications. Only the band's leaders and admins plan (403), as
on the page. Applying makes bookings, so it takes the "bookings" scope, as every other application does.
A band may keep tours (SavedTour: the planner's question, checked by the same form) to ask routes for
again: bookings.services.tours.saved_tour_create / _update / _delete, "plans" scope.
"""

import datetime as dt
import zoneinfo
from typing import Literal

from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from accounts.models import ApiToken
from accounts.ratelimit import rate_limit_return, rate_limit_take_many, rate_limit_wait
from bands.selectors import band_for_manage, genres_all
from core.fields.api_fields import ApiId, ApiInt, ApiLine, ApiText
from core.fields.dates import ApiDate
from core.fields.form_fields import MAX_FEE
from core.fields.scheduling import scheduling_today

from ..forms.finder import FinderForm
from ..forms.tours import MAX_DRIVE_KM, MAX_STOPS, TourForm
from ..models import SavedSearch, SavedTour
from ..selectors.alerts import saved_search_managed, saved_searches_managed
from ..selectors.finder import finder_bands_of, finder_countries
from ..selectors.tours import (
    KINDS,
    TourPlan,
    road_factor,
    saved_tour_of,
    saved_tours_of,
    tour_plan,
    tour_stretches,
)
from ..services import alerts as alert_services
from ..services.tours import saved_tour_create, saved_tour_delete, saved_tour_update, tour_apply
from ..tours import rest_days
from .core import COMMON_ERRORS, PAGE_DEFAULT, PAGE_MAX, ApiProblem, Page, Problem, caller, keyset, token_auth
from .schemas import utc

router = Router(auth=token_auth)

READ_ERRORS = dict.fromkeys(COMMON_ERRORS, Problem) | {403: Problem}
ONE_ERRORS = READ_ERRORS | {404: Problem}
WRITE_ERRORS = ONE_ERRORS | {409: Problem}
INVALID = gettext_lazy("Some of the input is not valid.")


# ---- Saved alerts -------------------------------------------------------------------------------


class AlertArea(Schema):
    city: int  # a city's id (the city list's)
    km: float | None  # the radius; null: anywhere, nearest first


class AlertSearchOut(Schema):
    """What the alert looks for, as the gig finder parsed it when it was saved or changed."""

    starts_from: dt.datetime | None = None
    starts_before: dt.datetime | None = None
    near: AlertArea | None = None
    city: str = ""
    region: str = ""
    country: str = ""
    genres: list[str] = []
    fee_min: int | None = None
    role: str = ""  # "", headliner, support, support_call


class AlertOut(Schema):
    id: int
    band: str  # the band's slug
    band_name: str
    label: str
    search: AlertSearchOut
    paused: bool
    paused_at: dt.datetime | None
    created_at: dt.datetime
    checked_at: dt.datetime  # slots posted or changed after this are still to be looked at


class AlertPage(Page):
    items: list[AlertOut]


class AlertSearchIn(Schema):
    """The gig finder's filters (as /slots/ and GET /slots take them); everything left out matches all."""

    date_from: ApiDate.PLAN | None = None
    date_until: ApiDate.PLAN | None = None
    time_zone: ApiLine(64) | None = Field(None, description="The zone the dates are days in; default yours")
    near: ApiId | None = Field(None, description="A city's id: look around it")
    within_km: float | None = Field(None, ge=0, le=20_000, description="With near: only within this many km of it")
    city: ApiLine(80) = Field("")
    region: ApiLine(80) = Field("")
    country: ApiLine(2) = Field("")
    genres: list[ApiLine(60)] = Field([], max_length=50)
    fee_min: ApiInt(le=MAX_FEE) | None = None
    role: Literal["", "headliner", "support", "support_call"] = ""


class AlertIn(Schema):
    band: ApiLine(120) = Field(..., description="One of your bands (slug): you lead or run it")
    search: AlertSearchIn = AlertSearchIn()
    label: ApiLine(300) = Field("", description="Default: the search's filters in words")


class AlertPatch(Schema):
    """Only what is sent changes. A new `search` replaces the whole search (and looks only at slots
    posted or changed from then on)."""

    label: ApiLine(300) | None = Field(None)
    search: AlertSearchIn | None = None


def _area(near) -> AlertArea | None:
    if isinstance(near, dict) and isinstance(near.get("city"), int):
        return AlertArea(city=near["city"], km=near.get("km"))
    return None


def alert_out(search: SavedSearch) -> AlertOut:
    stored = search.filters or {}
    return AlertOut(
        id=search.pk,
        band=search.band.slug,
        band_name=search.band.name,
        label=search.label,
        search=AlertSearchOut(
            starts_from=utc(_moment(stored.get("starts_from"))),
            starts_before=utc(_moment(stored.get("starts_before"))),
            near=_area(stored.get("near")),
            city=stored.get("city") or "",
            region=stored.get("region") or "",
            country=stored.get("country") or "",
            genres=list(stored.get("genres") or []),
            fee_min=stored.get("fee_min"),
            role=stored.get("role") or "",
        ),
        paused=search.paused_at is not None,
        paused_at=utc(search.paused_at),
        created_at=utc(search.created_at),
        checked_at=utc(search.checked_at),
    )


def _moment(text) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _zone(name: str | None, user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ApiProblem(
            422, INVALID, errors={"search.time_zone": [_("Give an IANA zone, like Europe/Berlin.")]}
        ) from None


# The finder form's names as the API says them.
SEARCH_NAMES = {"within": "within_km", "genre": "genres"}


def _text(value) -> str:
    """A value as the page's query string would carry it."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _finder_filters(search: AlertSearchIn, *, user, bands) -> tuple[dict, str]:
    """The finder_slots filters and the label of `search`, read by the gig finder's own form; a filter
    it cannot read is a 422 naming it (the page would drop it and keep the others)."""
    data = QueryDict(mutable=True)
    for name in ("date_from", "date_until", "near", "within_km", "city", "region", "country", "fee_min", "role"):
        value = getattr(search, name)
        if value not in (None, ""):
            data["within" if name == "within_km" else name] = _text(value)
    data.setlist("genre", search.genres)
    now = timezone.now()
    form = FinderForm(
        data, genres=genres_all(), countries=finder_countries(now=now), bands=bands, zone=_zone(search.time_zone, user)
    )
    if not form.is_valid():
        errors = {
            f"search.{SEARCH_NAMES.get(name, name)}": [str(e) for e in errs] for name, errs in form.errors.items()
        }
        raise ApiProblem(422, _("Some of the filters are not valid."), errors=errors)
    return form.filters(), form.alert_label()


def _alert_or_404(user, alert_id: int) -> SavedSearch:
    search = saved_search_managed(user=user, pk=alert_id)
    if search is None:
        raise Http404(_("No such alert among your bands'."))
    return search


@router.get("/me/alerts", response={200: AlertPage, **READ_ERRORS}, tags=["alerts"])
def alerts_list(
    request: HttpRequest,
    band: str | None = Query(None, description="Only this band's (slug)"),
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """The saved alerts of every band you lead or run, newest first, paused ones included."""
    user = caller(request, ApiToken.Scope.READ)
    searches = saved_searches_managed(user=user, band_slug=band or "")
    rows, next_url = keyset(request, searches, order=("-pk",), cursor=cursor, limit=max(1, min(limit, PAGE_MAX)))
    return {"items": [alert_out(s) for s in rows], "next": next_url}


@router.post("/me/alerts", response={201: AlertOut, **WRITE_ERRORS}, tags=["alerts"])
def alerts_create(request: HttpRequest, body: AlertIn):
    """Save a gig finder search for one of your bands (leaders and admins; at most 10 a band). Its
    leaders and admins are told once of each slot or support call posted or changed from now on that
    fits it while the band is free."""
    user = caller(request, ApiToken.Scope.PLANS)
    bands = finder_bands_of(user=user)
    band = next((b for b in bands if b.slug == body.band), None)
    if band is None:
        raise ApiProblem(422, INVALID, errors={"band": [_("Pick one of your bands (its slug).")]})
    filters, label = _finder_filters(body.search, user=user, bands=[b for b in bands if b.can_manage])
    search = alert_services.saved_search_create(band=band, by=user, filters=filters, label=body.label or label)
    return Status(201, alert_out(search))


@router.get("/me/alerts/{int:alert_id}", response={200: AlertOut, **ONE_ERRORS}, tags=["alerts"])
def alerts_detail(request: HttpRequest, alert_id: int):
    """One alert of a band you lead or run."""
    user = caller(request, ApiToken.Scope.READ)
    return alert_out(_alert_or_404(user, alert_id))


@router.patch("/me/alerts/{int:alert_id}", response={200: AlertOut, **WRITE_ERRORS}, tags=["alerts"])
def alerts_change(request: HttpRequest, alert_id: int, body: AlertPatch):
    """Rename an alert or give it a new search (checked as on creation); only what is sent changes."""
    user = caller(request, ApiToken.Scope.PLANS)
    search = _alert_or_404(user, alert_id)
    filters = None
    if body.search is not None:
        managed = [b for b in finder_bands_of(user=user) if b.can_manage]
        filters, _label = _finder_filters(body.search, user=user, bands=managed)
    search = alert_services.saved_search_update(search=search, by=user, filters=filters, label=body.label)
    return alert_out(search)


@router.post("/me/alerts/{int:alert_id}/pause", response={200: AlertOut, **WRITE_ERRORS}, tags=["alerts"])
def alerts_pause(request: HttpRequest, alert_id: int):
    """Pause an alert: it is kept and tells nobody until resumed. Pausing a paused alert changes nothing."""
    user = caller(request, ApiToken.Scope.PLANS)
    search = alert_services.saved_search_pause(search=_alert_or_404(user, alert_id), by=user, paused=True)
    return alert_out(search)


@router.post("/me/alerts/{int:alert_id}/resume", response={200: AlertOut, **WRITE_ERRORS}, tags=["alerts"])
def alerts_resume(request: HttpRequest, alert_id: int):
    """Resume a paused alert. It looks at slots posted or changed from now on: what came up while it was
    paused is not told late."""
    user = caller(request, ApiToken.Scope.PLANS)
    search = alert_services.saved_search_pause(search=_alert_or_404(user, alert_id), by=user, paused=False)
    return alert_out(search)


@router.delete("/me/alerts/{int:alert_id}", response={204: None, **WRITE_ERRORS}, tags=["alerts"])
def alerts_delete(request: HttpRequest, alert_id: int):
    """Delete an alert for good (the notifications it sent stay)."""
    user = caller(request, ApiToken.Scope.PLANS)
    alert_services.saved_search_delete(search=_alert_or_404(user, alert_id), by=user)
    return Status(204, None)


# ---- Tour planner -------------------------------------------------------------------------------


class CityOut(Schema):
    id: int
    name: str
    country: str


class StopOut(Schema):
    night: dt.date  # the local date of the gig in the band's zone
    slot_id: int
    role: str  # headliner, support: the place to apply for
    title: str
    place: str  # the venue, or a hosted show's place
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    fee: int | None  # what the slot offers; null: negotiable (see fee_terms)
    currency: str
    fee_terms: str
    km: int  # driven to it from where the band was
    url: str


class RouteOut(Schema):
    nights: int  # stops on the route
    rest_days: list[dt.date]
    fee: int  # the fees in the band's currency added up (other currencies and negotiable ones count 0)
    km: int  # driven in all, the last leg to the end city included
    end_km: int
    stops: list[StopOut]


class TourOut(Schema):
    band: str
    start: CityOut
    end: CityOut
    first_day: dt.date
    last_day: dt.date
    drive_km: int
    kinds: list[str]
    time_zone: str  # the band's: the days and nights are dates there
    road_factor: float  # great-circle km are multiplied by this for the road
    candidates: int  # the slots and support places that fit the days, the corridor and the green zone
    routes: list[RouteOut]  # at most three, best first: most nights, then highest fee, then fewest km


class StretchOut(Schema):
    first_day: dt.date
    last_day: dt.date
    free: int  # evenings in it when everyone the band needs is free


class StopIn(Schema):
    slot_id: ApiId
    role: Literal["headliner", "support"]


class TourApplyIn(Schema):
    stops: list[StopIn] = Field(..., min_length=1, max_length=MAX_STOPS)
    message: ApiText(2000) = Field("", description="Sent with every application")


class StopOutcomeOut(Schema):
    slot_id: int
    applied: bool
    booking: str | None  # the application's uid
    reason: str  # why there is none


class TourApplied(Schema):
    applied: int
    refused: int
    stops: list[StopOutcomeOut]


def _planner(request: HttpRequest, slug: str, scope: str):
    """The band at `slug` and the caller, when the caller leads or runs it (as the planner page)."""
    user = caller(request, scope)
    band, membership = band_for_manage(slug=slug, user=user)
    if membership is None or not membership.can_manage:
        raise ApiProblem(
            403, _("Only the leaders and admins of %(band)s can plan its tours and apply for it.") % {"band": band.name}
        )
    return band, user


def _city(city) -> CityOut:
    return CityOut(id=city.pk, name=city.name, country=str(getattr(city.country, "code", city.country)))


def tour_out(request: HttpRequest, plan: TourPlan, kinds: list[str]) -> TourOut:
    routes = []
    for route in plan.routes:
        stops = []
        for leg in route.legs:
            slot = plan.slots[leg.stop.id]
            path = f"/shows/{slot.pk}/" if slot.is_hosted else f"/slots/{slot.pk}/"
            stops.append(
                StopOut(
                    night=leg.stop.night,
                    slot_id=slot.pk,
                    role=leg.stop.kind,
                    title=slot.title,
                    place=slot.place_label,
                    starts_at=utc(slot.starts_at),
                    ends_at=utc(slot.ends_at),
                    time_zone=slot.zone_name,
                    fee=slot.fee,
                    currency=slot.currency,
                    fee_terms=slot.support_terms,
                    km=round(leg.km),
                    url=request.build_absolute_uri(path),
                )
            )
        routes.append(
            RouteOut(
                nights=route.nights,
                rest_days=list(rest_days(route, plan.first_day, plan.last_day)),
                fee=route.fee,
                km=round(route.km),
                end_km=round(route.end_km),
                stops=stops,
            )
        )
    return TourOut(
        band=plan.band.slug,
        start=_city(plan.start),
        end=_city(plan.end),
        first_day=plan.first_day,
        last_day=plan.last_day,
        drive_km=plan.drive_km,
        kinds=kinds,
        time_zone=plan.band.time_zone,
        road_factor=road_factor(),
        candidates=plan.candidates,
        routes=routes,
    )


@router.get("/bands/{slug}/tour/routes", response={200: TourOut, **ONE_ERRORS}, tags=["tours"])
def tour_routes(
    request: HttpRequest,
    slug: str,
    start: str = Query(..., max_length=120, description="The city the band sets off from on the first day"),
    end: str = Query(..., max_length=120, description="The city it must reach by the end of the last day"),
    first_day: ApiDate.PLAN = Query(..., description="In the band's zone"),  # noqa: B008
    last_day: ApiDate.PLAN = Query(..., description="In the band's zone; at most 60 days after first_day"),  # noqa: B008
    drive_km: int = Query(400, description="How far the band drives in a day, 1 to 1,500"),
    kinds: list[Literal["headliner", "support"]] = Query(list(KINDS), description="Open slots, support places"),  # noqa: B008
):
    """Up to three routes over the open slots and support places the band could apply to from `start`
    to `end` (the tour planner's: a stop a night at most, each in the band's green zone, each hop within
    a day's drive, docs/decisions/0024). Computed on the data of the moment. Leaders and admins."""
    band, _user = _planner(request, slug, ApiToken.Scope.READ)
    asked = _tour_asked(
        band, start=start, end=end, first_day=first_day, last_day=last_day, drive_km=drive_km, kinds=kinds
    )
    return _routes(request, band, asked)


def _tour_asked(band, *, start, end, first_day, last_day, drive_km, kinds) -> dict:
    """The planner's question read by the page's own form (TourForm: cities by name, days ahead in the
    band's zone, at most 60 of them, a drive of 1 to 1,500 km); a 422 naming the fields it refuses."""
    data = QueryDict(mutable=True)
    data.update({"start": start, "end": end, "drive_km": str(drive_km)})
    data.update({"first_day": first_day.isoformat(), "last_day": last_day.isoformat()})
    data.setlist("kinds", list(dict.fromkeys(kinds)))
    form = TourForm(data, zone=zoneinfo.ZoneInfo(band.time_zone))
    if not form.is_valid():
        raise ApiProblem(422, INVALID, errors={name: [str(e) for e in errs] for name, errs in form.errors.items()})
    # The page's choice to prefer cities where fans asked is not part of a kept tour's question.
    return {name: value for name, value in form.cleaned_data.items() if name != "prefer_demand"}


def _routes(request: HttpRequest, band, asked: dict) -> TourOut:
    plan = tour_plan(
        band=band,
        start=asked["start"],
        end=asked["end"],
        first_day=asked["first_day"],
        last_day=asked["last_day"],
        drive_km=asked["drive_km"],
        kinds=asked["kinds"],
        now=timezone.now(),
    )
    return tour_out(request, plan, list(asked["kinds"]))


@router.get("/bands/{slug}/tour/stretches", response={200: list[StretchOut], **ONE_ERRORS}, tags=["tours"])
def tour_stretches_list(request: HttpRequest, slug: str):
    """The band's freest stretches of days ahead, as the empty planner proposes them (most free evenings
    first): good first and last days to ask routes for. Leaders and admins."""
    band, _user = _planner(request, slug, ApiToken.Scope.READ)
    today = scheduling_today(zoneinfo.ZoneInfo(band.time_zone))
    return [
        StretchOut(first_day=s.first_day, last_day=s.last_day, free=s.free)
        for s in tour_stretches(band=band, today=today)
    ]


@router.post(
    "/bands/{slug}/tour/apply",
    response={200: TourApplied, **WRITE_ERRORS},
    tags=["tours"],
)
def tour_apply_stops(request: HttpRequest, slug: str, body: TourApplyIn):
    """Apply the band to the stops of a route (from GET …/tour/routes), one application each, taking the
    fee each slot offers. Each stands on its own: a stop taken meanwhile is refused with its reason and
    the others go through. Each counts against your limit of applications; the stops beyond it are
    reported as not sent. A 409 when none went through. Leaders and admins; "bookings" scope."""
    band, user = _planner(request, slug, ApiToken.Scope.BOOKINGS)
    if wait := rate_limit_wait(action="application", who=user.pk):
        raise ApiProblem(
            429,
            _("Too many applications; try again in %(wait)s seconds.") % {"wait": wait},
            headers={"Retry-After": str(wait)},
        )
    picks, seen = [], set()
    for stop in body.stops:
        if stop.slot_id not in seen:
            seen.add(stop.slot_id)
            picks.append((stop.slot_id, stop.role))
    allowed = rate_limit_take_many(action="application", who=user.pk, wanted=len(picks))
    applied = 0
    try:
        outcomes = tour_apply(band=band, by=user, picks=picks, message=body.message, limit=allowed)
        applied = sum(1 for o in outcomes if o.applied)
    finally:
        rate_limit_return(action="application", who=user.pk, count=allowed - applied)
    if not applied:
        errors = {f"stops.{o.slot_id}": [o.reason] for o in outcomes}
        raise ApiProblem(
            409, _("No application went through: %(reason)s") % {"reason": outcomes[0].reason}, errors=errors
        )
    return {
        "applied": applied,
        "refused": len(outcomes) - applied,
        "stops": [
            StopOutcomeOut(
                slot_id=o.slot_id,
                applied=o.applied,
                booking=str(o.booking.uid) if o.booking else None,
                reason=o.reason,
            )
            for o in outcomes
        ],
    }


# ---- Saved tours (tour plans) -------------------------------------------------------------------


class TourPlanOut(Schema):
    id: int
    band: str
    label: str
    start: CityOut
    end: CityOut
    first_day: dt.date
    last_day: dt.date
    drive_km: int
    kinds: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class TourPlanPage(Page):
    items: list[TourPlanOut]


Kind = Literal["headliner", "support"]


class TourPlanIn(Schema):
    """A tour to keep: cities by name as on the planner page ("Hanover", or "Hanover, US"), days in the
    band's zone."""

    label: ApiLine(120) = Field("")
    start: ApiLine(120) = Field(...)
    end: ApiLine(120) = Field(...)
    first_day: ApiDate.PLAN
    last_day: ApiDate.PLAN
    drive_km: ApiInt(le=MAX_DRIVE_KM) = 400
    kinds: list[Kind] = Field(list(KINDS), max_length=2)


class TourPlanPatch(Schema):
    """Only what is sent changes; changed cities, days, drive or kinds are checked as on creation."""

    label: ApiLine(120) | None = Field(None)
    start: ApiLine(120) | None = Field(None)
    end: ApiLine(120) | None = Field(None)
    first_day: ApiDate.PLAN | None = None
    last_day: ApiDate.PLAN | None = None
    drive_km: ApiInt(le=MAX_DRIVE_KM) | None = None
    kinds: list[Kind] | None = Field(None, max_length=2)


def tour_plan_out(tour: SavedTour, slug: str) -> TourPlanOut:
    return TourPlanOut(
        id=tour.pk,
        band=slug,
        label=tour.label,
        start=_city(tour.start),
        end=_city(tour.end),
        first_day=tour.first_day,
        last_day=tour.last_day,
        drive_km=tour.drive_km,
        kinds=list(tour.kinds),
        created_at=utc(tour.created_at),
        updated_at=utc(tour.updated_at),
    )


def _tour_or_404(band, plan_id: int) -> SavedTour:
    tour = saved_tour_of(band=band, pk=plan_id)
    if tour is None:
        raise Http404(_("No such tour plan of this band."))
    return tour


def _city_text(city) -> str:
    return f"{city.name}, {getattr(city.country, 'code', city.country)}"


@router.get("/bands/{slug}/tour/plans", response={200: TourPlanPage, **ONE_ERRORS}, tags=["tours"])
def tour_plans_list(request: HttpRequest, slug: str, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """The tours the band keeps, soonest first (leaders and admins)."""
    band, _user = _planner(request, slug, ApiToken.Scope.READ)
    rows, next_url = keyset(
        request, saved_tours_of(band=band), order=("first_day", "pk"), cursor=cursor, limit=max(1, min(limit, PAGE_MAX))
    )
    return {"items": [tour_plan_out(t, band.slug) for t in rows], "next": next_url}


@router.post("/bands/{slug}/tour/plans", response={201: TourPlanOut, **WRITE_ERRORS}, tags=["tours"])
def tour_plans_create(request: HttpRequest, slug: str, body: TourPlanIn):
    """Keep a tour to ask routes for again (leaders and admins; at most 20 a band). Checked by the
    planner page's form: a city it does not know, a day passed, a tour over 60 days is a 422."""
    band, user = _planner(request, slug, ApiToken.Scope.PLANS)
    asked = _tour_asked(
        band,
        start=body.start,
        end=body.end,
        first_day=body.first_day,
        last_day=body.last_day,
        drive_km=body.drive_km,
        kinds=body.kinds,
    )
    tour = saved_tour_create(band=band, by=user, label=body.label, **asked)
    return Status(201, tour_plan_out(tour, band.slug))


@router.get("/bands/{slug}/tour/plans/{int:plan_id}", response={200: TourPlanOut, **ONE_ERRORS}, tags=["tours"])
def tour_plans_detail(request: HttpRequest, slug: str, plan_id: int):
    """One tour the band keeps."""
    band, _user = _planner(request, slug, ApiToken.Scope.READ)
    return tour_plan_out(_tour_or_404(band, plan_id), band.slug)


@router.patch("/bands/{slug}/tour/plans/{int:plan_id}", response={200: TourPlanOut, **WRITE_ERRORS}, tags=["tours"])
def tour_plans_change(request: HttpRequest, slug: str, plan_id: int, body: TourPlanPatch):
    """Change a kept tour: its label, start or end city, days, daily drive or kinds of stop."""
    band, user = _planner(request, slug, ApiToken.Scope.PLANS)
    tour = _tour_or_404(band, plan_id)
    sent = {k: v for k, v in body.dict(exclude_unset=True).items() if v is not None}
    changes = {"label": sent.pop("label")} if "label" in sent else {}
    if sent:
        # The whole question is read again by the page's form; the cities not sent stay as they are.
        asked = _tour_asked(
            band,
            start=sent.get("start", _city_text(tour.start)),
            end=sent.get("end", _city_text(tour.end)),
            first_day=sent.get("first_day", tour.first_day),
            last_day=sent.get("last_day", tour.last_day),
            drive_km=sent.get("drive_km", tour.drive_km),
            kinds=sent.get("kinds", tour.kinds),
        )
        changes |= {name: asked[name] for name in ("first_day", "last_day", "drive_km", "kinds")}
        changes |= {name: asked[name] for name in ("start", "end") if name in sent}
    return tour_plan_out(saved_tour_update(tour=tour, by=user, **changes), band.slug)


@router.delete("/bands/{slug}/tour/plans/{int:plan_id}", response={204: None, **WRITE_ERRORS}, tags=["tours"])
def tour_plans_delete(request: HttpRequest, slug: str, plan_id: int):
    """Forget a kept tour; applications made from its routes stay."""
    band, user = _planner(request, slug, ApiToken.Scope.PLANS)
    saved_tour_delete(tour=_tour_or_404(band, plan_id), by=user)
    return Status(204, None)


@router.get("/bands/{slug}/tour/plans/{int:plan_id}/routes", response={200: TourOut, **WRITE_ERRORS}, tags=["tours"])
def tour_plans_routes(request: HttpRequest, slug: str, plan_id: int):
    """The routes of a kept tour on the data of the moment, as GET …/tour/routes gives them. A tour whose
    first day has passed is a 409: change its days."""
    band, _user = _planner(request, slug, ApiToken.Scope.READ)
    tour = _tour_or_404(band, plan_id)
    if tour.first_day < scheduling_today(zoneinfo.ZoneInfo(band.time_zone)):
        raise ApiProblem(409, _("This tour's first day has passed; change its days to see routes."))
    asked = {name: getattr(tour, name) for name in ("start", "end", "first_day", "last_day", "drive_km", "kinds")}
    return _routes(request, band, asked)
