"""The copy of required members' busy time per band (BandBusyInterval) that the free-date search reads.

The database keeps it (triggers of migration bands.0008): these tests change busy time and memberships
through the services and through plain queries, and check the copy against what it must be, the busy
rows of every required membership. The search over it is checked against a brute-force reading of
the busy rows, around the length where it switches index (LONG_BUSY).
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from availability.services import rule_create, rule_delete, rule_update
from bands.models import Band, BandBusyInterval, Membership
from bands.selectors import LONG_BUSY, band_search
from bands.services import (
    band_block_create,
    band_block_delete,
    band_invite_accept,
    membership_leave,
    membership_remove,
    membership_update,
)
from bands.tests.factories import BandFactory, BandInviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
T0 = dt.datetime(2030, 1, 7, tzinfo=UTC)
RULE = BusyInterval.Source.RULE
US = dt.timedelta(microseconds=1)


def expected() -> set[tuple]:
    """What the copy must hold: each busy row of each required membership, with the row's point."""
    required = Membership.objects.filter(required=True).values_list("user_id", "band_id")
    bands_of: dict[int, list[int]] = {}
    for user_id, band_id in required:
        bands_of.setdefault(user_id, []).append(band_id)
    rows = BusyInterval.objects.values_list("pk", "user_id", "starts_at", "ends_at", "latitude", "longitude")
    return {
        (band_id, s, e, pk, lat, lon) for pk, user_id, s, e, lat, lon in rows for band_id in bands_of.get(user_id, ())
    }


def copies() -> set[tuple]:
    return set(
        BandBusyInterval.objects.values_list(
            "band_id", "starts_at", "ends_at", "busy_interval_id", "latitude", "longitude"
        )
    )


def soon(days: int) -> dt.date:
    return timezone.now().date() + dt.timedelta(days=days)


def busy(user, start: dt.datetime, end: dt.datetime, source_id: int = 1) -> BusyInterval:
    return BusyInterval.objects.create(user=user, starts_at=start, ends_at=end, source=RULE, source_id=source_id)


def test_a_required_members_busy_time_is_copied_to_each_of_their_bands_and_only_there():
    drummer, sax = UserFactory(), UserFactory()
    first, second, third = BandFactory(), BandFactory(), BandFactory()
    MembershipFactory(band=first, user=drummer)
    MembershipFactory(band=second, user=drummer)
    MembershipFactory(band=third, user=drummer, required=False)
    MembershipFactory(band=first, user=sax, required=False)
    row = busy(drummer, T0, T0 + dt.timedelta(hours=3))
    BusyInterval.objects.bulk_create(
        [BusyInterval(user=sax, starts_at=T0, ends_at=T0 + dt.timedelta(days=k + 1), source=RULE, source_id=2)
         for k in range(3)]
    )  # fmt: skip
    assert copies() == {
        (first.pk, row.starts_at, row.ends_at, row.pk, None, None),
        (second.pk, row.starts_at, row.ends_at, row.pk, None, None),
    }
    assert copies() == expected()


def test_moving_and_deleting_busy_rows_moves_and_deletes_their_copies():
    member = MembershipFactory()
    rows = [busy(member.user, T0 + dt.timedelta(days=k), T0 + dt.timedelta(days=k, hours=2)) for k in range(4)]
    BusyInterval.objects.filter(pk=rows[0].pk).update(ends_at=T0 + dt.timedelta(days=9))
    BusyInterval.objects.filter(pk=rows[1].pk).update(starts_at=T0 - dt.timedelta(hours=5))
    BusyInterval.objects.filter(pk=rows[2].pk).update(title="Dentist")  # not a change of busy time
    assert copies() == expected()
    assert len(copies()) == 4
    BusyInterval.objects.filter(pk__in=[rows[0].pk, rows[3].pk]).delete()
    assert copies() == expected()
    assert {c[3] for c in copies()} == {rows[1].pk, rows[2].pk}
    other = UserFactory()
    BusyInterval.objects.filter(pk=rows[1].pk).update(user=other)  # someone else's now
    assert copies() == expected()
    assert {c[3] for c in copies()} == {rows[2].pk}


