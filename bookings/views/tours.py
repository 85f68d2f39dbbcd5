"""The tour planner: a band's leaders and admins ask for routes of open slots and apply to their stops."""

import datetime as dt
import zoneinfo
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.ratelimit import rate_limit_return, rate_limit_take_many, rate_limit_wait, rate_limited_response
from bands.demand import city_demand_for
from bands.models import Band, Membership
from bands.selectors import band_for_manage
from core.fields.amounts import money_words
from core.fields.dates import Bound, query_date
from core.fields.scheduling import scheduling_today
from core.fields.timezones import when_text

from ..errors import BookingError
from ..forms.tours import TourApplyForm, TourForm, tour_initial
from ..models import SavedTour
from ..selectors.tours import TourPlan, road_factor, saved_tour_of, saved_tours_of, tour_plan, tour_stretches
from ..services.tours import saved_tour_create, saved_tour_delete, tour_apply
from ..tours import Route, rest_days

KIND_LABELS = {"headliner": gettext_lazy("Headliner"), "support": gettext_lazy("Support")}


def _manager_of(request: HttpRequest, slug: str) -> tuple[Band, Membership]:
    """The band and the viewer's membership; 403 unless the viewer leads or runs it (as applying does)."""
    band, membership = band_for_manage(slug=slug, user=request.user)
    if membership is None or not membership.can_manage:
        raise PermissionDenied(
            _("Only the leaders and admins of %(band)s can plan its tours and apply for it.") % {"band": band.name}
        )
    return band, membership


def _fee_text(slot) -> str:
    if slot.fee is not None:
        return money_words(number_format(slot.fee, force_grouping=True), slot.currency)
    return slot.support_terms or _("Negotiable")


def _route_rows(plan: TourPlan, route: Route, zone: zoneinfo.ZoneInfo) -> dict:
    """One route as the page shows it: every day of the tour, a stop or a day off, and the totals."""
    legs = {leg.stop.night: leg for leg in route.legs}
    days = []
    for i in range((plan.last_day - plan.first_day).days + 1):
        day = plan.first_day + dt.timedelta(days=i)
        leg = legs.get(day)
        row = {"day": day, "leg": leg}
        if leg is not None:
            slot = plan.slots[leg.stop.id]
            row |= {
                "slot": slot,
                "when": when_text(slot.starts_at, slot.ends_at, zone),
                "km": round(leg.km),
                "fee": _fee_text(slot),
                "role_label": str(KIND_LABELS[leg.stop.kind]),
                "value": f"{slot.pk}:{leg.stop.kind}",
                "demand": plan.stop_demand.get(slot.pk),
            }
        days.append(row)
    return {
        "days": days,
        "nights": route.nights,
        "rest": len(rest_days(route, plan.first_day, plan.last_day)),
        "fee": route.fee,
        "km": round(route.km),
        "end_km": round(route.end_km),
    }


@login_required
@require_GET
def tour_planner(request: HttpRequest, slug: str) -> HttpResponse:
    """The planner's form and, once asked, up to three routes with a tick box per stop."""
    band, membership = _manager_of(request, slug)
    zone = zoneinfo.ZoneInfo(band.time_zone)
    asked = "start" in request.GET
    today = scheduling_today(zone)
    initial = tour_initial(today, band.place)
    stretches = []
    if not asked:
        # The empty planner proposes the band's freest stretch; a stretch's link sets its days.
        stretches = tour_stretches(band=band, today=today)
        picked = _days_asked(request.GET, today)
        if picked:
            initial.update(first_day=picked[0], last_day=picked[1])
        elif stretches:
            initial.update(first_day=stretches[0].first_day, last_day=stretches[0].last_day)
    form = TourForm(request.GET if asked else None, zone=zone, initial=initial)
    plan, routes, status = None, [], 200
    if asked and form.is_valid():
        data = form.cleaned_data
        plan = tour_plan(
            band=band,
            start=data["start"],
            end=data["end"],
            first_day=data["first_day"],
            last_day=data["last_day"],
            drive_km=data["drive_km"],
            kinds=data["kinds"],
            now=timezone.now(),
            prefer_demand=data["prefer_demand"],
        )
        routes = [_route_rows(plan, route, zone) for route in plan.routes]
    elif asked:
        status = 400
    context = {
        "band": band,
        "membership": membership,
        "section": "tour",
        "form": form,
        "plan": plan,
        "routes": routes,
        "zone": zone,
        "road_factor": road_factor(),
        "query": request.GET.urlencode(),
        "stretches": stretches,
        "demand": plan.demand if plan is not None else city_demand_for(band_id=band.pk),
        "kept": [{"tour": t, "query": kept_query(t)} for t in saved_tours_of(band=band)],
    }
    return render(request, "bookings/tours/planner.html", context, status=status)


