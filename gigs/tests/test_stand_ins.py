"""Stand-ins: the band's pool; asking several at once for a member's place; the first yes takes it, the others
are told it is filled; a stand-in gets the gig, its day sheet, a personal feed and the absent member's share."""

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.models import BandBlock, Membership
from bands.tests.factories import MembershipFactory
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.selectors.feeds import member_feed_events
from bookings.services import ending
from gigs.models import GigAnswer, StandIn, StandInAsk
from gigs.services.answers import gig_answer_set, gig_lineup_open
from gigs.services.day_sheets import day_sheet_update
from gigs.services.stand_ins import PlaceFilled, stand_in_add, stand_in_ask_reply, stand_in_request_create
from gigs.tests.factories import gig_world
from payments.models import MemberSplit

pytestmark = pytest.mark.django_db


def stand_in_world(suffix: str = ""):
    w = gig_world(suffix)
    w.drummer = MembershipFactory(
        band=w.band, role=Membership.Role.MEMBER, instrument="Drums", required=True, user__display_name="Dana Drums"
    ).user
    gig_lineup_open(booking=w.gig)
    gig_answer_set(booking=w.gig, member=w.drummer, by=w.drummer, answer="cant", comment="Away")
    w.place = GigAnswer.objects.get(booking=w.gig, member=w.drummer)
    w.sam = stand_in_add(band=w.band, by=w.leader, name="Sam Sticks", email="sam@example.com", instrument="Drums")
    w.kim_user = UserFactory(email="kim@example.com", display_name="Kim Kit")
    w.kim = stand_in_add(band=w.band, by=w.leader, name="Kim Kit", email="KIM@example.com", instrument="Drums")
    return w


@pytest.fixture
def world():
    return stand_in_world()


# ---- The pool ---------------------------------------------------------------------------------------------


def test_a_stand_in_with_an_accounts_email_is_linked_to_it(world):
    assert world.kim.user == world.kim_user
    assert world.sam.user is None


def test_only_leaders_add_stand_ins_and_bad_input_is_told(world):
    with pytest.raises(BookingPermissionError):
        stand_in_add(band=world.band, by=world.member, name="X", email="x@example.com", instrument="Bass")
    with pytest.raises(ValidationError) as exc:
        stand_in_add(band=world.band, by=world.leader, name=" ", email="not-an-email", instrument="")
    assert set(exc.value.message_dict) == {"name", "email", "instrument"}
    with pytest.raises(ValidationError):
        stand_in_add(band=world.band, by=world.leader, name="Sam", email="sam@example.com", instrument="drums")
    assert StandIn.objects.filter(band=world.band).count() == 2


def test_the_pool_page_for_members_leaders_and_nobody_else(client, world):
    url = reverse("gigs:stand_ins", args=[world.band.slug])
    client.force_login(world.member)
    html = client.get(url).content.decode()
    assert "Sam Sticks" in html and "sam@example.com" not in html
    assert client.post(url, {"name": "A", "email": "a@example.com", "instrument": "Bass"}).status_code == 404
    client.force_login(world.leader)
    assert "sam@example.com" in client.get(url).content.decode()
    bad = client.post(url, {"name": "", "email": "nope", "instrument": ""})
    assert bad.status_code == 400
    assert client.post(url, {"name": "Alex Bass", "email": "alex@example.com", "instrument": "Bass"}).status_code == 302
    assert StandIn.objects.filter(band=world.band, name="Alex Bass").exists()
    for outsider in (world.other_leader, world.stranger, world.owner):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


# ---- Asking ----------------------------------------------------------------------------------------------


def test_asking_two_emails_the_one_without_an_account_and_notifies_the_other(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam, world.kim], message="Cash")
    asks = {a.stand_in_id: a for a in StandInAsk.objects.all()}
    assert set(asks) == {world.sam.pk, world.kim.pk}
    sam_mail = next(m for m in mail.outbox if "sam@example.com" in m.to)
    assert reverse("gigs:stand_in_ask", args=[asks[world.sam.pk].token]) in sam_mail.body
    assert Notification.objects.filter(recipient=world.kim_user, kind="stand_in_asked").exists()


