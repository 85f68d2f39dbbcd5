"""Contracts, the services: drawing from the agreed terms, signing for each side, the seal, voiding,
and every refusal leaving nothing written."""

import hashlib
import uuid

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import Notification
from accounts.people import people_draw
from bookings.errors import BookingConflict, BookingError, BookingPermissionError
from bookings.models import Booking
from bookings.services import quotes
from bookings.services.ending import booking_cancel
from bookings.services.quotes import Terms
from bookings.tests.factories import BookingFactory
from documents import seal
from documents.checks import seal_certificate_set
from documents.models import Contract, ContractSignature, ContractTemplate, RenderedPdf
from documents.selectors.contracts import booking_terms_sha256, default_clauses_text
from documents.services import contracts as services
from payments.services.refunds import refund_plan
from payments.tests.money_world import agreed, money_world

from .contract_world import contract_world, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return contract_world()


def counts() -> tuple[int, ...]:
    return (
        Contract.objects.count(),
        ContractSignature.objects.count(),
        RenderedPdf.objects.count(),
        Notification.objects.filter(kind="booking_contract").count(),
    )


# ---- Drawing -----------------------------------------------------------------------------------


def test_a_contract_is_drawn_from_the_agreed_terms_parties_performance_rider_and_default_clauses(world):
    contract = services.contract_draw(booking=world.gig, by=world.leader)
    c = contract.content
    assert contract.status == Contract.Status.AWAITING
    assert contract.other_side == "venue"
    assert contract.quote_id == world.gig.agreed_quote_id
    assert c["band"]["legal_name"] == "The Night Shift"
    assert c["other"]["legal_name"] == "Kellerbar"
    assert c["terms"]["deal"] == "a fee of 800 EUR"
    assert c["terms"]["deposit"] == "30 %"
    assert "Cancelled by the payer 30 days or more before the gig: 100 % back" in c["terms"]["cancellation"]
    assert c["performance"]["time_zone"] == "Europe/Berlin"
    assert c["rider"].startswith("Two DI boxes")
    assert c["template"] == "default"
    assert c["clauses"][0].startswith("Performance.")
    assert contract.draft.data[:5] == b"%PDF-"
    assert contract.draft_sha256 == hashlib.sha256(bytes(contract.draft.data)).hexdigest()
    assert contract.terms_sha256 == booking_terms_sha256(world.gig)
    assert contract.booking_sequence == Booking.objects.get(pk=world.gig.pk).sequence
    # The venue's staff are told it is ready; the leader who drew it is not.
    told = set(Notification.objects.filter(kind="booking_contract").values_list("recipient_id", flat=True))
    assert world.owner.pk in told and world.leader.pk not in told


def test_the_bands_template_comes_before_the_venues(world):
    ContractTemplate.objects.create(venue=world.venue, clauses="Venue clause one.\n\nVenue clause two.")
    contract = services.contract_draw(booking=world.gig, by=world.owner)
    assert contract.content["template"] == "venue"
    assert contract.content["clauses"] == ["Venue clause one.", "Venue clause two."]
    services.contract_void(contract=contract, reason="test")
    services.contract_template_save(by=world.leader, band=world.band, clauses="Band clause.", additions="Merch 10 %.")
    again = services.contract_draw(booking=world.gig, by=world.owner)
    assert again.version == 2
    assert again.content["clauses"] == ["Band clause."]
    assert again.content["additions"] == ["Merch 10 %."]


def test_a_client_draws_a_private_gigs_contract(world):
    contract = services.contract_draw(booking=world.private, by=world.client)
    assert contract.other_side == "client"
    assert contract.content["other"]["legal_name"] == "Anna Client"
    assert "Gut Kleinow" in contract.content["performance"]["place"]


def test_a_contract_says_what_the_refund_pays_for_custom_terms_without_a_window():
    """Custom terms with no window are no refund to the payer: in the contract's words and in the amount."""
    world = money_world("-none")
    none_back = Terms(deal="flat", fee_minor=80000, currency="EUR", cancel_preset="custom", cancel_windows=())
    booking = agreed(world.request, band_side=world.leader, other_side=world.client, terms=none_back)
    content = services.contract_content(booking=booking, uid=uuid.uuid4(), version=1, now=timezone.now())
    assert content["terms"]["cancellation"] == [
        "Cancelled by the payer at any time: nothing back",
        "Cancelled by the band: 100 % back",
    ]
    assert refund_plan(booking=booking, by=world.client).percent == 0
    assert refund_plan(booking=booking, by=world.leader).percent == 100


@pytest.mark.parametrize("who", ["member", "other_leader", "other_owner", "other_client", "client"])
def test_only_the_parties_who_sign_may_draw(world, who):
    before = counts()
    with pytest.raises(BookingPermissionError):
        services.contract_draw(booking=world.gig, by=getattr(world, who))
    assert counts() == before


