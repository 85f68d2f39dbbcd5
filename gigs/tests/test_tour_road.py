"""A tour on the road (decision 0116): each traveller's own secret calendar address of the tour (shows,
drives and stays; who may make it, renewing it, losing it with the party), who sleeps where by reference to
the touring party (the form, the pages, erasure, the export, the old free text moved), and the door forecast
(arithmetic in the band's currency, bounded by the show's capacity)."""

import datetime as dt
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bands.models import Membership
from bookings.errors import BookingPermissionError
from bookings.models import Booking, Quote
from stageslot.privacy.erasure import entry_erase
from stageslot.privacy.export import export_sections
from stageslot.privacy.person_data import MAP

from ..models import TourFeed, TourGig, TourStay, TourStayGuest, TourTraveller
from ..selectors.tours import door_forecast_minor, tour_money
from ..services import tours
from .factories import tour_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = tour_world()
    w.tour = tours.tour_create(band=w.band, by=w.leader, name="Spring run", bookings=w.gigs)
    w.traveller = tours.tour_traveller_add(tour=w.tour, by=w.leader, user=w.crew, role="driver")
    w.stay = tours.tour_stay_save(
        tour=w.tour, by=w.leader, night=w.first, nights=2, check_in=dt.time(15), check_out=dt.time(11),
        name="Hotel Hafenblick", address="Hafenstraße 1",
    )  # fmt: skip
    return w


def feed_url(feed: TourFeed) -> str:
    return reverse("gigs:tour_feed", args=[feed.token])


# ---- Each traveller's calendar address ------------------------------------------------------------


def test_a_traveller_subscribes_to_the_tour_with_shows_drives_and_stays_in_utc_and_no_money(client, world):
    client.force_login(world.crew)
    page = client.get(reverse("gigs:tour", args=[world.tour.pk])).content.decode()
    assert reverse("gigs:tour_calendar", args=[world.tour.pk]) in page  # "Add to calendar" on the itinerary
    assert client.post(reverse("gigs:tour_calendar", args=[world.tour.pk])).status_code == 302
    feed = TourFeed.objects.get(tour=world.tour, user=world.crew)
    page = client.get(reverse("gigs:tour_calendar", args=[world.tour.pk])).content.decode()
    assert f"webcal://testserver{feed_url(feed)}" in page
    client.logout()  # a calendar app has no session
    response = client.get(feed_url(feed))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode().replace("\r\n ", "")
    assert body.count("BEGIN:VEVENT") == 4 + 3 + 1  # four shows, three drives, one stay
    assert "Sleep: Hotel Hafenblick" in body and "Hafenstraße 1" in body
    assert "Drive to Club" in body and "From Club" in body
    assert "DTSTART:" in body and "Z\r\n" in body  # UTC
    assert "Europe/Berlin" in body  # the place's zone, in words
    assert not re.search(r"\bEUR\b|€|400[.,]00", body)  # no money


def test_each_travellers_calendar_names_their_own_room_and_nobody_elses(client, world):
    """The driver's calendar shows the driver's room in the stay; a member's, the member's; one without a room
    in it, none."""
    tours.tour_stay_rooms_set(stay=world.stay, by=world.leader, rooms={world.crew.pk: "12", world.member.pk: "7"})
    crews = tours.tour_feed_make(tour=world.tour, user=world.crew)
    members = tours.tour_feed_make(tour=world.tour, user=world.member)
    leaders = tours.tour_feed_make(tour=world.tour, user=world.leader)
    bodies = {
        who: client.get(feed_url(feed)).content.decode().replace("\r\n ", "")
        for who, feed in (("crew", crews), ("member", members), ("leader", leaders))
    }
    assert "Your room: 12" in bodies["crew"] and "Your room: 7" not in bodies["crew"]
    assert "Your room: 7" in bodies["member"] and "Your room: 12" not in bodies["member"]
    assert "Your room" not in bodies["leader"]