def kept_query(tour: SavedTour) -> str:
    """The planner's query string asking a kept tour's question again."""
    pairs = [
        ("start", f"{tour.start.name}, {tour.start.country}"),
        ("end", f"{tour.end.name}, {tour.end.country}"),
        ("first_day", tour.first_day.isoformat()),
        ("last_day", tour.last_day.isoformat()),
        ("drive_km", str(tour.drive_km)),
    ]
    return urlencode(pairs + [("kinds", kind) for kind in tour.kinds])


@login_required
@require_POST
def tour_keep(request: HttpRequest, slug: str) -> HttpResponse:
    """Keep the question of the routes shown, to ask it again later (from this page or the API)."""
    band, _membership = _manager_of(request, slug)
    query = request.POST.get("query", "")[:2000]
    form = TourForm(QueryDict(query), zone=zoneinfo.ZoneInfo(band.time_zone))
    planner = reverse("bookings:tour_planner", args=[band.slug])
    if not form.is_valid():
        messages.error(request, _("This tour could not be kept: draw its routes again first."))
        return redirect(f"{planner}?{query}")
    try:
        asked = {k: v for k, v in form.cleaned_data.items() if k != "prefer_demand"}
        saved_tour_create(band=band, by=request.user, label=request.POST.get("label", "")[:120], **asked)
    except BookingError as exc:
        messages.error(request, str(exc))
        return redirect(f"{planner}?{query}")
    messages.success(request, _("Kept. Find it under “Kept tours” to see its routes again."))
    return redirect(f"{planner}?{query}")


@login_required
@require_POST
def tour_forget(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Forget a kept tour."""
    band, _membership = _manager_of(request, slug)
    tour = saved_tour_of(band=band, pk=pk)
    if tour is None:
        raise Http404("No such tour.")
    saved_tour_delete(tour=tour, by=request.user)
    messages.success(request, _("The kept tour is deleted."))
    return redirect("bookings:tour_planner", band.slug)


def _days_asked(query, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last day a stretch's link gives, when both read as dates within the planning bound, in
    order from today; else None (the form then proposes its own)."""
    first = query_date(query, "first_day", bound=Bound.PLAN, fallback=True)
    last = query_date(query, "last_day", bound=Bound.PLAN, fallback=True)
    if first is None or last is None:
        return None
    return (first, last) if today <= first <= last else None


@login_required
@require_POST
def tour_apply_stops(request: HttpRequest, slug: str) -> HttpResponse:
    """Apply to every stop ticked on a route, one application each; then what became of each.

    Each application counts against the person's limit of applications (as one from the gig finder
    does); the stops beyond what is left of it are reported as not sent."""
    band, membership = _manager_of(request, slug)
    if wait := rate_limit_wait(action="application", who=request.user.pk):
        return rate_limited_response(request, action="application", wait=wait)
    data = request.POST.copy()
    if "all" in data:
        # "Apply to all": every stop of the route, whatever is ticked.
        data.setlist("stop", data.getlist("route_stop"))
    form = TourApplyForm(data)
    outcomes, status = [], 400
    if form.is_valid():
        # Places are taken before applying (atomically, one by one), and the unused ones given back.
        allowed = rate_limit_take_many(action="application", who=request.user.pk, wanted=len(form.picks()))
        applied = 0
        try:
            outcomes = tour_apply(
                band=band, by=request.user, picks=form.picks(), message=form.cleaned_data["message"], limit=allowed
            )
            applied = sum(1 for o in outcomes if o.applied)
        except ValidationError as exc:
            form.add_error("message", exc.messages)
        else:
            status = 200 if applied else 409
        finally:
            rate_limit_return(action="application", who=request.user.pk, count=allowed - applied)
    zone = zoneinfo.ZoneInfo(band.time_zone)
    rows = [
        {"outcome": o, "when": when_text(o.slot.starts_at, o.slot.ends_at, zone) if o.slot else ""} for o in outcomes
    ]
    context = {
        "band": band,
        "membership": membership,
        "section": "tour",
        "form": form,
        "rows": rows,
        "applied": sum(1 for o in outcomes if o.applied),
        "refused": sum(1 for o in outcomes if not o.applied),
        "query": request.POST.get("query", ""),
    }
    return render(request, "bookings/tours/applied.html", context, status=status)
