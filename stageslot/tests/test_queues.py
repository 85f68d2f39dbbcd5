"""Tasks go to queues by what waiting costs (stageslot/queues.py, docs/decisions/0100-queues-by-what-waiting-costs.md):
every task the project registers has a decided queue, the Procfile's workers consume what they should, and a
large fan alert does not hold up a sign-in code."""

import re
import shlex
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from stageslot.celery_app import app as celery_app
from stageslot.queues import BULK, DEFAULT, TASK_TIERS, TIERS, URGENT
from stageslot.tests import worker as shared

ROOT = Path(__file__).resolve().parents[2]


def project_tasks() -> list[str]:
    """Every task registered by the project's own modules (Celery's built-in ones, and those a test module
    registers for itself, left aside)."""
    celery_app.loader.import_default_modules()
    return sorted(name for name in celery_app.tasks if not name.startswith("celery.") and ".tests." not in name)


def test_every_task_the_project_registers_has_a_decided_queue():
    tasks = project_tasks()
    assert len(tasks) >= 40, tasks  # the discovery found the apps' tasks
    undecided = [name for name in tasks if name not in TASK_TIERS]
    assert undecided == [], f"say in stageslot/queues.py which queue these go to (urgent, default or bulk): {undecided}"
    assert sorted(set(TASK_TIERS) - set(tasks)) == [], "stageslot/queues.py names tasks that no longer exist"
    names = settings.CELERY_QUEUE_NAMES
    for name in tasks:
        route = celery_app.amqp.router.route({}, name)
        assert route["queue"].name == names[TASK_TIERS[name]], name


def test_sign_in_codes_and_money_go_first_and_fan_alerts_last():
    assert TASK_TIERS["accounts.tasks.send_email"] == URGENT
    assert TASK_TIERS["payments.tasks.payment_tell_task"] == URGENT
    assert TASK_TIERS["accounts.tasks.notification_emails_task"] == DEFAULT
    assert TASK_TIERS["fans.tasks.show_alert_chunk_task"] == BULK
    assert TASK_TIERS["availability.tasks.calendar_sync_task"] == BULK


def _procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name: shlex.split(command) for name, _, command in (line.partition(":") for line in lines if line)}


def test_the_procfile_has_a_worker_for_all_queues_and_one_for_the_urgent_queue_alone():
    from stageslot.settings import base

    procfile = _procfile()
    # `worker` names no queue: it consumes every queue of CELERY_TASK_QUEUES, so nothing is left unconsumed.
    assert "--queues" not in procfile["worker"] and "-Q" not in procfile["worker"]
    assert [q.name for q in base.CELERY_TASK_QUEUES] == [base.CELERY_QUEUE_NAMES[t] for t in TIERS]
    urgent = procfile["worker-urgent"]
    assert urgent[urgent.index("--queues") + 1] == base.CELERY_QUEUE_NAMES[URGENT]
    # A name of its own beside `worker` on one machine.
    assert re.fullmatch(r"urgent@%h", urgent[urgent.index("--hostname") + 1])


# ---- Through Redis, with real workers ---------------------------------------------------------------------

FOLLOWERS = 3000


def _large_alert(name: str) -> int:
    """A band with FOLLOWERS followers (no home city: all of them told) and a new public show of it."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from bands.tests.factories import BandFactory
    from fans.models import Follow
    from fans.tests.world import booked_show, city

    band = BandFactory()
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"{name}{i}@example.com", password=password) for i in range(FOLLOWERS)]
    )
    Follow.objects.bulk_create([Follow(user_id=u.pk, band_id=band.pk) for u in users])
    return booked_show(band, place=city("Potsdam")).pk


def _sign_in_code_delay(workers: list[shared.Worker], email: str) -> float:
    """Seconds from asking for a sign-in code to its email written by one of the workers."""
    seen: set[Path] = set()

    def arrived() -> bool:
        for worker in workers:
            for path in worker.mail_dir.iterdir():
                if path in seen or not path.read_bytes().endswith(shared.MAIL_END):
                    continue
                seen.add(path)
                if f"To: {email}" in path.read_text(errors="replace"):
                    return True
        return False

    client = Client()  # a visitor of their own: a code already asked for in a session is not sent again
    began = time.monotonic()
    response = client.post(reverse("account_request_login_code"), {"email": email})
    assert response.status_code == 302, response.content[:500]
    assert shared.wait_until(arrived, timeout=120), "the sign-in code was never sent"
    return time.monotonic() - began


# A task of it in a worker's log: "Task accounts.tasks.send_email[id] received".
SEND_EMAIL = "accounts.tasks.send_email["


def _alert_running(slot_id: int) -> bool:
    from fans.models import ShowAlert

    return ShowAlert.objects.filter(slot_id=slot_id).exists()


@pytest.mark.postgres
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_large_fan_alert_does_not_hold_up_a_sign_in_code(tmp_path, capsys):
    from accounts.tests.factories import UserFactory
    from core.queue import task_queue

    run = uuid.uuid4().hex[:8]
    UserFactory(email=f"before-{run}@example.com")
    UserFactory(email=f"after-{run}@example.com")
    first, second = _large_alert(f"first-{run}-"), _large_alert(f"second-{run}-")
    with shared.worker_processes(tmp_path) as start:
        # As one worker on one queue did: the code waits until the alert's task in hand is done.
        general = start()
        general.wait_ready(timeout=180)
        task_queue("fans.tasks.show_alert_chunk_task", slot_id=first, change="new", after=0)
        assert shared.wait_until(lambda: _alert_running(first), 60), general.log()[-3000:]
        before = _sign_in_code_delay([general], f"before-{run}@example.com")
        with capsys.disabled():
            print(f"\nsign-in code during a {FOLLOWERS}-follower alert, one worker: {before:.2f} s")
        # With the Procfile's worker-urgent beside it.
        urgent = start(queues=[settings.CELERY_QUEUE_NAMES[URGENT]])
        urgent.wait_ready(timeout=180)
        task_queue("fans.tasks.show_alert_chunk_task", slot_id=second, change="new", after=0)
        assert shared.wait_until(lambda: _alert_running(second), 60), general.log()[-3000:]
        sent_by_general = general.log().count(SEND_EMAIL)
        after = _sign_in_code_delay([general, urgent], f"after-{run}@example.com")
        urgent_log, general_log = urgent.log(), general.log()
    with capsys.disabled():
        print(f"\nsign-in code during a {FOLLOWERS}-follower alert: {before:.2f} s on one worker, {after:.2f} s after")
    # What the urgent worker is for, asserted rather than timed (the figures: benchmarks/, issue 86): the code went
    # out through it while the all-queues worker had the alert's chunk in hand.
    assert "accounts.tasks.send_email" in urgent_log, "the sign-in code did not go out through the urgent worker"
    assert general_log.count(SEND_EMAIL) == sent_by_general, "the all-queues worker sent the second code itself"
