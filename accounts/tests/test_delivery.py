"""Notification email delivery: the outbox, retries until a give-up, the re-queue, the daily digest,
what the emails say, and the admin screen where failures are found and sent again."""

import logging
import time
import zoneinfo
from datetime import datetime, timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationPreference
from accounts.services import (
    NOTIFICATION_EMAIL_ATTEMPTS,
    NotificationEmailFailed,
    notification_digest_send,
    notification_email_retry_in,
    notification_email_send,
    notification_emails_requeue,
    notifications_create,
)
from accounts.tasks import notification_digests_task, notification_email_task
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.services import answering, asking
from bookings.services.email_actions import email_action_read
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from core.fields.timezones import when_text
from stageslot.tests.worker import broker_down
from venues.models import VenueStaff
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db

SITE = "https://stageslot.example"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"


@pytest.fixture
def smtp(settings):
    """Switches the mail server off (`smtp.down()`: nobody listens on port 1) and on again."""

    class Smtp:
        def down(self) -> None:
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
            settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

        def up(self) -> None:
            settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    return Smtp()


def notify(recipients, key="booking:abc:booked:1", **kw):
    return notifications_create(
        recipients=recipients,
        kind=kw.pop("kind", "booking_booked"),
        text=kw.pop("text", "Booked: The Lanterns will headline at Kellerbar."),
        link=kw.pop("link", "/bookings/abc/"),
        key=key,
        **kw,
    )


def html_of(email) -> str:
    return {mimetype: content for content, mimetype in email.alternatives}["text/html"]


def gig():
    """A pending application of a band (leader + a member in New York) to a venue (owner + a booker)."""
    venue, owner = venue_with_owner(name="Kellerbar", time_zone="Europe/Berlin")
    booker = UserFactory(time_zone="Europe/Berlin")
    VenueStaffFactory(venue=venue, user=booker, role=VenueStaff.Role.BOOKER)
    band, leader = band_with_leader(name="The Lanterns", slug="the-lanterns")
    drummer = UserFactory(time_zone="America/New_York")
    MembershipFactory(band=band, user=drummer, role=Membership.Role.MEMBER)
    booking = BookingFactory(band=band, slot=SlotFactory(venue=venue))
    return booking, owner, booker, leader, drummer


# ---- The outbox ----------------------------------------------------------------------------------


def test_the_rows_are_written_with_the_change_and_the_emails_leave_only_after_it_commits(
    django_capture_on_commit_callbacks,
):
    booking, owner, booker, leader, drummer = gig()
    with django_capture_on_commit_callbacks() as callbacks:
        answering.booking_accept(booking=booking, by=owner)
        # In the transaction of the accept: the rows are there, nothing is sent yet.
        assert set(Notification.objects.values_list("recipient_id", flat=True)) == {booker.pk, leader.pk, drummer.pk}
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([booker.email, leader.email, drummer.email])
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Notification.Email.SENT}


def test_a_change_that_rolls_back_leaves_no_row_and_sends_nothing(django_capture_on_commit_callbacks):
    booking, owner, *_ = gig()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        answering.booking_accept(booking=booking, by=owner)
        raise RuntimeError("the request failed after the accept")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_sending_twice_sends_one_email():
    note = notify([UserFactory()])[0]
    assert notification_email_task.delay(notification_id=note.pk).get() is True
    assert notification_email_task.delay(notification_id=note.pk).get() is False
    assert notification_email_send(notification_id=note.pk) is False
    assert len(mail.outbox) == 1


# ---- Sending at least once, twice only after a crash, with one Message-ID -------------------------


class DiesAfterTheServerStoredIt(locmem.EmailBackend):
    """A mail server that stores the message, and a worker killed before it hears so."""

    def send_messages(self, messages) -> int:
        super().send_messages(messages)
        raise SystemExit("the worker was killed")


def message_id(email) -> str:
    return email.message()["Message-ID"]


