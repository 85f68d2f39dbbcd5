"""Contracts, the pages: who sees what (every URL, every role), signing through the form, bad input,
the verification page, the templates, the paper card, and the pages' query counts."""

import hashlib
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory
from documents.models import Contract, ContractSignature, ContractTemplate
from documents.services import contracts as services
from stageslot.tests.once import as_it_is_now, rows_for_the_module

from .contract_world import contract_world, sign

# The world is made once for the module and its tests run one after another in one process.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("contracts_views")]

READERS = ["leader", "admin", "member", "owner", "staff"]
OUTSIDERS = ["other_leader", "other_owner", "other_client", "stranger"]


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator:
    """world_rows(), made once for the module: each test reads and changes them in a savepoint of its own."""
    with rows_for_the_module(django_db_blocker):
        yield world_rows()


@pytest.fixture
def world(module_world):
    return as_it_is_now(module_world)


def world_rows():
    world = contract_world()
    world.staff = UserFactory(is_staff=True, display_name="Stella Staff")
    world.stranger = UserFactory(display_name="Sid Stranger")
    world.contract = services.contract_draw(booking=world.gig, by=world.leader)
    return world


def as_user(client, world, who):
    if who == "anonymous":
        client.logout()
    else:
        client.force_login(getattr(world, who))
    return client


def contract_urls(world) -> dict[str, str]:
    uid = world.contract.uid
    return {
        "booking": reverse("documents:booking_contract", args=[world.gig.uid]),
        "page": reverse("documents:contract", args=[uid]),
        "pdf": reverse("documents:contract_pdf", args=[uid]),
        "signed": reverse("documents:contract_signed_pdf", args=[uid]),
    }


def sealed(world) -> Contract:
    sign(world.contract, world.owner, "venue", full_name="Olga Owner")
    return sign(world.contract, world.leader, "band", full_name="Lena Leader")


# ---- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_the_parties_and_staff_read_the_contract_and_its_pdfs(client, world, who):
    sealed(world)
    urls = contract_urls(world)
    as_user(client, world, who)
    assert client.get(urls["booking"]).status_code == 302
    page = client.get(urls["page"])
    assert page.status_code == 200
    assert "Kellerbar" in page.text and world.contract.draft_sha256 in page.text
    for name in ("pdf", "signed"):
        response = client.get(urls[name])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content[:5] == b"%PDF-"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_anyone_else_finds_no_contract(client, world, who):
    sealed(world)
    as_user(client, world, who)
    for url in contract_urls(world).values():
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("documents:contract_sign", args=[world.contract.uid]), {"side": "band"})
    assert response.status_code == 404
    assert client.post(contract_urls(world)["booking"]).status_code == 404


def test_anonymous_visitors_are_asked_to_log_in(client, world):
    for url in [*contract_urls(world).values(), reverse("documents:contract_sign", args=[world.contract.uid])]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_a_client_sees_only_their_own_gigs_contract(client, world):
    private = services.contract_draw(booking=world.private, by=world.client)
    as_user(client, world, "client")
    assert client.get(reverse("documents:contract", args=[private.uid])).status_code == 200
    assert client.get(reverse("documents:contract", args=[world.contract.uid])).status_code == 404
    as_user(client, world, "owner")
    assert client.get(reverse("documents:contract", args=[private.uid])).status_code == 404


def test_the_sealed_pdf_is_not_there_before_both_have_signed(client, world):
    as_user(client, world, "leader")
    assert client.get(contract_urls(world)["signed"]).status_code == 404


def test_members_read_but_have_no_sign_form(client, world):
    as_user(client, world, "member")
    page = client.get(contract_urls(world)["page"])
    assert page.status_code == 200 and "Sign the contract" not in page.text
    as_user(client, world, "leader")
    assert "Sign the contract" in client.get(contract_urls(world)["page"]).text


# ---- Drawing and signing through the pages -----------------------------------------------------


def test_prepare_the_contract_from_the_booking(client, world):
    services.contract_void(contract=world.contract, reason="test")
    as_user(client, world, "owner")
    response = client.post(contract_urls(world)["booking"])
    assert response.status_code == 302
    fresh = Contract.objects.get(booking=world.gig, status="awaiting")
    assert response["Location"] == reverse("documents:contract", args=[fresh.uid])
    again = client.post(contract_urls(world)["booking"])
    assert again.status_code == 409 and "has a contract already" in again.text