def test_joining_copies_the_busy_time_already_there_and_leaving_takes_it_away():
    band = BandFactory()
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER).user
    newcomer = UserFactory()
    monday = soon(7)
    rule_create(user=newcomer, title="Day job", start_date=monday, start_time=dt.time(9), end_date=monday,
                end_time=dt.time(17), rrule="FREQ=WEEKLY")  # fmt: skip
    invite = BandInviteFactory(band=band, created_by=leader)
    membership = band_invite_accept(invite=invite, user=newcomer)
    assert copies() == expected()
    assert {c[0] for c in copies() if c[3] in set(newcomer.busy_intervals.values_list("pk", flat=True))} == {band.pk}
    membership_update(membership=membership, by=leader, role="member", instrument="Bass", required=False)
    assert copies() == expected()
    assert not BandBusyInterval.objects.filter(busy_interval_id__in=newcomer.busy_intervals.values("pk")).exists()
    membership_update(membership=membership, by=leader, role="member", instrument="Bass", required=True)
    assert copies() == expected()
    assert BandBusyInterval.objects.filter(busy_interval_id__in=newcomer.busy_intervals.values("pk")).exists()
    membership_leave(band=band, by=newcomer)
    assert copies() == expected()
    assert not BandBusyInterval.objects.filter(busy_interval_id__in=newcomer.busy_intervals.values("pk")).exists()


def test_rules_and_band_blocks_written_by_the_services_are_copied():
    band = BandFactory(time_zone="Europe/Berlin")
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER).user
    guitarist = MembershipFactory(band=band).user
    elsewhere = MembershipFactory(user=guitarist).band
    rule = rule_create(user=guitarist, title="Trip", all_day=True, start_date=soon(30), end_date=soon(38))
    block = band_block_create(band=band, by=leader, title="Rehearsal", start_date=soon(2), start_time=dt.time(19),
                              end_date=soon(2), end_time=dt.time(22), rrule="FREQ=WEEKLY")  # fmt: skip
    assert copies() == expected()
    # The rehearsals of one band keep the guitarist's other band busy too.
    assert BandBusyInterval.objects.filter(band_id=elsewhere.pk).count() == guitarist.busy_intervals.count()
    assert BandBusyInterval.objects.filter(band_id=band.pk).count() > 50
    rule_update(rule=rule, by=guitarist, end_date=soon(32))
    band_block_delete(block=block, by=leader)
    assert copies() == expected()
    rule_delete(rule=rule, by=guitarist)
    assert copies() == expected() == set()


def test_removing_a_member_deleting_a_band_or_a_person_leaves_no_copies():
    band = BandFactory()
    leader = MembershipFactory(band=band, role=Membership.Role.LEADER).user
    member = MembershipFactory(band=band)
    for user in (leader, member.user):
        busy(user, T0, T0 + dt.timedelta(hours=1))
    membership_remove(membership=member, by=leader)
    assert copies() == expected()
    assert len(copies()) == 1
    other = MembershipFactory(band=BandFactory(), user=member.user).band
    member.user.delete()
    band.delete()
    assert copies() == expected() == set()
    assert Band.objects.filter(pk=other.pk).exists()


# ---- Against the rows themselves, with random busy time and memberships ---------------------------

