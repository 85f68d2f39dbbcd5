"""Mailgun through the same doors as Postmark (docs/decisions/0084): its tracking and inbound webhooks posted
with the payloads of Mailgun's webhook and routes documentation, signed as Mailgun signs them (an HMAC-SHA256
of timestamp + token under the webhook signing key) and with the basic-auth secret. A permanent failure or a
complaint suppresses the address once; a temporary failure is a soft bounce; a reply posted by a route lands
in the booking's thread; a forged signature changes nothing."""

import base64
import copy
import hashlib
import hmac
import json

import pytest
from django.test import Client

from accounts.models import InboundMail, MailEvent, MailSuppression
from bookings.models import Message
from bookings.tests.test_mail_replies import thread  # noqa: F401 (the fixture)

from .factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("stageslot.tests.mailgun_urls")]

TRACKING = "/mail/anymail/mailgun/tracking/"
INBOUND = "/mail/anymail/mailgun/inbound/"
AUTH = "Basic " + base64.b64encode(b"stageslot-test:webhook-secret").decode()
SIGNING_KEY = "key-7b3a9f1d2c4e6a8b0d1f3e5c7a9b2d4f"


@pytest.fixture(autouse=True)
def _mailgun(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def signed(timestamp: str, token: str, key: str = SIGNING_KEY) -> dict[str, str]:
    """Mailgun's signature block: hex HMAC-SHA256 of timestamp + token under the webhook signing key."""
    digest = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": digest}


# Mailgun's documented "failed" (permanent) webhook body (documentation.mailgun.com, "Webhooks": event-data).
PERMANENT_FAILURE = {
    "signature": signed("1529006854", "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"),
    "event-data": {
        "event": "failed",
        "id": "G9Bn5sl1TC6nu79C8C0bwg",
        "timestamp": 1521233195.375624,
        "log-level": "error",
        "severity": "permanent",
        "reason": "suppress-bounce",
        "recipient": "alice@example.com",
        "recipient-domain": "example.com",
        "envelope": {"sender": "bob@sandbox.mailgun.org", "transport": "smtp", "targets": "alice@example.com"},
        "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        "delivery-status": {
            "attempt-no": 1,
            "message": "",
            "code": 605,
            "description": "Not delivering to previously bounced address",
            "session-seconds": 0.0,
        },
        "message": {
            "headers": {
                "to": "Alice <alice@example.com>",
                "message-id": "20130503192659.13651.20287@sandbox.mailgun.org",
                "from": "Bob <bob@sandbox.mailgun.org>",
                "subject": "Test permanent_fail webhook",
            },
            "attachments": [],
            "size": 111,
        },
        "storage": {"url": "https://se.api.mailgun.net/v3/domains/sandbox.mailgun.org/messages/key", "key": "key"},
        "tags": ["my_tag_1", "my_tag_2"],
        "campaigns": [],
        "user-variables": {"my_var_1": "Mailgun Variable #1", "my-var-2": "awesome"},
    },
}
# Its "failed" (temporary) sibling: a full mailbox, tried again by Mailgun.
TEMPORARY_FAILURE = copy.deepcopy(PERMANENT_FAILURE)
TEMPORARY_FAILURE["signature"] = signed("1529006855", "b9df1fec3ee9412eef7d3516346695f56bb02e2f0a08a4e04f1")
TEMPORARY_FAILURE["event-data"] |= {
    "severity": "temporary",
    "reason": "generic",
    "log-level": "warn",
    "delivery-status": {"attempt-no": 1, "code": 452, "message": "4.2.2 The email account is over quota"},
}
# Its documented "complained" webhook body.
COMPLAINT = {
    "signature": signed("1529006856", "c0e0a2fd4ffa523ff08e4627457706068cc13f3f1b19b5f2f2"),
    "event-data": {
        "event": "complained",
        "id": "-Agny091SquKnsrW2NEKUA",
        "timestamp": 1521233123.501324,
        "log-level": "warn",
        "recipient": "alice@example.com",
        "message": {"headers": {"message-id": "20130503182626.18666.16540@sandbox.mailgun.org"}},
    },
}


def post_event(payload: dict, auth: str | None = AUTH):
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return Client().post(TRACKING, json.dumps(payload), content_type="application/json", **extra)


def test_a_permanent_failure_posted_twice_suppresses_the_address_once():
    UserFactory(email="alice@example.com")
    assert post_event(PERMANENT_FAILURE).status_code == 200
    assert post_event(PERMANENT_FAILURE).status_code == 200  # Mailgun retried
    event = MailEvent.objects.get()
    assert (event.kind, event.outcome, event.esp) == ("bounced", "suppressed", "Mailgun")
    assert event.key == "mailgun:a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    suppression = MailSuppression.objects.get()
    assert (suppression.email, suppression.reason) == ("alice@example.com", "bounced")
    assert "previously bounced" in suppression.detail