def test_a_member_cannot_prepare_a_contract(client, world):
    services.contract_void(contract=world.contract, reason="test")
    as_user(client, world, "member")
    response = client.post(contract_urls(world)["booking"])
    assert response.status_code == 403
    assert not Contract.objects.filter(status="awaiting").exists()


def form_data(contract, **changes):
    return {
        "side": "venue",
        "sha256": contract.draft_sha256,
        "full_name": "Olga Owner",
        "consent": "on",
        "password": PASSWORD,
        **changes,
    }


def test_signing_through_the_form_keeps_the_address_and_browser(client, world):
    as_user(client, world, "owner")
    url = reverse("documents:contract_sign", args=[world.contract.uid])
    response = client.post(url, form_data(world.contract), REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="TestBrowser/1")
    assert response.status_code == 302
    signature = ContractSignature.objects.get()
    assert (signature.ip_address, signature.user_agent, signature.full_name) == (
        "198.51.100.4",
        "TestBrowser/1",
        "Olga Owner",
    )
    assert signature.pdf_sha256 == world.contract.draft_sha256


@pytest.mark.parametrize(
    ("who", "changes", "status", "words"),
    [
        ("owner", {"password": "nope"}, 400, "not your password"),
        ("owner", {"consent": ""}, 400, "Tick the box"),
        ("owner", {"full_name": ""}, 400, "Type your full name"),
        ("owner", {"sha256": "not-a-hash"}, 400, "reload the contract"),
        ("owner", {"sha256": "a" * 64}, 409, "read it again"),
        ("owner", {"side": "band"}, 403, "cannot sign"),
        ("owner", {"side": "nobody"}, 400, "Nothing was signed"),
        ("member", {"side": "band"}, 403, "cannot sign"),
        ("leader", {"side": "venue"}, 403, "cannot sign"),
    ],
)
def test_bad_signatures_are_refused_clearly_and_change_nothing(client, world, who, changes, status, words):
    as_user(client, world, who)
    response = client.post(
        reverse("documents:contract_sign", args=[world.contract.uid]), form_data(world.contract, **changes)
    )
    assert response.status_code == status
    assert words in response.text
    assert not ContractSignature.objects.exists()


def test_signing_twice_and_a_void_contract_answer_409(client, world):
    as_user(client, world, "owner")
    url = reverse("documents:contract_sign", args=[world.contract.uid])
    assert client.post(url, form_data(world.contract)).status_code == 302
    twice = client.post(url, form_data(world.contract))
    assert twice.status_code == 409 and "signed this contract already" in twice.text
    services.contract_void(contract=world.contract, reason="New times agreed.")
    as_user(client, world, "leader")
    void = client.post(url, form_data(world.contract, side="band"))
    assert void.status_code == 409 and "void" in void.text
    assert ContractSignature.objects.count() == 1


# ---- Verification ------------------------------------------------------------------------------


def verify(client, data: bytes, name="contract.pdf"):
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    return client.post(reverse("documents:contract_verify"), {"pdf": upload})


def test_the_verification_page_names_the_signers_of_a_sealed_contract(client, world):
    contract = sealed(world)
    client.logout()
    assert client.get(reverse("documents:contract_verify")).status_code == 200
    response = verify(client, bytes(contract.final.data))
    assert response.status_code == 200
    assert "A contract signed on StageSlot, unchanged since it was sealed" in response.text
    assert "Olga Owner" in response.text and "Lena Leader" in response.text
    assert contract.final_sha256 in response.text


