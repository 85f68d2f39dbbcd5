"""The periodic tasks in the development server's process (make run without Redis)."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from stageslot import periodic

pytestmark = [pytest.mark.django_db]


def test_every_task_runs_first_then_each_when_its_schedule_says(settings, monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr("celery.app.task.Task.apply", lambda task, *a, **k: ran.append(task.name))
    now = timezone.now()
    last: dict = {}
    first = periodic.run_due(last, now)
    assert set(first) == set(settings.CELERY_BEAT_SCHEDULE)
    assert "payments.tasks.money_round_task" in ran
    # A minute after each ran: what runs every minute is due again, what runs once a day is not.
    a_minute_ago = {name: now - dt.timedelta(seconds=61) for name in settings.CELERY_BEAT_SCHEDULE}
    again = periodic.due_tasks(a_minute_ago, now)
    assert "calendars-connected-round" in again and "bands-blocks-extend" not in again


def test_one_failing_task_does_not_stop_the_others(settings, monkeypatch):
    def apply(task, *args, **kwargs):
        if task.name == "payments.tasks.money_round_task":
            raise RuntimeError("broken")

    monkeypatch.setattr("celery.app.task.Task.apply", apply)
    ran = periodic.run_due({}, timezone.now())
    assert "payments-money-round" not in ran and len(ran) == len(settings.CELERY_BEAT_SCHEDULE) - 1


def test_the_money_round_by_hand_at_a_moment_and_a_moment_that_is_not_one(capsys):
    call_command("money_round", "--at", "2031-01-05 18:00")
    assert "Money round at 2031-01-05 18:00" in capsys.readouterr().out
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("money_round", "--at", "next friday")
