"""Issue 82's gaps in a band leader's archive, each as she would notice it: her sections (through her
membership), the part she plays at a gig, linked records named as she knows them (the gig's date, band and
venue; the tour's name), money headed as money, and what others were told of what she did – without who they
were or anyone else the words named."""

import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.people import person_ref
from bands.models import Membership, MembershipSection, Section
from bookings.tests.test_detail_views import make_world
from gigs.models import GigAnswer, Tour, TourFeed
from payments.models import LedgerEntry
from stageslot.privacy.erasure import entry_erase
from stageslot.privacy.export import archive_write, export_tables
from stageslot.privacy.person_data import ENTRIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader_world():
    world = make_world()
    leader, band = world.leader, world.band
    sax = Section.objects.create(band=band, name="Saxophones")
    MembershipSection.objects.create(membership=Membership.objects.get(user=leader, band=band), section=sax, usual=True)
    GigAnswer.objects.create(booking=world.application, member=leader, instrument="Alto sax", part=sax)
    LedgerEntry.objects.create(
        kind=LedgerEntry.Kind.MEMBER_SHARE, amount_minor=12345, currency="EUR", member=leader, band=band
    )
    tour = Tour.objects.create(band=band, name="Spring in the North", currency="EUR")
    TourFeed.objects.create(tour=tour, user=leader)
    # She gave a member a part: two members told, each text naming her and the member told.
    for person in (world.member, world.client):
        Notification.objects.create(
            recipient=person,
            actor=leader,
            kind="booking_booked",
            text=f"{person_ref(leader)} gave {person_ref(person)} the sax part at Kellerbar",
            dedupe_key=f"part-{person.pk}",
        )
    Notification.objects.create(recipient=leader, actor=leader, kind="booking_booked", text="Own", dedupe_key="own")
    return world


def _tables(user):
    return {t.key: t for t in export_tables(user=user, files={}, zone=ZoneInfo("Europe/Berlin"))}


def _column(table, name):
    i = [n for n, _h in table.columns].index(name)
    return [row[i].text for row in table.shown], [row[i] for row in table.csv], table.columns[i][1]


def test_her_sections_and_her_part_are_in_her_archive(leader_world):
    tables = _tables(leader_world.leader)
    shown, _sheet, _heading = _column(tables["members' sections"], "section")
    assert shown == ["Saxophones"]
    membership, _sheet, _heading = _column(tables["members' sections"], "membership")
    assert membership == ["The Night Shift, Leader"]
    parts, sheet, heading = _column(tables["answers"], "part")
    assert (parts, sheet, heading) == (["Saxophones"], ["Saxophones"], "Part")


def test_linked_records_read_as_she_knows_them(leader_world):
    tables = _tables(leader_world.leader)
    gigs, sheet, _heading = _column(tables["answers"], "booking")
    assert gigs == sheet and gigs[0].endswith("The Night Shift at Kellerbar")
    assert str(leader_world.application.uid) not in gigs[0]
    tours, _sheet, _heading = _column(tables["tour calendar addresses"], "tour")
    assert tours == ["Spring in the North"]


def test_the_ledger_is_headed_as_money_not_minor_units(leader_world):
    tables = _tables(leader_world.leader)
    amounts, sheet, heading = _column(tables["ledger entries"], "amount_minor")
    assert heading == "Amount" and "minor" not in heading
    assert "123.45" in amounts[0] and ("EUR" in amounts[0] or "€" in amounts[0])
    assert sheet == ["123.45"]


def test_what_others_were_told_of_what_she_did_names_none_of_them(leader_world):
    world = leader_world
    table = _tables(world.leader)["notifications you caused"]
    texts = [row[1].text for row in table.shown]
    assert "you gave another person the sax part at Kellerbar" in texts
    row = table.shown[texts.index("you gave another person the sax part at Kellerbar")]
    assert row[2].text == "2"
    everything = repr(table.shown) + repr(table.csv) + repr(table.rows)
    for other in (world.member, world.client):
        assert other.name not in everything and other.email not in everything
    assert "Own" not in everything  # her own notification is in her notifications, not here
    # The notifications stay the recipients': erasing her takes none of theirs.
    entry_erase(entry=ENTRIES["accounts.Notification"], user=world.leader)
    assert (
        Notification.objects.filter(actor=world.leader, kind="booking_booked").exclude(recipient=world.leader).count()
        == 2
    )


def test_the_readme_says_why(leader_world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive_write(archive=archive, user=leader_world.leader, now=timezone.now())
    readme = zipfile.ZipFile(buffer).read("README.txt").decode()
    assert "What others were told of what you did" in readme and "their data, not yours" in readme
