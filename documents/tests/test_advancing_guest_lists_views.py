"""The day sheet's owners, due dates and comments, and the guest list's pages: who may read and write each new
URL (the venue's owner, a group booker, the band's leader, a plain member, the band's agency, another venue,
another band, a stranger, anonymous), htmx and no-JS answers, bad input, the door's printed list and PDF, and
the pages' pinned query counts with few and many rows."""

import re
import subprocess
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from gigs.models import AdvanceComment, AdvanceItem, DaySheet, GuestEntry
from gigs.selectors.day_sheets import gig_date
from gigs.services.day_sheets import advance_comment_post
from gigs.services.guest_lists import guest_entry_add
from gigs.tests.factories import gig_world
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from teams.services import venue_link_answer
from teams.tests.factories import agency_for, group_for

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("documents_advancing_guest_lists")]

PEOPLE = ("owner", "booker", "leader", "member", "agent", "other_owner", "other_leader", "stranger", None)
READERS = {"owner", "booker", "leader", "member", "agent"}


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[SimpleNamespace]:
    with rows_for_the_module(django_db_blocker):
        world = gig_world("-glv")
        world.agent = agency_for(world.band, slug="glv-agency")[2]
        _group, _owner, world.booker, _viewer, link = group_for(world.venue, slug="glv-group")
        venue_link_answer(link=link, by=world.owner, accept=True)
        yield world


@pytest.fixture
def world(module_world) -> SimpleNamespace:
    return as_it_is_now(module_world)


def url(name: str, world, *args) -> str:
    return reverse(f"documents:{name}", args=[world.gig.uid, *args])


def as_user(client, world, who):
    client.logout()
    if who is not None:
        client.force_login(getattr(world, who))
    return client


def refused_as(response, who) -> int:
    """A stranger to the gig sees no such page; anonymous visitors are sent to sign in."""
    if who is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    return response.status_code


# ---- Who may read and write ----------------------------------------------------------------------


@pytest.mark.parametrize("who", PEOPLE)
def test_who_reads_the_guest_list_and_its_paper(client, world, who):
    guest_entry_add(booking=world.gig, by=world.leader, side="band", name="Ida Guest")
    as_user(client, world, who)
    for name in ("guest_list", "guest_list_print"):
        response = client.get(url(name, world))
        if who in READERS:
            assert response.status_code == 200 and "Ida Guest" in response.content.decode()
        else:
            assert refused_as(response, who) in (302, 404)


# Each door and who gets through it (2xx/3xx), who is refused with a reason (403), who sees nothing (404).
DOORS = {
    "guest_add_band": ({"leader", "agent"}, {"owner", "booker", "member"}),
    "guest_add_venue": ({"owner", "booker"}, {"leader", "agent", "member"}),
    "guest_caps": ({"owner", "booker"}, {"leader", "agent", "member"}),
    "guest_check_in": ({"owner", "booker"}, {"leader", "agent", "member"}),
    "guest_remove_band": ({"leader", "agent"}, {"owner", "booker", "member"}),
    "day_sheet_comment": ({"owner", "booker", "leader", "agent"}, {"member"}),
    "day_sheet_plan": ({"owner", "booker"}, {"leader", "agent", "member"}),
}


def door(world, name) -> tuple[str, dict]:
    if name == "guest_add_band":
        return url("guest_add", world), {"side": "band", "name": "Ida", "plus_ones": "1"}
    if name == "guest_add_venue":
        return url("guest_add", world), {"side": "venue", "name": "Vera", "plus_ones": "0"}
    if name == "guest_caps":
        return url("guest_caps", world), {"band_cap": "20", "venue_cap": ""}
    if name in ("guest_check_in", "guest_remove_band"):
        entry = GuestEntry.objects.create(booking=world.gig, side="band", name="Bo", added_by=world.leader)
        target = "guest_check_in" if name == "guest_check_in" else "guest_remove"
        return url(target, world, entry.pk), {"checked_in": "1"}
    if name == "day_sheet_comment":
        return url("day_sheet_comment", world), {"item": "backline", "text": "Own snare?"}
    return url("day_sheet_plan", world), {"item": "doors", "owner": "band", "due_on": str(gig_date(world.gig))}


