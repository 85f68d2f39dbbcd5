"""A day sheet's contacts by reference (issue 82, decision 0134): each side picks its contact from its own people
(the band's members; the venue's staff), drawn from their account wherever the sheet is read (the page, the
tour's book, the API), renamed with them and read "Former member" once they are erased, with the phone typed beside
it gone and nobody else's words changed. Tried as the band's leader, the venue's owner, a member, the other band's
leader and a stranger; and the migration that turns contacts typed with a member's exact address into references."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.tests.api_helpers import ApiClient, token_for
from gigs.models import DaySheet
from gigs.services.day_sheets import day_sheet_band_contact_set, day_sheet_update
from gigs.tests.factories import gig_world
from stageslot.privacy.erasure import account_close, account_erase
from venues.models import VenueStaff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = gig_world("-dc")
    w.max = w.member
    w.max.email = "max.member@example.test"
    w.max.save(update_fields=["email"])
    w.barkeeper = UserFactory(display_name="Bea Bar", email="bea@example.test")
    VenueStaff.objects.create(venue=w.venue, user=w.barkeeper, role=VenueStaff.Role.BOOKER)
    return w


def url(name: str, booking) -> str:
    return reverse(f"documents:{name}", args=[booking.uid])


def page(client, user, booking) -> str:
    client.force_login(user)
    response = client.get(url("day_sheet", booking))
    assert response.status_code == 200
    return response.content.decode()


def test_the_bands_leader_picks_a_member_and_everyone_reads_them_as_they_are(client, world):
    client.force_login(world.leader)
    form = page(client, world.leader, world.gig)
    assert 'name="band_contact_person"' in form and "Max Member" in form
    response = client.post(
        url("day_sheet_band_contact", world.gig), {"band_contact_person": world.max.pk, "band_contact_phone": "+49 1"}
    )
    assert response.status_code == 302
    sheet = DaySheet.objects.get(booking=world.gig)
    assert (sheet.band_contact_person, sheet.band_contact_name, sheet.band_contact_email) == (world.max, "", "")
    assert sheet.band_contact_phone == "+49 1"
    venue_view = page(client, world.owner, world.gig)
    assert "Max Member" in venue_view and "max.member@example.test" in venue_view and "+49 1" in venue_view
    # Renamed, they read renamed: nothing was copied.
    world.max.display_name = "Maxine Member"
    world.max.save(update_fields=["display_name"])
    assert "Maxine Member" in page(client, world.owner, world.gig)
    api = ApiClient(token_for(world.owner)).get(f"/api/v1/bookings/{world.gig.uid}/day-sheet")
    assert api.status_code == 200
    assert (api.json()["band_contact_name"], api.json()["band_contact_email"]) == (
        "Maxine Member",
        "max.member@example.test",
    )


def test_someone_not_in_the_band_cannot_be_picked_and_nothing_changes(client, world):
    client.force_login(world.leader)
    for pk in (world.other_leader.pk, world.stranger.pk, world.owner.pk, "x", 10**9):
        response = client.post(url("day_sheet_band_contact", world.gig), {"band_contact_person": pk})
        assert response.status_code == 400, pk
    assert not DaySheet.objects.filter(booking=world.gig).exists()
    with pytest.raises(Exception, match="member of the band"):
        day_sheet_band_contact_set(booking=world.gig, by=world.leader, person=world.stranger)


def test_only_the_bands_leaders_pick_the_bands_contact(client, world):
    for who in (world.max, world.other_leader, world.stranger):
        client.force_login(who)
        response = client.post(url("day_sheet_band_contact", world.gig), {"band_contact_person": world.max.pk})
        assert response.status_code in (403, 404)
    assert not DaySheet.objects.filter(booking=world.gig).exists()


def test_the_venue_picks_its_contact_from_its_staff(client, world):
    client.force_login(world.owner)
    form = page(client, world.owner, world.gig)
    assert 'name="venue_contact_person"' in form and "Bea Bar" in form
    data = {"venue_contact_person": world.barkeeper.pk, "venue_contact_phone": "+49 30 1"}
    assert client.post(url("day_sheet_edit", world.gig), data).status_code == 302
    sheet = DaySheet.objects.get(booking=world.gig)
    assert (sheet.venue_contact_person, sheet.venue_contact_name) == (world.barkeeper, "")
    band_view = page(client, world.max, world.gig)
    assert "Bea Bar" in band_view and "bea@example.test" in band_view
    # Someone not on the venue's staff: refused, the contact stays.
    refused = client.post(url("day_sheet_edit", world.gig), {"venue_contact_person": world.max.pk})
    assert refused.status_code == 400
    assert DaySheet.objects.get(booking=world.gig).venue_contact_person == world.barkeeper


def test_a_contact_typed_by_hand_replaces_a_picked_one(world):
    day_sheet_band_contact_set(booking=world.gig, by=world.leader, person=world.max, phone="+49 1")
    day_sheet_update(booking=world.gig, by=world.owner, band_contact_name="Tour manager Tom", band_contact_phone="2")
    sheet = DaySheet.objects.get(booking=world.gig)
    assert (sheet.band_contact_person, sheet.band_contact.name, sheet.band_contact.phone) == (
        None,
        "Tour manager Tom",
        "2",
    )
    # The venue's own save with the band's part untouched leaves the band's pick alone.
    day_sheet_band_contact_set(booking=world.gig, by=world.leader, person=world.max)
    day_sheet_update(booking=world.gig, by=world.owner, band_contact_name="", band_contact_email="", notes="Hi")
    assert DaySheet.objects.get(booking=world.gig).band_contact_person == world.max


def test_erasing_the_picked_contact_leaves_former_member_and_no_trace(client, world):
    day_sheet_band_contact_set(booking=world.gig, by=world.leader, person=world.max, phone="+49 170 555")
    day_sheet_update(booking=world.gig, by=world.owner, notes="Max brings the merch", venue_contact_name="Vera")
    before = DaySheet.objects.filter(booking=world.gig).values("notes", "venue_contact_name").get()
    now = timezone.now()
    closure = account_close(user=world.max, now=now)
    assert account_erase(closure_id=closure.pk, now=now + dt.timedelta(days=31))
    sheet = DaySheet.objects.get(booking=world.gig)
    assert sheet.band_contact_person_id == world.max.pk  # the tombstone
    assert sheet.band_contact_phone == ""
    assert DaySheet.objects.filter(booking=world.gig).values("notes", "venue_contact_name").get() == before
    html = page(client, world.owner, world.gig)
    assert "Former member" in html and "+49 170 555" not in html and "max.member@example.test" not in html


def test_the_migration_links_only_contacts_typed_with_a_members_exact_address(world):
    from importlib import import_module

    link_contacts = import_module("gigs.migrations.0013_day_sheet_contacts_by_reference").link_contacts
    mine = DaySheet.objects.create(
        booking=world.gig,
        band_contact_name="Max",
        band_contact_email="MAX.member@example.test",
        band_contact_phone="+49 1",
        venue_contact_name="Bea",
        venue_contact_email="bea@example.test",
    )
    others = DaySheet.objects.create(
        booking=world.request,
        band_contact_name="Max Member",  # his name, but no address: never searched for
        band_contact_email="someone@example.test",
        venue_contact_email="bea@example.test",  # not the client's own address
    )
    link_contacts(django_apps, SimpleNamespace(connection=connection))
    mine.refresh_from_db()
    others.refresh_from_db()
    assert (mine.band_contact_person, mine.band_contact_name, mine.band_contact_email, mine.band_contact_phone) == (
        world.max,
        "",
        "",
        "+49 1",
    )
    assert (mine.venue_contact_person, mine.venue_contact_email) == (world.barkeeper, "")
    assert (others.band_contact_person, others.band_contact_name, others.band_contact_email) == (
        None,
        "Max Member",
        "someone@example.test",
    )
    assert others.venue_contact_person is None and others.venue_contact_email == "bea@example.test"
