"""Shows with places through the API (docs/decisions/0020): the public shows and support calls, the
caller's own shows, and what a band does on its own show – host it, open or close its support call,
read the applications, pick or decline its openers, set its running order and tickets, cancel it –
and what another band does: apply. A venue's staff do the same on their slots where the pages let them.

Every operation runs the services and selectors of the show pages (/shows/…): bookings.services.shows,
bookings.services.asking, answering and ending (an application, a pick and a decline are bookings' transitions, with the
same locks, checks and automatic declines), bookings.services.venue_slots.slot_cancel. Reads answer
with the `read` scope (public reads without a token too); every change needs the `shows` scope.
A show that is not public exists only for those who may manage it (404 to anyone else); a public
show's manager operations refuse anyone else with a 403.
"""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from bands.models import Currency
from bands.selectors import band_approved_of, genre_choices
from core.fields.api_fields import ApiId, ApiLine, ApiText
from core.fields.dates import ApiDate, ApiDateTime

from ..forms.finder import FinderForm
from ..models import Booking
from ..selectors.bookings import is_venue_staff
from ..selectors.finder import finder_bands_of, finder_countries, finder_slots
from ..selectors.shows import (
    can_see_manage,
    distance_between,
    lineup_sorted,
    my_shows_qs,
    show_applications,
    show_booking_of,
    show_place_choices,
    show_status,
    show_visible,
    shows_listed,
    shows_with_bill,
    venue_listed_of,
)
from ..services import answering, asking, venue_slots
from ..services import shows as show_services
from .bookings import OUT_OF_RANGE, BookingOut, _limited, _mine_or_404, booking_out
from .core import (
    COMMON_ERRORS,
    PAGE_DEFAULT,
    PAGE_MAX,
    PUBLIC,
    ApiProblem,
    Page,
    Problem,
    caller,
    keyset,
    public_auth,
    token_auth,
    viewer,
)
from .schemas import utc
from .search import NEAR, SLOT_SORTS, WITHIN_KM, _distance, _form_problem, _search_data, _sort_check, _zone

router = Router(auth=token_auth, tags=["shows"])

PUBLIC_ERRORS = dict.fromkeys(COMMON_ERRORS, Problem)
ONE_PUBLIC_ERRORS = PUBLIC_ERRORS | {404: Problem}
READ_ERRORS = PUBLIC_ERRORS | {403: Problem}
ONE_ERRORS = READ_ERRORS | {404: Problem}
WRITE_ERRORS = ONE_ERRORS | {409: Problem}
INVALID = gettext_lazy("Some of the input is not valid.")


# ---- What a show looks like ---------------------------------------------------------------------


class ActOut(Schema):
    band: str  # the band's slug
    band_name: str
    role: str  # headliner, support
    status: str  # booked, in_progress, completed, disputed
    load_in_at: dt.datetime | None
    set_starts_at: dt.datetime | None
    set_ends_at: dt.datetime | None


class TicketOut(Schema):
    label: str
    url: str
    price_min: str | None = Field(description="A decimal, as text: 12.50")
    price_max: str | None
    currency: str


class ShowOut(Schema):
    id: int
    title: str
    hosted: bool = Field(description="A show a band hosts (no venue runs it); else a venue's slot")
    host_band: str | None = Field(description="The hosting band's slug")
    host_band_name: str | None
    venue: str | None = Field(description="The venue running the slot (null for a hosted show)")
    venue_name: str | None
    place: str = Field(description="Where it is, in a few words: the venue, or the hosted show's place")
    place_venue: str | None = Field(description="A hosted show's place when it is a venue on StageSlot (its slug)")
    address: str
    city: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    doors_at: dt.datetime | None
    curfew_at: dt.datetime | None
    time_zone: str
    genres: list[str]
    fee: int | None = Field(description="For each support act (a hosted show), or the headliner (a venue's slot)")
    currency: str
    support_terms: str
    support_places: int
    supports_booked: int
    support_picker: str = Field(description="venue or headliner: who answers support applications")
    support_call: bool = Field(description="The headliner picks its support and a place is open: bands may apply")
    support_asked_at: dt.datetime | None = Field(description="When the headliner asked the venue for the places")
    status: str  # open, need_support, booked, cancelled
    public_status: str  # cancelled, over, sold_out, free, door, on_sale, soon
    entry: str  # tickets, free, door
    sold_out: bool
    cancel_reason: str
    line_up: list[ActOut] = Field(description="The acts booked, in running order")
    tickets: list[TicketOut]
    applications_pending: int | None = Field(None, description="Your shows: support applications waiting")
    band_free: bool | None = Field(None, description="Support calls with `band`: every needed member is free")
    distance_km: float | None = Field(None, description="With near: km from that city (great circle)")
    sequence: int
    url: str


