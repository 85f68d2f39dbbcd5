"""One show per stage: slots on one stage never overlap unless cancelled (docs/decisions/0010).

The slot services lock the stage and refuse with the slot in the way named in the venue's time;
on PostgreSQL the exclusion constraint venues_one_show_per_stage refuses whatever gets past them.
"""

import datetime as dt
import importlib
import threading
import zoneinfo
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import dateformat, timezone

from venues import services
from venues.models import Slot, Stage, VenueStaff
from venues.selectors import stage_slot_clashes
from venues.services import SlotClashError, slot_create, slot_series_create, slot_update
from venues.tests.factories import VenueFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def berlin(days: int, hour: int = 21) -> dt.datetime:
    """`days` from today at `hour`:00 Berlin time."""
    day = timezone.localdate(timezone.now(), BERLIN) + timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), BERLIN)


def day_name(moment: dt.datetime) -> str:
    return dateformat.format(moment.astimezone(BERLIN), "D j F Y")


@pytest.fixture
def venue():
    return VenueFactory(name="Kellerbar", time_zone="Europe/Berlin", stages=["Main stage", "Side room"])


@pytest.fixture
def owner(venue):
    return VenueStaffFactory(venue=venue, role=VenueStaff.Role.OWNER).user


@pytest.fixture
def main(venue):
    return venue.stages.get(name="Main stage")


@pytest.fixture
def side(venue):
    return venue.stages.get(name="Side room")


def post(venue, owner, stage, start, hours=4, **fields) -> Slot:
    return slot_create(venue=venue, by=owner, stage=stage, starts_at=start, ends_at=start + hours * HOUR, **fields)


@pytest.fixture
def rock_night(venue, owner, main):
    """“Friday Rock Night” on the main stage, 21:00–01:00 Berlin, in 20 days."""
    return post(venue, owner, main, berlin(20), title="Friday Rock Night")


# ---- Posting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "hours"),
    [(0, 4), (1, 1), (-1, 2), (3, 3), (-2, 8)],
    ids=["same time", "inside", "overlaps the start", "overlaps the end", "around it"],
)
def test_an_overlapping_slot_on_the_same_stage_is_refused_naming_the_slot_in_the_way(
    venue, owner, main, rock_night, offset, hours
):
    with pytest.raises(SlotClashError) as refused:
        post(venue, owner, main, rock_night.starts_at + offset * HOUR, hours=hours, title="Quiz night")
    message = " ".join(refused.value.messages)
    assert (
        f"Main stage already has “Friday Rock Night” from 21:00 to 01:00 on {day_name(rock_night.starts_at)} "
        "(Europe/Berlin)." in message
    )
    assert list(Slot.objects.values_list("title", flat=True)) == ["Friday Rock Night"]


def test_an_untitled_slot_in_the_way_is_named_a_slot(venue, owner, main):
    first = post(venue, owner, main, berlin(20, 19), hours=2)
    with pytest.raises(SlotClashError, match="Main stage already has a slot from 19:00 to 21:00 on"):
        post(venue, owner, main, first.starts_at + HOUR)


def test_a_slot_may_start_when_the_one_before_ends_and_end_when_the_next_starts(venue, owner, main, rock_night):
    before = post(venue, owner, main, rock_night.starts_at - 3 * HOUR, hours=3, title="Early show")
    after = post(venue, owner, main, rock_night.ends_at, hours=2, title="Afterparty")
    assert before.ends_at == rock_night.starts_at and after.starts_at == rock_night.ends_at
    assert Slot.objects.filter(stage=main).count() == 3


def test_another_stage_of_the_venue_is_free_at_the_same_time(venue, owner, side, rock_night):
    other = post(venue, owner, side, rock_night.starts_at, title="Side room session")
    assert other.stage == side and Slot.objects.count() == 2


def test_a_cancelled_slot_frees_the_stage(venue, owner, main, rock_night):
    # bookings.services.slot_cancel sets cancelled_at (venues never imports bookings).
    Slot.objects.filter(pk=rock_night.pk).update(cancelled_at=timezone.now(), cancel_reason="Band split up")
    again = post(venue, owner, main, rock_night.starts_at, title="Friday Rock Night, take two")
    assert Slot.objects.filter(stage=main, cancelled_at__isnull=True).get() == again


# ---- A series ---------------------------------------------------------------------------------------


def test_a_series_with_one_date_in_the_way_posts_nothing_and_names_the_date(venue, owner, main, rock_night):
    times = [
        (rock_night.starts_at + timedelta(days=7 * n), rock_night.ends_at + timedelta(days=7 * n)) for n in (-1, 0, 1)
    ]
    with pytest.raises(SlotClashError, match="already has “Friday Rock Night”"):
        slot_series_create(venue=venue, by=owner, stage=main, times=times, title="Weekly")
    assert not Slot.objects.filter(title="Weekly").exists()


