"""The caller's own things: busy rules and busy time (availability), notifications, calendar feeds.

Rules go through availability.services (rule_create / rule_update / rule_delete), which check and
materialise them exactly as /me/availability/ does; notifications through accounts.notifications.
"""

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.models import ApiToken, Notification
from accounts.notifications import notification_mark_read, notifications_for, notifications_mark_all_read
from accounts.people import people_drawn
from availability.models import Rule
from availability.selectors import busy_by_user, user_rule, user_rules
from availability.services import rule_create, rule_delete, rule_update
from core.fields.api_fields import ApiLine
from core.fields.dates import ApiDate, ApiDateTime, Bound, date_problem

from ..selectors.feeds import feed_cards
from .core import COMMON_ERRORS, PAGE_DEFAULT, PAGE_MAX, ApiProblem, Page, Problem, caller, keyset, token_auth
from .schemas import utc

router = Router(auth=token_auth)

READ_ERRORS = dict.fromkeys(COMMON_ERRORS, Problem) | {403: Problem}
ONE_ERRORS = READ_ERRORS | {404: Problem}
MAX_BUSY_WINDOW = dt.timedelta(days=62)


# ---- Busy rules -------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    kind: str  # busy, available
    title: str
    time_zone: str
    all_day: bool
    start_date: dt.date
    start_time: dt.time | None
    end_date: dt.date
    end_time: dt.time | None
    rrule: str
    skipped_dates: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class RulePage(Page):
    items: list[RuleOut]


class RuleIn(Schema):
    """Local wall times in `time_zone` (your own zone when left out). A whole-day rule takes dates only.
    `rrule` repeats it (RFC 5545, without DTSTART; daily or coarser)."""

    kind: Literal["busy", "available"] = "busy"
    title: ApiLine(120) = Field("")
    time_zone: ApiLine(64) | None = Field(None)
    all_day: bool = False
    start_date: ApiDate.PLAN
    start_time: dt.time | None = None
    end_date: ApiDate.PLAN
    end_time: dt.time | None = None
    rrule: ApiLine(300) = Field("")


class RulePatch(Schema):
    """Only the fields sent change. A date sent back as the rule has it is kept, however long ago it was; a
    changed one is bounded as in RuleIn."""

    kind: Literal["busy", "available"] | None = None
    title: ApiLine(120) | None = Field(None)
    time_zone: ApiLine(64) | None = Field(None)
    all_day: bool | None = None
    start_date: ApiDate.BROWSE | None = None
    start_time: dt.time | None = None
    end_date: ApiDate.BROWSE | None = None
    end_time: dt.time | None = None
    rrule: ApiLine(300) | None = Field(None)


def rule_out(rule: Rule) -> RuleOut:
    return RuleOut(
        id=rule.pk,
        kind=rule.kind,
        title=rule.title,
        time_zone=rule.time_zone,
        all_day=rule.all_day,
        start_date=rule.start_date,
        start_time=rule.start_time,
        end_date=rule.end_date,
        end_time=rule.end_time,
        rrule=rule.rrule,
        skipped_dates=list(rule.exdates or []),
        created_at=utc(rule.created_at),
        updated_at=utc(rule.updated_at),
    )


def _rule_or_404(user, rule_id: int) -> Rule:
    rule = user_rule(user_id=user.pk, pk=rule_id)
    if rule is None:
        raise Http404(_("No such rule."))
    return rule


def _naive(value: dt.time | None, name: str) -> dt.time | None:
    if value is not None and value.tzinfo is not None:
        raise ApiProblem(422, _("Times are local."), errors={name: [_("Give local wall times without an offset.")]})
    return value


