"""A door deal's settlement on paper: the settlement sheet (DRAFT until both sides approved it), the band's
invoice for what the settlement owes beyond what was paid (issued once), and a venue's offer letter; who
may read each."""

import datetime as dt
from dataclasses import replace

import pytest
from django.urls import reverse

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bookings.errors import BookingConflict, BookingError
from bookings.services import asking, quotes
from bookings.tests.factories import SlotFactory, in_days
from bookings.tests.test_detail_views import make_world
from documents.models import Invoice
from documents.services.invoices import paper_catch_up, paper_round, settlement_invoice_issue
from documents.tests.test_daysheets import pdf_pages
from payments.models import Settlement
from payments.services import payments as pay
from payments.services import settlement as settle
from payments.tests.test_settlement import VERSUS, agreed, fresh, played
from payments.tests.test_settlement_items import TERMS
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from teams.services import venue_link_answer
from teams.tests.factories import agency_for, group_for

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("settlement_paper")]


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        world = make_world("-paper")
        world.booking = played(agreed(world, TERMS))
        _agency, _agency_owner, world.agent, _viewer = agency_for(world.band)
        _group, _group_owner, world.group_booker, _viewer, link = group_for(world.venue)
        venue_link_answer(link=link, by=world.owner, accept=True)
        world.stranger = UserFactory(display_name="Sam Stranger")
        # A venue's offer to the band, with terms naming costs and bonus tiers.
        slot = SlotFactory(
            venue=world.venue, starts_at=in_days(20, 21), ends_at=in_days(20, 21) + dt.timedelta(hours=2)
        )
        world.offer = asking.booking_offer(slot=slot, band=world.band, by=world.owner, role="headliner", fee=400)
        offer_terms = replace(TERMS, deal="versus", fee_minor=40000, ticket_price_minor=1200, set_minutes=75)
        quotes.quote_propose(booking=world.offer, by=world.owner, terms=offer_terms)
        yield world


@pytest.fixture
def world(module_world):
    world = as_it_is_now(module_world)
    world.booking = fresh(world.booking)
    return world


def settled(world, *, approve: bool = True):
    """Gross 1,000.00, costs 150.00 (agreed) + 50.00 (added at settlement), 70 %, 200 tickets (bonus +100.00),
    500.00 of merch at 20 % to the venue: the band's amount 660.00, to pay 560.00."""
    booking = world.booking
    settle.settlement_enter(
        booking=booking,
        by=world.owner,
        tickets_sold=200,
        gross_minor=100000,
        merch_gross_minor=50000,
        merch_venue_percent=20,
    )
    settle.settlement_cost_add(booking=booking, by=world.owner, kind="security", label="Door staff", amount_minor=5000)
    s = Settlement.objects.get(booking=booking)
    if approve:
        s = settle.settlement_approve(booking=booking, by=world.leader, version=s.version, accept_unagreed=True)
    return s


def url(name: str, booking) -> str:
    return reverse(f"documents:{name}", args=[booking.uid])


def test_the_settlement_sheet_lists_every_item_and_is_a_draft_until_both_approved(client, world):
    booking = world.booking
    client.force_login(world.owner)
    assert client.get(url("settlement_pdf", booking)).status_code == 404  # nothing entered yet
    settled(world, approve=False)
    response = client.get(url("settlement_pdf", booking))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    draft = " ".join(" ".join(pdf_pages(response.content)).split())
    assert "DRAFT" in draft and "not approved yet" in draft
    assert (
        reverse("documents:settlement_pdf", args=[booking.uid])
        in client.get(reverse("payments:settlement", args=[booking.uid])).content.decode()
    )

    s = settle.settlement_approve(
        booking=booking, by=world.leader, version=Settlement.objects.get().version, accept_unagreed=True
    )
    client.force_login(world.leader)
    text = " ".join(" ".join(pdf_pages(client.get(url("settlement_pdf", booking)).content)).split())
    assert "DRAFT" not in text and "Approved by both sides" in text
    for words in (
        "Tickets sold",
        "Takings at the door 1,000 EUR",
        "Sound – PA and engineer in the agreed terms 150 EUR",
        f"Security – Door staff added at settlement by {world.owner.name}",
        "not in the agreed terms 50 EUR",
        "200 (reached) in the agreed terms 100 EUR",
        "Less costs 200 EUR",
        "Net 800 EUR",
        "70 % of the net 560 EUR",
        "Bonus reached (the tier at 200 tickets) 100 EUR",
        "The band's amount 660 EUR",
        "The venue's merchandise cut (20 % of 500 EUR sold), owed by the band",
        "To pay the band − 100 EUR 560 EUR",
        f"For the door: approved by {world.owner.name}",
        f"For the band: approved by {world.leader.name}",
        "accepting what differs from the agreed terms",
        f"What differs from the agreed terms • Cost added at settlement by {world.owner.name}: Security: Door staff "
        "50 EUR • The venue's merchandise cut of 20 %: the agreed terms name none",
        f"Settlement version {s.version}",  # the settlement's own version, not the terms'
    ):
        assert words in text, text
    assert s.band_approved_at is not None


