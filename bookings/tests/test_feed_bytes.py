"""What a feed carries (docs/decisions/0101): every event has the properties calendars show or use and
nothing none reads, each within a pinned number of bytes, and a client that accepts gzip gets the same
body gzipped, with its own ETag and 304s; every scope of feed is asked."""

import gzip
import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from bookings.models import CalendarFeed
from bookings.services.feeds import feed_create, feed_options_update
from bookings.tests.test_feeds import make_world

pytestmark = pytest.mark.django_db

Scope = CalendarFeed.Scope
SITE = "https://stageslot.example"
# What every event carries: what a calendar shows (SUMMARY, time, place, status, the description and
# its link) and what it keeps the event by (UID, SEQUENCE, DTSTAMP).
CALENDARS_READ = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS", "SEQUENCE", "DESCRIPTION", "URL")
# What no calendar reads in these feeds: LAST-MODIFIED beside a DTSTAMP of the same moment, the default
# TRANSP, timezones for times in UTC, a link twice, labels before a link.
NEVER = (b"LAST-MODIFIED", b"TRANSP:OPAQUE", b"VTIMEZONE", b"TZID", b"Details: ", b"Manage: ", b"Day sheet: ")
# Bytes of one VEVENT at most in this world: the longest is the venue's slot with its line-up and the
# acts' day sheets, 725 bytes (a gig 524-605).
EVENT_BYTES = 740


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = SITE + "/"


def feeds(w) -> dict[str, CalendarFeed]:
    """A feed of every scope a feed has, pending gigs shown (a scope no one makes here fails: KeyError)."""
    makers = {
        Scope.MEMBER: lambda: feed_create(by=w.member, scope=Scope.MEMBER),
        Scope.BAND: lambda: feed_create(by=w.leader, scope=Scope.BAND, band=w.band),
        Scope.VENUE: lambda: feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue),
    }
    out = {}
    for scope in Scope:
        feed = makers[scope]()
        feed_options_update(feed=feed, by=feed.user, include_pending=True)
        out[scope] = feed
    return out


@pytest.fixture
def every_feed() -> dict[str, CalendarFeed]:
    return feeds(make_world())


def url(feed: CalendarFeed) -> str:
    return reverse("bookings:feed", args=[feed.token])


def vevents(body: bytes) -> list[bytes]:
    return re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", body, re.DOTALL)


def test_each_event_has_what_calendars_read_and_nothing_they_do_not(client, every_feed):
    for scope, feed in every_feed.items():
        body = client.get(url(feed)).content
        events = list(Calendar.from_ical(body).walk("VEVENT"))
        assert events, scope
        for event in events:
            missing = [name for name in CALENDARS_READ if name not in event]
            assert not missing, (scope, str(event["UID"]), missing)
            assert "LOCATION" in event, (scope, str(event["UID"]))
            assert str(event["URL"]) in str(event["DESCRIPTION"]), "the link, once, in what every calendar shows"
        for unread in NEVER:
            assert unread not in body, (scope, unread)
        assert not [line for line in vevents(body) if b"\r\nX-" in line], scope


def test_an_event_stays_under_its_bytes(client, every_feed):
    sizes = {}
    for scope, feed in every_feed.items():
        for event in vevents(client.get(url(feed)).content):
            sizes[(scope, re.search(rb"UID:(\S+)", event).group(1))] = len(event)
    assert len(sizes) >= 4
    assert max(sizes.values()) <= EVENT_BYTES, sizes


def test_a_feed_answers_gzip_when_asked_and_plain_when_not(client, every_feed):
    for scope, feed in every_feed.items():
        plain = client.get(url(feed))
        packed = client.get(url(feed), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        refused = client.get(url(feed), HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
        assert plain.status_code == packed.status_code == refused.status_code == 200
        assert "Content-Encoding" not in plain and "Content-Encoding" not in refused, scope
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content == refused.content
        assert len(packed.content) < len(plain.content)
        for answer in (plain, packed, refused):
            assert "Accept-Encoding" in answer["Vary"]
            assert answer["Content-Type"] == plain["Content-Type"]
        # Two representations, two strong ETags; each the same when nothing changed, bytes and all.
        assert plain["ETag"] == refused["ETag"] != packed["ETag"]
        assert not packed["ETag"].startswith("W/")
        again = client.get(url(feed), HTTP_ACCEPT_ENCODING="gzip")
        assert (again.content, again["ETag"]) == (packed.content, packed["ETag"])


def test_each_encoding_gets_its_304_and_not_the_others(client, every_feed):
    for scope, feed in every_feed.items():
        plain = client.get(url(feed))
        packed = client.get(url(feed), HTTP_ACCEPT_ENCODING="gzip")
        for _ in range(2):  # built, then answered from the feed's stored validators
            mine = client.get(url(feed), HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
            assert mine.status_code == 304, scope
            assert mine["ETag"] == packed["ETag"] and "Accept-Encoding" in mine["Vary"]
            assert client.get(url(feed), HTTP_IF_NONE_MATCH=plain["ETag"]).status_code == 304
        # The gzipped body's ETag names other bytes than a plain answer: a plain client holding it gets the body.
        other = client.get(url(feed), HTTP_IF_NONE_MATCH=packed["ETag"])
        assert other.status_code == 200 and other.content == plain.content
        other = client.get(url(feed), HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=plain["ETag"])
        assert other.status_code == 200 and gzip.decompress(other.content) == plain.content
