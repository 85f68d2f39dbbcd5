"""The tour route search on its own (bookings.tours): no database."""

import datetime as dt
import itertools
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.tours import MAX_DAYS, Ask, Stop, rest_days, route_problem, tour_routes
from places.geo import great_circle_km
from places.tests.factories import KNOWN

DAY = dt.date(2026, 6, 1)


def at(name: str) -> tuple[float, float]:
    return KNOWN[name][2], KNOWN[name][3]


def stop(pk: int, night: int, city: str, fee: int | None = None) -> Stop:
    return Stop(id=pk, night=DAY + dt.timedelta(days=night), latitude=at(city)[0], longitude=at(city)[1], fee=fee)


def ask(days: int = 5, drive_km: float = 400, start: str = "Hamburg", end: str = "Munich", **kw) -> Ask:
    return Ask(
        start=at(start),
        first_day=DAY,
        end=at(end),
        last_day=DAY + dt.timedelta(days=days - 1),
        drive_km=drive_km,
        **kw,
    )


def ids(route) -> list[int]:
    return [leg.stop.id for leg in route.legs]


def test_fills_most_nights_then_fee_then_fewest_km():
    stops = [
        stop(1, 0, "Hanover", 100),
        stop(2, 1, "Kassel", 100),
        stop(3, 2, "Nuremberg", 100),
        # Same night as 3, better fee: wins on fee.
        stop(4, 2, "Leipzig", 300),
        # Same night and fee as 4 but farther off the road: loses on km.
        stop(5, 2, "Dresden", 300),
    ]
    routes = tour_routes(ask(days=4), stops)
    assert ids(routes[0]) == [1, 2, 4]
    assert ids(routes[1]) == [1, 2, 5]
    assert routes[0].nights == 3 and routes[0].fee == 500
    assert routes[0].km < routes[1].km


def test_leg_km_add_up_to_the_great_circle_route():
    routes = tour_routes(ask(days=3), [stop(1, 0, "Hanover"), stop(2, 1, "Nuremberg")])
    (route,) = [r for r in routes if ids(r) == [1, 2]]
    hops = [
        great_circle_km(*at("Hamburg"), *at("Hanover")),
        great_circle_km(*at("Hanover"), *at("Nuremberg")),
    ]
    assert [round(leg.km, 6) for leg in route.legs] == [round(h, 6) for h in hops]
    assert round(route.end_km, 6) == round(great_circle_km(*at("Nuremberg"), *at("Munich")), 6)


def test_a_hop_longer_than_a_days_drive_needs_a_rest_day():
    # Hamburg -> Munich is about 610 km: one 400 km day is not enough, two are.
    stops = [stop(1, 0, "Hamburg", 100), stop(2, 1, "Munich", 100)]
    assert [ids(r) for r in tour_routes(ask(days=2), stops)] == [[1], [2]] or all(
        len(r.legs) == 1 for r in tour_routes(ask(days=2), stops)
    )
    rested = [stop(1, 0, "Hamburg", 100), stop(2, 2, "Munich", 100)]
    assert ids(tour_routes(ask(days=3), rested)[0]) == [1, 2]


def test_road_factor_makes_hops_longer():
    stops = [stop(1, 0, "Hanover"), stop(2, 1, "Nuremberg")]
    # Hanover -> Nuremberg is about 380 km as the crow flies, about 475 by road.
    assert ids(tour_routes(ask(days=3), stops)[0]) == [1, 2]
    assert all(len(r.legs) == 1 for r in tour_routes(ask(days=3, road_factor=1.25), stops))


def test_one_stop_a_night():
    stops = [stop(1, 0, "Hanover", 100), stop(2, 0, "Hamburg", 200), stop(3, 1, "Kassel", 100)]
    for route in tour_routes(ask(days=3), stops):
        nights = [leg.stop.night for leg in route.legs]
        assert len(nights) == len(set(nights))
        assert nights == sorted(nights)


def test_the_end_must_be_reachable_by_the_last_day():
    # A gig in Hamburg on the last day leaves no day to drive to Munich.
    assert tour_routes(ask(days=3), [stop(1, 2, "Hamburg", 500)]) == []
    # In Munich itself on the last day it is fine.
    assert ids(tour_routes(ask(days=3), [stop(1, 2, "Munich", 500)])[0]) == [1]
    # And from the start: on the first day the band drives at most one day's km.
    assert tour_routes(ask(days=3), [stop(1, 0, "Munich", 500)]) == []