def test_asking_is_refused_for_members_filled_places_and_strangers_of_the_pool(world):
    other_pool = stand_in_add(
        band=world.other_band, by=world.other_leader, name="O", email="o@example.com", instrument="Drums"
    )
    with pytest.raises(BookingPermissionError):
        stand_in_request_create(place=world.place, by=world.member, stand_ins=[world.sam])
    with pytest.raises(ValidationError):
        stand_in_request_create(place=world.place, by=world.leader, stand_ins=[other_pool])
    with pytest.raises(ValidationError):
        stand_in_request_create(place=world.place, by=world.leader, stand_ins=[])
    fine = GigAnswer.objects.get(booking=world.gig, member=world.member)
    with pytest.raises(BookingConflict):
        stand_in_request_create(place=fine, by=world.leader, stand_ins=[world.sam])
    assert not StandInAsk.objects.exists()


def test_the_first_yes_takes_the_place_and_the_other_is_told_it_is_filled(world, django_capture_on_commit_callbacks):
    request = stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam, world.kim])
    sam_ask = request.asks.get(stand_in=world.sam)
    kim_ask = request.asks.get(stand_in=world.kim)
    assert BandBlock.objects.get(pk=world.gig.block_id).lineup["at_risk"] is True
    with django_capture_on_commit_callbacks(execute=True):
        stand_in_ask_reply(ask=sam_ask, reply="yes")
    world.place.refresh_from_db()
    assert world.place.stand_in == world.sam
    kim_ask.refresh_from_db()
    assert kim_ask.reply == StandInAsk.Reply.FILLED
    assert Notification.objects.filter(recipient=world.kim_user, kind="stand_in_filled").exists()
    assert Notification.objects.filter(recipient=world.leader, kind="stand_in_filled").exists()
    assert BandBlock.objects.get(pk=world.gig.block_id).lineup["at_risk"] is False
    with pytest.raises(PlaceFilled):
        stand_in_ask_reply(ask=kim_ask, reply="yes")
    world.place.refresh_from_db()
    assert world.place.stand_in == world.sam
    # The winner's second click changes nothing.
    assert stand_in_ask_reply(ask=sam_ask, reply="yes").reply == "yes"


def test_a_stand_in_with_an_account_takes_the_absent_members_share(world):
    request = stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.kim])
    stand_in_ask_reply(ask=request.asks.get(), reply="yes")
    splits = {s.member_id: s.percent for s in MemberSplit.objects.filter(booking=world.gig)}
    assert splits[world.drummer.pk] == 0
    assert splits[world.kim_user.pk] > 0
    assert sum(splits.values()) == Decimal(100)


def test_no_stand_in_after_the_gig_or_once_it_is_cancelled(world):
    request = stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam])
    ask = request.asks.get()
    with pytest.raises(BookingConflict):
        stand_in_ask_reply(ask=ask, reply="yes", now=world.gig.ends_at + dt.timedelta(minutes=1))
    ending.booking_cancel(booking=world.gig, by=world.owner, reason="Closed")
    with pytest.raises(BookingConflict):
        stand_in_ask_reply(ask=ask, reply="yes")
    assert GigAnswer.objects.get(pk=world.place.pk).stand_in is None


# ---- The pages ----------------------------------------------------------------------------------------------


def test_the_request_page_is_for_the_bands_leaders(client, world):
    url = reverse("gigs:stand_in_request", args=[world.gig.uid, world.place.pk])
    for outsider in (world.member, world.other_leader, world.stranger, world.owner):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"stand_ins": [world.sam.pk]}).status_code == 404
    client.force_login(world.leader)
    assert "Sam Sticks" in client.get(url).content.decode()
    assert client.post(url, {"stand_ins": ["nope"]}).status_code == 400
    assert client.post(url, {"stand_ins": [world.sam.pk, world.kim.pk]}).status_code == 302
    assert StandInAsk.objects.count() == 2


