"""The legal details pages: a band's for its leaders and admins, a venue's for its staff, a person's own;
VAT rates checked and kept in basis points, bad input said by the field with nothing saved."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.tests.test_detail_views import make_world
from documents.models import LegalDetails
from documents.services.legal import legal_details_set, vat_rate_bp

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = make_world()
    w.stranger = UserFactory(display_name="Sam Stranger")
    w.staff = UserFactory(display_name="Stella Staff", is_staff=True)
    return w


BAND_FORM = {
    "legal_name": "Night Shift GbR",
    "address": "Hauptstr. 1\n10115 Berlin",
    "email": "paper@nightshift.example",
    "tax_number": "DE123456789",
    "vat_rate": "19",
    "invoice_note": "IBAN DE00 1234",
}


@pytest.mark.parametrize(
    ("text", "bp"), [("19", 1900), ("7.5", 750), ("7,5", 750), ("0", 0), ("100", 10000), ("20.25", 2025)]
)
def test_a_vat_rate_becomes_basis_points(text, bp):
    assert vat_rate_bp(text) == bp


@pytest.mark.parametrize("text", ["-1", "100.01", "abc", "7.125", "nan", "inf", ""])
def test_a_bad_vat_rate_is_refused(text):
    with pytest.raises(ValidationError):
        vat_rate_bp(text)


def test_the_bands_leaders_and_admins_edit_its_details(client, world):
    url = reverse("documents:legal_band", args=[world.band.slug])
    client.force_login(world.leader)
    page = client.get(url)
    assert page.status_code == 200 and "The Night Shift" in page.content.decode()  # its name until saved
    response = client.post(url, BAND_FORM)
    assert response.status_code == 302 and response["Location"] == url
    details = LegalDetails.objects.get(band=world.band)
    assert (details.legal_name, details.vat_rate_bp, details.tax_number) == ("Night Shift GbR", 1900, "DE123456789")
    assert "19" in client.get(url).content.decode()


@pytest.mark.parametrize("who", ["member", "other_leader", "owner", "client", "stranger", "staff"])
def test_nobody_else_sees_a_bands_details(client, world, who):
    url = reverse("documents:legal_band", args=[world.band.slug])
    client.force_login(getattr(world, who))
    assert client.get(url).status_code == 404
    assert client.post(url, BAND_FORM).status_code == 404
    assert not LegalDetails.objects.exists()


def test_anonymous_is_asked_to_log_in(client, world):
    for url in (
        reverse("documents:legal_band", args=[world.band.slug]),
        reverse("documents:legal_venue", args=[world.venue.slug]),
        reverse("documents:legal_me"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_band_or_venue_is_404(client, world):
    client.force_login(world.leader)
    assert client.get(reverse("documents:legal_band", args=["no-such-band"])).status_code == 404
    assert client.get(reverse("documents:legal_venue", args=["no-such-venue"])).status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"vat_rate": "abc"}, "vat_rate", "Give the VAT rate as a number"),
        ({"vat_rate": "101"}, "vat_rate", "A VAT rate is 0 to 100 %."),
        ({"vat_rate": "19.123"}, "vat_rate", "at most two decimals"),
        ({"tax_number": ""}, "tax_number", "shows your VAT number"),
        ({"reverse_charge": "on"}, "vat_rate", "A reverse charge charges no VAT"),
        ({"legal_name": ""}, "legal_name", "This field is required."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ],
)
def test_bad_input_is_said_by_its_field_and_nothing_is_saved(client, world, change, field, message):
    client.force_login(world.leader)
    response = client.post(reverse("documents:legal_band", args=[world.band.slug]), {**BAND_FORM, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not LegalDetails.objects.exists()


def test_a_reverse_charge_with_a_vat_number_and_no_rate_is_kept(world):
    details = legal_details_set(by=world.leader, band=world.band, **{**BAND_FORM, "vat_rate": "0"}, reverse_charge=True)
    assert details.reverse_charge and details.vat_rate_bp == 0


def test_the_venues_staff_edit_its_details(client, world):
    url = reverse("documents:legal_venue", args=[world.venue.slug])
    client.force_login(world.owner)
    form = {"legal_name": "Kellerbar GmbH", "address": "Unter 2\nBerlin", "tax_number": "DE999"}
    assert client.post(url, form).status_code == 302
    details = LegalDetails.objects.get(venue=world.venue)
    assert details.legal_name == "Kellerbar GmbH" and details.vat_rate_bp == 0 and not details.reverse_charge
    for who in (world.other_owner, world.leader, world.client, world.stranger):
        client.force_login(who)
        assert client.get(url).status_code == 404


def test_a_person_edits_their_own_and_only_their_own(client, world):
    url = reverse("documents:legal_me")
    client.force_login(world.client)
    assert client.post(url, {"legal_name": "Anna Client", "address": "Weg 3\nPotsdam"}).status_code == 302
    client.force_login(world.other_client)
    page = client.get(url).content.decode()
    assert "Weg 3" not in page
    assert LegalDetails.objects.get().user == world.client


def test_the_service_refuses_a_stranger_and_two_owners(world):
    with pytest.raises(PermissionDenied):
        legal_details_set(by=world.stranger, band=world.band, legal_name="X", address="Y")
    with pytest.raises(ValueError):
        legal_details_set(by=world.leader, band=world.band, venue=world.venue, legal_name="X", address="Y")
    assert not LegalDetails.objects.exists()


def test_an_invoice_keeps_the_details_it_was_issued_with(world):
    from documents.services.invoices import invoice_issue
    from payments.tests.money_world import agreed

    legal_details_set(by=world.leader, band=world.band, **BAND_FORM)
    invoice = invoice_issue(booking=agreed(world.request, band_side=world.leader, other_side=world.client))
    legal_details_set(by=world.leader, band=world.band, **{**BAND_FORM, "legal_name": "Renamed GbR"})
    invoice.refresh_from_db()
    assert invoice.content["issuer"]["legal_name"] == "Night Shift GbR"