def test_one_byte_off_is_not_a_contract_signed_here(client, world):
    data = bytearray(bytes(sealed(world).final.data))
    data[len(data) // 2] ^= 0x01
    response = verify(client, bytes(data))
    assert response.status_code == 200
    assert "Changed after sealing" in response.text
    assert "Olga Owner" not in response.text


@pytest.mark.parametrize("data", [b"garbage", b"%PDF-1.7 not really", b"\x00" * 100])
def test_garbage_is_not_a_contract_and_never_a_500(client, data):
    response = verify(client, data, name="x.pdf")
    assert response.status_code == 200
    assert "Not a contract signed here" in response.text


def test_an_empty_or_missing_file_is_refused(client):
    assert "empty" in verify(client, b"").text
    response = client.post(reverse("documents:contract_verify"), {})
    assert response.status_code == 400 and "Choose a PDF" in response.text


def test_a_file_too_large_is_refused(client):
    response = verify(client, b"%PDF-" + b"0" * (10 * 1024 * 1024 + 10))
    assert response.status_code == 400 and "larger than 10 MB" in response.text


@override_settings(STAGESLOT_RATE_LIMITS={"contract_verify": "2/h"}, STAGESLOT_RATE_LIMIT_STORE="database")
def test_verification_is_rate_limited_per_address(client):
    for _ in range(2):
        assert verify(client, b"garbage").status_code == 200
    assert verify(client, b"garbage").status_code == 429


# ---- Templates ---------------------------------------------------------------------------------


def test_a_band_leader_edits_the_template_prefilled_with_the_default_clauses(client, world):
    url = reverse("documents:contract_template_band", args=[world.band.slug])
    as_user(client, world, "leader")
    page = client.get(url)
    assert page.status_code == 200 and "Force majeure." in page.text
    preview = client.post(url, {"clauses": "One.\n\nTwo.", "additions": "Merch.", "preview": "1"})
    assert preview.status_code == 200 and "<li>Two.</li>" in preview.text
    assert not ContractTemplate.objects.exists()
    saved = client.post(url, {"clauses": "One.\n\nTwo.", "additions": "Merch."})
    assert saved.status_code == 302
    template = ContractTemplate.objects.get(band=world.band)
    assert (template.clauses, template.additions, template.updated_by) == ("One.\n\nTwo.", "Merch.", world.leader)
    empty = client.post(url, {"clauses": "", "additions": ""})
    assert empty.status_code == 400 and "keep at least one" in empty.text
    assert ContractTemplate.objects.get(band=world.band).clauses == "One.\n\nTwo."


def test_venue_staff_edit_the_venues_template(client, world):
    url = reverse("documents:contract_template_venue", args=[world.venue.slug])
    as_user(client, world, "owner")
    assert client.post(url, {"clauses": "House rules."}).status_code == 302
    assert ContractTemplate.objects.get(venue=world.venue).clauses == "House rules."


@pytest.mark.parametrize("who", ["member", "owner", "other_leader", "client", "stranger", "staff"])
def test_only_leaders_and_admins_edit_a_bands_template(client, world, who):
    as_user(client, world, who)
    url = reverse("documents:contract_template_band", args=[world.band.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"clauses": "Mine."}).status_code == 404
    assert not ContractTemplate.objects.exists()


@pytest.mark.parametrize("who", ["leader", "other_owner", "client", "stranger"])
def test_only_venue_staff_edit_a_venues_template(client, world, who):
    as_user(client, world, who)
    url = reverse("documents:contract_template_venue", args=[world.venue.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"clauses": "Mine."}).status_code == 404


def test_templates_ask_anonymous_visitors_to_log_in(client, world):
    url = reverse("documents:contract_template_band", args=[world.band.slug])
    assert "/accounts/login/" in client.get(url)["Location"]


# ---- The paper card and query counts -----------------------------------------------------------


def test_the_paper_card_shows_the_contract_and_the_next_step(client, world):
    url = reverse("documents:booking_paper", args=[world.gig.uid])
    as_user(client, world, "owner")
    card = client.get(url)
    assert card.status_code == 200 and "Read and sign the contract" in card.text
    as_user(client, world, "member")
    assert "Waiting for:" in client.get(url).text
    as_user(client, world, "other_owner")
    assert client.get(url).status_code == 404


def test_the_paper_card_offers_to_prepare_a_contract(client, world):
    as_user(client, world, "client")
    card = client.get(reverse("documents:booking_paper", args=[world.private.uid]))
    assert "Prepare the contract" in card.text


def test_the_contract_page_and_pdf_take_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    sealed(world)
    as_user(client, world, "owner")
    urls = contract_urls(world)
    with django_assert_max_num_queries(12):
        assert client.get(urls["page"]).status_code == 200
    with django_assert_max_num_queries(6):
        response = client.get(urls["signed"])
    assert hashlib.sha256(response.content).hexdigest() == Contract.objects.get(pk=world.contract.pk).final_sha256


def test_the_manage_pages_link_to_the_templates(client, world):
    as_user(client, world, "leader")
    page = client.get(reverse("bands:manage", args=[world.band.slug]))
    assert reverse("documents:contract_template_band", args=[world.band.slug]) in page.text
    as_user(client, world, "owner")
    page = client.get(reverse("venues:manage", args=[world.venue.slug]))
    assert reverse("documents:contract_template_venue", args=[world.venue.slug]) in page.text
