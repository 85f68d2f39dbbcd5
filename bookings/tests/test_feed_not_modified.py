"""A poll of an unchanged feed is answered 304 from the stored validators without building the feed,
and any change to what the feed shows gives a full answer with a new ETag."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from bands.models import Membership
from bands.services import band_update
from bands.tests.factories import MembershipFactory
from bookings.models import Booking, CalendarFeed
from bookings.services import answering, ending
from bookings.services.feeds import feed_create, feed_options_update, feed_rotate
from bookings.tests.factories import BookingFactory
from bookings.tests.test_feeds import SITE, get_feed, make_world
from venues.models import Slot
from venues.services import venue_update

pytestmark = pytest.mark.django_db

Scope = CalendarFeed.Scope
# feed_by_token, then the count of the feed's marks (bookings.models.FeedMark).
QUERIES_304 = 2


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = SITE + "/"


@pytest.fixture
def w():
    return make_world()


def _feeds(w) -> dict[str, CalendarFeed]:
    feeds = {
        "member": feed_create(by=w.member, scope=Scope.MEMBER),
        "band": feed_create(by=w.leader, scope=Scope.BAND, band=w.band),
        "venue": feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue),
    }
    for feed in feeds.values():
        feed_options_update(feed=feed, by=feed.user, include_pending=True)
    return feeds


def _etag(client, feed: CalendarFeed) -> str:
    response = get_feed(client, feed)
    assert response.status_code == 200
    return response["ETag"]


def _no_render(monkeypatch) -> None:
    def refuse(**kwargs):
        raise AssertionError("the feed was built for a 304")

    monkeypatch.setattr("bookings.views.feeds.feed_render", refuse)
    monkeypatch.setattr("bookings.views.feeds.feed_events", refuse)


@pytest.mark.parametrize("scope", ["member", "band", "venue"])
def test_an_unchanged_feed_is_304_in_few_queries_without_building_it(
    client, w, scope, monkeypatch, settings, django_assert_max_num_queries
):
    feed = _feeds(w)[scope]
    first = get_feed(client, feed)
    _no_render(monkeypatch)
    settings.FEEDS_CHECK_MARKS = False  # the check's own queries are not the poll's
    with django_assert_max_num_queries(QUERIES_304):
        again = get_feed(client, feed, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"] and again["Last-Modified"] == first["Last-Modified"]
    assert "private" in again["Cache-Control"]
    since = get_feed(client, feed, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_other_validators_get_the_body(client, w, monkeypatch):
    feed = _feeds(w)["member"]
    body = get_feed(client, feed).content
    other = get_feed(client, feed, HTTP_IF_NONE_MATCH='"not-this-one"')
    assert other.status_code == 200 and other.content == body


def _cancel_gig(w):
    ending.booking_cancel(booking=w.gig, by=w.leader, reason="Flu")


def _accept_wedding(w):
    answering.booking_accept(booking=w.wedding, by=w.leader)


def _decline_wedding(w):
    answering.booking_decline(booking=w.wedding, by=w.leader, reason="Busy")


def _rename_band(w):
    band_update(band=w.band, by=w.leader, name="The Day Owls")


def _rename_support(w):
    band_update(band=w.support, by=w.support_leader, name="Static Gloom")


def _rename_venue(w):
    venue_update(venue=w.venue, name="Kellerbar Neu")


def _retitle_slot(w):
    w.slot.title = "Friday Late"
    w.slot.save()


def _cancel_support(w):
    ending.booking_cancel(booking=w.opener, by=w.support_leader, reason="Van broke down")


CHANGES = {
    "a gig cancelled": (_cancel_gig, ("member", "band", "venue")),
    "a pending gig accepted": (_accept_wedding, ("member", "band")),
    "a pending gig declined": (_decline_wedding, ("member", "band")),
    "the band renamed": (_rename_band, ("member", "band", "venue")),
    "a support act renamed": (_rename_support, ("member", "band", "venue")),
    "the venue renamed": (_rename_venue, ("member", "band", "venue")),
    "the slot retitled": (_retitle_slot, ("member", "band", "venue")),
    "the support act cancelled": (_cancel_support, ("member", "band", "venue")),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_to_what_a_feed_shows_is_never_304(client, w, change):
    feeds = _feeds(w)
    make, scopes = CHANGES[change]
    etags = {scope: _etag(client, feeds[scope]) for scope in scopes}
    for scope in scopes:  # stored and polled once unchanged
        assert get_feed(client, feeds[scope], HTTP_IF_NONE_MATCH=etags[scope]).status_code == 304
    make(w)
    for scope in scopes:
        answer = get_feed(client, feeds[scope], HTTP_IF_NONE_MATCH=etags[scope])
        assert answer.status_code == 200, f"{scope} feed answered 304 after {change}"
        assert answer["ETag"] != etags[scope]


def test_changed_options_are_never_304(client, w):
    feed = _feeds(w)["band"]
    etag = _etag(client, feed)
    feed_options_update(feed=feed, by=w.leader, include_pending=False)
    answer = get_feed(client, feed, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200 and answer["ETag"] != etag


def test_a_rotated_address_is_404_and_the_new_one_answers_in_full(client, w):
    feed = _feeds(w)["member"]
    old = feed.token
    etag = _etag(client, feed)
    feed = feed_rotate(feed=feed, by=w.member)
    feed.token, new = old, feed.token
    assert get_feed(client, feed, HTTP_IF_NONE_MATCH=etag).status_code == 404
    feed.token = new
    assert get_feed(client, feed).status_code == 200


def test_a_cancellation_leaving_the_feed_with_time_is_never_304(client, w, monkeypatch):
    """A cancelled gig stays 30 days; when it leaves, nothing in the database changed but the time."""
    feed = _feeds(w)["member"]
    _cancel_gig(w)
    etag = _etag(client, feed)
    assert get_feed(client, feed, HTTP_IF_NONE_MATCH=etag).status_code == 304
    later = timezone.now() + timedelta(days=31)
    monkeypatch.setattr("bookings.views.feeds.timezone.now", lambda: later)
    answer = get_feed(client, feed, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200 and answer["ETag"] != etag


def test_a_feed_with_available_windows_is_always_built(client, w, monkeypatch):
    feed = _feeds(w)["band"]
    feed_options_update(feed=feed, by=w.leader, include_pending=True, include_available=True)
    etag = _etag(client, feed)
    _no_render(monkeypatch)
    with pytest.raises(AssertionError, match="built"):
        get_feed(client, feed, HTTP_IF_NONE_MATCH=etag)


@pytest.mark.parametrize("scope", ["member", "band", "venue"])
def test_a_mark_that_changes_nothing_shown_builds_once_then_answers_quickly(
    client, w, scope, settings, django_assert_max_num_queries
):
    """A change the feed does not show (the fee of a gig) leaves a mark: the next poll builds the
    body, finds it as it was and answers 304 with the old validators; the one after is quick."""
    feed = _feeds(w)[scope]
    first = get_feed(client, feed)
    settings.FEEDS_CHECK_MARKS = False
    Booking.objects.filter(pk=w.gig.pk).update(fee=w.gig.fee + 1)
    again = get_feed(client, feed, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["Last-Modified"] == first["Last-Modified"]
    with django_assert_max_num_queries(QUERIES_304):
        assert get_feed(client, feed, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_bulk_update_the_services_never_make_is_still_seen(client, w):
    """The marks come from the database: a write past every service (here a bulk update of the
    slot's times) still reaches the feeds."""
    feeds = _feeds(w)
    etags = {scope: _etag(client, feed) for scope, feed in feeds.items()}
    for scope, feed in feeds.items():
        assert get_feed(client, feed, HTTP_IF_NONE_MATCH=etags[scope]).status_code == 304
    Slot.objects.filter(pk=w.slot.pk).update(title="Late show")
    for scope, feed in feeds.items():
        answer = get_feed(client, feed, HTTP_IF_NONE_MATCH=etags[scope])
        assert answer.status_code == 200 and "Late show" in answer.content.decode(), scope


def test_a_member_who_leaves_a_band_gets_a_new_feed(client, w):
    feed = _feeds(w)["member"]
    etag = _etag(client, feed)
    assert get_feed(client, feed, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Membership.objects.filter(band=w.band, user=w.member).delete()
    MembershipFactory(band=w.support, user=w.member)  # still in a band, so the feed still works
    answer = get_feed(client, feed, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200 and answer["ETag"] != etag


def test_a_renamed_member_gets_a_new_feed_name(client, w):
    feed = _feeds(w)["member"]
    etag = _etag(client, feed)
    assert get_feed(client, feed, HTTP_IF_NONE_MATCH=etag).status_code == 304
    User.objects.filter(pk=w.member.pk).update(display_name="Maxine Member")
    answer = get_feed(client, feed, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200 and "Maxine Member" in answer.content.decode()


def test_a_gig_entering_the_window_ahead_with_time_is_never_304(client, w, monkeypatch):
    """A gig 400 days and two hours ahead is not in the feed yet; three hours later it is, with no
    write at all. An hour later nothing has changed yet, and the marks still answer."""
    feed = _feeds(w)["band"]
    now = timezone.now()
    starts = now + timedelta(days=400, hours=2)
    BookingFactory(band=w.band, starts_at=starts, ends_at=starts + timedelta(hours=2), status=Booking.Status.BOOKED)
    etag = _etag(client, feed)
    feed.refresh_from_db()
    assert feed.fresh_until == starts - timedelta(days=400)
    hour = now + timedelta(hours=1)
    monkeypatch.setattr("bookings.views.feeds.timezone.now", lambda: hour)
    assert get_feed(client, feed, HTTP_IF_NONE_MATCH=etag).status_code == 304
    later = now + timedelta(hours=3)
    monkeypatch.setattr("bookings.views.feeds.timezone.now", lambda: later)
    answer = get_feed(client, feed, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200 and answer["ETag"] != etag


# A poll without validators (most calendar apps) of an unchanged feed: the body kept when it was built,
# after the same two queries as a 304 (bookings.ical.feed_body_kept).
QUERIES_KEPT = QUERIES_304


@pytest.mark.parametrize("scope", ["member", "band", "venue"])
def test_an_unchanged_feed_polled_plainly_answers_the_kept_body_without_building_it(
    client, w, scope, monkeypatch, settings, django_assert_max_num_queries
):
    feed = _feeds(w)[scope]
    first = get_feed(client, feed)
    _no_render(monkeypatch)
    settings.FEEDS_CHECK_MARKS = False  # the check's own queries are not the poll's
    with django_assert_max_num_queries(QUERIES_KEPT):
        again = get_feed(client, feed)
    assert again.status_code == 200 and again.content == first.content
    for header in ("ETag", "Last-Modified", "Content-Type", "Content-Disposition", "Cache-Control", "Vary"):
        assert again[header] == first[header]
    zipped = get_feed(client, feed, HTTP_ACCEPT_ENCODING="gzip")

    assert zipped["Content-Encoding"] == "gzip" and zipped["ETag"] == first["ETag"][:-1] + '-gzip"'


def test_a_fresh_process_answers_from_the_shared_cache(client, w, monkeypatch, settings):
    """Another process (or a fresh one after a deploy) finds the body in the shared cache by its hash."""
    from bookings import ical

    feed = _feeds(w)["band"]
    first = get_feed(client, feed)
    ical.feed_bodies_forget()
    _no_render(monkeypatch)
    settings.FEEDS_CHECK_MARKS = False
    again = get_feed(client, feed)
    assert again.status_code == 200 and again.content == first.content and again["ETag"] == first["ETag"]


def test_a_kept_body_is_never_answered_for_a_changed_feed(client, w):
    feeds = _feeds(w)
    before = {scope: get_feed(client, feed).content for scope, feed in feeds.items()}
    _cancel_gig(w)
    for scope, feed in feeds.items():
        after = get_feed(client, feed)
        assert after.status_code == 200 and after.content != before[scope]
