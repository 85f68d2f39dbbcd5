"""The audience through the API (docs/decisions/0089): what's on (public, as /shows/), and a person's follows
and asks. Reads of one's own need the `read` scope; follows and asks the `follows` scope. A band or venue
that cannot be followed, and a city we do not know, are a 422 problem; nothing changes."""

import datetime as dt
import zoneinfo
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from accounts.ratelimit import LimitReached, rate_limit_take
from bands.models import Band
from bookings.api.core import COMMON_ERRORS, PUBLIC, ApiProblem, Problem, caller, public_auth, token_auth, viewer
from bookings.api.shows import ShowPage, show_out
from core.fields.api_fields import ApiLine
from core.fields.dates import ApiDate
from core.web.client_ip import client_ip
from places.near import Near, PlaceNotFound, city_from_input
from venues.models import Venue

from . import selectors, services
from .models import DEFAULT_RADIUS_KM, MAX_FAN_RADIUS_KM

router = Router(auth=token_auth, tags=["fans"])
ERRORS = dict.fromkeys(COMMON_ERRORS, Problem)
WRITE_ERRORS = ERRORS | {403: Problem, 409: Problem}
PATH_ERRORS = WRITE_ERRORS | {404: Problem}
INVALID = "Some of the input is not valid."


@router.get("/whats-on", response={200: ShowPage, **ERRORS}, auth=public_auth, openapi_extra=PUBLIC)
def whats_on(
    request: HttpRequest,
    near: str | None = Query(None, description="A city: its id or name", max_length=200),
    km: int = Query(DEFAULT_RADIUS_KM, ge=1, le=MAX_FAN_RADIUS_KM, description="Within this many km of `near`"),
    start: ApiDate.BROWSE | None = Query(None, description="From this day (in the city's zone)"),  # noqa: B008
    end: ApiDate.BROWSE | None = Query(None, description="To this day, included"),  # noqa: B008
    genre: str | None = Query(None, max_length=60, description="A genre's slug"),
    page: int = Query(1, ge=1, le=10_000),
):
    """Public shows both sides published, to come, soonest first, as the What's on page lists them: near
    a city, between two days, of a genre. Pages of 20 (`next` is the address of the next one)."""
    now = timezone.now()
    chosen = None
    if near:
        try:
            chosen = Near(city=city_from_input(near), km=km)
        except PlaceNotFound as exc:
            raise ApiProblem(422, _(INVALID), errors={"near": [str(exc)]}) from None
    zone = chosen.city.time_zone if chosen else "UTC"
    tz = zoneinfo.ZoneInfo(zone)
    first = dt.datetime.combine(start, dt.time(0), tzinfo=tz) if start else None
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=tz) if end else None
    ask = selectors.WhatsOn(near=chosen, first_day=first, last_day=last, genre=genre or "")
    found = selectors.whats_on(ask=ask, now=now, page=page, viewer=viewer(request))
    next_url = None
    if found.has_next() and found.number == page:
        query = request.GET.copy()
        query["page"] = str(page + 1)
        next_url = request.build_absolute_uri(request.path + "?" + query.urlencode())
    items = [show_out(request, s, now=now) for s in found] if found.number == page else []
    return {"items": items, "next": next_url}


class FollowIn(Schema):
    kind: Literal["band", "venue"]
    slug: ApiLine(100)


class FollowOut(Schema):
    kind: str
    slug: str
    name: str
    since: dt.datetime


class AskIn(Schema):
    band: ApiLine(100)
    city: ApiLine(200)


class AskOut(Schema):
    band: str
    city_id: int
    city: str
    since: dt.datetime


def _writer(request: HttpRequest):
    """The caller of a follow or ask, with a place of their limits taken (per account and per address)."""
    user = caller(request, ApiToken.Scope.FOLLOWS)
    for action, who in (("follow_ip", client_ip(request) or "unknown"), ("follow", user.pk)):
        wait = rate_limit_take(action=action, who=who)
        if wait:
            raise LimitReached(_("Too many follows and asks; try again later."), retry_after=wait)
    return user


def _follow_out(f) -> FollowOut:
    thing = f.band or f.venue
    return FollowOut(kind="band" if f.band_id else "venue", slug=thing.slug, name=thing.name, since=f.created_at)


@router.get("/me/follows", response={200: list[FollowOut], **ERRORS})
def my_follows(request: HttpRequest):
    """The bands and venues you follow, newest first."""
    user = caller(request)
    return [_follow_out(f) for f in selectors.follows_of(user=user)]


def _followable(kind: str, slug: str) -> tuple[Band | None, Venue | None]:
    thing = selectors.followable_by_slug(kind=kind, slug=slug)
    if thing is None:
        raise ApiProblem(422, _(INVALID), errors={"slug": [_("Nothing that can be followed is at this address.")]})
    return (thing, None) if kind == "band" else (None, thing)


@router.post("/me/follows", response={200: list[FollowOut], **WRITE_ERRORS})
def follow(request: HttpRequest, body: FollowIn):
    """Follow a band or venue (following it again changes nothing)."""
    user = _writer(request)
    band, venue = _followable(body.kind, body.slug)
    try:
        services.follow_set(user=user, on=True, band=band, venue=venue)
    except services.FanError as exc:
        raise ApiProblem(409, str(exc)) from None
    return [_follow_out(f) for f in selectors.follows_of(user=user)]


@router.delete("/me/follows/{kind}/{slug}", response={204: None, **PATH_ERRORS})
def unfollow(request: HttpRequest, kind: Literal["band", "venue"], slug: str):
    """Stop following a band or venue."""
    user = _writer(request)
    band, venue = _followable(kind, slug)
    services.follow_set(user=user, on=False, band=band, venue=venue)
    return Answer(204, None)


def _ask_out(a) -> AskOut:
    return AskOut(band=a.band.slug, city_id=a.city_id, city=a.city.name, since=a.created_at)


@router.get("/me/asks", response={200: list[AskOut], **ERRORS})
def my_asks(request: HttpRequest):
    """The bands you asked to come, and where."""
    return [_ask_out(a) for a in selectors.asks_of(user=caller(request))]


def _ask_args(band_slug: str, city_text: str):
    band, _venue = _followable("band", band_slug)
    try:
        city = city_from_input(city_text)
    except PlaceNotFound as exc:
        raise ApiProblem(422, _(INVALID), errors={"city": [str(exc)]}) from None
    return band, city


@router.post("/me/asks", response={200: list[AskOut], **WRITE_ERRORS})
def ask(request: HttpRequest, body: AskIn):
    """Ask a band to play your city (one ask per band and city)."""
    user = _writer(request)
    band, city = _ask_args(body.band, body.city)
    try:
        services.ask_set(user=user, band=band, city=city, on=True)
    except services.FanError as exc:
        raise ApiProblem(409, str(exc)) from None
    return [_ask_out(a) for a in selectors.asks_of(user=user)]


@router.delete("/me/asks/{band}/{int:city_id}", response={204: None, **PATH_ERRORS})
def ask_withdraw(request: HttpRequest, band: str, city_id: int):
    """Take an ask back."""
    user = _writer(request)
    chosen, city = _ask_args(band, str(city_id))
    services.ask_set(user=user, band=chosen, city=city, on=False)
    return Answer(204, None)
