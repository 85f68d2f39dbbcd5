"""Writes of the availability app: busy rules, only-available windows, imported calendars,
and the materialised busy intervals they expand into."""

import datetime as dt
import logging
import zoneinfo
from collections.abc import Collection, Iterable

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import BooleanField, DateTimeField, F, Func, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from core.fields.scheduling import day_text, horizon_days, scheduling_last_day, scheduling_today, too_late_message
from core.queue import task_queue

from . import engine
from .ics_import import FeedError, address_check_ics, fetch_ics, parse_busy
from .models import BusyInterval, ExternalCalendar, Rule, TimeBlock

# Busy time is kept from two months back (the calendars show the past month) to a week past the last
# day anything can be booked (the scheduling horizon, core.fields.scheduling): one horizon, so whatever
# decides whether a person is free reads busy time written out over every bookable day – a gig that
# starts late on the last day in any zone, with its pack-down and the journey on (decision 0093). The
# nightly task moves the window on.
HORIZON_PAST = dt.timedelta(days=62)
HORIZON_PAST_LAST_DAY = dt.timedelta(days=7)
# Longest single stretch: a one-off block (a long tour) and one occurrence of a repeating one.
MAX_ONE_OFF = dt.timedelta(days=366)
MAX_OCCURRENCE = dt.timedelta(days=7)
# Enough for a daily rule over the whole horizon (62 days back, about 1,103 ahead): the engine's own cap.
MATERIALISE_CAP = engine.MAX_OCCURRENCES
# The earliest date of any block (its forms ask for far less: core.fields.scheduling); how far ahead
# is the scheduling horizon (STAGESLOT_SCHEDULING_HORIZON_DAYS).
EARLIEST_DATE = dt.date(1970, 1, 1)
CALENDAR_LIMIT = 5
CALENDAR_REFRESH = dt.timedelta(hours=1)
CALENDAR_BACKOFF_MAX = dt.timedelta(hours=24)
# Failed syncs in a row after which the owner is told by a notification (once per failing streak).
CALENDAR_FAILING_AFTER = 3
FULL_READ_EVERY = dt.timedelta(hours=20)

BlockRow = tuple[int, dt.datetime, dt.datetime, str]

logger = logging.getLogger(__name__)


class AvailabilityError(Exception):
    """A refusal with a message for the person who asked; `str()` is the message."""


class AvailabilityPermissionError(AvailabilityError):
    """The person may not change this rule or calendar."""


def horizon_ahead() -> dt.timedelta:
    """How far ahead of today (UTC) busy time is written out: the scheduling horizon and a week, so every
    day a gig can be booked on is covered in every zone (see HORIZON_PAST_LAST_DAY)."""
    return dt.timedelta(days=horizon_days()) + HORIZON_PAST_LAST_DAY