def test_k_distinct_routes_best_first():
    stops = [stop(i, i % 4, city, 100 + i) for i, city in enumerate(["Hanover", "Kassel", "Nuremberg", "Munich"] * 3)]
    routes = tour_routes(ask(days=4), stops)
    assert len(routes) == 3
    assert len({tuple(ids(r)) for r in routes}) == 3
    keys = [r.key for r in routes]
    assert keys == sorted(keys, reverse=True)


def test_nothing_to_find():
    assert tour_routes(ask(), []) == []
    assert tour_routes(ask(drive_km=0), [stop(1, 0, "Hanover")]) == []
    # Stops outside the days are ignored.
    assert tour_routes(ask(days=2), [stop(1, 5, "Hanover"), stop(2, -1, "Hanover")]) == []


def test_rest_days_and_problems():
    route = tour_routes(ask(days=3), [stop(1, 1, "Kassel")])[0]
    assert rest_days(route, DAY, DAY + dt.timedelta(days=2)) == [DAY, DAY + dt.timedelta(days=2)]
    assert route_problem(first_day=DAY, last_day=DAY - dt.timedelta(days=1), drive_km=400) == {
        "last_day": "The last day cannot be before the first."
    }
    too_long = route_problem(first_day=DAY, last_day=DAY + dt.timedelta(days=MAX_DAYS), drive_km=0)
    assert set(too_long) == {"last_day", "drive_km"}
    assert route_problem(first_day=DAY, last_day=DAY + dt.timedelta(days=MAX_DAYS - 1), drive_km=1) == {}


def test_thousands_of_stops_stay_fast():
    # 5,000 stops over 21 days in a box around Germany, every fee unknown (the most ties).
    import random

    rng = random.Random(7)
    stops = [
        Stop(
            id=i,
            night=DAY + dt.timedelta(days=rng.randrange(21)),
            latitude=rng.uniform(47.5, 54.5),
            longitude=rng.uniform(6.5, 14.5),
            fee=None if i % 3 else rng.randrange(100, 2000, 50),
        )
        for i in range(5000)
    ]
    began = time.perf_counter()
    routes = tour_routes(ask(days=21, road_factor=1.25), stops)
    assert time.perf_counter() - began < 3
    assert routes[0].nights == 21


# ---- Against a brute force on small inputs ------------------------------------------------------

CITIES = ["Hamburg", "Berlin", "Leipzig", "Hanover", "Kassel", "Nuremberg", "Munich", "Cologne", "Dresden"]


def brute_force(a: Ask, stops: list[Stop]) -> list[tuple]:
    days = a.days
    best = []
    for n in range(1, len(stops) + 1):
        for combo in itertools.combinations(stops, n):
            chosen = sorted(combo, key=lambda s: s.night)
            nights = [(s.night - a.first_day).days for s in chosen]
            if any(not 0 <= x < days for x in nights) or len(set(nights)) != len(nights):
                continue
            where, when, km, ok = a.start, -1, 0.0, True
            for s, x in zip(chosen, nights, strict=True):
                hop = great_circle_km(*where, s.latitude, s.longitude) * a.road_factor
                if not (hop <= 25 or hop <= a.drive_km * (x - when) + 1e-9):
                    ok = False
                    break
                where, when, km = (s.latitude, s.longitude), x, km + hop
            last = great_circle_km(*where, *a.end) * a.road_factor
            if not ok or not (last <= 25 or last <= a.drive_km * (days - 1 - when) + 1e-9):
                continue
            best.append((n, sum(s.fee or 0 for s in chosen), round(-(km + last), 6)))
    return sorted(best, reverse=True)[: a.routes]


@settings(max_examples=150, deadline=None)
@given(
    picks=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(CITIES), st.one_of(st.none(), st.sampled_from([0, 100, 300]))),
        max_size=7,
    ),
    days=st.integers(1, 6),
    drive_km=st.sampled_from([150, 300, 450, 700]),
    start=st.sampled_from(CITIES),
    end=st.sampled_from(CITIES),
)
def test_matches_brute_force(picks, days, drive_km, start, end):
    stops = [stop(i, night, city, fee) for i, (night, city, fee) in enumerate(picks)]
    a = ask(days=days, drive_km=drive_km, start=start, end=end)
    found = [(r.nights, r.fee, round(-r.km, 6)) for r in tour_routes(a, stops)]
    assert found == brute_force(a, stops)
