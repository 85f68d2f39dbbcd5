"""One device never spreads its failure: a thread message sent while a participant has a device the push
library cannot sign for (an IPv6 literal endpoint makes py_vapid refuse the claims) answers as usual, the
participant's other device still gets its push, and the bad device's row says what went wrong."""

import pytest
from django.urls import reverse

from accounts.models import PushSubscription
from accounts.tests.push_endpoint import PushEndpoint
from bookings.tests.test_detail_views import make_world

# The notification's commit runs its push in the request (tasks are eager), as on a single-node site.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_is_sent_while_a_bad_device_exists_and_the_good_one_gets_its_push(client, settings):
    world = make_world()
    with PushEndpoint() as service:
        settings.WEBPUSH_ALLOW_HOSTS = (service.host_port,)
        good = service.device()
        keys = {"p256dh": good.subscription["p256dh"], "auth": good.subscription["auth"]}
        # Saved before the address guard existed: the save check refuses this address now.
        bad = PushSubscription.objects.create(user=world.member, endpoint="https://[2001:db8::1]/push", **keys)
        PushSubscription.objects.create(user=world.member, **good.subscription)

        client.raise_request_exception = False
        client.force_login(world.leader)
        response = client.post(
            reverse("bookings:message_post", args=[world.application.uid]), {"body": "Soundcheck at six"}
        )
        assert response.status_code == 302

        [received] = service.wait_for(1)
    assert received.path == good.path
    assert received.payload["body"]
    bad.refresh_from_db()
    assert bad.failures == 1
    assert bad.last_error == "We cannot sign pushes for this push service's address."


def test_a_device_whose_push_raises_anything_is_recorded_and_the_others_still_get_theirs(client, settings, monkeypatch):
    from accounts import push

    world = make_world()
    real_send = push.push_send

    def send(**kwargs):
        if kwargs["endpoint"].endswith("/broken"):
            raise RuntimeError("a library bug")
        return real_send(**kwargs)

    monkeypatch.setattr(push, "push_send", send)
    with PushEndpoint() as service:
        settings.WEBPUSH_ALLOW_HOSTS = (service.host_port,)
        good = service.device()
        broken = PushSubscription.objects.create(
            user=world.member, **{**good.subscription, "endpoint": service.origin + "/broken"}
        )
        PushSubscription.objects.create(user=world.member, **good.subscription)
        client.raise_request_exception = False
        client.force_login(world.leader)
        response = client.post(reverse("bookings:message_post", args=[world.application.uid]), {"body": "Hi"})
        assert response.status_code == 302
        assert len(service.wait_for(1)) == 1
    broken.refresh_from_db()
    assert (broken.failures, broken.last_error) == (1, "Sending a push to this device failed.")
