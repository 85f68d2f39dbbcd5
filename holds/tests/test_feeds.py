"""Holds in the calendar feeds: a live hold is a TENTATIVE, transparent event in its band's and its venue's
feeds (and its members' with pending gigs), gone once let go or expired; every step of a hold marks those
feeds changed, so a stored body is never served stale; and a hold never makes anyone busy."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from availability.models import BusyInterval
from bands.calendar import band_calendar_access, band_green_zone
from bands.models import BandBlock
from bookings.models import CalendarFeed
from bookings.selectors.feeds import feed_events, feed_fresh_until
from bookings.services.feeds import feed_create, feed_options_update
from bookings.tests.test_feeds import SITE, events_of, get_feed
from holds import services
from holds.models import Hold

from .factories import hold_world

pytestmark = pytest.mark.django_db

Scope = CalendarFeed.Scope


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = SITE + "/"


@pytest.fixture
def w():
    return hold_world()


def place(w, band, **kwargs) -> Hold:
    values = {"starts_at": w.start, "ends_at": w.end, "expires_at": w.expires}
    values.update(kwargs)
    return services.hold_place(by=w.owner, stage=w.stage, band=band, **values)


def uid(hold: Hold) -> str:
    return f"hold-{hold.pk}@stageslot"


def holds_in(response) -> dict[str, dict]:
    assert response.status_code == 200
    return {key: value for key, value in events_of(response.content).items() if key.startswith("hold-")}


def band_feed(w, n: int) -> CalendarFeed:
    return feed_create(by=w.leaders[n], scope=Scope.BAND, band=w.bands[n])


def test_a_live_hold_is_a_tentative_transparent_event_in_the_band_and_venue_feeds(client, w):
    first, second = place(w, w.bands[0]), place(w, w.bands[1])
    shown = holds_in(get_feed(client, band_feed(w, 1)))
    assert list(shown) == [uid(second)]
    event = shown[uid(second)]
    assert event["summary"] == "Hold (2nd): Band 2 at Kellerbar"
    assert event["status"] == "TENTATIVE"
    assert (event["start"], event["end"], event["sequence"]) == (w.start, w.end, 0)
    body = get_feed(client, band_feed(w, 0)).content.decode()
    assert "TRANSP:TRANSPARENT" in body and "Hold (1st): Band 1 at Kellerbar" in body
    vevent = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(vevent["URL"]) == f"{SITE}/holds/bands/band-1/"

    venue_feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    shown = holds_in(get_feed(client, venue_feed))
    assert set(shown) == {uid(first), uid(second)}
    assert all(e["status"] == "TENTATIVE" for e in shown.values())


def test_a_members_feed_shows_their_bands_holds_only_with_pending_gigs(client, w):
    hold = place(w, w.bands[1])
    feed = feed_create(by=w.leaders[1], scope=Scope.MEMBER)
    assert holds_in(get_feed(client, feed)) == {}
    feed_options_update(feed=feed, by=w.leaders[1], include_pending=True)
    assert list(holds_in(get_feed(client, feed))) == [uid(hold)]


def test_no_one_else_sees_the_hold_in_their_feeds(client, w):
    place(w, w.bands[1])
    other_band = band_feed(w, 2)
    other_venue = feed_create(by=w.other_owner, scope=Scope.VENUE, venue=w.other_venue)
    other_member = feed_create(by=w.leaders[2], scope=Scope.MEMBER)
    stranger = feed_create(by=w.stranger, scope=Scope.MEMBER)
    for feed in (other_member, stranger):
        feed_options_update(feed=feed, by=feed.user, include_pending=True)
    for feed in (other_band, other_venue, other_member, stranger):
        assert holds_in(get_feed(client, feed)) == {}, feed.scope


def test_a_released_or_expired_hold_leaves_the_feeds(client, w):
    released = place(w, w.bands[0])
    kept = place(w, w.bands[1], expires_at=w.start - dt.timedelta(days=2))
    feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    services.hold_release(hold=released, by=w.owner)
    assert list(holds_in(get_feed(client, feed))) == [uid(kept)]
    # Past its expiry it is gone at once, before the round lets it go; the stored body is fresh only until then.
    now = timezone.now()
    assert feed_fresh_until(feed=feed, now=now) <= kept.expires_at
    assert [e.uid for e in feed_events(feed=feed, now=kept.expires_at - dt.timedelta(seconds=1))] == [uid(kept)]
    assert [e.uid for e in feed_events(feed=feed, now=kept.expires_at)] == []


def test_every_step_of_a_hold_makes_a_stored_feed_build_again(client, w):
    """A 304 from the stored body's marks would serve a stale feed; FEEDS_CHECK_MARKS (test settings) also
    fails any 304 whose body differs from a fresh build."""
    band_feed_2 = band_feed(w, 1)
    venue_feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)

    def etag_unchanged(feed: CalendarFeed, etag: str) -> bool:
        return get_feed(client, feed, HTTP_IF_NONE_MATCH=etag).status_code == 304

    etags = {f.pk: get_feed(client, f)["ETag"] for f in (band_feed_2, venue_feed)}
    assert all(etag_unchanged(f, etags[f.pk]) for f in (band_feed_2, venue_feed))

    first = place(w, w.bands[0])
    second = place(w, w.bands[1])
    services.hold_challenge(hold=second, by=w.promoter)
    for step in ("placed", "released"):
        if step == "released":
            services.hold_release(hold=first, by=w.owner)  # Band 2 moves up to the 1st hold
        for feed in (band_feed_2, venue_feed):
            response = get_feed(client, feed, HTTP_IF_NONE_MATCH=etags[feed.pk])
            assert response.status_code == 200, (step, feed.scope)
            etags[feed.pk] = response["ETag"]
            assert etag_unchanged(feed, etags[feed.pk])
    event = holds_in(get_feed(client, band_feed_2))[uid(second)]
    assert event["summary"] == "Hold (1st): Band 2 at Kellerbar"
    assert event["sequence"] == 2  # challenged, moved up

    services.hold_confirm(hold=second, by=w.owner)
    assert holds_in(get_feed(client, band_feed_2, HTTP_IF_NONE_MATCH=etags[band_feed_2.pk])) == {}


def test_the_round_letting_a_hold_lapse_marks_the_feeds(client, w):
    first = place(w, w.bands[0], expires_at=timezone.now() + dt.timedelta(hours=1))
    second = place(w, w.bands[1])
    feed = band_feed(w, 1)
    etag = get_feed(client, feed)["ETag"]
    services.holds_settle(now=first.expires_at)
    response = get_feed(client, feed, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert holds_in(response)[uid(second)]["summary"] == "Hold (1st): Band 2 at Kellerbar"


def test_a_hold_leaves_the_green_zone_and_busy_time_as_they_were(w):
    band, leader = w.bands[1], w.leaders[1]
    _band, members, _me = band_calendar_access(slug=band.slug, user=leader)
    day = w.start.date()

    def zone():
        green = band_green_zone(
            members=members,
            first_day=day - dt.timedelta(days=3),
            last_day=day + dt.timedelta(days=3),
            time_zone="Europe/Berlin",
            min_length=dt.timedelta(hours=2),
            today=timezone.localdate(),
            band=band,
        )
        return [(d.day, d.status, d.free_count) for d in green.days]

    before, busy = zone(), BusyInterval.objects.count()
    place(w, w.bands[0])
    place(w, band)
    assert zone() == before
    assert all(status == "green" for _day, status, _free in before)
    assert BusyInterval.objects.count() == busy
    assert not BandBlock.objects.filter(band=band).exists()


def test_a_feeds_query_count_does_not_grow_with_holds(client, w):
    """Built (no stored body to answer from): the bookings' feed queries and two for the holds – their events
    and their next expiry – however many there are (bookings/tests/test_feeds.py pins the total at 9)."""
    feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    counts = []
    for band in w.bands[:3]:
        place(w, band)
        with CaptureQueriesContext(connection) as queries:
            shown = holds_in(get_feed(client, feed))
        counts.append((len(queries), len(shown)))
    assert [n for _q, n in counts] == [1, 2, 3]
    assert counts[0][0] == counts[1][0] == counts[2][0] <= 9
