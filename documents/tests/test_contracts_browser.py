"""In Chromium: the client prepares the contract of their booked private gig from the booking page and
signs it; the band's leader signs it; the sealed PDF is downloaded. Its text (pdftotext) holds both
names and the draft's SHA-256; pyHanko validates the seal and fails it once a byte is changed; the
verification page says the same."""

import hashlib
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from bookings.tests.test_booking_browser import log_in
from documents import seal
from documents.models import Contract

from .contract_world import contract_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDFTOTEXT = "/usr/bin/pdftotext"


def sign_in_browser(page, full_name: str) -> None:
    page.get_by_label("Your full name").fill(full_name)
    page.get_by_label("I have read this contract and sign it").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the contract").click()


def check_on_page(page, base: str, data: bytes):
    page.goto(f"{base}/documents/contracts/verify/")
    page.get_by_label("The contract's PDF").set_input_files(
        files=[{"name": "contract.pdf", "mimeType": "application/pdf", "buffer": data}]
    )
    page.get_by_role("button", name="Check the PDF").click()
    return page.locator(".contract-verdict")


def test_both_parties_sign_and_the_sealed_pdf_checks_out(live_server, browser, axe_check):
    if not shutil.which(PDFTOTEXT):
        pytest.skip(f"{PDFTOTEXT} is missing: apt-get install poppler-utils")
    world = contract_world()
    base = live_server.url
    booking_page = f"{base}/bookings/{world.private.uid}/"

    client = log_in(browser, base, world.client.email)
    client.goto(booking_page)
    client.get_by_role("button", name="Prepare the contract").click()
    client.get_by_role("heading", name="Performance contract").wait_for()
    client.get_by_text("The contract is ready: read it, then sign.").wait_for()
    axe_check(client)
    sign_in_browser(client, "Anna Marie Client")
    client.get_by_text("Signed. The other side has been told").wait_for()
    contract = Contract.objects.get(booking=world.private)
    assert contract.status == Contract.Status.PARTLY

    band = log_in(browser, base, world.leader.email)
    band.goto(booking_page)
    band.get_by_role("link", name="Read and sign the contract").click()
    band.get_by_role("heading", name="Sign for the band").wait_for()
    axe_check(band)
    sign_in_browser(band, "Lena Leader")
    band.get_by_text("Signed by both sides: the sealed contract is ready to download.").wait_for()
    axe_check(band)

    link = band.get_by_role("link", name="Download the signed and sealed PDF")
    response = band.context.request.get(base + link.get_attribute("href"))
    assert response.status == 200
    data = response.body()
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    assert hashlib.sha256(data).hexdigest() == contract.final_sha256

    # Our own fixed command line on bytes we just downloaded.
    pdftotext = [PDFTOTEXT, "-layout", "-", "-"]
    text = subprocess.run(pdftotext, input=data, capture_output=True, check=True).stdout.decode()  # noqa: S603
    assert "Anna Marie Client" in text and "Lena Leader" in text
    assert contract.draft_sha256 in text

    assert seal.seal_check(data).valid
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    assert not seal.seal_check(bytes(changed)).valid

    stranger = browser.new_context(locale="en-GB").new_page()
    verdict = check_on_page(stranger, base, data)
    expect(verdict).to_contain_text("A contract signed on StageSlot, unchanged since it was sealed")
    expect(verdict).to_contain_text("Anna Marie Client")
    expect(verdict).to_contain_text("Lena Leader")
    axe_check(stranger)
    verdict = check_on_page(stranger, base, bytes(changed))
    expect(verdict).to_contain_text("Changed after sealing")
    expect(verdict).not_to_contain_text("Lena Leader")