def test_a_temporary_failure_is_a_soft_bounce_and_a_complaint_suppresses():
    UserFactory(email="alice@example.com")
    post_event(TEMPORARY_FAILURE)
    assert MailEvent.objects.get().outcome == "soft bounce"
    assert not MailSuppression.objects.exists()
    post_event(COMPLAINT)
    assert MailSuppression.objects.get().reason == "complained"


@pytest.mark.parametrize(
    "payload, auth",
    [
        ({**PERMANENT_FAILURE, "signature": signed("1529006854", "a8ce0edb2dd8", key="key-not-ours")}, AUTH),
        ({k: v for k, v in PERMANENT_FAILURE.items() if k != "signature"}, AUTH),
        (PERMANENT_FAILURE, None),
    ],
    ids=["forged signature", "unsigned", "no basic auth"],
)
def test_a_forged_or_unsigned_event_is_refused_and_nothing_is_recorded(payload, auth):
    UserFactory(email="alice@example.com")
    assert post_event(payload, auth).status_code in (400, 401)
    assert not MailEvent.objects.exists() and not MailSuppression.objects.exists()


def route_post(*, sender: str, to: str, text: str, signature: dict[str, str], spf: str = "Pass") -> dict[str, str]:
    """Mailgun's documented forward() body of a route ("Receiving, forwarding and storing messages": the
    parsed fields, multipart/form-data), with its signature fields."""
    headers = [
        ["Received", "by luna.mailgun.net with SMTP mgrt 8734663311733; Fri, 03 May 2013 18:26:27 +0000"],
        ["Content-Type", 'multipart/alternative; boundary="eb663d73ae0a4d6c9153cc0aec8b7520"'],
        ["Mime-Version", "1.0"],
        ["Subject", "Re: StageSlot: a new message"],
        ["From", f"Sender <{sender}>"],
        ["To", to],
        ["Message-Id", "<517ACC75.5010709@mailgun.net>"],
        ["Date", "Fri, 03 May 2013 18:26:27 +0000"],
        ["X-Mailgun-Sflag", "No"],
        # Mailgun's own checks of the sending domain, which it adds to every routed message.
        ["X-Mailgun-Spf", spf],
        ["X-Mailgun-Dkim-Check-Result", spf],
    ]
    return {
        "recipient": to,
        "sender": sender,
        "from": f"Sender <{sender}>",
        "subject": "Re: StageSlot: a new message",
        "body-plain": text,
        "stripped-text": text.split("\n\n")[0],
        "stripped-signature": "",
        "body-html": "",
        "stripped-html": "",
        "attachment-count": "0",
        "message-headers": json.dumps(headers),
        "content-id-map": "{}",
        **signature,
    }


def test_a_reply_routed_by_mailgun_lands_in_the_thread_and_a_forged_one_does_not(
    thread,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    text = "Six works, the side door is open.\n\nOn Mon, 3 Nov 2026, StageSlot wrote:\n> Can we load in at six?\n"
    forged = route_post(
        sender=thread.owner.email,
        to=thread.address,
        text="Forged.",
        signature=signed("1529006857", "d1f1b3ae5ggb634ff19f5738568817179dd24f4f2c2ac6f3f3", key="key-not-ours"),
    )
    assert Client().post(INBOUND, forged, HTTP_AUTHORIZATION=AUTH).status_code == 400
    assert not InboundMail.objects.exists()
    good = route_post(
        sender=thread.owner.email,
        to=thread.address,
        text=text,
        signature=signed("1529006858", "e2g2c4bf6hhc745gg20g6849679928280ee35g3d3bd7g4g4"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(INBOUND, good, HTTP_AUTHORIZATION=AUTH).status_code == 200
    message = Message.objects.filter(booking=thread.application).latest("pk")
    assert (message.author, message.body) == (thread.owner, "Six works, the side door is open.")
    assert InboundMail.objects.get().state == InboundMail.State.APPLIED


def test_a_routed_reply_whose_domain_mailgun_could_not_verify_never_reaches_the_thread(
    thread,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The signature says the post came from Mailgun; only Mailgun's SPF/DKIM verdict says the mail came from
    whom its From line names. A reply that fails it is kept for staff and posts nothing."""
    before = Message.objects.filter(booking=thread.application).count()
    spoofed = route_post(
        sender=thread.owner.email,
        to=thread.address,
        text="Send the fee to another account.",
        signature=signed("1529006859", "f3h3d5cg7iid856hh31h7950780039391ff46h4e4ce8h5h5"),
        spf="Fail",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(INBOUND, spoofed, HTTP_AUTHORIZATION=AUTH).status_code == 200
    assert Message.objects.filter(booking=thread.application).count() == before
    assert InboundMail.objects.get().state != InboundMail.State.APPLIED
