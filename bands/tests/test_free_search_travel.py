"""The free-date search counts travel between gigs as busy time, as every other reader does
(docs/decisions/0028-travel-and-buffers.md): a member who plays a gig somewhere else is on the road for
the journey between it and the band's home, at the band's speed (bands.selectors._on_the_road)."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from availability.models import BusyInterval
from bands.models import Band, BandBusyInterval
from bands.selectors import band_search
from bands.services import band_gig_block_add
from bands.tests.factories import BandFactory, MembershipFactory
from bands.travel import band_point, journey, located_gigs, travel_clash
from places.tests.factories import CityFactory

# Compiled per database (as_sql for SQLite, interval arithmetic on PostgreSQL): run on both.
pytestmark = [pytest.mark.django_db, pytest.mark.db_specific]

UTC = dt.UTC
BERLIN = (52.52437, 13.41053)
BRISTOL = (51.45523, -2.59665)
# Berlin–Bristol is 1,100 km: 944 minutes at 70 km/h, 74 minutes at 900 km/h.
BY_ROAD = journey(BRISTOL, BERLIN, 70)
BY_AIR = journey(BRISTOL, BERLIN, 900)
MINUTE = dt.timedelta(minutes=1)


def names(qs) -> list[str]:
    return sorted(band.name for band in qs)


def free(start: dt.datetime, end: dt.datetime) -> list[str]:
    return names(band_search(free_between=(start, end)))


def night(days: int = 10, hour: int = 0, minute: int = 0) -> dt.datetime:
    day = timezone.now().astimezone(UTC).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def berlin_band(name: str = "Berlin Band", **fields) -> Band:
    band = BandFactory(name=name, place=CityFactory(name="Berlin"), **fields)
    band.save()  # copies the city's point onto the band: its home
    return band


def gig(band: Band, starts_at: dt.datetime, ends_at: dt.datetime, point=BRISTOL):
    """A booked gig with no load-in or pack-down: its members are busy exactly [starts_at, ends_at)."""
    return band_gig_block_add(
        band_id=band.pk,
        starts_at=starts_at,
        ends_at=ends_at,
        title="Gig",
        load_in_minutes=0,
        pack_down_minutes=0,
        point=point,
    )


@pytest.fixture
def band() -> Band:
    """A Berlin band with one required member, playing Bristol 20:00–23:00 UTC in ten days."""
    band = berlin_band()
    MembershipFactory(band=band, required=True)
    gig(band, night(10, 20), night(10, 23))
    return band


def test_the_journey_home_from_a_gig_elsewhere_is_busy(band):
    assert dt.timedelta(minutes=944) == BY_ROAD
    assert free(night(10, 23, 30), night(11, 1)) == []  # still on the road from Bristol
    home = night(10, 23) + BY_ROAD  # 14:44 the next day
    assert free(home, home + dt.timedelta(hours=2)) == ["Berlin Band"]
    assert free(home - MINUTE, home + dt.timedelta(hours=2)) == []


def test_the_journey_to_a_gig_elsewhere_is_busy_too(band):
    leave = night(10, 20) - BY_ROAD  # 04:16 the same day
    assert free(leave - dt.timedelta(hours=2), leave) == ["Berlin Band"]
    assert free(leave - dt.timedelta(hours=2), leave + MINUTE) == []


def test_a_gig_in_the_same_town_adds_nothing():
    band = berlin_band()
    MembershipFactory(band=band, required=True)
    gig(band, night(10, 20), night(10, 23), point=(BERLIN[0] + 0.005, BERLIN[1]))  # 0.56 km from home
    assert free(night(10, 23), night(11, 1)) == ["Berlin Band"]
    assert free(night(10, 18), night(10, 20)) == ["Berlin Band"]
    assert free(night(10, 22, 59), night(11, 1)) == []  # the gig itself still counts


def test_the_bands_own_speed_is_respected(band):
    assert dt.timedelta(minutes=74) == BY_AIR
    landed = night(10, 23) + BY_AIR  # 00:14
    assert free(landed, night(11, 1)) == []
    Band.objects.filter(pk=band.pk).update(travel_speed_kmh=900)
    assert free(night(10, 23, 30), night(11, 1)) == []
    assert free(landed, night(11, 1)) == ["Berlin Band"]
    assert free(landed - MINUTE, night(11, 1)) == []


def test_a_member_needed_in_another_band_brings_the_journey_with_them(band):
    """The gig is The Berlin Band's; Side Project (also at home in Berlin) needs the same person."""
    side = berlin_band("Side Project")
    MembershipFactory(band=side, user=band.memberships.get().user, required=True)
    optional = berlin_band("Optional Friend")
    MembershipFactory(band=optional, required=True)
    MembershipFactory(band=optional, user=band.memberships.get().user, required=False)
    assert free(night(10, 23, 30), night(11, 1)) == ["Optional Friend"]


def test_no_home_or_no_point_means_no_journey():
    homeless = BandFactory(name="No Home")
    MembershipFactory(band=homeless, required=True)
    gig(homeless, night(10, 20), night(10, 23))
    unknown = berlin_band("Unknown Venue")
    MembershipFactory(band=unknown, required=True)
    gig(unknown, night(10, 20), night(10, 23), point=None)
    assert free(night(10, 23), night(11, 1)) == ["No Home", "Unknown Venue"]