def test_a_series_whose_dates_overlap_each_other_is_refused(venue, owner, main):
    start = berlin(30, 20)
    times = [(start, start + 3 * HOUR), (start + 2 * HOUR, start + 5 * HOUR)]
    with pytest.raises(SlotClashError, match="overlaps the slot before it in this series"):
        slot_series_create(venue=venue, by=owner, stage=main, times=times)
    assert not Slot.objects.exists()


def test_the_clash_check_marks_each_date_in_the_way_with_one_query(venue, owner, main, django_assert_num_queries):
    posted = [post(venue, owner, main, berlin(10 + 7 * n), title=f"Night {n}") for n in range(6)]
    times = [(s.starts_at + HOUR, s.ends_at + HOUR) for s in posted[::2]] + [(berlin(11), berlin(11) + HOUR)]
    main = Stage.objects.select_related("venue").get(pk=main.pk)
    with django_assert_num_queries(1):
        clashes = stage_slot_clashes(stage=main, times=times)
    assert [c.slot for c in clashes] == posted[::2]


# ---- Editing -----------------------------------------------------------------------------------------


def test_moving_a_slot_onto_another_is_refused_and_changes_nothing(venue, owner, main, rock_night):
    early = post(venue, owner, main, rock_night.starts_at - 5 * HOUR, hours=3, title="Matinee")
    with pytest.raises(SlotClashError, match="already has “Friday Rock Night”"):
        slot_update(slot=early, by=owner, starts_at=rock_night.starts_at - HOUR, ends_at=rock_night.starts_at + HOUR)
    early.refresh_from_db()
    assert (early.starts_at, early.sequence) == (rock_night.starts_at - 5 * HOUR, 0)


def test_moving_a_slot_to_a_stage_that_has_a_show_then_is_refused(venue, owner, main, side, rock_night):
    session = post(venue, owner, side, rock_night.starts_at, title="Side room session")
    with pytest.raises(SlotClashError, match="Main stage already has “Friday Rock Night”"):
        slot_update(slot=session, by=owner, stage=main)
    assert Slot.objects.get(pk=session.pk).stage == side


def test_a_slot_may_move_over_its_own_time_and_up_to_its_neighbour(venue, owner, main, rock_night):
    later = post(venue, owner, main, rock_night.ends_at + 2 * HOUR, hours=2, title="Late late show")
    moved = slot_update(slot=rock_night, by=owner, starts_at=rock_night.starts_at + HOUR, ends_at=later.starts_at)
    assert moved.ends_at == later.starts_at
    assert slot_update(slot=later, by=owner, title="Renamed").title == "Renamed"


def test_a_slot_may_move_onto_the_time_of_a_cancelled_one(venue, owner, main, rock_night):
    early = post(venue, owner, main, rock_night.starts_at - 5 * HOUR, hours=3, title="Matinee")
    Slot.objects.filter(pk=rock_night.pk).update(cancelled_at=timezone.now())
    moved = slot_update(slot=early, by=owner, starts_at=rock_night.starts_at, ends_at=rock_night.ends_at)
    assert moved.starts_at == rock_night.starts_at


# ---- The database's own rule (PostgreSQL) ----------------------------------------------------------------


def insert_slot(*, venue, stage, starts_at, ends_at, cancelled: bool = False) -> None:
    """INSERT a slot straight into the table: no service, no check, only the database in the way."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Slot._meta.db_table}
                (venue_id, stage_id, starts_at, ends_at, title, currency, support_places, visibility, ticket_url,
                 notes, headliner_booked, supports_booked, cancelled_at, cancel_reason, sequence, created_at,
                 updated_at)
            VALUES (%s, %s, %s, %s, 'Raw', 'EUR', 0, 'public', '', '', 0, 0, %s, '', 0, %s, %s)
            """,  # noqa: S608 - the table name is ours; every value is a parameter
            [venue.pk, stage.pk, starts_at, ends_at, now if cancelled else None, now, now],
        )


@pytest.mark.postgres
def test_the_database_refuses_an_overlapping_slot_that_skips_the_service(venue, main, side, rock_night):
    with pytest.raises(IntegrityError, match="venues_one_show_per_stage"), transaction.atomic():
        insert_slot(venue=venue, stage=main, starts_at=rock_night.starts_at + HOUR, ends_at=rock_night.ends_at)
    # Touching, cancelled, or on another stage: allowed.
    insert_slot(venue=venue, stage=main, starts_at=rock_night.ends_at, ends_at=rock_night.ends_at + HOUR)
    insert_slot(venue=venue, stage=main, starts_at=rock_night.starts_at, ends_at=rock_night.ends_at, cancelled=True)
    insert_slot(venue=venue, stage=side, starts_at=rock_night.starts_at, ends_at=rock_night.ends_at)
    assert Slot.objects.count() == 4


