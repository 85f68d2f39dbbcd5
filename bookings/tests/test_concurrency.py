"""Never a double booking, under concurrent clicks: accepts fired at once through the view.

The requests go out from a pool of threads, each with its own test client and database
connection, so they really race in the database (transactional tests: every thread sees what
the others committed).
PostgreSQL gets the full load of the issue; SQLite (a test database on file, see
stageslot/settings/test.py) a smaller one. The last tests take the lock away to show the race is
real, so that the tests above can fail.
"""

import datetime as dt
import itertools
import queue
import random
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import Band, BandBlock
from bookings.errors import BookingConflict
from bookings.models import Booking, BookingEvent
from bookings.services import answering, checks, ending, locks
from bookings.services import losers as declines
from bookings.tests.factories import band_with_leader, in_days, venue_with_owner
from venues.models import Slot, Stage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

Status = Booking.Status
# A stock PostgreSQL allows 100 connections, shared with every other session on the server, so
# the requests go out over a bounded pool: 40 threads start at one barrier and each takes the next
# request as soon as it has an answer. 40 racers queue on one band (or slot) lock at once, which
# is the contention that matters; the other requests join that queue as the first ones leave it.
POOL = 40
SQLITE_POOL = 8
TIMEOUT = 240  # seconds for a whole round; a lock that never came free fails the test here
CLEAR_CONFLICT = re.compile(r"already (booked|declined|taken)")
ALERT = re.compile(r'role="alert"[^>]*>\s*([^<]+?)\s*<')


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class Outcome:
    status: int = 0
    message: str = ""
    error: str = ""
    seconds: float = 0.0  # from sending the request to its answer


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def post_all(urls: list[str], *, session: str, pool: int) -> list[Outcome]:
    """POST every URL from `pool` threads that start together; the outcomes, in the order of `urls`.

    Every other request is an HTMX one (the partial), the rest the plain form post. An exception
    (a 500, a deadlock, "database is locked") is kept as the outcome's error.
    """
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    for job in enumerate(urls):
        jobs.put(job)
    outcomes = [Outcome() for _ in urls]
    pool = min(pool, len(urls))
    start = threading.Barrier(pool)

    def work() -> None:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        try:
            connection.ensure_connection()  # connect before the barrier, so the requests leave together
            start.wait(timeout=60)
            while True:
                try:
                    index, url = jobs.get_nowait()
                except queue.Empty:
                    return
                outcome = outcomes[index]
                began = time.perf_counter()
                try:
                    response = client.post(url, headers={"HX-Request": "true"} if index % 2 else {})
                    outcome.seconds = time.perf_counter() - began
                    outcome.status = response.status_code
                    alert = ALERT.search(response.content.decode())
                    outcome.message = alert.group(1) if alert else ""
                except Exception as exc:  # whatever it is, the test names it
                    outcome.error = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(pool)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"requests still waiting after {TIMEOUT} s"
    return outcomes


def accept_urls(bookings: list[Booking], seed: int) -> list[str]:
    urls = [reverse("bookings:accept", kwargs={"uid": b.uid}) for b in bookings]
    random.Random(seed).shuffle(urls)
    return urls


def check_outcomes(outcomes: list[Outcome], *, winners: int) -> None:
    """`winners` requests succeeded (200 partial or 302 to the booking), every other one is a clear 409."""
    errors = [o.error for o in outcomes if o.error]
    assert errors == [], f"{len(errors)} requests failed, the first: {errors[0]}"
    statuses = sorted(o.status for o in outcomes)
    succeeded = [s for s in statuses if s in (200, 302)]
    assert len(succeeded) == winners, f"{len(succeeded)} accepts succeeded, expected {winners}"
    assert statuses.count(409) == len(outcomes) - winners, statuses
    vague = {o.message for o in outcomes if o.status == 409 and not CLEAR_CONFLICT.search(o.message)}
    assert not vague, f"409 without a clear reason: {vague}"


def booked_overlaps(band: Band) -> list[tuple[Booking, Booking]]:
    gigs = list(Booking.objects.filter(band=band, status=Status.BOOKED).order_by("starts_at", "pk"))
    return [(a, b) for a, b in itertools.combinations(gigs, 2) if a.starts_at < b.ends_at and b.starts_at < a.ends_at]


