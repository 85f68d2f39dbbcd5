"""Bookings through the API: mine (by role, status and inbox tab, with counts), one booking, and the
workflow – apply, offer, request, accept, decline, withdraw, cancel – on bookings.services (asking, answering, ending),
the services the pages call; and a venue posting a slot (venues.services.slot_create, as its slot
page does). A booking the caller is not part of does not exist for them (404)."""

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from accounts.ratelimit import rate_limit_return, rate_limit_take
from bands.models import Band, Currency
from bands.selectors import band_visible_to, bands_public, genres_by_slug
from core.fields.api_fields import ApiId, ApiLine, ApiText
from core.fields.dates import ApiDateTime
from venues.selectors import venue_for_staff, venue_stage_named
from venues.services import SlotClashError, slot_create

from ..forms.requests import EVENT_TYPES
from ..models import Booking
from ..selectors.bookings import booking_for_viewer
from ..selectors.finder import finder_bands_of, slot_for_viewer
from ..selectors.inbox import TABS, bookings_mine, bookings_mine_counts, inbox_roles
from ..services import answering, asking, ending
from .core import COMMON_ERRORS, PAGE_DEFAULT, PAGE_MAX, ApiProblem, Page, Problem, caller, keyset, token_auth
from .schemas import SlotOut, utc

router = Router(auth=token_auth, tags=["bookings"])

READ_ERRORS = dict.fromkeys(COMMON_ERRORS, Problem) | {403: Problem}
ONE_ERRORS = READ_ERRORS | {404: Problem}
WRITE_ERRORS = ONE_ERRORS | {409: Problem}
BookingStatus = Booking.Status
OUT_OF_RANGE = gettext_lazy("Pick a time within the next three years.")


class BookingOut(Schema):
    uid: uuid.UUID
    kind: str  # application, offer, request
    role: str  # headliner, support
    status: str
    band: str
    band_name: str
    venue: str | None
    venue_name: str | None
    slot_id: int | None
    client_name: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    fee: int | None
    currency: str
    message: str
    event_type: str
    location: str
    guests: int | None
    status_note: str
    asking_side: str  # band, venue, client
    answering_side: str  # venue, band
    sequence: int
    stand_in_planned: bool  # the band's leaders will find a stand-in for busy members
    created_at: dt.datetime
    status_changed_at: dt.datetime | None
    url: str


class Counts(Schema):
    by_status: dict[str, int]
    by_tab: dict[str, int]


class BookingPage(Page):
    items: list[BookingOut]
    counts: Counts


def booking_out(request: HttpRequest, booking: Booking) -> BookingOut:
    return BookingOut(
        uid=booking.uid,
        kind=booking.kind,
        role=booking.role,
        status=booking.status,
        band=booking.band.slug,
        band_name=booking.band.name,
        venue=booking.venue.slug if booking.venue_id else None,
        venue_name=booking.venue.name if booking.venue_id else None,
        slot_id=booking.slot_id,
        client_name=booking.client.name if booking.client_id else None,
        starts_at=utc(booking.starts_at),
        ends_at=utc(booking.ends_at),
        time_zone=booking.time_zone,
        fee=booking.fee,
        currency=booking.currency,
        message=booking.message,
        event_type=booking.event_type,
        location=booking.location,
        guests=booking.guests,
        status_note=booking.status_note,
        asking_side=booking.asking_side,
        answering_side=booking.answering_side,
        sequence=booking.sequence,
        stand_in_planned=booking.stand_in_planned,
        created_at=utc(booking.created_at),
        status_changed_at=utc(booking.status_changed_at),
        url=request.build_absolute_uri(f"/bookings/{booking.uid}/"),
    )


def _mine_or_404(request: HttpRequest, uid: uuid.UUID) -> Booking:
    booking = booking_for_viewer(uid=uid, user=request.user)
    if booking is None:
        raise Http404(_("No such booking."))
    return booking


@contextmanager
def _limited(action: str, user) -> Iterator[None]:
    """The per-person limits of the pages (STAGESLOT_RATE_LIMITS) hold for the API too: a place is
    taken first (a burst cannot pass the limit) and given back when the block raises."""
    wait = rate_limit_take(action=action, who=user.pk)
    if wait:
        raise ApiProblem(
            429,
            ngettext(
                "Too many of these; try again in %(seconds)d second.",
                "Too many of these; try again in %(seconds)d seconds.",
                wait,
            )
            % {"seconds": wait},
            headers={"Retry-After": str(wait)},
        )
    try:
        yield
    except BaseException:
        rate_limit_return(action=action, who=user.pk)
        raise


# ---- Reading ----------------------------------------------------------------------------------


