"""Passkeys refuse an address made of numbers: the pages that offer them say so, and give the page by name."""

import pytest
from django.urls import reverse

from accounts.templatetags.passkeys import numeric_host

from .factories import UserFactory

pytestmark = pytest.mark.django_db

NOTE = "Passkeys do not work at an address made of numbers"


@pytest.mark.parametrize(
    ("host", "numeric"),
    [
        ("127.0.0.1:8000", True),
        ("[::1]:8000", True),
        ("10.0.0.7", True),
        ("localhost:8000", False),
        ("stageslot.example", False),
    ],
)
def test_a_host_made_of_numbers_is_told_apart(host, numeric):
    assert numeric_host(host) is numeric


def test_the_sign_in_page_at_127_0_0_1_links_to_localhost(client, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    html = client.get(reverse("account_login"), HTTP_HOST="127.0.0.1:8000").content.decode()
    assert NOTE in html
    assert 'href="http://localhost:8000/accounts/login/"' in html
    assert NOTE not in client.get(reverse("account_login"), HTTP_HOST="localhost:8000").content.decode()


def test_the_security_page_says_so_too(client, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "192.168.1.20"]
    client.force_login(UserFactory())
    html = client.get(reverse("mfa_index"), HTTP_HOST="192.168.1.20:8000").content.decode()
    assert NOTE in html and "open StageSlot by its name" in html
