"""The periodic tasks' periods, and the in-process scheduler of `make run`.

Every scheduler stamps each task it sends with the period of the schedule the send is for
(`period_headers`); the task claims that period before it does any work and does nothing when another
copy already has (stageslot.celery_app.OncePerPeriodTask, docs/decisions/0060). So two `celery beat`
processes (two nodes, a rolling deploy) or `make run` beside a real beat run each task once per period.

The in-process scheduler is for `make run` without Redis: no beat and no worker run there, so held
dates and quotes would never lapse, balances never be charged and lost answers never be asked again. A
daemon thread of the development server looks at settings.CELERY_BEAT_SCHEDULE every `every` seconds
and runs each task that is due, eagerly, one after another. With Redis, celery beat and a worker do
this, and this thread is not started."""

import datetime as dt
import logging
import threading

from celery.schedules import crontab
from celery.schedules import schedule as every_seconds
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

# The header a scheduler stamps on each task it sends: the start of the period it is for, ISO 8601 in UTC.
PERIOD_HEADER = "stageslot_period"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
# How far back a crontab's last moment is looked for: a yearly date that also names a weekday may be
# years away; beyond this, a send gets no period (and runs unclaimed, as before).
_CRONTAB_LOOKBACK_DAYS = 8 * 366


def period_start(plan: object, at: dt.datetime) -> dt.datetime | None:
    """The start of the period a send at `at` is for, in UTC, by the sender's clock; None for a schedule
    this knows no periods of (it then runs unclaimed).

    A crontab's period starts at its last moment at or before `at` (on the schedule zone's wall clock):
    two beats send for 12:05 a few seconds apart, with clocks a few seconds apart, and both name 12:05.
    An interval's periods are the interval's multiples since the Unix epoch: beats started at different
    times send in every period once each, and a period's copies all name its start. Two sends of one
    beat are at least an interval apart, so they never name the same period."""
    if isinstance(plan, int | float):
        plan = every_seconds(dt.timedelta(seconds=plan))
    if isinstance(plan, crontab):
        return _last_crontab_moment(plan, at)
    if isinstance(plan, every_seconds) and plan.run_every > dt.timedelta(0):
        since = (at - _EPOCH) // _MICROSECOND
        step = plan.run_every // _MICROSECOND
        return _EPOCH + (since - since % step) * _MICROSECOND
    return None


def _last_crontab_moment(plan: crontab, at: dt.datetime) -> dt.datetime | None:
    """The last moment of `plan` at or before `at`, read as Celery does: month, day of the month and day of
    the week must all match (Sunday is 0), then the hour and the minute."""
    zone = plan.tz
    wall = at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    for _ in range(_CRONTAB_LOOKBACK_DAYS):
        if (
            wall.month in plan.month_of_year
            and wall.day in plan.day_of_month
            and wall.isoweekday() % 7 in plan.day_of_week
        ):
            for hour in sorted((h for h in plan.hour if h <= wall.hour), reverse=True):
                minutes = [m for m in plan.minute if hour < wall.hour or m <= wall.minute]
                if minutes:
                    moment = wall.replace(hour=hour, minute=max(minutes), tzinfo=zone)
                    return moment.astimezone(dt.UTC)
        # The day before, from its last minute.
        wall = wall.replace(hour=23, minute=59) - dt.timedelta(days=1)
    return None


def period_headers(plan: object, at: dt.datetime) -> dict[str, str]:
    """The headers a scheduler sends a task with at `at`: its period, or none for a schedule without
    periods (logged: that task then runs once per scheduler)."""
    start = period_start(plan, at)
    if start is None:
        logger.warning("The schedule %r has no periods: its task is sent unclaimed", plan)
        return {}
    return {PERIOD_HEADER: start.isoformat()}


def period_of_request(request: object) -> dt.datetime | None:
    """The period a running task was sent for, from its request; None for a run by hand or by code.
    A worker reads the headers of a message as attributes of the request, `apply()` keeps them in
    `request.headers`."""
    value = getattr(request, PERIOD_HEADER, None)
    if value is None:
        headers = getattr(request, "headers", None)
        value = headers.get(PERIOD_HEADER) if isinstance(headers, dict) else None
    return dt.datetime.fromisoformat(value) if value else None


def due_tasks(last_runs: dict[str, dt.datetime], now: dt.datetime) -> list[str]:
    """The schedule's entries due at `now`, given when each last ran (an entry never run is due)."""
    due = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        plan = entry["schedule"]
        plan = every_seconds(dt.timedelta(seconds=plan)) if isinstance(plan, int | float) else plan
        last = last_runs.get(name)
        if last is None or plan.is_due(last).is_due:
            due.append(name)
    return due


def run_due(last_runs: dict[str, dt.datetime], now: dt.datetime) -> list[str]:
    """Run every task that is due, each on its own (one failing is logged, the others still run). Each is
    sent for its period at `now`, as beat sends it: when a beat beside this process already ran that
    period, the task does nothing, and it is not among the names returned."""
    from celery import states
    from django.utils.module_loading import import_string

    ran = []
    for name in due_tasks(last_runs, now):
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        last_runs[name] = now
        try:
            result = import_string(entry["task"]).apply(throw=True, headers=period_headers(entry["schedule"], now))
            if getattr(result, "state", None) != states.IGNORED:
                ran.append(name)
        except Exception:
            logger.exception("The periodic task %s failed; it runs again when next due", entry["task"])
        finally:
            close_old_connections()
    return ran


def start_in_process(*, every: float = 60.0) -> threading.Event:
    """Start the thread; set the returned event to stop it."""
    from django.utils import timezone

    stop = threading.Event()

    def loop() -> None:
        last_runs: dict[str, dt.datetime] = {}
        while not stop.wait(every):
            run_due(last_runs, timezone.now())

    threading.Thread(target=loop, name="stageslot-periodic", daemon=True).start()
    return stop
