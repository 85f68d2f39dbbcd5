"""The database itself refuses a double booking and an overfull slot, whatever code writes the rows.

The booking services check under row locks first; these constraints are the last line behind
them (docs/decisions/0007-no-double-booking.md). Raw SQL here goes around the ORM and the
services on purpose: only the database stands in the way.
"""

import datetime as dt
import uuid
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.errors import BookingConflict
from bookings.models import Booking
from bookings.services import answering, checks
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from venues.models import Slot

pytestmark = pytest.mark.django_db

BOOKED = Booking.Status.BOOKED
PENDING = Booking.Status.PENDING
HOUR = dt.timedelta(hours=1)


def insert_request(*, band_id: int, client_id: int, starts_at, ends_at, status: str = BOOKED) -> None:
    """INSERT a private request straight into the table (no slot, so only the band and the time count)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Booking._meta.db_table}
                (uid, kind, role, status, band_id, client_id, requested_by_id, starts_at, ends_at, time_zone,
                 currency, message, event_type, location, status_note, shortlisted, sequence, created_at, updated_at)
            VALUES (%s, 'request', 'headliner', %s, %s, %s, %s, %s, %s, 'UTC',
                    'EUR', '', '', '', '', false, 0, %s, %s)
            """,  # noqa: S608 - the table name is ours; every value is a parameter
            [uuid.uuid4(), status, band_id, client_id, client_id, starts_at, ends_at, now, now],
        )


def raw_update(table: str, pk: int, **values) -> None:
    assignments = ", ".join(f"{column} = %s" for column in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*values.values(), pk])  # noqa: S608


@contextmanager
def rejected(constraint: str):
    """Expect the statement to fail with an IntegrityError naming `constraint` (in a savepoint, so the test goes on)."""
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        yield error
    # SQLite names a failed CHECK constraint; for a unique index it names the columns instead.
    if connection.vendor == "postgresql" or "CHECK" in str(error.value):
        assert constraint in str(error.value)


@pytest.fixture
def booked():
    """A band booked Fri 20:00–23:00 UTC for a private event, by a client."""
    band, _leader = band_with_leader()
    client = UserFactory()
    start = in_days(30, hour=20)
    insert_request(band_id=band.pk, client_id=client.pk, starts_at=start, ends_at=start + 3 * HOUR)
    return band, client, start


# ---- The exclusion constraint (PostgreSQL) ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("offset", "length"),
    [(0, 3), (1, 1), (-1, 2), (2, 5), (-2, 8)],
    ids=["same time", "inside", "overlaps the start", "overlaps the end", "around it"],
)
def test_postgres_refuses_an_overlapping_booked_row(booked, offset, length):
    band, client, start = booked
    with rejected("bookings_no_double_booking") as error:
        insert_request(
            band_id=band.pk,
            client_id=client.pk,
            starts_at=start + offset * HOUR,
            ends_at=start + (offset + length) * HOUR,
        )
    assert type(error.value.__cause__).__name__ == "ExclusionViolation"
    assert Booking.objects.filter(band=band, status=BOOKED).count() == 1


@pytest.mark.postgres
def test_postgres_lets_through_what_is_no_double_booking(booked):
    band, client, start = booked
    other_band, _ = band_with_leader()
    # Ranges are half-open: a gig ending at 20:00 and one starting at 23:00 touch, they do not overlap.
    insert_request(band_id=band.pk, client_id=client.pk, starts_at=start - 2 * HOUR, ends_at=start)
    insert_request(band_id=band.pk, client_id=client.pk, starts_at=start + 3 * HOUR, ends_at=start + 5 * HOUR)
    # Another band at the same time, and this band's pending or cancelled bookings at the same time.
    insert_request(band_id=other_band.pk, client_id=client.pk, starts_at=start, ends_at=start + 3 * HOUR)
    for status in (PENDING, Booking.Status.CANCELLED, Booking.Status.DECLINED):
        insert_request(band_id=band.pk, client_id=client.pk, starts_at=start, ends_at=start + 3 * HOUR, status=status)
    assert Booking.objects.filter(band=band, status=BOOKED).count() == 3


@pytest.mark.postgres
def test_postgres_refuses_turning_an_overlapping_pending_booking_into_booked(booked):
    band, client, start = booked
    insert_request(
        band_id=band.pk, client_id=client.pk, starts_at=start + HOUR, ends_at=start + 4 * HOUR, status=PENDING
    )
    pending = Booking.objects.get(band=band, status=PENDING)
    with rejected("bookings_no_double_booking"):
        raw_update(Booking._meta.db_table, pending.pk, status=BOOKED)
    # Moving a booked gig onto another one is refused too.
    later = BookingFactory(band=band, slot=SlotFactory(starts_at=start + 24 * HOUR), status=BOOKED)
    with rejected("bookings_no_double_booking"):
        raw_update(Booking._meta.db_table, later.pk, starts_at=start + 2 * HOUR)
    assert Booking.objects.get(pk=pending.pk).status == PENDING


