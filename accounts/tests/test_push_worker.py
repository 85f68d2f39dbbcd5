"""Web Push through Redis and a real worker process: the notification's commit hands its push to the
worker, which signs, encrypts and sends it to the local push service; a push service that fails leaves it
pending, and the periodic round hands it to the worker again."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from accounts.push import notification_pushes_requeue, push_subscription_save
from accounts.services import notifications_create
from accounts.tests.factories import UserFactory
from accounts.tests.push_endpoint import PushEndpoint
from stageslot.tests import worker as shared
from stageslot.tests.worker import wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

celery_worker_start = shared.celery_worker_start


def test_the_worker_pushes_and_tries_a_failing_push_service_again(settings, celery_worker_start):
    user = UserFactory()
    with PushEndpoint() as endpoint:
        phone = endpoint.device()
        settings.WEBPUSH_ALLOW_HOSTS = (endpoint.host_port,)
        push_subscription_save(user=user, **phone.subscription, label="Phone")
        worker = celery_worker_start(env={"STAGESLOT_TEST_WEBPUSH_ALLOW_HOSTS": endpoint.host_port})
        worker.wait_ready()

        with transaction.atomic():
            [note] = notifications_create(
                recipients=[user], kind="booking_created", text="A new application", link="/bookings/", key="w-1"
            )
        [received] = endpoint.wait_for(1, timeout=30)
        assert received.payload["body"] == "A new application", worker.log()
        assert wait_until(lambda: Notification.objects.get(pk=note.pk).push_state == "sent", 10)

        # The push service fails: the worker leaves the push pending for the round.
        endpoint.statuses[phone.path] = 503
        with transaction.atomic():
            [second] = notifications_create(
                recipients=[user], kind="booking_created", text="Another application", link="/bookings/", key="w-2"
            )
        assert wait_until(lambda: Notification.objects.get(pk=second.pk).push_attempts == 1, 30), worker.log()
        assert Notification.objects.get(pk=second.pk).push_state == "pending"
        assert len(endpoint.received) == 1

        # It answers again; once the wait is over, the round hands the push to the worker once more.
        endpoint.statuses.pop(phone.path)
        assert notification_pushes_requeue(now=timezone.now() + dt.timedelta(minutes=5)) == 1
        endpoint.wait_for(2, timeout=30)
        assert [r.payload["body"] for r in endpoint.received] == ["A new application", "Another application"]
        assert wait_until(lambda: Notification.objects.get(pk=second.pk).push_state == "sent", 10)
        assert not endpoint.refused