def test_a_journey_longer_than_two_days_counts_as_two_days():
    """bands.travel caps a journey at LOOK_AROUND (48 h): the search does the same."""
    band = berlin_band(travel_speed_kmh=10)  # Berlin–Bristol at 10 km/h: 110 hours
    MembershipFactory(band=band, required=True)
    gig(band, night(10, 20), night(10, 23))
    assert journey(BRISTOL, BERLIN, 10) == dt.timedelta(hours=48)
    assert free(night(12, 22, 59), night(13, 1)) == []
    assert free(night(12, 23), night(13, 1)) == ["Berlin Band"]


def test_a_days_evening_on_the_bands_clock_counts_the_journey():
    """Free on a day, in the evening (18:00–24:00 Berlin time): a gig in Bristol that ends at 06:00 UTC
    that morning keeps the band on the road until 21:44 UTC, leaving less than its shortest gig."""
    band = berlin_band(time_zone="Europe/Berlin")
    MembershipFactory(band=band, required=True)
    day = night(10).date()
    found = band_search(free_on_local=(day, dt.time(18), None))
    assert names(found) == ["Berlin Band"]
    gig(band, night(10, 3), night(10, 6))
    assert names(band_search(free_on_local=(day, dt.time(18), None))) == []
    assert names(band_search(free_on_local=(day + dt.timedelta(days=1), dt.time(18), None))) == ["Berlin Band"]


def test_the_search_agrees_with_the_other_readers_minute_by_minute(band):
    """Around each end of the journey, a minute at a time: the search finds the band free exactly when
    the members' busy time and bands.travel (the calendar's and the accept checks' rule) say so."""
    user_ids = [band.memberships.get().user_id]
    gig_start, gig_end = night(10, 20), night(10, 23)
    edges = (gig_start - BY_ROAD, gig_start, gig_end, gig_end + BY_ROAD)
    for edge in edges:
        for minutes in range(-2, 3):
            for start, end in (
                (edge + minutes * MINUTE, edge + (minutes + 30) * MINUTE),
                (edge - (30 - minutes) * MINUTE, edge + minutes * MINUTE),
            ):
                busy = start < gig_end and end > gig_start
                on_the_road = travel_clash(
                    located_gigs(user_ids=user_ids, start=start, end=end),
                    point=band_point(band),
                    speed_kmh=band.travel_speed_kmh,
                    start=start,
                    end=end,
                )
                expected = [] if busy or on_the_road else ["Berlin Band"]
                assert free(start, end) == expected, (start, end)


def result_names(response) -> list[str]:
    html = response.content.decode()
    return sorted(re.findall(r'class="result-card__title">\s*<a\s+href="[^"]+">\s*([^<]+?)\s*</a>', html))


def test_the_page_and_the_api_give_the_same_answer(band):
    elsewhere = berlin_band("Stayed Home")
    MembershipFactory(band=elsewhere, required=True)
    client = Client()
    for start, end, expected in (
        (night(10, 23, 30), night(11, 1), ["Stayed Home"]),
        (night(11, 14, 44), night(11, 16), ["Berlin Band", "Stayed Home"]),
    ):
        query = {"free_from": start.strftime("%Y-%m-%dT%H:%M"), "free_until": end.strftime("%Y-%m-%dT%H:%M")}
        page = client.get(reverse("bands:search"), query)  # a visitor who is not logged in reads UTC
        assert page.status_code == 200
        assert result_names(page) == expected
        assert "nor a journey to or from a gig elsewhere" in page.content.decode()  # the help says so
        api = client.get("/api/v1/bands", {**query, "time_zone": "UTC"})
        assert api.status_code == 200, api.content
        assert sorted(item["name"] for item in api.json()["items"]) == expected


def test_a_gigs_point_goes_with_its_busy_time_and_every_copy_of_it(band):
    """bands.services writes the gig's point on its members' busy rows; the database copies it per band
    (bands.0015), also to a band the member is needed in later."""
    member = band.memberships.get().user
    assert set(BusyInterval.objects.filter(user=member).values_list("latitude", "longitude")) == {BRISTOL}
    later = berlin_band("Joined Later")
    MembershipFactory(band=later, user=member, required=True)
    copies = BandBusyInterval.objects.filter(band_id__in=[band.pk, later.pk])
    assert set(copies.values_list("band_id", "latitude", "longitude")) == {(band.pk, *BRISTOL), (later.pk, *BRISTOL)}
    assert free(night(10, 23, 30), night(11, 1)) == []


def test_the_month_reads_the_journeys_as_the_week_does(band):
    # The month reads the busy time as microseconds (only the days), the week as datetimes (with windows):
    # the journey home from Bristol takes the same days out of both.
    from bands.calendar import band_availability, band_available_members

    # At 20 km/h the journey home from Bristol takes more than two days: the evenings after the gig are busy.
    Band.objects.filter(pk=band.pk).update(travel_speed_kmh=20)
    band.refresh_from_db()
    members = band_available_members(band=band)
    today = timezone.now().date()
    first, last = today, today + dt.timedelta(days=20)
    read = {
        detail: band_availability(
            band=band, members=members, first_day=first, last_day=last, today=today, detail=detail
        )
        for detail in (False, True)
    }
    month = [(d.day, d.status, d.busy_names, d.short) for d in read[False].days]
    week = [(d.day, d.status, d.busy_names, d.short) for d in read[True].days]
    assert month == week
    after = [d.status for d in read[False].days if d.day > night(10).date()]
    assert after[:2] == ["red", "red"] and after[-1] == "green", after