def test_each_notification_email_has_its_own_message_id_on_the_sites_domain():
    ann, bob = UserFactory(), UserFactory()
    first, second = notify([ann], key="a")[0], notify([bob], key="b")[0]
    for note in (first, second):
        notification_email_send(notification_id=note.pk)
    assert [message_id(m) for m in mail.outbox] == [
        f"<notification-{first.pk}@stageslot.example>",
        f"<notification-{second.pk}@stageslot.example>",
    ]


def test_a_worker_killed_after_the_server_took_the_email_sends_it_again_only_after_its_claim(settings):
    note = notify([UserFactory()])[0]
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=1))  # due for the re-queue
    settings.EMAIL_BACKEND = "accounts.tests.test_delivery.DiesAfterTheServerStoredIt"
    with pytest.raises(SystemExit):
        notification_email_send(notification_id=note.pk)
    note.refresh_from_db()
    assert note.email_state == Notification.Email.SENDING
    assert len(mail.outbox) == 1

    # Within the claim the worker may still be sending: neither the re-queue, nor the task delivered
    # again by the broker, nor another run sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_emails_requeue() == 0
    assert notification_email_task.delay(notification_id=note.pk).get() is False
    assert notification_email_send(notification_id=note.pk) is False
    assert len(mail.outbox) == 1

    # The claim runs out: that worker is gone, and the email goes once more, under the same Message-ID.
    Notification.objects.update(
        email_claimed_at=timezone.now() - timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM + 1)
    )
    assert notification_emails_requeue() == 1
    assert len(mail.outbox) == 2
    assert message_id(mail.outbox[0]) == message_id(mail.outbox[1]) == f"<notification-{note.pk}@stageslot.example>"
    note.refresh_from_db()
    assert (note.email_state, note.email_attempts) == (Notification.Email.SENT, 1)
    assert "stopped before the email was marked sent" in note.email_error
    assert notification_emails_requeue() == 0


class LooksAroundWhileItSends(locmem.EmailBackend):
    """A mail server during whose answer the test looks at the row and tries the re-queue and a second run."""

    seen: list[dict] = []

    def send_messages(self, messages) -> int:
        note = Notification.objects.get()
        self.seen.append(
            {
                "state": note.email_state,
                "in_transaction": connection.in_atomic_block,
                "requeued": notification_emails_requeue(),
                "sent_by_another_run": notification_email_send(notification_id=note.pk),
            }
        )
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_while_the_mail_server_answers_the_row_says_sending_and_nothing_else_takes_it(settings):
    with broker_down():  # written, not sent yet
        note = notify([UserFactory()])[0]
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=1))  # due for the re-queue
    settings.EMAIL_BACKEND = "accounts.tests.test_delivery.LooksAroundWhileItSends"
    LooksAroundWhileItSends.seen = []
    assert notification_email_send(notification_id=note.pk) is True
    # No transaction (so no lock) is held while the server answers.
    assert LooksAroundWhileItSends.seen == [
        {"state": Notification.Email.SENDING, "in_transaction": False, "requeued": 0, "sent_by_another_run": False}
    ]
    assert len(mail.outbox) == 1
    assert Notification.objects.get().email_state == Notification.Email.SENT


def test_an_email_whose_sending_stops_every_time_ends_failed(caplog):
    note = notify([UserFactory()])[0]
    long_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.update(
        email_state=Notification.Email.SENDING,
        email_claimed_at=long_ago,
        email_attempts=NOTIFICATION_EMAIL_ATTEMPTS - 1,
        created_at=long_ago,
    )
    with caplog.at_level(logging.WARNING, logger="accounts.services"):
        assert notification_email_send(notification_id=note.pk) is False
    note.refresh_from_db()
    assert (note.email_state, note.email_attempts) == (Notification.Email.FAILED, NOTIFICATION_EMAIL_ATTEMPTS)
    assert "its sending stopped" in caplog.text
    assert mail.outbox == []
    assert notification_emails_requeue() == 0


