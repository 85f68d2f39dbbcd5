"""A band's tours (decision 0110): the band's list and a new tour, the itinerary day by day (kept on the
phone for the road), its gigs, stays, touring party and money. The band's leaders and admins change a tour;
its members and travellers read it; the money only those allowed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import language_for
from bands.permissions import add_errors, band_for
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.ical import FeedEvent, feed_render, feed_response
from core.fields.timezones import when_text
from core.web.offline import kept_offline

from ..forms.tours import (
    AttendanceForm,
    CostForm,
    RateForm,
    RoomsForm,
    StayForm,
    TourForm,
    TourGigsForm,
    TravellerForm,
)
from ..selectors import tours as selectors
from ..services import tours as services

LIST_TEMPLATE = "gigs/tours/list.html"
MINE_TEMPLATE = "gigs/tours/mine.html"
ITINERARY_TEMPLATE = "gigs/tours/itinerary.html"
MANAGE_TEMPLATE = "gigs/tours/manage.html"
MONEY_TEMPLATE = "gigs/tours/money.html"
CALENDAR_TEMPLATE = "gigs/tours/calendar.html"


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


# ---- A person's own tours --------------------------------------------------------------------------


@login_required
@require_GET
def my_tours(request: HttpRequest) -> HttpResponse:
    """The tours the person travels on (their bands' and those they were added to), each with its dates in
    their zone and their role: the ones ahead soonest first, then the ones over. Nobody else's."""
    rows = selectors.person_tours(user=request.user, now=timezone.now(), zone=request.user.zone, upcoming=False)
    ahead = sorted((r for r in rows if not r.over), key=lambda r: (r.first_day is None, r.first_day, r.tour.pk))
    context = {"ahead": ahead, "over": [r for r in rows if r.over]}
    return render(request, MINE_TEMPLATE, context)


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


def _tour_events(tour, person=None) -> list[FeedEvent]:
    """The tour as calendar events (the download and each traveller's address): the gigs, the drives and
    the stays, in UTC, each with its local time and zone in words, a stay with `person`'s room. No money."""
    itinerary = selectors.tour_itinerary(tour=tour)
    rooms = selectors.tour_rooms_of(tour=tour, user=person) if person is not None else {}
    changed = max((b.updated_at for b in itinerary.gigs), default=tour.created_at)
    words = {
        "show": gettext("Gig: %(title)s"),
        "drive": gettext("Drive to %(title)s"),
        "stay": gettext("Sleep: %(title)s"),
    }
    return [
        FeedEvent(
            uid=f"tour-{tour.pk}-{entry.key}@stageslot",
            summary=words[entry.kind] % {"title": entry.title},
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            status="CANCELLED" if entry.cancelled else "CONFIRMED",
            sequence=0,
            modified_at=changed,
            description=_event_description(entry, rooms),
            location=entry.place,
            transparent=entry.kind == "stay",
        )
        for entry in selectors.tour_calendar(itinerary=itinerary)
    ]


def _event_description(entry, rooms: dict[int, str]) -> str:
    when = gettext("Local time: %(when)s") % {
        "when": when_text(entry.starts_at, entry.ends_at, selectors.zone_of(entry.zone))
    }
    if entry.kind == "drive":
        route = gettext("From %(origin)s to %(destination)s") % {"origin": entry.place, "destination": entry.title}
        return f"{route}\n{when}"
    if entry.kind == "stay" and entry.stay_id in rooms:
        room = rooms[entry.stay_id]
        yours = gettext("Your room: %(room)s") % {"room": room} if room else gettext("Your room: not given yet")
        return f"{yours}\n{when}"
    return when


@login_required
def tour_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The tour for the traveller's own calendar app, once: the gigs, the drives and the stays as events."""
    tour, _access = _tour_for(request, pk)
    body = feed_render(name=f"{tour.band.name} – {tour.name}", events=_tour_events(tour, request.user))
    return feed_response(request, body=body, filename=f"stageslot-tour-{tour.pk}.ics")


@require_GET
def tour_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A traveller's secret calendar address of the tour, for calendar apps to poll: 404 once renewed, or
    once its person may no longer see the tour."""
    feed = selectors.tour_feed_by_token(token=token)
    if feed is None:
        raise Http404("No calendar at this address.")
    tour = feed.tour
    with translation.override(language_for(feed.user)):
        body = feed_render(name=f"{tour.band.name} – {tour.name}", events=_tour_events(tour, feed.user))
    return feed_response(request, body=body, filename=f"stageslot-tour-{tour.pk}.ics")


@login_required
@require_http_methods(["GET", "POST"])
def tour_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the person's own secret calendar address of the tour, to subscribe to. POST: make it, or with
    `renew` give it a new address (the old one stops)."""
    tour, access = _tour_for(request, pk)
    if request.method == "POST":
        if request.POST.get("renew"):
            services.tour_feed_renew(tour=tour, user=request.user)
            messages.success(request, gettext("Your calendar has a new address; the old one no longer works."))
        else:
            services.tour_feed_make(tour=tour, user=request.user)
        return redirect("gigs:tour_calendar", pk=tour.pk)
    feed = selectors.tour_feed_of(tour=tour, user=request.user)
    url = request.build_absolute_uri(reverse("gigs:tour_feed", args=[feed.token])) if feed else ""
    context = {"tour": tour, "access": access, "feed": feed, "feed_url": url, "webcal_url": _webcal(url)}
    return render(request, CALENDAR_TEMPLATE, context)


def _webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1] if url else ""


