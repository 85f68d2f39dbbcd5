"""The iCal feeds as calendar apps read them: events and statuses, stable UIDs, growing SEQUENCE,
DTSTAMP at the last change, UTC, byte-identical bodies, folding, conditional GETs, rotation, queries."""

import datetime as dt
import random
import re
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.ical import FeedEvent, calendar_bytes, feed_render, feed_render_forget
from bookings.models import Booking, CalendarFeed
from bookings.selectors.feeds import band_feed_events, feed_name, member_feed_events, venue_feed_events
from bookings.services import answering, asking, ending, venue_slots
from bookings.services import feeds as feed_services
from bookings.services.feeds import feed_create, feed_options_update, feed_rotate
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner

pytestmark = pytest.mark.django_db

Status = Booking.Status
Scope = CalendarFeed.Scope
SITE = "https://stageslot.example"


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = SITE + "/"


def make_world() -> SimpleNamespace:
    """Kellerbar with a booked slot (The Night Owls headline, Static Bloom support), a pending private
    request to The Night Owls, a plain member, and an outside band and venue."""
    venue, owner = venue_with_owner(
        name="Kellerbar", slug="kellerbar", address="Kastanienallee 12", postcode="10435", time_zone="Europe/Berlin"
    )
    band, leader = band_with_leader(name="The Night Owls", slug="the-night-owls")
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER, user__display_name="Max Member").user
    support, support_leader = band_with_leader(name="Static Bloom", slug="static-bloom")
    other_band, other_leader = band_with_leader(name="Brass Band", slug="brass-band")
    other_venue, other_owner = venue_with_owner(name="Lido", slug="lido")
    slot = SlotFactory(
        venue=venue, starts_at=in_days(12), ends_at=in_days(12) + timedelta(hours=3), support_places=1, title=""
    )
    gig = asking.booking_apply(slot=slot, band=band, by=leader, role="headliner", fee=777, message="Own drums.")
    answering.booking_accept(booking=gig, by=owner)
    opener = asking.booking_apply(slot=slot, band=support, by=support_leader, role="support", fee=100)
    answering.booking_accept(booking=opener, by=owner)
    client = UserFactory(display_name="Anna Client")
    wedding = asking.booking_request(
        band=band,
        client=client,
        starts_at=in_days(30, 17),
        ends_at=in_days(30, 22),
        time_zone="Europe/Berlin",
        event_type="Wedding",
        location="Gut Kleinow, Brandenburg",
        guests=80,
        fee=1500,
        message="First dance at nine.",
    )
    for row in (gig, opener, wedding, slot):
        row.refresh_from_db()
    return SimpleNamespace(
        venue=venue,
        owner=owner,
        band=band,
        leader=leader,
        member=member,
        support=support,
        support_leader=support_leader,
        other_band=other_band,
        other_leader=other_leader,
        other_venue=other_venue,
        other_owner=other_owner,
        slot=slot,
        gig=gig,
        opener=opener,
        client=client,
        wedding=wedding,
    )


@pytest.fixture
def w() -> SimpleNamespace:
    return make_world()


def events_of(body: bytes) -> dict[str, dict]:
    """UID -> {property: value} of a feed body, parsed the way calendar apps do."""
    calendar = Calendar.from_ical(body)
    out = {}
    for event in calendar.walk("VEVENT"):
        out[str(event["UID"])] = {
            "summary": str(event["SUMMARY"]),
            "status": str(event["STATUS"]),
            "sequence": int(event["SEQUENCE"]),
            "dtstamp": event["DTSTAMP"].dt,
            "start": event["DTSTART"].dt,
            "end": event["DTEND"].dt,
            "description": str(event.get("DESCRIPTION", "")),
            "location": str(event.get("LOCATION", "")),
            "url": str(event.get("URL", "")),
            "transp": str(event.get("TRANSP", "OPAQUE")),  # RFC 5545's default
        }
    return out


def get_feed(client, feed: CalendarFeed, **headers):
    return client.get(reverse("bookings:feed", args=[feed.token]), **headers)


def uid_of(booking: Booking) -> str:
    return f"booking-{booking.uid}@stageslot"


