"""The privacy notice and the imprint (docs/decisions/0082): public, linked from every page's footer and the
sign-up form, the operator's facts and the periods from settings, in English and German."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_both_pages_are_public_and_only_read(client):
    for url in ("/privacy/", "/imprint/"):
        assert client.get(url).status_code == 200
        assert client.post(url).status_code == 405
    assert reverse("privacy_notice") == "/privacy/" and reverse("imprint") == "/imprint/"


@pytest.mark.parametrize("who", ["anonymous", "member", "staff"])
def test_every_page_footer_links_both(client, who, admin_user):
    if who == "member":
        client.force_login(UserFactory())
    elif who == "staff":
        client.force_login(admin_user)
    page = client.get(reverse("home") if who == "anonymous" else reverse("dashboard")).content.decode()
    assert 'href="/privacy/"' in page and 'href="/imprint/"' in page


def test_the_sign_up_form_links_the_privacy_notice(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'href="/privacy/"' in page


def test_the_privacy_notice_says_what_why_how_long_and_which_cookies(client, settings):
    operator = {"name": "Gigs & Co. GmbH", "email": "dpo@gigs.example"}
    settings.STAGESLOT_OPERATOR = {**settings.STAGESLOT_OPERATOR, **operator}
    page = client.get("/privacy/").content.decode()
    assert "Gigs &amp; Co. GmbH" in page and "dpo@gigs.example" in page
    assert "Until you close your account, then 30 days more" in page
    assert "Invoices 10 years, contracts 10 years" in page
    assert "Read notifications 180 days, unread ones 365 days" in page
    for cookie in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME):
        assert f"<code>{cookie}</code>" in page
    assert reverse("privacy:data") in page


def test_a_changed_setting_changes_the_page(client, settings):
    settings.STAGESLOT_ACCOUNT_GRACE_DAYS = 14
    settings.STAGESLOT_LEGAL_HOLD_YEARS = {"invoices": 8, "contracts": 6}
    settings.STAGESLOT_BACKUP_DAYS = 21
    page = client.get("/privacy/").content.decode()
    assert "then 14 days more" in page
    assert "Invoices 8 years, contracts 6 years" in page
    assert "for 21 more days" in page


def test_the_imprint_shows_the_operators_facts(client, settings):
    settings.STAGESLOT_OPERATOR = {
        "name": "Gigs & Co. GmbH",
        "address": "Kastanienallee 1\n10435 Berlin",
        "email": "hello@gigs.example",
        "phone": "+49 30 1234567",
        "representative": "Jo Example",
        "register": "Amtsgericht Charlottenburg HRB 123456",
        "vat_id": "DE123456789",
    }
    page = client.get("/imprint/").content.decode()
    for fact in ("Kastanienallee 1<br>10435 Berlin", "+49 30 1234567", "Jo Example", "HRB 123456", "DE123456789"):
        assert fact in page


def test_both_pages_speak_german(client):
    client.cookies["django_language"] = "de"
    assert "Datenschutzerklärung" in client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Impressum" in client.get("/imprint/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