def test_a_digest_sent_again_after_a_crash_has_the_same_message_id(settings):
    ann = digest_reader(time_zone="Europe/Berlin")
    message_note(ann, 1)
    message_note(ann, 2)
    eight = next_local(BERLIN, 8)
    settings.EMAIL_BACKEND = "accounts.tests.test_delivery.DiesAfterTheServerStoredIt"
    with pytest.raises(SystemExit):
        notification_digest_send(user_id=ann.pk, now=eight)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_digest_send(user_id=ann.pk, now=eight) == 2
    assert len(mail.outbox) == 2
    assert message_id(mail.outbox[0]) == message_id(mail.outbox[1])
    assert message_id(mail.outbox[0]).startswith(f"<digest-{ann.pk}-")
    # Another set of notifications is another email.
    message_note(ann, 3)
    notification_digest_send(user_id=ann.pk, now=eight)
    assert message_id(mail.outbox[2]) != message_id(mail.outbox[0])


# ---- Failures and retries ------------------------------------------------------------------------


def test_a_failed_try_is_counted_on_the_row_and_the_row_stays_pending(smtp):
    note = notify([UserFactory()])[0]
    smtp.down()
    with pytest.raises(NotificationEmailFailed) as failed:
        notification_email_send(notification_id=note.pk)
    assert (failed.value.attempts, failed.value.given_up) == (1, False)
    note.refresh_from_db()
    assert note.email_state == Notification.Email.PENDING
    assert note.email_attempts == 1
    assert note.email_tried_at is not None
    assert note.email_error.startswith("ConnectionRefusedError")
    assert mail.outbox == []
    smtp.up()
    assert notification_email_send(notification_id=note.pk) is True
    assert len(mail.outbox) == 1


def test_the_task_retries_after_a_growing_wait_with_jitter(smtp):
    note = notify([UserFactory()])[0]
    smtp.down()
    with (
        mock.patch.object(notification_email_task, "retry", side_effect=Retry("later")) as retry,
        pytest.raises(Retry),
    ):
        notification_email_task(notification_id=note.pk)
    assert 30 <= retry.call_args.kwargs["countdown"] <= 36
    assert isinstance(retry.call_args.kwargs["exc"], NotificationEmailFailed)
    # 30 s, 1 min, 2 min … doubling, each up to a fifth longer; never more than an hour and a fifth.
    for attempts, wait in [(1, 30), (2, 60), (3, 120), (5, 480), (7, 1920), (12, 3600)]:
        assert all(wait <= notification_email_retry_in(attempts) <= wait * 1.2 for _ in range(20))
    assert len({notification_email_retry_in(3) for _ in range(20)}) > 1


def fail_until_given_up(note: Notification) -> None:
    for attempt in range(1, NOTIFICATION_EMAIL_ATTEMPTS + 1):
        with pytest.raises(NotificationEmailFailed) as failed:
            notification_email_send(notification_id=note.pk)
        assert (failed.value.attempts, failed.value.given_up) == (attempt, attempt == NOTIFICATION_EMAIL_ATTEMPTS)


def test_run_inline_a_failure_neither_waits_nor_fails_the_change(smtp, django_capture_on_commit_callbacks):
    smtp.down()
    with django_capture_on_commit_callbacks(execute=True):
        note = notify([UserFactory()])[0]
    note.refresh_from_db()
    assert (note.email_state, note.email_attempts) == (Notification.Email.PENDING, 1)


def test_after_the_last_try_the_email_is_failed_and_left_alone(smtp, caplog):
    note = notify([UserFactory()])[0]
    smtp.down()
    with caplog.at_level(logging.WARNING, logger="accounts.services"):
        fail_until_given_up(note)
    note.refresh_from_db()
    assert note.email_state == Notification.Email.FAILED
    assert note.email_attempts == NOTIFICATION_EMAIL_ATTEMPTS
    assert "Gave up emailing notification" in caplog.text
    smtp.up()
    assert notification_email_send(notification_id=note.pk) is False
    Notification.objects.update(created_at=timezone.now() - timedelta(days=1))
    assert notification_emails_requeue() == 0
    assert mail.outbox == []


# ---- The periodic re-queue -----------------------------------------------------------------------