# ---- Changing the tour: gigs, stays, the party ----------------------------------------------------


def _rooms_form(stay, people, data=None) -> RoomsForm:
    guests = {guest.user_id: guest.room for guest in stay.guests.all()}
    return RoomsForm(data, people=people, guests=guests, auto_id=f"rooms{stay.pk}_%s")


def _manage(request, tour, access, *, status=200, **forms) -> HttpResponse:
    candidates = selectors.tour_gig_candidates(tour=tour)
    members, travellers = selectors.tour_party(tour=tour)
    stays = list(selectors.tour_stays_with_guests(tour=tour))
    people = selectors.tour_party_people(tour=tour) if access.manage else []
    failed = forms.get("rooms_form")
    stay_rooms = [
        (stay, failed if failed is not None and failed.stay_pk == stay.pk else _rooms_form(stay, people))
        for stay in stays
    ]
    context = {
        "tour": tour,
        "access": access,
        "gigs": selectors.tour_gigs(tour=tour),
        "stays": stay_rooms,
        "members": members,
        "travellers": travellers,
        "invites": selectors.tour_invites_pending(tour=tour) if access.manage else [],
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
def tour_stay_rooms(request: HttpRequest, pk: int, stay_pk: int) -> HttpResponse:
    """Who sleeps where in one stay: the people of the touring party, each here or not, with their room."""
    tour, access = _tour_for(request, pk, manage=True)
    stay = selectors.tour_stay_of(tour=tour, pk=stay_pk)
    people = selectors.tour_party_people(tour=tour)
    form = RoomsForm(request.POST, people=people, auto_id=f"rooms{stay.pk}_%s")
    form.stay_pk = stay.pk
    if form.is_valid():
        try:
            services.tour_stay_rooms_set(stay=stay, by=request.user, rooms=form.rooms())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, gettext("Who sleeps where in %(stay)s is saved.") % {"stay": stay.name})
            return redirect("gigs:tour_manage", pk=tour.pk)
    return _manage(request, tour, access, rooms_form=form, status=400)


