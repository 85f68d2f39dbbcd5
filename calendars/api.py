"""The member's connected calendars through the API: list and read them with their sync state, connect a
CalDAV account (tested before it is saved, through the page's own form and service), choose what is read
and where gigs go, ask for a refresh, disconnect. Mounted on the one API object by stageslot/urls.py,
since calendars sits above bookings.

Only the caller's own calendars exist for them: another member's is a 404. The secret (app password,
Google's refresh token) is never answered. A service's refusal (a wrong password, a server we cannot
reach or may not call, a calendar the account does not have) is a 400 with the page's words, by field;
input of the wrong shape is a 422."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from accounts.ratelimit import rate_limit_return, rate_limit_take
from bookings.api.bookings import ONE_ERRORS, READ_ERRORS
from bookings.api.core import ApiProblem, caller, field_errors, token_auth
from bookings.api.schemas import utc
from core.fields.api_fields import ApiLine

from . import services
from .forms import CaldavConnectForm
from .models import ConnectedCalendar
from .selectors import user_connected_calendar, user_connected_calendars

router = Router(auth=token_auth, tags=["calendars"])


@contextmanager
def _limit(user, action: str) -> Iterator[None]:
    """The page's per-person limit (STAGESLOT_RATE_LIMITS[action]) holds for the API too: each connect
    and refresh reaches another server. A place is taken first and given back when nothing was done."""
    wait = rate_limit_take(action=action, who=user.pk)
    if wait:
        detail = _("You have asked too often for now; try again in %(wait)s seconds.") % {"wait": wait}
        raise ApiProblem(429, detail, headers={"Retry-After": str(wait)})
    try:
        yield
    except BaseException:
        rate_limit_return(action=action, who=user.pk)
        raise


# The page's field is "password"; the API calls it what the member has to make: an app password.
API_FIELD = {"password": "app_password"}


class RemoteCalendarOut(Schema):
    url: str = Field(description="The calendar's address at the server (CalDAV) or its id (Google)")
    name: str
    read: bool = Field(description="Its events make you busy")
    gigs: bool = Field(description="Your confirmed gigs are written into it")


class ConnectedCalendarOut(Schema):
    id: int
    provider: Literal["caldav", "google"]
    name: str
    server_url: str = Field(description="CalDAV: the server's address; empty for Google")
    username: str = Field(description="CalDAV: the account's user name; empty for Google")
    account_email: str = Field(description="Google: the account the permission came from; empty for CalDAV")
    status: Literal["pending", "ok", "failing", "needs_reconnect"] = Field(
        description="pending: not read yet; ok: the last read worked; failing: the last read failed (tried again "
        "later, the busy time of the last good read stays); needs_reconnect: the server refused the app password "
        "or the permission was withdrawn (connect again on /me/calendars/)"
    )
    last_attempt_at: dt.datetime | None
    last_synced_at: dt.datetime | None = Field(description="The last good read")
    last_error: str
    event_count: int = Field(description="Busy times read at the last good read")
    calendars: list[RemoteCalendarOut] = Field(description="The account's calendars, and which ones are read")
    write_calendar_url: str = Field(description="The calendar your gigs are written into; empty: none")
    written_at: dt.datetime | None
    write_error: str
    created_at: dt.datetime


class CaldavConnectIn(Schema):
    server_url: ApiLine(2000) = Field(
        description="Your provider's CalDAV address, e.g. https://cloud.example.com/remote.php/dav"
    )
    username: ApiLine(200) = Field()
    app_password: ApiLine(500) = Field(
        description="An app password made for StageSlot; stored encrypted, never answered"
    )
    name: ApiLine(80) = Field("", description="Optional, to tell accounts apart")


class CalendarChoiceIn(Schema):
    read: list[ApiLine(2000)] | None = Field(
        None, max_length=200, description="Addresses (ids) of the account's calendars that make you busy"
    )
    write_calendar_url: ApiLine(2000) | None = Field(
        None, description="The calendar to write your gigs into (CalDAV only); empty: none"
    )


def calendar_status(calendar: ConnectedCalendar) -> str:
    if calendar.needs_reconnect:
        return "needs_reconnect"
    if calendar.last_error:
        return "failing"
    return "ok" if calendar.last_synced_at else "pending"


def calendar_out(calendar: ConnectedCalendar) -> ConnectedCalendarOut:
    reading = set(calendar.calendars or calendar.calendar_names)
    return ConnectedCalendarOut(
        id=calendar.pk,
        provider=calendar.provider,
        name=calendar.name,
        server_url=calendar.server_url,
        username=calendar.username,
        account_email=calendar.account_email,
        status=calendar_status(calendar),
        last_attempt_at=utc(calendar.last_attempt_at),
        last_synced_at=utc(calendar.last_synced_at),
        last_error=calendar.last_error,
        event_count=calendar.event_count,
        calendars=[
            RemoteCalendarOut(url=url, name=name, read=url in reading, gigs=url == calendar.write_calendar_url)
            for url, name in calendar.calendar_names.items()
        ],
        write_calendar_url=calendar.write_calendar_url,
        written_at=utc(calendar.written_at),
        write_error=calendar.write_error,
        created_at=utc(calendar.created_at),
    )


def _own_or_404(user, calendar_id: int) -> ConnectedCalendar:
    calendar = user_connected_calendar(user_id=user.pk, pk=calendar_id)
    if calendar is None:
        raise Http404(_("No such calendar of yours."))
    return calendar


def _errors(found: dict[str, list[str]]) -> dict[str, list[str]]:
    return {API_FIELD.get(field, field): [str(m) for m in messages] for field, messages in found.items()}


def _refused(exc: ValidationError) -> ApiProblem:
    """A service's refusal: the page's words, by the API's field names."""
    return ApiProblem(400, " ".join(exc.messages), errors=_errors(field_errors(exc)))


