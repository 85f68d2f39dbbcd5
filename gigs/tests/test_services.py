"""The day sheet's services: who may write it, what times it takes, the checklist's marks, the band told
once everything is advanced."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bookings.errors import BookingError, BookingPermissionError
from bookings.models import Booking
from bookings.services import ending
from gigs.models import AdvanceItem, DaySheet
from gigs.selectors.day_sheets import ITEMS, day_sheet_page, open_count_of, runs_the_day
from gigs.services.day_sheets import advance_item_set, day_sheet_times_errors, day_sheet_update
from gigs.tests.factories import gig_world, hosted_show
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def world():
    return gig_world()


def local(booking: Booking, hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    """`hour`:`minute` on the gig's first local day in Berlin (plus `days`), as an aware moment."""
    day = booking.starts_at.astimezone(BERLIN).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


# ---- Who writes it -------------------------------------------------------------------------------


def test_the_venue_writes_a_slot_gigs_sheet_and_the_band_does_not(world):
    assert runs_the_day(world.gig, world.owner)
    for who in (world.leader, world.member, world.other_owner, world.client):
        assert not runs_the_day(world.gig, who)
        with pytest.raises(BookingPermissionError):
            day_sheet_update(booking=world.gig, by=who, parking="Back yard")
    assert not DaySheet.objects.exists()


def test_the_client_writes_a_private_events_sheet(world):
    assert runs_the_day(world.request, world.client)
    assert not runs_the_day(world.request, world.leader)
    sheet = day_sheet_update(booking=world.request, by=world.client, parking="By the barn", venue_contact_name="Anna")
    assert (sheet.parking, sheet.venue_contact_name, sheet.updated_by) == ("By the barn", "Anna", world.client)


def test_the_host_band_writes_its_own_shows_sheet(world):
    _slot, own = hosted_show(world.other_band, world.other_leader)
    assert runs_the_day(own, world.other_leader)
    assert not runs_the_day(own, world.owner)
    sheet = day_sheet_update(booking=own, by=world.other_leader, hospitality="Soup and beer")
    assert sheet.hospitality == "Soup and beer"
    page = day_sheet_page(booking=own, user=world.other_leader)
    assert page.place.name == "Anna's garden"
    assert "search?query=Gartenweg+3%2C+Potsdam" in page.place.map_url


def test_a_member_of_the_band_never_advances(world):
    with pytest.raises(BookingPermissionError):
        advance_item_set(booking=world.gig, item="doors", by=world.member, advanced=True)
    with pytest.raises(BookingPermissionError):
        advance_item_set(booking=world.gig, item="doors", by=world.leader, advanced=True)
    assert not AdvanceItem.objects.exists()


def test_a_pending_or_cancelled_gig_has_no_sheet_to_write(world):
    with pytest.raises(BookingError):
        advance_item_set(booking=world.pending, item="doors", by=world.owner, advanced=True)
    ending.booking_cancel(booking=world.gig, by=world.owner, reason="The roof leaks.")
    world.gig.refresh_from_db()
    with pytest.raises(BookingError):
        day_sheet_update(booking=world.gig, by=world.owner, parking="x")
    assert not DaySheet.objects.exists() and not AdvanceItem.objects.exists()


def test_a_gig_that_is_over_keeps_its_sheet(world):
    later = world.gig.ends_at + dt.timedelta(hours=1)
    with pytest.raises(BookingError, match="over"):
        day_sheet_update(booking=world.gig, by=world.owner, parking="x", now=later)


def test_unknown_fields_are_a_programming_error(world):
    with pytest.raises(TypeError):
        day_sheet_update(booking=world.gig, by=world.owner, fee=1)


# ---- Times ---------------------------------------------------------------------------------------


def test_times_are_kept_in_utc_and_read_in_the_gigs_zone(world):
    gig = world.gig
    load_in = gig.starts_at - dt.timedelta(hours=3)
    sheet = day_sheet_update(
        booking=gig,
        by=world.owner,
        load_in_at=load_in,
        soundcheck_at=load_in + dt.timedelta(hours=1),
        doors_at=gig.starts_at - dt.timedelta(minutes=30),
        curfew_at=gig.ends_at + dt.timedelta(minutes=30),
    )
    sheet.refresh_from_db()
    assert sheet.load_in_at == load_in and sheet.load_in_at.utcoffset() == dt.timedelta(0)
    page = day_sheet_page(booking=gig, user=world.member)
    assert page.zone.key == "Europe/Berlin"
    assert page.load_in.at == load_in and page.load_in.source == ""


