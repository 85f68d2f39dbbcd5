"""The language a person reads StageSlot in: their browser's, the switcher's (kept on the account once
signed in), and the recipient's own for every notification and email."""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bookings.services import asking
from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner

pytestmark = pytest.mark.django_db

GERMAN_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def _page_language(client: Client, **headers) -> str:
    response = client.get("/bands/", **headers)
    assert response.status_code == 200
    return response["Content-Language"]


def test_a_german_browser_reads_german(client):
    response = client.get("/bands/", **GERMAN_BROWSER)
    assert response["Content-Language"] == "de"
    html = response.content.decode()
    assert '<html lang="de"' in html
    assert "Anmelden" in html  # "Log in"
    assert _page_language(client, **ENGLISH_BROWSER) == "en-gb"


def test_the_switcher_sets_this_browsers_language_and_goes_back(client):
    response = client.post("/language/", {"language": "de", "next": "/bands/?genre=rock"}, **ENGLISH_BROWSER)
    assert response.status_code == 302 and response["Location"] == "/bands/?genre=rock"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert _page_language(client, **ENGLISH_BROWSER) == "de"


def test_the_switcher_keeps_the_choice_on_the_account():
    user = UserFactory(language="")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    page = browser.get("/bands/", **ENGLISH_BROWSER)
    token = page.cookies["csrftoken"].value
    response = browser.post("/language/", {"language": "de", "next": "/bands/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "de"
    # Another browser, English-speaking, signed in to the same account: German all the same.
    elsewhere = Client()
    elsewhere.force_login(user)
    assert _page_language(elsewhere, **ENGLISH_BROWSER) == "de"


def test_signed_in_the_switcher_needs_the_forms_token():
    user = UserFactory(language="")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/language/", {"language": "de"})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.language == ""


@pytest.mark.parametrize("code", ["xx", "klingon", "", "de-AT-x-long", "<script>"])
def test_a_language_we_do_not_have_says_so_and_changes_nothing(client, code):
    user = UserFactory(language="en")
    client.force_login(user)
    response = client.post("/language/", {"language": code, "next": "/bands/"}, follow=True)
    assert response.status_code == 200
    assert "StageSlot does not speak that language." in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.client.cookies
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_switcher_never_sends_anyone_off_the_site(client, target):
    response = client.post("/language/", {"language": "de", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_switcher_only_takes_a_post(client):
    assert client.get("/language/?language=de").status_code == 405


def test_signing_up_keeps_the_language_the_page_was_read_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "neu@example.com",
            "password1": "ein sehr gutes Passwort 42",
            "password2": "ein sehr gutes Passwort 42",
            "display_name": "Neu",
            "time_zone": "Europe/Berlin",
        },
        **GERMAN_BROWSER,
    )
    assert response.status_code == 302
    from accounts.models import User

    assert User.objects.get(email="neu@example.com").language == "de"


def test_each_recipient_gets_their_mail_in_their_own_language(django_capture_on_commit_callbacks):
    """The band applies in English; the venue's owner reads German."""
    venue, owner = venue_with_owner(name="Zum Anker", time_zone="Europe/Berlin")
    owner.language = "de"
    owner.save(update_fields=["language"])
    band, leader = band_with_leader(name="Night Owls", time_zone="Europe/Berlin")
    slot = SlotFactory(venue=venue, title="Indie Night", starts_at=in_days(12))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        asking.booking_apply(slot=slot, band=band, by=leader, role="headliner")
    note = Notification.objects.get(recipient=owner, kind="booking_created")
    assert "hat sich beworben" in note.text
    assert [action["label"] for action in note.data["actions"]] == ["Annehmen", "Ablehnen"]
    email = next(message for message in mail.outbox if message.to == [owner.email])
    assert "hat sich beworben" in email.subject
    assert "Hallo" in email.body