def changed(world, name) -> bool:
    if name == "guest_add_band":
        return GuestEntry.objects.filter(name="Ida").exists()
    if name == "guest_add_venue":
        return GuestEntry.objects.filter(name="Vera").exists()
    if name == "guest_caps":
        return DaySheet.objects.filter(booking=world.gig, guest_cap_band=20).exists()
    if name == "guest_check_in":
        return GuestEntry.objects.filter(checked_in_at__isnull=False).exists()
    if name == "guest_remove_band":
        return not GuestEntry.objects.exists()
    if name == "day_sheet_comment":
        return AdvanceComment.objects.exists()
    return AdvanceItem.objects.filter(item="doors", owner="band").exists()


@pytest.mark.parametrize("name", DOORS)
def test_every_new_door_lets_in_its_side_only(client, world, name):
    allowed, refused = DOORS[name]
    for who in PEOPLE:
        address, data = door(world, name)
        status = as_user(client, world, who).post(address, data).status_code
        if who in allowed:
            assert status == 302 and changed(world, name), (name, who)
        elif who in refused:
            assert status == 403 and not changed(world, name), (name, who)
        else:
            assert refused_as(client.post(address, data), who) in (302, 404) and not changed(world, name), (name, who)
        GuestEntry.objects.all().delete()
        AdvanceComment.objects.all().delete()
        AdvanceItem.objects.all().delete()
        DaySheet.objects.all().delete()


# ---- Bad input: a clear message, nothing changed -------------------------------------------------


def test_bad_input_gets_a_message_and_changes_nothing(client, world):
    as_user(client, world, "owner")
    cases = [
        ("guest_add", {"side": "venue", "name": "", "plus_ones": "0"}, "Write the guest"),
        ("guest_add", {"side": "venue", "name": "x" * 500, "plus_ones": "0"}, "120 characters"),
        ("guest_add", {"side": "venue", "name": "Vera", "plus_ones": "10"}, "from 0 to 9 people"),
        ("guest_add", {"side": "venue", "name": "Vera", "plus_ones": "lots"}, "from 0 to 9 people"),
        ("guest_add", {"side": "crew", "name": "Vera", "plus_ones": "0"}, "band"),
        ("guest_caps", {"band_cap": "-1", "venue_cap": ""}, "from 0 to 999"),
        ("day_sheet_plan", {"item": "doors", "owner": "band", "due_on": "nonsense"}, "as a date"),
        ("day_sheet_plan", {"item": "doors", "owner": "band", "due_on": "2999-01-01"}, "plans at most three years"),
        ("day_sheet_plan", {"item": "doors", "owner": "band", "due_on": "2027-02-30"}, "as a date"),
        ("day_sheet_plan", {"item": "smoke_machine", "owner": "band", "due_on": "2026-01-01"}, "no such item"),
        ("day_sheet_comment", {"item": "backline", "text": ""}, "Write a comment"),
        ("day_sheet_comment", {"item": "backline", "text": "y" * 1001}, "1000 characters"),
        ("day_sheet_comment", {"item": "smoke_machine", "text": "Hi"}, "no such item"),
    ]
    for name, data, message in cases:
        for htmx in (False, True):
            headers = {"HX-Request": "true"} if htmx else {}
            response = client.post(url(name, world), data, headers=headers)
            assert response.status_code == 400, (name, data)
            assert message in response.content.decode(), (name, data, message)
    assert not GuestEntry.objects.exists() and not DaySheet.objects.exists()
    assert not AdvanceItem.objects.exists() and not AdvanceComment.objects.exists()
    # Over the band's cap through the page: a conflict with its reason.
    as_user(client, world, "leader")
    response = client.post(url("guest_add", world), {"side": "band", "name": "Big group", "plus_ones": "9"})
    assert response.status_code == 302
    response = client.post(url("guest_add", world), {"side": "band", "name": "One more", "plus_ones": "0"})
    assert response.status_code == 409 and "0 places left" in response.content.decode()
    assert list(GuestEntry.objects.values_list("name", flat=True)) == ["Big group"]