def test_the_requeue_sends_old_pending_emails_only_and_respects_their_backoff(settings):
    settings.NOTIFICATION_REQUEUE_AFTER = 60
    now = timezone.now()
    people = [UserFactory() for _ in range(7)]
    notes = [notify([person], key=f"event-{i}")[0] for i, person in enumerate(people)]
    old, fresh, sent, failed, waiting, retry_due, digest = notes
    Notification.objects.exclude(pk=fresh.pk).update(created_at=now - timedelta(minutes=5))
    Notification.objects.filter(pk=fresh.pk).update(created_at=now - timedelta(seconds=20))
    Notification.objects.filter(pk=sent.pk).update(email_state=Notification.Email.SENT)
    Notification.objects.filter(pk=failed.pk).update(email_state=Notification.Email.FAILED, email_attempts=8)
    # Two tries so far: the next waits a minute (up to 72 s with jitter).
    Notification.objects.filter(pk=waiting.pk).update(email_attempts=2, email_tried_at=now - timedelta(seconds=40))
    Notification.objects.filter(pk=retry_due.pk).update(email_attempts=2, email_tried_at=now - timedelta(seconds=90))
    Notification.objects.filter(pk=digest.pk).update(email_state=Notification.Email.DIGEST)
    assert notification_emails_requeue(now=now) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([old.recipient.email, retry_due.recipient.email])
    assert notification_emails_requeue(now=now) == 0


def test_the_requeue_takes_the_oldest_first_within_its_limit():
    first, second = notify([UserFactory()], key="a")[0], notify([UserFactory()], key="b")[0]
    Notification.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(hours=2))
    Notification.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert notification_emails_requeue(limit=1) == 1
    assert [m.to[0] for m in mail.outbox] == [second.recipient.email]


def test_a_broker_still_down_stops_the_requeue_quickly_and_keeps_the_rows(caplog):
    for key in ("a", "b", "c"):
        notify([UserFactory()], key=key)
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=1))
    with broker_down(), caplog.at_level(logging.WARNING, logger="accounts.services"):
        started = time.monotonic()
        assert notification_emails_requeue() == 0
        took = time.monotonic() - started
    assert took < 3, f"the re-queue hung on the dead broker for {took:.1f} s"
    assert "Broker unreachable; 3 notification email(s) wait" in caplog.text
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Notification.Email.PENDING}
    # The broker is back: the next run sends them.
    assert notification_emails_requeue() == 3
    assert len(mail.outbox) == 3


# ---- The daily digest ----------------------------------------------------------------------------


def next_local(zone: zoneinfo.ZoneInfo, hour: int, minute: int = 5) -> datetime:
    """The next moment the clock in `zone` reads hour:minute."""
    now = timezone.now().astimezone(zone)
    moment = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return moment if moment > now else moment + timedelta(days=1)


def digest_reader(**kw):
    user = UserFactory(**kw)
    NotificationPreference.objects.create(user=user, kind="message", email=NotificationPreference.Email.DIGEST)
    return user


def message_note(recipient, n: int, text: str = ""):
    return notify(
        [recipient], key=f"message:{recipient.pk}:{n}", kind="message", text=text or f"New message {n}", link="/b/x/"
    )[0]


def test_the_digest_is_one_email_with_everything_waiting_and_goes_once():
    ann, bob = digest_reader(time_zone="Europe/Berlin"), digest_reader(time_zone="Europe/Berlin")
    for n in range(3):
        message_note(ann, n)
    message_note(bob, 9)
    instant = notify([ann], key="booked")[0]  # not a digest kind: its own email, at once
    assert set(Notification.objects.filter(kind="message").values_list("email_state", flat=True)) == {
        Notification.Email.DIGEST
    }
    eight = next_local(BERLIN, 8)
    assert notification_digest_send(user_id=ann.pk, now=eight) == 3
    assert notification_digest_send(user_id=ann.pk, now=eight) == 0
    assert notification_digest_send(user_id=ann.pk, now=eight + timedelta(minutes=30)) == 0
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [ann.email]
    assert email.subject == "StageSlot: your daily digest, 3 notifications"
    for n in range(3):
        assert f"New message {n}" in email.body
        assert f"New message {n}" in html_of(email)
    assert "New message 9" not in email.body
    assert Notification.objects.filter(recipient=ann, kind="message", email_state=Notification.Email.SENT).count() == 3
    assert Notification.objects.get(pk=instant.pk).email_state == Notification.Email.PENDING
    assert Notification.objects.get(recipient=bob).email_state == Notification.Email.DIGEST


