"""Posting and changing slots: venues.services.slot_create, slot_series_create, slot_update."""

import datetime as dt
import zoneinfo
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import BandFactory, GenreFactory, MembershipFactory
from core.fields.scheduling import day_text, scheduling_last_day, scheduling_today
from venues.models import Slot, Stage, VenueStaff
from venues.services import SERIES_LIMIT, SlotPermissionError, slot_create, slot_series_create, slot_update
from venues.tests.factories import VenueFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def at(days: int, hour: int = 20) -> dt.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0, hour=hour) + timedelta(days=days)


@pytest.fixture
def venue():
    return VenueFactory(name="Kellerbar", time_zone="Europe/Berlin")


@pytest.fixture
def owner(venue):
    return VenueStaffFactory(venue=venue, role=VenueStaff.Role.OWNER).user


@pytest.fixture
def stage(venue):
    return venue.stages.get()


def post(venue, owner, stage, start=None, hours=3, **fields) -> Slot:
    start = start or at(10)
    return slot_create(
        venue=venue, by=owner, stage=stage, starts_at=start, ends_at=start + timedelta(hours=hours), **fields
    )


def add_booking(slot: Slot, status: str, role: str = "headliner"):
    """A booking on the slot, written through the reverse relation (venues never imports bookings)."""
    return slot.bookings.create(
        kind="application",
        role=role,
        status=status,
        band=BandFactory(),
        venue=slot.venue,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
    )


# ---- Creating ---------------------------------------------------------------------------------


def test_a_slot_is_posted_with_everything_the_venue_says(venue, owner, stage):
    indie = GenreFactory(name="Indie")
    start = at(12, 19)
    slot = slot_create(
        venue=venue,
        by=owner,
        stage=stage,
        starts_at=start,
        ends_at=start + timedelta(hours=5),
        genres=[indie],
        title="Friday Night Indie",
        fee=450,
        support_places=2,
        visibility=Slot.Visibility.INVITE,
        ticket_url="https://tickets.example/42",
        notes="Load-in 17:00.",
    )
    slot = Slot.objects.get(pk=slot.pk)
    assert (slot.title, slot.fee, slot.support_places, slot.visibility) == (
        "Friday Night Indie",
        450,
        2,
        Slot.Visibility.INVITE,
    )
    assert (slot.starts_at, slot.ends_at, slot.created_by, slot.series) == (
        start,
        start + timedelta(hours=5),
        owner,
        None,
    )
    assert list(slot.genres.all()) == [indie]
    assert (slot.status, slot.headliner_booked, slot.supports_booked, slot.places) == (Slot.Status.OPEN, 0, 0, 3)


def test_a_negotiable_fee_and_exactly_24_hours_are_fine(venue, owner, stage):
    slot = post(venue, owner, stage, hours=24, fee=None)
    assert slot.fee is None and slot.ends_at - slot.starts_at == timedelta(hours=24)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": -1}, "ends_at"),
        ({"hours": 0}, "ends_at"),
        ({"hours": 25}, "ends_at"),
        ({"start": "past"}, "starts_at"),
        ({"fee": -1}, "fee"),
        ({"support_places": 7}, "support_places"),
    ],
)
def test_bad_slots_are_refused_by_field_and_nothing_is_saved(venue, owner, stage, change, field):
    if change.get("start") == "past":
        change["start"] = timezone.now() - timedelta(minutes=5)
    with pytest.raises(ValidationError) as exc:
        post(venue, owner, stage, **change)
    assert field in exc.value.message_dict
    assert not Slot.objects.exists()


def test_a_slot_beyond_the_scheduling_horizon_is_refused_naming_the_last_date(venue, owner, stage):
    last = scheduling_last_day(scheduling_today(BERLIN))
    beyond = dt.datetime.combine(last + timedelta(days=1), dt.time(20), tzinfo=BERLIN)
    with pytest.raises(ValidationError) as exc:
        post(venue, owner, stage, start=beyond)
    assert exc.value.message_dict["starts_at"] == [
        f"StageSlot plans at most three years ahead: pick a date up to {day_text(last)}."
    ]
    assert post(venue, owner, stage, start=beyond - timedelta(days=1)).pk
    with pytest.raises(ValidationError):
        slot_update(
            slot=post(venue, owner, stage, start=at(20)),
            by=owner,
            starts_at=beyond,
            ends_at=beyond + timedelta(hours=2),
        )
    assert Slot.objects.count() == 2


