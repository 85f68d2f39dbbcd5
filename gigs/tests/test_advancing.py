"""Advancing that finishes itself: each item's owner side and due date (defaults without a row), the one
reading of "late", the band confirming its own items, comments telling the other side once, and the hourly
reminders (due soon, late) that never tell anyone twice."""

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Notification
from bookings.errors import BookingPermissionError
from documents.selectors.daysheets import day_sheet_card
from gigs.models import AdvanceComment, AdvanceItem
from gigs.selectors.day_sheets import (
    ITEM_DUE_DAYS,
    ITEM_OWNER,
    ITEMS,
    advance_items_of,
    advance_rows,
    gig_date,
    late_rows,
)
from gigs.services.day_sheets import (
    advance_comment_post,
    advance_item_plan_set,
    advance_item_set,
    advance_reminders_send,
)
from gigs.tasks import advance_reminders_task
from gigs.tests.factories import gig_world
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from teams.tests.factories import agency_for

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("gigs_advancing")]


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[SimpleNamespace]:
    with rows_for_the_module(django_db_blocker):
        world = gig_world("-adv")
        world.agent = agency_for(world.band, slug="adv-agency")[2]
        yield world


@pytest.fixture
def world(module_world) -> SimpleNamespace:
    return as_it_is_now(module_world)


def twelve_days_before(world) -> dt.datetime:
    """The moment the tests read the gig from: its start less twelve days (so its date is 12 days away)."""
    return world.gig.starts_at - dt.timedelta(days=12)


def rows_by_key(world, now):
    return {row.key: row for row in advance_rows(booking=world.gig, marks=advance_items_of(world.gig), now=now)}


def test_every_item_has_an_owner_and_a_due_date_and_late_is_read_once(world):
    now = twelve_days_before(world)
    rows = rows_by_key(world, now)
    assert not AdvanceItem.objects.filter(booking=world.gig).exists()  # no rows: every item open with its defaults
    assert {key: row.owner for key, row in rows.items()} == ITEM_OWNER
    assert {row.owner for row in rows.values() if row.key in ("set_times", "running_order", "files")} == {"band"}
    assert rows["doors"].owner == "venue" and rows["hospitality"].owner == "venue"
    for key, row in rows.items():
        assert row.due_on == gig_date(world.gig) - dt.timedelta(days=ITEM_DUE_DAYS[key])
    # 14 days' lead on a gig 12 days away: two days late; 7 days' lead: due in five days, not late.
    assert rows["address"].late_days == 2 and rows["files"].late_days == 2
    assert not rows["set_times"].late and rows["set_times"].due_in_days == 5 and not rows["set_times"].due_soon
    late = {row.key for row in late_rows(list(rows.values()))}
    assert late == {"address", "contacts", "payment_terms", "accommodation", "files"}
    # An advanced item is never late; the paper card's badge counts the same rows.
    advance_item_set(booking=world.gig, item="address", by=world.owner, advanced=True, now=now)
    assert not rows_by_key(world, now)["address"].late
    card = day_sheet_card(booking=world.gig)
    assert card["late"] == len(
        late_rows(advance_rows(booking=world.gig, marks=advance_items_of(world.gig), now=dt.datetime.now(dt.UTC)))
    )
    assert card["open"] == len(ITEMS) - 1


def test_the_side_running_the_day_sets_owner_and_due_date_and_bad_input_changes_nothing(world):
    now = twelve_days_before(world)
    day = gig_date(world.gig)
    advance_item_plan_set(booking=world.gig, item="parking", by=world.owner, owner="band", due_on=day, now=now)
    row = rows_by_key(world, now)["parking"]
    assert row.owner == "band" and row.due_on == day and not row.late
    bad = [
        {"item": "nope", "owner": "venue", "due_on": day},
        {"item": "doors", "owner": "roadie", "due_on": day},
        {"item": "doors", "owner": "venue", "due_on": day + dt.timedelta(days=1)},
        {"item": "doors", "owner": "venue", "due_on": day - dt.timedelta(days=400)},
        {"item": "doors", "owner": "venue", "due_on": "soon"},
    ]
    for values in bad:
        with pytest.raises(ValidationError):
            advance_item_plan_set(booking=world.gig, by=world.owner, now=now, **values)
    for who in (world.leader, world.member, world.agent, world.other_owner):
        with pytest.raises(BookingPermissionError):
            advance_item_plan_set(booking=world.gig, item="doors", by=who, owner="band", due_on=day, now=now)
    assert list(AdvanceItem.objects.filter(booking=world.gig).values_list("item", flat=True)) == ["parking"]


