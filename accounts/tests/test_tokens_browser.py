"""In Chromium, at phone width, in English and German: a member with two-factor on makes an API token
that can move money. The form is held for the second factor (the password is not offered), and once a
recovery code is given the token is made and shown, marked as one that can move money."""

import time

import pytest
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import ApiToken
from accounts.tests.test_mfa import with_totp

from .factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_money_token_waits_for_the_second_factor_on_a_phone(live_server, browser, axe_check, settings, language):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 2
    user = UserFactory(email="till@example.com")
    _secret, codes = with_totp(user)
    context = browser.new_context(locale=language, viewport={"width": 390, "height": 900})
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page = context.new_page()
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.fill("input[name=code]", codes[0])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/2fa/" not in url and "/login/" not in url)
    time.sleep(2.5)  # the second factor of the sign-in is older than the window now

    page.goto(f"{base}/me/tokens/")
    axe_check(page, what="the tokens page")
    axe_check.fits(page, what="the tokens page at 390px")
    page.fill("input[name=name]", "Till")
    page.check("input[value=payments]")
    page.select_option("select[name=expires]", "30")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/reauthenticate/" in url)
    assert not ApiToken.objects.filter(user=user).exists()
    axe_check(page, what="confirm it is you")
    axe_check.fits(page, what="confirm it is you at 390px")
    with translation.override(language):
        assert gettext("Use your password") not in page.content()
        page.fill("input[name=code]", codes[1])
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_selector("#new-token")
        token = ApiToken.objects.get(user=user)
        assert token.second_factor_at is not None and "payments" in token.scopes
        assert gettext("Can move money: made after your second factor.") in page.content()
    axe_check(page, what="the new token")
    axe_check.fits(page, what="the new token at 390px")
    context.close()
