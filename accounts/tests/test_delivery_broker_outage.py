"""Mail through a broker outage: Redis goes away while a worker is sending, comes back empty a few
seconds later, and every notification email still leaves, once, from a worker process that kept
running (docs/decisions/0015-mail-through-broker-outages.md)."""

import time

import pytest

from accounts.models import Notification
from accounts.services import notifications_create
from accounts.tests.factories import UserFactory
from stageslot.tests import worker as shared
from stageslot.tests.worker import broker_at, recipients_of, wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

celery_worker_start = shared.celery_worker_start
redis_server = shared.redis_server

# Seconds the mail server takes to answer, and Redis stays away.
MAIL_DELAY = 3
OUTAGE = 4
# The worker's beat re-queues pending emails older than REQUEUE_AFTER, looking every REQUEUE_EVERY.
REQUEUE_AFTER, REQUEUE_EVERY = 3, 1
# Written while Redis is away: the hand-off fails, the rows wait for the re-queue.
WRITTEN_DURING = 5
# After Redis is back: the worker reconnects (kombu tries again after 2, 4, 6 … s), the re-queue's
# window, and the sends themselves, two at a time.
DELIVERED_WITHIN = 12 + REQUEUE_AFTER + REQUEUE_EVERY + MAIL_DELAY * (1 + WRITTEN_DURING) / 2


def test_the_worker_outlives_redis_going_away_mid_send_and_every_email_leaves_once(celery_worker_start, redis_server):
    people = [UserFactory() for _ in range(1 + WRITTEN_DURING)]
    # Forked pool processes, as `celery worker` runs by default. One send is in flight and the other
    # pool process is idle, so the worker also waits on a BRPOP: Redis going away then shows first on
    # another of its connections (remote control), which is what stopped workers for good
    # (stageslot/broker.py has the sequence).
    worker = celery_worker_start(
        beat=True,
        concurrency=2,
        env={
            "REDIS_URL": redis_server.url,
            "STAGESLOT_TEST_MAIL_DELAY": str(MAIL_DELAY),
            "STAGESLOT_NOTIFICATION_REQUEUE_AFTER": str(REQUEUE_AFTER),
            "STAGESLOT_NOTIFICATION_REQUEUE_EVERY": str(REQUEUE_EVERY),
        },
    )
    worker.wait_ready()
    with broker_at(redis_server.url):
        notifications_create(recipients=people[:1], kind="booking_booked", text="Booked.", key="outage-0")
        assert wait_until(lambda: "Mail server stored" in worker.log(), timeout=30), worker.log()

        redis_server.kill()  # with the queue and the unacknowledged task: it keeps nothing
        for i, person in enumerate(people[1:], start=1):
            notifications_create(recipients=[person], kind="booking_booked", text="Booked.", key=f"outage-{i}")
        time.sleep(OUTAGE)
        assert redis_server.start()
    back = time.monotonic()

    def all_sent() -> bool:
        return set(Notification.objects.values_list("email_state", flat=True)) == {Notification.Email.SENT}

    delivered = wait_until(all_sent, timeout=DELIVERED_WITHIN)
    took = time.monotonic() - back
    log = worker.log()
    assert "Unrecoverable error" not in log, log
    assert worker.process.poll() is None, f"the worker stopped:\n{log}"
    assert delivered, f"{len(worker.emails())} of {len(people)} emails after {took:.0f} s:\n{log}"
    time.sleep(REQUEUE_AFTER + REQUEUE_EVERY)  # more re-queue runs: nothing goes twice
    assert recipients_of(worker.emails()) == sorted(p.email for p in people)