def horizon(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The UTC window over which busy time is materialised, in whole UTC days: from 62 days back to past
    the last day anything can be booked (horizon_ahead)."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - HORIZON_PAST, today + horizon_ahead()


def busy_replace(
    *,
    source: str,
    source_id: int,
    rows: Iterable[BlockRow],
    user_ids: Collection[int] | None = None,
    point: tuple[float, float] | None = None,
) -> int:
    """Replace the busy intervals that came from one source with `rows` (user id, start, end, title).

    With `user_ids`, only those people's rows of that source are replaced (someone joined or
    left a band). `point` (latitude, longitude) is where the source takes place, if it says (a gig).
    Call inside the transaction that changed the source. Returns the row count.
    """
    latitude, longitude = point if point is not None else (None, None)
    stale = BusyInterval.objects.filter(source=source, source_id=source_id)
    if user_ids is not None:
        stale = stale.filter(user_id__in=user_ids)
    stale.delete()
    objs = [
        BusyInterval(
            user_id=user_id,
            starts_at=start,
            ends_at=end,
            source=source,
            source_id=source_id,
            title=title,
            latitude=latitude,
            longitude=longitude,
        )
        for user_id, start, end, title in rows
    ]
    BusyInterval.objects.bulk_create(objs, batch_size=1000)
    return len(objs)


def block_intervals(block: TimeBlock, *, start: dt.datetime, end: dt.datetime) -> list[engine.Interval]:
    """The UTC occurrences of a rule or band block overlapping [start, end)."""
    return engine.expand(block.recurrence(), start, end, cap=MATERIALISE_CAP)


def time_block_clean(block: TimeBlock, *, exclude: Collection[str] = ()) -> None:
    """Check a rule or band block the way a person filled it in; raise ValidationError by field.

    Normalises the repeat rule, refuses a rule finer than daily, a zero-length or inverted
    block, a one-off longer than a year, an occurrence longer than a week, and a rule that
    would give more occurrences than we expand.
    """
    if block.all_day:
        block.start_time = block.end_time = None
    errors: dict[str, list[str]] = {}
    try:
        block.full_clean(exclude=list(exclude))
    except ValidationError as e:
        errors = e.message_dict
    order = _order_errors(block)
    if order:
        # Said next to the field instead of once more for the whole form by the table constraint.
        errors.pop(NON_FIELD_ERRORS, None)
        errors.update(order)
    if errors:
        raise ValidationError(errors)
    if block.rrule:
        try:
            block.rrule = engine.validate_rrule(block.rrule, dtstart=block.local_start, time_zone=block.time_zone)
        except engine.RuleError as e:
            raise ValidationError({"rrule": [str(e)]}) from e
        until = engine.until_date(block.rrule)
        last = scheduling_last_day(scheduling_today(block.zone))
        if until is not None and until > last:
            repeats = _("It repeats until %(day)s.") % {"day": day_text(until)}
            raise ValidationError({"rrule": [f"{repeats} {too_late_message(last)}"]})
    length = block.local_end - block.local_start
    if block.rrule and length > MAX_OCCURRENCE:
        raise ValidationError({"end_date": [_("A repeating block can last at most 7 days each time.")]})
    if not block.rrule and length > MAX_ONE_OFF:
        raise ValidationError({"end_date": [_("A block can last at most a year; add a second one for longer.")]})
    if block.rrule:
        start, end = horizon()
        try:
            block_intervals(block, start=start, end=end)
        except engine.RuleError as e:
            raise ValidationError({"rrule": [str(e)]}) from e


def _zone_or_utc(name: str) -> zoneinfo.ZoneInfo | dt.timezone:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _order_errors(block: TimeBlock) -> dict[str, list[str]]:
    """Missing times, and an end not after the start, by the field to correct."""
    if not isinstance(block.start_date, dt.date) or not isinstance(block.end_date, dt.date):
        return {}
    errors: dict[str, list[str]] = {}
    last = scheduling_last_day(scheduling_today(_zone_or_utc(block.time_zone)))
    # A block that starts on the last day may end the next morning.
    for name, latest in (("start_date", last), ("end_date", last + dt.timedelta(days=1))):
        day = getattr(block, name)
        if day < EARLIEST_DATE:
            errors[name] = [_("Pick a date from %(year)d on.") % {"year": EARLIEST_DATE.year}]
        elif day > latest:
            errors[name] = [too_late_message(last)]
    if errors:
        return errors
    if not block.all_day:
        if block.start_time is None:
            errors["start_time"] = [_("Enter a start time, or make it a whole-day block.")]
        if block.end_time is None:
            errors["end_time"] = [_("Enter an end time, or make it a whole-day block.")]
        if errors:
            return errors
    if block.end_date < block.start_date:
        errors["end_date"] = [_("The last day must be on or after the first day.")]
    elif block.local_end <= block.local_start:
        errors["end_time"] = [_("The end must be after the start. For a block past midnight, end it on the next day.")]
    return errors


def _own(rule: Rule, by: User) -> None:
    if rule.user_id != by.pk:
        raise AvailabilityPermissionError(_("You can only change your own availability."))


def rule_materialise(rule: Rule, *, now: dt.datetime | None = None) -> None:
    """Expand one rule into busy intervals over the horizon (its owner's windows, for an
    only-available rule)."""
    start, end = horizon(now)
    if rule.kind == Rule.Kind.AVAILABLE:
        windows_materialise(user_id=rule.user_id, now=now)
        return
    rows = [(rule.user_id, s, e, "") for s, e in block_intervals(rule, start=start, end=end)]
    busy_replace(source=BusyInterval.Source.RULE, source_id=rule.pk, rows=rows)
    Rule.objects.filter(pk=rule.pk).update(materialised_until=end)


def windows_materialise(*, user_id: int, now: dt.datetime | None = None) -> None:
    """Make a person busy outside the union of their only-available windows (if they have any),
    from the first day of their earliest window on: adding a window that starts next month
    does not make them busy until then."""
    start, end = horizon(now)
    windows = list(Rule.objects.filter(user_id=user_id, kind=Rule.Kind.AVAILABLE))
    rows: list[BlockRow] = []
    if windows:
        first = min(engine.day_bounds(w.start_date, w.zone)[0] for w in windows)
        free = engine.union(iv for w in windows for iv in block_intervals(w, start=start, end=end))
        rows = [(user_id, s, e, "") for s, e in engine.complement(free, max(start, first), end)]
    busy_replace(source=BusyInterval.Source.WINDOW, source_id=user_id, rows=rows)
    Rule.objects.filter(pk__in=[w.pk for w in windows]).update(materialised_until=end)


RULE_FIELDS = ("kind", "title", "time_zone", "all_day", "start_date", "start_time", "end_date", "end_time", "rrule")


def rule_create(*, user: User, **fields) -> Rule:
    """Add a busy block, a repeating busy rule or an only-available window for `user`.

    Fields are those of RULE_FIELDS. Raises ValidationError (by field) and saves nothing when
    the rule is not valid; otherwise the person's busy time reflects it when this returns.
    """
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown rule fields: {sorted(unknown)}")
    fields.setdefault("time_zone", user.time_zone)
    rule = Rule(user=user, **fields)
    time_block_clean(rule, exclude=["user"])
    with transaction.atomic():
        rule.save()
        rule_materialise(rule)
    return rule


def rule_update(*, rule: Rule, by: User, **fields) -> Rule:
    """Change a whole rule (every occurrence). Skipped dates stay skipped.

    Raises AvailabilityPermissionError for someone else's rule, ValidationError for bad input
    (nothing changes then).
    """
    _own(rule, by)
    old_kind = rule.kind
    for name, value in fields.items():
        if name not in RULE_FIELDS:
            raise TypeError(f"Unknown rule field: {name}")
        setattr(rule, name, value)
    time_block_clean(rule, exclude=["user"])
    with transaction.atomic():
        rule.save()
        if old_kind != rule.kind:
            BusyInterval.objects.filter(source=BusyInterval.Source.RULE, source_id=rule.pk).delete()
            windows_materialise(user_id=rule.user_id)
        rule_materialise(rule)
    return rule


def rule_delete(*, rule: Rule, by: User) -> None:
    """Delete a rule with every occurrence and every occurrence changed on its own."""
    _own(rule, by)
    with transaction.atomic():
        ids = [rule.pk, *rule.overrides.values_list("pk", flat=True)]
        BusyInterval.objects.filter(source=BusyInterval.Source.RULE, source_id__in=ids).delete()
        kind, user_id = rule.kind, rule.user_id
        rule.delete()
        if kind == Rule.Kind.AVAILABLE:
            windows_materialise(user_id=user_id)


def _check_occurrence(rule: Rule, on: dt.date) -> None:
    if not rule.rrule:
        raise AvailabilityError(_("This block does not repeat; change or delete it as a whole."))
    zone_start = timezone.make_aware(dt.datetime.combine(on, dt.time(0)), rule.zone)
    hits = engine.expand(
        rule.recurrence(), zone_start.astimezone(dt.UTC), (zone_start + dt.timedelta(days=1)).astimezone(dt.UTC)
    )
    local_days = {s.astimezone(rule.zone).date() for s, _end in hits}
    if on not in local_days:
        raise AvailabilityError(_("“%(block)s” has no occurrence on %(day)s.") % {"block": rule, "day": day_text(on)})


def rule_skip_occurrence(*, rule: Rule, by: User, on: dt.date) -> Rule:
    """Take one occurrence (by its local date) out of a repeating rule; the rest stay."""
    _own(rule, by)
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        _check_occurrence(rule, on)
        rule.exdates = sorted({*rule.exdates, on.isoformat()})
        rule.save(update_fields=["exdates", "updated_at"])
        rule_materialise(rule)
    return rule


def rule_change_occurrence(*, rule: Rule, by: User, on: dt.date, **fields) -> Rule:
    """Change one occurrence of a repeating rule: the series skips `on` and a one-off block
    with the new times stands in for it. Returns the new one-off rule."""
    _own(rule, by)
    fields = {"title": rule.title, "kind": rule.kind, "time_zone": rule.time_zone, **fields, "rrule": ""}
    override = Rule(user_id=rule.user_id, series=rule, occurrence_date=on, **fields)
    time_block_clean(override, exclude=["user", "series"])
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        _check_occurrence(rule, on)
        rule.exdates = sorted({*rule.exdates, on.isoformat()})
        rule.save(update_fields=["exdates", "updated_at"])
        override.series = rule
        override.save()
        rule_materialise(rule)
        rule_materialise(override)
    return override


def horizon_extend(*, now: dt.datetime | None = None) -> int:
    """Nightly: extend every person's busy time to the new end of the horizon and drop rows
    that fell out of its start. Returns how many rules were expanded again."""
    start, end = horizon(now)
    behind = Q(materialised_until__isnull=True) | Q(materialised_until__lt=end)
    # Repeating rules, and one-off blocks not over two days before the horizon: two reads, each by a partial
    # index of availability.0008, so a run with nothing to extend reads no rule (decision 0092).
    stale = [
        Rule.objects.exclude(rrule="").filter(behind).order_by(),
        Rule.objects.filter(behind, rrule="", end_date__gte=(start - dt.timedelta(days=2)).date()).order_by(),
    ]
    count = 0
    window_users: set[int] = set()
    for rule in (rule for rules in stale for rule in rules.iterator(chunk_size=500)):
        with transaction.atomic():
            if rule.kind == Rule.Kind.AVAILABLE:
                window_users.add(rule.user_id)
            else:
                rule_materialise(rule, now=now)
        count += 1
    for user_id in window_users:
        with transaction.atomic():
            windows_materialise(user_id=user_id, now=now)
    BusyInterval.objects.filter(EndsBefore(start)).delete()
    return count


class EndsBefore(Func):
    """True for a busy interval that ends before `moment`. On PostgreSQL it is also written as the range test
    `tstzrange(starts_at, ends_at) << tstzrange(moment, NULL)` (strictly left of: it ends at or before
    `moment`), which the GiST index of availability.0002 answers, so the nightly delete of `horizon_extend`
    reads only the rows that fell out of the horizon instead of the whole busy table (decision 0092); the
    plain comparison beside it keeps the rows that end exactly at `moment`."""

    output_field = BooleanField()

    def __init__(self, moment: dt.datetime) -> None:
        super().__init__(F("starts_at"), F("ends_at"), Value(moment, output_field=DateTimeField()))

    def as_sql(self, compiler, connection, **extra_context):
        (_starts_at, _p1), (ends_at, p2), (moment, p3) = [compiler.compile(a) for a in self.get_source_expressions()]
        return f"({ends_at} < {moment})", [*p2, *p3]

    def as_postgresql(self, compiler, connection, **extra_context):
        (starts_at, p1), (ends_at, p2), (moment, p3) = [compiler.compile(a) for a in self.get_source_expressions()]
        return (
            f"(TSTZRANGE({starts_at}, {ends_at}) << TSTZRANGE({moment}, NULL) AND {ends_at} < {moment})",
            [*p1, *p2, *p3, *p2, *p3],
        )


# Imported calendars ---------------------------------------------------------------------


def calendar_add(*, user: User, url: str, name: str = "") -> ExternalCalendar:
    """Start importing a person's own calendar from its secret ICS address.

    Raises ValidationError (field "url") for an address that is not http(s)/webcal, one that
    points to a private network (the outbound guard's words), one already added, or past the limit.
    The first sync is queued after commit.
    """
    try:
        url = address_check_ics(url.strip(), allow_hosts=getattr(settings, "ICS_IMPORT_ALLOW_HOSTS", ()))
    except FeedError as e:
        raise ValidationError({"url": [str(e)]}) from e
    if ExternalCalendar.objects.filter(user=user, url=url).exists():
        raise ValidationError({"url": [_("You have already added this calendar.")]})
    if ExternalCalendar.objects.filter(user=user).count() >= CALENDAR_LIMIT:
        raise ValidationError(
            {
                "url": [
                    ngettext(
                        "You can import at most %(count)d calendar.",
                        "You can import at most %(count)d calendars.",
                        CALENDAR_LIMIT,
                    )
                    % {"count": CALENDAR_LIMIT}
                ]
            }
        )
    calendar = ExternalCalendar(user=user, url=url, name=name.strip()[:80])
    with transaction.atomic():
        calendar.save()
        transaction.on_commit(lambda: _queue_sync(calendar.pk))
    return calendar


def _queue_sync(calendar_id: int) -> None:
    # By name (core/queue.py): tasks import services, never the reverse.
    task_queue("availability.tasks.calendar_sync_task", calendar_id=calendar_id)


def calendar_remove(*, calendar: ExternalCalendar, by: User) -> None:
    """Stop importing a calendar; its events no longer make the person busy."""
    if calendar.user_id != by.pk:
        raise AvailabilityPermissionError(_("You can only change your own calendars."))
    with transaction.atomic():
        BusyInterval.objects.filter(source=BusyInterval.Source.CALENDAR, source_id=calendar.pk).delete()
        calendar.delete()


def calendar_refresh_request(*, calendar: ExternalCalendar, by: User) -> None:
    """Queue a sync now (the "Refresh" button)."""
    if calendar.user_id != by.pk:
        raise AvailabilityPermissionError(_("You can only change your own calendars."))
    transaction.on_commit(lambda: _queue_sync(calendar.pk))


# The imported-calendars page names at most this many events that could not be read fully.
MAX_READ_PROBLEMS = 20


def calendar_sync(*, calendar_id: int, now: dt.datetime | None = None) -> ExternalCalendar | None:
    """Fetch and read one imported calendar, replacing its busy intervals.

    A failure (server down, not a calendar, too big, a private address) keeps the busy time
    from the last good sync and records the reason in plain words; the third failure in a row
    notifies the owner (once per failing streak). Returns None when the calendar was removed meanwhile.
    """
    calendar = ExternalCalendar.objects.select_related("user").filter(pk=calendar_id).first()
    if calendar is None:
        return None
    now = now or timezone.now()
    start, end = horizon(now)
    error = ""
    events = None
    result = None
    problems: list[str] = []
    # "Not modified" keeps the old rows, but repeating events must still reach the moving end of
    # the horizon: read the whole feed again at least once a day.
    fresh = calendar.last_synced_at is not None and now - calendar.last_synced_at < FULL_READ_EVERY
    try:
        result = fetch_ics(
            calendar.url,
            etag=calendar.etag if fresh else "",
            last_modified=calendar.last_modified if fresh else "",
            allow_hosts=getattr(settings, "ICS_IMPORT_ALLOW_HOSTS", ()),
        )
        if result.body is not None:
            events = parse_busy(result.body, start, end, default_zone=calendar.user.time_zone, problems=problems)
    except FeedError as e:
        error = str(e)
    except Exception:
        # A calendar we cannot read must not stop the others; the owner gets words, we get the traceback.
        logger.exception("Imported calendar %s could not be read", calendar_id)
        error = _("Something went wrong reading this calendar; we will try again later.")
    with transaction.atomic():
        calendar = ExternalCalendar.objects.select_for_update().filter(pk=calendar_id).first()
        if calendar is None:
            return None
        calendar.last_attempt_at = now
        if error:
            # Stored as words, translated when the sync ran (the worker speaks the site's language).
            calendar.last_error = error[:500]
            calendar.failures += 1
            if calendar.failures == CALENDAR_FAILING_AFTER:
                _calendar_failing_notify(calendar)
        else:
            calendar.last_error = ""
            calendar.failures = 0
            calendar.last_synced_at = now
            if result is not None:
                calendar.etag, calendar.last_modified = result.etag[:300], result.last_modified[:100]
            if events is not None:
                calendar.read_problems = [problem[:300] for problem in dict.fromkeys(problems)][:MAX_READ_PROBLEMS]
                rows = [(calendar.user_id, ev.start, ev.end, ev.title) for ev in events]
                calendar.event_count = busy_replace(
                    source=BusyInterval.Source.CALENDAR, source_id=calendar.pk, rows=rows
                )
        calendar.save()
    return calendar


def _calendar_failing_notify(calendar: ExternalCalendar) -> None:
    """Tell the owner once per failing streak: the streak is named by the last good sync before it
    (or the calendar's creation), so a calendar that recovers and fails again is news again."""
    began = (calendar.last_synced_at or calendar.created_at).astimezone(dt.UTC)
    error = calendar.last_error.strip()
    if not error.endswith((".", "!", "?")):
        error += "."
    if calendar.last_synced_at:
        # Translators: %(error)s is what went wrong (a sentence), %(count)s how many syncs failed.
        message = ngettext_lazy(
            "Your imported calendar “%(calendar)s” could not be read %(count)s time in a row: %(error)s "
            "Until it works again, the busy times it gave you stay as they were at its last good sync.",
            "Your imported calendar “%(calendar)s” could not be read %(count)s times in a row: %(error)s "
            "Until it works again, the busy times it gave you stay as they were at its last good sync.",
            calendar.failures,
        )
    else:
        message = ngettext_lazy(
            "Your imported calendar “%(calendar)s” could not be read %(count)s time in a row: %(error)s "
            "It has not made you busy at any time yet.",
            "Your imported calendar “%(calendar)s” could not be read %(count)s times in a row: %(error)s "
            "It has not made you busy at any time yet.",
            calendar.failures,
        )
    notifications_create(
        recipients=[calendar.user],
        kind="calendar_failing",
        text=lazy_text(
            message,
            calendar=calendar.name or gettext_lazy("Imported calendar"),
            count=calendar.failures,
            error=error,
        ),
        link=reverse("availability:imports"),
        key=f"calendar_failing:{calendar.pk}:{began:%Y%m%dT%H%M%S%f}",
    )


def calendars_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of imported calendars due for a periodic sync: hourly, backing off after failures."""
    now = now or timezone.now()
    # In SQL, one condition per backoff step, instead of every calendar's row read into Python every ten
    # minutes (decision 0088): due when `now - last >= wait - 5 minutes`.
    due = Q(last_attempt_at__isnull=True)
    for failures in range(6):
        wait = min(CALENDAR_REFRESH * (2**failures), CALENDAR_BACKOFF_MAX)
        step = Q(failures=failures) if failures < 5 else Q(failures__gte=5)
        due |= step & Q(last_attempt_at__lte=now - wait + dt.timedelta(minutes=5))
    return list(ExternalCalendar.objects.filter(due).values_list("pk", flat=True))
