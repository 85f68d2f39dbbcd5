"""Sign in with Google through allauth's provider, at the HTTP boundary: Google's token and userinfo
endpoints answer with recorded replies (responses), so the whole redirect → callback → signed-in flow
runs and no test calls Google."""

from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse

from accounts.models import User

from .factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "https://oauth2.googleapis.com/token"
USERINFO_URL = "https://www.googleapis.com/oauth2/v2/userinfo"
# Google's answers as recorded (identifiers made up).
TOKEN_REPLY = {
    "access_token": "ya29.recorded",
    "expires_in": 3599,
    "scope": "openid email profile",
    "token_type": "Bearer",
}


def userinfo(email: str, *, verified: bool = True, sub: str = "109876543210987654321") -> dict:
    return {
        "id": sub,
        "email": email,
        "verified_email": verified,
        "name": "Greta Google",
        "given_name": "Greta",
        "family_name": "Google",
        "picture": "https://lh3.googleusercontent.com/a/recorded",
    }


@pytest.fixture
def google_keys(settings):
    providers = {k: dict(v) for k, v in settings.SOCIALACCOUNT_PROVIDERS.items()}
    providers["google"]["APP"] = {"client_id": "recorded-client.apps.googleusercontent.com", "secret": "recorded"}
    settings.SOCIALACCOUNT_PROVIDERS = providers


def google_flow(client: Client, answer: dict):
    """Press "Continue with Google", come back from Google with a code; Google's endpoints answer `answer`."""
    start = client.post(reverse("google_login"))
    assert start.status_code == 302 and start.url.startswith("https://accounts.google.com/o/oauth2/v2/auth")
    query = parse_qs(urlsplit(start.url).query)
    assert query["client_id"] == ["recorded-client.apps.googleusercontent.com"]
    assert query["code_challenge_method"] == ["S256"]
    with responses.RequestsMock() as google:
        google.post(TOKEN_URL, json=TOKEN_REPLY)
        google.get(USERINFO_URL, json=answer)
        response = client.get(reverse("google_callback"), {"code": "4/recorded", "state": query["state"][0]})
        assert [c.request.url.split("?")[0] for c in google.calls] == [TOKEN_URL, USERINFO_URL]
    return response


def test_the_button_shows_only_with_the_keys(client, google_keys):
    html = client.get(reverse("account_login")).content.decode()
    assert "Continue with Google" in html and reverse("google_login") in html


def test_without_the_keys_there_is_no_button_and_no_way_in(client):
    assert "Continue with Google" not in client.get(reverse("account_login")).content.decode()
    assert client.post(reverse("google_login")).status_code == 404


def test_a_new_person_signs_up_with_google_and_the_address_is_verified(client, google_keys, mailoutbox):
    response = google_flow(client, userinfo("greta@example.com"))
    assert response.status_code == 302
    user = User.objects.get(email="greta@example.com")
    assert user.display_name == "Greta Google"
    assert EmailAddress.objects.get(user=user).verified
    assert SocialAccount.objects.get(user=user).provider == "google"
    assert client.get(reverse("dashboard")).status_code == 200
    assert not user.has_usable_password()


def test_an_existing_account_with_the_verified_address_signs_in_and_is_connected(client, google_keys):
    mara = UserFactory(email="mara@example.com")
    response = google_flow(client, userinfo("Mara@Example.com"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).context["user"] == mara
    assert SocialAccount.objects.get(provider="google").user == mara
    assert User.objects.count() == 1


def test_an_address_google_has_not_verified_never_takes_over_an_account(client, google_keys):
    mara = UserFactory(email="mara@example.com")
    google_flow(client, userinfo("mara@example.com", verified=False))
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code != 200 or dashboard.context["user"] != mara
    assert not SocialAccount.objects.filter(user=mara).exists()


def test_google_refusing_or_a_forged_state_is_a_clear_page_and_nothing_changes(client, google_keys):
    client.post(reverse("google_login"))
    denied = client.get(reverse("google_callback"), {"error": "access_denied", "state": "x"})
    assert denied.status_code < 500 and "That did not work" in denied.content.decode()
    forged = client.get(reverse("google_callback"), {"code": "4/recorded", "state": "forged"})
    assert forged.status_code < 500 and "That did not work" in forged.content.decode()
    assert not User.objects.exists()
    with responses.RequestsMock() as google:
        start = client.post(reverse("google_login"))
        state = parse_qs(urlsplit(start.url).query)["state"][0]
        google.post(TOKEN_URL, status=500, json={"error": "internal"})
        broken = client.get(reverse("google_callback"), {"code": "4/recorded", "state": state})
    assert broken.status_code < 500 and "That did not work" in broken.content.decode()
    assert not User.objects.exists()
