"""/api/v1/me/alerts (saved alerts) and /api/v1/bands/<slug>/tour/… (the tour planner): the band's
leaders and admins only, the page's own checks and forms, and the services the pages call."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import Membership
from bands.tests.factories import GenreFactory, MembershipFactory
from bookings.models import Booking, SavedSearch, SavedTour
from bookings.services import alerts
from bookings.services.tours import saved_tour_create
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from places.tests.factories import CityFactory
from venues.models import Slot
from venues.tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
ROUTE = ["Hanover", "Kassel", "Nuremberg", "Munich"]
ALERTS = "/api/v1/me/alerts"


def day(days: int) -> dt.date:
    return in_days(days).astimezone(BERLIN).date()


def as_user(user, scopes=None) -> ApiClient:
    return ApiClient(token_for(user, scopes))


@pytest.fixture
def cast():
    """Alpha's leader, admin and a member; another band, a venue and a client, and a stranger."""
    band, leader = band_with_leader(name="Alpha", slug="alpha")
    admin = MembershipFactory(band=band, role=Membership.Role.ADMIN).user
    member = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    other_band, other_leader = band_with_leader(name="Beta", slug="beta")
    venue, owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    client = UserFactory()
    BookingFactory(
        band=band,
        kind=Booking.Kind.REQUEST,
        client=client,
        slot=None,
        venue=None,
        starts_at=in_days(20),
        ends_at=in_days(20) + dt.timedelta(hours=2),
    )
    return {
        "band": band,
        "leader": leader,
        "admin": admin,
        "member": member,
        "other_band": other_band,
        "other_leader": other_leader,
        "venue": venue,
        "owner": owner,
        "client": client,
        "stranger": UserFactory(),
    }


def saved(band, leader, label="Support calls", **filters) -> SavedSearch:
    return alerts.saved_search_create(band=band, by=leader, filters=filters or {"role": "support_call"}, label=label)


OUTSIDERS = ["member", "other_leader", "owner", "client", "stranger"]


# ---- Alerts: reads ------------------------------------------------------------------------------


def test_the_leader_lists_the_alerts_of_the_bands_they_run(cast, django_assert_max_num_queries):
    alpha = saved(cast["band"], cast["leader"], label="Leipzig")
    saved(cast["other_band"], cast["other_leader"], label="Not ours")
    api = as_user(cast["leader"], ["read"])
    with django_assert_max_num_queries(3):  # the token, its last use, the alerts with their band
        response = api.get(ALERTS)
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["id"] == alpha.pk and item["band"] == "alpha" and item["band_name"] == "Alpha"
    assert item["label"] == "Leipzig" and item["paused"] is False and item["paused_at"] is None
    assert item["search"]["role"] == "support_call"
    assert as_user(cast["admin"], ["read"]).get(ALERTS).json()["items"][0]["id"] == alpha.pk