# ---- Comments: htmx swaps the item's list, without JS the page comes back -----------------------


def test_a_comment_by_htmx_swaps_the_items_comments_and_without_js_redirects_to_the_item(client, world):
    as_user(client, world, "leader")
    response = client.post(
        url("day_sheet_comment", world),
        {"item": "backline", "text": "We bring our own snare."},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div class="ds-comments" id="comments-backline">')
    assert "We bring our own snare." in html and "data-focus" in html and "<html" not in html
    response = client.post(url("day_sheet_comment", world), {"item": "backline", "text": "And sticks."})
    assert response.status_code == 302 and response["Location"].endswith("/day-sheet/#item-backline")
    page = as_user(client, world, "owner").get(url("day_sheet", world)).content.decode()
    assert page.index("We bring our own snare.") < page.index("And sticks.")
    assert "Band side: Files," in page and "late" in page  # who is late, read by the other side
    member_page = as_user(client, world, "member").get(url("day_sheet", world)).content.decode()
    assert "And sticks." in member_page and "Post comment" not in member_page


# ---- Paper ---------------------------------------------------------------------------------------


def test_the_door_list_is_by_name_with_boxes_and_totals_and_comes_as_a_pdf(client, world):
    guest_entry_add(booking=world.gig, by=world.leader, side="band", name="Zoe Zed", plus_ones=2)
    guest_entry_add(booking=world.gig, by=world.owner, side="venue", name="anna Ash")
    guest_entry_add(booking=world.gig, by=world.owner, side="venue", name="Mo Mid", plus_ones=1)
    html = as_user(client, world, "owner").get(url("guest_list_print", world)).content.decode()
    assert html.index("anna Ash") < html.index("Mo Mid") < html.index("Zoe Zed")
    assert html.count("☐") == 3 and "guest-list-print.css" in html
    assert "1 on the list, 3 people in all" in html and "2 on the list, 3 people in all" in html
    assert "6 people" in html
    response = client.get(url("guest_list_pdf", world))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(["/usr/bin/pdftotext", "-", "-"], input=response.content, capture_output=True, check=True)
    words = text.stdout.decode()
    assert words.index("anna Ash") < words.index("Mo Mid") < words.index("Zoe Zed")


# ---- Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 20])
def test_the_pages_read_a_fixed_number_of_queries(client, world, rows, django_assert_max_num_queries):
    for n in range(rows):
        item = ("backline", "doors", "files")[n % 3]
        advance_comment_post(booking=world.gig, item=item, by=(world.owner, world.leader)[n % 2], text=f"Note {n}")
        guest_entry_add(booking=world.gig, by=world.owner, side="venue", name=f"Guest {n}")
    as_user(client, world, "owner")
    # 10: one of them the contact's picker (who of the venue's side may be its contact, by account).
    with django_assert_max_num_queries(10):
        html = client.get(url("day_sheet", world)).content.decode()
    assert html.count('class="ds-comment"') == rows
    with django_assert_max_num_queries(6):
        html = client.get(url("guest_list", world)).content.decode()
    assert html.count('<tr id="guest-') == rows


def test_a_check_in_time_reads_on_the_24_hour_clock(client, world):
    entry = GuestEntry.objects.create(booking=world.gig, side="band", name="Bo", added_by=world.leader)
    GuestEntry.objects.filter(pk=entry.pk).update(checked_in_at=timezone.now().replace(hour=17, minute=32))
    for who in ("owner", "leader"):
        page = as_user(client, world, who).get(url("guest_list", world), headers={"Accept-Language": "en-GB"}).text
        assert re.search(r"✓ \d{2}:32", page), page
        assert "p.m." not in page and "a.m." not in page
