"""A booked gig's life through the API: its dispute (where it stands, opening one) on
bookings.services.life as /bookings/<uid>/dispute/ does, and its own load-in and pack-down (the gig
times the band's members see on the booking page) on bookings.services.detail. Staff resolve disputes
in the admin (the outcome reaches webhooks as `booking.completed` or `booking.cancelled`); starting and
completing a gig are periodic, not anyone's action, so neither is an operation here.

A booking the caller is not part of does not exist for them (404); who may open a dispute and when is
the service's call (403 not a side of it, 400 not over yet or too late, 409 not disputable, 422 no
reason). Opening one sends the `booking.disputed` webhook event (the service's booking_notify does);
changing the gig times sends `booking.rescheduled` (booking_gig_times_set does).
"""

import datetime as dt
import uuid

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from accounts.models import ApiToken
from core.fields.api_fields import ApiText

from ..models import Booking
from ..selectors.bookings import side_of
from ..selectors.detail import booking_gig_times, booking_viewer
from ..selectors.life import booking_dispute_events
from ..services import life as services
from ..services.detail import booking_gig_times_set
from .bookings import ONE_ERRORS, WRITE_ERRORS, _mine_or_404
from .core import caller, token_auth
from .schemas import utc

router = Router(auth=token_auth, tags=["bookings"])


class DisputeStep(Schema):
    from_status: str
    to_status: str
    note: str = Field(description="The reason it was opened, or what staff decided")
    by: str | None = Field(description="Who opened or resolved it")
    at: dt.datetime


class DisputeOut(Schema):
    booking: uuid.UUID
    status: str = Field(description="The booking's status: disputed while staff look at it")
    disputed: bool
    can_dispute: bool = Field(description="You may open a dispute now")
    open_until: dt.datetime = Field(description="A dispute can be opened until then (after the gig's end)")
    days: int = Field(description="How many days after the gig's end a dispute can be opened")
    steps: list[DisputeStep] = Field(description="Disputes opened and resolved on this booking, oldest first")


def dispute_out(request: HttpRequest, booking: Booking) -> DisputeOut:
    steps = booking_dispute_events(booking=booking)
    return DisputeOut(
        booking=booking.uid,
        status=booking.status,
        disputed=booking.status == Booking.Status.DISPUTED,
        can_dispute=side_of(booking, request.user) is not None and services.can_dispute(booking, now=timezone.now()),
        open_until=utc(services.dispute_open_until(booking)),
        days=services.DISPUTE_DAYS,
        steps=[
            DisputeStep(
                from_status=e.from_status,
                to_status=e.to_status,
                note=e.note,
                by=e.actor.name if e.actor else None,
                at=utc(e.created_at),
            )
            for e in steps
        ],
    )


@router.get("/bookings/{uuid:uid}/dispute", response={200: DisputeOut, **ONE_ERRORS})
def dispute_read(request: HttpRequest, uid: uuid.UUID):
    """Whether a gig you are part of is disputed, whether you may open a dispute, until when, and the
    disputes opened and resolved on it."""
    caller(request, ApiToken.Scope.READ)
    return dispute_out(request, _mine_or_404(request, uid))


class DisputeIn(Schema):
    reason: ApiText(500) = Field(min_length=1, description="What went wrong; the other side and staff read it")


@router.post("/bookings/{uuid:uid}/dispute", response={200: DisputeOut, **WRITE_ERRORS})
def dispute_open(request: HttpRequest, uid: uuid.UUID, body: DisputeIn):
    """Say something went wrong with a gig that has ended, within seven days of its end (the band's
    leaders and admins, the venue's staff, the client). The booking is disputed for both sides until
    StageSlot staff resolve it; the other side and staff are told."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    services.booking_dispute(booking=_mine_or_404(request, uid), by=user, reason=body.reason)
    return dispute_out(request, _mine_or_404(request, uid))


# ---- Gig times ------------------------------------------------------------------------------------


class GigTimesOut(Schema):
    booking: uuid.UUID
    load_in_minutes: int = Field(description="Minutes before the gig the members are busy (load-in, soundcheck)")
    pack_down_minutes: int = Field(description="Minutes after the gig the members are busy (pack-down)")
    own: bool = Field(description="The gig has its own times; otherwise the band's usual ones")
    busy_from: dt.datetime = Field(description="When the gig starts taking the members' time")
    busy_until: dt.datetime = Field(description="When it gives it back")
    time_zone: str
    can_change: bool = Field(description="You lead or run the band and the gig is not over")


def _gig_times(request: HttpRequest, uid: uuid.UUID) -> GigTimesOut:
    booking = _mine_or_404(request, uid)
    viewer = booking_viewer(booking=booking, user=request.user)
    times = booking_gig_times(booking=booking, viewer=viewer, zone=booking.zone, now=timezone.now())
    if times is None:
        raise Http404(_("This booking has no gig times you can see: they are for the band's members of a booked gig."))
    return GigTimesOut(
        booking=booking.uid,
        load_in_minutes=times.load_in_minutes,
        pack_down_minutes=times.pack_down_minutes,
        own=times.own,
        busy_from=utc(times.busy_from),
        busy_until=utc(times.busy_until),
        time_zone=booking.time_zone,
        can_change=times.can_change,
    )


@router.get("/bookings/{uuid:uid}/gig-times", response={200: GigTimesOut, **ONE_ERRORS})
def gig_times_read(request: HttpRequest, uid: uuid.UUID):
    """For the band's members: when a booked gig takes their time, with its load-in before and pack-down
    after (its own, or the band's usual ones). 404 for anyone else, or a booking with no gig yet."""
    caller(request, ApiToken.Scope.READ)
    return _gig_times(request, uid)


class GigTimesIn(Schema):
    load_in_minutes: int | None = Field(None, ge=0, le=600, description="Null: the band's usual load-in")
    pack_down_minutes: int | None = Field(None, ge=0, le=600, description="Null: the band's usual pack-down")


@router.put("/bookings/{uuid:uid}/gig-times", response={200: GigTimesOut, **WRITE_ERRORS})
def gig_times_set(request: HttpRequest, uid: uuid.UUID, body: GigTimesIn):
    """The band's leaders and admins give a booked gig its own load-in and pack-down (null: the band's
    usual). The members' busy time moves to match in every band they play in; the gig's own times stay.
    409 when the booking is not booked; 400 once the gig is over."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    booking_gig_times_set(
        booking=_mine_or_404(request, uid),
        by=user,
        load_in_minutes=body.load_in_minutes,
        pack_down_minutes=body.pack_down_minutes,
    )
    return _gig_times(request, uid)