# The lengths around LONG_BUSY, where the search switches index, come up most.
BOUNDARY = [LONG_BUSY - US, LONG_BUSY, LONG_BUSY + US]
LENGTHS = [
    *BOUNDARY,
    *BOUNDARY,
    dt.timedelta(minutes=1),
    dt.timedelta(hours=3),
    dt.timedelta(days=1),
    LONG_BUSY + dt.timedelta(hours=1),
    dt.timedelta(days=9),
    dt.timedelta(days=400),
]
MINUTES = st.integers(0, 8 * 24 * 60)
interval = st.tuples(
    st.integers(0, 2),  # whose
    MINUTES.map(lambda m: dt.timedelta(minutes=m)),
    st.sampled_from(LENGTHS),
    st.sampled_from([dt.timedelta(0), US, -US, dt.timedelta(seconds=59)]),
)


def brute_force_free(bands: list[Band], window: tuple[dt.datetime, dt.datetime]) -> set[int]:
    start, end = window
    busy_people = {
        user_id
        for user_id, s, e in BusyInterval.objects.values_list("user_id", "starts_at", "ends_at")
        if s < end and e > start
    }
    return {
        band.pk
        for band in bands
        if not any(m.user_id in busy_people for m in Membership.objects.filter(band=band, required=True))
    }


NEAR = st.sampled_from([dt.timedelta(0), US, -US, dt.timedelta(seconds=30), -dt.timedelta(seconds=30)])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    memberships=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.sampled_from([True, True, False])), min_size=1, max_size=8
    ),
    intervals=st.lists(interval, min_size=1, max_size=8),
    window_minutes=st.sampled_from([1, 60, 6 * 60, 24 * 60, 2 * 24 * 60, 2 * 24 * 60 + 1, 7 * 24 * 60]),
    data=st.data(),
)
def test_bands_free_between_match_a_reading_of_every_busy_row(memberships, intervals, window_minutes, data):
    """Windows start anywhere, or next to an interval's start or end (where a look-back one minute
    short, or an off-by-one in the length test, would show)."""
    with transaction.atomic():
        people = [UserFactory() for _ in range(3)]
        bands = [BandFactory() for _ in range(3)]
        for (b, p), required in {(b, p): r for b, p, r in memberships}.items():
            Membership.objects.create(band=bands[b], user=people[p], required=required)
        rows = BusyInterval.objects.bulk_create(
            BusyInterval(user=people[who], starts_at=T0 + offset + jitter, ends_at=T0 + offset + jitter + length,
                         source=RULE, source_id=1)
            for who, offset, length, jitter in intervals
        )  # fmt: skip
        duration = dt.timedelta(minutes=window_minutes)
        anchors = [T0 + dt.timedelta(minutes=data.draw(MINUTES, label="anywhere"))]
        anchors += [moment for row in rows for moment in (row.ends_at, row.ends_at, row.starts_at - duration)]
        start = data.draw(st.sampled_from(anchors), label="anchor") + data.draw(NEAR, label="near")
        window = (start, start + duration)
        found = set(band_search(free_between=window).values_list("pk", flat=True))
        assert found == brute_force_free(bands, window)
        assert copies() == expected()
        transaction.set_rollback(True)


operation = st.one_of(
    st.tuples(st.just("busy"), interval),
    st.tuples(st.just("unbusy"), st.integers(0, 20)),
    st.tuples(st.just("move"), st.integers(0, 20), st.integers(-3000, 3000), st.integers(1, 4000)),
    st.tuples(st.just("join"), st.integers(0, 2), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("leave"), st.integers(0, 20)),
    st.tuples(st.just("required"), st.integers(0, 20)),
    st.tuples(st.just("place"), st.integers(0, 20), st.sampled_from([None, (52.52, 13.41), (51.46, -2.6)])),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=25))
