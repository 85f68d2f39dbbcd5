"""Per-address limits behind our proxies: keyed on the visitor's address, which a visitor cannot make
up, and never a 500 whatever X-Forwarded-For holds."""

import logging

import pytest
from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse

from core.web.client_ip import client_ip

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the TLS proxy, REMOTE_ADDR of every request it passes on
VISITOR_A = "203.0.113.5"
VISITOR_B = "198.51.100.7"
TOO_MANY = "Too many failed login attempts. Try again later."


def through_proxy(forwarded_for: str | None) -> Client:
    """A browser whose requests reach the app through the proxy, which sent this X-Forwarded-For."""
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return Client(REMOTE_ADDR=PROXY, **extra)


def fail_logins(client: Client, times: int) -> list[str]:
    """Wrong passwords, each for another email, so only the per-visitor limit can refuse them."""
    url = reverse("account_login")
    return [client.post(url, {"login": f"guess{n}@example.org", "password": "wrong"}).text for n in range(times)]


def logs_in(client: Client) -> bool:
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    if response.status_code == 302:
        return True
    assert TOO_MANY in response.text, response.text[:500]
    return False


# ---- client_ip: which address a request is counted as ----------------------------------------------


def request_with(remote: str = PROXY, forwarded_for: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (1, VISITOR_A, VISITOR_A),
        # The visitor's own header comes first; the proxy appends the address it saw.
        (1, f"{VISITOR_B}, {VISITOR_A}", VISITOR_A),
        (1, f"1.1.1.1,2.2.2.2 ,{VISITOR_A}", VISITOR_A),
        (1, f"{VISITOR_A}:4711", VISITOR_A),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
        # Two proxies: the outer one saw the visitor, the inner one saw the outer one.
        (2, f"{VISITOR_B}, {VISITOR_A}, 10.0.0.9", VISITOR_A),
        (2, f"{VISITOR_A}, 10.0.0.9", VISITOR_A),
    ],
)
def test_behind_trusted_proxies_the_visitor_is_the_entry_the_outermost_proxy_wrote(
    settings, proxies, forwarded_for, expected
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_with(forwarded_for=forwarded_for)) == expected


@pytest.mark.parametrize("forwarded_for", [None, VISITOR_A, f"{VISITOR_B}, {VISITOR_A}", "garbage"])
def test_without_trusted_proxies_the_header_is_ignored(settings, forwarded_for):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_with(forwarded_for=forwarded_for)) == PROXY