def last_change(booking: Booking) -> dt.datetime:
    booking.refresh_from_db()
    return max(booking.updated_at, booking.status_changed_at or booking.updated_at).replace(microsecond=0)


# ---- What each feed shows -----------------------------------------------------------------------


def test_member_feed_shows_the_bands_gigs_with_lineup_place_and_link(client, w):
    feed = feed_create(by=w.member, scope=Scope.MEMBER)
    response = get_feed(client, feed)
    assert response.status_code == 200
    events = events_of(response.content)
    assert list(events) == [uid_of(w.gig)]  # the pending request waits for include_pending
    gig = events[uid_of(w.gig)]
    assert gig["summary"] == "The Night Owls at Kellerbar"
    assert gig["status"] == "CONFIRMED"
    assert gig["location"] == "Kellerbar, Kastanienallee 12, 10435 Berlin"
    assert "Lineup:\nThe Night Owls – Headliner\nStatic Bloom – Support" in gig["description"]
    # A booked gig's event links to its day sheet (which links the gig), in its URL and its description.
    assert gig["url"] == f"{SITE}/documents/bookings/{w.gig.uid}/day-sheet/"
    assert gig["description"].endswith(f"\n\n{SITE}/documents/bookings/{w.gig.uid}/day-sheet/")
    assert f"{SITE}/bookings/{w.gig.uid}/" not in gig["description"]
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Max Member – gigs (StageSlot)"
    assert str(calendar["PRODID"]) == "-//StageSlot//Feeds//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in response.content


def test_pending_gigs_are_tentative_when_asked_for(client, w):
    feed = feed_create(by=w.member, scope=Scope.MEMBER)
    feed_options_update(feed=feed, by=w.member, include_pending=True)
    events = events_of(get_feed(client, feed).content)
    wedding = events[uid_of(w.wedding)]
    assert wedding["status"] == "TENTATIVE"
    assert wedding["summary"] == "The Night Owls – private event (Wedding)"
    assert wedding["location"] == "Gut Kleinow, Brandenburg"
    assert events[uid_of(w.gig)]["status"] == "CONFIRMED"


def test_feeds_keep_money_messages_and_clients_out(client, w):
    for feed in (
        feed_create(by=w.member, scope=Scope.MEMBER),
        feed_create(by=w.leader, scope=Scope.BAND, band=w.band),
        feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue),
    ):
        feed_options_update(feed=feed, by=feed.user, include_pending=True)
        body = get_feed(client, feed).content.decode().replace("\r\n ", "")
        for private in ("777", "1500", "Own drums", "First dance", w.client.name, w.client.email):
            # A whole word only: a DTSTAMP at 11:50:06 reads 115006, and a
            # booking's UUID in its URL may hold "a777a6a8" or "-1500-".
            assert not re.search(rf"(?<![\w-]){re.escape(private)}(?![\w-])", body), private


def test_a_member_of_two_bands_gets_both_and_nobody_elses(client, w):
    MembershipFactory(band=w.support, user=w.member)
    feed = feed_create(by=w.member, scope=Scope.MEMBER)
    events = events_of(get_feed(client, feed).content)
    assert set(events) == {uid_of(w.gig), uid_of(w.opener)}
    assert events[uid_of(w.opener)]["summary"] == "Static Bloom at Kellerbar"


def test_band_feed_shows_that_band_only(client, w):
    feed = feed_create(by=w.support_leader, scope=Scope.BAND, band=w.support)
    events = events_of(get_feed(client, feed).content)
    assert list(events) == [uid_of(w.opener)]
    assert str(Calendar.from_ical(get_feed(client, feed).content)["X-WR-CALNAME"]) == "Static Bloom – gigs (StageSlot)"


def test_band_feed_with_available_windows_adds_transparent_events(client, w):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    before = events_of(get_feed(client, feed).content)
    feed_options_update(feed=feed, by=w.leader, include_pending=False, include_available=True)
    events = events_of(get_feed(client, feed).content)
    available = {uid: e for uid, e in events.items() if uid not in before}
    assert available, "the band's free evenings show as Available"
    assert all(e["transp"] == "TRANSPARENT" for e in available.values())
    assert events[uid_of(w.gig)]["transp"] == "OPAQUE"


