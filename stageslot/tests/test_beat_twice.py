"""Two real `celery beat` processes (two nodes, or a rolling deploy) and a worker, through Redis, on PostgreSQL:
both beats send every period of the schedule, and each period's task runs once (docs/decisions/0060)."""

import datetime as dt
import re
import time
from collections import Counter

import pytest

from stageslot.models import PeriodicRun
from stageslot.tests import worker as shared
from stageslot.tests.worker import STARTUP, beat_processes, wait_until

pytestmark = [pytest.mark.services, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

celery_worker_start = shared.celery_worker_start

TICK = "stageslot.tests.beat_tasks.beat_tick"
# The test schedule (settings/test.py): the tick every this many seconds, both beats sending for this long.
EVERY = 2.0
SENDING_FOR = 10.0
SENT = re.compile(r"Sending stageslot\.tests\.beat_tasks\.beat_tick for the period from (\S+)")
STARTED = "beat: Starting..."
SKIPPED = "was already run by another scheduler's copy"


def test_two_beats_sending_every_period_run_each_period_once(celery_worker_start, tmp_path):
    record = tmp_path / "runs.txt"
    record.touch()
    env = {
        "STAGESLOT_TEST_BEAT_EVERY": str(EVERY),
        "STAGESLOT_TEST_BEAT_RECORD": str(record),
        # Three processes load Django at once on a busy machine: Django's system checks (run by this test
        # process already) would be nearly half of each start.
        "CELERY_SKIP_CHECKS": "1",
    }
    with beat_processes(tmp_path) as start_beat:
        # The worker and the beats start side by side (each takes seconds to load Django); the beats' sends
        # wait in Redis until the worker is ready.
        worker = celery_worker_start(env=env)
        first = start_beat(env=env)
        time.sleep(EVERY / 2)  # as a second node's beat would be: started at another moment
        second = start_beat(env=env)
        worker.wait_ready()
        for beat in (first, second):
            assert wait_until(lambda beat=beat: STARTED in beat.log(), STARTUP), beat.log()
        time.sleep(SENDING_FOR)
        first.stop()
        second.stop()
    sent = SENT.findall(first.log()) + SENT.findall(second.log())
    logs = f"beat 1:\n{first.log()}\nbeat 2:\n{second.log()}\nworker:\n{worker.log()}"

    def runs() -> list[str]:
        return [line.split()[0] for line in record.read_text().splitlines()]

    # Every copy sent has been run or turned away by the worker.
    assert wait_until(lambda: len(runs()) + worker.log().count(SKIPPED) >= len(sent), 15), logs
    assert len(SENT.findall(first.log())) >= 3 and len(SENT.findall(second.log())) >= 3, logs
    # Both beats really sent the same periods ...
    assert len(set(SENT.findall(first.log())) & set(SENT.findall(second.log()))) >= 2, logs
    # ... and every period sent ran exactly once, the other copies doing nothing.
    assert Counter(runs()) == Counter(set(sent)), logs
    assert worker.log().count(SKIPPED) == len(sent) - len(set(sent)), logs
    claimed = PeriodicRun.objects.filter(task=TICK).values_list("period_start", flat=True)
    assert sorted(claimed) == sorted(dt.datetime.fromisoformat(period) for period in set(sent))
