"""Each periodic task runs once per period, however many schedulers send it (docs/decisions/0060): two beats
(two nodes, a rolling deploy) or `make run`'s own scheduler beside a beat. A run by hand always runs."""

import datetime as dt
import threading

import pytest
from celery import states
from celery.app.task import Task
from celery.beat import ScheduleEntry
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.db import connection
from django.utils.module_loading import import_string
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from stageslot import periodic
from stageslot.celery_app import OncePerPeriodTask, PeriodStampingScheduler
from stageslot.celery_app import app as celery_app
from stageslot.models import PeriodicRun
from stageslot.periodic import PERIOD_HEADER, period_headers, period_start
from stageslot.services import periodic_run_claim
from stageslot.tests import beat_tasks
from stageslot.tests.beat_tasks import beat_tick

TICK = "stageslot.tests.beat_tasks.beat_tick"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def sent_by_a_scheduler(when: str, plan: object = 60.0, task_id: str | None = None):
    """One scheduler's copy of the tick: sent at `when` by that scheduler's clock, run (eagerly) by a worker."""
    return beat_tick.apply(headers=period_headers(plan, at(when)), task_id=task_id)


@pytest.fixture(autouse=True)
def _no_runs_yet():
    beat_tasks.RUNS.clear()


@pytest.mark.django_db
class TestOncePerPeriod:
    def test_two_copies_of_one_period_run_once(self):
        first = sent_by_a_scheduler("2031-01-05T12:00:10+00:00")
        second = sent_by_a_scheduler("2031-01-05T12:00:50+00:00")
        assert beat_tasks.RUNS == ["2031-01-05T12:00:00+00:00"]
        assert (first.state, second.state) == (states.SUCCESS, states.IGNORED)
        assert list(PeriodicRun.objects.values_list("task", "period_start")) == [
            (TICK, at("2031-01-05T12:00:00+00:00"))
        ]

    def test_the_next_period_runs_again(self):
        sent_by_a_scheduler("2031-01-05T12:00:10+00:00")
        sent_by_a_scheduler("2031-01-05T12:01:10+00:00")
        assert beat_tasks.RUNS == ["2031-01-05T12:00:00+00:00", "2031-01-05T12:01:00+00:00"]

    def test_two_beats_with_clocks_seconds_apart_run_a_crontab_moment_once(self):
        every_five = crontab(minute="*/5")
        # Beat A sends for 12:05 just after it by its clock; beat B, whose clock is 4 s behind, 4 s later.
        sent_by_a_scheduler("2031-01-05T12:05:00.300+00:00", every_five)
        sent_by_a_scheduler("2031-01-05T12:05:00.150+00:00", every_five)
        # A beat whose clock is 3 s ahead sends for 12:10 at its 12:10:00.1; the one 4 s behind later.
        sent_by_a_scheduler("2031-01-05T12:10:00.100+00:00", every_five)
        sent_by_a_scheduler("2031-01-05T12:10:04.200+00:00", every_five)
        assert beat_tasks.RUNS == ["2031-01-05T12:05:00+00:00", "2031-01-05T12:10:00+00:00"]

    def test_a_beat_sending_a_missed_daily_run_late_does_nothing_when_another_ran_it(self):
        nightly = crontab(hour=3, minute=15)
        sent_by_a_scheduler("2031-01-05T03:15:00.200+00:00", nightly)
        # A beat started in the morning sends the run it missed, for the same night.
        sent_by_a_scheduler("2031-01-05T09:40:00+00:00", nightly)
        assert beat_tasks.RUNS == ["2031-01-05T03:15:00+00:00"]

    def test_interval_copies_with_skewed_clocks_inside_one_period_run_once(self):
        # Every 30 s; three beats, started at different times, their clocks seconds apart, all inside 12:00:30.
        for when in ("2031-01-05T12:00:31+00:00", "2031-01-05T12:00:44.5+00:00", "2031-01-05T12:00:59.9+00:00"):
            sent_by_a_scheduler(when, 30.0)
        assert beat_tasks.RUNS == ["2031-01-05T12:00:30+00:00"]

    def test_a_run_by_hand_always_runs_and_claims_nothing(self):
        sent_by_a_scheduler("2031-01-05T12:00:10+00:00")
        beat_tick.apply()  # staff or a management command
        beat_tick.delay()  # code queuing it (eager in tests)
        beat_tick()  # a test calling it
        assert beat_tasks.RUNS == ["2031-01-05T12:00:00+00:00", "by hand", "by hand", "by hand"]
        assert PeriodicRun.objects.count() == 1

    def test_the_same_message_delivered_again_runs_again_and_another_copy_does_not(self):
        sent_by_a_scheduler("2031-01-05T12:00:10+00:00", task_id="from-beat-a")
        # Its worker died before acknowledging: the broker hands the same message (same id) out again.
        sent_by_a_scheduler("2031-01-05T12:00:10+00:00", task_id="from-beat-a")
        sent_by_a_scheduler("2031-01-05T12:00:12+00:00", task_id="from-beat-b")
        assert beat_tasks.RUNS == ["2031-01-05T12:00:00+00:00"] * 2
        assert PeriodicRun.objects.get().task_id == "from-beat-a"

    def test_claims_older_than_a_week_go_when_the_task_claims_again(self):
        now = at("2031-01-05T12:00:00+00:00")
        PeriodicRun.objects.create(task=TICK, period_start=now - dt.timedelta(days=8))
        kept = PeriodicRun.objects.create(task=TICK, period_start=now - dt.timedelta(days=6))
        other = PeriodicRun.objects.create(
            task="payments.tasks.money_round_task", period_start=now - dt.timedelta(days=8)
        )
        sent_by_a_scheduler("2031-01-05T12:00:10+00:00")
        assert set(PeriodicRun.objects.values_list("pk", flat=True)) == {
            kept.pk,
            other.pk,
            PeriodicRun.objects.get(period_start=now).pk,
        }

    def test_make_runs_own_scheduler_beside_a_beat_never_doubles(self, settings, monkeypatch):
        settings.CELERY_BEAT_SCHEDULE = {"tick": {"task": TICK, "schedule": crontab(minute="*/5")}}
        # Its thread closes its connection after each task; here that would be the test's transaction.
        monkeypatch.setattr(periodic, "close_old_connections", lambda: None)
        # A real beat's copy ran 12:05 on a worker; the development server's thread looks 40 s later.
        sent_by_a_scheduler("2031-01-05T12:05:00.500+00:00", crontab(minute="*/5"))
        assert periodic.run_due({}, at("2031-01-05T12:05:41+00:00")) == []
        # Its next look finds 12:10 unclaimed and runs it; the beat's copy of 12:10 then does nothing.
        assert periodic.run_due({}, at("2031-01-05T12:10:41+00:00")) == ["tick"]
        sent_by_a_scheduler("2031-01-05T12:10:00.500+00:00", crontab(minute="*/5"))
        assert beat_tasks.RUNS == ["2031-01-05T12:05:00+00:00", "2031-01-05T12:10:00+00:00"]


