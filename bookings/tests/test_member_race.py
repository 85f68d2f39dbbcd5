"""A member is never booked into two gigs at once, even by a race (PostgreSQL, real locks; decision 0072).

Two bands share a member, required in both; each has a gig waiting at overlapping times. One after the
other, the second is refused (the member is busy). Here the two doors are taken at the same moment, from
two threads with their own database connections: every door that takes a member's time (accept, accept
anyway with a stand-in, instant booking, a hosted show, a reschedule, a show's running order; a stand-in's
yes in gigs/tests/test_stand_in_member_race.py; a festival placement in festivals/tests/test_races.py) must
queue on the member, so exactly one of them wins.

Each racer waits a moment after its members' check (`slow_check`), so a racer that is not made to queue
on the member certainly reads before the other one commits: without the people locks (locks.people_lock)
the tests here book the member twice (the two "without" tests show it)."""

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection

from accounts.models import User
from accounts.people import people_draw
from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import Band, Membership, Package
from bands.packages import package_price
from bands.tests.factories import BandFactory, MembershipFactory
from bookings.errors import BookingConflict, BookingError, MembersBusy
from bookings.models import Booking, BookingEvent
from bookings.services import answering, checks, instant, locks, reschedule, shows
from bookings.tests.factories import band_with_leader, lineup_band

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.slow]

Status = Booking.Status
ROUNDS = 3
GAP = 0.25  # seconds each racer waits between its check and its writes
BERLIN = "Europe/Berlin"


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at one moment, each in its own thread and connection; each one's result or exception."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            start.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # the test names whatever it is
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racer is still waiting: a deadlock?"
    return results


@pytest.fixture
def slow_check(monkeypatch):
    """Every members' check (and a stand-in's) waits GAP seconds after reading, before its door writes."""
    members_check, person_check = checks.gig_fit, checks.person_gig_overlapping

    def members_then_wait(*args, **kwargs):
        fit = members_check(*args, **kwargs)
        time.sleep(GAP)
        return fit

    def person_then_wait(*args, **kwargs):
        clash = person_check(*args, **kwargs)
        time.sleep(GAP)
        return clash

    monkeypatch.setattr(checks, "gig_fit", members_then_wait)
    monkeypatch.setattr(checks, "person_gig_overlapping", person_then_wait)


@dataclass
class Shared:
    band_a: Band
    leader_a: User
    band_b: Band
    leader_b: User
    player: User  # required in both bands
    client: User


def shared_bands(n: int, *, band_a: Band | None = None, leader_a: User | None = None) -> Shared:
    if band_a is None:
        band_a, leader_a = band_with_leader(name=f"Alpha {n}")
    band_b, leader_b = band_with_leader(name=f"Beta {n}")
    player = UserFactory(display_name=f"Xenia Shared{n}")
    for band in (band_a, band_b):
        MembershipFactory(band=band, user=player, required=True)
    return Shared(band_a, leader_a, band_b, leader_b, player, UserFactory(time_zone=BERLIN))


def starts(n: int, hour: int = 19) -> dt.datetime:
    """A day of its own for each round, 19:00 Berlin, well ahead."""
    day = dt.datetime.now(dt.UTC) + dt.timedelta(days=30 + 3 * n)
    return day.replace(hour=hour - 1, minute=0, second=0, microsecond=0)


def request_of(band: Band, client: User, start: dt.datetime, hours: int = 3) -> Booking:
    """A client's pending request for `band`, which the band's leaders answer."""
    return Booking.objects.create(
        kind=Booking.Kind.REQUEST, band=band, client=client, requested_by=client, starts_at=start,
        ends_at=start + dt.timedelta(hours=hours), time_zone=BERLIN, event_type="Wedding", location="Orangerie",
        fee=900,
    )  # fmt: skip


def booked(*bookings: Booking) -> list[Booking]:
    return list(Booking.objects.filter(pk__in=[b.pk for b in bookings], status=Status.BOOKED))