def test_another_venues_stage_is_refused(venue, owner):
    elsewhere = VenueFactory()
    with pytest.raises(ValidationError) as exc:
        post(venue, owner, elsewhere.stages.get())
    assert exc.value.message_dict["stage"] == ["Choose one of this venue's stages."]
    assert not Slot.objects.exists()


def test_only_the_venues_staff_post_slots(venue, owner, stage):
    band_leader = MembershipFactory(role=Membership.Role.LEADER).user
    other_staff = VenueStaffFactory().user
    for person in (UserFactory(), band_leader, other_staff):
        with pytest.raises(SlotPermissionError):
            post(venue, person, stage)
    booker = VenueStaffFactory(venue=venue, role=VenueStaff.Role.BOOKER).user
    assert post(venue, booker, stage).created_by == booker
    assert Slot.objects.count() == 1


def test_fields_that_are_not_the_venues_to_set_are_refused(venue, owner, stage):
    for field, value in (("headliner_booked", 1), ("cancelled_at", timezone.now()), ("series", None)):
        with pytest.raises(TypeError):
            post(venue, owner, stage, **{field: value})
    assert not Slot.objects.exists()


# ---- Series -----------------------------------------------------------------------------------


def fridays(first: dt.date, last: dt.date, start: dt.time, end: dt.time, zone) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every Friday `start`–`end` local time (an end before the start is on the next day)."""
    day = first + timedelta(days=(4 - first.weekday()) % 7)
    times = []
    while day <= last:
        begins = dt.datetime.combine(day, start, tzinfo=zone)
        ends_on = day + timedelta(days=1) if end <= start else day
        times.append((begins, dt.datetime.combine(ends_on, end, tzinfo=zone)))
        day += timedelta(days=7)
    return times


def test_every_friday_from_march_to_june_keeps_2100_local_across_the_clock_change(venue, owner, stage):
    year = timezone.now().year + 1
    times = fridays(dt.date(year, 3, 1), dt.date(year, 6, 30), dt.time(21), dt.time(1), BERLIN)
    slots = slot_series_create(venue=venue, by=owner, stage=stage, times=list(reversed(times)), title="Late show")

    saved = list(Slot.objects.filter(venue=venue).order_by("starts_at"))
    assert len(saved) == len(slots) == len(times) >= 17
    assert len({s.series for s in saved}) == 1 and saved[0].series is not None
    for slot in saved:
        start, end = slot.starts_at.astimezone(BERLIN), slot.ends_at.astimezone(BERLIN)
        assert (start.weekday(), start.hour, start.minute) == (4, 21, 0)
        assert (end.date() - start.date(), end.hour) == (timedelta(days=1), 1)
        assert slot.ends_at - slot.starts_at == timedelta(hours=4)
    # Winter time in early March (UTC+1), summer time from the last Sunday of March (UTC+2).
    assert saved[0].starts_at.astimezone(dt.UTC).hour == 20
    assert saved[-1].starts_at.astimezone(dt.UTC).hour == 19


def test_a_series_is_all_or_nothing(venue, owner, stage):
    good = [(at(d), at(d) + timedelta(hours=3)) for d in (10, 17)]
    with pytest.raises(ValidationError):
        slot_series_create(venue=venue, by=owner, stage=stage, times=[*good, (at(24), at(24) - timedelta(hours=1))])
    with pytest.raises(ValidationError):
        slot_series_create(venue=venue, by=owner, stage=stage, times=good, support_places=9)
    with pytest.raises(ValidationError, match="No date matches"):
        slot_series_create(venue=venue, by=owner, stage=stage, times=[])
    assert not Slot.objects.exists()


def test_a_series_has_a_limit(venue, owner, stage):
    times = [(at(d), at(d) + timedelta(hours=2)) for d in range(1, SERIES_LIMIT + 2)]
    with pytest.raises(ValidationError, match=f"post at most {SERIES_LIMIT}"):
        slot_series_create(venue=venue, by=owner, stage=stage, times=times)
    assert not Slot.objects.exists()
    assert len(slot_series_create(venue=venue, by=owner, stage=stage, times=times[:SERIES_LIMIT])) == SERIES_LIMIT


# ---- Changing ---------------------------------------------------------------------------------


def test_details_change_freely(venue, owner, stage):
    slot = post(venue, owner, stage, fee=300)
    rock = GenreFactory(name="Rock")
    slot_update(slot=slot, by=owner, title="Renamed", fee=None, notes="Backline provided", genres=[rock])
    slot.refresh_from_db()
    assert (slot.title, slot.fee, slot.notes, list(slot.genres.all())) == ("Renamed", None, "Backline provided", [rock])


def test_the_time_cannot_change_while_bands_are_booked_or_waiting(venue, owner, stage):
    slot = post(venue, owner, stage)
    second_stage = Stage.objects.create(venue=venue, name="Cellar")
    add_booking(slot, "pending")
    original = (slot.starts_at, slot.ends_at, slot.stage_id)
    for change in (
        {"starts_at": slot.starts_at + timedelta(hours=1)},
        {"ends_at": slot.ends_at + timedelta(hours=1)},
        {"stage": second_stage},
    ):
        with pytest.raises(ValidationError, match="cannot change"):
            slot_update(slot=slot, by=owner, **change)
        slot.refresh_from_db()
        assert (slot.starts_at, slot.ends_at, slot.stage_id) == original
    # Passing the same values is no change, and other fields still save.
    slot_update(slot=slot, by=owner, starts_at=slot.starts_at, stage=stage, title="Same time")
    assert Slot.objects.get(pk=slot.pk).title == "Same time"


def test_the_time_can_change_when_no_booking_is_live(venue, owner, stage):
    slot = post(venue, owner, stage)
    add_booking(slot, "declined")
    add_booking(slot, "withdrawn")
    later = slot.starts_at + timedelta(days=1)
    slot_update(slot=slot, by=owner, starts_at=later, ends_at=later + timedelta(hours=2))
    slot.refresh_from_db()
    assert slot.starts_at == later
    with pytest.raises(ValidationError) as exc:
        slot_update(slot=slot, by=owner, starts_at=timezone.now() - timedelta(hours=1))
    assert "starts_at" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        slot_update(slot=slot, by=owner, ends_at=later + timedelta(hours=25))
    assert "ends_at" in exc.value.message_dict
    assert Slot.objects.get(pk=slot.pk).ends_at == later + timedelta(hours=2)


def test_support_places_cannot_drop_below_those_booked(venue, owner, stage):
    slot = post(venue, owner, stage, support_places=3)
    for _ in range(2):
        add_booking(slot, "booked", role="support")
    Slot.objects.filter(pk=slot.pk).update(supports_booked=2)
    with pytest.raises(ValidationError) as exc:
        slot_update(slot=slot, by=owner, support_places=1)
    assert exc.value.message_dict["support_places"] == ["2 support acts are booked; keep at least that many places."]
    with pytest.raises(ValidationError) as exc:
        slot_update(slot=slot, by=owner, support_places=7)
    assert "support_places" in exc.value.message_dict
    slot.refresh_from_db()
    assert slot.support_places == 3
    slot_update(slot=slot, by=owner, support_places=2)
    slot.refresh_from_db()
    assert (slot.support_places, slot.supports_booked) == (2, 2)


def test_a_negative_fee_is_refused_on_change(venue, owner, stage):
    slot = post(venue, owner, stage, fee=200)
    with pytest.raises(ValidationError) as exc:
        slot_update(slot=slot, by=owner, fee=-50)
    assert "fee" in exc.value.message_dict
    assert Slot.objects.get(pk=slot.pk).fee == 200


def test_a_cancelled_slot_does_not_change_and_strangers_change_nothing(venue, owner, stage):
    slot = post(venue, owner, stage, title="Original")
    for person in (UserFactory(), VenueStaffFactory().user):
        with pytest.raises(SlotPermissionError):
            slot_update(slot=slot, by=person, title="Mine")
    Slot.objects.filter(pk=slot.pk).update(cancelled_at=timezone.now(), cancel_reason="Closed")
    with pytest.raises(ValidationError, match="cancelled"):
        slot_update(slot=slot, by=owner, title="Reopened")
    assert Slot.objects.get(pk=slot.pk).title == "Original"


def test_the_counters_are_not_written_back_from_a_stale_copy(venue, owner, stage):
    slot = post(venue, owner, stage, support_places=2)
    stale = Slot.objects.get(pk=slot.pk)
    # A booking fills a place meanwhile (the workflow updates the counter under the slot's lock).
    Slot.objects.filter(pk=slot.pk).update(headliner_booked=1)
    slot_update(slot=stale, by=owner, notes="Doors 19:00")
    slot.refresh_from_db()
    assert (slot.notes, slot.headliner_booked) == ("Doors 19:00", 1)