def test_the_extra_is_invoiced_once(world):
    booking = world.booking
    s = settled(world)
    issued = paper_catch_up(booking=booking)
    extra = [i for i in issued if i.settlement_id == s.pk]
    assert len(extra) == 1
    invoice = extra[0]
    # A door split alone has no fee invoice before: the whole 560.00 to pay is beyond what was paid.
    assert (invoice.kind, invoice.total_minor, invoice.currency, invoice.band_id) == (
        "invoice",
        56000,
        "EUR",
        booking.band_id,
    )
    assert invoice.content["lines"][0]["what"] == "settlement"
    # The approval sent again, the catch-up and the round again: still one.
    with pytest.raises(BookingConflict, match="approved by both sides already"):
        settle.settlement_approve(booking=booking, by=world.leader, version=s.version, accept_unagreed=True)
    assert paper_catch_up(booking=booking) == []
    assert settlement_invoice_issue(booking=booking) == invoice
    paper_round()
    assert Invoice.objects.filter(settlement=s).count() == 1


def test_nothing_beyond_what_was_paid_is_not_invoiced(world):
    booking = world.booking
    settle.settlement_enter(
        booking=booking,
        by=world.owner,
        tickets_sold=10,
        gross_minor=10000,
        merch_gross_minor=100000,
        merch_venue_percent=50,
    )
    s = Settlement.objects.get()
    # The terms name no merchandise cut: the band approves the venue's 50 % only by accepting it.
    with pytest.raises(BookingError, match="merchandise cut of 50 %"):
        settle.settlement_approve(booking=booking, by=world.leader, version=s.version)
    s = settle.settlement_approve(booking=booking, by=world.leader, version=s.version, accept_unagreed=True)
    # 70 % of (100.00 − 150.00 → 0) + no bonus = 0; the venue's cut 500.00 is owed by the band.
    assert (s.band_amount_minor, s.payable_minor, s.band_owes_minor) == (0, 0, 50000)
    assert settlement_invoice_issue(booking=booking) is None
    paper_round()
    assert not Invoice.objects.filter(settlement=s).exists()


PEOPLE = ["owner", "group_booker", "leader", "agent", "member", "other_owner", "other_leader", "stranger", None]


def test_who_may_read_the_sheet_and_the_offer_letter(client, world, django_assert_max_num_queries):
    settled(world, approve=False)
    got = {}
    for who in PEOPLE:
        client.logout()
        if who is not None:
            client.force_login(getattr(world, who))
        page = client.get(reverse("payments:settlement", args=[world.booking.uid])).status_code
        sheet = client.get(url("settlement_pdf", world.booking)).status_code
        letter = client.get(url("offer_letter_pdf", world.offer)).status_code
        not_an_offer = client.get(url("offer_letter_pdf", world.booking)).status_code
        got[who] = (page, sheet, letter, not_an_offer)
    # The sheet: whoever reads the settlement's page, nobody else. The letter: whoever takes part in the offer.
    assert got == {
        "owner": (200, 200, 200, 404),
        "group_booker": (200, 200, 200, 404),
        "leader": (200, 200, 200, 404),
        "agent": (200, 200, 200, 404),
        "member": (404, 404, 200, 404),
        "other_owner": (404, 404, 404, 404),
        "other_leader": (404, 404, 404, 404),
        "stranger": (404, 404, 404, 404),
        None: (302, 302, 302, 302),
    }
    # StageSlot staff who are no side of the gig read neither (they have the admin).
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("payments:settlement", args=[world.booking.uid])).status_code == 404
    assert client.get(url("settlement_pdf", world.booking)).status_code == 404
    client.force_login(world.leader)
    client.get(url("settlement_pdf", world.booking))  # rendered once, kept
    with django_assert_max_num_queries(14) as first:
        client.get(url("settlement_pdf", world.booking))
    count = len(first.captured_queries)
    for n in range(3):
        settle.settlement_cost_add(booking=world.booking, by=world.owner, kind="other", label=f"x{n}", amount_minor=1)
    client.get(url("settlement_pdf", world.booking))  # the new content, rendered once and kept
    with django_assert_max_num_queries(count):
        assert client.get(url("settlement_pdf", world.booking)).status_code == 200