def gig_overlaps(user: User) -> list[tuple[BusyInterval, BusyInterval]]:
    """The person's gig busy times that overlap one another: two gigs at once."""
    rows = list(BusyInterval.objects.filter(user=user, source=BusyInterval.Source.GIG).order_by("starts_at"))
    return [(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :] if b.starts_at < a.ends_at]


def refused_for(results: list[object], player: User) -> list[BookingError]:
    refused = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, BookingConflict) for r in refused), refused
    return refused


def assert_one_gig_at_a_time(results: list[object], player: User, *gigs: Booking) -> None:
    """Exactly one racer booked, the other was told the shared member is busy; the member has no two gigs."""
    refused = refused_for(results, player)
    assert len(booked(*gigs)) == 1, f"both booked: {results}"
    assert len(refused) == 1, results
    assert player.name.split()[0] in str(refused[0]) or not isinstance(refused[0], MembersBusy), refused
    assert gig_overlaps(player) == []


@pytest.mark.usefixtures("slow_check")
def test_two_bands_sharing_a_member_accepted_at_once_book_the_member_once():
    for n in range(ROUNDS):
        _accepts_round(n)


def _accepts_round(n: int) -> None:
    w = shared_bands(n)
    a = request_of(w.band_a, w.client, starts(n))
    b = request_of(w.band_b, w.client, starts(n) + dt.timedelta(hours=1))
    results = race(
        lambda: answering.booking_accept(booking=a, by=w.leader_a),
        lambda: answering.booking_accept(booking=b, by=w.leader_b),
    )
    assert_one_gig_at_a_time(results, w.player, a, b)
    assert any(isinstance(r, MembersBusy) for r in results), results


@pytest.mark.usefixtures("slow_check")
def test_accept_anyway_at_the_same_moment_names_the_member_it_takes_from_the_other_band():
    """Accepting anyway books whatever the members, but names in the audit log who is busy, so the
    leaders find a stand-in. Racing another band's accept, it either comes second and names the shared
    member, or comes first and the other band is refused."""
    for n in range(ROUNDS):
        _accept_anyway_round(n)


def _accept_anyway_round(n: int) -> None:
    w = shared_bands(n)
    a = request_of(w.band_a, w.client, starts(n))
    b = request_of(w.band_b, w.client, starts(n) + dt.timedelta(hours=1))
    results = race(
        lambda: answering.booking_accept(booking=a, by=w.leader_a, stand_in=True),
        lambda: answering.booking_accept(booking=b, by=w.leader_b),
    )
    assert not isinstance(results[0], Exception), results
    # The history note names the member by reference, drawn when read (decision 0131).
    note = people_draw(BookingEvent.objects.get(booking=a, to_status=Status.BOOKED).note)
    if isinstance(results[1], Exception):
        assert isinstance(results[1], MembersBusy), results
        assert booked(a, b) == [a]
    else:
        assert w.player.name.split()[0] in note, f"{w.player.name} is booked twice, unnamed: {note!r}"


@pytest.mark.usefixtures("slow_check")
def test_an_instant_booking_and_another_bands_accept_at_once_book_the_member_once():
    for n in range(ROUNDS):
        _instant_round(n)


def _instant_round(n: int) -> None:
    band_a = BandFactory(name=f"Instant {n}", load_in_minutes=60, pack_down_minutes=30)
    leader_a = UserFactory()
    MembershipFactory(band=band_a, user=leader_a, role=Membership.Role.LEADER)
    package = Package.objects.create(
        band=band_a, name="Party set", sets=2, set_minutes=45, break_minutes=15, price=900, instant=True
    )
    w = shared_bands(n, band_a=band_a, leader_a=leader_a)
    b = request_of(w.band_b, w.client, starts(n))
    results = race(
        lambda: instant.booking_instant(
            band=band_a, package=package, client=w.client, starts_at=starts(n), price=package_price(package)
        ),
        lambda: answering.booking_accept(booking=b, by=w.leader_b),
    )
    gigs = [b, *Booking.objects.filter(band=band_a)]
    assert_one_gig_at_a_time(results, w.player, *gigs)