# ---- One band, many overlapping gigs ------------------------------------------------------------------


def overlapping_gigs(*, band: Band, venue, owner, client, day: int, count: int) -> list[Booking]:
    """`count` pending bookings for `band` that all overlap each other (every one covers 19:00–21:00):
    half are offers of the venue's slots, half private requests from `client`; the band answers all."""
    base = in_days(day, hour=18)
    times = [(base + dt.timedelta(minutes=i % 60), base + dt.timedelta(minutes=i % 60, hours=3)) for i in range(count)]
    # Each slot on a room of its own: one stage has one show at a time (docs/decisions/0010).
    stages = Stage.objects.bulk_create(Stage(venue=venue, name=f"Room {day}.{i}") for i in range(len(times[::2])))
    slots = Slot.objects.bulk_create(
        Slot(venue=venue, stage=stage, starts_at=s, ends_at=e, title=f"Night {day}.{i}", fee=400, support_places=0)
        for i, ((s, e), stage) in enumerate(zip(times[::2], stages, strict=True))
    )
    offers = [
        Booking(kind=Booking.Kind.OFFER, band=band, slot=slot, venue=venue, requested_by=owner,
                starts_at=slot.starts_at, ends_at=slot.ends_at, time_zone=venue.time_zone, fee=400)
        for slot in slots
    ]  # fmt: skip
    requests = [
        Booking(kind=Booking.Kind.REQUEST, band=band, client=client, requested_by=client, starts_at=s, ends_at=e,
                time_zone="Europe/Berlin", event_type="Wedding", location="Orangerie", fee=900)
        for s, e in times[1::2]
    ]  # fmt: skip
    return Booking.objects.bulk_create(offers + requests)


@pytest.mark.parametrize(
    ("count", "rounds", "pool"),
    [
        pytest.param(200, 5, POOL, marks=pytest.mark.postgres, id="postgres-200x5"),
        pytest.param(24, 3, SQLITE_POOL, id="sqlite-24x3"),
    ],
)
def test_concurrent_accepts_of_overlapping_gigs_book_the_band_once(count, rounds, pool, request):
    if on_postgres() == (pool == SQLITE_POOL):
        pytest.skip("PostgreSQL takes the full load, SQLite the smaller one")
    band, leader = band_with_leader()
    venue, owner = venue_with_owner()
    client = UserFactory()
    session = session_of(leader)
    seconds = []
    for round_ in range(rounds):
        bookings = overlapping_gigs(
            band=band, venue=venue, owner=owner, client=client, day=20 + 2 * round_, count=count
        )
        began = time.perf_counter()
        outcomes = post_all(accept_urls(bookings, seed=round_), session=session, pool=pool)
        seconds.append(round(time.perf_counter() - began, 2))
        check_outcomes(outcomes, winners=1)

        ids = [b.pk for b in bookings]
        states = sorted(Booking.objects.filter(pk__in=ids).values_list("status", flat=True))
        assert states == sorted([Status.BOOKED] + [Status.DECLINED] * (count - 1))
        winner = Booking.objects.get(pk__in=ids, status=Status.BOOKED)
        declined = Booking.objects.filter(pk__in=ids, status=Status.DECLINED)
        assert not declined.exclude(status_note__startswith=f"Declined automatically: {band.name}")
        # One booking went through the transition once; nothing half-done was left by a loser.
        assert BookingEvent.objects.filter(booking_id__in=ids, to_status=Status.BOOKED).count() == 1
        slots = Slot.objects.filter(bookings__pk__in=ids)
        assert sum(s.headliner_booked for s in slots) == (1 if winner.slot_id else 0)
        assert BandBlock.objects.filter(band=band, kind=BandBlock.Kind.GIG).count() == round_ + 1
    assert booked_overlaps(band) == []
    assert Booking.objects.filter(band=band, status=Status.BOOKED).count() == rounds
    request.node.user_properties.append(("round_seconds", seconds))  # for --junitxml; nothing is printed


