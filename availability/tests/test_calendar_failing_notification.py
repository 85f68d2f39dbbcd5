"""An imported calendar that fails three syncs in a row tells its owner once, in plain words, with a
link to the imported calendars page; it stays quiet while it keeps failing, and tells again when
it fails anew after it recovered."""

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from availability import services
from availability.models import ExternalCalendar
from availability.tests.test_calendar_sync import Feeds, ics
from core.transport.outbound import MSG_PRIVATE

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture(scope="module")
def feeds() -> Iterator[Feeds]:
    server = Feeds()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def allowed(settings, feeds: Feeds) -> Feeds:
    settings.ICS_IMPORT_ALLOW_HOSTS = (feeds.host,)
    feeds.routes.clear()
    return feeds


@pytest.fixture
def owner():
    return UserFactory(time_zone="America/New_York")


def calendar_at(owner, url: str) -> ExternalCalendar:
    return ExternalCalendar.objects.create(user=owner, url=url, name="Band practice")


def sync(calendar: ExternalCalendar, now: dt.datetime) -> ExternalCalendar:
    return services.calendar_sync(calendar_id=calendar.pk, now=now)


def failing() -> list[Notification]:
    return list(Notification.objects.filter(kind="calendar_failing").order_by("pk"))


def test_the_third_failure_in_a_row_tells_the_owner_once(owner):
    # A private address is refused before any connection: a failure that needs no network.
    calendar = calendar_at(owner, "http://10.1.2.3/private.ics")
    now = timezone.now()

    sync(calendar, now)
    sync(calendar, now + HOUR)
    assert failing() == []
    sync(calendar, now + 2 * HOUR)
    for hours in range(3, 10):
        assert sync(calendar, now + hours * HOUR).failures == hours + 1

    notes = failing()
    assert len(notes) == 1
    note = notes[0]
    assert note.recipient_id == owner.pk
    assert note.text.startswith("Your imported calendar “Band practice” could not be read 3 times in a row: ")
    assert str(MSG_PRIVATE) in note.text
    assert note.link == reverse("availability:imports")


def test_nobody_but_the_owner_hears_of_it(owner):
    other = UserFactory()
    calendar = calendar_at(owner, "http://10.1.2.3/private.ics")
    now = timezone.now()
    for hours in range(4):
        sync(calendar, now + hours * HOUR)

    assert {n.recipient_id for n in failing()} == {owner.pk}
    assert not Notification.objects.filter(recipient=other).exists()


def test_a_calendar_that_recovers_and_fails_again_tells_again(owner, allowed):
    path = "/flaky.ics"
    calendar = calendar_at(owner, f"http://{allowed.host}{path}")
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    now = start

    def run(times: int) -> None:
        nonlocal now
        for _ in range(times):
            sync(calendar, now)
            now += HOUR

    allowed.serve(path, b"boom", status=500)
    run(5)
    assert len(failing()) == 1
    assert "The calendar server had an error (HTTP 500)." in failing()[0].text
    assert "stay as they were" not in failing()[0].text  # it never worked: nothing kept

    allowed.serve(path, ics(("Rehearsal", start + dt.timedelta(days=2), start + dt.timedelta(days=2, hours=2))))
    run(1)
    calendar.refresh_from_db()
    assert (calendar.failures, calendar.last_error) == (0, "")
    assert len(failing()) == 1

    allowed.serve(path, b"gone", status=404)
    run(2)
    assert len(failing()) == 1
    run(4)
    notes = failing()
    assert len(notes) == 2
    assert "could not be read 3 times in a row" in notes[1].text
    assert "stay as they were at its last good sync" in notes[1].text