@pytest.mark.parametrize("who", ["other_leader", "stranger"])
def test_who_is_not_in_the_party_gets_no_address(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("gigs:tour_calendar", args=[world.tour.pk])).status_code == 403
    assert client.post(reverse("gigs:tour_calendar", args=[world.tour.pk])).status_code == 403
    assert not TourFeed.objects.exists()
    with pytest.raises(BookingPermissionError):
        tours.tour_feed_make(tour=world.tour, user=getattr(world, who))


def test_anonymous_is_sent_to_sign_in_and_a_wrong_token_or_method_finds_nothing(client, world):
    assert client.get(reverse("gigs:tour_calendar", args=[world.tour.pk])).status_code == 302
    assert client.post(reverse("gigs:tour_calendar", args=[world.tour.pk])).status_code == 302
    assert client.get(reverse("gigs:tour_feed", args=["x" * 43])).status_code == 404
    feed = tours.tour_feed_make(tour=world.tour, user=world.member)
    assert client.post(feed_url(feed)).status_code == 405
    assert client.get(feed_url(feed)).status_code == 200


def test_a_traveller_taken_off_the_tour_loses_the_address_and_others_keep_theirs(client, world):
    crews = tours.tour_feed_make(tour=world.tour, user=world.crew)
    members = tours.tour_feed_make(tour=world.tour, user=world.member)
    assert tours.tour_feed_make(tour=world.tour, user=world.crew) == crews  # one each
    tours.tour_traveller_remove(traveller=world.traveller, by=world.leader)
    assert client.get(feed_url(crews)).status_code == 404
    assert client.get(feed_url(members)).status_code == 200
    Membership.objects.filter(band=world.band, user=world.member).delete()  # left the band
    assert client.get(feed_url(members)).status_code == 404


def test_renewing_the_address_stops_the_old_one(client, world):
    client.force_login(world.member)
    old = tours.tour_feed_make(tour=world.tour, user=world.member)
    response = client.post(reverse("gigs:tour_calendar", args=[world.tour.pk]), {"renew": "1"})
    assert response.status_code == 302
    new = TourFeed.objects.get(pk=old.pk)
    assert new.token != old.token and new.renewed_at is not None
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200


def test_a_stand_in_invited_to_the_tour_gets_an_address(client, world):
    tours.tour_traveller_remove(traveller=world.traveller, by=world.leader)
    tours.tour_traveller_add(tour=world.tour, by=world.leader, user=world.crew, role="stand_in")
    feed = tours.tour_feed_make(tour=world.tour, user=world.crew)
    assert client.get(feed_url(feed)).status_code == 200


# ---- Who sleeps where -----------------------------------------------------------------------------


def rooms_post(world, rooms: dict) -> dict:
    data = {}
    for user, room in rooms.items():
        data[f"here_{user.pk}"] = "on"
        data[f"room_{user.pk}"] = room
    return data


def test_the_leader_puts_people_of_the_party_in_rooms_and_every_page_names_them(client, world, monkeypatch):
    client.force_login(world.leader)
    url = reverse("gigs:tour_stay_rooms", args=[world.tour.pk, world.stay.pk])
    response = client.post(url, rooms_post(world, {world.member: "12", world.crew: "14", world.leader: "12"}))
    assert response.status_code == 302
    assert {(g.user_id, g.room) for g in TourStayGuest.objects.all()} == {
        (world.member.pk, "12"), (world.crew.pk, "14"), (world.leader.pk, "12"),
    }  # fmt: skip
    # Unticked: out of this stay; nobody else changes.
    data = rooms_post(world, {world.member: "12", world.leader: "12"})
    assert client.post(url, data).status_code == 302
    assert set(TourStayGuest.objects.values_list("user_id", flat=True)) == {world.member.pk, world.leader.pk}
    client.force_login(world.crew)
    page = client.get(reverse("gigs:tour", args=[world.tour.pk])).content.decode()
    assert "Room 12: Max Member" in page and "Room 12: Lea Leader" in page
    page = client.get(reverse("gigs:tour_manage", args=[world.tour.pk])).content.decode()
    assert "Room 12: Max Member" in page
    captured = {}
    monkeypatch.setattr("documents.pdf.html_to_pdf", lambda *pages: captured.setdefault("html", pages) and b"%PDF")
    client.get(reverse("documents:tour_book_pdf", args=[world.tour.pk]))
    assert "Room 12: Max Member" in str(captured["html"])