@pytest.mark.parametrize(
    ("field", "shift", "message"),
    [
        ("doors_at", dt.timedelta(minutes=30), "The doors open before the set starts."),
        ("load_in_at", dt.timedelta(minutes=1), "The load-in comes before the set starts."),
        ("soundcheck_at", dt.timedelta(hours=1), "The soundcheck comes before the set starts."),
        ("load_in_at", -dt.timedelta(days=1), "This is not on the gig's day"),
        ("curfew_at", dt.timedelta(days=2), "This is not on the gig's day"),
    ],
)
def test_a_time_off_the_day_or_out_of_order_is_refused_and_nothing_changes(world, field, shift, message):
    day_sheet_update(booking=world.gig, by=world.owner, parking="Back yard")
    with pytest.raises(ValidationError) as caught:
        day_sheet_update(booking=world.gig, by=world.owner, parking="Front", **{field: world.gig.starts_at + shift})
    assert message in caught.value.message_dict[field][0]
    sheet = DaySheet.objects.get()
    assert sheet.parking == "Back yard" and getattr(sheet, field) is None


def test_soundcheck_after_load_in_and_curfew_after_the_set(world):
    gig = world.gig
    errors = day_sheet_times_errors(
        booking=gig,
        times={
            "load_in_at": gig.starts_at - dt.timedelta(hours=2),
            "soundcheck_at": gig.starts_at - dt.timedelta(hours=3),
            "doors_at": None,
            "curfew_at": gig.ends_at - dt.timedelta(minutes=1),
        },
    )
    assert errors == {
        "soundcheck_at": "The soundcheck comes after the load-in.",
        "curfew_at": "The curfew comes after the set ends.",
    }


def test_the_running_orders_set_bounds_the_day(world):
    gig = world.gig
    Booking.objects.filter(pk=gig.pk).update(
        load_in_at=gig.starts_at, set_starts_at=gig.starts_at + dt.timedelta(hours=1), set_ends_at=gig.ends_at
    )
    gig.refresh_from_db()
    # Doors at the show's start are before this act's set (an hour later).
    assert day_sheet_times_errors(booking=gig, times={"doors_at": gig.starts_at}) == {}
    page = day_sheet_page(booking=gig, user=world.member)
    assert page.own_set and page.set_starts_at == gig.set_starts_at
    assert page.load_in.at == gig.load_in_at and page.load_in.source == "from the running order"


# ---- The checklist -------------------------------------------------------------------------------


def test_marking_keeps_the_first_confirmer_and_reopening_clears_it(world):
    first = advance_item_set(booking=world.gig, item="doors", by=world.owner, advanced=True, note="19:30")
    booker = VenueStaffFactory(venue=world.venue).user
    again = advance_item_set(booking=world.gig, item="doors", by=booker, advanced=True)
    assert again.pk == first.pk and again.advanced_by == world.owner and again.note == "19:30"
    assert open_count_of(world.gig) == len(ITEMS) - 1
    reopened = advance_item_set(booking=world.gig, item="doors", by=booker, advanced=False)
    assert reopened.advanced_at is None and reopened.advanced_by is None
    assert open_count_of(world.gig) == len(ITEMS)
    assert AdvanceItem.objects.count() == 1


def test_an_unknown_item_or_a_long_note_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        advance_item_set(booking=world.gig, item="fireworks", by=world.owner, advanced=True)
    assert "no item" in caught.value.message_dict["item"][0]
    with pytest.raises(ValidationError):
        advance_item_set(booking=world.gig, item="doors", by=world.owner, advanced=True, note="x" * 301)
    assert not AdvanceItem.objects.exists()


def test_the_band_is_told_once_when_everything_is_advanced(world):
    for item in ITEMS[:-1]:
        advance_item_set(booking=world.gig, item=item.value, by=world.owner, advanced=True)
    assert not Notification.objects.filter(kind="gig_advanced").exists()
    advance_item_set(booking=world.gig, item=ITEMS[-1].value, by=world.owner, advanced=True)
    told = set(Notification.objects.filter(kind="gig_advanced").values_list("recipient_id", flat=True))
    assert told == {world.leader.pk, world.member.pk}
    assert f"/documents/bookings/{world.gig.uid}/day-sheet/" in Notification.objects.filter(kind="gig_advanced")[0].link
    # Marking an advanced item again tells nobody again.
    advance_item_set(booking=world.gig, item=ITEMS[0].value, by=world.owner, advanced=True)
    assert Notification.objects.filter(kind="gig_advanced").count() == 2


def test_staff_read_the_marks_in_the_admin(client, world):
    advance_item_set(booking=world.gig, item="doors", by=world.owner, advanced=True, note="19:30")
    day_sheet_update(booking=world.gig, by=world.owner, venue_contact_name="Vera")
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    for name in ("admin:gigs_advanceitem_changelist", "admin:gigs_daysheet_changelist"):
        response = client.get(reverse(name), {"q": "Night"})
        assert response.status_code == 200
    assert "19:30" in client.get(reverse("admin:gigs_advanceitem_changelist")).content.decode()
    mark = AdvanceItem.objects.get()
    assert client.get(reverse("admin:gigs_advanceitem_change", args=[mark.pk])).status_code == 200
    assert client.post(reverse("admin:gigs_advanceitem_delete", args=[mark.pk]), {"post": "yes"}).status_code == 403
    assert AdvanceItem.objects.exists()
