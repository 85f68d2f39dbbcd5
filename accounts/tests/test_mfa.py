"""Two-factor (authenticator app, recovery codes, passkeys) as people use it: turning it on, signing in
with it, the wrong and reused codes, a passkey of someone else; the second factor asked before money and
contracts; staff must have it (accounts/mfa.py, docs/decisions/0043-signing-in.md)."""

import json
import re
import time
from unittest import mock

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.urls import reverse

from accounts.mfa import second_factor_required

from .factories import PASSWORD, UserFactory
from .passkeys import SoftPasskey

pytestmark = pytest.mark.django_db


def totp_code(secret: str, *, step: int = 0) -> str:
    """The code an authenticator app shows now (or `step` periods on), by the clock allauth checks it with
    (it stands still through each test: conftest.py `_totp_codes_checked_at_the_tests_start`)."""
    return format_hotp_value(hotp_value(secret, int(totp_auth.time.time()) // 30 + step))


def with_totp(user) -> tuple[str, list[str]]:
    """Turn two-factor on for `user` as the setup page does: the app's secret and the recovery codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).generate_codes()
    return secret, codes


def password_step(client: Client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def sign_in_with_totp(client: Client, user, secret: str):
    response = password_step(client, user)
    assert response.url == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})


def signed_in(client: Client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


# --- Turning it on ---------------------------------------------------------------------------------------


def test_turning_on_the_authenticator_app_with_the_shown_secret(client, mailoutbox):
    user = UserFactory()
    password_step(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.content.decode()  # the key is shown beside the QR code
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()  # nothing changed
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert set(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == {"totp", "recovery_codes"}
    index = client.get(reverse("mfa_index")).content.decode()
    assert "Two-factor and passkeys" in index and "Turn off" in index


def test_the_security_page_is_in_the_account_menu_and_settings(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert html.count(f'href="{reverse("mfa_index")}"') == 2  # the user menu and the settings' list


# --- Signing in with it --------------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_and_a_wrong_one_changes_nothing(client):
    user = UserFactory()
    secret, _codes = with_totp(user)
    assert password_step(client, user).url == reverse("mfa_authenticate")
    assert not signed_in(client)
    wrong = client.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert not signed_in(client)
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)}).status_code == 302
    assert signed_in(client)


def test_a_totp_code_works_once(client):
    user = UserFactory()
    secret, _codes = with_totp(user)
    code = totp_code(secret)
    password_step(client, user)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert signed_in(client)
    other = Client()
    password_step(other, user)
    again = other.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200 and "Incorrect code" in again.content.decode()
    assert not signed_in(other)


def test_a_recovery_code_works_once(client):
    user = UserFactory()
    _secret, codes = with_totp(user)
    password_step(client, user)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert signed_in(client)
    other = Client()
    password_step(other, user)
    used = other.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert used.status_code == 200 and "Incorrect code" in used.content.decode()
    assert not signed_in(other)
    assert len(RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes")).get_unused_codes()) == 9


def test_wrong_totp_codes_are_limited_per_account_like_passwords(client):
    """ACCOUNT_RATE_LIMITS["login_failed"] (5 per 5 minutes per account) holds for second-factor codes: even
    the right code is refused once the limit is reached, from any address."""
    user = UserFactory()
    secret, _codes = with_totp(user)
    password_step(client, user)
    answers = [client.post(reverse("mfa_authenticate"), {"code": "999999"}).content.decode() for _ in range(6)]
    assert "Too many failed login attempts" in answers[-1]
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    password_step(elsewhere, user)
    refused = elsewhere.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert "Too many failed login attempts" in refused.content.decode()
    assert not signed_in(elsewhere)


# --- Passkeys ------------------------------------------------------------------------------------------


def add_passkey(client: Client, user) -> SoftPasskey:
    password_step(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200
    passkey = SoftPasskey()
    credential = passkey.create(page.context["js_data"]["creation_options"])
    response = client.post(
        reverse("mfa_add_webauthn"), {"name": "Laptop", "passwordless": "on", "credential": json.dumps(credential)}
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return passkey


def passkey_login(client: Client, passkey: SoftPasskey):
    options = client.get(reverse("mfa_login_webauthn"), HTTP_ACCEPT="application/json").json()["request_options"]
    return client.post(reverse("mfa_login_webauthn"), {"credential": json.dumps(passkey.get(options))})


def test_a_passkey_added_with_the_forms_defaults_signs_in():
    """ "Passwordless" is ticked when the form opens, so the browser is asked for a discoverable passkey: the
    kind "Use a passkey" can offer. Unticking it is said to make a second step only."""
    user = UserFactory()
    client = Client()
    password_step(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_add_webauthn"))
    field = page.context["form"]["passwordless"]
    assert field.value() is True
    assert re.search(r'<input[^>]*name="passwordless"[^>]*checked', page.content.decode())
    assert "Untick it only for a security key you use as a second step" in page.content.decode()


def test_the_sign_in_says_why_when_no_passkey_signs_in(client):
    """When the browser offers none (none made here, or one added as a second step only), the page says so
    rather than nothing: the message is on the page, hidden until the passkey script's error shows it."""
    page = client.get(reverse("account_login")).content.decode()
    message = re.search(r'<p id="passkey_failed"[^>]*role="alert"[^>]*hidden>\s*([^<]+)', page)
    assert message and "No passkey signed you in" in message[1] and "Passwordless" in message[1]
    assert "js/passkey-login.js" in page


def test_a_passkey_signs_in_without_a_password():
    user = UserFactory()
    passkey = add_passkey(Client(), user)
    assert Authenticator.objects.filter(user=user, type="webauthn").count() == 1
    client = Client()
    response = passkey_login(client, passkey)
    assert response.status_code == 302
    assert signed_in(client)
    assert client.get(reverse("dashboard")).context["user"] == user


def test_an_unknown_or_broken_passkey_answer_is_refused_with_a_message():
    user = UserFactory()
    add_passkey(Client(), user)
    client = Client()
    stranger = SoftPasskey()
    stranger.user_handle = str(user.pk).encode()  # claims to be this user, with a key never registered
    response = passkey_login(client, stranger)
    assert response.status_code == 302 and response.url == reverse("account_login")
    page = client.get(response.url).content.decode()
    assert "Incorrect code" in page
    assert not signed_in(client)
    broken = client.post(reverse("mfa_login_webauthn"), {"credential": '{"id": "x", "response": {}}'})
    assert broken.status_code == 302 and not signed_in(client)
    assert client.post(reverse("mfa_login_webauthn"), {"credential": "not json"}).status_code == 302


def test_a_passkey_of_another_account_does_not_confirm_this_one():
    """Mara's passkey, offered at Kim's "confirm it is you", is refused; Kim's window stays closed."""
    mara, kim = UserFactory(), UserFactory()
    maras = add_passkey(Client(), mara)
    kim_client = Client()
    add_passkey(kim_client, kim)
    page = kim_client.get(reverse("mfa_reauthenticate_webauthn"))
    options = page.context["js_data"]["request_options"]
    maras.user_handle = str(kim.pk).encode()
    response = kim_client.post(reverse("mfa_reauthenticate_webauthn"), {"credential": json.dumps(maras.get(options))})
    assert response.status_code == 302  # allauth sends a refused passkey back with its message
    assert "Incorrect code" in kim_client.get(response.url, follow=True).content.decode()
    assert signed_in(kim_client)  # still Kim, nothing else changed
    records = kim_client.session.get("account_authentication_methods", [])
    assert not [r for r in records if r.get("method") == "mfa"]


# --- The second factor before money and contracts --------------------------------------------------------


@pytest.fixture
def gated_url(settings):
    """A stand-in money view behind second_factor_required, at /test-money/."""
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    import stageslot.urls

    @second_factor_required
    def money(request):
        return HttpResponse(f"moved {request.POST.get('amount', '')}")

    module = type(stageslot.urls)("gated_urls")
    module.urlpatterns = [path("test-money/", money, name="test_money"), *stageslot.urls.urlpatterns]
    import sys

    sys.modules["gated_urls"] = module
    settings.ROOT_URLCONF = "gated_urls"
    clear_url_caches()
    yield "/test-money/"
    clear_url_caches()
    del sys.modules["gated_urls"]


def test_an_account_without_two_factor_is_not_asked(client, gated_url):
    client.force_login(UserFactory())
    response = client.post(gated_url, {"amount": "100"})
    assert response.content == b"moved 100"


def test_money_waits_for_the_second_factor_then_goes_through_once(client, gated_url):
    user = UserFactory()
    secret, _codes = with_totp(user)
    # Signed in with the code more than the window ago: asked again.
    with mock.patch("time.time", return_value=time.time() - 3600):
        sign_in_with_totp(client, user, secret)
    response = client.post(gated_url, {"amount": "100"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_reauthenticate") + "?next=")
    page = client.get(response.url)
    assert page.status_code == 200 and "Confirm it is you" in page.content.decode()
    wrong = client.post(response.url, {"code": "000001"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    done = client.post(response.url, {"code": totp_code(secret)})
    assert done.content == b"moved 100"  # the POST that waited is carried out
    assert client.post(gated_url, {"amount": "50"}).content == b"moved 50"  # within the window: not asked


def test_signing_in_with_the_second_factor_counts_for_the_window(client, gated_url):
    user = UserFactory()
    secret, _codes = with_totp(user)
    sign_in_with_totp(client, user, secret)
    assert client.post(gated_url, {"amount": "7"}).content == b"moved 7"


def test_htmx_and_the_card_form_are_sent_to_the_second_factor_page(client, gated_url):
    user = UserFactory()
    with_totp(user)
    client.force_login(user)
    htmx = client.post(
        gated_url, {"amount": "1"}, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/bookings/"
    )
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"] == reverse("mfa_reauthenticate") + "?next=%2Fbookings%2F"
    card = client.post(gated_url, HTTP_ACCEPT="application/json", HTTP_REFERER="http://testserver/payments/x/")
    assert card.status_code == 403
    assert card.json()["state"] == "second_factor"
    assert card.json()["next"] == reverse("mfa_reauthenticate") + "?next=%2Fpayments%2Fx%2F"
    assert client.get(gated_url).content == b"moved "  # a read is never asked


def test_every_view_that_moves_money_or_signs_a_contract_asks_for_it():
    from documents.views import contracts
    from payments.views import money, pay, settlement

    gated = [
        pay.setup,
        pay.pay,
        pay.record_outside,
        pay.cancel,
        pay.checkout_setup,
        pay.checkout_pay_view,
        settlement.settlement_enter,
        settlement.settlement_approve,
        settlement.settlement_cost_add,
        settlement.settlement_cost_remove,
        settlement.settlement_bonus_add,
        settlement.settlement_bonus_remove,
        money.band_gig,
        contracts.contract_sign,
    ]

    def has_gate(view) -> bool:
        while view is not None:
            if getattr(view, "second_factor_required", False):
                return True
            view = getattr(view, "__wrapped__", None)
        return False

    assert [v.__name__ for v in gated if not has_gate(v)] == []


def test_contract_signing_by_an_account_with_two_factor_is_held_until_it_is_given(client):
    user = UserFactory()
    with_totp(user)
    client.force_login(user)
    url = reverse("documents:contract_sign", args=["00000000-0000-0000-0000-000000000000"])
    response = client.post(url, {"full_name": "X"})
    assert response.status_code == 302 and response.url.startswith(reverse("mfa_reauthenticate"))


# --- Staff must use it -----------------------------------------------------------------------------------


def test_staff_without_two_factor_are_sent_to_set_it_up_before_the_admin(client, settings):
    settings.STAGESLOT_STAFF_REQUIRE_MFA = True
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    for path in ["/admin/", "/admin/accounts/user/", reverse("analytics:platform")]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("mfa_index"))
    page = client.get(response.url).content.decode()
    assert "Staff accounts must use two-factor" in page


def test_staff_with_two_factor_open_the_admin_and_give_it_again_before_money(client, settings):
    settings.STAGESLOT_STAFF_REQUIRE_MFA = True
    staff = UserFactory(is_staff=True, is_superuser=True)
    secret, _codes = with_totp(staff)
    sign_in_with_totp(client, staff, secret)
    assert client.get("/admin/").status_code == 200
    with mock.patch("accounts.mfa.second_factor_recent", return_value=False):
        refund = client.post("/admin/payments/payout/add/", {"amount": "1"})
    assert refund.status_code == 302 and refund.url.startswith(reverse("mfa_reauthenticate"))


def test_people_who_are_not_staff_are_not_sent_to_set_it_up(client, settings):
    settings.STAGESLOT_STAFF_REQUIRE_MFA = True
    client.force_login(UserFactory())
    assert client.get("/admin/").status_code == 302
    assert not client.get("/admin/").url.startswith(reverse("mfa_index"))
