"""Replies by email: a reply to a thread email, posted by Postmark to anymail's inbound webhook with basic auth
(the payload of Postmark's inbound documentation), lands in the booking's thread as a message of the person
the reply address names, quoted text cut; a stranger's, a forged, a closed thread's or an oversized reply is
refused with a bounce that says why, and nothing is posted."""

import base64
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.mail.inbound import MAIL_INBOUND_ANSWERS_PER_DAY
from accounts.mail.suppression import mail_suppression_add
from accounts.mail.tokens import reply_address
from accounts.models import InboundMail, Notification
from bands.models import Membership
from bookings.models import Booking, Message
from bookings.services.mail_replies import mail_reply_apply
from bookings.services.threads import message_post
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

URL = "/mail/anymail/postmark/inbound/"
AUTH = "Basic " + base64.b64encode(b"stageslot-test:webhook-secret").decode()
DOMAIN = "reply.stageslot.test"


def spf_pass(sender: str) -> tuple[str, str]:
    """The Received-SPF header Postmark puts on top of a message whose sender's domain vouched for it."""
    return (
        "Received-SPF",
        f"Pass (sender SPF authorized) identity=mailfrom; client-ip=209.85.160.180; envelope-from={sender}",
    )


def inbound(
    *,
    sender: str,
    to: str,
    text: str,
    message_id: str = "<reply-1@mail.example.com>",
    headers=(),
    verified: bool = True,
    subject: str = "Re: StageSlot: a new message",
):
    """Postmark's documented inbound webhook body (https://postmarkapp.com/developer/webhooks/inbound-webhook);
    `verified`: with the Received-SPF pass Postmark adds for a sender whose domain vouched for it."""
    return {
        "FromName": "Sender",
        "MessageStream": "inbound",
        "From": sender,
        "FromFull": {"Email": sender, "Name": "Sender", "MailboxHash": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": to,
        "Subject": subject,
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Fri, 1 Aug 2026 16:45:32 -04:00",
        "TextBody": text,
        "HtmlBody": "",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [
            *([{"Name": name, "Value": value} for name, value in [spf_pass(sender)]] if verified else []),
            {"Name": "Return-Path", "Value": f"<{sender}>"},
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "Message-ID", "Value": message_id},
            *({"Name": name, "Value": value} for name, value in headers),
        ],
        "Attachments": [],
    }


def post(payload: dict, auth: str | None = AUTH):
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return Client().post(URL, json.dumps(payload), content_type="application/json", **extra)


@pytest.fixture
def thread(django_capture_on_commit_callbacks):
    """The band's member writes in the application's thread: the venue's owner gets a thread email."""
    world = make_world()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(booking=world.application, by=world.member, body="Can we load in at six?")
    world.email = next(m for m in mail.outbox if m.to == [world.owner.email])
    world.address = world.email.reply_to[0]
    mail.outbox.clear()
    return world


def send(payload, capture):
    with capture(execute=True):
        return post(payload)


def bounce_to(address: str) -> str:
    bounces = [m for m in mail.outbox if m.to == [address]]
    assert len(bounces) == 1, [m.subject for m in mail.outbox]
    assert bounces[0].extra_headers.get("Auto-Submitted") == "auto-replied"
    return bounces[0].body


def test_a_thread_email_carries_the_persons_signed_reply_address(thread):
    assert thread.address == reply_address(user=thread.owner, booking_id=thread.application.pk)
    assert thread.address.endswith("@" + DOMAIN) and len(thread.address.split("@")[0]) < 64
    assert thread.address == thread.address.lower() and "+" not in thread.address
    assert "Reply to this email" in thread.email.body
    note = Notification.objects.filter(kind="booking_created").first()
    assert note is None or "reply_thread" not in note.data  # only thread emails carry one


