"""Paper through the JSON API: a booking's contract with its signatures and hashes, its invoices and
their PDFs, its day sheet and the checklist the side that runs the day confirms. Who may call what is in
bookings/tests/test_api_access.py's matrix; here, what each answer says and that a refusal changes
nothing."""

import pytest

from bookings.tests.api_helpers import ApiClient, token_for
from documents.services.contracts import contract_draw
from documents.services.invoices import invoice_issue
from documents.tests.contract_world import contract_world, sign
from gigs.models import AdvanceItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return contract_world()


def api(user, scopes=None) -> ApiClient:
    return ApiClient(token_for(user, scopes))


def test_the_contract_says_who_signed_when_and_the_hashes(world):
    contract = contract_draw(booking=world.gig, by=world.leader)
    sign(contract, world.owner, "venue", full_name="Vera Venue")
    body = api(world.leader).get(f"/api/v1/bookings/{world.gig.uid}/contract").json()
    assert body["status"] == "partly"
    assert body["waiting_for"] == ["band"]
    assert [(s["side"], s["full_name"]) for s in body["signatures"]] == [("venue", "Vera Venue")]
    assert body["signatures"][0]["pdf_sha256"] == contract.draft_sha256 == body["draft_sha256"]
    assert body["signed_pdf_url"] is None
    assert body["pdf_url"].endswith(f"/documents/contracts/{contract.uid}/contract.pdf")


def test_a_booking_without_a_contract_says_so(world):
    response = api(world.owner).get(f"/api/v1/bookings/{world.gig.uid}/contract")
    assert response.status_code == 404
    assert "No contract" in response.json()["detail"]


def test_invoices_list_the_bands_invoice_and_serve_its_pdf(world):
    invoice = invoice_issue(booking=world.gig)
    listed = api(world.owner).get(f"/api/v1/bookings/{world.gig.uid}/invoices").json()
    assert [(i["kind"], i["number"], i["total_minor"]) for i in listed] == [("invoice", invoice.number, 80000)]
    pdf = api(world.owner).get(f"/api/v1/invoices/{invoice.uid}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert invoice.number in pdf["Content-Disposition"]


def test_a_band_member_reads_no_invoices_and_another_client_no_pdf(world):
    invoice = invoice_issue(booking=world.private)
    assert api(world.member).get(f"/api/v1/bookings/{world.private.uid}/invoices").status_code == 403
    assert api(world.other_client).get(f"/api/v1/invoices/{invoice.uid}/pdf").status_code == 404
    assert api(world.client).get(f"/api/v1/invoices/{invoice.uid}/pdf").status_code == 200


def test_the_venue_advances_an_item_and_the_band_reads_it(world):
    answer = api(world.owner).post(
        f"/api/v1/bookings/{world.gig.uid}/day-sheet/items/parking", {"advanced": True, "note": "Two spaces"}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["may_edit"] is True
    sheet = api(world.member).get(f"/api/v1/bookings/{world.gig.uid}/day-sheet").json()
    parking = next(row for row in sheet["items"] if row["item"] == "parking")
    assert parking["advanced"] is True and parking["note"] == "Two spaces"
    assert sheet["may_edit"] is False
    assert sheet["open_items"] == len(sheet["items"]) - 1


def test_the_band_cannot_advance_and_nothing_changes(world):
    answer = api(world.leader).post(f"/api/v1/bookings/{world.gig.uid}/day-sheet/items/parking", {"advanced": True})
    assert answer.status_code == 403
    assert "runs the day" in answer.json()["detail"]
    assert not AdvanceItem.objects.exists()


@pytest.mark.parametrize(
    ("item", "body", "status"),
    [
        ("helicopter", {"advanced": True}, 422),
        ("parking", {"advanced": "perhaps"}, 422),
        ("parking", {"advanced": True, "note": "x" * 301}, 422),
    ],
)
def test_bad_input_is_told_and_changes_nothing(world, item, body, status):
    answer = api(world.owner).post(f"/api/v1/bookings/{world.gig.uid}/day-sheet/items/{item}", body)
    assert answer.status_code == status
    assert answer["Content-Type"] == "application/problem+json"
    assert not AdvanceItem.objects.exists()


def test_a_read_only_token_cannot_advance(world):
    answer = api(world.owner, ["read"]).post(
        f"/api/v1/bookings/{world.gig.uid}/day-sheet/items/parking", {"advanced": True}
    )
    assert answer.status_code == 403
    assert not AdvanceItem.objects.exists()
