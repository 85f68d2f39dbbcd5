"""Members who sit a gig out (busy then; the band's line-up does without them, BandBlock.absent) keep a place
and may answer, but are not asked, not reminded and not listed as missing (docs/decisions/0115)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from bands.models import BandBlock
from gigs.models import GigAnswer
from gigs.selectors.answers import answer_by_moment, answer_by_of, lineup_of
from gigs.services.answers import (
    gig_answer_by_reminders_send,
    gig_answer_by_set,
    gig_answer_set,
    gig_lineup_open,
    gig_reminders_send,
)
from gigs.tests.factories import gig_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """The Night Shift's gig, with Max Member sitting it out, before its line-up is opened."""
    w = gig_world()
    BandBlock.objects.filter(pk=w.gig.block_id).update(absent=[w.member.pk])
    w.gig.refresh_from_db()
    return w


def test_a_member_sitting_out_gets_a_place_but_no_question_and_may_still_answer(world):
    gig_lineup_open(booking=world.gig)
    assert GigAnswer.objects.filter(booking=world.gig, member=world.member).exists()
    asked = Notification.objects.filter(kind="rsvp_asked")
    assert asked.filter(recipient=world.leader).exists() and not asked.filter(recipient=world.member).exists()
    place = gig_answer_set(booking=world.gig, member=world.member, by=world.member, answer="definitely")
    assert place.answer == "definitely"


def test_reminders_and_the_missing_list_leave_out_who_sits_out(world):
    gig_lineup_open(booking=world.gig)
    GigAnswer.objects.filter(booking=world.gig).update(created_at=timezone.now() - dt.timedelta(days=2))
    world.band.rsvp_reminder_days = 30
    world.band.save(update_fields=["rsvp_reminder_days"])
    assert gig_reminders_send() == 1  # the leader only
    day = world.gig.starts_at.date() - dt.timedelta(days=3)
    gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=day)
    due = answer_by_moment(booking=world.gig, answer_by=day)
    assert gig_answer_by_reminders_send(now=due - dt.timedelta(days=1)) == 1
    reminded = set(Notification.objects.filter(kind="rsvp_reminder").values_list("recipient_id", flat=True))
    assert reminded == {world.leader.pk}
    world.gig.refresh_from_db()
    answer_by = answer_by_of(booking=world.gig, places=lineup_of(booking=world.gig), now=timezone.now())
    assert [p.member_id for p in answer_by.missing] == [world.leader.pk]
    assert [p.member_id for p in answer_by.sitting_out] == [world.member.pk]


def test_the_leaders_page_names_who_sits_out_apart_from_who_is_missing(world, client):
    gig_lineup_open(booking=world.gig)
    gig_answer_by_set(booking=world.gig, by=world.leader, answer_by=world.gig.starts_at.date() - dt.timedelta(days=3))
    client.force_login(world.leader)
    html = client.get(reverse("gigs:gig", args=[world.gig.uid])).content.decode()
    missing = html.split("Still missing")[1]
    assert "Not asked, busy then and sitting the gig out:" in missing
    assert missing.index("Max Member") > missing.index("sitting the gig out")