class ShowPage(Page):
    items: list[ShowOut]


class ApplicationOut(BookingOut):
    band_genres: list[str]
    distance_km: float | None = Field(description="How far the band is from the show, when both have a point")


class ApplicationPage(Page):
    items: list[ApplicationOut]


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def show_out(request: HttpRequest, slot, *, now: dt.datetime | None = None) -> ShowOut:
    """A show read with shows_with_bill (its acts, tickets and genres prefetched)."""
    now = now or timezone.now()
    tickets = list(slot.tickets.all())
    return ShowOut(
        id=slot.pk,
        title=slot.title,
        hosted=slot.is_hosted,
        host_band=slot.host_band.slug if slot.host_band_id else None,
        host_band_name=slot.host_band.name if slot.host_band_id else None,
        venue=slot.venue.slug if slot.venue_id else None,
        venue_name=slot.venue.name if slot.venue_id else None,
        place=slot.place_label,
        place_venue=slot.place_venue.slug if slot.place_venue_id else None,
        address=slot.place_address_line,
        city=slot.place_city_label,
        starts_at=utc(slot.starts_at),
        ends_at=utc(slot.ends_at),
        doors_at=utc(slot.doors_at),
        curfew_at=utc(slot.curfew_at),
        time_zone=slot.zone_name,
        genres=[g.slug for g in slot.genres.all()],
        fee=slot.fee,
        currency=slot.currency,
        support_terms=slot.support_terms,
        support_places=slot.support_places,
        supports_booked=slot.supports_booked,
        support_picker=slot.support_picker,
        support_call=slot.is_support_call,
        support_asked_at=utc(slot.support_pick_asked_at),
        status=slot.status,
        public_status=show_status(slot, now=now)[0],
        entry=slot.entry,
        sold_out=slot.sold_out,
        cancel_reason=slot.cancel_reason,
        line_up=[
            ActOut(
                band=act.band.slug,
                band_name=act.band.name,
                role=act.role,
                status=act.status,
                load_in_at=utc(act.load_in_at),
                set_starts_at=utc(act.set_starts_at),
                set_ends_at=utc(act.set_ends_at),
            )
            for act in lineup_sorted(getattr(slot, "acts", []))
        ],
        tickets=[
            TicketOut(
                label=t.label,
                url=t.url,
                price_min=_money(t.price_min),
                price_max=_money(t.price_max),
                currency=t.currency,
            )
            for t in tickets
        ],
        applications_pending=getattr(slot, "pending", None),
        band_free=getattr(slot, "band_free", None),
        distance_km=_distance(slot),
        sequence=slot.sequence,
        url=request.build_absolute_uri(f"/shows/{slot.pk}/"),
    )


def _limit(limit: int) -> int:
    return max(1, min(limit, PAGE_MAX))


def _visible_or_404(request: HttpRequest, show_id: int, user=None):
    slot = show_visible(pk=show_id, user=user if user is not None else viewer(request))
    if slot is None:
        raise Http404(_("No such show."))
    return slot


def _fresh(request: HttpRequest, show_id: int, user) -> ShowOut:
    return show_out(request, _visible_or_404(request, show_id, user))


# ---- Reading ------------------------------------------------------------------------------------


# A slug in a query: letters, digits, "-" and "_" (anything else, a NUL say, is a 422 before a lookup).
SLUG = r"^[-\w]+$"