@login_required
@require_POST
def tour_traveller_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite someone by email to travel on the tour: the answer is the same whether the address has an
    account or not (decision 0134); they join when they accept."""
    tour, access = _tour_for(request, pk, manage=True)
    form = TravellerForm(request.POST, auto_id="traveller_%s")
    if form.is_valid():
        try:
            invite = services.tour_traveller_invite(
                tour=tour, by=request.user, base_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except BookingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                gettext(
                    "An invitation is on its way to %(email)s. They travel on the tour once they accept it; "
                    "until then it is listed under “Invited”."
                )
                % {"email": invite.email},
            )
            return redirect(f"{reverse('gigs:tour_manage', args=[tour.pk])}#party-title")
    return _manage(request, tour, access, traveller_form=form, status=400)


@login_required
@require_POST
def tour_invite_withdraw(request: HttpRequest, pk: int, invite_pk: int) -> HttpResponse:
    tour, _access = _tour_for(request, pk, manage=True)
    invite = selectors.tour_invite_of(tour=tour, pk=invite_pk)
    services.tour_invite_withdraw(invite=invite, by=request.user)
    messages.success(request, gettext("The invitation is withdrawn: its link lets nobody onto the tour any more."))
    return redirect(f"{reverse('gigs:tour_manage', args=[tour.pk])}#party-title")


@login_required
@require_POST
def tour_traveller_remove(request: HttpRequest, pk: int, traveller_pk: int) -> HttpResponse:
    tour, _access = _tour_for(request, pk, manage=True)
    traveller = selectors.tour_traveller_of(tour=tour, pk=traveller_pk)
    services.tour_traveller_remove(traveller=traveller, by=request.user)
    messages.success(request, gettext("They no longer travel on the tour."))
    return redirect("gigs:tour_manage", pk=tour.pk)


# ---- Money ----------------------------------------------------------------------------------------


def _money(request, tour, access, *, form=None, attendance_form=None, rate_form=None, status=200) -> HttpResponse:
    gigs = selectors.tour_money_gigs(tour=tour)
    money = selectors.tour_money(tour=tour, gigs=gigs)
    forecasts = []
    if access.manage:
        for row in money.rows:
            if row.booking is not None and row.door and row.booking.status in selectors.TOUR_STATUSES:
                mine = attendance_form if getattr(attendance_form, "booking_pk", None) == row.booking.pk else None
                initial = {"expected": row.expected_attendance}
                forecasts.append(
                    (row, mine or AttendanceForm(initial=initial, auto_id=f"attendance{row.booking.pk}_%s"))
                )
    rates = []
    if access.manage:
        set_rates = {r.currency: r.rate for r in money.rates}
        for currency in money.foreign_currencies:
            mine = rate_form if getattr(rate_form, "currency", None) == currency else None
            initial = {"currency": currency, "rate": set_rates.get(currency)}
            rates.append((currency, mine or RateForm(initial=initial, auto_id=f"rate{currency}_%s")))
    context = {
        "tour": tour,
        "access": access,
        "money": money,
        "forecasts": forecasts,
        "rate_forms": rates,
        "form": form
        or CostForm(
            gigs=_gig_choices(gigs),
            people=selectors.tour_party_people(tour=tour) if access.manage else (),
            auto_id="cost_%s",
        ),
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
    form = CostForm(
        request.POST,
        gigs=_gig_choices(selectors.tour_gigs(tour=tour)),
        people=selectors.tour_party_people(tour=tour),
        auto_id="cost_%s",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.tour_cost_add(
                tour=tour,
                by=request.user,
                kind=data["kind"],
                label=data["label"],
                booking_id=data["gig"],
                person_id=data["person"],
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


@login_required
@require_POST
def tour_attendance(request: HttpRequest, pk: int, booking_pk: int) -> HttpResponse:
    """How many people the band expects at a door deal's show (empty: no forecast), for the door forecast."""
    tour, access = _tour_for(request, pk, manage=True)
    form = AttendanceForm(request.POST, auto_id=f"attendance{booking_pk}_%s")
    form.booking_pk = booking_pk
    if form.is_valid():
        try:
            services.tour_attendance_set(
                tour=tour, by=request.user, booking_id=booking_pk, expected=form.cleaned_data["expected"]
            )
        except ValidationError as exc:
            if not selectors.tour_has_gig(tour=tour, booking_id=booking_pk):
                raise Http404("No such gig on this tour.") from exc
            add_errors(form, exc)
        else:
            messages.success(request, gettext("The expected attendance is saved."))
            return redirect("gigs:tour_money", pk=tour.pk)
    return _money(request, tour, access, attendance_form=form, status=400)


@login_required
@require_POST
def tour_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The leaders set what one unit of another currency on the tour is worth in the tour's currency."""
    tour, access = _tour_for(request, pk, manage=True)
    currency = str(request.POST.get("currency", ""))[:3]
    form = RateForm(request.POST, auto_id=f"rate{currency}_%s")
    form.currency = currency
    if form.is_valid():
        try:
            services.tour_rate_set(tour=tour, by=request.user, currency=currency, rate=form.cleaned_data["rate"])
        except ValidationError as exc:
            add_errors(form, exc)
            for error in form.errors.get("currency", []):
                messages.error(request, error)
        else:
            messages.success(request, gettext("The exchange rate is saved."))
            return redirect("gigs:tour_money", pk=tour.pk)
    return _money(request, tour, access, rate_form=form, status=400)