def test_the_copy_follows_any_sequence_of_changes(operations):
    with transaction.atomic():
        people = [UserFactory() for _ in range(4)]
        bands = [BandFactory() for _ in range(3)]
        for op, *args in operations:
            rows = list(BusyInterval.objects.order_by("pk"))
            members = list(Membership.objects.order_by("pk"))
            if op == "busy":
                who, offset, length, jitter = args[0]
                busy(people[who], T0 + offset + jitter, T0 + offset + jitter + length)
            elif op == "unbusy" and rows:
                rows[args[0] % len(rows)].delete()
            elif op == "move" and rows:
                row = rows[args[0] % len(rows)]
                start = row.starts_at + dt.timedelta(minutes=args[1])
                BusyInterval.objects.filter(pk=row.pk).update(
                    starts_at=start, ends_at=start + dt.timedelta(minutes=args[2])
                )
            elif op == "join":
                Membership.objects.get_or_create(
                    band=bands[args[0]], user=people[args[1]], defaults={"required": args[2]}
                )
            elif op == "leave" and members:
                members[args[0] % len(members)].delete()
            elif op == "place" and rows:
                # A gig's row says where it is (bands.0015 copies the point; a new point is copied anew).
                row = rows[args[0] % len(rows)]
                lat, lon = args[1] or (None, None)
                BusyInterval.objects.filter(pk=row.pk).update(latitude=lat, longitude=lon)
            elif op == "required" and members:
                member = members[args[0] % len(members)]
                Membership.objects.filter(pk=member.pk).update(required=not member.required)
            assert copies() == expected()
        transaction.set_rollback(True)


# ---- PostgreSQL: the plan, and two transactions at once ----------------------------------------


@pytest.mark.postgres
def test_postgres_finds_a_windows_busy_bands_through_the_two_partial_indexes():
    """The selector's length predicates must match the indexes of bands.0008, or both are missed."""
    keys = band_search(free_between=(T0, T0 + dt.timedelta(days=3))).values_list("pk", flat=True)
    sql, params = keys.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # The tables are tiny; forbid the other ways so the plan shows whether the indexes fit. On empty tables
        # the table's other indexes on starts_at cost the same as these, and the planner's pick between equals
        # depends on what ran before: they are dropped for this transaction alone (rolled back below).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("ALTER TABLE bands_bandbusyinterval DROP CONSTRAINT bands_bandbusyinterval_pkey")
        cursor.execute("DROP INDEX bands_busy_located_start, bands_busy_long_band")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    assert "bands_busy_short_start" in plan
    assert "bands_busy_long_span" in plan


NO_LOCK = """
CREATE OR REPLACE FUNCTION bands_busy_lock_people(people bigint[], membership boolean) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN END $$
"""


def _join_while_busy_is_written() -> tuple[Band, BusyInterval]:
    """One transaction writes a person's busy row and waits; meanwhile another adds them to a band.
    Returns the band and the row once both have committed."""
    person = UserFactory()
    band = BandFactory()
    written, release = threading.Event(), threading.Event()
    made: list[BusyInterval] = []

    def write_busy() -> None:
        try:
            with transaction.atomic():
                made.append(busy(person, T0, T0 + dt.timedelta(hours=2)))
                written.set()
                release.wait(10)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write_busy)
    writer.start()
    assert written.wait(10)
    joiner = threading.Thread(
        target=lambda: (Membership.objects.create(band=band, user=person), connections.close_all())
    )
    joiner.start()
    joiner.join(1)  # with the lock it waits for the writer; without, it is done by now
    release.set()
    writer.join(10)
    joiner.join(10)
    return band, made[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_a_member_added_while_their_busy_time_is_written_gets_it_copied():
    band, row = _join_while_busy_is_written()
    assert BandBusyInterval.objects.filter(band_id=band.pk, busy_interval_id=row.pk).exists()
    assert copies() == expected()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_without_the_lock_the_copy_misses_the_other_transactions_row():
    """The race is real: the test above fails when the triggers take no lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('bands_busy_lock_people(bigint[], boolean)'::regprocedure)")
        original = cursor.fetchone()[0]
        cursor.execute(NO_LOCK)
    try:
        band, row = _join_while_busy_is_written()
        assert not BandBusyInterval.objects.filter(band_id=band.pk, busy_interval_id=row.pk).exists()
        assert copies() != expected()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(original)