def test_beat_sends_each_task_stamped_with_its_period(tmp_path, monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(Task, "apply_async", lambda task, args=None, kwargs=None, **options: sent.append(options))
    monkeypatch.setattr(celery_app, "now", lambda: at("2031-01-05T12:05:02.5+00:00"))
    scheduler = PeriodStampingScheduler(app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    entry = ScheduleEntry(
        name="tick", task=TICK, schedule=crontab(minute="*/5"), options={"queue": "q"}, app=celery_app
    )
    scheduler.apply_async(entry, advance=False)
    assert sent == [
        {
            "queue": "q",
            "headers": {"celery_beat_task": True, PERIOD_HEADER: "2031-01-05T12:05:00+00:00"},
            "producer": None,
        }
    ]
    assert entry.options == {"queue": "q"}  # the schedule kept in beat's file carries no period


def test_every_entry_of_the_schedule_has_periods_and_a_task_of_its_own():
    """A task's periods are claimed by its name: two entries naming one task would take each other's turns."""
    now = at("2031-01-05T12:05:02+00:00")
    tasks = [entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()]
    assert len(tasks) == len(set(tasks))
    for name, entry in django_settings.CELERY_BEAT_SCHEDULE.items():
        assert period_start(entry["schedule"], now) is not None, name
        assert isinstance(import_string(entry["task"]), OncePerPeriodTask), name


@pytest.mark.db_specific
@pytest.mark.django_db(transaction=True)
def test_copies_claiming_one_period_at_the_same_moment_get_one_claim():
    """Racing inserts on the real database: PostgreSQL makes the others wait for the first and then refuses
    them; SQLite serialises the writers. Either way one claim."""
    period = at("2031-01-05T12:05:00+00:00")
    start = threading.Barrier(6)
    claims: list[object] = []

    def copy(n: int) -> None:
        try:
            start.wait()
            claims.append(periodic_run_claim(task=TICK, period_start=period, task_id=f"copy-{n}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=copy, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claims) == 6
    assert len([claim for claim in claims if claim is not None]) == 1
    assert PeriodicRun.objects.filter(task=TICK).count() == 1


# Time arithmetic, checked against Celery's own reading of the schedules (CONVENTIONS: a property test beside
# every piece of it).
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001 (naive bounds; the values get UTC)
    max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
intervals = st.sampled_from([2.0, 7.5, 30.0, 60.0, 90.0, 300.0, 3600.0, 86400.0])


@hypothesis_settings(max_examples=300, deadline=None)
@given(moments, intervals, st.floats(min_value=0, max_value=1, exclude_max=True), st.floats(min_value=1, max_value=5))
def test_an_interval_period_holds_its_sends_and_two_sends_of_one_beat_never_share_one(when, every, inside, later):
    start = period_start(every, when)
    step = dt.timedelta(seconds=every)
    assert start <= when < start + step
    assert (start - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) % step == dt.timedelta(0)
    # Another beat's send anywhere in the same period names it too.
    offset = dt.timedelta(microseconds=int(inside * (step // dt.timedelta(microseconds=1))))
    assert period_start(every, start + offset) == start
    # The same beat's next send is at least an interval later: another period.
    assert period_start(every, when + step * later) > start


def _sets(low: int, high: int):
    return st.sets(st.integers(low, high), min_size=1, max_size=6)


crontabs = st.builds(
    lambda minute, hour, days, month: crontab(minute=minute, hour=hour, month_of_year=month, **days),
    _sets(0, 59),
    _sets(0, 23) | st.just("*"),
    # Celery wants the day of the month and of the week both to match: one of them is left open, so that a
    # moment comes within the years this looks back (a 13th that is a Friday, in May, may be 11 years off).
    st.one_of(
        st.just({}),
        st.builds(lambda d: {"day_of_week": d}, _sets(0, 6)),
        st.builds(lambda d: {"day_of_month": d}, _sets(1, 28)),
    ),
    _sets(1, 12) | st.just("*"),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(crontabs, moments)
def test_a_crontab_period_starts_at_its_last_moment_by_celerys_reading(plan, when):
    plan.app = celery_app
    start = period_start(plan, when)
    assert start is not None
    assert start <= when
    minute = dt.timedelta(minutes=1)

    def next_after(moment: dt.datetime) -> dt.datetime:
        last, delta, _now = plan.remaining_delta(moment)
        return last + delta

    # Celery runs the crontab at `start` (its next moment after the minute before is `start`) …
    assert next_after(start - minute) == start
    # … and not again until after `when`.
    assert next_after(start) > when