def test_the_digest_waits_for_eight_in_the_readers_zone_unless_it_waited_26_hours():
    ann = digest_reader(time_zone="America/New_York")
    message_note(ann, 1)
    assert notification_digest_send(user_id=ann.pk, now=next_local(NEW_YORK, 7, 59)) == 0
    # 08:05 in Berlin is the middle of the night in New York.
    assert notification_digest_send(user_id=ann.pk, now=next_local(BERLIN, 8)) == 0
    assert mail.outbox == []
    seven = next_local(NEW_YORK, 7)
    Notification.objects.update(created_at=seven - timedelta(hours=27))
    assert notification_digest_send(user_id=ann.pk, now=seven) == 1
    assert len(mail.outbox) == 1


def test_the_hourly_task_sends_each_due_digest_once():
    now = timezone.now()
    ann, bob = digest_reader(time_zone="Europe/Berlin"), digest_reader(time_zone="America/New_York")
    zone = next(z for z in ("UTC", "Asia/Tokyo") if now.astimezone(zoneinfo.ZoneInfo(z)).hour != 8)
    carl = digest_reader(time_zone=zone)
    for person in (ann, bob):
        message_note(person, 1)
        message_note(person, 2)
    Notification.objects.update(created_at=now - timedelta(hours=27))
    message_note(carl, 1)  # fresh, and it is not 08:xx where Carl lives
    assert notification_digests_task.delay().get() == 2
    assert notification_digests_task.delay().get() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([ann.email, bob.email])
    assert Notification.objects.get(recipient=carl).email_state == Notification.Email.DIGEST


def test_a_failed_digest_sends_nothing_and_goes_out_once_later(smtp):
    ann = digest_reader(time_zone="Europe/Berlin")
    message_note(ann, 1)
    message_note(ann, 2)
    eight = next_local(BERLIN, 8)
    smtp.down()
    with pytest.raises(NotificationEmailFailed):
        notification_digest_send(user_id=ann.pk, now=eight)
    assert set(Notification.objects.values_list("email_state", "email_attempts")) == {(Notification.Email.DIGEST, 1)}
    smtp.up()
    assert notification_digest_send(user_id=ann.pk, now=eight) == 2
    assert notification_digest_send(user_id=ann.pk, now=eight) == 0
    assert len(mail.outbox) == 1


def test_no_digest_for_a_deactivated_account():
    gone = digest_reader(time_zone="Europe/Berlin")
    message_note(gone, 1)
    gone.is_active = False
    gone.save()
    assert notification_digest_send(user_id=gone.pk, now=next_local(BERLIN, 8)) == 0
    assert Notification.objects.get().email_state == Notification.Email.SKIPPED
    assert mail.outbox == []


@pytest.mark.postgres
def test_the_digest_locks_only_the_readers_waiting_rows_and_skips_locked_ones():
    ann = digest_reader(time_zone="Europe/Berlin")
    message_note(ann, 1)
    with CaptureQueriesContext(connection) as ctx:
        notification_digest_send(user_id=ann.pk, now=next_local(BERLIN, 8))
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1
    assert 'FOR UPDATE OF "accounts_notification" SKIP LOCKED' in locks[0]


# ---- What the emails say -------------------------------------------------------------------------


