"""Answer by a date: a gig's leaders set the day its members answer by, the silent ones are reminded once
before it, the leaders see who is missing, and after it they may lock the answers (and unlock them)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from bookings.errors import BookingConflict, BookingPermissionError
from gigs.models import GigAnswer, GigDeadline
from gigs.selectors.answers import answer_by_moment
from gigs.services.answers import (
    gig_answer_by_reminders_send,
    gig_answer_by_set,
    gig_answer_set,
    gig_answers_lock,
    gig_lineup_open,
)
from gigs.tests.factories import gig_world

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def world():
    w = gig_world()
    w.band.time_zone = "Europe/Berlin"
    w.band.save(update_fields=["time_zone"])
    w.gig.refresh_from_db()
    gig_lineup_open(booking=w.gig)
    GigAnswer.objects.filter(booking=w.gig).update(created_at=timezone.now() - dt.timedelta(days=1))
    w.gig_day = w.gig.starts_at.astimezone(BERLIN).date()
    return w


def test_the_leader_sets_a_day_up_to_the_gigs_own_and_bad_days_are_refused(world):
    today = timezone.now().astimezone(BERLIN).date()
    with pytest.raises(ValidationError) as past:
        gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=today - dt.timedelta(days=1))
    assert "passed" in past.value.message_dict["answer_by"][0]
    with pytest.raises(ValidationError) as after:
        gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=world.gig_day + dt.timedelta(days=1))
    assert "after the gig" in after.value.message_dict["answer_by"][0]
    assert not GigDeadline.objects.exists()
    with pytest.raises(BookingPermissionError):
        gig_answer_by_set(booking=world.gig, by=world.member, answer_by=today)
    deadline = gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=world.gig_day)
    assert deadline.answer_by == world.gig_day
    assert answer_by_moment(booking=world.gig, answer_by=world.gig_day) == world.gig.starts_at  # never after it
    gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=None)
    assert GigDeadline.objects.get().answer_by is None


def test_the_silent_members_are_reminded_once_before_the_day(world):
    day = world.gig_day - dt.timedelta(days=3)
    gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=day)
    gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="definitely")
    due = answer_by_moment(booking=world.gig, answer_by=day)
    assert gig_answer_by_reminders_send(now=due - dt.timedelta(days=3)) == 0  # not yet
    assert gig_answer_by_reminders_send(now=due - dt.timedelta(days=1)) == 1  # the leader; the member answered
    assert gig_answer_by_reminders_send(now=due - dt.timedelta(hours=2)) == 0  # once each
    assert gig_answer_by_reminders_send(now=due + dt.timedelta(hours=1)) == 0  # past the day: none
    reminded = Notification.objects.filter(kind="rsvp_reminder", recipient=world.leader)
    assert reminded.count() == 1
    assert "Please answer by" in reminded.get().text
    # A new day is a new reminder, once again.
    gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=day + dt.timedelta(days=1))
    later = answer_by_moment(booking=world.gig, answer_by=day + dt.timedelta(days=1)) - dt.timedelta(days=1)
    assert gig_answer_by_reminders_send(now=later) == 1
    assert gig_answer_by_reminders_send(now=later) == 0


def test_after_the_day_the_leader_locks_and_a_members_change_is_refused(world):
    day = world.gig_day - dt.timedelta(days=3)
    gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="probably")
    with pytest.raises(BookingConflict, match="answer-by date first"):
        gig_answers_lock(booking=world.gig, by=world.leader, locked=True)
    gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=day)
    with pytest.raises(BookingConflict, match="once the answer-by date"):
        gig_answers_lock(booking=world.gig, by=world.leader, locked=True)
    after = answer_by_moment(booking=world.gig, answer_by=day) + dt.timedelta(minutes=1)
    with pytest.raises(BookingPermissionError):
        gig_answers_lock(booking=world.gig, by=world.member, locked=True, now=after)
    gig_answers_lock(booking=world.gig, by=world.leader, locked=True, now=after)
    with pytest.raises(BookingConflict, match="locked the answers"):
        gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="cant", now=after)
    assert GigAnswer.objects.get(booking=world.gig, member=world.member).answer == "probably"
    assert gig_answer_by_reminders_send(now=after) == 0
    with pytest.raises(BookingConflict, match="unlock them"):
        gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=world.gig_day, now=after)
    gig_answers_lock(booking=world.gig, by=world.leader, locked=False, now=after)
    gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="cant", now=after)
    assert GigAnswer.objects.get(booking=world.gig, member=world.member).answer == "cant"


def test_only_the_bands_leaders_reach_the_forms(client, world):
    set_url = reverse("gigs:answer_by", args=[world.gig.uid])
    lock_url = reverse("gigs:answers_lock", args=[world.gig.uid])
    day = world.gig_day.isoformat()
    for outsider in (world.other_leader, world.stranger, world.owner, world.client, world.staff):
        client.force_login(outsider)
        assert client.post(set_url, {"answer_by": day}).status_code == 404, outsider
        assert client.post(lock_url, {"locked": "1"}).status_code == 404, outsider
    client.logout()
    assert client.post(set_url, {"answer_by": day}).status_code == 302
    assert not GigDeadline.objects.exists()
    client.force_login(world.member)
    assert client.post(set_url, {"answer_by": day}).status_code == 403
    assert client.post(lock_url, {"locked": "1"}).status_code == 403
    assert client.get(set_url).status_code == 405
    assert not GigDeadline.objects.exists()


def test_the_leader_sets_the_day_from_the_gig_page_and_bad_input_is_told(client, world):
    set_url = reverse("gigs:answer_by", args=[world.gig.uid])
    lock_url = reverse("gigs:answers_lock", args=[world.gig.uid])
    page = reverse("gigs:gig", args=[world.gig.uid])
    day = world.gig_day.isoformat()
    client.force_login(world.leader)
    assert f'action="{set_url}"' in client.get(page).content.decode()  # reached from the gig page
    assert client.post(set_url, {"answer_by": "not a day"}).status_code == 400
    assert client.post(set_url, {"answer_by": (world.gig_day + dt.timedelta(days=1)).isoformat()}).status_code == 400
    assert client.post(lock_url, {"locked": "1"}).status_code == 409  # the day has not passed
    assert client.post(lock_url, {"locked": "maybe"}).status_code == 400
    assert not GigDeadline.objects.filter(answer_by__isnull=False).exists()
    response = client.post(set_url, {"answer_by": day}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Still missing" in body and "Max Member" in body
    client.force_login(world.member)
    body = client.get(page).content.decode()
    assert "Answers are due by the end of" in body and "Still missing" not in body