@pytest.mark.usefixtures("slow_check")
def test_a_hosted_show_and_another_bands_accept_at_once_book_the_member_once():
    for n in range(ROUNDS):
        _hosted_show_round(n)


def _hosted_show_round(n: int) -> None:
    w = shared_bands(n)
    b = request_of(w.band_b, w.client, starts(n) + dt.timedelta(hours=1))
    results = race(
        lambda: shows.show_host(
            band=w.band_a,
            by=w.leader_a,
            starts_at=starts(n),
            ends_at=starts(n) + dt.timedelta(hours=3),
            time_zone=BERLIN,
            title="Basement night",
            place_name="Basement",
        ),
        lambda: answering.booking_accept(booking=b, by=w.leader_b),
    )
    gigs = [b, *Booking.objects.filter(band=w.band_a)]
    assert_one_gig_at_a_time(results, w.player, *gigs)


@pytest.mark.usefixtures("slow_check")
def test_a_reschedule_and_another_bands_accept_at_once_book_the_member_once():
    for n in range(ROUNDS):
        _reschedule_round(n)


def _reschedule_round(n: int) -> None:
    w = shared_bands(n)
    a = request_of(w.band_a, w.client, starts(n) - dt.timedelta(days=1))
    answering.booking_accept(booking=a, by=w.leader_a)
    proposal = reschedule.reschedule_propose(
        booking=a, by=w.client, starts_at=starts(n), ends_at=starts(n) + dt.timedelta(hours=3), reason="Rain"
    )
    b = request_of(w.band_b, w.client, starts(n) + dt.timedelta(hours=1))
    results = race(
        lambda: reschedule.reschedule_accept(proposal=proposal, by=w.leader_a),
        lambda: answering.booking_accept(booking=b, by=w.leader_b),
    )
    refused = refused_for(results, w.player)
    a.refresh_from_db()
    moved = a.starts_at == starts(n)
    assert len(refused) == 1, results
    assert moved != bool(booked(b)), f"moved onto the other band's gig: {results}"
    assert gig_overlaps(w.player) == []


@pytest.mark.usefixtures("slow_check")
def test_members_shared_both_ways_queue_in_one_order_and_never_deadlock():
    """Bands A and B share two members, X and Y (ids in either order of the bands' other members): both
    racers lock X before Y, so one waits for the other, and never both for each other."""
    for n in range(ROUNDS):
        _two_shared_round(n)


def _two_shared_round(n: int) -> None:
    w = shared_bands(n)
    second = UserFactory(display_name=f"Yusuf Shared{n}")
    for band in (w.band_b, w.band_a):
        MembershipFactory(band=band, user=second, required=True)
    a = request_of(w.band_a, w.client, starts(n))
    b = request_of(w.band_b, w.client, starts(n) + dt.timedelta(hours=1))
    results = race(
        lambda: answering.booking_accept(booking=a, by=w.leader_a),
        lambda: answering.booking_accept(booking=b, by=w.leader_b),
    )
    assert len(booked(a, b)) == 1, results
    assert gig_overlaps(w.player) == [] and gig_overlaps(second) == []


@pytest.mark.guard_removed
def test_without_the_member_lock_the_race_books_the_member_twice(slow_check, monkeypatch):
    """The race is real: take gig_people_lock away and both bands book the shared member at once, so the
    tests above can fail."""
    monkeypatch.setattr(locks, "people_lock", lambda user_ids: sorted(set(user_ids)))
    w = shared_bands(0)
    a = request_of(w.band_a, w.client, starts(0))
    b = request_of(w.band_b, w.client, starts(0) + dt.timedelta(hours=1))
    results = race(
        lambda: answering.booking_accept(booking=a, by=w.leader_a),
        lambda: answering.booking_accept(booking=b, by=w.leader_b),
    )
    assert len(booked(a, b)) == 2, results
    assert len(gig_overlaps(w.player)) == 1


# A show's running order moves an act's set; another band sharing a member is accepted at the same moment. ------


@dataclass
class Bill:
    w: Shared
    show_booking: Booking  # band A's own place on the show it hosts, 19:00–23:00 Berlin
    b: Booking  # band B's request, 13:00–15:00 Berlin: clear of A's show with its usual load-in


