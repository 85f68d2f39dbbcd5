"""On PostgreSQL: telling a show's fans holds no lock a booking needs, and two workers telling one show at
once tell each fan once (one ShowAlert, one notification, one email)."""

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection, connections, transaction

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from bands.tests.factories import BandFactory
from bookings.models import Booking
from bookings.services import locks
from fans import alerts, services
from fans.models import ShowAlert

from .world import booked_show, city

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.slow]

FANS = 30


def show_with_followers():
    band = BandFactory(status=ApprovalStatus.APPROVED)
    fans = [UserFactory() for _ in range(FANS)]
    for fan in fans:
        services.follow_set(user=fan, band=band, on=True)
    return booked_show(band, place=city("Potsdam"), days=9), fans


def in_thread(work) -> tuple[threading.Thread, list]:
    failures: list = []

    def run() -> None:
        try:
            work()
        except Exception as exc:  # the test names it
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, failures


def test_a_chunk_being_told_holds_no_lock_a_booking_needs(monkeypatch):
    slot, _fans = show_with_followers()
    inside, release = threading.Event(), threading.Event()
    real = alerts.notifications_create_many

    def slow(**kwargs):
        inside.set()  # the chunk's transaction is open, its ShowAlert rows written
        release.wait(timeout=20)
        return real(**kwargs)

    monkeypatch.setattr(alerts, "notifications_create_many", slow)
    thread, failures = in_thread(lambda: alerts.show_alert_chunk(slot_id=slot.pk, change=alerts.NEW, after=0))
    try:
        assert inside.wait(timeout=20), failures
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            # The locks every booking path takes (band, slot, the people, the booking): none waits.
            locks.booking_lock(Booking.objects.get(slot=slot))
    finally:
        release.set()
        thread.join(timeout=30)
    assert not failures, failures
    assert ShowAlert.objects.filter(slot=slot).count() == FANS


def test_two_workers_telling_one_show_at_once_tell_each_fan_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    slot, fans = show_with_followers()
    start = threading.Barrier(2)

    def tell() -> None:
        start.wait(timeout=20)
        alerts.show_alert_run(slot_id=slot.pk, change=alerts.NEW, after=0, size=7)

    runs = [in_thread(tell) for _ in range(2)]
    for thread, _failures in runs:
        thread.join(timeout=60)
    assert not [f for _thread, failures in runs for f in failures]
    assert ShowAlert.objects.filter(slot=slot).count() == FANS
    assert Notification.objects.filter(kind="fan_show_new").count() == FANS
    sent = Counter(m.to[0] for m in mail.outbox)
    assert set(sent) == {fan.email for fan in fans} and set(sent.values()) == {1}