def test_rooms_refuse_bad_input_and_people_outside_the_party(client, world):
    client.force_login(world.leader)
    url = reverse("gigs:tour_stay_rooms", args=[world.tour.pk, world.stay.pk])
    response = client.post(url, rooms_post(world, {world.member: "x" * 21}))
    assert response.status_code == 400 and not TourStayGuest.objects.exists()
    with pytest.raises(ValidationError):
        tours.tour_stay_rooms_set(stay=world.stay, by=world.leader, rooms={world.stranger.pk: "1"})
    for who in (world.member, world.crew, world.other_leader, world.stranger):
        client.force_login(who)
        assert client.post(url, rooms_post(world, {world.member: "1"})).status_code == 403
    client.logout()
    assert client.post(url, rooms_post(world, {world.member: "1"})).status_code == 302
    assert not TourStayGuest.objects.exists()


def test_erasing_a_person_takes_their_room_only_and_their_export_has_it(world):
    tours.tour_stay_rooms_set(stay=world.stay, by=world.leader, rooms={world.crew.pk: "14", world.member.pk: "12"})
    sections = export_sections(user=world.crew, files={})
    rows = [row for table in sections.values() for rows in table.values() for row in rows]
    assert any(row.get("room") == "14" for row in rows)
    assert not any(row.get("room") == "12" for row in rows)
    entry = next(e for e in MAP if e.label == "gigs.TourStayGuest")
    entry_erase(entry=entry, user=world.crew)
    assert list(TourStayGuest.objects.values_list("user_id", "room")) == [(world.member.pk, "12")]


def test_a_traveller_taken_off_the_tour_leaves_its_rooms(world):
    tours.tour_stay_rooms_set(stay=world.stay, by=world.leader, rooms={world.crew.pk: "14", world.member.pk: "12"})
    tours.tour_traveller_remove(traveller=world.traveller, by=world.leader)
    assert list(TourStayGuest.objects.values_list("user_id", flat=True)) == [world.member.pk]


def test_the_old_free_text_moves_to_people_and_what_is_not_found_stays(world):
    TourStay.objects.filter(pk=world.stay.pk).update(rooms="12: Max, Lea Leader\n14: Dana, Uncle Bob\nbikes in the van")
    migration = importlib.import_module("gigs.migrations.0009_tour_feeds_rooms_attendance")
    migration.rooms_to_guests(apps, None)
    assert {(g.user_id, g.room) for g in TourStayGuest.objects.all()} == {
        (world.member.pk, "12"),
        (world.leader.pk, "12"),
    }
    assert TourStay.objects.get(pk=world.stay.pk).rooms == "14: Dana, Uncle Bob\nbikes in the van"


# ---- The door forecast ----------------------------------------------------------------------------


def agree(booking, deal, *, fee_minor=None, percent=70, price=1500, capacity=200, costs=30000, currency="EUR"):
    quote = Quote.objects.create(
        booking=booking, version=1, side="venue", status=Quote.Status.ACCEPTED, deal=deal, fee_minor=fee_minor,
        currency=currency, door_percent=percent, ticket_price_minor=price, capacity=capacity,
        door_costs=[{"kind": "sound", "label": "PA", "amount_minor": costs}] if costs else [],
        expires_at=timezone.now() + dt.timedelta(days=7),
    )  # fmt: skip
    Booking.objects.filter(pk=booking.pk).update(agreed_quote=quote, currency=currency)
    return quote


def major(minor: int) -> Decimal:
    return Decimal(minor) / 100


