"""Two people of the venue ticking the checklist at the same moment (PostgreSQL, real row locks): the
same item marked twice makes one row and no error; the last two items marked at once tell the band
exactly once that everything is advanced."""

import threading

import pytest
from django.db import connection

from accounts.models import Notification
from gigs.models import AdvanceItem
from gigs.selectors.day_sheets import ITEMS, open_count_of
from gigs.services.day_sheets import advance_item_set
from gigs.tests.factories import gig_world
from venues.tests.factories import VenueStaffFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls) -> list[Exception]:
    start = threading.Barrier(len(calls))
    errors: list[Exception] = []

    def run(call):
        try:
            start.wait()
            call()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.parametrize("round_", range(3))
def test_the_same_item_marked_twice_at_once_is_one_mark(round_):
    world = gig_world(f"-{round_}")
    booker = VenueStaffFactory(venue=world.venue).user
    errors = at_once(
        lambda: advance_item_set(booking=world.gig, item="doors", by=world.owner, advanced=True),
        lambda: advance_item_set(booking=world.gig, item="doors", by=booker, advanced=True),
    )
    assert not errors
    mark = AdvanceItem.objects.get(booking=world.gig)
    assert mark.is_advanced and mark.advanced_by in (world.owner, booker)


@pytest.mark.parametrize("round_", range(3))
def test_the_last_two_items_at_once_tell_the_band_once(round_):
    world = gig_world(f"-{round_}")
    booker = VenueStaffFactory(venue=world.venue).user
    *first, before_last, last = ITEMS
    for item in first:
        advance_item_set(booking=world.gig, item=item.value, by=world.owner, advanced=True)
    errors = at_once(
        lambda: advance_item_set(booking=world.gig, item=before_last.value, by=world.owner, advanced=True),
        lambda: advance_item_set(booking=world.gig, item=last.value, by=booker, advanced=True),
    )
    assert not errors
    assert open_count_of(world.gig) == 0
    told = Notification.objects.filter(kind="gig_advanced")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([world.leader.pk, world.member.pk])
