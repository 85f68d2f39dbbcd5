"""A tour's pages: reached from the band's pages, the itinerary for the touring party only (leader, member,
crew invited to the tour; not another band, a stranger or anyone signed out), the money only for those
allowed, bad input refused with a message and nothing changed, the itinerary's query count pinned."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings.models import Booking

from ..models import Tour, TourCost, TourInvite, TourStay, TourTraveller
from ..selectors import tours as selectors
from ..services import tours
from .factories import tour_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = tour_world()
    w.tour = tours.tour_create(band=w.band, by=w.leader, name="Spring run", bookings=w.gigs)
    tours.tour_traveller_add(tour=w.tour, by=w.leader, user=w.crew, role="driver")
    return w


def as_(client, user):
    if user is not None:
        client.force_login(user)
    return client


WHO = ["leader", "member", "crew", "other_leader", "stranger", None]
# (page name, may see it) per person, in WHO's order.
MATRIX = {
    "gigs:tour": [200, 200, 200, 403, 403, 302],
    "gigs:tour_manage": [200, 200, 200, 403, 403, 302],
    "gigs:tour_money": [200, 403, 403, 403, 403, 302],
    "documents:tour_money_csv": [200, 403, 403, 403, 403, 302],
    "documents:tour_book_pdf": [200, 200, 200, 403, 403, 302],
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_who_sees_each_page_of_the_tour(client, world, name, monkeypatch):
    # The tour book's text is read in test_tour_book.py; here only who gets it (no WeasyPrint render).
    monkeypatch.setattr("documents.pdf.html_to_pdf", lambda *pages: b"%PDF-1.7 tour book")
    url = reverse(name, args=[world.tour.pk])
    got = []
    for who in WHO:
        client.logout()
        as_(client, getattr(world, who) if who else None)
        got.append(client.get(url).status_code)
    assert got == MATRIX[name]


def test_the_money_is_seen_by_a_traveller_allowed_to(client, world):
    TourTraveller.objects.filter(user=world.crew).update(sees_money=True)
    as_(client, world.crew)
    assert client.get(reverse("gigs:tour_money", args=[world.tour.pk])).status_code == 200
    page = client.get(reverse("gigs:tour", args=[world.tour.pk])).content.decode()
    assert reverse("gigs:tour_money", args=[world.tour.pk]) in page


def test_a_member_reads_no_money_link(client, world):
    as_(client, world.member)
    page = client.get(reverse("gigs:tour", args=[world.tour.pk])).content.decode()
    assert reverse("gigs:tour_money", args=[world.tour.pk]) not in page


def test_the_tour_is_reached_from_the_bands_pages_by_clicks(client, world):
    as_(client, world.member)
    who_is_in = client.get(reverse("gigs:band_gigs", args=[world.band.slug])).content.decode()
    tours_url = reverse("gigs:band_tours", args=[world.band.slug])
    assert tours_url in who_is_in
    listing = client.get(tours_url).content.decode()
    assert reverse("gigs:tour", args=[world.tour.pk]) in listing
    # A stranger and another band's leader get no list.
    client.logout()
    as_(client, world.other_leader)
    assert client.get(tours_url).status_code == 403


def test_the_itinerary_shows_days_drives_and_stays(client, world):
    tours.tour_stay_save(
        tour=world.tour,
        by=world.leader,
        night=world.first,
        nights=1,
        check_in=dt.time(15),
        check_out=dt.time(11),
        name="Hotel Hafenblick",
        confirmation="HB-1234",
        rooms="101: Lea\n102: Max, Dana",
    )
    as_(client, world.crew)
    response = client.get(reverse("gigs:tour", args=[world.tour.pk]))
    page = response.content.decode()
    assert "Hotel Hafenblick" in page and "HB-1234" in page and "102: Max, Dana" in page
    assert "Day off" in page and "Show day" in page
    assert "Drive" in page and "km" in page
    assert "15:00" in page  # the check-in in the hotel's zone
    assert response["X-StageSlot-Keep"] == str(world.crew.pk)  # kept for the road


def test_every_night_without_a_bed_is_named_and_a_stay_takes_the_warning_away(client, world):
    """Nights 0–3 of a tour whose last gig is on day 4 need a bed (its last night does not); the leader and the
    driver read the same warning, with a link to each night."""
    itinerary = selectors.tour_itinerary(tour=world.tour)
    assert itinerary.nights_without_bed == [world.first + dt.timedelta(days=n) for n in range(4)]
    for reader in (world.leader, world.crew):
        page = as_(client, reader).get(reverse("gigs:tour", args=[world.tour.pk])).content.decode()
        assert "4 nights have no bed yet:" in page and page.count("No bed for this night yet") == 4
        assert f'href="#day-{world.first.isoformat()}"' in page
    tours.tour_stay_save(
        tour=world.tour,
        by=world.leader,
        night=world.first,
        nights=4,
        check_in=dt.time(15),
        check_out=dt.time(11),
        name="Hotel Hafenblick",
    )
    assert selectors.tour_itinerary(tour=world.tour).nights_without_bed == []
    page = as_(client, world.crew).get(reverse("gigs:tour", args=[world.tour.pk])).content.decode()
    assert "no bed yet" not in page and "No bed for this night" not in page


def test_the_itinerary_reads_in_german(client, world):
    as_(client, world.member)
    page = client.get(reverse("gigs:tour", args=[world.tour.pk]), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Spieltag" in page and "Fahrt" in page


def test_the_itinerarys_queries_do_not_grow_with_the_tour(client, django_assert_num_queries):
    short = tour_world(nights=[0, 1], suffix="s")
    long = tour_world(nights=list(range(0, 30, 2)), suffix="l", start_in=40)
    counts = []
    for w in (short, long):
        tour = tours.tour_create(band=w.band, by=w.leader, name="T", bookings=w.gigs)
        for n in range(3):
            stay = tours.tour_stay_save(
                tour=tour, by=w.leader, night=w.first + dt.timedelta(days=n), nights=1,
                check_in=dt.time(15), check_out=dt.time(11), name=f"Hotel {n}",
            )  # fmt: skip
            tours.tour_stay_rooms_set(stay=stay, by=w.leader, rooms={w.leader.pk: "1", w.member.pk: "2"})
        client.force_login(w.member)
        url = reverse("gigs:tour", args=[tour.pk])
        client.get(url)
        # The gigs, the stays and who sleeps where in them (three), and what every page reads.
        with django_assert_num_queries(9) as captured:
            client.get(url)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_leader_makes_a_tour_from_booked_gigs(client):
    w = tour_world(suffix="m")
    as_(client, w.leader)
    url = reverse("gigs:band_tours", args=[w.band.slug])
    response = client.post(url, {"name": "North", "gigs": [w.gigs[0].pk, w.gigs[1].pk]})
    tour = Tour.objects.get(band=w.band)
    assert response.status_code == 302 and response["Location"] == reverse("gigs:tour", args=[tour.pk])
    # No name: a message, nothing made.
    assert client.post(url, {"name": "", "gigs": [w.gigs[2].pk]}).status_code == 400
    assert Tour.objects.filter(band=w.band).count() == 1
    # A member may not make one.
    client.force_login(w.member)
    assert client.post(url, {"name": "Mine"}).status_code == 403


def test_bad_input_is_refused_with_a_message_and_nothing_changes(client, world):
    as_(client, world.leader)
    stays = reverse("gigs:tour_stay_add", args=[world.tour.pk])
    response = client.post(
        stays, {"name": "X", "night": "9999-12-31", "nights": "0", "check_in": "25:00", "check_out": "11:00"}
    )
    assert response.status_code == 400 and TourStay.objects.count() == 0
    party = reverse("gigs:tour_traveller_add", args=[world.tour.pk])
    response = client.post(party, {"email": "nobody at example", "role": "driver"})
    assert response.status_code == 400 and "valid email" in response.content.decode()
    response = client.post(party, {"email": "nobody@example.test", "role": "pilot"})
    assert response.status_code == 400 and not TourInvite.objects.exists()
    money = reverse("gigs:tour_money", args=[world.tour.pk])
    assert client.post(money, {"kind": "fuel", "planned": "-5"}).status_code == 400
    assert client.post(money, {"kind": "fuel", "planned": "120", "gig": str(world.gigs[0].pk)}).status_code == 302
    assert TourCost.objects.get().planned_minor == 12000
    # Crew who may see everything else may change nothing.
    client.force_login(world.crew)
    assert client.post(money, {"kind": "fuel", "planned": "1"}).status_code == 403
    assert client.post(reverse("gigs:tour_gig_remove", args=[world.tour.pk, world.gigs[0].pk])).status_code == 403


def test_the_csv_has_a_row_a_show_and_the_totals(client, world):
    tours.tour_cost_add(tour=world.tour, by=world.leader, kind="fuel", planned_minor=5000)
    Booking.objects.filter(pk=world.gigs[0].pk).update(status=Booking.Status.CANCELLED)
    as_(client, world.leader)
    response = client.get(reverse("documents:tour_money_csv", args=[world.tour.pk]))
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(lines) == 1 + 4 + 1 + 1  # header, four shows, the whole tour, the totals
    assert lines[-1].endswith("1800.00,50.00,50.00,1750.00,1750.00,EUR")


def test_each_traveller_gets_the_tour_as_a_calendar_with_drives_and_stays(client, world):
    tours.tour_stay_save(
        tour=world.tour, by=world.leader, night=world.first, nights=1,
        check_in=dt.time(15), check_out=dt.time(11), name="Hotel Hafenblick",
    )  # fmt: skip
    Booking.objects.filter(pk=world.gigs[-1].pk).update(status=Booking.Status.CANCELLED)
    as_(client, world.crew)
    response = client.get(reverse("gigs:tour_ics", args=[world.tour.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 4 + 2 + 1  # four gigs, two drives (none to the cancelled one), a stay
    assert "Sleep: Hotel Hafenblick" in body and "Drive to Club Bremen 1" in body
    assert body.count("STATUS:CANCELLED") == 1
    assert "EUR" not in body  # no money
    client.logout()
    as_(client, world.stranger)
    assert client.get(reverse("gigs:tour_ics", args=[world.tour.pk])).status_code == 403


def test_who_may_set_an_exchange_rate(client, world):
    """The leaders only (this tour has no show in CHF: let in, then refused with a message); see test_tour_rates."""
    url = reverse("gigs:tour_rate", args=[world.tour.pk])
    got = []
    for who in WHO:
        client.logout()
        as_(client, getattr(world, who) if who else None)
        got.append(client.post(url, {"currency": "CHF", "rate": "1.0480"}).status_code)
    assert got == [400, 403, 403, 403, 403, 302]
