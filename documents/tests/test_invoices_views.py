"""The Invoices page, a document's PDF and the booking's paper card: who sees which, the filters (bad
ones said so, never a 500), and queries that do not grow with the rows."""

import html
import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.tests.pseudo_pages import words_left_unmarked
from bookings.services import asking
from bookings.tests.factories import in_days
from documents.models import Invoice
from documents.services.invoices import paper_catch_up
from payments.models import Refund
from payments.tests.money_world import agreed, money_world, pay_next

pytestmark = pytest.mark.django_db

Kind = Invoice.Kind


@pytest.fixture
def world():
    w = money_world()
    w.gig = agreed(w.request, band_side=w.leader, other_side=w.client)
    w.deposit = pay_next(w.gig, by=w.client)
    Refund.objects.create(
        payment=w.deposit,
        amount_minor=4000,
        currency="EUR",
        status=Refund.Status.SUCCEEDED,
        reason=Refund.Reason.OTHER,
        refund_id="re_views_1",
    )
    paper_catch_up(booking=w.gig)
    w.invoice = Invoice.objects.get(kind=Kind.INVOICE)
    w.receipt = Invoice.objects.get(kind=Kind.RECEIPT)
    w.credit = Invoice.objects.get(kind=Kind.CREDIT_NOTE)
    w.stranger = UserFactory(display_name="Sam Stranger")
    w.staff = UserFactory(display_name="Stella Staff", is_staff=True)
    return w


def get(client, user, url, **params):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url, params)


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


LIST = reverse("documents:invoices")


def test_the_invoices_page_lists_what_each_party_may_see(client, world):
    for who in (world.leader, world.admin, world.client, world.staff):
        page = text(get(client, who, LIST))
        for doc in (world.invoice, world.receipt, world.credit):
            assert doc.number in page, who
            assert reverse("documents:invoice_pdf", args=[doc.uid]) in page
        assert "800 EUR" in page and "240 EUR" in page and "-40 EUR" in page
    for who in (world.member, world.other_leader, world.other_client, world.other_owner, world.owner, world.stranger):
        page = text(get(client, who, LIST))
        assert world.invoice.number not in page and "No invoices, receipts or credit notes here yet." in page, who
    anonymous = get(client, None, LIST)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_pdf_is_for_the_bookings_parties_and_staff_only(client, world):
    url = reverse("documents:invoice_pdf", args=[world.invoice.uid])
    for who in (world.leader, world.admin, world.client, world.staff):
        response = get(client, who, url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", who
        assert response["Content-Disposition"] == f'attachment; filename="{world.invoice.number}.pdf"'
        assert response.content.startswith(b"%PDF")
    for who in (world.member, world.other_leader, world.other_client, world.other_owner, world.owner, world.stranger):
        assert get(client, who, url).status_code == 404, who
    assert get(client, None, url).status_code == 302
    # A booking's uid is no document's.
    assert get(client, world.staff, reverse("documents:invoice_pdf", args=[world.gig.uid])).status_code == 404


def test_the_venue_sees_its_gigs_paper(client, world):
    venue_gig = agreed(world.application, band_side=world.leader, other_side=world.owner)
    page = text(get(client, world.owner, LIST))
    invoice = Invoice.objects.get(booking=venue_gig, kind=Kind.INVOICE)  # issued when the page was read
    assert invoice.number in page and world.receipt.number not in page
    assert invoice.number not in text(get(client, world.client, LIST))
    assert get(client, world.owner, reverse("documents:invoice_pdf", args=[invoice.uid])).status_code == 200


def test_the_filters_by_kind_and_year(client, world):
    page = text(get(client, world.client, LIST, kind="receipt"))
    assert world.receipt.number in page and world.invoice.number not in page
    year = world.invoice.issued_at.year
    assert world.invoice.number in text(get(client, world.client, LIST, year=year))
    assert world.invoice.number not in text(get(client, world.client, LIST, year=year - 1))


@pytest.mark.parametrize(
    "params",
    [{"kind": "nonsense"}, {"year": "abc"}, {"year": "1800"}, {"year": "99999999999999999999"}, {"page": "x"}],
)
def test_a_bad_filter_is_said_and_left_out(client, world, params):
    response = get(client, world.client, LIST, **params)
    if "page" in params:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert "That filter makes no sense, so it was left out" in text(response)
    assert world.invoice.number in text(response)  # the list, unfiltered
    assert Invoice.objects.count() == 3


def test_the_paper_card_lists_the_bookings_documents_for_its_parties(client, world):
    url = reverse("documents:booking_paper", args=[world.gig.uid])
    for who in (world.leader, world.client):
        page = text(get(client, who, url))
        assert world.invoice.number in page and world.credit.number in page, who
    member = get(client, world.member, url)
    assert world.invoice.number not in text(member)
    for who in (world.other_leader, world.other_client, world.stranger):
        assert get(client, who, url).status_code == 404


def test_the_menu_and_manage_pages_link_the_new_pages(client, world):
    assert LIST in text(get(client, world.client, reverse("payments:paid")))
    assert reverse("documents:legal_band", args=[world.band.slug]) in text(
        get(client, world.leader, reverse("bands:members", args=[world.band.slug]))
    )
    assert reverse("documents:legal_venue", args=[world.venue.slug]) in text(
        get(client, world.owner, reverse("venues:manage", args=[world.venue.slug]))
    )
    assert reverse("documents:legal_me") in text(get(client, world.client, reverse("accounts:profile")))


def _more_gigs(world, count: int) -> None:
    for day in range(count):
        request = asking.booking_request(
            band=world.band,
            client=world.client,
            starts_at=in_days(40 + day, 18),
            ends_at=in_days(40 + day, 22),
            time_zone="Europe/Berlin",
            event_type="Party",
            location="Hall",
            guests=50,
            fee=800,
            message="",
        )
        gig = agreed(request, band_side=world.leader, other_side=world.client)
        pay_next(gig, by=world.client)
        paper_catch_up(booking=gig)


@pytest.mark.parametrize("more", [0, 8])
def test_the_invoices_page_costs_the_same_queries_with_more_documents(
    client, world, django_assert_max_num_queries, more
):
    _more_gigs(world, more)
    assert Invoice.objects.count() == 3 + 2 * more
    # session, user; the catch-up's five look-ups (none for staff); the years; the count and the page
    for user in (world.client, world.leader, world.staff):
        client.force_login(user)
        with django_assert_max_num_queries(10):
            response = client.get(LIST)
        assert response.status_code == 200


def test_every_word_of_the_invoices_pages_is_marked(client, world):
    client.force_login(world.leader)
    unmarked = words_left_unmarked(client, [LIST, reverse("documents:legal_band", args=[world.band.slug])])
    assert unmarked == {}
    client.force_login(world.client)
    assert words_left_unmarked(client, [LIST, reverse("documents:legal_me")]) == {}
