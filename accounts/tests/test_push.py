"""Web Push end to end, without any outside service: a local push service checks our VAPID signature and
decrypts what a browser would get; the email's preference decides what is pushed; a device the push service
forgot is removed; a push service that fails is tried again; only the owner turns a device's push off."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationPreference, PushSubscription
from accounts.push import (
    notification_push_send,
    notification_pushes_requeue,
    push_backoff,
    push_subscription_save,
)
from accounts.services import notifications_create
from accounts.tests.factories import UserFactory
from accounts.tests.push_endpoint import PushEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(settings):
    with PushEndpoint() as service:
        settings.WEBPUSH_ALLOW_HOSTS = (service.host_port,)
        yield service


def subscribe(user, endpoint) -> tuple:
    device = endpoint.device()
    sub = push_subscription_save(user=user, **device.subscription, label="Firefox on Linux")
    return device, sub


def notify(user, kind="booking_created", **extra):
    return notifications_create(
        recipients=[user], kind=kind, text="A new application for 12 Dec", link="/bookings/", key=f"k-{kind}", **extra
    )


def test_a_notification_is_pushed_signed_and_encrypted_to_each_device(endpoint, django_capture_on_commit_callbacks):
    user = UserFactory()
    phone, _sub = subscribe(user, endpoint)
    laptop, _sub2 = subscribe(user, endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notify(user)
    received = endpoint.wait_for(2)
    assert {r.path for r in received} == {phone.path, laptop.path}
    payload = received[0].payload
    assert payload["body"] == "A new application for 12 Dec"
    assert payload["url"].endswith("/bookings/")
    assert payload["tag"] == f"notification-{note.pk}"
    assert received[0].claims["sub"].startswith("mailto:")
    assert received[0].headers["urgency"] == "high"
    note.refresh_from_db()
    assert (note.push_state, note.push_attempts) == ("sent", 1)
    assert not endpoint.refused


def test_the_answers_of_an_email_become_the_pushs_two_buttons(endpoint, django_capture_on_commit_callbacks):
    user = UserFactory()
    subscribe(user, endpoint)
    actions = [
        {"label": "Definitely", "answer": "definitely", "path": "/gigs/answer/a/"},
        {"label": "Probably", "answer": "probably", "path": "/gigs/answer/b/"},
        {"label": "Can't", "answer": "cant", "path": "/gigs/answer/c/"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        notify(user, kind="rsvp_asked", actions_for=lambda u: actions)
    [push] = endpoint.wait_for(1)
    assert [a["title"] for a in push.payload["actions"]] == ["Definitely", "Can't"]
    assert push.payload["actions"][1]["url"].endswith("/gigs/answer/c/")


@pytest.mark.parametrize("email", [NotificationPreference.Email.DIGEST, NotificationPreference.Email.OFF])
def test_what_is_not_emailed_at_once_is_not_pushed(endpoint, email, django_capture_on_commit_callbacks):
    user = UserFactory()
    subscribe(user, endpoint)
    NotificationPreference.objects.create(user=user, kind="booking_file", in_app=True, email=email)
    with django_capture_on_commit_callbacks(execute=True):
        notify(user, kind="booking_file")
    assert endpoint.received == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_forgot_is_removed(endpoint, status, django_capture_on_commit_callbacks):
    user = UserFactory()
    device, sub = subscribe(user, endpoint)
    endpoint.statuses[device.path] = status
    with django_capture_on_commit_callbacks(execute=True):
        notify(user)
    assert not PushSubscription.objects.filter(pk=sub.pk).exists()


def test_a_failing_push_service_is_tried_again_after_a_wait(endpoint, django_capture_on_commit_callbacks):
    user = UserFactory()
    device, sub = subscribe(user, endpoint)
    endpoint.statuses[device.path] = 503
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notify(user)
    note.refresh_from_db()
    assert (note.push_state, note.push_attempts) == ("pending", 1)
    assert PushSubscription.objects.filter(pk=sub.pk).exists()
    assert notification_pushes_requeue() == 0  # its wait is not over
    endpoint.statuses[device.path] = 201
    later = timezone.now() + push_backoff(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_pushes_requeue(now=later) == 1
    endpoint.wait_for(1)
    note.refresh_from_db()
    assert note.push_state == "sent"
    # Sent is sent: a second run pushes nothing again.
    assert notification_push_send(notification_ids=[note.pk])["sent"] == 0


def test_an_unreachable_push_service_counts_as_a_try(settings, django_capture_on_commit_callbacks):
    settings.WEBPUSH_ALLOW_HOSTS = ("127.0.0.1:9",)
    user = UserFactory()
    sub = push_subscription_save(
        user=user,
        endpoint="http://127.0.0.1:9/push/nobody",
        p256dh=_any_key(),
        auth="AAAAAAAAAAAAAAAAAAAAAA",
    )
    with django_capture_on_commit_callbacks(execute=True):
        [note] = notify(user)
    note.refresh_from_db()
    assert note.push_state == "pending"
    assert PushSubscription.objects.filter(pk=sub.pk).exists()


def _any_key() -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    from accounts.tests.push_endpoint import Device

    return Device(path="/", key=ec.generate_private_key(ec.SECP256R1()), auth=b"0" * 16, endpoint="").subscription[
        "p256dh"
    ]


# ---- The devices' page and endpoints ------------------------------------------------------------------------


def test_the_settings_page_offers_push_and_lists_the_devices(client, endpoint):
    user = UserFactory()
    subscribe(user, endpoint)
    client.force_login(user)
    html = client.get(reverse("notifications:settings")).content.decode()
    assert "Turn on push on this device" in html
    assert "Firefox on Linux" in html
    assert 'data-vapid-key="B' in html  # an uncompressed P-256 point, base64url


def test_the_service_worker_is_served_from_the_root():
    from django.test import Client

    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"showNotification" in response.content


def test_subscribing_checks_what_the_browser_sent(client, endpoint):
    user = UserFactory()
    client.force_login(user)
    url = reverse("notifications:push_subscribe")
    device = endpoint.device()
    good = {
        "endpoint": device.endpoint,
        "keys": {"p256dh": device.subscription["p256dh"], "auth": device.subscription["auth"]},
    }
    for bad in (
        "not json",
        json.dumps({"endpoint": "ftp://x", "keys": good["keys"]}),
        json.dumps({"endpoint": device.endpoint, "keys": {"p256dh": "AAAA", "auth": "short"}}),
        json.dumps([1, 2]),
    ):
        assert client.post(url, bad, content_type="application/json").status_code == 400
    assert not PushSubscription.objects.exists()
    assert client.post(url, json.dumps(good), content_type="application/json").status_code == 201
    assert client.post(url, json.dumps(good), content_type="application/json").status_code == 201
    assert PushSubscription.objects.filter(user=user).count() == 1
    client.logout()
    assert client.post(url, json.dumps(good), content_type="application/json").status_code == 302


def test_only_the_owner_turns_a_devices_push_off(client, endpoint):
    owner, other = UserFactory(), UserFactory()
    _device, sub = subscribe(owner, endpoint)
    url = reverse("notifications:push_unsubscribe")
    client.force_login(other)
    assert client.post(url, {"id": sub.pk}, HTTP_ACCEPT="application/json").status_code == 404
    assert PushSubscription.objects.filter(pk=sub.pk).exists()
    client.force_login(owner)
    assert client.post(url, {"id": sub.pk}).status_code == 302
    assert not PushSubscription.objects.filter(pk=sub.pk).exists()


def test_a_local_push_service_is_refused_unless_its_host_and_port_are_allowed(settings, endpoint):
    settings.WEBPUSH_ALLOW_HOSTS = ()
    device = endpoint.device()
    with pytest.raises(Exception) as exc:
        push_subscription_save(user=UserFactory(), **device.subscription)
    assert "endpoint" in exc.value.message_dict
    assert Notification.objects.count() == 0
