"""Beds against the route (issue 84): every night without a bed is named, and so is every bed in another town than
the one the party plays in or stops in that night; a drive that waits for the morning leaves from where the party
slept, not from the last show's door. A stay's town is one StageSlot knows (its point), or kept as typed."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ..selectors.tours import tour_itinerary
from ..services import tours
from .factories import tour_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    # Shows on nights 0 (Hamburg), 1 (Bremen), 2 (Hannover) and 4 (Kassel): a day off on night 3.
    w = tour_world(suffix="b")
    w.tour = tours.tour_create(band=w.band, by=w.leader, name="Beds", bookings=w.gigs)
    return w


def stay(world, night: int, nights: int, city: str, name: str):
    return tours.tour_stay_save(
        tour=world.tour, by=world.leader, night=world.first + dt.timedelta(days=night), nights=nights,
        check_in=dt.time(15), check_out=dt.time(11), name=name, city=city,
    )  # fmt: skip


def test_a_bed_in_another_town_and_a_night_without_one_are_both_named(world, client):
    stay(world, 0, 3, "Hamburg", "Hotel Nordlicht")  # nights 0–2: Hamburg, then Bremen and Hannover from Hamburg
    stay(world, 3, 1, "Kassel", "Hotel Fulda")  # the day off before Kassel: where the party goes next
    itinerary = tour_itinerary(tour=world.tour)
    far = [(night - world.first).days for night, _stay in itinerary.beds_elsewhere]
    assert far == [1, 2]
    assert itinerary.nights_without_bed == []
    client.force_login(world.leader)
    page = client.get(reverse("gigs:tour", args=[world.tour.pk])).content.decode()
    assert "2 nights&#x27; beds are far from where you play or stop" in page or "2 nights' beds are far" in page
    assert "Hotel Nordlicht is in Hamburg, far from where you play or stop this night." in page


def test_a_night_without_a_bed_is_still_named_and_a_bed_in_town_is_fine(world):
    stay(world, 0, 1, "Hamburg", "Hotel Nordlicht")
    stay(world, 1, 1, "Bremen", "Hotel Schlachte")
    itinerary = tour_itinerary(tour=world.tour)
    assert itinerary.beds_elsewhere == []
    assert [(night - world.first).days for night in itinerary.nights_without_bed] == [2, 3]


def test_the_mornings_drive_leaves_from_the_hotel(world):
    # Sleeping in Hamburg after the Bremen show: the drive to Hannover leaves from Hamburg, not Bremen's door.
    # Without a stay the drive goes from the last show's door.
    plain = tour_itinerary(tour=world.tour)
    from_door = next(d for day in plain.days for d in day.drives if "Hannover" in d.destination)
    assert from_door.origin.startswith("Club Bremen")
    stay(world, 1, 1, "Hamburg", "Hotel Nordlicht")
    itinerary = tour_itinerary(tour=world.tour)
    to_hannover = next(d for day in itinerary.days for d in day.drives if "Hannover" in d.destination)
    assert to_hannover.origin == "Hotel Nordlicht"
    assert to_hannover.km > from_door.km  # Hamburg to Hannover is further than Bremen to Hannover


def test_a_town_nobody_can_tell_apart_asks_for_the_country_and_an_unknown_one_is_kept(world):
    kept = stay(world, 0, 1, "Kleinkleckersdorf", "Gasthof")
    assert (kept.city, kept.point) == ("Kleinkleckersdorf", None)
    known = stay(world, 1, 1, "bremen", "Hotel Schlachte")
    assert known.city == "Bremen" and known.point is not None
    with pytest.raises(ValidationError) as refused:
        stay(world, 2, 1, "Frankfurt", "Hotel")
    assert "add the country" in str(refused.value)
