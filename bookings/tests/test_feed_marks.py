"""The database marks every change to what calendar feeds show (bookings.models.FeedMark, triggers of
migration bookings.0012), whatever wrote it; a feed's stamp moves with its marks and only with them."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from bands.models import Band, Membership
from bookings.models import Booking, CalendarFeed, FeedMark
from bookings.selectors.feeds import feed_marks_stamp
from bookings.services.feeds import MARKS_KEPT, feed_create, feed_marks_prune
from bookings.tests.test_feeds import SITE, make_world
from venues.models import Slot, Stage, Venue

pytestmark = pytest.mark.django_db

Scope = CalendarFeed.Scope


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = SITE + "/"


@pytest.fixture
def w():
    return make_world()


def _marks_after(write) -> set[tuple]:
    """The marks `write` leaves, as (band, venue, user) with None for what a mark does not name."""
    last = FeedMark.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    write()
    return set(FeedMark.objects.filter(pk__gt=last).values_list("band_id", "venue_id", "user_id"))


def _trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'bookings_feed_mark%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'bookings_feed_mark%'")
        return {row[0] for row in cursor.fetchall()}


def test_every_trigger_is_there_after_all_migrations():
    """A later migration that makes SQLite rebuild one of these tables drops its triggers: this notices."""
    migration = importlib.import_module("bookings.migrations.0012_feed_marks")
    if connection.vendor == "postgresql":
        expected = {
            "bookings_feed_mark_booking", "bookings_feed_mark_slot", "bookings_feed_mark_membership",
            "bookings_feed_mark_user", "bookings_feed_mark_band_name", "bookings_feed_mark_stage_name",
            "bookings_feed_mark_venue_place",
        }  # fmt: skip
    else:
        expected = set(migration.SQLITE_TRIGGERS)
    assert _trigger_names() == expected


def test_a_booking_marks_its_band_its_venue_and_every_band_on_its_slot(w):
    marks = _marks_after(lambda: Booking.objects.filter(pk=w.opener.pk).update(fee=101))
    assert (w.support.pk, w.venue.pk, None) in marks
    assert {(w.band.pk, None, None), (w.support.pk, None, None), (None, w.venue.pk, None)} <= marks
    assert not {m for m in marks if m[0] in (w.other_band.pk,) or m[1] == w.other_venue.pk}


def test_a_private_request_marks_only_its_band(w):
    marks = _marks_after(lambda: Booking.objects.filter(pk=w.wedding.pk).update(guests=90))
    assert marks == {(w.band.pk, None, None)}


def test_a_deleted_booking_and_a_moved_slot_leave_marks(w):
    assert (w.band.pk, None, None) in _marks_after(lambda: w.wedding.delete())
    later = w.slot.starts_at + timedelta(minutes=30)
    marks = _marks_after(lambda: Slot.objects.filter(pk=w.slot.pk).update(starts_at=later))
    assert {(None, w.venue.pk, None), (w.band.pk, None, None), (w.support.pk, None, None)} <= marks


def test_people_and_memberships_mark_the_person(w):
    rename = _marks_after(lambda: User.objects.filter(pk=w.member.pk).update(display_name="Maxine"))
    assert rename == {(None, None, w.member.pk)}
    leave = _marks_after(lambda: Membership.objects.filter(user=w.member, band=w.band).delete())
    assert leave == {(None, None, w.member.pk)}
    # A change nobody's feed shows leaves none.
    assert _marks_after(lambda: User.objects.filter(pk=w.member.pk).update(time_zone="Europe/Paris")) == set()


@pytest.mark.parametrize(
    "rename",
    [
        lambda w: Band.objects.filter(pk=w.support.pk).update(name="Static Gloom"),
        lambda w: Venue.objects.filter(pk=w.other_venue.pk).update(address="Neue Straße 1"),
        lambda w: Stage.objects.filter(pk=w.slot.stage_id).update(name="Back room"),
    ],
    ids=["band", "venue", "stage"],
)
def test_a_name_any_feed_may_print_marks_everyone(w, rename):
    assert _marks_after(lambda: rename(w)) == {(None, None, None)}


def test_the_same_name_again_marks_nothing(w):
    assert _marks_after(lambda: Band.objects.filter(pk=w.band.pk).update(name=w.band.name)) == set()


def test_a_stamp_moves_with_the_feed_s_marks_and_not_with_others(w):
    band = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    venue = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    member = feed_create(by=w.member, scope=Scope.MEMBER)
    before = {feed: feed_marks_stamp(feed=feed) for feed in (band, venue, member)}
    Booking.objects.filter(pk=w.wedding.pk).update(guests=90)  # the band's, not the venue's
    after = {feed: feed_marks_stamp(feed=feed) for feed in (band, venue, member)}
    assert after[band] != before[band] and after[member] != before[member]
    assert after[venue] == before[venue]


@pytest.mark.real_clock(reason="the database's triggers stamp the marks with its own clock")
def test_pruning_takes_only_old_marks_and_a_stamp_never_comes_back(w):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    now = timezone.now()
    FeedMark.objects.update(at=now - MARKS_KEPT - timedelta(hours=1))
    Booking.objects.filter(pk=w.wedding.pk).update(guests=90)
    stamp = feed_marks_stamp(feed=feed)
    kept = FeedMark.objects.filter(at__gte=now - MARKS_KEPT).count()
    old = FeedMark.objects.count() - kept
    assert kept > 0 and old > 0
    assert feed_marks_prune(now=now) == old
    assert FeedMark.objects.count() == kept
    assert feed_marks_stamp(feed=feed) != stamp  # a change, never a false "as it was"