def test_the_list_pages_and_costs_the_same_however_many_alerts(cast, django_assert_max_num_queries):
    band, leader = cast["band"], cast["leader"]
    for i in range(3):
        saved(band, leader, label=f"A{i}")
    api = as_user(leader, ["read"])
    with django_assert_max_num_queries(3) as few:
        api.get(ALERTS, {"limit": 2})
    for i in range(3, 10):
        saved(band, leader, label=f"A{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = api.get(ALERTS, {"limit": 4}).json()
    labels = [a["label"] for a in first["items"]]
    assert labels == ["A9", "A8", "A7", "A6"]
    rest = []
    url = first["next"]
    while url:
        page = api.get(url.replace("http://testserver", "")).json()
        rest += [a["label"] for a in page["items"]]
        url = page["next"]
    assert rest == [f"A{i}" for i in range(5, -1, -1)]
    assert [a["label"] for a in api.get(ALERTS, {"band": "beta"}).json()["items"]] == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_sees_an_alert(cast, who):
    alert = saved(cast["band"], cast["leader"])
    api = as_user(cast[who])
    assert api.get(ALERTS).json()["items"] == []
    assert api.get(f"{ALERTS}/{alert.pk}").status_code == 404


def test_one_alert_anonymous_and_without_the_scope(cast):
    alert = saved(cast["band"], cast["leader"])
    assert as_user(cast["leader"], ["read"]).get(f"{ALERTS}/{alert.pk}").json()["label"] == "Support calls"
    assert ApiClient().get(ALERTS).status_code == 401
    assert ApiClient().get(f"{ALERTS}/{alert.pk}").status_code == 401
    response = as_user(cast["leader"], ["plans"]).get(ALERTS)
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"


# ---- Alerts: writes -----------------------------------------------------------------------------


def test_the_leader_saves_a_search_checked_by_the_finders_form(cast):
    jazz = GenreFactory(name="Jazz")
    leipzig = CityFactory(name="Leipzig")
    body = {
        "band": "alpha",
        "search": {
            "genres": [jazz.slug],
            "near": leipzig.pk,
            "within_km": 50,
            "fee_min": 300,
            "role": "support",
            "date_from": day(5).isoformat(),
            "date_until": day(40).isoformat(),
            "time_zone": "Europe/Berlin",
        },
    }
    response = as_user(cast["leader"], ["plans"]).post(ALERTS, body)
    assert response.status_code == 201, response.content
    item = response.json()
    search = SavedSearch.objects.get(pk=item["id"])
    assert search.band == cast["band"] and search.created_by == cast["leader"]
    assert search.filters["genres"] == [jazz.slug] and search.filters["near"] == {"city": leipzig.pk, "km": 50}
    assert item["search"]["near"] == {"city": leipzig.pk, "km": 50.0}
    assert item["search"]["fee_min"] == 300 and item["search"]["role"] == "support"
    starts = dt.datetime.fromisoformat(item["search"]["starts_from"])
    assert starts.astimezone(BERLIN) == dt.datetime.combine(day(5), dt.time(0), tzinfo=BERLIN)
    # Named as the page names it: the filters in words.
    assert "Jazz" in item["label"] and "Fee from 300" in item["label"]


def test_an_admin_saves_with_a_label_and_an_empty_search_matches_every_slot(cast):
    response = as_user(cast["admin"], ["plans"]).post(ALERTS, {"band": "alpha", "label": "Everything"})
    assert response.status_code == 201
    assert response.json()["label"] == "Everything" and SavedSearch.objects.get().filters == {}
    response = as_user(cast["admin"], ["plans"]).post(ALERTS, {"band": "alpha"})
    assert response.json()["label"] == "Every slot"


@pytest.mark.parametrize(
    ("search", "field"),
    [
        ({"genres": ["no-such-genre"]}, "search.genres"),
        ({"near": 999999}, "search.near"),
        ({"date_from": "2099-01-01"}, "search.date_from"),
        ({"country": "QQ"}, "search.country"),
        ({"fee_min": -5}, "search.fee_min"),
        ({"role": "drummer"}, "search.role"),
        ({"time_zone": "Mars/Base"}, "search.time_zone"),
        ({"date_from": "2026-13-45"}, "search.date_from"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(cast, search, field):
    response = as_user(cast["leader"], ["plans"]).post(ALERTS, {"band": "alpha", "search": search})
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert any(name.startswith(field) for name in response.json()["errors"])
    assert not SavedSearch.objects.exists()


def test_a_date_after_the_last_day_and_a_band_not_ours_are_refused(cast):
    api = as_user(cast["leader"], ["plans"])
    response = api.post(
        ALERTS, {"band": "alpha", "search": {"date_from": day(9).isoformat(), "date_until": day(5).isoformat()}}
    )
    assert response.status_code == 422 and "search.date_until" in response.json()["errors"]
    response = api.post(ALERTS, {"band": "beta"})
    assert response.status_code == 422 and "band" in response.json()["errors"]
    assert api.post(ALERTS, {}).status_code == 422
    assert not SavedSearch.objects.exists()


def test_a_band_keeps_at_most_ten_alerts(cast):
    for i in range(SavedSearch.MAX_PER_BAND):
        saved(cast["band"], cast["leader"], label=f"A{i}")
    response = as_user(cast["leader"], ["plans"]).post(ALERTS, {"band": "alpha"})
    assert response.status_code == 400 and "delete one first" in response.json()["detail"]
    assert SavedSearch.objects.count() == SavedSearch.MAX_PER_BAND


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_saves_changes_pauses_or_deletes(cast, who):
    alert = saved(cast["band"], cast["leader"])
    api = as_user(cast[who])
    expected = 403 if who == "member" else 422  # a member is told it is the leaders'; others: not your band
    assert api.post(ALERTS, {"band": "alpha"}).status_code == expected
    assert api.patch(f"{ALERTS}/{alert.pk}", {"label": "Mine"}).status_code == 404
    assert api.post(f"{ALERTS}/{alert.pk}/pause").status_code == 404
    assert api.delete(f"{ALERTS}/{alert.pk}").status_code == 404
    alert.refresh_from_db()
    assert alert.label == "Support calls" and alert.paused_at is None
    assert SavedSearch.objects.count() == 1


def test_writes_need_the_plans_scope_and_a_token(cast):
    alert = saved(cast["band"], cast["leader"])
    api = as_user(cast["leader"], ["read", "bookings"])
    for response in (
        api.post(ALERTS, {"band": "alpha"}),
        api.patch(f"{ALERTS}/{alert.pk}", {"label": "x"}),
        api.post(f"{ALERTS}/{alert.pk}/pause"),
        api.post(f"{ALERTS}/{alert.pk}/resume"),
        api.delete(f"{ALERTS}/{alert.pk}"),
    ):
        assert response.status_code == 403
    assert ApiClient().post(ALERTS, {"band": "alpha"}).status_code == 401
    assert ApiClient().delete(f"{ALERTS}/{alert.pk}").status_code == 401
    alert.refresh_from_db()
    assert alert.label == "Support calls" and alert.paused_at is None


def test_change_the_label_and_the_search(cast):
    alert = saved(cast["band"], cast["leader"])
    api = as_user(cast["leader"], ["plans"])
    response = api.patch(f"{ALERTS}/{alert.pk}", {"label": "Renamed"})
    assert response.status_code == 200 and response.json()["label"] == "Renamed"
    assert response.json()["search"]["role"] == "support_call"
    response = api.patch(f"{ALERTS}/{alert.pk}", {"search": {"role": "headliner", "fee_min": 200}})
    assert response.status_code == 200
    alert.refresh_from_db()
    assert alert.filters == {"role": "headliner", "fee_min": 200} and alert.label == "Renamed"
    response = api.patch(f"{ALERTS}/{alert.pk}", {"search": {"genres": ["nope"]}, "label": "Bad"})
    assert response.status_code == 422 and "search.genres" in response.json()["errors"]
    alert.refresh_from_db()
    assert alert.label == "Renamed" and alert.filters["role"] == "headliner"


def test_a_paused_alert_tells_nobody_and_a_resumed_one_not_what_came_up_meanwhile(cast):
    band, leader = cast["band"], cast["leader"]
    alert = alerts.saved_search_create(
        band=band, by=leader, filters={}, label="all", now=timezone.now() - dt.timedelta(minutes=5)
    )
    api = as_user(leader, ["plans"])
    response = api.post(f"{ALERTS}/{alert.pk}/pause")
    assert response.status_code == 200 and response.json()["paused"] is True
    paused_at = response.json()["paused_at"]
    assert api.post(f"{ALERTS}/{alert.pk}/pause").json()["paused_at"] == paused_at  # once
    SlotFactory(venue=cast["venue"], starts_at=in_days(12))
    assert alerts.saved_search_alerts_send() == 0
    response = api.post(f"{ALERTS}/{alert.pk}/resume")
    assert response.status_code == 200 and response.json()["paused"] is False
    assert alerts.saved_search_alerts_send() == 0  # the slot posted while paused is not told late
    SlotFactory(venue=cast["venue"], starts_at=in_days(14))
    assert alerts.saved_search_alerts_send() == 1
    assert Notification.objects.filter(kind="show_alert", recipient=leader).count() == 1


def test_delete(cast):
    alert = saved(cast["band"], cast["leader"])
    api = as_user(cast["admin"], ["plans"])
    assert api.delete(f"{ALERTS}/{alert.pk}").status_code == 204
    assert not SavedSearch.objects.exists()
    assert api.delete(f"{ALERTS}/{alert.pk}").status_code == 404


# ---- Tour planner -------------------------------------------------------------------------------


@pytest.fixture
def tour(cast):
    """Alpha from Berlin; a venue in each city from Hanover to Munich with one open slot a night from day 10."""
    cities = {name: CityFactory(name=name) for name in ["Hamburg", "Berlin", *ROUTE]}
    band = cast["band"]
    band.place = cities["Berlin"]
    band.time_zone = "Europe/Berlin"
    band.save()
    slots = {}
    for i, name in enumerate(ROUTE):
        venue, _owner = venue_with_owner(name=f"Club {name}", city=name, place=cities[name])
        slots[name] = SlotFactory(venue=venue, starts_at=in_days(10 + i), fee=100 * (i + 1), title=name)
    return slots


def ask(**extra) -> dict:
    return {
        "start": "Hamburg",
        "end": "Munich",
        "first_day": day(10).isoformat(),
        "last_day": day(14).isoformat(),
        "drive_km": 400,
        **extra,
    }


ROUTES = "/api/v1/bands/alpha/tour/routes"
STRETCHES = "/api/v1/bands/alpha/tour/stretches"
APPLY = "/api/v1/bands/alpha/tour/apply"


def test_the_leader_reads_routes_through_every_night(cast, tour, django_assert_max_num_queries):
    api = as_user(cast["leader"], ["read"])
    # The token (and its last use), the band, the membership, the two cities, the members, their gig
    # days, the standing radius clauses, the slots, the band's demand by city, the route's slots with their venues.
    with django_assert_max_num_queries(13):
        response = api.get(ROUTES, ask())
    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["start"]["name"] == "Hamburg" and plan["end"]["name"] == "Munich"
    assert plan["time_zone"] == "Europe/Berlin" and plan["candidates"] == 4
    best = plan["routes"][0]
    assert best["nights"] == 4 and best["fee"] == 1000
    assert [s["title"] for s in best["stops"]] == ROUTE
    assert [s["place"] for s in best["stops"]] == [f"Club {name}" for name in ROUTE]
    assert best["stops"][0]["role"] == "headliner" and best["stops"][0]["slot_id"] == tour["Hanover"].pk
    assert best["rest_days"] == [day(14).isoformat()]
    assert best["stops"][0]["url"].endswith(f"/slots/{tour['Hanover'].pk}/")


def test_the_routes_cost_the_same_queries_however_many_slots(cast, tour, django_assert_max_num_queries):
    api = as_user(cast["leader"], ["read"])
    with django_assert_max_num_queries(13) as few:
        api.get(ROUTES, ask())
    kassel = CityFactory(name="Kassel")
    for i in range(30):
        SlotFactory(venue=VenueFactory(place=kassel), starts_at=in_days(10 + i % 5, hour=12 + i % 5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(ROUTES, ask())
    assert response.status_code == 200 and response.json()["candidates"] > 4


def test_only_support_places_and_the_green_zone(cast, tour):
    kassel = tour["Kassel"]
    BusyInterval.objects.create(
        user=cast["member"],
        starts_at=kassel.starts_at,
        ends_at=kassel.ends_at,
        source=BusyInterval.Source.RULE,
        source_id=1,
    )
    Membership.objects.filter(user=cast["member"]).update(required=True)
    plan = as_user(cast["leader"], ["read"]).get(ROUTES, ask()).json()
    ids = {s["slot_id"] for r in plan["routes"] for s in r["stops"]}
    assert kassel.pk not in ids and plan["candidates"] == 3
    plan = as_user(cast["leader"], ["read"]).get(ROUTES, ask(kinds=["support"])).json()
    assert plan["kinds"] == ["support"]
    assert {s["role"] for r in plan["routes"] for s in r["stops"]} <= {"support"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "Qqqqzz"}, "start"),
        ({"end": ""}, "end"),
        ({"drive_km": 0}, "drive_km"),
        ({"drive_km": 5000}, "drive_km"),
        ({"first_day": "2001-01-01"}, "first_day"),
        ({"last_day": "not a day"}, "last_day"),
        ({"kinds": "drummer"}, "kinds"),
    ],
)
def test_bad_questions_name_the_field(cast, tour, changes, field):
    response = as_user(cast["leader"], ["read"]).get(ROUTES, ask(**changes))
    assert response.status_code == 422, response.content
    assert any(name.startswith(field) for name in response.json()["errors"])


def test_a_tour_ending_before_it_starts_or_over_sixty_days(cast, tour):
    api = as_user(cast["leader"], ["read"])
    response = api.get(ROUTES, ask(last_day=day(9).isoformat()))
    assert response.status_code == 422 and "last_day" in response.json()["errors"]
    response = api.get(ROUTES, ask(last_day=day(90).isoformat()))
    assert response.status_code == 422


def test_stretches_propose_free_days(cast, tour):
    response = as_user(cast["admin"], ["read"]).get(STRETCHES)
    assert response.status_code == 200
    stretches = response.json()
    assert stretches and all(s["free"] > 0 for s in stretches)
    assert dt.date.fromisoformat(stretches[0]["first_day"]) <= dt.date.fromisoformat(stretches[0]["last_day"])


@pytest.mark.parametrize("who", OUTSIDERS)
def test_only_the_bands_leaders_and_admins_plan_and_apply(cast, tour, who):
    api = as_user(cast[who])
    assert api.get(ROUTES, ask()).status_code == 403
    assert api.get(STRETCHES).status_code == 403
    response = api.post(APPLY, {"stops": [{"slot_id": tour["Kassel"].pk, "role": "headliner"}]})
    assert response.status_code == 403
    assert not Booking.objects.filter(kind=Booking.Kind.APPLICATION).exists()


def test_the_planner_needs_a_token_and_its_scope(cast, tour):
    assert ApiClient().get(ROUTES, ask()).status_code == 401
    assert ApiClient().get(STRETCHES).status_code == 401
    assert ApiClient().post(APPLY, {"stops": [{"slot_id": tour["Kassel"].pk, "role": "headliner"}]}).status_code == 401
    assert as_user(cast["leader"], ["plans"]).get(ROUTES, ask()).status_code == 403
    response = as_user(cast["leader"], ["read", "plans"]).post(
        APPLY, {"stops": [{"slot_id": tour["Kassel"].pk, "role": "headliner"}]}
    )
    assert response.status_code == 403 and "bookings" in response.json()["detail"]
    assert as_user(cast["leader"]).get("/api/v1/bands/nobody/tour/routes", ask()).status_code == 404
    assert not Booking.objects.filter(kind=Booking.Kind.APPLICATION).exists()


def test_apply_to_a_route_each_stop_standing_on_its_own(cast, tour):
    Slot.objects.filter(pk=tour["Nuremberg"].pk).update(headliner_booked=1)
    plan = as_user(cast["leader"], ["read"]).get(ROUTES, ask(kinds=["headliner"])).json()
    stops = [{"slot_id": s.pk, "role": "headliner"} for s in tour.values()]
    response = as_user(cast["leader"], ["bookings"]).post(APPLY, {"stops": stops, "message": "On tour in June."})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["applied"] == 3 and answer["refused"] == 1
    refused = next(s for s in answer["stops"] if not s["applied"])
    assert refused["slot_id"] == tour["Nuremberg"].pk and "already taken" in refused["reason"]
    applied = Booking.objects.filter(band=cast["band"], kind=Booking.Kind.APPLICATION)
    assert sorted(applied.values_list("slot__title", flat=True)) == ["Hanover", "Kassel", "Munich"]
    assert set(applied.values_list("message", flat=True)) == {"On tour in June."}
    assert {str(b.uid) for b in applied} == {s["booking"] for s in answer["stops"] if s["applied"]}
    assert plan["routes"]


def test_applying_twice_is_a_conflict_and_changes_nothing(cast, tour):
    api = as_user(cast["admin"], ["bookings"])
    body = {"stops": [{"slot_id": tour["Kassel"].pk, "role": "headliner"}]}
    assert api.post(APPLY, body).status_code == 200
    response = api.post(APPLY, body)
    assert response.status_code == 409
    assert "already has a pending application" in response.json()["detail"]
    assert f"stops.{tour['Kassel'].pk}" in response.json()["errors"]
    assert Booking.objects.filter(kind=Booking.Kind.APPLICATION).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"stops": []},
        {"stops": [{"slot_id": 1, "role": "drummer"}]},
        {"stops": [{"slot_id": "x", "role": "headliner"}]},
        {"stops": [{"slot_id": 1, "role": "headliner"}], "message": "x" * 2001},
        {},
    ],
)
def test_bad_picks_send_nothing(cast, tour, body):
    response = as_user(cast["leader"], ["bookings"]).post(APPLY, body)
    assert response.status_code == 422
    assert not Booking.objects.filter(kind=Booking.Kind.APPLICATION).exists()


