"""Webhooks: registering (https, public addresses only), signed deliveries after commit, retries with
backoff, the delivery log, sending again, and the page."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.models import Booking, Webhook, WebhookDelivery
from bookings.services import webhooks
from bookings.services.webhooks import webhook_create, webhook_deliveries_due, webhook_delivery_send
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from bookings.tests.webhook_listener import webhook_listener

pytestmark = pytest.mark.django_db

State = WebhookDelivery.State


def verify(secret: str, received) -> dict:
    """What a receiver does: recompute the signature over "t.body" and compare in constant time."""
    header = received.headers["StageSlot-Signature"]
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.{received.body}".encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    assert abs(int(parts["t"]) - timezone.now().timestamp()) < 300
    return json.loads(received.body)


def request_body(band, days=20):
    start = in_days(days, hour=18)
    return {"band": band.slug, "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=3)).isoformat(),
            "time_zone": "Europe/Berlin"}  # fmt: skip


# ---- Registering --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com/hook", "https://"),
        ("https://127.0.0.1/hook", "private network"),
        ("https://10.1.2.3/hook", "private network"),
        ("https://[::1]/hook", "private network"),
        ("https://169.254.169.254/latest", "private network"),
        ("https://localhost/hook", "private network"),
        ("ftp://example.com/", "https://"),
        ("https://user:pw@example.com/", "https://"),
    ],
)
def test_a_target_that_is_not_public_https_is_refused(url, message):
    band, leader = band_with_leader()
    with pytest.raises(ValidationError) as caught:
        webhook_create(by=leader, band=band, url=url, events=["booking.created"])
    assert message in " ".join(caught.value.message_dict["url"])
    assert not Webhook.objects.exists()


def test_the_local_allowance_is_exact_host_and_port(settings):
    band, leader = band_with_leader()
    settings.WEBHOOK_ALLOW_HOSTS = ("127.0.0.1:8471",)
    webhook_create(by=leader, band=band, url="http://127.0.0.1:8471/hook", events=["booking.created"])
    with pytest.raises(ValidationError):
        webhook_create(by=leader, band=band, url="http://127.0.0.1:8472/hook", events=["booking.created"])


def test_only_managers_register_webhooks():
    band, _leader = band_with_leader()
    with pytest.raises(webhooks.WebhookPermissionError):
        webhook_create(by=UserFactory(), band=band, url="https://example.com/", events=["booking.created"])


def test_events_must_be_known():
    band, leader = band_with_leader()
    with pytest.raises(ValidationError) as caught:
        webhook_create(by=leader, band=band, url="https://93.184.215.14/", events=["booking.exploded"])
    assert "events" in caught.value.message_dict


# ---- Delivering --------------------------------------------------------------------------------------


def test_a_request_and_its_accept_reach_the_bands_endpoint_signed(settings, django_capture_on_commit_callbacks):
    band, leader = band_with_leader()
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        hook = webhook_create(by=leader, band=band, url=listener.url, events=["booking.created", "booking.accepted"])
        with django_capture_on_commit_callbacks(execute=True):
            uid = (
                ApiClient(token_for(UserFactory())).post("/api/v1/bookings/requests", request_body(band)).json()["uid"]
            )
        with django_capture_on_commit_callbacks(execute=True):
            assert ApiClient(token_for(leader)).post(f"/api/v1/bookings/{uid}/accept").status_code == 200
        events = [verify(hook.secret, r) for r in listener.received]
    assert [e["type"] for e in events] == ["booking.created", "booking.accepted"]
    assert events[1]["data"]["booking"]["uid"] == uid
    assert events[1]["data"]["booking"]["status"] == "booked"
    assert listener.received[0].headers["StageSlot-Event"] == "booking.created"
    delivery = WebhookDelivery.objects.get(event="booking.accepted")
    assert delivery.state == State.DELIVERED and delivery.last_status == 200 and delivery.last_ms is not None


def test_nothing_is_sent_for_a_change_that_rolls_back(settings, django_capture_on_commit_callbacks):
    band, leader = band_with_leader()
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        webhook_create(by=leader, band=band, url=listener.url, events=["booking.created"])
        start = in_days(20)
        with django_capture_on_commit_callbacks(execute=True):
            bad = {**request_body(band), "ends_at": start.isoformat(), "starts_at": start.isoformat()}
            assert ApiClient(token_for(UserFactory())).post("/api/v1/bookings/requests", bad).status_code == 422
        assert listener.received == []
    assert not WebhookDelivery.objects.exists()


def test_a_failing_endpoint_is_retried_with_backoff_then_given_up(settings, django_capture_on_commit_callbacks):
    band, leader = band_with_leader()
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        listener.status = 500
        webhook_create(by=leader, band=band, url=listener.url, events=["booking.created"])
        with django_capture_on_commit_callbacks(execute=True):
            ApiClient(token_for(UserFactory())).post("/api/v1/bookings/requests", request_body(band))
        delivery = WebhookDelivery.objects.get()
        assert (delivery.state, delivery.attempts, delivery.last_status) == (State.PENDING, 1, 500)
        assert "HTTP 500" in delivery.last_error
        first_wait = delivery.next_attempt_at - delivery.last_attempt_at
        assert dt.timedelta(seconds=25) < first_wait <= dt.timedelta(seconds=31)
        assert webhook_deliveries_due() == []  # not due yet
        assert webhook_delivery_send(delivery_id=delivery.pk) is None
        later = delivery.next_attempt_at + dt.timedelta(seconds=1)
        assert webhook_deliveries_due(now=later) == [delivery.pk]
        webhook_delivery_send(delivery_id=delivery.pk, now=later)
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at - delivery.last_attempt_at > first_wait * 1.9
        for _ in range(webhooks.MAX_ATTEMPTS):
            webhook_delivery_send(delivery_id=delivery.pk, now=timezone.now() + dt.timedelta(days=1))
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == (State.FAILED, webhooks.MAX_ATTEMPTS)
        listener.status = 200
        assert len(listener.received) == webhooks.MAX_ATTEMPTS


def test_a_private_address_is_refused_at_delivery_time_too():
    band, _leader = band_with_leader()
    hook = Webhook.objects.create(band=band, url="https://127.0.0.1:8479/hook", events=["booking.created"])
    delivery = WebhookDelivery.objects.create(webhook=hook, event="booking.created", body="{}")
    webhook_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert "private network" in delivery.last_error and delivery.last_status is None


def test_auto_declined_losers_and_a_filled_slot_are_events(settings, django_capture_on_commit_callbacks):
    band, leader = band_with_leader()
    other, _ = band_with_leader()
    venue, owner = venue_with_owner()
    slot = SlotFactory(venue=venue, support_places=0)
    winner = BookingFactory(band=band, slot=slot, requested_by=leader)
    loser = BookingFactory(band=other, slot=slot)
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        hook = webhook_create(by=owner, venue=venue, url=listener.url, events=["booking.declined", "slot.filled"])
        with django_capture_on_commit_callbacks(execute=True):
            assert ApiClient(token_for(owner)).post(f"/api/v1/bookings/{winner.uid}/accept").status_code == 200
        events = [verify(hook.secret, r) for r in listener.received]
    assert sorted(e["type"] for e in events) == ["booking.declined", "slot.filled"]
    declined = next(e for e in events if e["type"] == "booking.declined")
    assert declined["data"]["booking"]["uid"] == str(loser.uid)
    assert Booking.objects.get(pk=loser.pk).status == Booking.Status.DECLINED


# ---- The page ----------------------------------------------------------------------------------------


def test_the_page_shows_the_secret_once_and_sends_a_delivery_again(
    client, settings, django_capture_on_commit_callbacks
):
    band, leader = band_with_leader(name="Alpha")
    client.force_login(leader)
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        response = client.post(
            "/me/webhooks/", {"owner": f"band-{band.pk}", "url": listener.url, "events": ["booking.created"]}
        )
        assert response.status_code == 201
        hook = Webhook.objects.get()
        assert hook.secret.encode() in response.content
        assert hook.secret.encode() not in client.get("/me/webhooks/").content
        delivery = WebhookDelivery.objects.create(webhook=hook, event="booking.created", body='{"id": "x"}')
        assert client.get(f"/me/webhooks/{hook.pk}/").status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/me/webhooks/deliveries/{delivery.pk}/resend/")
        assert [r.body for r in listener.received] == ['{"id": "x"}']
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert again.event_id == delivery.event_id and again.state == State.DELIVERED


def test_another_persons_webhook_is_a_404(client):
    band, _leader = band_with_leader()
    hook = Webhook.objects.create(band=band, url="https://example.com/", events=["booking.created"])
    delivery = WebhookDelivery.objects.create(webhook=hook, event="booking.created", body="{}")
    client.force_login(UserFactory())
    assert client.get(f"/me/webhooks/{hook.pk}/").status_code == 404
    assert client.post(f"/me/webhooks/{hook.pk}/remove/").status_code == 404
    assert client.post(f"/me/webhooks/deliveries/{delivery.pk}/resend/").status_code == 404
    assert client.post("/me/webhooks/", {"owner": f"band-{band.pk}", "url": "https://example.com/",
                                          "events": ["booking.created"]}).status_code == 400  # fmt: skip
    assert Webhook.objects.count() == 1


def test_staff_see_webhooks_and_tokens_but_never_their_secrets(client):
    band, leader = band_with_leader()
    hook = Webhook.objects.create(band=band, url="https://example.com/hook", events=["booking.created"])
    WebhookDelivery.objects.create(webhook=hook, event="booking.created", body="{}")
    raw = token_for(leader)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/bookings/webhook/", f"/admin/bookings/webhook/{hook.pk}/change/", "/admin/accounts/apitoken/"):
        response = client.get(url)
        assert response.status_code == 200
        assert hook.secret.encode() not in response.content and raw.encode() not in response.content


def test_one_endpoints_surprise_is_its_own_delivery_failure(settings, monkeypatch, django_capture_on_commit_callbacks):
    band, leader = band_with_leader()
    real_post = webhooks.webhook_post

    def post(url, body, headers, **kwargs):
        if url.endswith("/broken"):
            raise RuntimeError("a bug in one endpoint's path")
        return real_post(url, body, headers, **kwargs)

    monkeypatch.setattr(webhooks, "webhook_post", post)
    with webhook_listener() as listener:
        settings.WEBHOOK_ALLOW_HOSTS = (listener.host_port,)
        broken = webhook_create(by=leader, band=band, url=listener.url + "/broken", events=["booking.created"])
        fine = webhook_create(by=leader, band=band, url=listener.url, events=["booking.created"])
        with django_capture_on_commit_callbacks(execute=True):
            response = ApiClient(token_for(UserFactory())).post("/api/v1/bookings/requests", request_body(band))
        assert response.status_code == 201
        assert len(listener.received) == 1
    failed = WebhookDelivery.objects.get(webhook=broken)
    assert (failed.state, failed.attempts, failed.last_error) == (State.PENDING, 1, str(webhooks.MSG_UNEXPECTED))
    assert failed.next_attempt_at is not None and failed.claimed_at is None
    assert WebhookDelivery.objects.get(webhook=fine).state == State.DELIVERED
