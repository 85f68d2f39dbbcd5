"""The tour planner: which slots become stops, who may plan and apply, bad input, applying to a route."""

import datetime as dt
import re
import zoneinfo
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import Booking, SavedTour
from bookings.selectors.tours import tour_stops
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from places.tests.factories import CityFactory
from venues.models import Slot
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
ROUTE = ["Hanover", "Kassel", "Nuremberg", "Munich"]


def day(days: int) -> dt.date:
    return in_days(days).astimezone(BERLIN).date()


@pytest.fixture
def world():
    """A band from Berlin, a venue in each city from Hamburg to Munich, one open slot a night from day 10."""
    cities = {name: CityFactory(name=name) for name in ["Hamburg", "Berlin", *ROUTE]}
    band, leader = band_with_leader(place=cities["Berlin"])
    slots = {}
    for i, name in enumerate(ROUTE):
        venue, _owner = venue_with_owner(name=f"Club {name}", city=name, place=cities[name])
        slots[name] = SlotFactory(venue=venue, starts_at=in_days(10 + i), fee=100 * (i + 1), title=name)
    return band, leader, slots


def ask(band, **extra) -> dict:
    return {
        "band": band,
        "start": CityFactory(name="Hamburg"),
        "end": CityFactory(name="Munich"),
        "first_day": day(10),
        "last_day": day(14),
        "drive_km": 400,
        "now": timezone.now(),
        **extra,
    }


def query(**extra) -> dict:
    return {
        "start": "Hamburg",
        "end": "Munich",
        "first_day": day(10).isoformat(),
        "last_day": day(14).isoformat(),
        "drive_km": "400",
        "kinds": ["headliner", "support"],
        **extra,
    }


def stop_ids(band, **extra) -> set[int]:
    return {s.id for s in tour_stops(**ask(band, **extra))}


# ---- Which slots are stops ------------------------------------------------------------------------


def test_stops_are_the_open_slots_in_the_days_and_corridor(world):
    band, _leader, slots = world
    far = venue_with_owner(name="Far", place=CityFactory(name="Suva"))[0]
    SlotFactory(venue=far, starts_at=in_days(11))
    SlotFactory(venue=slots["Kassel"].venue, starts_at=in_days(30))  # after the last day
    assert stop_ids(band) == {s.pk for s in slots.values()}
    # The box any stop must lie in shrinks with the daily drive: 100 km a day for five days (425 km by
    # road) keeps only Kassel within reach of both Hamburg and Munich.
    assert stop_ids(band, drive_km=100) == {slots["Kassel"].pk}


def test_stops_leave_out_cancelled_full_invite_only_applied_and_booked(world):
    band, _leader, slots = world
    Slot.objects.filter(pk=slots["Hanover"].pk).update(cancelled_at=timezone.now())
    Slot.objects.filter(pk=slots["Kassel"].pk).update(headliner_booked=1, supports_booked=1)
    Slot.objects.filter(pk=slots["Nuremberg"].pk).update(visibility=Slot.Visibility.INVITE)
    BookingFactory(band=band, slot=slots["Munich"])
    assert stop_ids(band) == set()


def test_stops_respect_the_green_zone(world):
    band, _leader, slots = world
    member = UserFactory()
    MembershipFactory(band=band, user=member, required=True)
    kassel = slots["Kassel"]
    BusyInterval.objects.create(
        user=member, starts_at=kassel.starts_at - dt.timedelta(hours=1), ends_at=kassel.ends_at,
        source=BusyInterval.Source.RULE, source_id=1,
    )  # fmt: skip
    # Another band's member being busy changes nothing.
    _other, other_leader = band_with_leader()
    BusyInterval.objects.create(
        user=other_leader, starts_at=slots["Hanover"].starts_at, ends_at=slots["Hanover"].ends_at,
        source=BusyInterval.Source.RULE, source_id=1,
    )  # fmt: skip
    assert stop_ids(band) == {slots[n].pk for n in ["Hanover", "Nuremberg", "Munich"]}


