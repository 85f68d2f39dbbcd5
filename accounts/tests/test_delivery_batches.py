"""Notification emails sent in batches (a show told to its followers): the same emails as one at a time,
each person's own name, text and one-click unsubscribe link, once each, suppressed and departed people left
out, and a mail server that fails midway sends nothing twice."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.mail.backends import locmem

from accounts.mail.suppression import mail_suppression_add
from accounts.models import Notification, NotificationPreference
from accounts.services import (
    NOTIFICATION_EMAIL_ATTEMPTS,
    NotificationEmailFailed,
    _notification_email,
    lazy_text,
    notification_emails_send,
    notifications_create,
)
from accounts.tasks import notification_emails_task
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://stageslot.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"


def tell(recipients, **kw):
    from django.utils import timezone
    from django.utils.translation import gettext_lazy

    starts = timezone.now().replace(microsecond=0)
    return notifications_create(
        recipients=recipients,
        kind="fan_show_new",
        text=lazy_text(gettext_lazy("New show: %(names)s at %(place)s, {when}"), names="Kite & <Co>", place="Bar"),
        link="/shows/7/",
        key=kw.pop("key", "fan-show:7"),
        starts_at=starts,
        ends_at=starts,
    )


def html_of(email) -> str:
    return {mimetype: content for content, mimetype in email.alternatives}["text/html"]


def people():
    return [
        UserFactory(display_name="Ann <b>&amp;", language="en", time_zone="Europe/Berlin"),
        UserFactory(display_name="Bo ssmark7text", language="de", time_zone="America/New_York"),
        UserFactory(display_name="Cy", language="en", time_zone="America/New_York"),
        UserFactory(display_name="Dee", language="de", time_zone="Europe/Berlin"),
    ]


def test_a_batch_sends_the_very_emails_one_at_a_time_would(settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The unsubscribe links are signed with the second they were made: one second for both ways of sending.
    monkeypatch.setattr("django.core.signing.time", SimpleNamespace(time=lambda: 1_800_000_000))
    fans = people()
    notes = tell(fans)
    singles = {n.pk: _notification_email(Notification.objects.select_related("recipient").get(pk=n.pk)) for n in notes}
    assert notification_emails_send(notification_ids=[n.pk for n in notes]) == 4
    assert len(mail.outbox) == 4
    by_to = {m.to[0]: m for m in mail.outbox}
    for note in notes:
        sent = by_to[note.recipient.email]
        alone = singles[note.pk]
        assert sent.to == alone.to == [note.recipient.email]
        assert sent.subject == alone.subject
        assert sent.body == alone.body
        assert html_of(sent) == html_of(alone)
        assert sent.extra_headers == alone.extra_headers
        written, alone_written = sent.message(), alone.message()

        # The headers as written (the subject encoded once for the batch), all but the date, and each part.
        def headers(msg):
            return [(k, v) for k, v in msg.items() if k not in ("Date", "Content-Type")]

        def parts(msg):
            return [(p.get_content_type(), p.get_payload()) for p in msg.walk() if not p.is_multipart()]

        assert headers(written) == headers(alone_written) and written["Subject"].startswith("=?utf-8?")
        assert parts(written) == parts(alone_written)
        # Each person's own one-click link, in the header and the footer.
        link = sent.extra_headers["List-Unsubscribe"][1:-1]
        assert link in sent.body and link.replace("&", "&amp;") in html_of(sent)
    assert {n.email_state for n in Notification.objects.all()} == {Notification.Email.SENT}
    # The name is escaped in the HTML and a name that looks like a stand-in stays a name.
    ann = next(m for m in mail.outbox if m.to == [fans[0].email])
    assert "Ann &lt;b&gt;&amp;amp;" in html_of(ann) and "Ann <b>&amp;" in ann.body
    bo = next(m for m in mail.outbox if m.to == [fans[1].email])
    assert "Bo ssmark7text" in bo.body


def test_a_batch_sends_once_and_leaves_out_the_suppressed_and_the_departed():
    fans = people()
    fans[2].is_active = False
    fans[2].save(update_fields=["is_active"])
    mail_suppression_add(email=fans[3].email.upper(), reason="bounce")
    notes = tell(fans)
    ids = [n.pk for n in notes]
    assert notification_emails_task.delay(notification_ids=ids).get() == 2
    assert notification_emails_task.delay(notification_ids=ids).get() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([fans[0].email, fans[1].email])
    states = dict(Notification.objects.values_list("recipient_id", "email_state"))
    assert states[fans[2].pk] == states[fans[3].pk] == Notification.Email.SKIPPED


def test_a_preference_off_writes_no_email_to_send():
    fan, quiet = UserFactory(), UserFactory()
    NotificationPreference.objects.create(user=quiet, kind="fan_show_new", email=NotificationPreference.Email.OFF)
    notes = tell([fan, quiet])
    assert notification_emails_send(notification_ids=[n.pk for n in notes]) == 1
    assert [m.to for m in mail.outbox] == [[fan.email]]


class FailsOnTheThird(locmem.EmailBackend):
    calls = 0

    def send_messages(self, messages):
        FailsOnTheThird.calls += 1
        if FailsOnTheThird.calls == 3:
            raise OSError("connection reset")
        return super().send_messages(messages)


def test_a_server_failing_midway_keeps_what_it_took_and_sends_the_rest_later(settings):
    notes = tell(people())
    ids = [n.pk for n in notes]
    settings.EMAIL_BACKEND = f"{__name__}.FailsOnTheThird"
    FailsOnTheThird.calls = 0
    with pytest.raises(NotificationEmailFailed) as failed:
        notification_emails_send(notification_ids=ids)
    assert len(mail.outbox) == 2
    assert sorted(failed.value.notification_ids) == sorted(ids[2:])
    states = dict(Notification.objects.values_list("pk", "email_state"))
    assert [states[pk] for pk in ids] == [Notification.Email.SENT] * 2 + [Notification.Email.PENDING] * 2
    assert Notification.objects.get(pk=ids[2]).email_attempts == 1 < NOTIFICATION_EMAIL_ATTEMPTS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_emails_send(notification_ids=ids) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in notes)


@pytest.mark.parametrize("door", ["one", "batch"])
def test_a_send_a_stopped_worker_left_counts_as_a_try_by_either_door(door):
    """A notification left SENDING past its claim is taken over as a try by both the one-at-a-time task and a
    batch (one rule, accounts.services._interrupted_send_counted): under the limit it is sent, at it FAILED."""
    from django.utils import timezone

    from accounts.services import notification_email_send

    fans = people()[:2]
    notes = tell(fans)
    long_ago = timezone.now() - dt.timedelta(days=1)
    Notification.objects.filter(pk=notes[0].pk).update(
        email_state=Notification.Email.SENDING, email_claimed_at=long_ago, email_attempts=1
    )
    Notification.objects.filter(pk=notes[1].pk).update(
        email_state=Notification.Email.SENDING,
        email_claimed_at=long_ago,
        email_attempts=NOTIFICATION_EMAIL_ATTEMPTS - 1,
    )
    if door == "batch":
        notification_emails_send(notification_ids=[n.pk for n in notes])
    else:
        for note in notes:
            notification_email_send(notification_id=note.pk)
    sent, failed = (Notification.objects.get(pk=n.pk) for n in notes)
    assert (sent.email_state, sent.email_attempts) == (Notification.Email.SENT, 2)
    assert (failed.email_state, failed.email_attempts) == (Notification.Email.FAILED, NOTIFICATION_EMAIL_ATTEMPTS)
    assert "stopped before the email was marked sent" in failed.email_error
    assert [m.to[0] for m in mail.outbox] == [fans[0].email]