def test_a_reply_lands_in_the_thread_as_the_persons_message_quoted_text_cut(thread, django_capture_on_commit_callbacks):
    text = (
        "Six is fine, the back door is open.\n\n"
        "On Mon, 3 Nov 2026 at 10:00, StageSlot <noreply@stageslot.local> wrote:\n"
        "> Max Member (The Night Shift) wrote about the gig: “Can we load in at six?”\n"
        "> Stop emails of this kind: https://stageslot.example/mail/unsubscribe/abc/\n"
    )
    payload = inbound(sender=thread.owner.email, to=thread.address, text=text)
    assert send(payload, django_capture_on_commit_callbacks).status_code == 200
    message = Message.objects.filter(booking=thread.application).latest("pk")
    assert (message.author, message.body) == (thread.owner, "Six is fine, the back door is open.")
    assert InboundMail.objects.get().state == InboundMail.State.APPLIED
    # The band hears of it as of any message.
    assert Notification.objects.filter(kind="message", recipient=thread.member, dedupe_key__contains=message.pk)
    # Posted again by the service: one message.
    count = Message.objects.count()
    assert send(payload, django_capture_on_commit_callbacks).status_code == 200
    assert Message.objects.count() == count and InboundMail.objects.count() == 1


def test_a_german_reply_from_a_verified_second_address_is_posted(thread, django_capture_on_commit_callbacks):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=thread.owner, email="buero@kellerbar.example", verified=True)
    text = (
        "Passt, bis Freitag.\n\nViele Grüße\n-- \nKellerbar Büro\n\n"
        "Am Mo., 3. Nov. 2026 um 10:00 Uhr schrieb StageSlot\n<noreply@stageslot.local>:\n"
        "> Können wir um sechs laden?\n"
    )
    send(inbound(sender="Buero@Kellerbar.example", to=thread.address, text=text), django_capture_on_commit_callbacks)
    assert Message.objects.latest("pk").body == "Passt, bis Freitag.\n\nViele Grüße"


def refused(thread, capture, payload, *, bounce_to_address: str | None) -> str:
    before = Message.objects.count()
    assert send(payload, capture).status_code == 200  # recorded, never a retry loop
    assert Message.objects.count() == before
    row = InboundMail.objects.get()
    assert row.state == InboundMail.State.REFUSED and row.problem
    if bounce_to_address is None:
        assert mail.outbox == []
        return row.problem
    return bounce_to(bounce_to_address)


def test_a_reply_from_another_address_is_refused_with_a_bounce(thread, django_capture_on_commit_callbacks):
    payload = inbound(sender="stranger@example.com", to=thread.address, text="Let me in.")
    body = refused(thread, django_capture_on_commit_callbacks, payload, bounce_to_address="stranger@example.com")
    assert "another address than the one the notification was sent to" in body


def test_a_forged_reply_address_is_refused(thread, django_capture_on_commit_callbacks):
    local, _, domain = thread.address.partition("@")
    forged = local[:-4] + ("aaaa" if not local.endswith("aaaa") else "bbbb") + "@" + domain
    payload = inbound(sender=thread.owner.email, to=forged, text="Hello")
    body = refused(thread, django_capture_on_commit_callbacks, payload, bounce_to_address=thread.owner.email)
    assert "not valid" in body


def test_another_persons_address_cannot_be_made_from_ones_own(thread, django_capture_on_commit_callbacks):
    """The member takes the owner's address and puts their own id in it: the mac no longer fits."""
    _t, booking_part, _user, mac = thread.address.split("@")[0].split("-")
    member_part = reply_address(user=thread.member, booking_id=thread.application.pk).split("-")[2]
    forged = f"t-{booking_part}-{member_part}-{mac}@{DOMAIN}"
    payload = inbound(sender=thread.member.email, to=forged, text="As the owner")
    refused(thread, django_capture_on_commit_callbacks, payload, bounce_to_address=thread.member.email)


