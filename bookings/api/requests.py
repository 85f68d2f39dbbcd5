"""A client's request sent to several bands at once through the API: sending it (one pending request
per band, or none) and reading it back with each band's booking and latest quote side by side, on
bookings.services.requests and bookings.selectors.requests as the request pages do.

A request group exists only for the client who sent it (404 for anyone else). Bad input is a 422 by
field (`bands`: none, more than five, one twice, one that takes no requests); a band booked at that
time or one you have already asked is a 409 naming them; nothing is sent then.
"""

import datetime as dt
import uuid
from typing import Literal

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from accounts.ratelimit import rate_limit_return, rate_limit_take_many, rate_limit_wait
from core.fields.api_fields import ApiLine, ApiText
from core.fields.dates import ApiDateTime

from ..forms.requests import EVENT_TYPES
from ..models import RequestGroup
from ..selectors.requests import request_group_for_client, request_group_rows, requestable_bands
from ..services.requests import booking_request_many
from .bookings import ONE_ERRORS, OUT_OF_RANGE, WRITE_ERRORS, BookingOut, booking_out
from .core import ApiProblem, caller, token_auth
from .quotes import QuoteOut, quote_out
from .schemas import utc

router = Router(auth=token_auth, tags=["bookings"])


class RequestGroupIn(Schema):
    bands: list[ApiLine(100)] = Field(
        min_length=1, max_length=20, description="The bands' slugs: one to five different bands"
    )
    starts_at: ApiDateTime.AHEAD
    ends_at: ApiDateTime.AHEAD
    time_zone: ApiLine(64) = Field(description="Where the event is (IANA zone)")
    event_type: Literal[("", *EVENT_TYPES)] = ""  # type: ignore[valid-type]
    location: ApiLine(200) = Field("")
    guests: int | None = Field(None, ge=0, le=100_000)
    fee: int | None = Field(None, ge=0, le=10_000_000, description="The budget, in the bands' currency")
    message: ApiText(2000) = Field("")


class GroupBookingOut(Schema):
    booking: BookingOut
    latest_quote: QuoteOut | None = Field(description="The latest version of this band's terms, if any")


class RequestGroupOut(Schema):
    uid: uuid.UUID
    created_at: dt.datetime
    url: str = Field(description="The page comparing the bands' answers and quotes")
    items: list[GroupBookingOut] = Field(description="Each band's request, in the order they were made")


def _group_out(request: HttpRequest, group: RequestGroup) -> RequestGroupOut:
    rows = request_group_rows(group_id=group.pk)
    return RequestGroupOut(
        uid=group.uid,
        created_at=utc(group.created_at),
        url=request.build_absolute_uri(reverse("bookings:request_group", args=[group.uid])),
        items=[
            GroupBookingOut(
                booking=booking_out(request, row.booking),
                latest_quote=quote_out(row.quote, row.booking) if row.quote is not None else None,
            )
            for row in rows
        ],
    )


@router.post("/bookings/request-groups", response={201: RequestGroupOut, **WRITE_ERRORS})
def request_group_send(request: HttpRequest, body: RequestGroupIn):
    """Ask up to five bands at once to play the same private event: one pending request each, or none.
    Each band answers and may quote on its own request; the first one booked withdraws the others, who
    are told. Each request counts against your limit of requests. Sending the same again within half
    an hour gives back the group already made."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    bands = requestable_bands(slugs=body.bands)
    found = {band.slug for band in bands}
    missing = [slug for slug in dict.fromkeys(body.bands) if slug not in found]
    if missing:
        message = ngettext(
            "No band at %(slugs)s takes requests.", "No bands at %(slugs)s take requests.", len(missing)
        ) % {"slugs": ", ".join(missing)}
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"bands": [message]})
    try:
        starts_at, ends_at = body.starts_at.astimezone(dt.UTC), body.ends_at.astimezone(dt.UTC)
    except OverflowError:
        raise ApiProblem(422, _("Some of the input is not valid."), errors={"starts_at": [OUT_OF_RANGE]}) from None
    wanted = len(bands)
    taken = rate_limit_take_many(action="booking_request", who=user.pk, wanted=wanted)
    if taken < wanted:
        rate_limit_return(action="booking_request", who=user.pk, count=taken)
        wait = max(rate_limit_wait(action="booking_request", who=user.pk), 1)
        raise ApiProblem(
            429,
            ngettext(
                "Your limit of requests leaves room for %(left)d more band just now: ask fewer bands, or try later.",
                "Your limit of requests leaves room for %(left)d more bands just now: ask fewer bands, or try later.",
                taken,
            )
            % {"left": taken},
            headers={"Retry-After": str(wait)},
        )
    try:
        group = booking_request_many(
            bands=bands,
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
    except BaseException:
        rate_limit_return(action="booking_request", who=user.pk, count=taken)
        raise
    return Answer(201, _group_out(request, group))


@router.get("/bookings/request-groups/{uuid:uid}", response={200: RequestGroupOut, **ONE_ERRORS})
def request_group_detail(request: HttpRequest, uid: uuid.UUID):
    """A request you sent to several bands: each band's request and its latest quote, side by side."""
    user = caller(request, ApiToken.Scope.READ)
    group = request_group_for_client(uid=uid, user=user)
    if group is None:
        raise Http404(_("No such request."))
    return _group_out(request, group)