@pytest.mark.postgres
def test_with_the_check_taken_away_the_constraint_still_refuses_with_the_same_message(
    venue, owner, main, rock_night, monkeypatch
):
    monkeypatch.setattr(services, "_stage_lock_and_check", lambda *args, **kwargs: None)
    with pytest.raises(SlotClashError) as refused:
        post(venue, owner, main, rock_night.starts_at + HOUR, title="Sneaky")
    assert "Main stage already has “Friday Rock Night” from 21:00 to 01:00" in " ".join(refused.value.messages)
    early = post(venue, owner, main, rock_night.starts_at - 5 * HOUR, hours=2, title="Matinee")
    with pytest.raises(SlotClashError, match="Friday Rock Night"):
        slot_update(slot=early, by=owner, starts_at=rock_night.starts_at, ends_at=rock_night.ends_at)
    assert sorted(Slot.objects.values_list("title", flat=True)) == ["Friday Rock Night", "Matinee"]


# ---- At the same moment ----------------------------------------------------------------------------------


def race(calls, *, timeout: float = 60) -> list:
    """Run every call in its own thread (and database connection), all starting together; their outcomes."""
    outcomes: list = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def work(index, call) -> None:
        try:
            connection.ensure_connection()
            start.wait(timeout=timeout)
            outcomes[index] = call()
        except Exception as exc:  # the test names whatever it was
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=pair, daemon=True) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a racer is still waiting"
    return outcomes


def check_one_winner(outcomes) -> None:
    won = [o for o in outcomes if isinstance(o, Slot)]
    lost = [o for o in outcomes if isinstance(o, SlotClashError)]
    assert (len(won), len(lost)) == (1, len(outcomes) - 1), outcomes
    assert all("Main stage already has “Big night”" in " ".join(o.messages) for o in lost)
    assert Slot.objects.filter(cancelled_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_people_posting_overlapping_slots_at_once_get_one_slot(round_):
    venue = VenueFactory(time_zone="Europe/Berlin", stages=["Main stage"])
    stage = venue.stages.get()
    staff = [VenueStaffFactory(venue=venue).user for _ in range(2)]
    start = berlin(40)
    outcomes = race(
        [lambda by=by, n=n: post(venue, by, stage, start + n * HOUR, title="Big night") for n, by in enumerate(staff)]
    )
    check_one_winner(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_both_racers_pass_the_check_and_the_constraint_keeps_one(monkeypatch):
    """Proof that the race is real: with the stage lock taken away and both racers held between their
    check and their write, both pass the check; only the constraint stands in the way."""
    venue = VenueFactory(time_zone="Europe/Berlin", stages=["Main stage"])
    stage = venue.stages.get()
    staff = [VenueStaffFactory(venue=venue).user for _ in range(2)]
    checked = threading.Barrier(2)
    passed = []

    def check_without_lock(stage, times, *, exclude_pk=None) -> None:
        if stage_slot_clashes(stage=stage, times=list(times), exclude_pk=exclude_pk):
            raise SlotClashError(stage_slot_clashes(stage=stage, times=list(times)))
        passed.append(True)
        if len(passed) <= 2:  # a racer that writes once more after a deadlock checks again alone
            checked.wait(timeout=30)

    monkeypatch.setattr(services, "_stage_lock_and_check", check_without_lock)
    start = berlin(40)
    outcomes = race([lambda by=by: post(venue, by, stage, start, title="Big night") for by in staff])
    assert len(passed) >= 2
    check_one_winner(outcomes)


# ---- Adding the rule to a database that already has overlapping slots (PostgreSQL) ---------------------


@pytest.mark.postgres
def test_the_migration_stops_with_the_overlapping_slots_listed_and_goes_on_once_they_are_sorted_out(
    venue, owner, main, rock_night
):
    migration = importlib.import_module("venues.migrations.0005_one_show_per_stage")
    with connection.cursor() as cursor:  # the table as it was before the rule (rolled back after the test)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign key checks, so the table may change
        cursor.execute(f"ALTER TABLE {Slot._meta.db_table} DROP CONSTRAINT venues_one_show_per_stage")
    insert_slot(venue=venue, stage=main, starts_at=rock_night.starts_at + HOUR, ends_at=rock_night.ends_at)
    with connection.schema_editor() as editor, pytest.raises(CommandError) as stopped:
        migration.refuse_overlapping_slots(django_apps, editor)
    text = str(stopped.value)
    assert "Nothing was changed" in text
    assert f"Kellerbar ({venue.slug}), Main stage: slot {rock_night.pk} “Friday Rock Night”" in text
    assert "overlaps slot" in text and "“Raw”" in text

    Slot.objects.filter(title="Raw").update(cancelled_at=timezone.now())
    with connection.schema_editor() as editor:
        migration.refuse_overlapping_slots(django_apps, editor)
        editor.add_constraint(Slot, next(c for c in Slot._meta.constraints if c.name == "venues_one_show_per_stage"))
    with pytest.raises(IntegrityError, match="venues_one_show_per_stage"), transaction.atomic():
        insert_slot(venue=venue, stage=main, starts_at=rock_night.starts_at, ends_at=rock_night.ends_at)
