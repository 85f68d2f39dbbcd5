"""Webhook deliveries through Redis and a real worker process: sent after the commit, not before;
a failing endpoint is tried again after its backoff by the worker itself."""

import json

import pytest

from accounts.tests.factories import UserFactory
from bookings.models import WebhookDelivery
from bookings.services import answering, asking
from bookings.services.webhooks import webhook_create
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from bookings.tests.webhook_listener import webhook_listener
from stageslot.tests import worker as shared
from stageslot.tests.worker import wait_until

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

celery_worker_start = shared.celery_worker_start

State = WebhookDelivery.State


def test_the_worker_delivers_after_commit_and_retries_a_failure(celery_worker_start, settings):
    venue, owner = venue_with_owner()
    band, _leader = band_with_leader()
    booking = BookingFactory(band=band, slot=SlotFactory(venue=venue, support_places=0))
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        webhook_create(by=owner, venue=venue, url=listener.url, events=["booking.accepted", "slot.filled"])
        listener.status = 503
        worker = celery_worker_start(
            env={"STAGESLOT_TEST_WEBHOOK_ALLOW_HOSTS": listener.host_port, "STAGESLOT_WEBHOOK_RETRY_FIRST_SECONDS": "1"}
        )
        worker.wait_ready()
        answering.booking_accept(booking=booking, by=owner)
        assert wait_until(lambda: len(listener.received) >= 2, 30), worker.log()
        listener.status = 200
        delivered = lambda: WebhookDelivery.objects.filter(state=State.DELIVERED).count() == 2  # noqa: E731
        assert wait_until(delivered, 30), worker.log()
    types = sorted(json.loads(r.body)["type"] for r in listener.received if r is not None)
    assert set(types) == {"booking.accepted", "slot.filled"}
    for delivery in WebhookDelivery.objects.all():
        assert delivery.attempts == 2 and delivery.last_status == 200


def test_a_change_that_rolls_back_sends_nothing(celery_worker_start, settings):
    from django.db import transaction

    band, leader = band_with_leader()
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        webhook_create(by=leader, band=band, url=listener.url, events=["booking.created"])
        worker = celery_worker_start(env={"STAGESLOT_TEST_WEBHOOK_ALLOW_HOSTS": listener.host_port})
        worker.wait_ready()
        start = SlotFactory().starts_at
        with pytest.raises(RuntimeError), transaction.atomic():
            asking.booking_request(
                band=band, client=UserFactory(), starts_at=start, ends_at=start.replace(hour=23), time_zone="UTC"
            )
            raise RuntimeError("rolled back")
        assert not wait_until(lambda: listener.received, 3), worker.log()
    assert not WebhookDelivery.objects.exists()