# ---- One slot, two support places, many bands -----------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "rounds", "pool"),
    [
        pytest.param(50, 5, POOL, marks=pytest.mark.postgres, id="postgres-50x5"),
        pytest.param(12, 3, SQLITE_POOL, id="sqlite-12x3"),
    ],
)
def test_concurrent_accepts_fill_two_support_places_exactly(count, rounds, pool, request):
    if on_postgres() == (pool == SQLITE_POOL):
        pytest.skip("PostgreSQL takes the full load, SQLite the smaller one")
    venue, owner = venue_with_owner()
    bands = [band_with_leader() for _ in range(count)]
    session = session_of(owner)
    seconds = []
    for round_ in range(rounds):
        start = in_days(20 + round_, hour=19)
        slot = Slot.objects.create(
            venue=venue, stage=venue.stages.first(), starts_at=start, ends_at=start + dt.timedelta(hours=4),
            title=f"Support night {round_}", support_places=2,
        )  # fmt: skip
        applications = Booking.objects.bulk_create(
            Booking(kind=Booking.Kind.APPLICATION, role=Booking.Role.SUPPORT, band=band, slot=slot, venue=venue,
                    requested_by=leader, starts_at=slot.starts_at, ends_at=slot.ends_at, time_zone=venue.time_zone)
            for band, leader in bands
        )  # fmt: skip
        began = time.perf_counter()
        outcomes = post_all(accept_urls(applications, seed=round_), session=session, pool=pool)
        seconds.append(round(time.perf_counter() - began, 2))
        check_outcomes(outcomes, winners=2)

        slot.refresh_from_db()
        assert (slot.headliner_booked, slot.supports_booked) == (0, 2)
        booked = Booking.objects.filter(slot=slot, status=Status.BOOKED)
        assert booked.count() == 2
        assert set(booked.values_list("role", flat=True)) == {Booking.Role.SUPPORT}
        declined = Booking.objects.filter(slot=slot, status=Status.DECLINED)
        assert declined.count() == count - 2
        assert not declined.exclude(status_note__startswith="Declined automatically: every support place")
        assert BookingEvent.objects.filter(booking__slot=slot, to_status=Status.BOOKED).count() == 2
    request.node.user_properties.append(("round_seconds", seconds))  # for --junitxml; nothing is printed


# ---- A decided race answers at once -------------------------------------------------------------------------


HOLD = 20  # seconds the other transaction keeps the band locked at most
PROMPT = 5  # seconds within which a loser must have its answer meanwhile


@contextmanager
def band_locked(band: Band):
    """Another connection holds the band's row lock (on SQLite: the write lock) until the block ends."""
    locked, release, failures = threading.Event(), threading.Event(), []

    def hold() -> None:
        try:
            with transaction.atomic():
                Band.objects.select_for_update().get(pk=band.pk)
                locked.set()
                release.wait(timeout=HOLD)
        except Exception as exc:  # the test names it
            failures.append(exc)
            locked.set()
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert locked.wait(timeout=10) and not failures, failures
    try:
        yield
    finally:
        release.set()
        holder.join(timeout=HOLD)


def post_within(url: str, *, session: str, seconds: float) -> Outcome:
    """POST `url` from another thread; the outcome if it came within `seconds`, else the test fails."""
    outcome = Outcome()

    def post() -> None:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        try:
            response = client.post(url, headers={"HX-Request": "true"})
            outcome.status = response.status_code
            alert = ALERT.search(response.content.decode())
            outcome.message = alert.group(1) if alert else ""
        except Exception as exc:  # the test names it
            outcome.error = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    assert not thread.is_alive(), f"no answer within {seconds} s: the loser queued on the lock"
    return outcome


def test_a_loser_of_a_decided_race_gets_its_409_while_the_band_is_still_locked():
    """The band is already booked (its other bookings not declined yet, as right after the winner's
    commit): an accept of one of them answers 409 at once instead of queueing on the band lock."""
    band, leader = band_with_leader()
    venue, owner = venue_with_owner()
    winner, loser = overlapping_gigs(band=band, venue=venue, owner=owner, client=UserFactory(), day=25, count=2)
    Booking.objects.filter(pk=winner.pk).update(status=Status.BOOKED)
    url, session = reverse("bookings:accept", kwargs={"uid": loser.uid}), session_of(leader)
    with band_locked(band):
        outcome = post_within(url, session=session, seconds=PROMPT)
    assert (outcome.status, outcome.error) == (409, "")
    assert f"{band.name} is already booked" in outcome.message
    loser.refresh_from_db()
    assert loser.status == Status.PENDING


