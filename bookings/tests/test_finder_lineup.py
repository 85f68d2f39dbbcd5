"""The finder's "only slots we can play" and a slot's bands read a band's minimum line-up, as its green
zone does (bands.calendar): named members free is not enough when a section is short."""

import datetime as dt

import pytest
from django.utils import timezone

from availability.models import BusyInterval
from bands import sections
from bands.tests.factories import MembershipFactory
from bookings.selectors.finder import finder_slots, slot_bands_of
from bookings.tests.factories import SlotFactory, band_with_leader, in_days

pytestmark = pytest.mark.django_db


def busy(user, start: dt.datetime, end: dt.datetime) -> None:
    BusyInterval.objects.create(user=user, starts_at=start, ends_at=end, source=BusyInterval.Source.RULE, source_id=1)


@pytest.fixture
def brass():
    """Two trumpets needed, nobody by name; Ana and Ben play trumpet."""
    band, leader = band_with_leader(name="Brass")
    band.memberships.update(required=False)
    ana = MembershipFactory(band=band, required=False)
    ben = MembershipFactory(band=band, required=False)
    trumpets = sections.section_add(band=band, by=leader, name="Trumpets")
    for member in (ana, ben):
        sections.membership_sections_set(membership=member, by=leader, usual=trumpets.pk, doubles=[])
    sections.lineup_set(band=band, by=leader, needs={trumpets.pk: 2}, total=None)
    band.refresh_from_db()
    short = SlotFactory(title="Short night", starts_at=in_days(8), ends_at=in_days(8) + dt.timedelta(hours=3))
    full = SlotFactory(title="Full night", starts_at=in_days(9), ends_at=in_days(9) + dt.timedelta(hours=3))
    busy(ana.user, short.starts_at, short.ends_at)
    return band, leader, short, full


def test_only_slots_the_line_up_can_fill_are_playable(brass):
    band, _leader, _short, full = brass
    playable = finder_slots(now=timezone.now(), band_id=band.pk, playable=True)
    assert [s.title for s in playable] == [full.title]
    marked = {s.title: s.band_free for s in finder_slots(now=timezone.now(), band_id=band.pk)}
    assert marked == {"Short night": False, "Full night": True}


def test_a_slots_bands_say_free_only_when_the_line_up_is_filled(brass):
    _band, leader, short, full = brass
    assert [b.free for b in slot_bands_of(slot=short, user=leader)] == [False]
    assert [b.free for b in slot_bands_of(slot=full, user=leader)] == [True]