def test_support_places_are_stops_as_support(world):
    band, _leader, slots = world
    Slot.objects.filter(pk=slots["Kassel"].pk).update(headliner_booked=1)
    stops = {s.id: s.kind for s in tour_stops(**ask(band))}
    assert stops[slots["Kassel"].pk] == "support"
    assert stops[slots["Hanover"].pk] == "headliner"
    assert slots["Kassel"].pk not in stop_ids(band, kinds=["headliner"])
    # Only support places: the open slots are offered as support (they have a support place each).
    assert {s.kind for s in tour_stops(**ask(band, kinds=["support"]))} == {"support"}


def test_a_fee_in_another_currency_counts_as_unknown(world):
    band, _leader, slots = world
    Slot.objects.filter(pk=slots["Kassel"].pk).update(currency="GBP")
    fees = {s.id: s.fee for s in tour_stops(**ask(band))}
    assert fees[slots["Kassel"].pk] is None
    assert fees[slots["Hanover"].pk] == 100


# ---- The page ---------------------------------------------------------------------------------------


def url(band) -> str:
    return reverse("bookings:tour_planner", args=[band.slug])


def test_leader_gets_routes_with_every_night(client, world, django_assert_max_num_queries):
    band, leader, _slots = world
    client.force_login(leader)
    with django_assert_max_num_queries(16):
        response = client.get(url(band), query())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Route 1" in html
    assert html.count('name="stop"') >= 4
    for name in ROUTE:
        assert f"Club {name}" in html
    assert "Europe/Berlin" in html
    assert "4</strong> nights filled" in html


def test_a_stop_names_asks_and_followers_apart_and_never_calls_followers_asks(client, world):
    """Kassel has only followers, Nuremberg only asks, Munich both: each stop says which, with its own count
    (a small one as "fewer than 5"), and a city where only followers live never reads "Fans asked"."""
    from bands.demand import city_demand_replace

    band, leader, _slots = world
    cities = {name: CityFactory(name=name) for name in ("Kassel", "Nuremberg", "Munich")}
    counts = {"Kassel": (0, 7), "Nuremberg": (3, 0), "Munich": (6, 2)}
    city_demand_replace(band_id=band.pk, counts={cities[name].pk: pair for name, pair in counts.items()})
    client.force_login(leader)
    html = client.get(url(band), query()).content.decode()
    route = html[html.index('id="routes"') :]
    assert "Fans asked: Kassel" not in html and "Followers live in Kassel" in route and "7 followers" in route
    assert "Fans asked: Nuremberg" in route and "fewer than 5 asks" in route
    assert "Followers live in Nuremberg" not in route
    assert "Fans asked: Munich" in route and "6 asks" in route
    assert "Followers live in Munich" in route and "fewer than 5 followers" in route
    # The list of where fans asked names the cities with asks only.
    asked = html[html.index('id="demand-heading"') : html.index('id="routes"')]
    assert "Munich: 6 asks" in asked and "Nuremberg: fewer than 5 asks" in asked and "Kassel" not in asked


def test_the_query_count_does_not_grow_with_slots(client, world, django_assert_max_num_queries):
    band, leader, _slots = world
    kassel = CityFactory(name="Kassel")
    for i in range(30):
        SlotFactory(venue=VenueFactory(place=kassel), starts_at=in_days(10 + i % 5, hour=12 + i % 5))
    client.force_login(leader)
    with django_assert_max_num_queries(16):
        assert client.get(url(band), query()).status_code == 200