# ---- Changes: UID, SEQUENCE, DTSTAMP, cancelled ------------------------------------------------------


def test_uid_stays_sequence_grows_and_dtstamp_is_the_last_change(client, w):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    feed_options_update(feed=feed, by=w.leader, include_pending=True)
    pending = events_of(get_feed(client, feed).content)[uid_of(w.wedding)]
    assert pending["status"] == "TENTATIVE"
    assert pending["sequence"] == w.wedding.sequence
    assert pending["dtstamp"] == last_change(w.wedding)

    answering.booking_accept(booking=w.wedding, by=w.leader, now=timezone.now() + timedelta(minutes=5))
    booked = events_of(get_feed(client, feed).content)[uid_of(w.wedding)]
    assert booked["status"] == "CONFIRMED"
    assert booked["sequence"] > pending["sequence"]
    assert booked["dtstamp"] == last_change(w.wedding)
    assert booked["dtstamp"] > pending["dtstamp"]

    ending.booking_cancel(booking=w.wedding, by=w.leader, reason="Flu", now=timezone.now() + timedelta(minutes=10))
    cancelled = events_of(get_feed(client, feed).content)[uid_of(w.wedding)]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["sequence"] > booked["sequence"]
    assert cancelled["dtstamp"] == last_change(w.wedding)
    assert cancelled["transp"] == "TRANSPARENT"


def test_cancelled_gigs_stay_30_days_then_go(w):
    now = timezone.now()
    ending.booking_cancel(booking=w.gig, by=w.owner, reason="Flooded cellar", now=now)
    uid = uid_of(w.gig)
    day_29 = {e.uid: e for e in member_feed_events(user=w.member, now=now + timedelta(days=29))}
    assert day_29[uid].status == "CANCELLED"
    assert uid not in {e.uid for e in member_feed_events(user=w.member, now=now + timedelta(days=31))}


def test_times_are_utc(client, w):
    feed = feed_create(by=w.member, scope=Scope.MEMBER)
    body = get_feed(client, feed).content
    gig = events_of(body)[uid_of(w.gig)]
    assert gig["start"] == w.gig.starts_at and gig["end"] == w.gig.ends_at
    assert gig["start"].utcoffset() == timedelta(0)
    assert f"DTSTART:{w.gig.starts_at:%Y%m%dT%H%M%S}Z\r\n".encode() in body
    assert b"TZID" not in body


def test_window_is_62_days_back_to_400_ahead(w):
    uid = uid_of(w.gig)
    assert uid in {e.uid for e in member_feed_events(user=w.member, now=w.gig.ends_at + timedelta(days=61))}
    assert uid not in {e.uid for e in member_feed_events(user=w.member, now=w.gig.ends_at + timedelta(days=63))}
    assert uid in {e.uid for e in member_feed_events(user=w.member, now=w.gig.starts_at - timedelta(days=399))}
    assert uid not in {e.uid for e in member_feed_events(user=w.member, now=w.gig.starts_at - timedelta(days=401))}


# ---- The venue feed --------------------------------------------------------------------------------


def slot_uid(slot) -> str:
    return f"slot-{slot.pk}@stageslot"


def test_venue_feed_has_one_event_per_slot_with_the_lineup(client, w):
    feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    events = events_of(get_feed(client, feed).content)
    assert list(events) == [slot_uid(w.slot)]
    event = events[slot_uid(w.slot)]
    assert event["status"] == "CONFIRMED"
    assert event["summary"] == "The Night Owls + Static Bloom"
    assert "Lineup:\nThe Night Owls – Headliner\nStatic Bloom – Support" in event["description"]
    assert event["sequence"] == w.slot.sequence + w.gig.sequence + w.opener.sequence
    slot_changed = max(w.slot.updated_at, *(last_change(b) for b in (w.gig, w.opener)))
    assert event["dtstamp"] == slot_changed.replace(microsecond=0)
    assert event["url"] == f"{SITE}/venues/kellerbar/manage/slots/{w.slot.pk}/"
    assert str(Calendar.from_ical(get_feed(client, feed).content)["X-WR-CALNAME"]) == "Kellerbar – shows (StageSlot)"
    # Each booked act's day sheet, for the venue's staff to advance from their calendar.
    assert (
        "Day sheets:\n"
        f"The Night Owls: {SITE}/documents/bookings/{w.gig.uid}/day-sheet/\n"
        f"Static Bloom: {SITE}/documents/bookings/{w.opener.uid}/day-sheet/"
    ) in event["description"]