def test_a_reply_to_a_closed_thread_is_refused(thread, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - timedelta(days=200)
    Booking.objects.filter(pk=thread.application.pk).update(starts_at=long_ago, ends_at=long_ago + timedelta(hours=3))
    payload = inbound(sender=thread.owner.email, to=thread.address, text="Late reply")
    assert "closed" in refused(
        thread, django_capture_on_commit_callbacks, payload, bounce_to_address=thread.owner.email
    )


def test_a_reply_from_someone_who_left_the_thread_is_refused(django_capture_on_commit_callbacks):
    world = make_world()
    address = reply_address(user=world.member, booking_id=world.application.pk)
    Membership.objects.filter(band=world.band, user=world.member).delete()
    payload = inbound(sender=world.member.email, to=address, text="Still here?")
    mail.outbox.clear()
    body = refused(world, django_capture_on_commit_callbacks, payload, bounce_to_address=world.member.email)
    assert "no longer take part" in body


def test_a_reply_over_the_size_limit_is_refused_and_not_kept(thread, settings, django_capture_on_commit_callbacks):
    settings.MAIL_INBOUND_MAX_BYTES = 2000
    payload = inbound(sender=thread.owner.email, to=thread.address, text="x" * 3000)
    body = refused(thread, django_capture_on_commit_callbacks, payload, bounce_to_address=thread.owner.email)
    assert "larger than" in body
    assert bytes(InboundMail.objects.get().raw) == b""


def test_an_empty_reply_is_refused(thread, django_capture_on_commit_callbacks):
    payload = inbound(sender=thread.owner.email, to=thread.address, text="On Mon, Sam wrote:\n> Can you?\n")
    assert "Nothing was left" in refused(
        thread, django_capture_on_commit_callbacks, payload, bounce_to_address=thread.owner.email
    )


def test_an_auto_reply_is_refused_without_an_answer(thread, django_capture_on_commit_callbacks):
    payload = inbound(
        sender=thread.owner.email,
        to=thread.address,
        text="I am out of the office until Monday.",
        headers=[("Auto-Submitted", "auto-replied")],
    )
    refused(thread, django_capture_on_commit_callbacks, payload, bounce_to_address=None)


def test_mail_to_no_reply_address_of_ours_is_refused(thread, django_capture_on_commit_callbacks):
    payload = inbound(sender=thread.owner.email, to="someone@elsewhere.example", text="Hi")
    assert "not sent to a reply address" in refused(
        thread, django_capture_on_commit_callbacks, payload, bounce_to_address=thread.owner.email
    )


@pytest.mark.parametrize("auth", [None, "Basic " + base64.b64encode(b"stageslot-test:nope").decode()])
def test_an_unsigned_or_forged_inbound_post_is_refused_and_nothing_is_kept(thread, auth):
    response = post(inbound(sender=thread.owner.email, to=thread.address, text="Hi"), auth=auth)
    assert response.status_code == 400
    assert not InboundMail.objects.exists() and not Message.objects.filter(author=thread.owner).exists()


def test_a_broken_inbound_body_is_refused_never_a_500():
    for body in ("", "nope", "[]", '{"RecordType": "Bounce"}'):
        response = Client().post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=AUTH)
        assert response.status_code < 500, body
    assert not InboundMail.objects.exists()


def test_the_task_handles_a_stored_reply_once(thread, django_capture_on_commit_callbacks):
    send(inbound(sender=thread.owner.email, to=thread.address, text="Once"), django_capture_on_commit_callbacks)
    row = InboundMail.objects.get()
    assert mail_reply_apply(inbound_id=row.pk) == ""
    assert Message.objects.filter(body="Once").count() == 1