def test_the_empty_planner_suggests_the_bands_city(client, world):
    band, leader, _ = world
    client.force_login(leader)
    response = client.get(url(band))
    assert response.status_code == 200
    assert 'value="Berlin"' in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start": "Atlantisburg"}, "start", "We know no city called “Atlantisburg”"),
        ({"last_day": "first"}, "last_day", "Enter a date, like 2026-06-30."),
        ({"drive_km": "0"}, "drive_km", "The band must drive more than 0 km a day."),
        ({"drive_km": "-5"}, "drive_km", "The band must drive more than 0 km a day."),
        ({"kinds": []}, "kinds", "Pick open slots, support places or both."),
    ],
)
def test_bad_input_is_told_beside_the_field(client, world, changes, field, message):
    band, leader, _ = world
    client.force_login(leader)
    response = client.get(url(band), query(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html or f"id_{field}" in html
    assert "Route 1" not in html


def test_an_end_before_the_start_and_a_tour_over_60_days(client, world):
    band, leader, _ = world
    client.force_login(leader)
    response = client.get(url(band), query(last_day=day(9).isoformat()))
    assert response.status_code == 400
    assert "The last day cannot be before the first." in response.content.decode()
    response = client.get(url(band), query(last_day=day(75).isoformat()))
    assert response.status_code == 400
    assert "A tour can be at most 60 days long." in response.content.decode()
    response = client.get(url(band), query(first_day=day(-2).isoformat()))
    assert response.status_code == 400
    assert "That day has passed." in response.content.decode()


@pytest.mark.parametrize("who", ["member", "other_leader", "stranger"])
def test_only_the_bands_leaders_and_admins_may_plan_or_apply(client, world, who):
    band, _leader, slots = world
    user = UserFactory()
    if who == "member":
        MembershipFactory(band=band, user=user, role=Membership.Role.MEMBER)
    elif who == "other_leader":
        user = band_with_leader()[1]
    client.force_login(user)
    assert client.get(url(band), query()).status_code == 403
    apply_url = reverse("bookings:tour_apply", args=[band.slug])
    response = client.post(apply_url, {"stop": [f"{slots['Kassel'].pk}:headliner"]})
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_an_admin_may_plan(client, world):
    band, _leader, _ = world
    admin = UserFactory()
    MembershipFactory(band=band, user=admin, role=Membership.Role.ADMIN)
    client.force_login(admin)
    assert client.get(url(band), query()).status_code == 200


def test_the_anonymous_visitor_is_sent_to_log_in(client, world):
    band, _leader, slots = world
    assert client.get(url(band)).status_code == 302
    apply_url = reverse("bookings:tour_apply", args=[band.slug])
    response = client.post(apply_url, {"stop": [f"{slots['Kassel'].pk}:headliner"]})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Booking.objects.exists()


# ---- Applying ---------------------------------------------------------------------------------------


def test_apply_to_all_stops_each_standing_on_its_own(client, world):
    band, leader, slots = world
    # Meanwhile another band took Nuremberg's headliner place.
    Slot.objects.filter(pk=slots["Nuremberg"].pk).update(headliner_booked=1)
    client.force_login(leader)
    values = [f"{s.pk}:headliner" for s in slots.values()]
    response = client.post(
        reverse("bookings:tour_apply", args=[band.slug]),
        {"route_stop": values, "stop": values[:1], "all": "1", "message": "On tour in June."},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "applied to 3 stops" in html
    assert "Club Nuremberg" in html
    assert "The headliner place of this slot is already taken." in html
    applied = Booking.objects.filter(band=band, kind=Booking.Kind.APPLICATION)
    assert sorted(applied.values_list("slot__title", flat=True)) == ["Hanover", "Kassel", "Munich"]
    assert set(applied.values_list("message", flat=True)) == {"On tour in June."}
    assert set(applied.values_list("fee", flat=True)) == {100, 200, 400}
    # Each application is in the inbox.
    inbox = client.get(reverse("bookings:inbox")).content.decode()
    for name in ["Club Hanover", "Club Kassel", "Club Munich"]:
        assert name in inbox


def test_apply_to_selected_stops_only(client, world):
    band, leader, slots = world
    client.force_login(leader)
    values = [f"{s.pk}:headliner" for s in slots.values()]
    response = client.post(
        reverse("bookings:tour_apply", args=[band.slug]), {"route_stop": values, "stop": values[1:2]}
    )
    assert response.status_code == 200
    assert list(Booking.objects.values_list("slot__title", flat=True)) == ["Kassel"]


def test_applying_twice_is_refused_by_name_and_nothing_changes(client, world):
    band, leader, slots = world
    client.force_login(leader)
    data = {"stop": [f"{slots['Kassel'].pk}:headliner"]}
    apply_url = reverse("bookings:tour_apply", args=[band.slug])
    assert client.post(apply_url, data).status_code == 200
    response = client.post(apply_url, data)
    assert response.status_code == 409
    assert "already has a pending application for this slot" in response.content.decode()
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Tick at least one stop to apply to."),
        ({"stop": ["12:drummer"]}, "One of the stops could not be read"),
        ({"stop": ["x"]}, "One of the stops could not be read"),
    ],
)
def test_bad_picks_send_nothing(client, world, data, message):
    band, leader, _ = world
    client.force_login(leader)
    response = client.post(reverse("bookings:tour_apply", args=[band.slug]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Booking.objects.exists()


def test_a_slot_nobody_may_see_is_reported_as_gone(client, world):
    band, leader, slots = world
    Slot.objects.filter(pk=slots["Kassel"].pk).update(visibility=Slot.Visibility.INVITE)
    client.force_login(leader)
    response = client.post(
        reverse("bookings:tour_apply", args=[band.slug]),
        {"stop": [f"{slots['Kassel'].pk}:headliner", "999999:headliner"]},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert html.count("This slot is no longer open to applications.") == 2
    assert not Booking.objects.exists()


def test_the_route_page_offers_the_slots_as_stops(client, world):
    band, leader, slots = world
    client.force_login(leader)
    html = client.get(url(band), query()).content.decode()
    values = set(re.findall(r'name="stop"\s+value="([^"]+)"', html))
    assert f"{slots['Kassel'].pk}:headliner" in values


def test_a_typed_city_is_the_biggest_called_so_unless_the_country_is_given():
    from bookings.selectors.tours import city_for_text

    CityFactory(name="Hanover")
    CityFactory(name="Hanover", geoname_id=99_000_001, country="US", population=38_088, latitude=43.7, longitude=-72.3)
    assert city_for_text("Hanover").country == "DE"
    assert city_for_text("hanover, us").country == "US"
    assert city_for_text("Hanover, DE").country == "DE"
    assert city_for_text("Qqqqzz") is None


def test_each_application_counts_against_the_hourly_limit(client, world, settings):
    band, leader, slots = world
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "application": "2/h"}
    client.force_login(leader)
    apply_url = reverse("bookings:tour_apply", args=[band.slug])
    values = [f"{s.pk}:headliner" for s in slots.values()]
    response = client.post(apply_url, {"route_stop": values, "all": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "applied to 2 stops" in html
    assert html.count("you have used up the applications you can send this hour") == 2
    assert "Club Nuremberg" in html and "Club Munich" in html
    assert sorted(Booking.objects.values_list("slot__title", flat=True)) == ["Hanover", "Kassel"]
    assert client.post(apply_url, {"stop": values[2:3]}).status_code == 429
    assert Booking.objects.count() == 2


def test_what_is_left_of_the_limit(settings):
    from accounts.ratelimit import rate_limit_hit, rate_limit_left

    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "application": "3/h"}
    assert rate_limit_left(action="application", who=7) == 3
    rate_limit_hit(action="application", who=7)
    assert rate_limit_left(action="application", who=7) == 2
    for _ in range(5):
        rate_limit_hit(action="application", who=7)
    assert rate_limit_left(action="application", who=7) == 0


# ---- The empty planner proposes the band's freest stretches ---------------------------------------------


def busy_evening(user, on: dt.date) -> None:
    start = dt.datetime.combine(on, dt.time(17), tzinfo=BERLIN)
    BusyInterval.objects.create(
        user=user, starts_at=start, ends_at=start + dt.timedelta(hours=8), source=BusyInterval.Source.RULE, source_id=1
    )


def test_the_empty_planner_proposes_the_freest_stretches_and_their_links_set_the_days(client, world):
    band, leader, _slots = world
    today = timezone.now().astimezone(BERLIN).date()
    # Busy every third evening for the coming 120 days (days 7, 10, … 37, 58, …): free from day 38 to 57.
    for n in range(7, 140, 3):
        if not 40 <= n <= 55:
            busy_evening(leader, today + dt.timedelta(days=n))
    client.force_login(leader)
    body = client.get(url(band)).content.decode()
    first = (today + dt.timedelta(days=38)).isoformat()  # the soonest of the freest
    last = (today + dt.timedelta(days=47)).isoformat()
    assert f'value="{first}"' in body and f'value="{last}"' in body  # the days proposed
    assert "10 of 10 evenings free" in body
    assert f"?first_day={first}&amp;last_day={last}" in body
    later = (today + dt.timedelta(days=80)).isoformat(), (today + dt.timedelta(days=89)).isoformat()
    body = client.get(url(band), {"first_day": later[0], "last_day": later[1]}).content.decode()
    assert f'value="{later[0]}"' in body and f'value="{later[1]}"' in body
    body = client.get(url(band), {"first_day": "not a day", "last_day": "2001-01-01"}).content.decode()
    assert f'value="{first}"' in body  # a link that cannot be read changes nothing


def test_a_band_without_needed_members_is_proposed_no_stretch(client, world):
    band, leader, _slots = world
    Membership.objects.filter(band=band).update(required=False)
    client.force_login(leader)
    response = client.get(url(band))
    assert response.status_code == 200 and "evenings free" not in response.content.decode()


def test_keep_a_tour_from_the_routes_and_ask_it_again(client, world):
    band, leader, _slots = world
    client.force_login(leader)
    asked = client.get(url(band), query())
    assert "Keep this tour" in asked.content.decode()
    keep_url = reverse("bookings:tour_keep", args=[band.slug])
    response = client.post(keep_url, {"query": urlencode(query(), doseq=True), "label": "South"})
    assert response.status_code == 302
    kept = SavedTour.objects.get()
    assert (kept.label, kept.start.name, kept.end.name, kept.drive_km) == ("South", "Hamburg", "Munich", 400)
    html = client.get(url(band)).content.decode()
    assert "Kept tours" in html and "South: Hamburg – Munich" in html
    # Its link asks the same question again.
    again = client.get(url(band) + "?" + urlencode(query(), doseq=True))
    assert "4</strong> nights filled" in again.content.decode()
    # Another band's leader can neither keep a tour for it nor delete one.
    other = band_with_leader()[1]
    client.force_login(other)
    assert client.post(keep_url, {"query": urlencode(query(), doseq=True)}).status_code == 403
    assert client.post(reverse("bookings:tour_forget", args=[band.slug, kept.pk])).status_code == 403
    client.force_login(leader)
    assert client.post(keep_url, {"query": "start=Qqqqzz"}).status_code == 302
    assert SavedTour.objects.count() == 1
    assert client.post(reverse("bookings:tour_forget", args=[band.slug, kept.pk])).status_code == 302
    assert not SavedTour.objects.exists()


def test_a_slot_id_too_big_for_any_column_is_reported_gone(client, world):
    band, leader, _slots = world
    client.force_login(leader)
    response = client.post(reverse("bookings:tour_apply", args=[band.slug]), {"stop": [f"{10**20}:headliner"]})
    assert response.status_code == 409
    assert "no longer open to applications" in response.content.decode()