@router.get("/me/calendars", response={200: list[ConnectedCalendarOut], **READ_ERRORS})
def calendars_list(request: HttpRequest):
    """Your connected calendar accounts (CalDAV, Google), oldest first, with what their last read said."""
    user = caller(request, ApiToken.Scope.READ)
    return [calendar_out(c) for c in user_connected_calendars(user_id=user.pk)]


@router.post("/me/calendars", response={201: ConnectedCalendarOut, **READ_ERRORS})
def calendars_connect(request: HttpRequest, body: CaldavConnectIn):
    """Connect a CalDAV account (Nextcloud, Fastmail, iCloud, …). The server is asked for the account's
    calendars first: a refused app password, a server we cannot reach or may not call (a private network
    address) is a 400 and nothing is saved. Every calendar found is read; no gigs are written until you
    choose a calendar for them (PATCH). The first read follows in a minute."""
    user = caller(request, ApiToken.Scope.AVAILABILITY)
    form = CaldavConnectForm(
        {"server_url": body.server_url, "username": body.username, "password": body.app_password, "name": body.name}
    )
    if not form.is_valid():
        errors = _errors({field: list(messages) for field, messages in form.errors.items()})
        raise ApiProblem(422, _("Some of the input is not valid."), errors=errors)
    try:
        with _limit(user, "calendar_connect"):
            calendar = services.caldav_calendar_connect(
                user=user,
                server_url=form.cleaned_data["server_url"],
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                name=form.cleaned_data["name"],
            )
    except ValidationError as exc:
        raise _refused(exc) from None
    return Answer(201, calendar_out(calendar))


@router.get("/me/calendars/{int:calendar_id}", response={200: ConnectedCalendarOut, **ONE_ERRORS})
def calendars_detail(request: HttpRequest, calendar_id: int):
    user = caller(request, ApiToken.Scope.READ)
    return calendar_out(_own_or_404(user, calendar_id))


@router.patch("/me/calendars/{int:calendar_id}", response={200: ConnectedCalendarOut, **ONE_ERRORS})
def calendars_choose(request: HttpRequest, calendar_id: int, body: CalendarChoiceIn):
    """Choose the calendars that make you busy and the one your gigs are written into; what is not sent
    stays. Gigs already written into a calendar you stop writing to stay there. A read follows."""
    user = caller(request, ApiToken.Scope.AVAILABILITY)
    calendar = _own_or_404(user, calendar_id)
    sent = body.dict(exclude_unset=True)
    for name, value in sent.items():
        if value is None:
            errors = {name: [_("This field cannot be null.")]}
            raise ApiProblem(422, _("Some of the input is not valid."), errors=errors)
    if sent:
        try:
            calendar = services.connected_calendar_choose(
                calendar=calendar,
                by=user,
                read=sent.get("read", calendar.calendars or list(calendar.calendar_names)),
                write_calendar_url=sent.get("write_calendar_url", calendar.write_calendar_url),
            )
        except ValidationError as exc:
            raise _refused(exc) from None
    return calendar_out(calendar)


@router.post("/me/calendars/{int:calendar_id}/refresh", response={202: ConnectedCalendarOut, **ONE_ERRORS})
def calendars_refresh(request: HttpRequest, calendar_id: int):
    """Read the calendar now (as "Refresh now" on the page): queued, so the answer shows the state before
    it; read it again in a minute."""
    user = caller(request, ApiToken.Scope.AVAILABILITY)
    calendar = _own_or_404(user, calendar_id)
    with _limit(user, "calendar_refresh"):
        services.connected_calendar_refresh_request(calendar=calendar, by=user)
    return Answer(202, calendar_out(calendar))


@router.delete("/me/calendars/{int:calendar_id}", response={204: None, **ONE_ERRORS})
def calendars_disconnect(request: HttpRequest, calendar_id: int):
    """Disconnect: the account and its secret are forgotten and its busy time goes. Gigs written into it stay."""
    user = caller(request, ApiToken.Scope.AVAILABILITY)
    services.connected_calendar_disconnect(calendar=_own_or_404(user, calendar_id), by=user)
    return Answer(204, None)