def test_a_slot_nobody_may_see_is_reported_gone(cast, tour):
    Slot.objects.filter(pk=tour["Kassel"].pk).update(visibility=Slot.Visibility.INVITE)
    response = as_user(cast["leader"], ["bookings"]).post(
        APPLY, {"stops": [{"slot_id": tour["Kassel"].pk, "role": "headliner"}]}
    )
    assert response.status_code == 409 and "no longer open" in response.json()["detail"]


def test_each_application_counts_against_the_hourly_limit(cast, tour, settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "application": "2/h"}
    api = as_user(cast["leader"], ["bookings"])
    stops = [{"slot_id": s.pk, "role": "headliner"} for s in tour.values()]
    answer = api.post(APPLY, {"stops": stops}).json()
    assert answer["applied"] == 2
    assert sum("used up the applications" in s["reason"] for s in answer["stops"]) == 2
    response = api.post(APPLY, {"stops": stops[2:3]})
    assert response.status_code == 429 and response["Retry-After"]
    assert Booking.objects.filter(kind=Booking.Kind.APPLICATION).count() == 2


# ---- Saved tours (tour plans) -------------------------------------------------------------------

PLANS = "/api/v1/bands/alpha/tour/plans"


def keep(cast, **extra):
    values = {
        "start": CityFactory(name="Hamburg"),
        "end": CityFactory(name="Munich"),
        "first_day": day(10),
        "last_day": day(14),
        "drive_km": 400,
        "label": "Summer",
        **extra,
    }
    return saved_tour_create(band=cast["band"], by=cast["leader"], **values)


