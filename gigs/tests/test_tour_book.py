"""A tour's money read from the bookings' terms (guarantees, door deals, settlements as they come in) and its
printed tour book (decision 0113): the itinerary and the contacts for the touring party, the money only for
those allowed, the same people as the itinerary."""

import datetime as dt
import shutil
import subprocess

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from bookings.models import Booking, Quote
from documents.selectors.exports import tour_money_export
from payments.models import Settlement

from ..models import DaySheet
from ..selectors.tours import tour_book, tour_money
from ..services import tours
from .factories import tour_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = tour_world()
    w.tour = tours.tour_create(band=w.band, by=w.leader, name="Spring run", bookings=w.gigs)
    tours.tour_traveller_add(tour=w.tour, by=w.leader, user=w.crew, role="driver")
    return w


def agree(booking: Booking, deal: str, *, fee_minor: int | None, door_percent: int | None, currency="EUR") -> Quote:
    quote = Quote.objects.create(
        booking=booking, version=1, side="venue", status=Quote.Status.ACCEPTED, deal=deal, fee_minor=fee_minor,
        currency=currency, door_percent=door_percent, expires_at=timezone.now() + dt.timedelta(days=7),
    )  # fmt: skip
    Booking.objects.filter(pk=booking.pk).update(agreed_quote=quote, currency=currency)
    return quote


def settle(booking: Booking, deal: str, *, band_amount_minor: int, approved: bool, percent: int = 70) -> Settlement:
    now = timezone.now()
    return Settlement.objects.create(
        booking=booking, tickets_sold=100, gross_minor=200000, net_minor=180000, band_amount_minor=band_amount_minor,
        currency="EUR", deal=deal, door_percent=percent, entered_at=now,
        status=Settlement.Status.APPROVED if approved else Settlement.Status.DRAFT,
        payer_approved_at=now if approved else None, band_approved_at=now if approved else None,
        approved_at=now if approved else None,
    )  # fmt: skip


def test_guarantees_door_deals_and_settlements_make_the_result(world):
    flat, door, versus, pending = world.gigs
    agree(flat, Quote.Deal.FLAT, fee_minor=40000, door_percent=None)
    agree(door, Quote.Deal.DOOR, fee_minor=None, door_percent=70)
    agree(versus, Quote.Deal.VERSUS, fee_minor=30000, door_percent=80)
    agree(pending, Quote.Deal.DOOR, fee_minor=None, door_percent=60)
    settle(door, "door", band_amount_minor=126000, approved=True)
    settle(versus, "versus", band_amount_minor=144000, approved=True, percent=80)
    settle(pending, "door", band_amount_minor=50000, approved=False, percent=60)  # entered, not approved yet
    tours.tour_cost_add(tour=world.tour, by=world.leader, kind="fuel", planned_minor=10000, actual_minor=12000,
                        booking_id=door.pk)  # fmt: skip
    tours.tour_cost_add(tour=world.tour, by=world.leader, kind="crew_fees", planned_minor=20000)
    money = tour_money(tour=world.tour)
    rows = {r.booking.pk if r.booking else None: r for r in money.rows}
    assert (rows[flat.pk].income_planned_minor, rows[flat.pk].income_actual_minor) == (40000, 40000)
    # A door split alone promises nothing sure; its approved settlement is what it earned.
    assert (rows[door.pk].income_planned_minor, rows[door.pk].income_actual_minor) == (0, 126000)
    assert rows[door.pk].result_actual_minor == 126000 - 12000
    # Versus: the guarantee is planned, the settlement's amount earned.
    assert (rows[versus.pk].income_planned_minor, rows[versus.pk].income_actual_minor) == (30000, 144000)
    # A settlement waiting for approval is shown, not counted.
    assert rows[pending.pk].settlement_status == "draft" and rows[pending.pk].income_actual_minor == 0
    assert money.waiting == 1
    assert money.income_actual_minor == 40000 + 126000 + 144000
    assert money.result_actual_minor == 310000 - 12000 - 20000
    assert money.result_planned_minor == 70000 - 10000 - 20000
    # The CSV says the same, row by row.
    export = tour_money_export(tour=world.tour)
    lines = list(export.rows)
    assert "Door split (%)" in export.header and "Income actual" in export.header
    door_row = lines[1]
    assert door_row[3] == "Door split" and door_row[5] == 70 and door_row[12] == "1260.00"
    assert lines[-1][0] == "Tour" and lines[-1][12] == "3100.00" and lines[-1][16] == "2780.00"