def test_an_application_for_a_full_slot_gets_its_409_while_the_band_is_still_locked():
    venue, owner = venue_with_owner()
    band, leader = band_with_leader()
    start = in_days(26, hour=19)
    slot = Slot.objects.create(venue=venue, stage=venue.stages.first(), starts_at=start,
                               ends_at=start + dt.timedelta(hours=4), support_places=2, supports_booked=2)  # fmt: skip
    application = Booking.objects.create(
        kind=Booking.Kind.APPLICATION, role=Booking.Role.SUPPORT, band=band, slot=slot, venue=venue,
        requested_by=leader, starts_at=slot.starts_at, ends_at=slot.ends_at, time_zone=venue.time_zone,
    )  # fmt: skip
    url, session = reverse("bookings:accept", kwargs={"uid": application.uid}), session_of(owner)
    with band_locked(band):
        outcome = post_within(url, session=session, seconds=PROMPT)
    assert (outcome.status, outcome.error) == (409, "")
    assert "Every support place of this slot is already taken" in outcome.message


def test_a_loser_still_pending_after_the_winners_commit_is_refused_under_the_lock(monkeypatch):
    """Between the winner's commit and the declines, a loser reads PENDING; the check under the band lock
    (here without the read before it) refuses it all the same."""
    band, leader = band_with_leader()
    venue, owner = venue_with_owner()
    winner, loser = overlapping_gigs(band=band, venue=venue, owner=owner, client=UserFactory(), day=28, count=2)
    decline = declines._decline_losers
    held = []
    monkeypatch.setattr(declines, "_decline_losers", lambda **kwargs: held.append(kwargs))
    answering.booking_accept(booking=winner, by=leader)
    loser.refresh_from_db()
    assert loser.status == Status.PENDING
    monkeypatch.setattr(answering, "_check_not_decided", lambda booking: None)
    with pytest.raises(BookingConflict, match=f"{band.name} is already booked"):
        answering.booking_accept(booking=loser, by=leader)
    decline(**held[0])
    loser.refresh_from_db()
    assert loser.status == Status.DECLINED
    assert loser.status_note.startswith(f"Declined automatically: {band.name} is now booked")
    assert Booking.objects.filter(band=band, status=Status.BOOKED).count() == 1


def test_a_winner_cancelled_before_its_losers_were_declined_leaves_them_open(monkeypatch):
    band, leader = band_with_leader()
    venue, owner = venue_with_owner()
    winner, loser = overlapping_gigs(band=band, venue=venue, owner=owner, client=UserFactory(), day=29, count=2)
    decline = declines._decline_losers
    held = []
    monkeypatch.setattr(declines, "_decline_losers", lambda **kwargs: held.append(kwargs))
    answering.booking_accept(booking=winner, by=leader)
    ending.booking_cancel(booking=winner, by=leader, reason="Double-booked our drummer")
    decline(**held[0])
    loser.refresh_from_db()
    assert loser.status == Status.PENDING
    monkeypatch.undo()
    answering.booking_accept(booking=loser, by=leader)
    assert Booking.objects.get(pk=loser.pk).status == Status.BOOKED


@pytest.mark.postgres
def test_the_winner_declines_its_losers_after_releasing_the_band_lock(monkeypatch):
    """While the losers are declined, another accept of the band can already take its lock."""
    band, leader = band_with_leader()
    venue, owner = venue_with_owner()
    winner, *losers = overlapping_gigs(band=band, venue=venue, owner=owner, client=UserFactory(), day=27, count=5)
    decline = declines._auto_decline
    probes = []

    def probe_then_decline(**kwargs):
        def probe() -> None:
            try:
                with transaction.atomic():
                    Band.objects.select_for_update(nowait=True).get(pk=band.pk)
                probes.append("free")
            except DatabaseError as exc:
                probes.append(f"locked: {exc}")
            finally:
                connections.close_all()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join(timeout=10)
        return decline(**kwargs)

    monkeypatch.setattr(declines, "_auto_decline", probe_then_decline)
    answering.booking_accept(booking=winner, by=leader)
    assert probes == ["free"]
    states = Booking.objects.filter(pk__in=[b.pk for b in losers]).values_list("status", flat=True)
    assert set(states) == {Status.DECLINED}


