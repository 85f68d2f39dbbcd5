"""The demo's day sheets: one fully advanced, one half done, on booked gigs at venues; run twice, the same."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from bookings.services import answering, asking
from bookings.tests.factories import SlotFactory, band_with_leader, in_days
from gigs.models import AdvanceItem, DaySheet
from gigs.selectors.day_sheets import ITEMS, open_count_of
from gigs.tests.factories import gig_world
from stageslot.demo.daysheets import HALF, seed_day_sheets

pytestmark = pytest.mark.django_db


def test_a_fully_advanced_sheet_and_a_half_done_one_once():
    world = gig_world()
    band, leader = band_with_leader(name="Static Bloom", slug="static-bloom")
    slot = SlotFactory(venue=world.venue, starts_at=in_days(20), ends_at=in_days(20) + dt.timedelta(hours=3))
    second = asking.booking_apply(slot=slot, band=band, by=leader, role="headliner", fee=300, message="")
    answering.booking_accept(booking=second, by=world.owner)

    done = seed_day_sheets(now=timezone.now())
    assert done == {"fully advanced": world.gig.pk, "half done": second.pk}
    assert open_count_of(world.gig) == 0 and open_count_of(second) == len(ITEMS) - HALF
    sheet = DaySheet.objects.get(booking=world.gig)
    assert sheet.updated_by == world.owner and sheet.parking and sheet.doors_at < world.gig.starts_at
    # The band was told (in the app; the demo sends no email).
    told = Notification.objects.filter(kind="gig_advanced")
    assert set(told.values_list("recipient_id", flat=True)) == {world.leader.pk, world.member.pk}
    assert not told.filter(email_state=Notification.Email.PENDING).exists()

    marks = AdvanceItem.objects.count()
    assert seed_day_sheets(now=timezone.now()) == {}
    assert AdvanceItem.objects.count() == marks and DaySheet.objects.count() == 2