def test_keep_a_tour_and_read_its_routes(cast, tour):
    api = as_user(cast["leader"], ["read", "plans"])
    response = api.post(PLANS, {**ask(), "label": "South"})
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["label"] == "South" and plan["start"]["name"] == "Hamburg" and plan["end"]["name"] == "Munich"
    assert plan["kinds"] == ["headliner", "support"] and plan["drive_km"] == 400
    assert api.get(f"{PLANS}/{plan['id']}").json() == plan
    routes = api.get(f"{PLANS}/{plan['id']}/routes").json()
    assert routes["routes"][0]["nights"] == 4
    assert [s["title"] for s in routes["routes"][0]["stops"]] == ROUTE


def test_the_kept_tours_list_pages_and_costs_the_same_however_many(cast, tour, django_assert_max_num_queries):
    for i in range(3):
        keep(cast, label=f"T{i}", first_day=day(10 + i))
    api = as_user(cast["admin"], ["read"])
    with django_assert_max_num_queries(5) as few:  # the token, its last use, the band, membership, tours
        assert api.get(PLANS, {"limit": 2}).status_code == 200
    for i in range(3, 9):
        keep(cast, label=f"T{i}", first_day=day(10 + i), last_day=day(30))
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = api.get(PLANS, {"limit": 5}).json()
    labels = [t["label"] for t in first["items"]]
    page = api.get(first["next"].replace("http://testserver", "")).json()
    assert labels + [t["label"] for t in page["items"]] == [f"T{i}" for i in range(9)]
    assert page["next"] is None


