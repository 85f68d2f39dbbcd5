"""A band's tours (decision 0110): the band's list and a new tour, the itinerary day by day (kept on the
phone for the road), its gigs, stays, touring party and money. The band's leaders and admins change a tour;
its members and travellers read it; the money only those allowed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.offline import kept_offline
from accounts.timezones import when_text
from bands.permissions import add_errors, band_for
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.ical import FeedEvent, feed_render, feed_response

from ..forms.tours import CostForm, StayForm, TourForm, TourGigsForm, TravellerForm
from ..selectors import tours as selectors
from ..services import tours as services

LIST_TEMPLATE = "gigs/tours/list.html"
ITINERARY_TEMPLATE = "gigs/tours/itinerary.html"
MANAGE_TEMPLATE = "gigs/tours/manage.html"
MONEY_TEMPLATE = "gigs/tours/money.html"


def _tour_for(request: HttpRequest, pk: int, *, money: bool = False, manage: bool = False):
    """The tour and what the viewer may do with it; 403 unless they may see it (and its money, or change
    it, when asked)."""
    tour = selectors.tour_get(pk=pk)
    access = selectors.tour_access(tour=tour, user=request.user)
    if not access.see or (money and not access.money) or (manage and not access.manage):
        raise PermissionDenied(gettext("Only the touring party of this tour can see this page."))
    return tour, access


def _status_of(exc: BookingError) -> int:
    return 403 if isinstance(exc, BookingPermissionError) else 409 if isinstance(exc, BookingConflict) else 400


def _gig_choices(bookings) -> list[tuple[int, str]]:
    return [(b.pk, f"{b.place_name} – {when_text(b.starts_at, b.ends_at, b.zone)}") for b in bookings]


# ---- A band's tours -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def band_tours(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the band's tours (for its members). POST: a new tour from booked gigs or a tour plan (leaders)."""
    band, membership = band_for(request, slug, manage=False)
    candidates = selectors.band_tour_candidates(band=band) if membership.can_manage else []
    plans = [(p.pk, p.label or f"{p.first_day:%Y-%m-%d} – {p.last_day:%Y-%m-%d}") for p in band.saved_tours.all()]
    form = TourForm(gigs=_gig_choices(candidates), plans=plans)
    status = 200
    if request.method == "POST":
        if not membership.can_manage:
            raise PermissionDenied(gettext("Only the band's leaders and admins can change its tours."))
        form = TourForm(request.POST, gigs=_gig_choices(candidates), plans=plans)
        if form.is_valid():
            data = form.cleaned_data
            picked = [b for b in candidates if b.pk in set(data["gigs"])]
            plan = band.saved_tours.filter(pk=data["plan"]).first() if data["plan"] else None
            try:
                tour = services.tour_create(band=band, by=request.user, name=data["name"], bookings=picked, plan=plan)
            except ValidationError as exc:
                add_errors(form, exc)
            except BookingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("The tour “%(name)s” is made.") % {"name": tour.name})
                return redirect("gigs:tour", pk=tour.pk)
        status = 400
    context = {"band": band, "membership": membership, "tours": selectors.band_tours(band=band), "form": form}
    return render(request, LIST_TEMPLATE, context, status=status)


# ---- The itinerary --------------------------------------------------------------------------------


@login_required
@kept_offline
def tour_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The itinerary day by day, for the touring party; today's day marked."""
    tour, access = _tour_for(request, pk)
    itinerary = selectors.tour_itinerary(tour=tour)
    today = timezone.localdate(timezone=selectors.zone_of(tour.band.time_zone))
    context = {"tour": tour, "access": access, "itinerary": itinerary, "today": today}
    return render(request, ITINERARY_TEMPLATE, context)


@login_required
def tour_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The tour for the traveller's own calendar app: the gigs, the drives and the stays as events."""
    tour, _access = _tour_for(request, pk)
    itinerary = selectors.tour_itinerary(tour=tour)
    changed = max((b.updated_at for b in itinerary.gigs), default=tour.created_at)
    words = {
        "show": gettext("Gig: %(title)s"),
        "drive": gettext("Drive to %(title)s"),
        "stay": gettext("Sleep: %(title)s"),
    }
    events = [
        FeedEvent(
            uid=f"tour-{tour.pk}-{entry.key}@stageslot",
            summary=words[entry.kind] % {"title": entry.title},
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            status="CANCELLED" if entry.cancelled else "CONFIRMED",
            sequence=0,
            modified_at=changed,
            location=entry.place,
            transparent=entry.kind == "stay",
        )
        for entry in selectors.tour_calendar(itinerary=itinerary)
    ]
    body = feed_render(name=f"{tour.band.name} – {tour.name}", events=events)
    return feed_response(request, body=body, filename=f"stageslot-tour-{tour.pk}.ics")


# ---- Changing the tour: gigs, stays, the party ----------------------------------------------------


def _manage(request, tour, access, *, status=200, **forms) -> HttpResponse:
    candidates = selectors.tour_gig_candidates(tour=tour)
    members, travellers = selectors.tour_party(tour=tour)
    context = {
        "tour": tour,
        "access": access,
        "gigs": selectors.tour_gigs(tour=tour),
        "stays": selectors.tour_stays(tour=tour),
        "members": members,
        "travellers": travellers,
        "gigs_form": forms.get("gigs_form") or TourGigsForm(gigs=_gig_choices(candidates), auto_id="gig_%s"),
        "stay_form": forms.get("stay_form") or StayForm(auto_id="stay_%s"),
        "traveller_form": forms.get("traveller_form") or TravellerForm(auto_id="traveller_%s"),
        "has_candidates": bool(candidates),
    }
    return render(request, MANAGE_TEMPLATE, context, status=status)


