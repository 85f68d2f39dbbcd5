"""A count that says "fewer than 5" stays fewer than 5 (issue 82, docs/decisions/0130): a band's leader or a
venue's staff who make fan accounts one at a time – each through the real sign-up and follow services, an
emailed code each – and read their audience after every one never see a hidden city turn into a number;
people with standing (fans.counting) are counted as before. The clock is explicit: NOW is the night Berlin
moves its clocks forward."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from bands.demand import SMALL_COUNT, city_demand_for, count_text
from bookings.tests.factories import band_with_leader, venue_with_owner
from fans import selectors, services
from fans.counting import STANDING_ACCOUNT_AGE, STANDING_HELD, STANDING_RETURN, audience_count
from fans.models import Ask, Follow

from .standing import settle
from .world import city

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(dt.UTC)
# Hidden cells: five cities of 1 to 4 people with standing; Munich is shown.
HIDDEN = {"Berlin": 4, "Hamburg": 3, "Leipzig": 4, "Cologne": 1, "Dresden": 2}
SHOWN = {"Munich": 7}
# Fake accounts the attacker makes in each hidden city: more than enough to cross five from any of 1–4.
FAKES_PER_CELL = SMALL_COUNT


def _fan(n: str, home, *, band=None, venue=None, ask=False):
    """A person as the pages make one: an account by email, a home city, a follow (and an ask)."""
    user = services.fan_account_for_email(email=f"{n}@example.com")
    services.fan_profile_update(user=user, city=home, radius_km=50, any_distance=False, weekly=True)
    services.follow_set(user=user, band=band, venue=venue, on=True)
    if ask:
        services.ask_set(user=user, band=band, city=home, on=True)
    return user


def _audience(band, venue, at):
    """Everything a band's leader and a venue's staff read of their audience at `at`."""
    services.demand_refresh(band_id=band.pk, now=at)
    demand = {d.city.name: (d.asks_text, d.followers_text) for d in city_demand_for(band_id=band.pk)}
    return {
        "band followers": selectors.followers_by_city(band=band, now=at),
        "band asks": selectors.asks_by_city(band=band, now=at),
        "venue followers": selectors.followers_by_city(venue=venue, now=at),
        "planner": demand,
    }


@pytest.fixture
def audience():
    band, _leader = band_with_leader(name="The Probed", slug="the-probed")
    venue, _owner = venue_with_owner(name="Probe Hall", slug="probe-hall")
    cities = {name: city(name) for name in [*HIDDEN, *SHOWN]}
    real = []
    for name, n in {**HIDDEN, **SHOWN}.items():
        for i in range(n):
            real.append(_fan(f"real-{name}-{i}", cities[name], band=band, ask=True))
            services.follow_set(user=real[-1], venue=venue, on=True)
    settle(*real, at=NOW)
    return band, venue, cities


def test_fresh_accounts_made_one_by_one_move_no_hidden_cell(audience):
    band, venue, cities = audience
    before = _audience(band, venue, NOW)
    # The real people are counted as they are: Munich's seven shown, the others "fewer than 5".
    assert [(c.label, c.text) for c in before["band followers"]] == [
        ("Munich", "7"),
        *sorted((cities[name].name, "fewer than 5") for name in HIDDEN),
    ]
    assert before["band followers"].total == "at least 12"
    assert before["planner"]["Munich"] == ("7", "7") and before["planner"]["Berlin"] == ("fewer than 5",) * 2

    moved, fakes, at = 0, 0, NOW
    for name in HIDDEN:
        for i in range(FAKES_PER_CELL):
            at += dt.timedelta(minutes=10)
            fake = _fan(f"fake-{name}-{i}", cities[name], band=band, ask=True)
            services.follow_set(user=fake, venue=venue, on=True)
            # Made, followed and asked at `at`; signed in then (the code), as a probe's account is.
            User.objects.filter(pk=fake.pk).update(date_joined=at, last_login=at)
            Follow.objects.filter(user=fake).update(created_at=at)
            Ask.objects.filter(user=fake).update(created_at=at)
            fakes += 1
            moved += _audience(band, venue, at) != before
    assert (fakes, moved) == (len(HIDDEN) * FAKES_PER_CELL, 0)


def test_old_accounts_kept_for_the_probe_move_nothing_at_once(audience):
    """A patient attacker's accounts are old and came back; their follows still wait a week, and the cell
    reads the same every time it is read within that week."""
    band, venue, cities = audience
    before = _audience(band, venue, NOW)
    kept = [_fan(f"kept-{i}", cities["Berlin"], band=band, ask=True) for i in range(2)]
    settle(*kept, at=NOW, acted_days=0)
    Follow.objects.filter(user__in=kept).update(created_at=NOW)
    Ask.objects.filter(user__in=kept).update(created_at=NOW)
    for hours in (0, 1, 24, 24 * 6, 24 * 7 - 1):
        assert _audience(band, venue, NOW + dt.timedelta(hours=hours)) == before
    # A week on they are people like any other: Berlin's four and two read 6 (the rule is slow, not blind).
    later = _audience(band, venue, NOW + STANDING_HELD)
    assert later["planner"]["Berlin"] == ("6", "6")


def test_standing_at_its_edges():
    band, _leader = band_with_leader(name="Edges", slug="edges")
    berlin = city("Berlin")
    people = [_fan(f"edge-{i}", berlin, band=band) for i in range(SMALL_COUNT)]
    settle(*people, at=NOW)

    def counted():
        return sum(n for _city, _label, n in audience_count(what="followers", band_id=band.pk, now=NOW))

    assert counted() == SMALL_COUNT
    edge = people[0]
    # Joined exactly a month ago: counted; a second later: not.
    User.objects.filter(pk=edge.pk).update(date_joined=NOW - STANDING_ACCOUNT_AGE, last_login=NOW)
    assert counted() == SMALL_COUNT
    User.objects.filter(pk=edge.pk).update(date_joined=NOW - STANDING_ACCOUNT_AGE + dt.timedelta(seconds=1))
    assert counted() == SMALL_COUNT - 1
    # Never back after the first day: not counted; back a day after joining: counted.
    joined = NOW - dt.timedelta(days=60)
    User.objects.filter(pk=edge.pk).update(date_joined=joined, last_login=joined + STANDING_RETURN)
    assert counted() == SMALL_COUNT
    User.objects.filter(pk=edge.pk).update(last_login=joined + STANDING_RETURN - dt.timedelta(seconds=1))
    assert counted() == SMALL_COUNT - 1
    User.objects.filter(pk=edge.pk).update(last_login=None)
    assert counted() == SMALL_COUNT - 1
    # The follow a week old exactly: counted; a second younger: not.
    User.objects.filter(pk=edge.pk).update(last_login=NOW)
    Follow.objects.filter(user=edge).update(created_at=NOW - STANDING_HELD)
    assert counted() == SMALL_COUNT
    Follow.objects.filter(user=edge).update(created_at=NOW - STANDING_HELD + dt.timedelta(seconds=1))
    assert counted() == SMALL_COUNT - 1
    assert count_text(counted()) == "fewer than 5"
    # A closed or deactivated account is not counted.
    Follow.objects.filter(user=edge).update(created_at=NOW - STANDING_HELD)
    User.objects.filter(pk=edge.pk).update(closed_at=NOW - dt.timedelta(days=1))
    assert counted() == SMALL_COUNT - 1
    User.objects.filter(pk=edge.pk).update(closed_at=None, is_active=False)
    assert counted() == SMALL_COUNT - 1


def test_the_nightly_step_brings_people_of_age_into_the_planners_counts():
    band, _leader = band_with_leader(name="Nightly", slug="nightly")
    hamburg = city("Hamburg")
    people = [_fan(f"night-{i}", hamburg, band=band, ask=True) for i in range(6)]
    settle(*people, at=NOW, acted_days=3)
    services.demand_refresh(band_id=band.pk, now=NOW)
    assert city_demand_for(band_id=band.pk) == []
    assert services.demand_refresh_all(now=NOW + dt.timedelta(days=4)) >= 1
    [row] = city_demand_for(band_id=band.pk)
    assert (row.city.name, row.asks_text, row.followers_text) == ("Hamburg", "6", "6")
