"""A show's guest list: each side adds and takes off its own guests within its cap (plus-ones counted), the
side running the day sets the caps and ticks guests in; bad input and refusals change nothing."""

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from gigs.models import DaySheet, GuestEntry
from gigs.selectors.guest_lists import guest_list_page
from gigs.services.guest_lists import guest_caps_set, guest_check_in, guest_entry_add, guest_entry_remove
from gigs.tests.factories import gig_world
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from teams.tests.factories import agency_for

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("gigs_guest_lists")]


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[SimpleNamespace]:
    with rows_for_the_module(django_db_blocker):
        world = gig_world("-gl")
        world.agent = agency_for(world.band, slug="gl-agency")[2]
        yield world


@pytest.fixture
def world(module_world) -> SimpleNamespace:
    return as_it_is_now(module_world)


def add(world, by, side="band", name="Guest", plus_ones=0, note=""):
    return guest_entry_add(booking=world.gig, by=by, side=side, name=name, plus_ones=plus_ones, note=note)


def test_the_band_adds_up_to_its_cap_counting_plus_ones(world):
    add(world, world.leader, name="Ida", plus_ones=4)
    add(world, world.agent, name="Bo", plus_ones=4)  # 10 of the default 10
    with pytest.raises(BookingConflict, match="0 places left on the guest list of 10; this guest needs 1"):
        add(world, world.leader, name="One too many")
    # The venue has no cap by default.
    for n in range(12):
        add(world, world.owner, side="venue", name=f"Press {n}", plus_ones=1)
    page = guest_list_page(booking=world.gig, user=world.member)
    assert page.totals["band"].places == 10 and page.totals["band"].cap == 10 and page.totals["band"].left == 0
    assert page.totals["venue"].places == 24 and page.totals["venue"].cap is None
    assert [e.name for e in page.entries][:3] == ["Bo", "Ida", "Press 0"]  # by name
    # More places from the side running the day: the band may add again; a lower cap keeps who is on it.
    guest_caps_set(booking=world.gig, by=world.owner, band_cap=12, venue_cap=24)
    add(world, world.leader, name="Cy", plus_ones=1)
    with pytest.raises(BookingConflict):
        add(world, world.owner, side="venue", name="Late press")
    guest_caps_set(booking=world.gig, by=world.owner, band_cap=0, venue_cap=None)
    assert GuestEntry.objects.filter(booking=world.gig, side="band").count() == 3


def test_each_side_adds_and_removes_its_own_and_the_door_ticks_in(world):
    ida = add(world, world.leader, name="Ida")
    vera = add(world, world.owner, side="venue", name="Vera")
    for who, side in ((world.owner, "band"), (world.leader, "venue"), (world.member, "band"), (world.stranger, "band")):
        with pytest.raises(BookingPermissionError):
            add(world, who, side=side, name="Sneaky")
    with pytest.raises(BookingPermissionError):
        guest_entry_remove(booking=world.gig, by=world.leader, entry_id=vera.pk)
    with pytest.raises(BookingPermissionError):
        guest_entry_remove(booking=world.gig, by=world.owner, entry_id=ida.pk)
    with pytest.raises(BookingPermissionError):
        guest_check_in(booking=world.gig, by=world.leader, entry_id=ida.pk)
    with pytest.raises(BookingPermissionError):
        guest_caps_set(booking=world.gig, by=world.leader, band_cap=50, venue_cap=None)
    assert GuestEntry.objects.filter(booking=world.gig).count() == 2 and not DaySheet.objects.exists()
    checked = guest_check_in(booking=world.gig, by=world.owner, entry_id=ida.pk)
    assert checked.checked_in_at is not None
    assert guest_list_page(booking=world.gig, user=world.owner).checked_in == 1
    assert guest_check_in(booking=world.gig, by=world.owner, entry_id=ida.pk, checked_in=False).checked_in_at is None
    guest_entry_remove(booking=world.gig, by=world.agent, entry_id=ida.pk)
    with pytest.raises(BookingConflict):
        guest_entry_remove(booking=world.gig, by=world.leader, entry_id=ida.pk)
    assert list(GuestEntry.objects.filter(booking=world.gig).values_list("name", flat=True)) == ["Vera"]


def test_bad_input_is_refused_and_changes_nothing(world):
    bad = [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 500},
        {"plus_ones": 10},
        {"plus_ones": -1},
        {"note": "n" * 201},
        {"side": "crew"},
    ]
    for values in bad:
        with pytest.raises(ValidationError):
            add(world, world.leader, **{"name": "Ida", **values})
    for caps in ({"band_cap": -1, "venue_cap": None}, {"band_cap": 5, "venue_cap": 1000}):
        with pytest.raises(ValidationError):
            guest_caps_set(booking=world.gig, by=world.owner, **caps)
    assert not GuestEntry.objects.exists() and not DaySheet.objects.exists()
    # A gig that is not booked has no list to change.
    with pytest.raises(BookingError, match="not booked"):
        guest_entry_add(booking=world.pending, by=world.leader, side="band", name="Ida")
