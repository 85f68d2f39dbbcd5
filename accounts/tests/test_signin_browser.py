"""In Chromium: sign in with a code from the email, add a passkey with Chromium's virtual authenticator
(the DevTools protocol's WebAuthn domain), turn on the authenticator app with the secret the page shows,
then sign out and back in with the passkey alone. Every new page passes axe, at phone width too."""

import os
import re
import time

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from playwright.sync_api import expect

from .factories import PASSWORD, UserFactory
from .test_mfa import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def newest_code(to: str) -> str:
    for message in reversed(mail.outbox):
        if to in message.to:
            found = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", message.body, re.M)
            if found:
                return found[1]
    raise AssertionError(f"no sign-in code mailed to {to}")


def virtual_authenticator(page) -> None:
    """A platform passkey store in this page's browser: CTAP2, built in, keeps resident keys, verifies
    its user (as a fingerprint would) at once."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_code_passkey_and_authenticator_app(live_server, browser, axe_check):
    user = UserFactory(email="sam@example.com", display_name="Sam Signin")
    page = browser.new_context(locale="en-GB").new_page()
    page.set_default_timeout(15_000)
    virtual_authenticator(page)
    # WebAuthn wants a domain for its relying party, never an IP address: the same server as "localhost".
    base = live_server.url.replace("127.0.0.1", "localhost")

    # A code by email instead of the password.
    page.goto(f"{base}/accounts/login/")
    axe_check(page, what="the sign-in page")
    page.get_by_role("link", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Sign in with a code")).to_be_visible()
    axe_check(page, what="asking for a code")
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    axe_check(page, what="entering the code")
    page.get_by_label("Code").fill("WRONG1")
    page.get_by_role("button", name="Confirm the code").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    page.get_by_label("Code").fill(newest_code(user.email))
    page.get_by_role("button", name="Confirm the code").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))

    # Two-factor and passkeys, from the account menu.
    page.get_by_text("Sam Signin").first.click()
    page.get_by_role("link", name="Two-factor and passkeys").click()
    expect(page.get_by_role("heading", name="Two-factor and passkeys")).to_be_visible()
    axe_check(page, what="two-factor and passkeys")
    page.get_by_role("link", name="Add a passkey").click()
    # Adding one asks for the password once (allauth's "confirm it is you").
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    axe_check(page, what="confirm it is you")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/2fa/webauthn/add/"))
    axe_check(page, what="adding a passkey")
    page.get_by_label("Passwordless").check()
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    deadline = time.monotonic() + 10
    while not Authenticator.objects.filter(user=user, type="webauthn").exists() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert Authenticator.objects.filter(user=user, type="webauthn").exists()

    # The authenticator app, with the key the page shows.
    page.goto(f"{base}/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    axe_check(page, what="setting up the authenticator app")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        axe_check.fits(page, what=f"setting up the authenticator app at {width}px")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor").click()
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    if shots := os.environ.get("STAGESLOT_SCREENSHOTS"):
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}/accounts/2fa/")
            page.screenshot(path=f"{shots}/security-{width}.png", full_page=True)
    page.goto(f"{base}/accounts/2fa/")
    expect(page.get_by_text("Signing in asks for the 6-digit code your app shows.")).to_be_visible()
    axe_check(page, what="two-factor on")

    # Signed out, back in with the passkey alone.
    page.get_by_text("Sam Signin").first.click()
    page.get_by_role("button", name="Log out").click()
    # Logging out first clears what the device kept (static/js/road.js), then sends the form: wait for it.
    page.get_by_role("banner").get_by_role("link", name="Log in").wait_for()
    page.goto(f"{base}/accounts/login/")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        axe_check.fits(page, what=f"the sign-in page at {width}px")
    if shots := os.environ.get("STAGESLOT_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/login-{page.viewport_size['width']}.png", full_page=True)
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_text("Sam Signin").first).to_be_visible()
