"""The notification outbox: rows written with the change, one per person per event, one email each."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from accounts.services import NotificationEmailFailed, notification_email_send, notifications_create
from accounts.tasks import notification_email_task, notification_emails_requeue_task
from accounts.tests.factories import UserFactory, is_stamp_bump

pytestmark = pytest.mark.django_db


def notify(recipients, key="booking:abc:booked:1", actor=None, **kw):
    return notifications_create(
        recipients=recipients,
        kind=kw.pop("kind", "booking_booked"),
        text=kw.pop("text", "Booked: The Lanterns will headline at Kellerbar."),
        link=kw.pop("link", "/bookings/abc/"),
        key=key,
        actor=actor,
    )


def test_everyone_but_the_actor_is_told_once(django_capture_on_commit_callbacks):
    actor, ann, bob = UserFactory(), UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = notify([ann, bob, actor, ann, None], actor=actor)
    assert sorted(n.recipient_id for n in created) == sorted([ann.pk, bob.pk])
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {ann.pk, bob.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([ann.email, bob.email])
    assert Notification.objects.filter(email_state=Notification.Email.SENT).count() == 2


def test_the_same_event_twice_is_one_row_and_one_email_per_person(django_capture_on_commit_callbacks):
    ann, bob = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify([ann])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = notify([ann, bob])
    assert [n.recipient_id for n in again] == [bob.pk]  # only the row that is new
    assert Notification.objects.filter(recipient=ann).count() == 1
    assert Notification.objects.count() == 2
    assert len([c for c in callbacks if not is_stamp_bump(c)]) == 1  # one hand-off of the new row
    assert sorted(m.to[0] for m in mail.outbox) == sorted([ann.email, bob.email])
    # A different event (the next sequence) is news again.
    notify([ann], key="booking:abc:booked:2")
    assert Notification.objects.filter(recipient=ann).count() == 2


def test_nobody_to_tell_queues_nothing(django_capture_on_commit_callbacks):
    actor = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        assert notify([actor], actor=actor) == []
        assert notify([]) == []
    assert callbacks == []
    assert not Notification.objects.exists()


def test_a_long_key_still_tells_each_person(django_capture_on_commit_callbacks):
    people = [UserFactory() for _ in range(3)]
    key = "event:" + "x" * 400
    notify(people, key=key)
    notify(people, key=key)
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) == 3
    assert all(len(k) <= 200 for k in keys)
    notify(people[:1], key=key + "y")  # another long key with the same first 200 characters
    assert Notification.objects.count() == 4


def test_long_text_and_link_are_cut_to_fit():
    ann = UserFactory()
    notify([ann], text="t" * 900, link="/bookings/" + "l" * 400)
    note = Notification.objects.get()
    assert (len(note.text), len(note.link)) == (500, 300)


def test_a_rolled_back_change_leaves_no_notification_and_sends_nothing(django_capture_on_commit_callbacks):
    ann = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify([ann])
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_email_is_sent_once_however_often_the_task_runs():
    ann = UserFactory(display_name="Ann")
    note = notify([ann])[0]
    assert notification_email_send(notification_id=note.pk) is True
    assert notification_email_send(notification_id=note.pk) is False
    assert notification_email_task.delay(notification_id=note.pk).get() is False
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [ann.email]
    assert email.subject == "StageSlot: Booked: The Lanterns will headline at Kellerbar."
    assert "Hello Ann," in email.body
    html = {mimetype: content for content, mimetype in email.alternatives}["text/html"]
    assert "/bookings/abc/" in html
    note.refresh_from_db()
    assert note.email_state == Notification.Email.SENT and note.email_sent_at is not None


def test_the_emailed_link_is_absolute(settings):
    settings.SITE_URL = "https://stageslot.example/"
    note = notify([UserFactory()])[0]
    notification_email_send(notification_id=note.pk)
    assert "https://stageslot.example/bookings/abc/" in mail.outbox[0].body


def test_a_failed_send_is_tried_again_later_and_then_sent_once():
    note = notify([UserFactory()])[0]
    with (
        mock.patch.object(locmem.EmailBackend, "send_messages", side_effect=ConnectionRefusedError("smtp down")),
        pytest.raises(NotificationEmailFailed),
    ):
        notification_email_send(notification_id=note.pk)
    note.refresh_from_db()
    assert note.email_state == Notification.Email.PENDING
    assert (note.email_attempts, note.email_error) == (1, "ConnectionRefusedError: smtp down")
    assert mail.outbox == []
    assert notification_email_send(notification_id=note.pk) is True
    assert len(mail.outbox) == 1


def test_no_email_for_a_deactivated_account():
    gone = UserFactory(is_active=False)
    note = notify([gone])[0]
    assert notification_email_send(notification_id=note.pk) is False
    note.refresh_from_db()
    assert note.email_state == Notification.Email.SKIPPED
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=gone).exists()  # still shown in the app


def test_unsent_emails_are_queued_again_after_a_while():
    stuck, fresh = notify([UserFactory()], key="a")[0], notify([UserFactory()], key="b")[0]
    done = notify([UserFactory()], key="c")[0]
    notification_email_send(notification_id=done.pk)
    Notification.objects.filter(pk__in=[stuck.pk, done.pk]).update(created_at=timezone.now() - timedelta(hours=1))
    mail.outbox.clear()
    assert notification_emails_requeue_task.delay().get() == 1
    assert [m.to[0] for m in mail.outbox] == [stuck.recipient.email]
    assert Notification.objects.get(pk=fresh.pk).email_state == Notification.Email.PENDING
    assert notification_emails_requeue_task.delay().get() == 0


@pytest.mark.postgres
def test_sending_locks_the_notification_only_not_its_recipient():
    # A lock on the user row would hold up every write that refers to them while the mail server
    # answers, and SKIP LOCKED would skip the email whenever the user row was busy.
    note = notify([UserFactory()])[0]
    with CaptureQueriesContext(connection) as ctx:
        notification_email_send(notification_id=note.pk)
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1
    assert 'FOR UPDATE OF "accounts_notification" SKIP LOCKED' in locks[0]