def test_a_signed_reply_larger_than_a_form_post_may_be_is_still_taken(
    thread, settings, django_capture_on_commit_callbacks
):
    """Django refuses request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE; a signed inbound post is read up to the
    inbound limit instead, so the reply is posted (or refused with a bounce), never a 400 the service retries."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 3000
    settings.MAIL_INBOUND_MAX_BYTES = 20000
    text = "Here is the long version.\n\nOn Mon, Sam wrote:\n" + "> the whole thread quoted again\n" * 150
    assert send(inbound(sender=thread.owner.email, to=thread.address, text=text), django_capture_on_commit_callbacks)
    assert Message.objects.filter(author=thread.owner, body="Here is the long version.").exists()
    # Unsigned, the same size is Django's refusal and nothing is kept.
    response = post(inbound(sender=thread.owner.email, to=thread.address, text=text, message_id="<x@y>"), auth=None)
    assert response.status_code == 400
    assert InboundMail.objects.count() == 1


# ---- Attachments ------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def attachment(name: str, content: bytes, content_type: str) -> dict:
    return {
        "Name": name,
        "Content": base64.b64encode(content).decode(),
        "ContentType": content_type,
        "ContentLength": len(content),
    }


def test_attachments_become_booking_files_under_the_upload_rules(thread, django_capture_on_commit_callbacks):
    from bookings.models import BookingFile

    payload = inbound(sender=thread.owner.email, to=thread.address, text="Our rider is attached.")
    payload["Attachments"] = [
        attachment("rider.pdf", PDF, "application/pdf"),
        attachment("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "application/octet-stream"),
    ]
    assert send(payload, django_capture_on_commit_callbacks).status_code == 200
    added = BookingFile.objects.get(booking=thread.application)
    assert (added.title, added.content_type, added.uploaded_by) == ("rider.pdf", "application/pdf", thread.owner)
    assert Message.objects.filter(author=thread.owner, body="Our rider is attached.").exists()
    row = InboundMail.objects.get()
    assert row.state == InboundMail.State.APPLIED and "setup.exe" in row.problem
    body = bounce_to(thread.owner.email)
    assert "setup.exe" in body and "rider.pdf" not in body


def test_a_reply_with_only_an_attachment_adds_the_file(thread, django_capture_on_commit_callbacks):
    from bookings.models import BookingFile

    payload = inbound(sender=thread.owner.email, to=thread.address, text="")
    payload["Attachments"] = [attachment("rider.pdf", PDF, "application/pdf")]
    send(payload, django_capture_on_commit_callbacks)
    assert BookingFile.objects.filter(booking=thread.application, uploaded_by=thread.owner).count() == 1
    assert not Message.objects.filter(author=thread.owner).exists()


def test_an_attachment_over_the_file_limit_is_left_out(thread, settings, django_capture_on_commit_callbacks):
    from bookings.models import BookingFile

    settings.BOOKING_FILE_MAX_BYTES = 50
    payload = inbound(sender=thread.owner.email, to=thread.address, text="Rider attached.")
    payload["Attachments"] = [attachment("rider.pdf", PDF, "application/pdf")]
    send(payload, django_capture_on_commit_callbacks)
    assert not BookingFile.objects.exists()
    assert "at most" in bounce_to(thread.owner.email)


# ---- Mail never answers a forger ------------------------------------------------------------------------

ATTACKER_SUBJECT = "Win a prize at https://evil.example/claim"


def forged(thread, *, sender: str, verified: bool, n: int = 1, headers=()):
    """`n` mails to the thread's reply address from `sender`, refused (the address is not the one the
    notification went to), each with the attacker's subject."""
    for i in range(n):
        payload = inbound(
            sender=sender,
            to=thread.address,
            text="Click it.",
            message_id=f"<forged-{i}@evil.example>",
            verified=verified,
            subject=ATTACKER_SUBJECT,
            headers=headers,
        )
        assert post(payload).status_code == 200


