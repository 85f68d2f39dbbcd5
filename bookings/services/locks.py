"""The booking locks, and the one order they are taken in: band, then slot, then people, then booking.

What must hold, whatever the order of clicks:
- a band is never BOOKED twice at overlapping times;
- a slot never has more acts BOOKED than it has places (one headliner, `support_places` supports);
- a person is never booked into two gigs at once through a race: two bands that share a member (or a
  stand-in who plays in another band) queue on that person, so the second door's check of the members'
  busy time sees the first door's gig (docs/decisions/0072).

Every service that creates or fills a place locks the band row, then the slot row, then the people whose
time the gig takes (`gig_people_lock`), then the offer invite or booking rows (always in that order, so
racers queue instead of deadlocking) and checks again under the lock (checks.py). The band row is locked
FOR UPDATE (not FOR NO KEY UPDATE) on purpose: a member joining meanwhile inserts a Membership, which
waits for it, so a new gig block and a new member never miss each other, and the set of people to lock
read under it stays true until the commit. On PostgreSQL the exclusion and unique constraints of Booking
and the check constraints of Slot stand behind the checks; on SQLite, IMMEDIATE transactions serialise
writers.

People are locked with PostgreSQL's transaction-level advisory locks, one per user id in the
PERSON_TIME namespace, always in ascending id order, so two racers for bands A and B sharing members X
and Y both take X before Y and never deadlock. Advisory locks, not `User` rows FOR UPDATE: a row lock
would also hold up whatever else writes the user row (a sign-in's last_login, a profile save) and every
insert that points at the user (FOR KEY SHARE: a calendar sync's busy intervals). Only the doors that
take someone's time queue on them. They are released at the commit or rollback; outside a transaction
`people_lock` refuses to run, since the lock would be gone before the check it guards. On SQLite
(IMMEDIATE transactions) the writers queue already and `people_lock` takes nothing.

Who is locked (`gig_people_lock`): every member of the band, required or not (the gig block makes each
of them busy, and a member optional here may be required in the other band), and the people beyond the
members who play the gig (stand-ins with an account, BandBlock.guests). A door that takes someone's time
without booking_lock – a stand-in's yes (gigs.services.stand_ins), a festival placement later – calls
`booking_lock(..., also=[user id])` or, holding the band and slot already, `people_lock` itself, in the
same place of the order. A show's running order (shows.show_running_order_set) locks the bands of
its acts in id order, then the show's slot, then the people of every act whose set moves
(`gigs_people_lock`, one ascending order over them all), then the acts' bookings. Every door that runs
the members' check (checks.gig_fit, moves.gig_move, checks.person_gig_clash) takes the people locks;
bookings/tests/test_gig_moves.py finds the doors in the code and fails on one that does not.

Takes no lock of its own beyond what its functions say; runs no checks."""

from collections.abc import Iterable

from django.db import connection

from bands.models import Band, BandBlock, Membership
from venues.models import Slot

from ..models import Booking

# The first key of pg_advisory_xact_lock(int, int): what kind of thing the second key names.
PERSON_TIME = 7201
# The second key is an int4: user ids beyond it share a key (they queue together; no harm, no deadlock).
KEY_SPACE = 2**31


def people_lock(user_ids: Iterable[int]) -> list[int]:
    """Lock the time of every person in `user_ids`, in ascending order of their keys (see the module
    docstring), until the transaction ends. Returns the ids, sorted. Call inside transaction.atomic,
    after the band and slot locks and before any booking row."""
    ids = sorted(set(user_ids))
    if not ids or connection.vendor != "postgresql":
        return ids
    if not connection.in_atomic_block:
        raise RuntimeError("people_lock outside a transaction would release its locks at once")
    keys = sorted({pk % KEY_SPACE for pk in ids})
    with connection.cursor() as cursor:
        # The ordered subquery is evaluated first, so the locks are taken in key order (one round trip).
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, k)) FROM (SELECT unnest(%s::int[]) AS k ORDER BY 1) AS keys",
            [PERSON_TIME, keys],
        )
    return ids


def gig_people(*, band_id: int, block_id: int | None = None, also: Iterable[int] = ()) -> list[int]:
    """Everyone whose time a gig of the band takes: every member, the people beyond the members who play
    the gig of `block_id` (BandBlock.guests), and `also`. Read under the band lock, so it stays true."""
    people = set(Membership.objects.filter(band_id=band_id).values_list("user_id", flat=True))
    if block_id is not None:
        guests = BandBlock.objects.filter(pk=block_id).values_list("guests", flat=True).first()
        people.update(guests or ())
    people.update(also)
    return sorted(people)


def gig_people_lock(*, band_id: int, block_id: int | None = None, also: Iterable[int] = ()) -> list[int]:
    """Lock everyone whose time a gig of the (locked) band takes (gig_people); return their ids. Nothing
    is read on SQLite, whose IMMEDIATE transactions serialise the writers already."""
    if connection.vendor != "postgresql":
        return []
    return people_lock(gig_people(band_id=band_id, block_id=block_id, also=also))


def gigs_people_lock(gigs: Iterable[tuple[int, int | None]]) -> list[int]:
    """Lock everyone whose time any of several gigs takes, each given as (band id, block id) of a locked
    band (gig_people of each), in one ascending order (people_lock once over them all, so a door that
    moves several bands' sets queues like any other and never deadlocks); return their ids. Nothing is
    read on SQLite."""
    if connection.vendor != "postgresql":
        return []
    people: set[int] = set()
    for band_id, block_id in gigs:
        people.update(gig_people(band_id=band_id, block_id=block_id))
    return people_lock(people)


def band_slot_lock(band_id: int, slot_id: int) -> tuple[Band, Slot]:
    """Lock the band, then the slot (see the module docstring); return them fresh."""
    band = Band.objects.select_for_update().get(pk=band_id)
    slot = Slot.objects.select_for_update(of=("self",)).select_related("venue").get(pk=slot_id)
    return band, slot


def booking_lock(booking: Booking, *, also: Iterable[int] = ()) -> tuple[Band, Slot | None, Booking]:
    """Lock band, slot, the people whose time the gig takes (gig_people_lock, with `also`), booking, in
    that order (see the module docstring); return them fresh. An unsaved booking (instant, a hosted
    show's own place) is returned as it is, with its band and slot locked."""
    band = Band.objects.select_for_update().get(pk=booking.band_id)
    slot = (
        Slot.objects.select_for_update(of=("self",)).select_related("venue").get(pk=booking.slot_id)
        if booking.slot_id
        else None
    )
    # A booked gig's block, which names its stand-ins, only changes under the band lock we hold now.
    gig_people_lock(band_id=band.pk, block_id=booking.block_id, also=also)
    if booking._state.adding:
        booking.band = band
        if slot is not None:
            booking.slot = slot
        return band, slot, booking
    fresh = Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)
    return band, slot, fresh