@router.get("/shows", response={200: ShowPage, **PUBLIC_ERRORS}, auth=public_auth, openapi_extra=PUBLIC)
def shows_list(
    request: HttpRequest,
    band: str | None = Query(None, description="Only the shows this band (slug) plays", pattern=SLUG, max_length=200),
    venue: str | None = Query(
        None, description="Only the shows at this venue (slug): its own, or hosted there", pattern=SLUG, max_length=200
    ),
    hosted: bool | None = Query(None, description="true: only shows bands host; false: only venues' slots"),
    past: bool = Query(False, description="Shows that are over, latest first"),
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """Public shows with their headliner booked – bands' own shows and venues' slots – soonest first
    (latest first with `past`), each with its line-up in running order and its tickets. Cancelled
    shows are left out."""
    now = timezone.now()
    chosen_band = chosen_venue = None
    if band is not None:
        try:
            chosen_band = band_approved_of(slug=band)
        except Http404:
            raise ApiProblem(422, INVALID, errors={"band": [_("No band is listed at this address.")]}) from None
    if venue is not None:
        chosen_venue = venue_listed_of(slug=venue)
        if chosen_venue is None:
            raise ApiProblem(422, INVALID, errors={"venue": [_("No venue is listed at this address.")]})
    rows, next_url = keyset(
        request,
        shows_listed(now=now, band=chosen_band, venue=chosen_venue, hosted=hosted, past=past, viewer=viewer(request)),
        order=("-starts_at", "-pk") if past else ("starts_at", "pk"),
        cursor=cursor,
        limit=_limit(limit),
    )
    return {"items": [show_out(request, s, now=now) for s in rows], "next": next_url}


@router.get("/shows/mine", response={200: ShowPage, **READ_ERRORS})
def shows_mine(request: HttpRequest, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """The shows to come that your bands host or headline (as their leaders or admins), soonest first,
    with how many support applications wait on each (`applications_pending`). As "My shows"."""
    user = caller(request, ApiToken.Scope.READ)
    now = timezone.now()
    rows, next_url = keyset(
        request,
        shows_with_bill(my_shows_qs(user=user, now=now)),
        order=("starts_at", "pk"),
        cursor=cursor,
        limit=_limit(limit),
    )
    return {"items": [show_out(request, s, now=now) for s in rows], "next": next_url}


@router.get(
    "/shows/{int:show_id}", response={200: ShowOut, **ONE_PUBLIC_ERRORS}, auth=public_auth, openapi_extra=PUBLIC
)
def show_detail(request: HttpRequest, show_id: int):
    """One show: a public one to anyone (as /shows/<id>/), a venue's invite-only slot to those who may
    manage it."""
    return show_out(request, _visible_or_404(request, show_id))


@router.get("/support-calls", response={200: ShowPage, **PUBLIC_ERRORS}, auth=public_auth, openapi_extra=PUBLIC)
def support_calls_list(
    request: HttpRequest,
    genre: list[str] = Query(default=[]),  # noqa: B008
    city: str | None = None,
    region: str | None = None,
    country: str | None = None,
    date_from: ApiDate.PLAN | None = None,
    date_until: ApiDate.PLAN | None = None,
    fee_min: int | None = None,
    band: str | None = Query(default=None, description="One of your bands (slug): marks band_free"),
    playable: bool = Query(default=False, description="With band: only the calls the band can play"),
    time_zone: str = Query(default="UTC", description="The zone date_from and date_until are days in"),
    near: int | None = NEAR,
    within_km: float | None = WITHIN_KM,
    sort: str = Query(default="soonest", description="soonest or distance (nearest first, with near)"),
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """Support calls to come: shows whose headliner picks its support acts and still has a place open
    (bands' own shows, and venues' slots handed to their headliner), soonest first, with the gig
    finder's filters ("Support calls only" on /slots/). With `band` each says whether that band is free
    (its green zone, and no other gig that day); `playable` keeps only those."""
    now = timezone.now()
    zone = _zone(time_zone)
    _sort_check(sort, SLOT_SORTS, near)
    user = viewer(request) or AnonymousUser()
    bands = finder_bands_of(user=user) if user.is_authenticated else []
    data = _search_data(request)
    for name in ("role", "include_booked", "min_rating"):
        data.pop(name, None)
    data["role"] = "support_call"
    form = FinderForm(data, genres=genre_choices(), countries=finder_countries(now=now), bands=bands, zone=zone)
    if band and not bands:
        raise ApiProblem(422, INVALID, errors={"band": [_("Pick one of your bands; you play in none.")]})
    if not form.is_valid():
        raise _form_problem(form)
    chosen = form.chosen_band if band else None
    rows, next_url = keyset(
        request,
        shows_with_bill(finder_slots(now=now, band_id=chosen.pk if chosen else None, **form.filters()), genres=False),
        order=SLOT_SORTS[sort],
        cursor=cursor,
        limit=_limit(limit),
    )
    return {"items": [show_out(request, s, now=now) for s in rows], "next": next_url}


# ---- Hosting ------------------------------------------------------------------------------------


class ShowIn(Schema):
    band: ApiLine(100) = Field(description="The hosting band's slug (you lead or run it)")
    title: ApiLine(120) = Field(min_length=1)
    starts_at: ApiDateTime.AHEAD
    ends_at: ApiDateTime.AHEAD
    doors_at: ApiDateTime.AHEAD | None = Field(None, description="At the start or up to six hours before it")
    time_zone: ApiLine(64) = Field(description="Where the show is (IANA zone)")
    place_venue: ApiLine(100) | None = Field(None, description="A venue on StageSlot (slug) as the place")
    place_name: ApiLine(120) = Field("", description="Or the place's name, typed in")
    place_address: ApiLine(200) = Field("")
    place_city: ApiLine(80) = Field("", description="The city, as text")
    city_id: ApiId | None = Field(None, description="Or the city's id in the city list: puts the show on the map")
    genres: list[ApiLine(60)] = Field(default_factory=list, max_length=20, description="Genre slugs")
    support_places: int = Field(1, ge=0, le=6, description="How many support acts you look for")
    fee: int | None = Field(None, ge=0, le=1_000_000, description="For each support act; none: see support_terms")
    currency: ApiLine(3) = Field("EUR", min_length=3)
    support_terms: ApiText(200) = Field("", description="The deal in words: “door split 70/30 after costs”")
    stand_in: bool = Field(
        False, description="Host it although a required member is busy then: you will find a stand-in"
    )


def _aware_utc(field: str, moment: dt.datetime | None) -> dt.datetime | None:
    try:
        return None if moment is None else moment.astimezone(dt.UTC)
    except OverflowError:
        raise ApiProblem(422, INVALID, errors={field: [OUT_OF_RANGE]}) from None


@router.post("/shows", response={201: ShowOut, **WRITE_ERRORS})
def show_host(request: HttpRequest, body: ShowIn):
    """Your band hosts a show of its own (a DIY show, a house concert, a festival) and headlines it, with
    `support_places` places for support acts it picks itself (leaders and admins). The band's own place
    is booked at once: 409 when it is already booked then, or a required member is busy (unless
    `stand_in`); 422 by field for times, place, zone or places, and nothing is made."""
    user = caller(request, ApiToken.Scope.SHOWS)
    band = next((b for b in finder_bands_of(user=user) if b.slug == body.band), None)
    if band is None:
        raise Http404(_("No such band among yours."))
    starts_at, ends_at = _aware_utc("starts_at", body.starts_at), _aware_utc("ends_at", body.ends_at)
    doors_at = _aware_utc("doors_at", body.doors_at)
    place_venue, city, genres = show_place_choices(
        venue_slug=body.place_venue, city_id=body.city_id, genre_slugs=body.genres
    )
    errors: dict[str, list[str]] = {}
    if body.place_venue and place_venue is None:
        errors["place_venue"] = [_("Choose a venue that is listed on StageSlot.")]
    if body.city_id is not None and city is None:
        errors["city_id"] = [_("No city has this id.")]
    if unknown := sorted(set(body.genres) - {g.slug for g in genres}):
        errors["genres"] = [_("Unknown: %(slugs)s.") % {"slugs": ", ".join(unknown)}]
    if body.currency not in Currency.values:
        errors["currency"] = [_("Not a currency we take.")]
    if errors:
        raise ApiProblem(422, INVALID, errors=errors)
    slot = show_services.show_host(
        band=band,
        by=user,
        starts_at=starts_at,
        ends_at=ends_at,
        doors_at=doors_at,
        time_zone=body.time_zone,
        title=body.title,
        genres=genres,
        place_venue=place_venue,
        place_name=body.place_name,
        place_address=body.place_address,
        place_city=body.place_city,
        place=city,
        fee=body.fee,
        currency=body.currency,
        support_terms=body.support_terms,
        support_places=body.support_places,
        stand_in=body.stand_in,
    )
    return Answer(201, _fresh(request, slot.pk, user))


# ---- The support call ---------------------------------------------------------------------------


class SupportCallIn(Schema):
    places: int | None = Field(
        None,
        ge=1,
        le=6,
        description="A show you host: how many places to open besides those filled (1 when left out). "
        "The headliner of a venue's slot: how many to ask the venue for (all it has open when left out). "
        "The venue's staff leave it out: the slot keeps its places.",
    )


@router.post("/shows/{int:show_id}/support-call", response={200: ShowOut, **WRITE_ERRORS})
def support_call_open(request: HttpRequest, show_id: int, body: SupportCallIn | None = None):
    """Open a show's support call, so bands apply for its support places:
    - on a show your band hosts (leaders and admins), open `places` places besides those filled;
    - on your venue's slot (staff), hand its support places to the booked headliner, who then picks;
    - as the headliner of a venue's slot, ask the venue for `places` of them (`support_asked_at`; the
      venue decides).
    Anyone else is refused (403); a cancelled or past show is a 400, and nothing changes."""
    user = caller(request, ApiToken.Scope.SHOWS)
    slot = _visible_or_404(request, show_id, user)
    places = body.places if body else None
    if slot.is_hosted:
        show_services.show_support_call_set(slot=slot, by=user, places=places or 1)
    elif is_venue_staff(slot.venue_id, user):
        if places is not None:
            message = _("The venue sets the number of support places on its slot; leave places out.")
            raise ApiProblem(422, INVALID, errors={"places": [message]})
        show_services.show_support_picker_set(slot=slot, by=user, picker="headliner")
    else:
        show_services.show_support_ask(slot=slot, by=user, places=places or slot.open_support_places)
    return _fresh(request, slot.pk, user)


@router.post("/shows/{int:show_id}/support-call/close", response={200: ShowOut, **WRITE_ERRORS})
def support_call_close(request: HttpRequest, show_id: int):
    """Close a show's support call: on a show your band hosts, no place stays open and the pending
    applications are declined (each band is told); on your venue's slot, the venue picks its support
    acts again and answers the applications waiting. The acts booked keep their places. Closing a call
    that is not open changes nothing."""
    user = caller(request, ApiToken.Scope.SHOWS)
    slot = _visible_or_404(request, show_id, user)
    if slot.is_hosted:
        show_services.show_support_call_set(slot=slot, by=user, places=0)
    elif not is_venue_staff(slot.venue_id, user):
        raise ApiProblem(403, _("Only this venue's staff can decide who fills its support places."))
    elif slot.headliner_picks_support:
        show_services.show_support_picker_set(slot=slot, by=user, picker="venue")
    return _fresh(request, slot.pk, user)


# ---- Applying, and the applications -------------------------------------------------------------


class ApplyIn(Schema):
    band: ApiLine(100) = Field(description="Your band's slug (you lead or run it)")
    message: ApiText(2000) = Field("", description="To the headliner")


@router.post("/shows/{int:show_id}/applications", response={201: BookingOut, **WRITE_ERRORS})
def show_apply(request: HttpRequest, show_id: int, body: ApplyIn):
    """Your band applies for a support place on a show (leaders and admins), at the show's fee, as on
    its page. 409 when no support place is open, the band is booked at an overlapping time, or it has
    applied already; the headliner (or the venue, when it picks) answers."""
    user = caller(request, ApiToken.Scope.SHOWS)
    slot = _visible_or_404(request, show_id, user)
    band = next((b for b in finder_bands_of(user=user) if b.slug == body.band), None)
    if band is None:
        raise Http404(_("No such band among yours."))
    with _limited("application", user):
        booking = asking.booking_apply(
            slot=slot, band=band, by=user, role=Booking.Role.SUPPORT, fee=slot.fee, message=body.message
        )
    return Answer(201, booking_out(request, _mine_or_404(request, booking.uid)))


def _managed_or_403(request: HttpRequest, show_id: int, user):
    slot = _visible_or_404(request, show_id, user)
    if not can_see_manage(slot=slot, user=user):
        raise ApiProblem(403, _("Only the show's host or headliner and its venue see its applications."))
    return slot


def application_out(request: HttpRequest, slot, booking: Booking) -> ApplicationOut:
    return ApplicationOut(
        **booking_out(request, booking).dict(),
        band_genres=[g.slug for g in booking.band.genres.all()],
        distance_km=distance_between(booking.band, slot),
    )


@router.get("/shows/{int:show_id}/applications", response={200: ApplicationPage, **ONE_ERRORS})
def show_applications_list(
    request: HttpRequest,
    show_id: int,
    status: Literal[tuple(Booking.Status.values)] | None = Query(  # type: ignore[valid-type]
        None, description="Only those in this status (pending: the ones to answer)"
    ),
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """The support applications on a show, oldest first, each with the band's genres and distance: for
    the members of its host or headliner and its venue's staff (403 to anyone else)."""
    user = caller(request, ApiToken.Scope.READ)
    slot = _managed_or_403(request, show_id, user)
    rows, next_url = keyset(
        request, show_applications(slot=slot, status=status), order=("created_at", "pk"), cursor=cursor,
        limit=_limit(limit),
    )  # fmt: skip
    return {"items": [application_out(request, slot, b) for b in rows], "next": next_url}


def _application_of(request: HttpRequest, show_id: int, uid: uuid.UUID, user):
    slot = _managed_or_403(request, show_id, user)
    booking = show_booking_of(slot=slot, uid=uid)
    if booking is None or booking.role != Booking.Role.SUPPORT:
        raise Http404(_("No such application on this show."))
    return slot, booking


class ApplicationDeclineIn(Schema):
    reason: ApiText(300) = Field("", description="The band reads it")


@router.post("/shows/{int:show_id}/applications/{uuid:uid}/accept", response={200: BookingOut, **WRITE_ERRORS})
def show_pick(request: HttpRequest, show_id: int, uid: uuid.UUID):
    """Pick an applicant as an opener: its support place is booked (the headliner's leaders and admins,
    or the venue's staff when the venue picks). As any accept: 409 when the band is booked meanwhile,
    the places are filled, or a required member is busy; the other applications that can no longer be
    accepted are declined."""
    user = caller(request, ApiToken.Scope.SHOWS)
    _slot, booking = _application_of(request, show_id, uid, user)
    answering.booking_accept(booking=booking, by=user)
    return booking_out(request, _mine_or_404(request, uid))


@router.post("/shows/{int:show_id}/applications/{uuid:uid}/decline", response={200: BookingOut, **WRITE_ERRORS})
def show_pass(request: HttpRequest, show_id: int, uid: uuid.UUID, body: ApplicationDeclineIn | None = None):
    """Decline an application, with an optional reason the band reads."""
    user = caller(request, ApiToken.Scope.SHOWS)
    _slot, booking = _application_of(request, show_id, uid, user)
    answering.booking_decline(booking=booking, by=user, reason=body.reason if body else "")
    return booking_out(request, _mine_or_404(request, uid))


# ---- The bill: running order and tickets --------------------------------------------------------


class ActTimesIn(Schema):
    band: ApiLine(100) = Field(description="The act's band (slug), booked on the show")
    load_in_at: ApiDateTime.PLAN
    set_starts_at: ApiDateTime.PLAN
    set_ends_at: ApiDateTime.PLAN


class RunningOrderIn(Schema):
    doors_at: ApiDateTime.PLAN | None = None
    curfew_at: ApiDateTime.PLAN | None = None
    acts: list[ActTimesIn] = Field(max_length=10, description="Every act booked on the show, once each")


@router.put("/shows/{int:show_id}/running-order", response={200: ShowOut, **WRITE_ERRORS})
def show_running_order(request: HttpRequest, show_id: int, body: RunningOrderIn):
    """Set the bill: doors, each booked act's load-in and set, the curfew (the gaps between sets are the
    changeovers) – the host's leaders and admins, or the venue's staff and the headliner's on a venue's
    slot. Each act's members are then busy from its load-in to the end of its set, and the feeds move.
    422 naming what is wrong (a set outside the show, sets that overlap, a load-in after its set, an act
    missing or not on the show), and nothing changes."""
    user = caller(request, ApiToken.Scope.SHOWS)
    slot = _visible_or_404(request, show_id, user)
    booked = {act.band.slug: act for act in slot.acts if act.status == Booking.Status.BOOKED}
    unknown = sorted({a.band for a in body.acts} - set(booked))
    if unknown:
        message = _("Not booked on this show: %(bands)s.") % {"bands": ", ".join(unknown)}
        raise ApiProblem(422, INVALID, errors={"acts": [message]})
    acts = [
        show_services.ActTimes(
            booking_id=booked[a.band].pk,
            load_in_at=_aware_utc("acts", a.load_in_at),
            set_starts_at=_aware_utc("acts", a.set_starts_at),
            set_ends_at=_aware_utc("acts", a.set_ends_at),
        )
        for a in body.acts
    ]
    show_services.show_running_order_set(
        slot=slot,
        by=user,
        acts=acts,
        doors_at=_aware_utc("doors_at", body.doors_at),
        curfew_at=_aware_utc("curfew_at", body.curfew_at),
    )
    return _fresh(request, slot.pk, user)


class TicketIn(Schema):
    label: ApiLine(60) = Field()
    url: ApiLine(300) = Field(description="An http(s) link")
    price_min: Decimal | None = Field(None, ge=0, le=Decimal("99999.99"), max_digits=7, decimal_places=2)
    price_max: Decimal | None = Field(None, ge=0, le=Decimal("99999.99"), max_digits=7, decimal_places=2)


class TicketsIn(Schema):
    entry: Literal["tickets", "free", "door"]
    sold_out: bool = False
    tickets: list[TicketIn] = Field(default_factory=list, max_length=10, description="With entry: tickets")


@router.put("/shows/{int:show_id}/tickets", response={200: ShowOut, **WRITE_ERRORS})
def show_tickets(request: HttpRequest, show_id: int, body: TicketsIn):
    """Say how people get in – ticket links with their price range, free entry, or pay at the door –
    and whether it is sold out; replaces the show's ticket links (the host, or the venue and the
    headliner). 422 for a link that is not http(s), a price range upside down, no ticket link with
    `tickets`; nothing changes then."""
    user = caller(request, ApiToken.Scope.SHOWS)
    slot = _visible_or_404(request, show_id, user)
    lines = [
        show_services.TicketLine(label=t.label, url=t.url, price_min=t.price_min, price_max=t.price_max)
        for t in body.tickets
    ]
    show_services.show_tickets_set(slot=slot, by=user, entry=body.entry, sold_out=body.sold_out, tickets=lines)
    return _fresh(request, slot.pk, user)


# ---- Calling it off -----------------------------------------------------------------------------


class ShowCancelIn(Schema):
    reason: ApiText(300) = Field(min_length=1, description="Why; every act and applicant reads it")


@router.post("/shows/{int:show_id}/cancel", response={200: ShowOut, **WRITE_ERRORS})
def show_cancel(request: HttpRequest, show_id: int, body: ShowCancelIn):
    """Call off a show: the host's leaders and admins (a show a band hosts) or the venue's staff (a
    venue's slot). Every act is cancelled and every applicant declined, each told the reason; 409 when
    it is cancelled already, 400 once it is over."""
    user = caller(request, ApiToken.Scope.SHOWS)
    slot = _visible_or_404(request, show_id, user)
    venue_slots.slot_cancel(slot=slot, by=user, reason=body.reason)
    return _fresh(request, slot.pk, user)
