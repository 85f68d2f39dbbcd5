"""Neither password reset nor signup tells a stranger whether an address has an account: the same
answer and page for both; only the mailbox's owner learns it, by mail."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User

from .factories import UserFactory
from .test_auth_flows import SIGNUP

pytestmark = pytest.mark.django_db


def visible_text(html: str, email: str) -> str:
    """The page's words, without the per-request CSRF tokens, the address typed as "EMAIL"."""
    return re.sub(r'value="[^"]*"|"x-csrftoken": "[^"]*"', "", html).replace(email, "EMAIL")


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.com")
    answers = []
    for email in ["known@example.com", "nobody@example.com"]:
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("account_reset_password"), {"email": email})
        page = client.get(response.url)
        answers.append((response.status_code, response.url, visible_text(page.content.decode(), email)))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, reverse("account_reset_password_done"))
    assert "is not assigned to any user account" not in answers[1][2]
    # The known address gets its link; the unknown one, if anything, a mail saying there is no account.
    known = [m for m in mailoutbox if m.to == ["known@example.com"]]
    assert len(known) == 1 and "/accounts/password/reset/key/" in known[0].body
    assert all("/password/reset/key/" not in m.body for m in mailoutbox if m.to == ["nobody@example.com"])


def test_signup_with_a_taken_address_looks_like_any_signup_and_mails_the_owner(
    mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@example.com")
    answers = []
    for email in ["taken@example.com", "fresh@example.com"]:
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("account_signup"), {**SIGNUP, "email": email})
        page = client.get(response.url)
        answers.append((response.status_code, response.url, visible_text(page.content.decode(), email)))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, reverse("account_email_verification_sent"))
    assert "already registered" not in answers[0][2]
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    # The owner of the taken address hears of the attempt; the new address gets its confirmation link.
    assert [m.to for m in mailoutbox] == [["taken@example.com"], ["fresh@example.com"]]
    assert "/accounts/confirm-email/" not in mailoutbox[0].body
    assert "/accounts/confirm-email/" in mailoutbox[1].body