def test_a_fee_in_another_currency_is_flagged_not_summed(world):
    agree(world.gigs[0], Quote.Deal.FLAT, fee_minor=50000, door_percent=None, currency="GBP")
    money = tour_money(tour=world.tour)
    row = money.rows[0]
    assert row.other_currency and row.income_planned_minor == 0
    assert money.income_planned_minor == 50000 + 60000 + 70000


def test_the_money_page_shows_deals_and_settlements_to_those_allowed(client, world):
    agree(world.gigs[1], Quote.Deal.DOOR, fee_minor=None, door_percent=70)
    client.force_login(world.leader)
    page = client.get(reverse("gigs:tour_money", args=[world.tour.pk])).content.decode()
    assert "Door split 70 %" in page and "not settled yet" in page and "1 door deal is not settled yet." in page
    with translation.override("de"):
        page = client.get(reverse("gigs:tour_money", args=[world.tour.pk]), HTTP_ACCEPT_LANGUAGE="de").content
    assert b"Einnahmen geplant" in page


def test_the_money_page_reads_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    for n, gig in enumerate(world.gigs):
        agree(gig, Quote.Deal.VERSUS, fee_minor=10000 * (n + 1), door_percent=60)
    client.force_login(world.leader)
    url = reverse("gigs:tour_money", args=[world.tour.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_the_tour_book_holds_the_money_only_for_those_who_may_see_it(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert tour_book(tour=world.tour, money=False).money is None
    book = tour_book(tour=world.tour, money=True)
    assert book.money is not None and book.first_day == world.first
    assert [t.user for t in book.travellers] == [world.crew]


def pdf_text(data: bytes) -> str:
    return subprocess.run(["/usr/bin/pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_the_printed_tour_book_reads_the_itinerary_and_the_contacts(client, world):
    gig = world.gigs[0]
    DaySheet.objects.create(
        booking=gig, venue_contact_name="Vera Venue", venue_contact_phone="+49 30 1112223",
        load_in_at=gig.starts_at - dt.timedelta(hours=3),
    )  # fmt: skip
    tours.tour_stay_save(
        tour=world.tour, by=world.leader, night=world.first, nights=2, check_in=dt.time(15), check_out=dt.time(11),
        name="Hotel Nordlicht", address="Steindamm 40", confirmation="NO-123", rooms="12: Lea, Max",
    )  # fmt: skip
    tours.tour_cost_add(tour=world.tour, by=world.leader, kind="fuel", planned_minor=12345)
    url = reverse("documents:tour_book_pdf", args=[world.tour.pk])
    client.force_login(world.crew)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for words in ("Spring run", "Dana Driver", "Vera Venue", "+49 30 1112223", "Hotel Nordlicht", "NO-123",
                  "12: Lea, Max", "Show day", "Load-in", "Europe/Berlin"):  # fmt: skip
        assert words.casefold() in text.casefold(), words
    assert "Money" not in text and "123.45" not in text
    # The leader's book has the money: the same template, read as HTML (one WeasyPrint render a test).
    book = tour_book(tour=world.tour, money=True)
    html = render_to_string("documents/pdf/tour_book.html", {"tour": world.tour, "book": book, "made_on": world.first})
    assert "Money (in EUR)" in html and "123.45" in html


def test_the_tour_page_links_the_tour_book(client, world):
    client.force_login(world.member)
    page = client.get(reverse("gigs:tour", args=[world.tour.pk])).content.decode()
    assert reverse("documents:tour_book_pdf", args=[world.tour.pk]) in page


def test_the_itinerarys_days_read_times_in_their_own_zone(client, world, settings):
    tours.tour_stay_save(
        tour=world.tour, by=world.leader, night=world.first, nights=1, check_in=dt.time(15), check_out=dt.time(11),
        name="Hotel <Nordlicht>", rooms="12: Lea\n14: Max",
    )  # fmt: skip
    world.member.time_zone = "America/New_York"
    world.member.save(update_fields=["time_zone"])
    client.force_login(world.member)
    page = client.get(reverse("gigs:tour", args=[world.tour.pk])).content.decode()
    assert f'id="day-{world.first.isoformat()}"' in page
    assert "<dd>20:00</dd>" in page and "Local time (Europe/Berlin)" in page  # the show's zone, not the reader's
    assert ", 15:00" in page and ", 11:00" in page and "(Europe/Berlin)" in page
    assert "Hotel &lt;Nordlicht&gt;" in page and "12: Lea<br>14: Max" in page