@router.get("/me/rules", response={200: RulePage, **READ_ERRORS}, tags=["availability"])
def rules_list(request: HttpRequest, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """Your busy blocks, repeating busy rules and only-available windows."""
    user = caller(request, ApiToken.Scope.READ)
    rows, next_url = keyset(
        request, user_rules(user_id=user.pk), order=("pk",), cursor=cursor, limit=max(1, min(limit, PAGE_MAX))
    )
    return {"items": [rule_out(r) for r in rows], "next": next_url}


@router.post("/me/rules", response={201: RuleOut, **READ_ERRORS}, tags=["availability"])
def rules_create(request: HttpRequest, body: RuleIn):
    """Add a busy block, a repeating busy rule or an only-available window; your busy time follows at once."""
    user = caller(request, ApiToken.Scope.AVAILABILITY)
    fields = body.dict()
    fields["start_time"] = _naive(body.start_time, "start_time")
    fields["end_time"] = _naive(body.end_time, "end_time")
    if not fields["time_zone"]:
        fields.pop("time_zone")
    return Status(201, rule_out(rule_create(user=user, **fields)))


@router.get("/me/rules/{int:rule_id}", response={200: RuleOut, **ONE_ERRORS}, tags=["availability"])
def rules_detail(request: HttpRequest, rule_id: int):
    user = caller(request, ApiToken.Scope.READ)
    return rule_out(_rule_or_404(user, rule_id))


@router.patch("/me/rules/{int:rule_id}", response={200: RuleOut, **ONE_ERRORS}, tags=["availability"])
def rules_update(request: HttpRequest, rule_id: int, body: RulePatch):
    """Change a whole rule (every occurrence); only the fields sent change."""
    user = caller(request, ApiToken.Scope.AVAILABILITY)
    rule = _rule_or_404(user, rule_id)
    fields = body.dict(exclude_unset=True)
    for name in ("kind", "title", "time_zone", "all_day", "start_date", "end_date", "rrule"):
        if name in fields and fields[name] is None:
            raise ApiProblem(
                422, _("Some of the input is not valid."), errors={name: [_("This field cannot be null.")]}
            )
    for name in ("start_date", "end_date"):
        sent = fields.get(name)
        if sent and (problem := date_problem(sent, bound=Bound.PLAN, kept=getattr(rule, name))):
            raise ApiProblem(422, _("Some of the input is not valid."), errors={name: [problem]})
    for name in ("start_time", "end_time"):
        if name in fields:
            fields[name] = _naive(fields[name], name)
    return rule_out(rule_update(rule=rule, by=user, **fields))


@router.delete("/me/rules/{int:rule_id}", response={204: None, **ONE_ERRORS}, tags=["availability"])
def rules_delete(request: HttpRequest, rule_id: int):
    """Delete a rule with every occurrence."""
    user = caller(request, ApiToken.Scope.AVAILABILITY)
    rule_delete(rule=_rule_or_404(user, rule_id), by=user)
    return Status(204, None)


class BusyOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime


class BusyList(Schema):
    time_zone: str
    items: list[BusyOut]


@router.get("/me/busy", response={200: BusyList, **READ_ERRORS}, tags=["availability"])
def busy_list(
    request: HttpRequest,
    starts_from: ApiDateTime.ANY_BROWSE | None = Query(None, alias="from", description="Default: now"),  # noqa: B008
    until: ApiDateTime.ANY_BROWSE | None = Query(None, description="Default: 30 days on; at most 62 days after `from`"),  # noqa: B008
):
    """Your busy time between two moments, from every source (your rules, imported calendars, your
    bands' blocks and gigs), unmerged, in start order."""
    user = caller(request, ApiToken.Scope.READ)
    start = starts_from or timezone.now()
    if start.tzinfo is None or (until is not None and until.tzinfo is None):
        raise ApiProblem(
            422, _("Give moments with their offset."), errors={"from": [_("Use ISO 8601 with Z or +01:00.")]}
        )
    try:
        start = start.astimezone(dt.UTC)
        end = until.astimezone(dt.UTC) if until is not None else start + dt.timedelta(days=30)
        within = start < end <= start + MAX_BUSY_WINDOW
    except OverflowError:
        within = False
    if not within:
        raise ApiProblem(
            422, _("Ask for at most 62 days."), errors={"until": [_("After `from`, and at most 62 days on.")]}
        )
    intervals = busy_by_user(user_ids=[user.pk], start=start, end=end)[user.pk]
    return {"time_zone": user.time_zone, "items": [{"starts_at": utc(s), "ends_at": utc(e)} for s, e in intervals]}


# ---- Notifications ----------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    link: str
    read: bool
    read_at: dt.datetime | None
    created_at: dt.datetime


class NotificationPage(Page):
    items: list[NotificationOut]


class MarkedAll(Schema):
    marked: int


def notification_out(request: HttpRequest, note: Notification) -> NotificationOut:
    return NotificationOut(
        id=note.pk,
        kind=note.kind,
        text=note.text,
        link=request.build_absolute_uri(note.link) if note.link.startswith("/") else note.link,
        read=note.read_at is not None,
        read_at=utc(note.read_at),
        created_at=utc(note.created_at),
    )


@router.get("/me/notifications", response={200: NotificationPage, **READ_ERRORS}, tags=["notifications"])
def notifications_list(
    request: HttpRequest, unread: bool = False, cursor: str | None = None, limit: int = PAGE_DEFAULT
):
    """Your in-app notifications, newest first (`unread`: only the unread ones)."""
    user = caller(request, ApiToken.Scope.READ)
    rows, next_url = keyset(
        request,
        notifications_for(user=user, unread_only=unread),
        order=("-created_at", "-pk"),
        cursor=cursor,
        limit=max(1, min(limit, PAGE_MAX)),
    )
    return {"items": [notification_out(request, n) for n in people_drawn(rows, "text")], "next": next_url}


@router.post(
    "/me/notifications/{int:notification_id}/read",
    response={200: NotificationOut, **ONE_ERRORS},
    tags=["notifications"],
)
def notifications_read(request: HttpRequest, notification_id: int):
    """Mark one of your notifications read (a read one keeps its first read time)."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    try:
        note = notification_mark_read(user=user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    return notification_out(request, people_drawn([note], "text")[0])


@router.post("/me/notifications/read-all", response={200: MarkedAll, **READ_ERRORS}, tags=["notifications"])
def notifications_read_all(request: HttpRequest):
    """Mark every unread notification of yours read."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    return {"marked": notifications_mark_all_read(user=user)}


# ---- Calendar feeds ---------------------------------------------------------------------------


class FeedOut(Schema):
    key: str  # "member", "band-3", "venue-5"
    scope: str  # member, band, venue
    title: str
    made: bool
    url: str | None  # the secret .ics address, once the feed is made (on /me/feeds/)
    webcal_url: str | None
    include_pending: bool | None
    include_available: bool | None


@router.get("/me/feeds", response={200: list[FeedOut], **READ_ERRORS}, tags=["feeds"])
def feeds_list(request: HttpRequest):
    """The calendar feeds you may subscribe to: your own gigs, each band you lead or run, each venue you
    staff; with their secret addresses once made on /me/feeds/."""
    user = caller(request, ApiToken.Scope.READ)
    return [
        FeedOut(
            key=card.key,
            scope=card.scope,
            title=card.title,
            made=card.feed is not None,
            url=card.https_url or None,
            webcal_url=card.webcal_url or None,
            include_pending=card.feed.include_pending if card.feed else None,
            include_available=card.feed.include_available if card.feed else None,
        )
        for card in feed_cards(user=user)
    ]
