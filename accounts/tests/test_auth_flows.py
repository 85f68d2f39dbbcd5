"""Signup, verification, login, logout, password reset and email change, as a user does them."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils.safestring import SafeString

from accounts.models import User

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new.player@example.com",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
    "display_name": "New Player",
    "time_zone": "America/New_York",
}


def link_in(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


def signup(client, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("account_signup"), {**SIGNUP, **overrides})


def test_signup_sends_one_verification_email_and_saves_name_and_zone(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    response = signup(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    user = User.objects.get(email="new.player@example.com")
    assert (user.display_name, user.time_zone) == ("New Player", "America/New_York")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.player@example.com"]
    assert "[StageSlot]" in mailoutbox[0].subject
    assert "Hello from StageSlot!" in mailoutbox[0].body
    # Not logged in until the address is confirmed.
    assert client.get(reverse("dashboard")).status_code == 302


def test_following_the_verification_link_logs_the_user_in(client, mailoutbox, django_capture_on_commit_callbacks):
    signup(client, django_capture_on_commit_callbacks)
    confirm_url = link_in(mailoutbox[0].body)
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert b"Confirm" in page.content
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new.player@example.com").verified
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert "Hello, New Player" in dashboard.content.decode()


def test_signup_email_is_case_insensitive_and_unique(client, django_capture_on_commit_callbacks):
    UserFactory(email="taken@example.com")
    response = signup(client, django_capture_on_commit_callbacks, email="Taken@Example.com")
    # The form no longer names a taken address (ACCOUNT_PREVENT_ENUMERATION, test_enumeration.py):
    # the same "check your email" step as a new address, and still only one account.
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "already registered" not in client.get(response.url).content.decode()
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password1", "12345", "This password is too short"),
        ("password1", "password123", "This password is too common"),
        ("time_zone", "Mars/Olympus_Mons", "not a time zone we know"),
        ("email", "not-an-email", "Enter a valid email address"),
    ],
)
def test_bad_signup_input_gets_a_message_and_saves_nothing(
    client, mailoutbox, django_capture_on_commit_callbacks, field, value, message
):
    data = {field: value}
    if field == "password1":
        data["password2"] = value
    response = signup(client, django_capture_on_commit_callbacks, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert mailoutbox == []


def test_verified_user_logs_in_and_out(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_wrong_password_is_refused_with_a_message(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_repeated_failed_logins_are_rate_limited(client):
    user = UserFactory()
    statuses = [
        client.post(reverse("account_login"), {"login": user.email, "password": "nope"}).status_code for _ in range(8)
    ]
    assert (
        429 in statuses
        or "Too many failed login attempts"
        in client.post(reverse("account_login"), {"login": user.email, "password": "nope"}).content.decode()
    )


def test_unverified_user_is_asked_to_confirm_first(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("dashboard")).status_code == 302
    assert len(mailoutbox) == 1


def test_password_reset_by_email(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mailoutbox) == 1
    reset_url = link_in(mailoutbox[0].body)
    form_page = client.get(reset_url, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_url
    response = client.post(set_url, {"password1": "brand-new-passphrase-42", "password2": "brand-new-passphrase-42"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-passphrase-42")


def test_change_email_takes_effect_after_confirmation(client, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(email="old@example.com")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "old@example.com"  # nothing changes before the new address is proven
    assert mailoutbox[-1].to == ["new@example.com"]
    client.post(link_in(mailoutbox[-1].body))
    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert client.get(reverse("account_email")).status_code == 200


def test_account_pages_render_in_the_site_layout(client):
    for name in ["account_login", "account_signup", "account_reset_password"]:
        html = client.get(reverse(name)).content.decode()
        assert 'class="topbar"' in html, name
        assert "stageslot.css" in html, name


def test_the_login_page_is_drawn_without_a_template_per_element(client):
    """templates/account/login.html writes out what allauth's {% element %} tags drew, one template each
    (the form's fields are drawn by Django's form templates)."""
    response = client.get(reverse("account_login") + "?next=/bands/")
    html = response.content.decode()
    pages = [t.name for t in response.templates if not t.name.startswith("django/forms/")]
    assert pages[:5] == ["account/login.html", "account/base_entrance.html",
                                                    "allauth/layouts/entrance.html", "allauth/layouts/base.html",
                                                    "base.html"]  # fmt: skip
    assert all(name.startswith("stageslot/partials/") for name in pages[5:]), pages  # the page frame's
    assert "<h1>Sign In</h1>" in html
    assert f'<a href="{reverse("account_signup")}?next=%2Fbands%2F">sign up</a>' in html
    assert re.search(r"<form method=\"post\" action=\"/accounts/login/\">\s*<input type=\"hidden\"", html)
    assert '<input type="email" name="login"' in html
    assert '<input type="hidden" name="next" value="/bands/">' in html
    button = r'<div class="actions">\s*<button class="btn btn--primary" type="submit">\s*Sign In\s*</button>'
    assert re.search(button, html)


def test_the_login_forms_reset_link_is_worked_out_once_per_form():
    from allauth.account.forms import LoginForm as AllauthLoginForm

    from accounts.forms.login import LoginForm

    form = LoginForm()
    assert isinstance(form, AllauthLoginForm)
    help_text = form.fields["password"].help_text
    assert type(help_text) is SafeString  # no longer lazy: reading it builds nothing
    assert help_text == f'<a href="{reverse("account_reset_password")}">Forgot your password?</a>'


def login_form_html(client, **kwargs) -> str:
    method = client.post if "data" in kwargs else client.get
    html = method(reverse("account_login"), **kwargs).content.decode()
    return re.search(r'<form method="post" action="/accounts/login/">.*?</form>', html, re.S).group(0)


def test_the_empty_login_form_is_kept_and_a_refused_one_drawn_anew(client):
    from django.core.cache import caches

    caches["fragments"].clear()
    drawn = login_form_html(client)
    assert sum("template.cache.login_form." in key for key in caches["fragments"]._cache) == 1
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", login_form_html(client)) == token.sub("", drawn)  # from the cache, as drawn
    refused = login_form_html(client, data={"login": "nobody@example.com", "password": "wrong"})
    assert 'value="nobody@example.com"' in refused and 'class="errorlist' in refused
    assert sum("template.cache.login_form." in key for key in caches["fragments"]._cache) == 1
    assert 'value="nobody@example.com"' not in login_form_html(client)