@login_required
def tour_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The tour's gigs, stays and party: each member of the party reads it; the leaders change it."""
    tour, access = _tour_for(request, pk)
    return _manage(request, tour, access)


def _refused(request, exc: BookingError, pk: int) -> HttpResponse:
    if isinstance(exc, BookingPermissionError):
        raise PermissionDenied(str(exc))
    messages.error(request, str(exc))
    return redirect("gigs:tour_manage", pk=pk)


@login_required
@require_POST
def tour_gigs_add(request: HttpRequest, pk: int) -> HttpResponse:
    tour, access = _tour_for(request, pk, manage=True)
    candidates = list(selectors.tour_gig_candidates(tour=tour))
    form = TourGigsForm(request.POST, gigs=_gig_choices(candidates), auto_id="gig_%s")
    if not form.is_valid():
        return _manage(request, tour, access, gigs_form=form, status=400)
    try:
        services.tour_gigs_add(
            tour=tour, by=request.user, bookings=[b for b in candidates if b.pk in form.cleaned_data["gigs"]]
        )
    except BookingError as exc:
        return _refused(request, exc, tour.pk)
    messages.success(request, gettext("The gigs are part of the tour."))
    return redirect("gigs:tour_manage", pk=tour.pk)


@login_required
@require_POST
def tour_gig_remove(request: HttpRequest, pk: int, booking_pk: int) -> HttpResponse:
    tour, _access = _tour_for(request, pk, manage=True)
    services.tour_gig_remove(tour=tour, by=request.user, booking_id=booking_pk)
    messages.success(request, gettext("The gig is no longer part of the tour; it stays booked."))
    return redirect("gigs:tour_manage", pk=tour.pk)


@login_required
@require_POST
def tour_stay_add(request: HttpRequest, pk: int) -> HttpResponse:
    tour, access = _tour_for(request, pk, manage=True)
    form = StayForm(request.POST, auto_id="stay_%s")
    if form.is_valid():
        try:
            services.tour_stay_save(tour=tour, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        except BookingError as exc:
            return _refused(request, exc, tour.pk)
        else:
            messages.success(request, gettext("The stay is on the itinerary."))
            return redirect("gigs:tour_manage", pk=tour.pk)
    return _manage(request, tour, access, stay_form=form, status=400)


@login_required
@require_POST
def tour_stay_delete(request: HttpRequest, pk: int, stay_pk: int) -> HttpResponse:
    tour, _access = _tour_for(request, pk, manage=True)
    stay = selectors.tour_stay_of(tour=tour, pk=stay_pk)
    services.tour_stay_delete(stay=stay, by=request.user)
    messages.success(request, gettext("The stay is removed."))
    return redirect("gigs:tour_manage", pk=tour.pk)


@login_required
@require_POST
def tour_traveller_add(request: HttpRequest, pk: int) -> HttpResponse:
    tour, access = _tour_for(request, pk, manage=True)
    form = TravellerForm(request.POST, auto_id="traveller_%s")
    if form.is_valid():
        try:
            traveller = services.tour_traveller_add(tour=tour, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        except BookingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("%(name)s travels on the tour.") % {"name": traveller.user.name})
            return redirect("gigs:tour_manage", pk=tour.pk)
    return _manage(request, tour, access, traveller_form=form, status=400)


@login_required
@require_POST
def tour_traveller_remove(request: HttpRequest, pk: int, traveller_pk: int) -> HttpResponse:
    tour, _access = _tour_for(request, pk, manage=True)
    traveller = selectors.tour_traveller_of(tour=tour, pk=traveller_pk)
    services.tour_traveller_remove(traveller=traveller, by=request.user)
    messages.success(request, gettext("They no longer travel on the tour."))
    return redirect("gigs:tour_manage", pk=tour.pk)


# ---- Money ----------------------------------------------------------------------------------------


def _money(request, tour, access, *, form=None, status=200) -> HttpResponse:
    gigs = selectors.tour_money_gigs(tour=tour)
    context = {
        "tour": tour,
        "access": access,
        "money": selectors.tour_money(tour=tour, gigs=gigs),
        "form": form or CostForm(gigs=_gig_choices(gigs), auto_id="cost_%s"),
    }
    return render(request, MONEY_TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def tour_money(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: guarantees, costs and results per show and for the tour (those allowed). POST: a cost (leaders)."""
    tour, access = _tour_for(request, pk, money=True)
    if request.method == "GET":
        return _money(request, tour, access)
    if not access.manage:
        raise PermissionDenied(gettext("Only the band's leaders and admins can change its tours."))
    form = CostForm(request.POST, gigs=_gig_choices(selectors.tour_gigs(tour=tour)), auto_id="cost_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.tour_cost_add(
                tour=tour,
                by=request.user,
                kind=data["kind"],
                label=data["label"],
                booking_id=data["gig"],
                planned_minor=data["planned"] * 100,
                actual_minor=None if data["actual"] is None else data["actual"] * 100,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except BookingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("The cost is added."))
            return redirect("gigs:tour_money", pk=tour.pk)
    return _money(request, tour, access, form=form, status=400)


@login_required
@require_POST
def tour_cost_delete(request: HttpRequest, pk: int, cost_pk: int) -> HttpResponse:
    tour, _access = _tour_for(request, pk, manage=True)
    cost = selectors.tour_cost_of(tour=tour, pk=cost_pk)
    services.tour_cost_delete(cost=cost, by=request.user)
    messages.success(request, gettext("The cost is removed."))
    return redirect("gigs:tour_money", pk=tour.pk)