def test_change_a_kept_tour(cast, tour):
    kept = keep(cast)
    api = as_user(cast["leader"], ["plans"])
    response = api.patch(f"{PLANS}/{kept.pk}", {"end": "Nuremberg", "drive_km": 300, "label": "Shorter"})
    assert response.status_code == 200, response.content
    kept.refresh_from_db()
    assert kept.end.name == "Nuremberg" and kept.start.name == "Hamburg" and kept.drive_km == 300
    assert kept.label == "Shorter"
    assert api.patch(f"{PLANS}/{kept.pk}", {"kinds": ["support"]}).json()["kinds"] == ["support"]
    response = api.patch(f"{PLANS}/{kept.pk}", {"last_day": day(5).isoformat(), "label": "Bad"})
    assert response.status_code == 422 and "last_day" in response.json()["errors"]
    kept.refresh_from_db()
    assert kept.last_day == day(14) and kept.label == "Shorter"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": "Qqqqzz"}, "start"),
        ({"drive_km": 0}, "drive_km"),
        ({"first_day": "2001-01-01"}, "first_day"),
        ({"last_day": day(90).isoformat()}, "last_day"),
        ({"kinds": []}, "kinds"),
        ({"kinds": ["drummer"]}, "kinds"),
    ],
)
def test_a_bad_tour_is_not_kept(cast, tour, changes, field):
    response = as_user(cast["leader"], ["plans"]).post(PLANS, ask(**changes))
    assert response.status_code == 422, response.content
    assert any(name.startswith(field) for name in response.json()["errors"])
    assert not SavedTour.objects.exists()