def running_order_bands(n: int, *, lineup: bool = True) -> Bill:
    """Band A has a minimum line-up (one keyboard player, needed) and hosts a show at 19:00; its keyboard
    player is also required in band B, asked for 13:00–15:00. `lineup` false: band A is a band without one,
    the player required by name (a load-in reaching further is checked for every band, moves.gig_move)."""
    if lineup:
        band_a, leader_a, players = lineup_band(name=f"Keys {n}", sections_needed=(("Keys", 1, 1),))
        player = players["Keys"][0]
    else:
        band_a, leader_a = band_with_leader(name=f"Four {n}")
        player = MembershipFactory(band=band_a, required=True, instrument="Keys").user
    band_b, leader_b = band_with_leader(name=f"Beta {n}")
    MembershipFactory(band=band_b, user=player, required=True)
    w = Shared(band_a, leader_a, band_b, leader_b, player, UserFactory(time_zone=BERLIN))
    show = shows.show_host(
        band=band_a, by=leader_a, starts_at=starts(n), ends_at=starts(n) + dt.timedelta(hours=4), time_zone=BERLIN,
        title="Basement night", place_name="Basement",
    )  # fmt: skip
    show_booking = Booking.objects.get(slot=show, band=band_a, status=Status.BOOKED)
    return Bill(w, show_booking, request_of(band_b, w.client, starts(n) - dt.timedelta(hours=6), hours=2))


def race_running_order(bill: Bill) -> list[object]:
    """The host sets a five-hour load-in for its own set (14:00, over band B's gig) while band B accepts."""
    show = bill.show_booking.slot
    act = shows.ActTimes(
        booking_id=bill.show_booking.pk,
        load_in_at=show.starts_at - dt.timedelta(hours=5),
        set_starts_at=show.starts_at,
        set_ends_at=show.starts_at + dt.timedelta(hours=1),
    )
    return race(
        lambda: shows.show_running_order_set(slot=show, by=bill.w.leader_a, acts=[act]),
        lambda: answering.booking_accept(booking=bill.b, by=bill.w.leader_b),
    )


@pytest.mark.usefixtures("slow_check")
def test_a_running_order_move_and_another_bands_accept_at_once_book_the_member_once():
    """The running order locks the people of every act whose set moves (locks.gigs_people_lock, after the
    bands and the slot, before the bookings): exactly one of the two wins, the other is told the member is
    busy, and the member is never in two gigs at once."""
    for n in range(2):
        one_of_the_race_wins(running_order_bands(n))


@pytest.mark.usefixtures("slow_check")
def test_a_band_without_a_line_up_races_its_running_order_as_safely():
    """The same race for a band without a minimum line-up, whose load-in now reaches beyond its old window."""
    one_of_the_race_wins(running_order_bands(2, lineup=False))


def one_of_the_race_wins(bill: Bill) -> None:
    results = race_running_order(bill)
    refused = refused_for(results, bill.w.player)
    assert len(refused) == 1 and isinstance(refused[0], MembersBusy), results
    assert "Keys" in str(refused[0]) or bill.w.player.name.split()[0] in str(refused[0]), refused
    bill.show_booking.refresh_from_db()
    moved = bill.show_booking.load_in_at is not None
    assert moved != bool(booked(bill.b)), f"the set moved onto the other band's gig: {results}"
    assert moved == (not isinstance(results[0], Exception)), results
    assert gig_overlaps(bill.w.player) == []


@pytest.mark.guard_removed
def test_without_the_people_locks_the_running_order_race_books_the_member_twice(slow_check, monkeypatch):
    """The race is real: without the people locks both the move and the accept pass the members' check."""
    monkeypatch.setattr(locks, "people_lock", lambda user_ids: sorted(set(user_ids)))
    bill = running_order_bands(0)
    results = race_running_order(bill)
    assert not any(isinstance(r, Exception) for r in results), results
    assert len(gig_overlaps(bill.w.player)) == 1
