"""In Chromium: the band's leader fills in the band's legal details (19 % VAT), the client's deposit and a
refund are on paper – the booking's paper card lists the invoice, the receipt and the credit note, the
Invoices page filters them and downloads a PDF named by its number; axe finds nothing serious."""

import pytest

from bookings.tests.test_booking_browser import log_in
from documents.models import Invoice, LegalDetails
from payments.models import Refund
from payments.tests.money_world import agreed, money_world, pay_next

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_legal_details_then_the_paper_of_a_paid_and_refunded_gig(live_server, browser, axe_check):
    world = money_world()
    leader = log_in(browser, live_server.url, world.leader.email)
    leader.set_default_timeout(30_000)
    leader.goto(f"{live_server.url}/documents/legal/bands/{world.band.slug}/")
    axe_check(leader)
    leader.get_by_label("Legal name").fill("Night Shift GbR")
    leader.get_by_label("Postal address").fill("Hauptstr. 1\n10115 Berlin")
    leader.get_by_label("VAT rate (%)").fill("19")
    leader.get_by_role("button", name="Save legal details").click()
    leader.get_by_text("An invoice that charges VAT or says reverse charge shows your VAT number.").wait_for()
    axe_check(leader)
    leader.get_by_label("Tax or VAT number").fill("DE123456789")
    leader.get_by_role("button", name="Save legal details").click()
    leader.get_by_text("Legal details saved.").wait_for()
    assert LegalDetails.objects.get(band=world.band).vat_rate_bp == 1900

    gig = agreed(world.request, band_side=world.leader, other_side=world.client)
    deposit = pay_next(gig, by=world.client)
    Refund.objects.create(
        payment=deposit,
        amount_minor=12000,
        currency="EUR",
        status=Refund.Status.SUCCEEDED,
        reason=Refund.Reason.CLIENT_CANCELLED,
        refund_id="re_browser_1",
    )

    client = log_in(browser, live_server.url, world.client.email)
    client.set_default_timeout(30_000)
    client.goto(f"{live_server.url}/bookings/{gig.uid}/")
    card = client.locator("#paper-invoices")
    card.get_by_text("Credit note CN-").wait_for()  # the card loads by itself, issuing what is missing
    invoice = Invoice.objects.get(kind=Invoice.Kind.INVOICE)
    assert invoice.vat_rate_bp == 1900 and invoice.content["issuer"]["legal_name"] == "Night Shift GbR"
    assert card.get_by_role("link", name=f"Invoice {invoice.number}").is_visible()

    client.goto(f"{live_server.url}/documents/invoices/")
    axe_check(client)
    client.get_by_label("Kind").select_option("receipt")
    client.get_by_role("button", name="Show").click()
    client.wait_for_url("**kind=receipt**")
    rows = client.locator("#invoice-documents tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and "R-00001" in rows.first.inner_text()
    client.get_by_label("Kind").select_option("")
    client.get_by_role("button", name="Show").click()
    client.wait_for_url("**kind=&**")
    with client.expect_download() as download:
        client.get_by_role("link", name=f"Download {invoice.number} as PDF").click()
    assert download.value.suggested_filename == f"{invoice.number}.pdf"
    axe_check(client)