def test_a_pending_gig_and_a_second_contract_are_refused(world):
    pending = BookingFactory(slot=world.slot, band=world.other_band)
    with pytest.raises(BookingConflict, match="Only a booked gig"):
        services.contract_draw(booking=pending, by=world.owner)
    services.contract_draw(booking=world.gig, by=world.leader)
    before = counts()
    with pytest.raises(BookingConflict, match="has a contract already"):
        services.contract_draw(booking=world.gig, by=world.owner)
    assert counts() == before


def test_a_cancelled_gig_gets_no_contract(world):
    booking_cancel(booking=world.gig, by=world.owner, reason="Flooded cellar")
    before = counts()
    with pytest.raises(BookingConflict, match="Only a booked gig"):
        services.contract_draw(booking=Booking.objects.get(pk=world.gig.pk), by=world.leader)
    assert counts() == before


# ---- Signing and the seal ----------------------------------------------------------------------


def test_both_sides_sign_and_the_final_pdf_is_sealed_and_validates(world):
    contract = services.contract_draw(booking=world.gig, by=world.leader)
    contract = sign(contract, world.owner, "venue", full_name="Olga Owner")
    assert contract.status == Contract.Status.PARTLY
    first = ContractSignature.objects.get(contract=contract)
    assert (first.side, first.full_name, first.ip_address, first.user_agent) == (
        "venue",
        "Olga Owner",
        "203.0.113.7",
        "Mozilla/5.0 (test)",
    )
    assert first.pdf_sha256 == contract.draft_sha256
    # The signer by reference to their account (docs/decisions/0131), drawn when shown; not the typed name.
    told = Notification.objects.get(kind="booking_contract", recipient=world.leader)
    assert "Olga Owner" not in told.text and people_draw(told.text).startswith(f"{world.owner.name} signed")
    contract = sign(contract, world.leader, "band", full_name="Lena Leader")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    assert contract.sealed_at is not None
    data = bytes(contract.final.data)
    assert hashlib.sha256(data).hexdigest() == contract.final_sha256
    check = seal.seal_check(data)
    assert check.valid, check
    # One byte changed in the signed content: the seal fails.
    broken = bytearray(data)
    broken[len(broken) // 3] ^= 0x01
    assert not seal.seal_check(bytes(broken)).valid
    # Bytes added after the seal: no longer the entire file.
    assert not seal.seal_check(data + b"\n%%EOF\n").valid


def test_the_signature_page_holds_both_names_and_the_drafts_hash(world):
    contract = services.contract_draw(booking=world.private, by=world.client)
    sign(contract, world.client, "client", full_name="Anna Marie Client")
    contract = sign(contract, world.leader, "band", full_name="Lena Leader")
    html = services.contract_signature_page_html(contract)
    assert "Anna Marie Client" in html and "Lena Leader" in html
    assert contract.draft_sha256 in html
    assert "UTC" in html and "Europe/Berlin" in html
    assert "203.0.113.7" in html


@pytest.mark.parametrize(
    ("who", "side", "changes", "error", "match"),
    [
        ("client", "band", {}, BookingPermissionError, "cannot sign"),
        ("member", "band", {}, BookingPermissionError, "cannot sign"),
        ("other_owner", "venue", {}, BookingPermissionError, "cannot sign"),
        ("owner", "client", {}, BookingPermissionError, "cannot sign"),
        ("owner", "venue", {"password": "wrong"}, BookingError, "not your password"),
        ("owner", "venue", {"consent": False}, BookingError, "Tick the box"),
        ("owner", "venue", {"full_name": "  "}, BookingError, "full name"),
        ("owner", "venue", {"shown_sha256": "0" * 64}, BookingConflict, "read it again"),
    ],
)
def test_a_refused_signature_writes_nothing(world, who, side, changes, error, match):
    contract = services.contract_draw(booking=world.gig, by=world.leader)
    before = counts()
    with pytest.raises(error, match=match):
        sign(contract, getattr(world, who), side, **changes)
    assert counts() == before
    contract.refresh_from_db()
    assert contract.status == Contract.Status.AWAITING


def test_signing_twice_and_signing_a_sealed_contract_are_refused(world):
    contract = services.contract_draw(booking=world.gig, by=world.leader)
    sign(contract, world.owner, "venue")
    before = counts()
    with pytest.raises(BookingConflict, match="signed this contract already"):
        sign(contract, world.owner, "venue")
    assert counts() == before
    sign(contract, world.leader, "band")
    before = counts()
    with pytest.raises(BookingConflict, match="Both sides have signed"):
        sign(contract, world.admin, "band")
    assert counts() == before


# ---- Voiding -----------------------------------------------------------------------------------


def test_new_agreed_terms_void_the_contract_when_it_is_next_read(world):
    contract = services.contract_draw(booking=world.gig, by=world.leader)
    sign(contract, world.owner, "venue")
    quote = quotes.quote_propose(
        booking=world.gig,
        by=world.leader,
        terms=Terms(deal="flat", fee_minor=95000, currency="EUR", deposit_percent=30, balance_due_days=7),
        send_anyway=True,
    )
    quotes.quote_accept(quote=quote, by=world.owner)
    contract = services.contract_check_current(contract=Contract.objects.get(pk=contract.pk))
    assert contract.status == Contract.Status.VOID
    assert "terms changed" in contract.void_reason
    assert Notification.objects.filter(kind="booking_contract", recipient=world.owner, text__contains="void").exists()
    before = counts()
    with pytest.raises(BookingConflict, match="void"):
        sign(contract, world.leader, "band")
    assert counts() == before
    # A new one can be drawn, from the new terms.
    again = services.contract_draw(booking=Booking.objects.get(pk=world.gig.pk), by=world.owner)
    assert again.version == 2 and again.content["terms"]["fee"] == "950 EUR"


def test_the_periodic_round_voids_a_cancelled_gigs_contract_and_leaves_the_others(world):
    cancelled = services.contract_draw(booking=world.gig, by=world.leader)
    kept = services.contract_draw(booking=world.private, by=world.leader)
    booking_cancel(booking=world.gig, by=world.owner, reason="Flooded cellar")
    assert services.contracts_round() == 1
    cancelled.refresh_from_db()
    kept.refresh_from_db()
    assert cancelled.status == Contract.Status.VOID and "cancelled" in cancelled.void_reason
    assert kept.status == Contract.Status.AWAITING
    assert services.contracts_round() == 0


def test_signing_a_contract_whose_times_changed_voids_it_and_signs_nothing(world):
    contract = services.contract_draw(booking=world.gig, by=world.leader)
    Booking.objects.filter(pk=world.gig.pk).update(
        starts_at=world.gig.starts_at.replace(hour=21), sequence=world.gig.sequence + 1
    )
    with pytest.raises(BookingConflict, match="void"):
        sign(contract, world.owner, "venue")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.VOID
    assert not ContractSignature.objects.exists()


# ---- The seal's certificate --------------------------------------------------------------------


def test_make_seal_certificate_writes_a_key_and_certificate_that_seal(tmp_path):
    call_command("make_seal_certificate", directory=tmp_path)
    key, cert = tmp_path / seal.DEV_KEY_NAME, tmp_path / seal.DEV_CERT_NAME
    assert b"PRIVATE KEY" in key.read_bytes() and b"CERTIFICATE" in cert.read_bytes()
    with override_settings(DOCUMENTS_SEAL_KEY_FILE=str(key), DOCUMENTS_SEAL_CERT_FILE=str(cert)):
        from documents.pdf import html_to_pdf

        sealed = seal.seal_pdf(html_to_pdf("<p>x</p>"), reason="test")
        assert seal.seal_check(sealed).valid
    # Checked against another certificate (the development one), the same seal is not trusted.
    assert not seal.seal_check(sealed).valid


@pytest.mark.parametrize("data", [b"", b"garbage", b"%PDF-1.7\n garbage", b"%PDF-" + bytes(range(256)) * 10])
def test_seal_check_never_raises_on_garbage(data):
    assert not seal.seal_check(data).valid


def test_the_deploy_check_warns_without_a_seal_certificate(tmp_path):
    with override_settings(DEBUG=False, DOCUMENTS_SEAL_KEY_FILE="", DOCUMENTS_SEAL_CERT_FILE=""):
        assert [m.id for m in seal_certificate_set()] == ["documents.W001"]
    files = seal.certificate_make(directory=tmp_path)
    with override_settings(
        DEBUG=False, DOCUMENTS_SEAL_KEY_FILE=str(files.key), DOCUMENTS_SEAL_CERT_FILE=str(files.cert)
    ):
        assert seal_certificate_set() == []


def test_default_clauses_are_paragraphs():
    assert default_clauses_text().count("\n\n") >= 5


def test_the_seal_is_made_and_checked_inside_a_running_event_loop():
    """pyHanko runs its own event loop; an async caller (or a Playwright test) already has one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from documents.pdf import html_to_pdf

    async def inside() -> bool:
        return seal.seal_check(seal.seal_pdf(html_to_pdf("<p>loop</p>"), reason="test")).valid

    # A loop of its own, in a thread of its own: this process may hold a loop already (a Playwright test ran in it
    # before, as in `make test`, which runs every stage in one go), and asyncio.run refuses to start inside one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(lambda: asyncio.run(inside())).result()


def test_a_seal_that_cannot_be_made_signs_nothing(world, tmp_path):
    contract = services.contract_draw(booking=world.gig, by=world.leader)
    sign(contract, world.owner, "venue")
    before = counts()
    missing = str(tmp_path / "missing.pem")
    with (
        override_settings(DOCUMENTS_SEAL_KEY_FILE=missing, DOCUMENTS_SEAL_CERT_FILE=missing),
        pytest.raises(BookingConflict, match="cannot be sealed just now"),
    ):
        sign(contract, world.leader, "band")
    assert counts() == before
    contract.refresh_from_db()
    assert contract.status == Contract.Status.PARTLY and not contract.final_id