def test_a_band_keeps_at_most_twenty_tours(cast, tour):
    for _ in range(SavedTour.MAX_PER_BAND):
        keep(cast)
    response = as_user(cast["leader"], ["plans"]).post(PLANS, ask())
    assert response.status_code == 400 and "delete one first" in response.json()["detail"]
    assert SavedTour.objects.count() == SavedTour.MAX_PER_BAND


def test_a_passed_tour_has_no_routes_until_its_days_change(cast, tour):
    kept = keep(cast)
    SavedTour.objects.filter(pk=kept.pk).update(first_day=day(-3), last_day=day(-1))
    api = as_user(cast["leader"], ["read", "plans"])
    response = api.get(f"{PLANS}/{kept.pk}/routes")
    assert response.status_code == 409 and "passed" in response.json()["detail"]
    assert api.patch(f"{PLANS}/{kept.pk}", {"label": "Old"}).status_code == 200  # a label alone is no question
    response = api.patch(f"{PLANS}/{kept.pk}", {"first_day": day(10).isoformat(), "last_day": day(14).isoformat()})
    assert response.status_code == 200
    assert api.get(f"{PLANS}/{kept.pk}/routes").json()["routes"][0]["nights"] == 4


def test_delete_a_kept_tour(cast, tour):
    kept = keep(cast)
    api = as_user(cast["admin"], ["plans"])
    assert api.delete(f"{PLANS}/{kept.pk}").status_code == 204
    assert not SavedTour.objects.exists()
    assert api.delete(f"{PLANS}/{kept.pk}").status_code == 404


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_reads_or_changes_a_bands_tours(cast, tour, who):
    kept = keep(cast)
    api = as_user(cast[who])
    for response in (
        api.get(PLANS),
        api.get(f"{PLANS}/{kept.pk}"),
        api.get(f"{PLANS}/{kept.pk}/routes"),
        api.post(PLANS, ask()),
        api.patch(f"{PLANS}/{kept.pk}", {"label": "Mine"}),
        api.delete(f"{PLANS}/{kept.pk}"),
    ):
        assert response.status_code == 403
    kept.refresh_from_db()
    assert kept.label == "Summer"