def test_the_forecast_is_the_door_deal_worked_out_at_the_expected_attendance(world):
    door = agree(world.gigs[1], Quote.Deal.DOOR)
    versus = agree(world.gigs[2], Quote.Deal.VERSUS, fee_minor=150000)
    # 150 × 15.00 = 2,250.00 takings, less 300.00 costs = 1,950.00; 70 % = 1,365.00.
    assert major(door_forecast_minor(door, 150)) == Decimal("1365.00")
    # versus: the guarantee (1,500.00) until the share is higher.
    assert major(door_forecast_minor(versus, 150)) == Decimal("1500.00")
    assert major(door_forecast_minor(versus, 200)) == Decimal("1890.00")  # 3,000 − 300 = 2,700 × 70 %
    assert door_forecast_minor(door, 0) == 0  # nobody came: the costs leave nothing
    tours.tour_attendance_set(tour=world.tour, by=world.leader, booking_id=world.gigs[1].pk, expected=150)
    tours.tour_attendance_set(tour=world.tour, by=world.leader, booking_id=world.gigs[2].pk, expected=200)
    money = tour_money(tour=world.tour)
    rows = {r.booking.pk: r for r in money.rows if r.booking}
    assert rows[world.gigs[1].pk].forecast_minor == 136500
    assert money.forecast_minor == 136500 + 189000
    assert rows[world.gigs[0].pk].forecast_minor is None  # a flat fee has no forecast
    assert money.result_planned_minor == 40000 + 150000 + 70000  # guarantees only: the forecast is not counted


def test_the_forecast_is_in_the_bands_currency_and_another_is_not_summed(client, world):
    world.band.currency = "GBP"
    world.band.save(update_fields=["currency"])
    tour = tours.tour_create(band=world.band, by=world.leader, name="UK", bookings=[])
    TourGig.objects.filter(booking__in=world.gigs[1:3]).update(tour=tour)
    agree(world.gigs[1], Quote.Deal.DOOR, currency="GBP", price=1250, costs=0, percent=80)
    agree(world.gigs[2], Quote.Deal.DOOR, currency="EUR")
    for gig in world.gigs[1:3]:
        tours.tour_attendance_set(tour=tour, by=world.leader, booking_id=gig.pk, expected=100)
    money = tour_money(tour=tour)
    assert money.currency == "GBP"
    assert major(money.forecast_minor) == Decimal("1000.00")  # 100 × 12.50 × 80 %; the EUR show left out
    client.force_login(world.leader)
    page = client.get(reverse("gigs:tour_money", args=[tour.pk])).content.decode()
    assert "Door forecast" in page and re.search(r"1,000(\.00)? GBP", page)


def test_the_expected_attendance_is_bounded_by_the_capacity_and_only_leaders_set_it(client, world):
    agree(world.gigs[1], Quote.Deal.DOOR, capacity=200)
    url = reverse("gigs:tour_attendance", args=[world.tour.pk, world.gigs[1].pk])
    client.force_login(world.leader)
    for bad in ("201", "-1", "many", "99999999"):
        response = client.post(url, {"expected": bad})
        assert response.status_code == 400, bad
    assert "200" in response.content.decode() or "1000000" in response.content.decode()
    assert TourGig.objects.get(booking=world.gigs[1]).expected_attendance is None
    assert client.post(url, {"expected": "200"}).status_code == 302
    assert TourGig.objects.get(booking=world.gigs[1]).expected_attendance == 200
    assert client.post(url, {"expected": ""}).status_code == 302  # no forecast
    assert TourGig.objects.get(booking=world.gigs[1]).expected_attendance is None
    other = reverse("gigs:tour_attendance", args=[world.tour.pk, world.gigs[1].pk + 999])
    assert client.post(other, {"expected": "1"}).status_code == 404
    TourTraveller.objects.filter(pk=world.traveller.pk).update(sees_money=True)
    for who in (world.member, world.crew, world.other_leader, world.stranger):
        client.force_login(who)
        assert client.post(url, {"expected": "10"}).status_code == 403
    client.logout()
    assert client.post(url, {"expected": "10"}).status_code == 302
    assert TourGig.objects.get(booking=world.gigs[1]).expected_attendance is None
    client.force_login(world.leader)
    page = client.get(reverse("gigs:tour_money", args=[world.tour.pk])).content.decode()
    assert 'id="attendance' in page
