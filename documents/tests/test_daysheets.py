"""The day sheet's pages: who reads it, who writes it, the checklist's toggles, bad input, the PDF, the
paper card, the dashboard's link and the page's pinned query count."""

import datetime as dt
import subprocess
import zoneinfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from bookings.models import Booking, BookingFile
from bookings.services import answering, asking, ending
from bookings.tests.factories import band_with_leader, in_days
from documents.models import RenderedPdf
from gigs.models import AdvanceItem, DaySheet
from gigs.selectors.day_sheets import ITEMS
from gigs.services.day_sheets import advance_item_set, day_sheet_update
from gigs.tests.factories import gig_world, hosted_show
from venues.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return gig_world()


def pdf_pages(data: bytes) -> list[str]:
    """The PDF's text per page, as pdftotext (poppler-utils) reads it."""
    out = subprocess.run(["/usr/bin/pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return out.stdout.decode().rstrip("\f").split("\f")


def url(name: str, booking) -> str:
    return reverse(f"documents:{name}", args=[booking.uid])


def as_user(client, user):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    return client


READERS = ("owner", "leader", "member", "staff")
OUTSIDERS = ("other_leader", "other_owner", "client", "other_client", "stranger")


# ---- Who may read it -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["day_sheet", "day_sheet_pdf"])
@pytest.mark.parametrize(("who", "expected"), [*((w, 200) for w in READERS), *((w, 404) for w in OUTSIDERS)])
def test_the_sheet_is_for_the_gigs_parties_and_staff(client, world, name, who, expected):
    response = as_user(client, getattr(world, who)).get(url(name, world.gig))
    assert response.status_code == expected


@pytest.mark.parametrize("name", ["day_sheet", "day_sheet_pdf"])
def test_anonymous_visitors_are_asked_to_log_in(client, world, name):
    response = client.get(url(name, world.gig))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("who", "expected"), [("client", 200), ("leader", 200), ("owner", 404), ("other_client", 404)])
def test_a_private_events_sheet_is_the_clients_and_the_bands(client, world, who, expected):
    assert as_user(client, getattr(world, who)).get(url("day_sheet", world.request)).status_code == expected


def test_a_pending_or_cancelled_gig_has_no_day_sheet(client, world):
    as_user(client, world.owner)
    assert client.get(url("day_sheet", world.pending)).status_code == 404
    ending.booking_cancel(booking=world.gig, by=world.owner, reason="The roof leaks.")
    assert client.get(url("day_sheet", world.gig)).status_code == 404
    assert client.get(url("day_sheet_pdf", world.gig)).status_code == 404


def test_an_unknown_booking_is_a_404(client, world):
    as_user(client, world.owner)
    assert client.get("/documents/bookings/00000000-0000-0000-0000-000000000000/day-sheet/").status_code == 404


# ---- What it shows -------------------------------------------------------------------------------


def test_the_band_sees_what_is_still_open_and_who_confirmed_the_rest(client, world):
    advance_item_set(booking=world.gig, item="doors", by=world.owner, advanced=True)
    day_sheet_update(booking=world.gig, by=world.owner, parking="Loading bay behind the bar", venue_contact_name="Vera")
    html = as_user(client, world.member).get(url("day_sheet", world.gig)).content.decode()
    assert "12 of 13 items still open" in html
    assert f"Confirmed by {world.owner.name}" in html
    assert "Loading bay behind the bar" in html and "Vera" in html
    assert "Kellerbar" in html and "https://www.openstreetmap.org/" in html
    assert "Europe/Berlin" in html
    # Members read; nothing to press.
    assert "Mark advanced" not in html and "Save the day sheet" not in html


def test_the_venue_sees_the_toggles_and_the_form(client, world):
    html = as_user(client, world.owner).get(url("day_sheet", world.gig)).content.decode()
    assert html.count('id="advance-') == len(ITEMS)
    assert "Save the day sheet" in html
    assert "13 of 13 items still open" in html


def test_the_running_order_and_the_files_are_on_the_sheet(client, world):
    support, support_leader = band_with_leader(name="Static Bloom", slug="static-bloom")
    act = asking.booking_apply(slot=world.slot, band=support, by=support_leader, role="support", fee=100, message="")
    answering.booking_accept(booking=act, by=world.owner)
    BookingFile.objects.create(
        booking=world.gig,
        title="Rider 2027",
        original_name="rider.pdf",
        file=ContentFile(b"%PDF-1.4", name="rider.pdf"),
        content_type="application/pdf",
        size=8,
        side="band",
        uploaded_by=world.leader,
    )
    html = as_user(client, world.owner).get(url("day_sheet", world.gig)).content.decode()
    assert "Static Bloom" in html and "The Night Shift" in html
    assert "Rider 2027" in html
    row = BookingFile.objects.get()
    assert reverse("bookings:file_download", args=[world.gig.uid, row.pk]) in html


def test_the_page_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for item in ITEMS[:6]:
        advance_item_set(booking=world.gig, item=item.value, by=world.owner, advanced=True)
    day_sheet_update(booking=world.gig, by=world.owner, parking="Yard")
    Slot.objects.filter(pk=world.slot.pk).update(support_places=3)
    world.slot.refresh_from_db()
    for n in range(3):  # three more acts on the bill: the page reads no more
        band, leader = band_with_leader(name=f"Act {n}", slug=f"act-{n}")
        act = asking.booking_apply(slot=world.slot, band=band, by=leader, role="support", fee=100, message="")
        answering.booking_accept(booking=act, by=world.owner)
    as_user(client, world.owner)
    with django_assert_max_num_queries(11):
        assert client.get(url("day_sheet", world.gig)).status_code == 200
    as_user(client, world.member)
    with django_assert_max_num_queries(11):
        assert client.get(url("day_sheet", world.gig)).status_code == 200


# ---- Advancing -----------------------------------------------------------------------------------


def test_the_venue_marks_an_item_advanced_and_reopens_it(client, world):
    as_user(client, world.owner)
    response = client.post(url("day_sheet_advance", world.gig), {"item": "load_in", "advanced": "1"})
    assert response.status_code == 302 and response["Location"] == url("day_sheet", world.gig)
    mark = AdvanceItem.objects.get()
    assert (mark.item, mark.advanced_by, mark.is_advanced) == ("load_in", world.owner, True)
    response = client.post(url("day_sheet_advance", world.gig), {"item": "load_in", "advanced": "0"})
    mark.refresh_from_db()
    assert response.status_code == 302 and not mark.is_advanced


def test_an_htmx_toggle_answers_with_the_checklist_and_keeps_the_buttons_id(client, world):
    as_user(client, world.owner)
    response = client.post(
        url("day_sheet_advance", world.gig), {"item": "parking", "advanced": "1"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ds-checklist"')
    assert "12 of 13 items still open" in html and "Parking: advanced." in html
    assert 'id="advance-parking"' in html and "Reopen" in html
    assert "<html" not in html


@pytest.mark.parametrize("who", ["member", "leader"])
def test_the_band_cannot_advance_and_nothing_changes(client, world, who):
    response = as_user(client, getattr(world, who)).post(
        url("day_sheet_advance", world.gig), {"item": "doors", "advanced": "1"}
    )
    assert response.status_code == 403
    assert "Only the side that runs the day" in response.content.decode()
    assert not AdvanceItem.objects.exists()


@pytest.mark.parametrize("who", ["other_owner", "other_leader", "client", "stranger"])
def test_outsiders_cannot_advance(client, world, who):
    response = as_user(client, getattr(world, who)).post(
        url("day_sheet_advance", world.gig), {"item": "doors", "advanced": "1"}
    )
    assert response.status_code == 404
    assert not AdvanceItem.objects.exists()


def test_anonymous_posts_go_to_the_login(client, world):
    for name in ("day_sheet_advance", "day_sheet_edit"):
        response = client.post(url(name, world.gig), {"item": "doors", "advanced": "1"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not AdvanceItem.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"item": "fireworks", "advanced": "1"}, "The checklist has no such item."),
        ({"item": "doors", "advanced": "maybe"}, "Say whether the item is advanced or open."),
        ({"advanced": "1"}, "Say which item."),
        ({"item": "doors", "advanced": "1", "note": "x" * 301}, "300"),
    ],
)
def test_bad_toggles_are_told_and_change_nothing(client, world, data, message):
    response = as_user(client, world.owner).post(url("day_sheet_advance", world.gig), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AdvanceItem.objects.exists()


def test_a_toggle_on_a_gig_that_is_over_is_refused(client, world):
    Booking.objects.filter(pk=world.gig.pk).update(
        starts_at=in_days(-2), ends_at=in_days(-2, 23), status=Booking.Status.COMPLETED
    )
    as_user(client, world.owner)
    html = client.get(url("day_sheet", world.gig)).content.decode()
    assert "This gig is over" in html and "Mark advanced" not in html
    response = client.post(url("day_sheet_advance", world.gig), {"item": "doors", "advanced": "1"})
    assert response.status_code == 400 and not AdvanceItem.objects.exists()


def test_reading_urls_refuse_posts_and_writing_urls_refuse_gets(client, world):
    as_user(client, world.owner)
    assert client.post(url("day_sheet", world.gig)).status_code == 405
    assert client.get(url("day_sheet_advance", world.gig)).status_code == 405
    assert client.get(url("day_sheet_edit", world.gig)).status_code == 405


# ---- Writing the details -------------------------------------------------------------------------


DETAILS = {
    "load_in": "17:00",
    "soundcheck": "18:00",
    "doors": "20:00",
    "curfew": "01:00",
    "venue_contact_name": "Vera Venue",
    "venue_contact_phone": "+49 30 1234567",
    "venue_contact_email": "vera@kellerbar.example",
    "band_contact_name": "Jo",
    "parking": "Loading bay",
    "hospitality": "Dinner at 18:30",
}


def test_the_venue_writes_the_details_in_the_gigs_zone(client, world):
    response = as_user(client, world.owner).post(url("day_sheet_edit", world.gig), DETAILS)
    assert response.status_code == 302
    sheet = DaySheet.objects.get()
    assert sheet.venue_contact_name == "Vera Venue" and sheet.parking == "Loading bay"
    # 17:00 in Berlin on the gig's day, kept in UTC; the curfew after midnight lands on the next day.
    local_load_in = sheet.load_in_at.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    assert local_load_in.strftime("%H:%M") == "17:00"
    local_curfew = sheet.curfew_at.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    gig_day = world.gig.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).date()
    assert local_curfew.strftime("%H:%M") == "01:00" and local_curfew.date() == gig_day + dt.timedelta(days=1)
    assert sheet.curfew_at >= world.gig.ends_at
    html = client.get(url("day_sheet", world.gig)).content.decode()
    assert "17:00" in html and "tel:+49301234567" in html


def test_an_htmx_save_answers_with_the_sheet(client, world):
    response = as_user(client, world.owner).post(
        url("day_sheet_edit", world.gig), DETAILS, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="day-sheet"')
    assert "The day sheet is saved" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("doors", "23:30", "The doors open before the set starts."),
        ("soundcheck", "16:00", "The soundcheck comes after the load-in."),
        ("curfew", "21:00", "The curfew comes after the set ends."),
        ("load_in", "25:00", "Enter a valid time."),
        ("venue_contact_email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_bad_details_are_told_next_to_the_field_and_nothing_changes(client, world, field, value, message):
    day_sheet_update(booking=world.gig, by=world.owner, parking="Yard")
    response = as_user(client, world.owner).post(url("day_sheet_edit", world.gig), {**DETAILS, field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and f'id="ds_{field}_error"' in html
    sheet = DaySheet.objects.get()
    assert sheet.parking == "Yard" and sheet.load_in_at is None


@pytest.mark.parametrize(("who", "expected"), [("member", 403), ("leader", 403), ("other_owner", 404)])
def test_only_the_side_running_the_day_writes_it(client, world, who, expected):
    response = as_user(client, getattr(world, who)).post(url("day_sheet_edit", world.gig), DETAILS)
    assert response.status_code == expected
    assert not DaySheet.objects.exists()


def test_the_host_band_writes_its_shows_sheet_and_the_venueless_page_reads(client, world):
    _slot, own = hosted_show(world.other_band, world.other_leader)
    response = as_user(client, world.other_leader).post(url("day_sheet_edit", own), {"parking": "Street"})
    assert response.status_code == 302
    html = client.get(url("day_sheet", own)).content.decode()
    assert "Anna&#x27;s garden" in html and "Street" in html and "Mark advanced" in html


# ---- The PDF, the paper card, the dashboard ------------------------------------------------------


def test_the_pdf_holds_the_sheet_and_is_kept_by_content(client, world):
    day_sheet_update(booking=world.gig, by=world.owner, parking="Loading bay behind the bar")
    advance_item_set(booking=world.gig, item="parking", by=world.owner, advanced=True)
    as_user(client, world.member)
    response = client.get(url("day_sheet_pdf", world.gig))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    again = client.get(url("day_sheet_pdf", world.gig))
    assert again.content == response.content and RenderedPdf.objects.count() == 1
    pages = pdf_pages(response.content)
    assert len(pages) in (1, 2)  # one or two A4 pages
    text = "\n".join(pages)
    assert "The Night Shift" in text and "Loading bay behind the bar" in text
    assert "12 of 13 items still open" in text


def test_the_paper_card_links_the_sheet_with_its_open_count(client, world):
    advance_item_set(booking=world.gig, item="doors", by=world.owner, advanced=True)
    html = as_user(client, world.member).get(reverse("documents:booking_paper", args=[world.gig.uid])).content.decode()
    assert url("day_sheet", world.gig) in html and "12 of 13 items still open" in html
    # A pending booking has no day sheet on its card.
    response = client.get(reverse("documents:booking_paper", args=[world.pending.uid]))
    assert url("day_sheet", world.pending).encode() not in response.content


def test_a_members_dashboard_links_each_booked_gig_to_its_sheet(client, world):
    html = as_user(client, world.member).get(reverse("dashboard")).content.decode()
    assert url("day_sheet", world.gig) in html
    assert url("day_sheet", world.pending) not in html


# ---- The band's own contact --------------------------------------------------------------------------


CONTACT = {
    "band_contact_name": "Nina Night",
    "band_contact_phone": "+49 170 1234567",
    "band_contact_email": "nina@x.test",
}


def test_the_bands_leader_writes_the_bands_contact_and_the_venue_reads_it(client, world):
    page = as_user(client, world.leader).get(url("day_sheet", world.gig)).content.decode()
    assert 'id="ds-band-save"' in page and 'id="ds-save"' not in page
    response = client.post(url("day_sheet_band_contact", world.gig), CONTACT)
    assert response.status_code == 302
    sheet = DaySheet.objects.get(booking=world.gig)
    assert (sheet.band_contact_name, sheet.band_contact_email) == ("Nina Night", "nina@x.test")
    assert sheet.updated_by == world.leader
    assert "+49 170 1234567" in as_user(client, world.owner).get(url("day_sheet", world.gig)).content.decode()


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("owner", 403), ("other_leader", 404), (None, 302)])
def test_nobody_else_writes_the_bands_contact(client, world, who, status):
    user = getattr(world, who) if who else None
    response = as_user(client, user).post(url("day_sheet_band_contact", world.gig), CONTACT)
    assert response.status_code == status
    assert not DaySheet.objects.exists()


def test_a_bad_email_is_told_by_its_field_and_nothing_is_saved(client, world):
    response = as_user(client, world.leader).post(
        url("day_sheet_band_contact", world.gig), {**CONTACT, "band_contact_email": "not an email"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not DaySheet.objects.exists()
