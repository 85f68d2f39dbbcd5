"""The gig finder's cost follows the page it shows (decision 0092): it counts only a few pages ahead, and a
slot in a city where the band's fans asked it to come is marked for the people acting for the band."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bands import search_pages
from bands.demand import city_demand_replace
from bands.tests.factories import MembershipFactory
from bookings.tests.factories import SlotFactory, band_with_leader, in_days
from bookings.views import finder as finder_view
from places.tests.factories import CityFactory
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

URL = reverse("bookings:gig_finder")


def titles(response) -> list[str]:
    return re.findall(r'class="slot-card__title">\s*<a href="[^"]+">([^<]+)</a>', response.content.decode())


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of two, counted one page ahead: four slots are counted from page 1, eight from page 3."""
    monkeypatch.setattr(finder_view, "PAGE_SIZE", 2)
    monkeypatch.setattr(search_pages, "PAGES_AHEAD", 1)


def test_the_finder_counts_only_a_few_pages_past_the_page_asked_for(client, small_pages):
    for n in range(6):
        SlotFactory(title=f"Slot {n}", starts_at=in_days(n + 1))
    first = client.get(URL)
    html = first.content.decode()
    assert titles(first) == ["Slot 0", "Slot 1"]
    assert "more than 4 slots" in html
    assert "page 1 of" not in html
    third = client.get(URL, {"page": "3"})
    assert titles(third) == ["Slot 4", "Slot 5"]
    html = third.content.decode()
    assert "6 slots" in html and "more than" not in html
    assert "page 3 of 3" in html


def test_the_finder_count_is_bounded_by_a_limit_in_sql(client):
    SlotFactory(title="Open")
    with CaptureQueriesContext(connection) as captured:
        client.get(URL)
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert len(counts) == 1
    # 24 a page, five pages ahead of page 1, one more to know there are more.
    assert "LIMIT 145" in counts[0]


def test_only_slots_we_can_play_are_keyed_a_few_pages_ahead(client, small_pages):
    band, leader = band_with_leader(name="The Thaws")
    MembershipFactory(band=band, required=True)
    for n in range(6):
        SlotFactory(title=f"Slot {n}", starts_at=in_days(n + 1))
    client.force_login(leader)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"playable": "on"})
    assert titles(response) == ["Slot 0", "Slot 1"]
    assert "more than 4 slots" in response.content.decode()
    keys = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "venues_slot"."id" AS')]
    assert keys and all("LIMIT 5" in sql for sql in keys)


# ---- Where the band's fans asked it to come -----------------------------------------------------------------


def venue_at(city):
    return VenueFactory(city=city.name, place=city)


@pytest.fixture
def asked():
    """The Thaws with a leader and a plain member; fans asked them to Leipzig (3 asks); a slot in Leipzig and
    one in Munich; and another band asked to Munich."""
    band, leader = band_with_leader(name="The Thaws")
    member = MembershipFactory(band=band).user
    leipzig, munich = CityFactory(name="Leipzig"), CityFactory(name="Munich")
    city_demand_replace(band_id=band.pk, counts={leipzig.pk: (3, 0)})
    other, _ = band_with_leader(name="Others")
    city_demand_replace(band_id=other.pk, counts={munich.pk: (40, 2)})
    SlotFactory(venue=venue_at(leipzig), title="In Leipzig", starts_at=in_days(3))
    SlotFactory(venue=venue_at(munich), title="In Munich", starts_at=in_days(4))
    return band, leader, member


def test_a_slot_where_fans_asked_the_band_is_marked_for_its_leader(client, asked):
    _band, leader, _member = asked
    client.force_login(leader)
    response = client.get(URL)
    html = response.content.decode()
    assert titles(response) == ["In Leipzig", "In Munich"]
    # Once, on the Leipzig card; the asks as the planner words a small count, never who asked.
    assert html.count("Fans asked: Leipzig") == 1
    assert "fewer than 5 asks" in html
    assert "3 asks" not in html
    # Another band's demand is not this band's.
    assert "Fans asked: Munich" not in html
    cards = html.split('class="slot-card"')
    assert "Fans asked" in cards[1] and "Fans asked" not in cards[2]


def test_a_city_where_only_followers_live_reads_as_followers_not_asks(client, asked):
    band, leader, _member = asked
    munich = CityFactory(name="Munich")
    SlotFactory(venue=venue_at(munich), title="Munich again", starts_at=in_days(5))
    city_demand_replace(band_id=band.pk, counts={munich.pk: (0, 7)})
    client.force_login(leader)
    html = client.get(URL).content.decode()
    assert "Fans asked: Munich" not in html and "Fans asked" not in html
    assert "Followers live in Munich" in html and "7 followers" in html


def test_a_plain_member_and_a_visitor_see_no_demand(client, asked):
    _band, _leader, member = asked
    client.force_login(member)
    assert "Fans asked" not in client.get(URL).content.decode()
    client.logout()
    assert "Fans asked" not in client.get(URL).content.decode()


def test_the_demand_costs_one_query(client, asked):
    _band, leader, member = asked
    client.force_login(member)
    client.get(URL)  # the cached lists (genres, countries) are read once
    with CaptureQueriesContext(connection) as as_member:
        client.get(URL)
    client.force_login(leader)
    client.get(URL)
    with CaptureQueriesContext(connection) as as_leader:
        client.get(URL)
    assert len(as_leader) == len(as_member) + 1
    assert sum("bands_citydemand" in q["sql"] for q in as_leader.captured_queries) == 1


def test_the_demand_does_not_grow_with_the_page(client, asked):
    _band, leader, _member = asked
    venue = venue_at(CityFactory(name="Leipzig"))
    for n in range(30):
        SlotFactory(venue=venue, title=f"Slot {n}", starts_at=in_days(5) + dt.timedelta(hours=n * 6))
    client.force_login(leader)
    client.get(URL)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    # The page: In Leipzig, In Munich, then 22 of the 30 Leipzig slots.
    assert response.content.decode().count("Fans asked: Leipzig") == 23
    assert sum("bands_citydemand" in q["sql"] for q in captured.captured_queries) == 1