def test_the_band_confirms_its_own_items_and_only_those(world):
    now = twelve_days_before(world)
    advance_item_set(booking=world.gig, item="set_times", by=world.leader, advanced=True, now=now)
    advance_item_set(booking=world.gig, item="files", by=world.agent, advanced=True, now=now)
    with pytest.raises(BookingPermissionError):
        advance_item_set(booking=world.gig, item="doors", by=world.leader, advanced=True, now=now)
    with pytest.raises(BookingPermissionError):
        advance_item_set(booking=world.gig, item="running_order", by=world.member, advanced=True, now=now)
    # An item handed to the band by the venue is the band's to confirm.
    advance_item_plan_set(
        booking=world.gig, item="parking", by=world.owner, owner="band", due_on=gig_date(world.gig), now=now
    )
    advance_item_set(booking=world.gig, item="parking", by=world.leader, advanced=True, now=now)
    done = set(AdvanceItem.objects.filter(booking=world.gig, advanced_at__isnull=False).values_list("item", flat=True))
    assert done == {"set_times", "files", "parking"}


def test_a_comment_tells_the_other_side_once_and_bad_comments_change_nothing(world):
    now = twelve_days_before(world)
    by_venue = advance_comment_post(booking=world.gig, item="backline", by=world.owner, text=" Own snare? ", now=now)
    assert by_venue.text == "Own snare?"
    told = Notification.objects.filter(kind="advance_comment")
    assert list(told.values_list("recipient_id", flat=True)) == [world.leader.pk]
    assert told.get().dedupe_key.startswith(f"advance_comment:{by_venue.pk}:")
    advance_comment_post(booking=world.gig, item="backline", by=world.agent, text="Yes, we bring it.", now=now)
    assert set(told.values_list("recipient_id", flat=True)) == {world.leader.pk, world.owner.pk}
    for item, text in (("backline", ""), ("backline", "   "), ("backline", "x" * 1001), ("nope", "Hello")):
        with pytest.raises(ValidationError):
            advance_comment_post(booking=world.gig, item=item, by=world.owner, text=text, now=now)
    for who in (world.member, world.other_owner, world.stranger):
        with pytest.raises(BookingPermissionError):
            advance_comment_post(booking=world.gig, item="backline", by=who, text="Hi", now=now)
    assert AdvanceComment.objects.filter(booking=world.gig).count() == 2 and told.count() == 2


def test_owners_are_reminded_once_when_due_soon_and_once_when_late(world):
    now = twelve_days_before(world)
    reminders = Notification.objects.filter(kind="advance_due")
    made = advance_reminders_send(now=now)
    # Late at 12 days out: address, contacts, payment terms, accommodation (venue), files (band).
    late = reminders.filter(dedupe_key__startswith="advance_late:")
    assert made == late.count() == 5 and not reminders.filter(dedupe_key__startswith="advance_due:").exists()
    owner_texts = list(late.filter(recipient=world.owner).values_list("text", flat=True))
    assert sorted(text.split("”")[0][1:] for text in owner_texts) == [
        "Accommodation",
        "Address",
        "Contacts",
        "Payment terms",
    ]
    assert all(text.endswith("is late: please confirm it.") for text in owner_texts)
    assert late.filter(recipient=world.leader).count() == 1 and "“Files”" in late.get(recipient=world.leader).text
    assert not reminders.filter(recipient=world.member).exists()
    # The next hour, and a second scheduler's copy: nobody is told again.
    assert advance_reminders_send(now=now + dt.timedelta(hours=1)) == 0
    assert advance_reminders_send(now=now + dt.timedelta(hours=1)) == 0
    # Three days on, the 7-day items are due within two days: set times and running order for the band,
    # backline and hospitality for the venue; an advanced one is left alone.
    advance_item_set(booking=world.gig, item="hospitality", by=world.owner, advanced=True, now=now)
    later = now + dt.timedelta(days=3)
    assert advance_reminders_send(now=later) == 3
    due = reminders.filter(dedupe_key__startswith="advance_due:")
    assert {(n.recipient_id, n.text.split("”")[0][1:]) for n in due} == {
        (world.leader.pk, "Set times"),
        (world.leader.pk, "Running order"),
        (world.owner.pk, "Backline"),
    }
    assert advance_reminders_send(now=later) == 0
    # The gig pending elsewhere, the private event far off: nothing for them.
    assert not reminders.exclude(link__contains=str(world.gig.uid)).exists()
    assert advance_reminders_task.apply().get() >= 0