def test_another_bands_tour_is_not_found_here(cast, tour):
    theirs = saved_tour_create(
        band=cast["other_band"],
        by=cast["other_leader"],
        start=CityFactory(name="Hamburg"),
        end=CityFactory(name="Munich"),
        first_day=day(10),
        last_day=day(14),
        drive_km=400,
    )
    api = as_user(cast["leader"])
    assert api.get(f"{PLANS}/{theirs.pk}").status_code == 404
    assert api.patch(f"{PLANS}/{theirs.pk}", {"label": "Mine"}).status_code == 404
    assert api.delete(f"{PLANS}/{theirs.pk}").status_code == 404


def test_kept_tours_need_a_token_and_the_scopes(cast, tour):
    kept = keep(cast)
    assert ApiClient().get(PLANS).status_code == 401
    assert ApiClient().post(PLANS, ask()).status_code == 401
    assert ApiClient().delete(f"{PLANS}/{kept.pk}").status_code == 401
    reader = as_user(cast["leader"], ["read", "bookings"])
    assert reader.post(PLANS, ask()).status_code == 403
    assert reader.patch(f"{PLANS}/{kept.pk}", {"label": "x"}).status_code == 403
    assert reader.delete(f"{PLANS}/{kept.pk}").status_code == 403
    writer = as_user(cast["leader"], ["plans"])
    assert writer.get(PLANS).status_code == 403
    assert writer.get(f"{PLANS}/{kept.pk}/routes").status_code == 403
    assert SavedTour.objects.count() == 1 and SavedTour.objects.get().label == "Summer"


def test_a_slot_id_no_column_can_hold_is_refused_not_a_fault(cast, tour):
    """A number beyond 64 bits is refused by the one JSON reader (core/web/json_body.py) before any lookup."""
    response = as_user(cast["leader"], ["bookings"]).post(APPLY, {"stops": [{"slot_id": 10**20, "role": "headliner"}]})
    assert response.status_code == 400 and "too large" in response.json()["detail"]
    response = as_user(cast["leader"], ["bookings"]).post(APPLY, {"stops": [{"slot_id": 2**62, "role": "headliner"}]})
    assert response.status_code == 409 and "no longer open" in response.json()["detail"]