@pytest.mark.parametrize(
    ("proxies", "forwarded_for"),
    [
        (1, None),
        (1, ""),
        (1, " , "),
        (1, "unknown"),
        (1, f"{VISITOR_A}, not-an-address"),
        (1, "999.1.1.1"),
        (1, "[2001:db8::1"),
        (1, f"{VISITOR_A}\x00"),
        (1, "a" * 10_000),
        (1, "," * 5000),
        # Fewer entries than trusted proxies: allauth's own lookup answers this with a 500.
        (2, VISITOR_A),
        (3, f"{VISITOR_B}, {VISITOR_A}"),
    ],
)
def test_an_unreadable_or_short_header_counts_the_request_as_its_sender_and_says_so(
    settings, caplog, proxies, forwarded_for
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    with caplog.at_level(logging.WARNING, logger="core.web.client_ip"):
        assert client_ip(request_with(forwarded_for=forwarded_for)) == PROXY
    assert f"does not fit {proxies} trusted proxies; using REMOTE_ADDR {PROXY}" in caplog.text


def test_allauth_asks_our_adapter_and_refuses_only_a_request_without_any_address(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    adapter = get_adapter()
    assert adapter.get_client_ip(request_with(forwarded_for=f"{VISITOR_B}, {VISITOR_A}")) == VISITOR_A
    assert adapter.get_client_ip(request_with(forwarded_for="garbage")) == PROXY
    with pytest.raises(PermissionDenied):
        adapter.get_client_ip(request_with(remote="", forwarded_for="garbage"))


# ---- The limits themselves, through the pages ---------------------------------------------------------


def test_behind_the_proxy_ten_failed_logins_from_one_visitor_do_not_lock_out_another(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    answers = fail_logins(through_proxy(VISITOR_A), 11)
    assert "The email address and/or password you specified are not correct." in answers[9]
    assert TOO_MANY in answers[10]
    assert logs_in(through_proxy(VISITOR_B))
    assert not logs_in(through_proxy(VISITOR_A))


def test_without_trusted_proxies_everyone_behind_the_proxy_shares_one_limit(settings):
    """What the setting is for: left at 0 behind a proxy, one guesser locks everybody out."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    fail_logins(through_proxy(VISITOR_A), 10)
    assert not logs_in(through_proxy(VISITOR_B))


def test_a_visitor_who_sends_a_made_up_header_is_still_counted_as_itself(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # Each guess claims another address; the proxy appends the address it really came from.
    url = reverse("account_login")
    for n in range(10):
        client = through_proxy(f"192.0.2.{n}, {VISITOR_B}, {VISITOR_A}")
        client.post(url, {"login": f"guess{n}@example.org", "password": "wrong"})
    assert not logs_in(through_proxy(f"192.0.2.99, {VISITOR_A}"))
    assert logs_in(through_proxy(VISITOR_B))


def test_without_trusted_proxies_a_made_up_header_does_not_escape_the_limit(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    url = reverse("account_login")
    for n in range(10):
        Client(REMOTE_ADDR=VISITOR_A, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            url, {"login": f"guess{n}@example.org", "password": "wrong"}
        )
    assert not logs_in(Client(REMOTE_ADDR=VISITOR_A, HTTP_X_FORWARDED_FOR="192.0.2.99"))
    assert logs_in(Client(REMOTE_ADDR=VISITOR_B, HTTP_X_FORWARDED_FOR=VISITOR_A))


@pytest.mark.parametrize("forwarded_for", ["", "unknown", "\x00", "[::1", "1.2.3.4.5, ,", "x" * 8000])
def test_a_garbled_header_never_answers_a_server_error(settings, forwarded_for):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    client = through_proxy(forwarded_for)
    client.raise_request_exception = False
    for page, data in [
        ("account_login", {"login": "someone@example.org", "password": "wrong"}),
        ("account_signup", {}),
        ("account_reset_password", {"email": "someone@example.org"}),
    ]:
        assert client.post(reverse(page), data).status_code in {200, 302}, page
    # It is counted as the proxy that sent it: garbled requests share one limit, nobody else's.
    fail_logins(client, 10)
    assert not logs_in(through_proxy(forwarded_for))
    assert logs_in(through_proxy(f"{VISITOR_B}, 10.0.0.9"))


@pytest.mark.parametrize(
    ("page", "limit", "data"),
    [
        # Every POST counts, even one the form sends back.
        ("account_signup", 20, lambda n: {}),
        ("account_reset_password", 20, lambda n: {"email": f"reset{n}@example.org"}),
    ],
)
def test_behind_the_proxy_signup_and_password_reset_limit_the_visitor_not_everyone(settings, page, limit, data):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    url = reverse(page)
    visitor_a = through_proxy(f"192.0.2.1, {VISITOR_A}")
    statuses = [visitor_a.post(url, data(n)).status_code for n in range(limit + 1)]
    assert 429 not in statuses[:limit]
    assert statuses[limit] == 429
    assert through_proxy(VISITOR_B).post(url, data(limit + 1)).status_code != 429


def test_the_address_limits_page_says_what_happened_in_plain_words(settings):
    """The signup and password-reset limits answer with our 429 page, worded for a limit per address
    (it has no figures of a person's own limit to fill in)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    visitor = through_proxy(f"192.0.2.1, {VISITOR_A}")
    url = reverse("account_signup")
    responses = [visitor.post(url, {}) for _ in range(21)]
    page = responses[-1]
    assert page.status_code == 429
    html = page.content.decode()
    assert "too many attempts from your connection" in html
    assert "per ," not in html and "up to  " not in html
    assert f'href="{reverse("home")}"' in html
