"""A limit reached answers 429 with Retry-After and changes nothing: webhooks and review reports."""

import pytest
from django.core.cache import cache
from django.test import Client

from bookings.models import Webhook
from bookings.tests.factories import band_with_leader
from bookings.tests.webhook_listener import webhook_listener

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tight_limits(settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "webhook": "2/h", "report": "1/h"}
    cache.clear()


def test_registering_webhooks_past_the_limit_is_a_429_and_registers_nothing(settings):
    band, leader = band_with_leader(name="Hooked")
    client = Client()
    client.force_login(leader)
    statuses = []
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        for n in range(3):
            response = client.post(
                "/me/webhooks/",
                {"owner": f"band-{band.pk}", "url": f"{listener.url}{n}", "events": ["booking.created"]},
            )
            statuses.append(response.status_code)
    assert statuses == [201, 201, 429], statuses
    assert int(response["Retry-After"]) > 0
    assert Webhook.objects.filter(band=band).count() == statuses.count(201)


def test_a_refused_webhook_form_does_not_use_up_the_limit():
    band, leader = band_with_leader(name="Careful")
    client = Client()
    client.force_login(leader)
    for _ in range(3):
        bad = client.post("/me/webhooks/", {"owner": f"band-{band.pk}", "url": "not an address", "events": []})
        assert bad.status_code == 400
