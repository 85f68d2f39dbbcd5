"""Two sites on one Redis database: every key each writes carries its own prefix, and each takes only its own
tasks off its queue (docs/decisions/0085-logs-probes-and-prefixes.md)."""

import pytest
import redis
from celery import Celery
from django.test import Client
from django.urls import reverse

from stageslot.metrics import count_task_failure, failures_key
from stageslot.settings.base import broker_options


def site(settings, prefix: str) -> Celery:
    """A Celery app of a site whose STAGESLOT_SITE_PREFIX is `prefix`, on this run's Redis and queue."""
    other = Celery(prefix, broker=settings.CELERY_BROKER_URL, set_as_current=False)
    other.conf.update(
        broker_transport=settings.CELERY_BROKER_TRANSPORT,
        broker_transport_options=broker_options(prefix),
        task_default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
    )
    return other


@pytest.mark.services
def test_two_sites_on_one_redis_database_each_take_only_their_own_tasks(settings):
    client = redis.Redis.from_url(settings.REDIS_URL)
    before = set(client.keys("*"))
    sites = {prefix: site(settings, prefix) for prefix in ("site-a", "site-b")}
    try:
        for prefix, app in sites.items():
            app.send_task(f"{prefix}.only_here", kwargs={"pk": 1})
        written = {key.decode() for key in set(client.keys("*")) - before}
        assert written and all(key.startswith(("site-a-celery:", "site-b-celery:")) for key in written), written
        for prefix, app in sites.items():
            with app.connection_for_read() as connection:
                queue = connection.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE)
                taken = queue.get(timeout=2)
                taken.ack()
                assert taken.headers["task"] == f"{prefix}.only_here"
                with pytest.raises(queue.Empty):
                    queue.get(timeout=0.2)
                queue.close()
    finally:
        for prefix in sites:
            for key in client.scan_iter(match=f"{prefix}-celery:*"):
                client.delete(key)


@pytest.mark.services
@pytest.mark.django_db
def test_the_operators_figures_read_the_sites_own_queue_and_failures(settings):
    client = redis.Redis.from_url(settings.REDIS_URL)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        site(settings, settings.SITE_PREFIX).send_task("stageslot.tests.waiting")  # as the site's web nodes do
        count_task_failure(sender=type("Task", (), {"name": "stageslot.tests.failing"})())
        assert failures_key().startswith(f"{settings.SITE_PREFIX}-metrics:")
        figures = Client().get(reverse("metrics")).content.decode()
        assert f'stageslot_queue_length{{queue="{queue}"}} 1.0' in figures
        assert 'stageslot_task_failures_total{task="stageslot.tests.failing"} 1.0' in figures
    finally:
        client.delete(f"{settings.SITE_PREFIX}-celery:{queue}")
        client.hdel(failures_key(), "stageslot.tests.failing")