def test_the_ask_link_works_without_an_account_and_says_when_the_place_is_filled(client, world):
    request = stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam, world.kim])
    sam_url = reverse("gigs:stand_in_ask", args=[request.asks.get(stand_in=world.sam).token])
    kim_url = reverse("gigs:stand_in_ask", args=[request.asks.get(stand_in=world.kim).token])
    assert "Can you stand in" in client.get(sam_url).content.decode()
    assert client.post(sam_url, {"reply": "maybe"}).status_code == 400
    response = client.post(sam_url, {"reply": "yes"})
    assert "The place is yours" in response.content.decode()
    response = client.post(kim_url, {"reply": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "Someone else took the place first" in response.content.decode()
    assert "Someone else took the place first" in client.get(kim_url).content.decode()
    assert client.get(reverse("gigs:stand_in_ask", args=["x" * 40])).status_code == 404


def test_a_stand_in_sees_only_the_gig_they_play_with_its_day_sheet_and_a_feed(client, world):
    day_sheet_update(booking=world.gig, by=world.owner, venue_contact_name="Vera Venue", parking="Behind the bar")
    request = stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam])
    stand_in_ask_reply(ask=request.asks.get(), reply="yes")
    home = client.get(reverse("gigs:stand_in_home", args=[world.sam.token])).content.decode()
    assert "Vera Venue" in home and "Behind the bar" in home
    assert str(world.request.uid) not in home  # the band's other gig is not theirs
    feed = client.get(reverse("gigs:stand_in_feed", args=[world.sam.token]))
    assert feed.status_code == 200
    assert feed.content.count(b"BEGIN:VEVENT") == 1
    assert client.get(reverse("gigs:stand_in_feed", args=["A" * 43])).status_code == 404
    # A stand-in is not a member: the band's own pages stay closed to them.
    client.force_login(world.kim_user)
    assert client.get(reverse("gigs:gig", args=[world.gig.uid])).status_code == 404


def _took_the_place(world) -> None:
    request = stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam])
    stand_in_ask_reply(ask=request.asks.get(), reply="yes")


def test_a_stand_in_without_an_account_reads_the_gig_in_its_own_named_zone(client, world):
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    doors = world.gig.starts_at - dt.timedelta(minutes=30)
    day_sheet_update(booking=world.gig, by=world.owner, doors_at=doors)
    request = stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam])
    asked = client.get(reverse("gigs:stand_in_ask", args=[request.asks.get().token])).content.decode()
    start = world.gig.starts_at.astimezone(berlin)
    assert f"{start:%H:%M}–" in asked and "(Europe/Berlin)" in asked and "UTC" not in asked
    stand_in_ask_reply(ask=request.asks.get(), reply="yes")
    page = client.get(reverse("gigs:stand_in_home", args=[world.sam.token])).content.decode()
    assert f"{start:%H:%M}–" in page and "(Europe/Berlin)" in page
    assert "UTC" not in page
    # The day sheet's times are the gig's clock too.
    assert f"{doors.astimezone(berlin):%H:%M}" in re.search(r"Doors</dt><dd>([^<]+)</dd>", page).group(1)


def test_a_signed_in_reader_in_another_zone_also_reads_it_in_theirs(client, world):
    _took_the_place(world)
    world.kim_user.time_zone = "America/New_York"
    world.kim_user.save(update_fields=["time_zone"])
    client.force_login(world.kim_user)
    page = client.get(reverse("gigs:stand_in_home", args=[world.sam.token])).content.decode()
    assert "(Europe/Berlin)" in page and "(America/New_York)" in page


def test_the_stand_ins_feed_names_the_band_once_as_the_members_feed_does(client, world):
    _took_the_place(world)
    feed = client.get(reverse("gigs:stand_in_feed", args=[world.sam.token])).content.decode()
    summaries = re.findall(r"^SUMMARY:([^\r\n]*)", feed, flags=re.MULTILINE)
    assert summaries == ["The Night Shift at Kellerbar"]
    members = {e.uid: e.summary for e in member_feed_events(user=world.drummer, now=world.gig.starts_at)}
    assert members[f"booking-{world.gig.uid}@stageslot"] == summaries[0]


def test_an_ask_to_someone_without_an_account_carries_a_one_click_unsubscribe_that_stops_the_next(
    world, django_capture_on_commit_callbacks
):
    from django.test import Client

    from accounts.mail.suppression import mail_suppressed

    with django_capture_on_commit_callbacks(execute=True):
        stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam])
    sam_mail = next(m for m in mail.outbox if "sam@example.com" in m.to)
    header = sam_mail.extra_headers["List-Unsubscribe"]
    assert sam_mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = header[1:-1].split("://", 1)[1].partition("/")[2]
    assert "sam" not in link
    mail_client = Client(enforce_csrf_checks=True)
    assert "Stop these emails?" in mail_client.get("/" + link).content.decode()
    response = mail_client.post("/" + link, HTTP_CONTENT_TYPE="application/x-www-form-urlencoded")
    assert response.status_code == 200 and mail_suppressed(email="sam@example.com")
    mail.outbox.clear()
    StandInAsk.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam])
    assert not [m for m in mail.outbox if "sam@example.com" in m.to]