def test_the_email_has_text_and_html_with_absolute_links_and_why_it_came():
    ann = UserFactory(display_name="Ann")
    notify([ann], link="/bookings/abc/")
    notification_email_send(notification_id=Notification.objects.get().pk)
    email = mail.outbox[0]
    html = html_of(email)
    assert email.subject == "StageSlot: Booked: The Lanterns will headline at Kellerbar."
    for part in (email.body, html):
        assert "Hello Ann," in part
        assert "Booked: The Lanterns will headline at Kellerbar." in part
        assert f"{SITE}/bookings/abc/" in part
        assert "Why you get this" in part
        assert "A booking is accepted" in part
        assert f"{SITE}{reverse('notifications:settings')}" in part
    assert f'href="{SITE}/bookings/abc/"' in html
    assert "Accept" not in email.body


def test_each_recipient_reads_the_time_in_their_own_zone(django_capture_on_commit_callbacks):
    berlin, new_york = UserFactory(time_zone="Europe/Berlin"), UserFactory(time_zone="America/New_York")
    starts = in_days(10, hour=19)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            [berlin, new_york],
            text="Booked: The Lanterns on {when}.",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
        )
    by_person = {m.to[0]: m for m in mail.outbox}
    for person, zone in ((berlin, BERLIN), (new_york, NEW_YORK)):
        when = when_text(starts, starts + timedelta(hours=3), zone)
        assert f"Booked: The Lanterns on {when}." in by_person[person.email].body
        assert when in by_person[person.email].subject


def test_the_answering_side_gets_accept_and_decline_buttons_that_open_the_confirmation_page(
    django_capture_on_commit_callbacks,
):
    venue, owner = venue_with_owner(name="Kellerbar")
    band, leader = band_with_leader(name="The Lanterns", slug="the-lanterns")
    with django_capture_on_commit_callbacks(execute=True):
        asking.booking_apply(slot=SlotFactory(venue=venue), band=band, by=leader, role="headliner")
    [email] = mail.outbox
    assert email.to == [owner.email]
    html = html_of(email)
    for label, action in (("Accept", "accept"), ("Decline", "decline")):
        line = next(line for line in email.body.splitlines() if line.startswith(f"{label}: "))
        url = line.removeprefix(f"{label}: ")
        assert url.startswith(f"{SITE}/bookings/act/")
        assert f'href="{url}"' in html
        assert f">{label}</a>" in html
        token = url.removeprefix(f"{SITE}/bookings/act/").rstrip("/")
        signed = email_action_read(token)
        assert (signed.action, signed.user_id) == (action, owner.pk)
    for part in (email.body, html):
        assert "confirmation page" in part
        assert "expire in 7 days" in part


def test_names_people_typed_are_escaped_in_the_html_and_plain_in_the_text(django_capture_on_commit_callbacks):
    venue, owner = venue_with_owner(name="Kellerbar")
    owner.display_name = "<b>Owner</b>"
    owner.save()
    band, leader = band_with_leader(name='<script>alert("x")</script> & Co', slug="script-band")
    with django_capture_on_commit_callbacks(execute=True):
        asking.booking_apply(slot=SlotFactory(venue=venue), band=band, by=leader, role="headliner")
    [email] = mail.outbox
    html = html_of(email)
    assert "<script>" not in html and "<b>Owner" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co applied to" in html
    assert "Hello &lt;b&gt;Owner&lt;/b&gt;," in html
    assert '<script>alert("x")</script> & Co applied to' in email.body
    assert email.subject.startswith('StageSlot: <script>alert("x")</script> & Co applied to')


def test_a_text_with_line_breaks_makes_a_one_line_subject():
    notify([UserFactory()], text="Cancelled: The Lanterns. Reason: the van\nbroke down")
    notification_email_send(notification_id=Notification.objects.get().pk)
    assert mail.outbox[0].subject == "StageSlot: Cancelled: The Lanterns. Reason: the van broke down"