@router.get("/bookings", response={200: BookingPage, **READ_ERRORS})
def bookings_list(
    request: HttpRequest,
    role: Literal["band", "venue", "client"] | None = Query(None, description="Your side in it"),
    status: Literal[tuple(BookingStatus.values)] | None = None,  # type: ignore[valid-type]
    tab: Literal[tuple(TABS)] | None = Query(None, description="The inbox's tabs"),  # type: ignore[valid-type]
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """The bookings you are part of – of your bands, your venues, your private requests – soonest
    first, with how many there are in each status and inbox tab (for the same `role`)."""
    user = caller(request, ApiToken.Scope.READ)
    roles = inbox_roles(user=user)
    rows, next_url = keyset(
        request,
        bookings_mine(roles=roles, role=role, status=status, tab=tab),
        order=("starts_at", "pk"),
        cursor=cursor,
        limit=max(1, min(limit, PAGE_MAX)),
    )
    return {
        "items": [booking_out(request, b) for b in rows],
        "next": next_url,
        "counts": bookings_mine_counts(roles=roles, role=role),
    }


@router.get("/bookings/{uuid:uid}", response={200: BookingOut, **ONE_ERRORS})
def booking_detail(request: HttpRequest, uid: uuid.UUID):
    """One booking you are part of."""
    caller(request, ApiToken.Scope.READ)
    return booking_out(request, _mine_or_404(request, uid))


# ---- Asking -----------------------------------------------------------------------------------


class SlotAsk(Schema):
    slot_id: ApiId
    band: ApiLine(100) = Field(description="The band's slug")
    role: Literal["headliner", "support"] = "headliner"
    fee: int | None = Field(None, ge=0, le=1_000_000_000)
    message: ApiText(2000) = Field("")


class RequestIn(Schema):
    band: ApiLine(100) = Field(description="The band's slug")
    starts_at: ApiDateTime.AHEAD
    ends_at: ApiDateTime.AHEAD
    time_zone: ApiLine(64) = Field(description="Where the event is (IANA zone)")
    event_type: Literal[("", *EVENT_TYPES)] = ""  # type: ignore[valid-type]
    location: ApiLine(200) = Field("")
    guests: int | None = Field(None, ge=0, le=100_000)
    fee: int | None = Field(None, ge=0, le=10_000_000, description="The budget")
    message: ApiText(2000) = Field("")


@router.post("/bookings/applications", response={201: BookingOut, **WRITE_ERRORS})
def booking_apply(request: HttpRequest, body: SlotAsk):
    """Your band applies for a place on a public slot (band leaders and admins)."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    slot = slot_for_viewer(pk=body.slot_id, user=user)
    band = next((b for b in finder_bands_of(user=user) if b.slug == body.band), None)
    if slot is None:
        raise Http404(_("No such slot."))
    if band is None:
        raise Http404(_("No such band among yours."))
    with _limited("application", user):
        booking = asking.booking_apply(
            slot=slot, band=band, by=user, role=body.role, fee=body.fee, message=body.message
        )
    return Answer(201, booking_out(request, _mine_or_404(request, booking.uid)))


@router.post("/bookings/offers", response={201: BookingOut, **WRITE_ERRORS})
def booking_offer(request: HttpRequest, body: SlotAsk):
    """Your venue offers a place on its slot to a band (venue staff)."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    slot = slot_for_viewer(pk=body.slot_id, user=user)
    band = band_visible_to(slug=body.band, user=user)
    if slot is None:
        raise Http404(_("No such slot."))
    if band is None:
        raise Http404(_("No such band."))
    with _limited("offer", user):
        booking = asking.booking_offer(
            slot=slot, band=band, by=user, role=body.role, fee=body.fee, message=body.message
        )
    return Answer(201, booking_out(request, _mine_or_404(request, booking.uid)))


@router.post("/bookings/requests", response={201: BookingOut, **WRITE_ERRORS})
def booking_request(request: HttpRequest, body: RequestIn):
    """Ask a band to play a private event. Sending the same request again within half an hour gives
    back the one already pending."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    band = bands_public().filter(slug=body.band).first()
    if band is None:
        raise Http404(_("No such band."))
    try:
        starts_at, ends_at = body.starts_at.astimezone(dt.UTC), body.ends_at.astimezone(dt.UTC)
    except OverflowError:
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"starts_at": [OUT_OF_RANGE]}) from None
    with _limited("booking_request", user):
        booking = _request(user, band, body, starts_at, ends_at)
    return Answer(201, booking_out(request, _mine_or_404(request, booking.uid)))


def _request(user, band: Band, body: "RequestIn", starts_at: dt.datetime, ends_at: dt.datetime) -> Booking:
    return asking.booking_request(
        band=band,
        client=user,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=body.time_zone,
        event_type=body.event_type,
        location=body.location,
        guests=body.guests,
        fee=body.fee,
        message=body.message,
    )


# ---- Answering --------------------------------------------------------------------------------


class Reason(Schema):
    reason: ApiText(300) = Field("")


class Required(Schema):
    reason: ApiText(300) = Field(min_length=1, description="Why; the other side reads it")


def _answered(request: HttpRequest, uid: uuid.UUID) -> BookingOut:
    return booking_out(request, _mine_or_404(request, uid))


@router.post("/bookings/{uuid:uid}/accept", response={200: BookingOut, **WRITE_ERRORS})
def booking_accept(
    request: HttpRequest,
    uid: uuid.UUID,
    stand_in: bool = Query(
        False,
        description="The band's leaders accept although a required member is busy then: they will find a "
        "stand-in (recorded in the booking's history). Without it such an accept is a 409 naming the members.",
    ),
):
    """Accept a pending booking (the side that did not ask). An open quote from the other side is
    agreed with it (its terms are the deal from then on). 409 when the band or the place has been
    taken meanwhile, a required member is busy during the gig with its load-in and pack-down, or your
    side's own quote is still waiting for the other side (they accept it, which books the gig), with
    the reason."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    answering.booking_accept(booking=_mine_or_404(request, uid), by=user, stand_in=stand_in)
    return _answered(request, uid)


@router.post("/bookings/{uuid:uid}/stand-in", response={200: BookingOut, **WRITE_ERRORS})
def booking_stand_in(request: HttpRequest, uid: uuid.UUID):
    """The band's leaders say they will find a stand-in for the required members who are busy during a
    pending booking, so the other side may accept it all the same."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    answering.booking_stand_in_plan(booking=_mine_or_404(request, uid), by=user)
    return _answered(request, uid)


@router.post("/bookings/{uuid:uid}/decline", response={200: BookingOut, **WRITE_ERRORS})
def booking_decline(request: HttpRequest, uid: uuid.UUID, body: Reason | None = None):
    """Decline a pending booking (the side that did not ask), with an optional reason."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    answering.booking_decline(booking=_mine_or_404(request, uid), by=user, reason=body.reason if body else "")
    return _answered(request, uid)


@router.post("/bookings/{uuid:uid}/withdraw", response={200: BookingOut, **WRITE_ERRORS})
def booking_withdraw(request: HttpRequest, uid: uuid.UUID):
    """Take back your pending application, offer or request."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    answering.booking_withdraw(booking=_mine_or_404(request, uid), by=user)
    return _answered(request, uid)


@router.post("/bookings/{uuid:uid}/cancel", response={200: BookingOut, **WRITE_ERRORS})
def booking_cancel(request: HttpRequest, uid: uuid.UUID, body: Required):
    """Call off a booked gig (either side), with a reason."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    ending.booking_cancel(booking=_mine_or_404(request, uid), by=user, reason=body.reason)
    return _answered(request, uid)


# ---- A venue posts a slot ---------------------------------------------------------------------


class SlotIn(Schema):
    starts_at: ApiDateTime.AHEAD
    ends_at: ApiDateTime.AHEAD
    stage: ApiLine(100) = Field("", description="The stage's name; the venue's first stage when left out")
    title: ApiLine(120) = Field("")
    fee: int | None = Field(None, ge=0, le=10_000_000, description="Offered to the headliner; none: negotiable")
    currency: ApiLine(3) = Field("EUR", min_length=3)
    support_places: int = Field(0, ge=0, le=20)
    visibility: Literal["public", "invite"] = "public"
    genres: list[ApiLine(60)] = Field(default_factory=list, max_length=20, description="Genre slugs")
    notes: ApiText(2000) = Field("")


@router.post("/venues/{slug}/slots", response={201: SlotOut, **WRITE_ERRORS}, tags=["slots"])
def slot_post(request: HttpRequest, slug: str, body: SlotIn):
    """Post a slot on one of your venue's stages (venue staff), with the checks of the venue's slot page:
    a time to come, at most 24 hours long, support places within what the venue allows. 409 when the
    stage already has a show at that time, naming it."""
    from .search import slot_out

    user = caller(request, ApiToken.Scope.BOOKINGS)
    venue = venue_for_staff(slug=slug, user=user)
    if venue is None or venue.my_role is None:
        raise Http404(_("No such venue among yours."))
    stage = venue_stage_named(venue=venue, name=body.stage)
    if stage is None:
        raise ApiProblem(
            422, _("Some of the input is not valid."), errors={"stage": [_("No such stage at this venue.")]}
        )
    genres = genres_by_slug(body.genres)
    unknown = sorted(set(body.genres) - {g.slug for g in genres})
    if unknown:
        raise ApiProblem(
            422,
            _("Some of the input is not valid."),
            errors={"genres": [_("Unknown: %(genres)s.") % {"genres": ", ".join(unknown)}]},
        )
    if body.currency not in Currency.values:
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"currency": [_("Not a currency we take.")]})
    try:
        starts_at, ends_at = body.starts_at.astimezone(dt.UTC), body.ends_at.astimezone(dt.UTC)
    except OverflowError:
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"starts_at": [OUT_OF_RANGE]}) from None
    try:
        slot = slot_create(
            venue=venue, by=user, stage=stage, starts_at=starts_at, ends_at=ends_at, genres=genres,
            title=body.title, fee=body.fee, currency=body.currency, support_places=body.support_places,
            visibility=body.visibility, notes=body.notes,
        )  # fmt: skip
    except SlotClashError as exc:
        raise ApiProblem(409, " ".join(exc.messages)) from exc
    return Answer(201, slot_out(request, slot_for_viewer(pk=slot.pk, user=user)))
