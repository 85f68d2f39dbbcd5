"""Signing in with a code sent by email (allauth's login by code): the way in, the wrong, reused and
expired code, the limits, and no answer that tells whether an address has an account."""

import re
import time
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from .factories import UserFactory
from .test_enumeration import visible_text

pytestmark = pytest.mark.django_db


# The code on a line of its own, as allauth's login_code_message.txt writes it ("ABC-DEF" or "123456").
CODE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", re.M)


def ask_for_code(client: Client, email: str, capture):
    with capture(execute=True):
        return client.post(reverse("account_request_login_code"), {"email": email})


def code_in(mailoutbox, email: str) -> str:
    body = [m.body for m in mailoutbox if m.to == [email]][-1]
    return CODE.search(body).group(1)


def signed_in(client: Client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def test_the_login_page_offers_a_code_and_a_passkey(client):
    html = client.get(reverse("account_login")).content.decode()
    assert reverse("account_request_login_code") in html and "Email me a code" in html
    assert 'id="passkey_login"' in html and "Use a passkey" in html
    assert "Continue with Google" not in html  # no Google keys set


def test_an_emailed_code_signs_in(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory()
    response = ask_for_code(client, user.email, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response.url == reverse("account_confirm_login_code")
    assert "Enter your code" in client.get(response.url).content.decode()
    code = code_in(mailoutbox, user.email)
    assert client.post(reverse("account_confirm_login_code"), {"code": code}).status_code == 302
    assert signed_in(client)


def test_a_wrong_code_gets_a_message_and_three_send_you_back(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory()
    ask_for_code(client, user.email, django_capture_on_commit_callbacks)
    code = code_in(mailoutbox, user.email)
    wrong = client.post(reverse("account_confirm_login_code"), {"code": "AAAAAA" if code != "AAAAAA" else "BBBBBB"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert not signed_in(client)
    client.post(reverse("account_confirm_login_code"), {"code": "WRONG2"})
    third = client.post(reverse("account_confirm_login_code"), {"code": "WRONG3"})
    assert third.status_code == 302 and third.url == reverse("account_request_login_code")
    assert "Too many failed login attempts" in client.get(third.url).content.decode()
    # The right code no longer works either: the attempt is over.
    late = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert late.status_code == 302 and not signed_in(client)


def test_a_used_code_does_not_work_again(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory()
    ask_for_code(client, user.email, django_capture_on_commit_callbacks)
    code = code_in(mailoutbox, user.email)
    client.post(reverse("account_confirm_login_code"), {"code": code})
    client.post(reverse("account_logout"))
    again = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert again.status_code == 302 and again.url == reverse("account_request_login_code")
    assert not signed_in(client)


def test_an_expired_code_is_refused(client, mailoutbox, django_capture_on_commit_callbacks, settings):
    user = UserFactory()
    ask_for_code(client, user.email, django_capture_on_commit_callbacks)
    code = code_in(mailoutbox, user.email)
    later = time.time() + settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT + 1
    with mock.patch("time.time", return_value=later):
        response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302 and response.url == reverse("account_request_login_code")
    assert not signed_in(client)


def test_asking_for_a_code_answers_the_same_for_known_and_unknown_addresses(
    mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.com")
    answers = []
    for email in ["known@example.com", "nobody@example.com"]:
        client = Client()
        response = ask_for_code(client, email, django_capture_on_commit_callbacks)
        page = client.get(response.url)
        answers.append((response.status_code, response.url, visible_text(page.content.decode(), email)))
        wrong = client.post(reverse("account_confirm_login_code"), {"code": "ZZZZZZ"})
        answers.append((wrong.status_code, visible_text(wrong.content.decode(), email)))
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert [m for m in mailoutbox if m.to == ["known@example.com"]]
    assert all(
        not re.search(r"^\s*[A-Z0-9]{6}\s*$", m.body, re.M) for m in mailoutbox if m.to == ["nobody@example.com"]
    )


def test_codes_asked_for_one_address_are_limited(client, mailoutbox, django_capture_on_commit_callbacks):
    """ACCOUNT_RATE_LIMITS["request_login_code"]: 3 a minute per address, whichever address asks."""
    user = UserFactory()
    for n in range(3):
        assert (
            ask_for_code(Client(REMOTE_ADDR=f"10.0.0.{n}"), user.email, django_capture_on_commit_callbacks).status_code
            == 302
        )
    refused = ask_for_code(Client(REMOTE_ADDR="10.0.0.9"), user.email, django_capture_on_commit_callbacks)
    assert refused.status_code == 200 and "Too many failed login attempts" in refused.content.decode()
    assert len([m for m in mailoutbox if m.to == [user.email]]) == 3


def test_codes_asked_from_one_address_are_limited(mailoutbox, django_capture_on_commit_callbacks):
    """… and 20 a minute per IP address, for any addresses (each asked from a fresh browser)."""
    UserFactory(email="p20@example.com")
    answers = [ask_for_code(Client(), f"p{n}@example.com", django_capture_on_commit_callbacks) for n in range(21)]
    assert [a.status_code for a in answers[:20]] == [302] * 20
    assert answers[20].status_code == 200 and "Too many failed login attempts" in answers[20].content.decode()
    assert not [m for m in mailoutbox if m.to == ["p20@example.com"]]


def test_bad_input_on_the_code_pages_is_a_message_never_a_500(client):
    response = client.post(reverse("account_request_login_code"), {"email": "not an address"})
    assert response.status_code == 200 and "valid email" in response.content.decode()
    # No code asked for: the confirm page sends you to ask for one.
    assert client.post(reverse("account_confirm_login_code"), {"code": "123456"}).status_code == 302