def test_the_digest_lists_each_notification_with_its_link_and_escapes_them():
    ann = digest_reader(time_zone="Europe/Berlin", display_name="Ann")
    message_note(ann, 1, text="New message from <i>The Lanterns</i>")
    message_note(ann, 2, text="New message from Kellerbar")
    notification_digest_send(user_id=ann.pk, now=next_local(BERLIN, 8))
    email = mail.outbox[0]
    html = html_of(email)
    assert "New message from <i>The Lanterns</i>" in email.body
    assert "New message from &lt;i&gt;The Lanterns&lt;/i&gt;" in html and "<i>" not in html
    assert email.body.count(f"{SITE}/b/x/") == 2
    assert html.count(f'href="{SITE}/b/x/"') == 2
    for part in (email.body, html):
        assert "Hello Ann," in part
        assert "Why you get this" in part
        assert f"{SITE}{reverse('notifications:settings')}" in part


# ---- The admin -----------------------------------------------------------------------------------


def changelist() -> str:
    return reverse("admin:accounts_notification_changelist")


@pytest.fixture
def failed_and_others(smtp):
    """Two failed emails, one pending, one sent."""
    smtp.down()
    failed = [notify([UserFactory()], key=f"f{i}", text=f"Failed one {i}")[0] for i in range(2)]
    for note in failed:
        fail_until_given_up(note)
    smtp.up()
    pending = notify([UserFactory()], key="p", text="Still waiting")[0]
    sent = notify([UserFactory()], key="s", text="Went out fine")[0]
    notification_email_send(notification_id=sent.pk)
    mail.outbox.clear()
    return failed, pending, sent


def test_staff_find_the_failed_emails(client, failed_and_others, django_assert_max_num_queries):
    failed, *_ = failed_and_others
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for i in range(30):
        notify([UserFactory()], key=f"more{i}")
    with django_assert_max_num_queries(8):
        page = client.get(changelist())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Failed emails: 2." in html
    assert f'href="{changelist()}?email_state__exact=failed"' in html
    page = client.get(changelist(), {"email_state__exact": "failed"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Failed one 0" in html and "Failed one 1" in html
    assert "Still waiting" not in html and "Went out fine" not in html
    assert "ConnectionRefusedError" in html
    search = client.get(changelist(), {"q": failed[0].recipient.email})
    assert "Failed one 0" in search.content.decode() and "Failed one 1" not in search.content.decode()


def test_send_again_resets_failed_and_pending_rows_and_sends_them(
    client, failed_and_others, django_capture_on_commit_callbacks
):
    failed, pending, sent = failed_and_others
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    chosen = [n.pk for n in (*failed, pending, sent)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist(), {"action": "send_again", "_selected_action": chosen}, follow=True)
    html = response.content.decode()
    assert "Queued 3 emails to be sent again." in html
    assert "1 left as they are" in html
    assert sorted(m.to[0] for m in mail.outbox) == sorted(n.recipient.email for n in (*failed, pending))
    for note in failed:
        note.refresh_from_db()
        assert (note.email_state, note.email_attempts, note.email_error) == (Notification.Email.SENT, 0, "")
    assert "Failed emails" not in client.get(changelist()).content.decode()


def test_notifications_are_read_only_in_the_admin(client, failed_and_others):
    failed, *_ = failed_and_others
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)
    page = client.get(changelist())
    assert page.status_code == 200
    assert "send_again" not in page.content.decode()  # sending again needs the change permission
    response = client.post(changelist(), {"action": "send_again", "_selected_action": [failed[0].pk]})
    failed[0].refresh_from_db()
    assert failed[0].email_state == Notification.Email.FAILED
    assert response.status_code in (200, 302)
    assert client.get(reverse("admin:accounts_notification_add")).status_code == 403
    change = client.get(reverse("admin:accounts_notification_change", args=[failed[0].pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:accounts_notification_add")).status_code == 403
    assert (
        'name="_save"'
        not in client.get(reverse("admin:accounts_notification_change", args=[failed[0].pk])).content.decode()
    )


def test_the_user_page_shows_their_notification_preferences(client):
    reader = digest_reader()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:accounts_user_change", args=[reader.pk]))
    assert page.status_code == 200
    assert "Notification preferences" in page.content.decode()
    assert "In the daily digest" in page.content.decode()