def test_a_forged_sender_is_never_answered(thread, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # No verdict from the service; a pass for the attacker's own envelope domain; and the sender's own
        # "pass" below the service's "fail": none vouches for the From address.
        forged(thread, sender="victim@example.org", verified=False)
        payload = inbound(
            sender="victim2@example.org",
            to=thread.address,
            text="x",
            message_id="<f2@evil.example>",
            verified=False,
            subject=ATTACKER_SUBJECT,
            headers=[spf_pass("bounce@evil.example")],
        )
        assert post(payload).status_code == 200
        payload = inbound(
            sender="victim3@example.org",
            to=thread.address,
            text="x",
            message_id="<f3@evil.example>",
            verified=False,
            subject=ATTACKER_SUBJECT,
            headers=[("Received-SPF", "Fail identity=mailfrom"), spf_pass("victim3@example.org")],
        )
        assert post(payload).status_code == 200
    assert InboundMail.objects.filter(state=InboundMail.State.REFUSED).count() == 3
    assert mail.outbox == []


def test_a_verified_sender_is_answered_a_few_times_a_day_without_the_attackers_words(
    thread, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        forged(thread, sender="someone@example.org", verified=True, n=10)
    assert InboundMail.objects.filter(state=InboundMail.State.REFUSED).count() == 10
    assert 1 <= len(mail.outbox) <= MAIL_INBOUND_ANSWERS_PER_DAY
    for answer in mail.outbox:
        assert answer.to == ["someone@example.org"]
        assert "evil.example" not in answer.subject + answer.body and "prize" not in answer.subject + answer.body


def test_a_suppressed_address_is_never_answered(thread, django_capture_on_commit_callbacks):
    mail_suppression_add(email="Complained@Example.org", reason="complaint")
    with django_capture_on_commit_callbacks(execute=True):
        forged(thread, sender="complained@example.org", verified=True, n=2)
    assert mail.outbox == []


@pytest.mark.parametrize(
    "headers",
    [
        lambda sender: [],  # no verdict from the mail service
        lambda sender: [spf_pass("bounce@evil.example")],  # a pass for the forger's own envelope domain
        lambda sender: [("Received-SPF", "Fail identity=mailfrom"), spf_pass(sender)],  # the forger's own, below
        # The forger's own Authentication-Results, which Postmark never writes (issue 82): alone, and on top.
        lambda sender: [("Authentication-Results", f"mx.example.com; dmarc=pass header.from={sender.split('@')[1]}")],
        lambda sender: [
            ("Authentication-Results", f"mx.example.com; dmarc=pass header.from={sender.split('@')[1]}"),
            ("Authentication-Results", f"mx.example.com; spf=pass smtp.mailfrom={sender}; dkim=pass header.d=x"),
        ],
    ],
    ids=["no-verdict", "forgers-envelope", "forgers-own-header", "forgers-dmarc-pass", "forgers-results-on-top"],
)
def test_a_reply_forged_from_a_members_address_is_kept_refused_never_posted_never_answered(
    thread, django_capture_on_commit_callbacks, headers
):
    """The From address is the member's, the reply address is theirs: only the mail service's verdict tells a
    forger from them. Unverified, nothing reaches the thread, no file is added, and nobody is written to."""
    messages, files = Message.objects.count(), thread.application.files.count()
    payload = inbound(
        sender=thread.owner.email,
        to=thread.address,
        text="Fee doubled, pay to IBAN X.",
        verified=False,
        headers=headers(thread.owner.email),
    )
    payload["Attachments"] = [
        {"Name": "invoice.pdf", "Content": base64.b64encode(b"%PDF-1.4").decode(), "ContentType": "application/pdf"}
    ]
    assert send(payload, django_capture_on_commit_callbacks).status_code == 200
    row = InboundMail.objects.get()
    assert row.sender_verified is False
    assert row.state == InboundMail.State.REFUSED
    assert "could not verify that it came from the address it names" in row.problem
    assert Message.objects.count() == messages and thread.application.files.count() == files
    assert mail.outbox == []
    # Run again (a task retried): still nothing.
    assert mail_reply_apply(inbound_id=row.pk) == ""
    assert Message.objects.count() == messages


def test_the_same_reply_verified_by_the_mail_service_is_posted(thread, django_capture_on_commit_callbacks):
    payload = inbound(sender=thread.owner.email, to=thread.address, text="Six is fine.")
    assert send(payload, django_capture_on_commit_callbacks).status_code == 200
    row = InboundMail.objects.get()
    assert row.sender_verified and row.state == InboundMail.State.APPLIED
    assert Message.objects.filter(booking=thread.application).latest("pk").body == "Six is fine."
