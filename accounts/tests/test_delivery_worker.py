"""Notification emails through Redis and a real worker process on the test's database: one email per
person per change, however often the task runs, none for a change that rolled back, and none lost
while the broker is down."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse

from accounts.models import Notification
from accounts.services import notification_email_send, notifications_create
from accounts.tasks import notification_email_task
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.services import answering
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, venue_with_owner
from stageslot.tests import worker as shared
from stageslot.tests.worker import broker_down, recipients_of, wait_until
from venues.models import VenueStaff
from venues.tests.factories import VenueStaffFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

celery_worker_start = shared.celery_worker_start

# Long enough for a second email to be written if one were on its way.
SETTLE = 2.0


def gig():
    """A pending application: the band (leader + a member) and the venue (owner + a booker)."""
    venue, owner = venue_with_owner(name="Kellerbar")
    booker = UserFactory()
    VenueStaffFactory(venue=venue, user=booker, role=VenueStaff.Role.BOOKER)
    band, leader = band_with_leader(name="The Lanterns", slug="the-lanterns")
    drummer = UserFactory()
    MembershipFactory(band=band, user=drummer, role=Membership.Role.MEMBER)
    booking = BookingFactory(band=band, slot=SlotFactory(venue=venue))
    return booking, owner, sorted([booker.email, leader.email, drummer.email])


def test_an_accepted_booking_emails_each_person_once(celery_worker_start):
    booking, owner, told = gig()
    worker = celery_worker_start()
    answering.booking_accept(booking=booking, by=owner)
    files = worker.wait_for_emails(count=len(told))
    assert recipients_of(files) == told, worker.log()
    time.sleep(SETTLE)
    assert recipients_of(worker.emails()) == told
    assert mail.outbox == []  # the web process sent nothing itself
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Notification.Email.SENT}


def test_the_same_email_sent_by_several_runs_at_once_goes_out_once(celery_worker_start):
    ann = UserFactory()
    with broker_down():
        # Written while no broker takes its email, so that no run starts before the race.
        note = notifications_create(recipients=[ann], kind="booking_booked", text="Booked.", key="race")[0]
    worker = celery_worker_start(concurrency=2)
    worker.wait_ready()
    start = threading.Barrier(3)
    results: list[bool] = []

    def send_here() -> None:
        try:
            start.wait(timeout=10)
            results.append(notification_email_send(notification_id=note.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=send_here) for _ in range(2)]
    for thread in threads:
        thread.start()
    notification_email_task.delay(notification_id=note.pk)
    notification_email_task.delay(notification_id=note.pk)
    start.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=30)
    # Sent by a worker process (a file) or by a thread here (the test's outbox).
    assert wait_until(lambda: worker.emails() or mail.outbox), worker.log()
    time.sleep(SETTLE)
    assert len(worker.emails()) + len(mail.outbox) == 1, (results, worker.log())
    assert len(mail.outbox) == results.count(True)
    assert recipients_of(worker.emails()) + [m.to[0] for m in mail.outbox] == [ann.email]
    assert Notification.objects.get().email_state == Notification.Email.SENT


def test_a_change_that_rolls_back_sends_nothing(celery_worker_start):
    ann, bob = UserFactory(), UserFactory()
    worker = celery_worker_start()
    worker.wait_ready()
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications_create(recipients=[ann], kind="booking_booked", text="Booked.", key="rolled-back")
        raise RuntimeError("the change failed")
    time.sleep(3)
    assert worker.emails() == []
    assert not Notification.objects.exists()
    # The same worker does send what commits: the silence above is the rollback's.
    with transaction.atomic():
        notifications_create(recipients=[bob], kind="booking_booked", text="Booked.", key="committed")
    assert recipients_of(worker.wait_for_emails(count=1)) == [bob.email], worker.log()


def test_a_broker_outage_delays_the_emails_but_loses_none(client, celery_worker_start, capsys):
    booking, owner, told = gig()
    client.force_login(owner)
    with broker_down():
        started = time.monotonic()
        response = client.post(reverse("bookings:accept", args=[booking.uid]))
        accept_took = time.monotonic() - started
    assert response.status_code == 302
    assert accept_took < 2, f"the accept waited {accept_took:.2f} s on the dead broker"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert list(Notification.objects.values_list("email_state", flat=True)) == [Notification.Email.PENDING] * 3

    # The broker is back: the worker's beat re-queues what waited (after 2 s, looking every second).
    back = time.monotonic()
    worker = celery_worker_start(
        beat=True, env={"STAGESLOT_NOTIFICATION_REQUEUE_AFTER": "2", "STAGESLOT_NOTIFICATION_REQUEUE_EVERY": "1"}
    )
    files = worker.wait_for_emails(count=len(told), timeout=60)
    delivered_after = time.monotonic() - back
    assert recipients_of(files) == told, worker.log()
    time.sleep(SETTLE)  # a few more re-queue runs: nothing goes twice
    assert recipients_of(worker.emails()) == told
    with capsys.disabled():
        print(
            f"\n[broker outage] accept took {accept_took:.2f} s with the broker down; "
            f"emails delivered {delivered_after:.1f} s after the broker came back"
        )