def test_venue_feed_slot_sequence_grows_on_every_change_and_cancellation_is_kept_30_days(client, w):
    feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    first = events_of(get_feed(client, feed).content)[slot_uid(w.slot)]
    ending.booking_cancel(booking=w.opener, by=w.owner, reason="Double-booked", now=timezone.now())
    second = events_of(get_feed(client, feed).content)[slot_uid(w.slot)]
    assert second["status"] == "CONFIRMED"
    assert second["sequence"] > first["sequence"]
    assert second["summary"] == "The Night Owls"
    assert second["dtstamp"] >= first["dtstamp"]

    now = timezone.now()
    venue_slots.slot_cancel(slot=w.slot, by=w.owner, reason="Flooded cellar", now=now)
    third = events_of(get_feed(client, feed).content)[slot_uid(w.slot)]
    assert third["status"] == "CANCELLED"
    assert third["sequence"] > second["sequence"]
    assert "This slot is cancelled." in third["description"]
    later = {e.uid for e in venue_feed_events(venue=w.venue, now=now + timedelta(days=31))}
    assert slot_uid(w.slot) not in later
    assert slot_uid(w.slot) in {e.uid for e in venue_feed_events(venue=w.venue, now=now + timedelta(days=29))}


def test_venue_feed_shows_slots_with_only_pending_acts_as_tentative_when_asked(client, w):
    slot = SlotFactory(venue=w.venue, starts_at=in_days(40), ends_at=in_days(40) + timedelta(hours=3))
    asking.booking_apply(slot=slot, band=w.other_band, by=w.other_leader, role="headliner")
    empty = SlotFactory(venue=w.venue, starts_at=in_days(41), ends_at=in_days(41) + timedelta(hours=3))
    feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    assert slot_uid(slot) not in events_of(get_feed(client, feed).content)
    feed_options_update(feed=feed, by=w.owner, include_pending=True)
    events = events_of(get_feed(client, feed).content)
    assert events[slot_uid(slot)]["status"] == "TENTATIVE"
    assert "Brass Band – Headliner (pending)" in events[slot_uid(slot)]["description"]
    assert slot_uid(empty) not in events


# ---- Bytes and HTTP --------------------------------------------------------------------------------


def test_two_requests_give_the_same_bytes_folded_with_crlf(client, w):
    w.slot.title = "An evening of very long titles that calendar apps must fold " * 2
    w.slot.save()
    feed = feed_create(by=w.member, scope=Scope.MEMBER)
    first, second = get_feed(client, feed).content, get_feed(client, feed).content
    assert first == second
    assert first.endswith(b"\r\n")
    assert b"\n" not in first.replace(b"\r\n", b"")
    assert b"\r\n " in first  # folded
    assert max(len(line) for line in first.split(b"\r\n")) <= 75
    assert Calendar.from_ical(first).to_ical() == first  # icalendar's own serialisation, byte for byte


def test_render_orders_events_whatever_order_they_come_in():
    moment = dt.datetime(2030, 5, 1, 20, tzinfo=dt.UTC)
    events = [
        FeedEvent(
            uid=f"e{i}@stageslot",
            summary=f"Gig {i}",
            starts_at=moment + timedelta(days=i % 3),
            ends_at=moment + timedelta(days=i % 3, hours=2),
            status="CONFIRMED",
            sequence=i,
            modified_at=moment - timedelta(days=1),
        )
        for i in range(9)
    ]
    shuffled = events[:]
    random.Random(3).shuffle(shuffled)
    assert feed_render(name="Gigs", events=events) == feed_render(name="Gigs", events=shuffled)
    uids = [str(e["UID"]) for e in Calendar.from_ical(feed_render(name="Gigs", events=shuffled)).walk("VEVENT")]
    assert uids == [e.uid for e in sorted(events, key=lambda e: (e.starts_at, e.uid))]