@pytest.mark.postgres
def test_the_model_names_the_double_booking_in_plain_words(booked):
    band, client, start = booked
    rival = Booking(
        kind=Booking.Kind.REQUEST, band=band, client=client, starts_at=start + HOUR, ends_at=start + 2 * HOUR
    )
    rival.status = BOOKED
    with pytest.raises(ValidationError, match="already booked at an overlapping time"):
        rival.validate_constraints()


@pytest.mark.postgres
def test_the_accept_service_turns_the_constraint_into_a_conflict_when_its_check_misses(booked, monkeypatch):
    """Should the service's own check ever miss a clash, the constraint answers, as a 409 and not a 500."""
    band, _client, start = booked
    leader = band.memberships.get().user
    venue, owner = venue_with_owner()
    offer = BookingFactory(
        kind=Booking.Kind.OFFER,
        band=band,
        slot=SlotFactory(venue=venue, starts_at=start + HOUR, ends_at=start + 4 * HOUR, support_places=0),
        requested_by=owner,
    )
    monkeypatch.setattr(checks, "band_free_check", lambda *args, **kwargs: None)
    with pytest.raises(BookingConflict, match="already booked at an overlapping time"):
        answering.booking_accept(booking=offer, by=leader)
    offer.refresh_from_db()
    assert offer.status == PENDING
    assert offer.events.count() == 0
    assert Slot.objects.get(pk=offer.slot_id).headliner_booked == 0


# ---- Slot places (both databases) ------------------------------------------------------------------------


def test_a_raw_update_cannot_push_supports_past_the_places():
    slot = SlotFactory(support_places=2)
    raw_update(Slot._meta.db_table, slot.pk, supports_booked=2)
    with rejected("venues_slot_supports_within_places"):
        raw_update(Slot._meta.db_table, slot.pk, supports_booked=3)
    # Nor can shrinking the places below the supports already booked.
    with rejected("venues_slot_supports_within_places"):
        raw_update(Slot._meta.db_table, slot.pk, support_places=1)
    slot.refresh_from_db()
    assert (slot.supports_booked, slot.support_places) == (2, 2)


def test_a_raw_update_cannot_book_a_second_headliner_place():
    slot = SlotFactory(support_places=0)
    raw_update(Slot._meta.db_table, slot.pk, headliner_booked=1)
    with rejected("venues_slot_one_headliner"):
        raw_update(Slot._meta.db_table, slot.pk, headliner_booked=2)
    assert Slot.objects.get(pk=slot.pk).headliner_booked == 1


def test_two_booked_headliners_on_one_slot_are_refused():
    slot = SlotFactory(support_places=1)
    BookingFactory(slot=slot, status=BOOKED)
    other = BookingFactory(slot=slot, status=PENDING)
    support = BookingFactory(slot=slot, role=Booking.Role.SUPPORT, status=PENDING)
    with rejected("bookings_one_headliner_per_slot"):
        raw_update(Booking._meta.db_table, other.pk, status=BOOKED)
    # A booked support next to the booked headliner is what a full bill looks like.
    raw_update(Booking._meta.db_table, support.pk, status=BOOKED)
    assert Booking.objects.filter(slot=slot, status=BOOKED).count() == 2


@pytest.mark.parametrize("role", ["headliner", "support"])
def test_the_accept_service_turns_a_full_slot_into_a_conflict_when_its_check_misses(role, monkeypatch):
    """The counter update meets the check constraint: a 409 and nothing changed, on both databases."""
    venue, owner = venue_with_owner()
    slot = SlotFactory(venue=venue, support_places=1)
    counter = "headliner_booked" if role == "headliner" else "supports_booked"
    Slot.objects.filter(pk=slot.pk).update(**{counter: 1})
    application = BookingFactory(slot=slot, role=role)
    monkeypatch.setattr(checks, "slot_place_check", lambda *args, **kwargs: None)
    with pytest.raises(BookingConflict, match="the place is taken"):
        answering.booking_accept(booking=application, by=owner)
    application.refresh_from_db()
    slot.refresh_from_db()
    assert application.status == PENDING
    assert getattr(slot, counter) == 1
    assert application.band.blocks.count() == 0