def test_the_offer_letter_puts_the_terms_on_one_page(client, world, django_assert_max_num_queries):
    offer = world.offer
    client.force_login(world.leader)
    detail = client.get(reverse("bookings:detail", args=[offer.uid])).content.decode()
    assert url("offer_letter_pdf", offer) in detail
    client.get(url("offer_letter_pdf", offer))  # rendered once, kept
    # session, user; the offer and the viewer's standing; its terms; the kept PDF
    with django_assert_max_num_queries(7):
        response = client.get(url("offer_letter_pdf", offer))
    pages = pdf_pages(response.content)
    assert len(pages) == 1
    text = " ".join(pages[0].split())
    for words in (
        f"{world.venue.name} offers {world.band.name} a slot",
        "400 EUR versus 70 % of the door",
        "Ticket price 12 EUR",
        "75 minutes",
        "Sound – PA and engineer 150 EUR",
        "At 100 tickets sold + 50 EUR",
        "At 200 tickets sold + 100 EUR",
        "This offer stands until",
        "(Europe/Berlin)",
    ):
        assert words in text, words
    # The band's email of the offer links the letter.
    note = Notification.objects.get(recipient=world.leader, kind="booking_created", link__contains=str(offer.uid))
    assert {"label": "The offer letter (PDF)", "path": url("offer_letter_pdf", offer)} in note.data["actions"]


def test_the_offer_letter_of_an_offer_without_terms_names_its_fee(client, world):
    slot = SlotFactory(venue=world.venue, starts_at=in_days(40, 20), ends_at=in_days(40, 23))
    offer = asking.booking_offer(slot=slot, band=world.other_band, by=world.owner, role="headliner", fee=300)
    client.force_login(world.other_leader)
    text = " ".join(" ".join(pdf_pages(client.get(url("offer_letter_pdf", offer)).content)).split())
    assert "a fee of 300 EUR" in text and world.other_band.name in text


def test_a_versus_deal_is_invoiced_for_what_the_settlement_owes_beyond_what_was_billed_or_paid():
    other = make_world("-versus")
    booking = agreed(other, replace(VERSUS, door_costs=(("security", "", 25000),)))
    pay.payment_record_outside(booking=booking, by=other.owner, amount_minor=25000, reference="DEP-1")
    booking = played(booking)
    s = settle.settlement_enter(booking=booking, by=other.owner, tickets_sold=150)
    s = settle.settlement_approve(booking=booking, by=other.leader, version=s.version)
    assert s.band_amount_minor == 120000  # 60 % of (2,250.00 − 250.00), above the 500.00 guarantee
    paper_catch_up(booking=booking)
    fee = Invoice.objects.get(booking=booking, kind="invoice", settlement__isnull=True)
    extra = Invoice.objects.get(booking=booking, kind="invoice", settlement=s)
    # The guarantee's invoice stays and bills 500.00 (250.00 of it paid): the settlement's bills the rest,
    # 1,200.00 − 500.00, so nothing is billed twice.
    assert (fee.total_minor, extra.total_minor) == (50000, 70000)
    assert fee.total_minor + extra.total_minor == s.payable_minor
    assert [i for i in paper_catch_up(booking=booking) if i.kind == "invoice"] == []