def test_serialisation_is_icalendars_own_and_kept_events_are_never_stale():
    moment = dt.datetime(2030, 5, 1, 20, tzinfo=dt.UTC)
    event = FeedEvent(
        uid="booking-1@stageslot",
        summary="Ünïcödé – " * 12,
        starts_at=moment,
        ends_at=moment + timedelta(hours=3),
        status="CONFIRMED",
        sequence=1,
        modified_at=moment,
        description="Lineup:\nThe Night Owls – Headliner\n" + "x" * 200,
        location="Kellerbar, Kastanienallee 12, 10435 Berlin",
    )
    body = feed_render(name="Gigs", events=[event])
    calendar = Calendar.from_ical(body)
    assert calendar_bytes(calendar) == calendar.to_ical() == body
    feed_render_forget()
    assert feed_render(name="Gigs", events=[event]) == body
    changed = feed_render(name="Gigs", events=[replace(event, sequence=2)])
    assert b"SEQUENCE:2\r\n" in changed and changed != body
    assert feed_render(name="Other", events=[event]) != body


def test_headers_and_conditional_gets(client, w):
    feed = feed_create(by=w.member, scope=Scope.MEMBER)
    response = get_feed(client, feed)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    etag = response["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response["Last-Modified"] == format_datetime(last_change(w.gig), usegmt=True)
    assert "private" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]

    again = get_feed(client, feed, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag

    since = get_feed(client, feed, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304 and since.content == b""

    older = format_datetime(last_change(w.gig) - timedelta(seconds=1), usegmt=True)
    assert get_feed(client, feed, HTTP_IF_MODIFIED_SINCE=older).status_code == 200
    assert get_feed(client, feed, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200

    head = client.head(reverse("bookings:feed", args=[feed.token]))
    assert head.status_code == 200 and head.content == b"" and head["ETag"] == etag
    assert client.post(reverse("bookings:feed", args=[feed.token])).status_code == 405


def test_a_change_gives_a_new_etag(client, w):
    feed = feed_create(by=w.member, scope=Scope.MEMBER)
    etag = get_feed(client, feed)["ETag"]
    ending.booking_cancel(booking=w.gig, by=w.leader, reason="Flu")
    changed = get_feed(client, feed, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_unknown_and_rotated_tokens_are_404(client, w):
    feed = feed_create(by=w.member, scope=Scope.MEMBER)
    old = feed.token
    assert client.get(reverse("bookings:feed", args=["x" * 43])).status_code == 404
    feed = feed_rotate(feed=feed, by=w.member)
    assert client.get(reverse("bookings:feed", args=[old])).status_code == 404
    assert get_feed(client, feed).status_code == 200


def test_a_feed_whose_owner_lost_access_is_404_until_a_manager_makes_a_new_link(client, w):
    admin = MembershipFactory(band=w.band, role=Membership.Role.ADMIN).user
    band_feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    venue_feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    member_feed = feed_create(by=w.member, scope=Scope.MEMBER)
    Membership.objects.filter(band=w.band, user=w.leader).delete()
    w.venue.staff_roles.filter(user=w.owner).delete()
    assert get_feed(client, band_feed).status_code == 404
    assert get_feed(client, venue_feed).status_code == 404
    w.member.is_active = False
    w.member.save()
    assert get_feed(client, member_feed).status_code == 404

    renewed = feed_create(by=admin, scope=Scope.BAND, band=w.band)
    assert renewed.pk == band_feed.pk and renewed.token != band_feed.token and renewed.user == admin
    assert get_feed(client, renewed).status_code == 200
    assert get_feed(client, band_feed).status_code == 404


def test_feed_create_is_one_per_owner_and_checks_who_asks(w):
    first = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    assert feed_create(by=w.leader, scope=Scope.BAND, band=w.band) == first
    with pytest.raises(feed_services.FeedPermissionError):
        feed_create(by=w.member, scope=Scope.BAND, band=w.band)
    with pytest.raises(feed_services.FeedPermissionError):
        feed_create(by=w.other_owner, scope=Scope.VENUE, venue=w.venue)
    with pytest.raises(feed_services.FeedPermissionError):
        feed_rotate(feed=first, by=w.other_leader)
    with pytest.raises(feed_services.FeedPermissionError):
        feed_options_update(feed=first, by=w.member, include_pending=True)


# ---- Queries ---------------------------------------------------------------------------------------


def add_gigs(w: SimpleNamespace, count: int, *, first_day: int) -> None:
    """`count` more booked gigs of The Night Owls at Kellerbar from `first_day` on, one a day, each
    with a booked support act."""
    for day in range(first_day, first_day + count):
        slot = SlotFactory(venue=w.venue, starts_at=in_days(day), ends_at=in_days(day) + timedelta(hours=3))
        BookingFactory(slot=slot, band=w.band, status=Status.BOOKED, sequence=1, status_changed_at=timezone.now())
        BookingFactory(slot=slot, band=w.support, role="support", status=Status.BOOKED, sequence=1)


def feed_queries(client, feed: CalendarFeed) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = get_feed(client, feed)
    assert response.status_code == 200
    return len(queries), len(events_of(response.content))


@pytest.mark.parametrize("scope", ["member", "band", "venue"])
def test_queries_do_not_grow_with_events(client, w, scope):
    feed = {
        "member": lambda: feed_create(by=w.member, scope=Scope.MEMBER),
        "band": lambda: feed_create(by=w.leader, scope=Scope.BAND, band=w.band),
        "venue": lambda: feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue),
    }[scope]()
    feed_options_update(feed=feed, by=feed.user, include_pending=True)
    add_gigs(w, 4, first_day=50)
    few, few_events = feed_queries(client, feed)
    add_gigs(w, 25, first_day=60)
    many, many_events = feed_queries(client, feed)
    assert few_events >= 5 and many_events >= 30
    # The token, the stamp of the feed's marks, the events (two), the time the stamp holds until (two),
    # the stored validators; and the holds (holds.selectors: their events and their next expiry).
    assert few == many <= 9


def test_band_feed_events_direct_call_matches_the_endpoint(client, w):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    events = band_feed_events(band=w.band, now=timezone.now())
    body = feed_render(name=feed_name(feed), events=events)
    assert body == get_feed(client, feed).content


# ---- Last-Modified follows the feed's content, not only its events' changes ----------------------------


def http_moment(value: str) -> dt.datetime:
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(value)


def test_a_declined_booking_leaving_the_feed_moves_last_modified_and_if_modified_since_gets_it(client, w):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    feed_options_update(feed=feed, by=w.leader, include_pending=True)
    first = get_feed(client, feed)
    assert uid_of(w.wedding) in events_of(first.content)
    assert first["Last-Modified"] == format_datetime(last_change(w.wedding), usegmt=True)

    answering.booking_decline(booking=w.wedding, by=w.leader, reason="Booked elsewhere")

    since_old = get_feed(client, feed, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since_old.status_code == 200
    assert uid_of(w.wedding) not in events_of(since_old.content)
    assert http_moment(since_old["Last-Modified"]) > http_moment(first["Last-Modified"])
    # Nothing changed since: the new value gets a 304, and the time stays put.
    again = get_feed(client, feed, HTTP_IF_MODIFIED_SINCE=since_old["Last-Modified"])
    assert again.status_code == 304
    assert get_feed(client, feed)["Last-Modified"] == since_old["Last-Modified"]


def test_a_busier_week_moves_the_last_modified_of_a_feed_with_available_windows(client, w):
    from availability.services import rule_create

    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    feed_options_update(feed=feed, by=w.leader, include_pending=False, include_available=True)
    first = get_feed(client, feed)
    # The member is busy every evening of the coming fortnight: fewer Available windows.
    day = timezone.localdate() + timedelta(days=1)
    rule_create(
        user=w.member,
        title="Night shift",
        start_date=day,
        start_time=dt.time(12),
        end_date=day + timedelta(days=1),
        end_time=dt.time(6),
        rrule="FREQ=DAILY;COUNT=14",
    )
    since_old = get_feed(client, feed, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since_old.status_code == 200
    assert since_old.content != first.content
    assert http_moment(since_old["Last-Modified"]) > http_moment(first["Last-Modified"])