# ---- Without the lock: the race is real ------------------------------------------------------------------


RACERS = 4
STAGGER = 0.5  # seconds between the racers' writes: each commits before the next one writes


@pytest.fixture
def unlocked(monkeypatch):
    """The accept service without its row locks, and with a gap between its check and its write.

    Every racer checks that the band is free, waits until all of them have, then writes, one after
    the other. With the lock in place the first racer would make the others wait before their check.
    """
    checked = threading.Barrier(RACERS)
    check = checks.band_free_check

    def no_lock(booking: Booking):
        band = Band.objects.get(pk=booking.band_id)
        slot = Slot.objects.select_related("venue").get(pk=booking.slot_id) if booking.slot_id else None
        return band, slot, Booking.objects.select_related("band", "venue", "client").get(pk=booking.pk)

    def check_then_wait(*args, **kwargs):
        check(*args, **kwargs)
        turn = checked.wait(timeout=30)
        time.sleep(turn * STAGGER)

    monkeypatch.setattr(locks, "booking_lock", no_lock)
    monkeypatch.setattr(checks, "band_free_check", check_then_wait)
    # The read before the locks stays out of the way: every racer reads before any of them writes.
    monkeypatch.setattr(answering, "_check_not_decided", lambda booking: None)
    # So does the members' busy check, which runs after the wait: it would find the first winner's gig
    # block and refuse the rest, hiding the race this proves (the lock and the constraint stop it).
    monkeypatch.setattr(checks, "gig_fit", lambda *args, **kwargs: checks.GigFit(ok=True, busy=[]))


@pytest.fixture
def without_exclusion_constraint(transactional_db):
    """Drop the exclusion constraint for one test; put it back afterwards (the rows it would refuse go first)."""
    constraint = next(c for c in Booking._meta.constraints if c.name == "bookings_no_double_booking")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Booking, constraint)
    yield
    Booking.objects.filter(status=Status.BOOKED).update(status=Status.CANCELLED)
    with connection.schema_editor() as editor:
        editor.add_constraint(Booking, constraint)


def race(*, pool: int = RACERS) -> tuple[Band, list[Outcome]]:
    band, leader = band_with_leader()
    venue, owner = venue_with_owner()
    bookings = overlapping_gigs(band=band, venue=venue, owner=owner, client=UserFactory(), day=30, count=RACERS)
    return band, post_all(accept_urls(bookings, seed=0), session=session_of(leader), pool=pool)


@pytest.mark.guard_removed
@pytest.mark.postgres
@pytest.mark.usefixtures("without_exclusion_constraint", "unlocked")
def test_without_the_lock_and_the_constraint_the_band_is_double_booked():
    band, outcomes = race()
    assert all(o.status in (200, 302) for o in outcomes), outcomes
    assert Booking.objects.filter(band=band, status=Status.BOOKED).count() == RACERS
    assert len(booked_overlaps(band)) == RACERS * (RACERS - 1) // 2


@pytest.mark.guard_removed
@pytest.mark.postgres
@pytest.mark.usefixtures("unlocked")
def test_without_the_lock_the_constraint_still_books_the_band_once():
    band, outcomes = race()
    check_outcomes(outcomes, winners=1)
    assert Booking.objects.filter(band=band, status=Status.BOOKED).count() == 1
    assert booked_overlaps(band) == []


@pytest.mark.guard_removed
@pytest.mark.usefixtures("unlocked")
def test_sqlite_without_immediate_transactions_fails_the_racers(monkeypatch):
    """SQLite has no row locks; IMMEDIATE transactions are what make its writers queue. Without them a
    racer that read before another one wrote cannot write any more: "database is locked", a 500."""
    if on_postgres():
        pytest.skip("SQLite's transaction mode")
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "transaction_mode", "DEFERRED")
    band, outcomes = race()
    errors = [o.error for o in outcomes if o.error]
    assert len(errors) == RACERS - 1
    assert all("database is locked" in e for e in errors), errors
    assert Booking.objects.filter(band=band, status=Status.BOOKED).count() == 1
