"""Abuse and faults: hostile input anywhere on the site is refused clearly and changes nothing."""

import datetime as dt
import uuid

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.http import urlencode

from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.test_mfa import totp_code, with_totp
from bands.models import Band
from bookings.models import Message
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

# NUL answered 500 on PostgreSQL; the other C0 controls are refused the same way.
CONTROL_VALUES = ["a\x00b", "\x00", "x\x01y", "bell\x07", "esc\x1b[31m", "del\x7f"]
# What the walk of every address posts: NUL (PostgreSQL cannot store it) and another control character; each of the
# others is posted to one form (test_each_control_character_posted_is_refused), for one rule refuses them all.
WALK_VALUES = ["a\x00b", "x\x01y"]


def for_this_database(values: list, config: pytest.Config) -> list:
    """The walks below run in both CI stages. Only NUL reaches a database that differs (PostgreSQL cannot store
    one): there the walks try it alone. In CI the SQLite stage tries the others and leaves NUL to the PostgreSQL
    stage, which always runs this module (db_specific): each value is walked once a run, not NUL twice. A run
    on SQLite alone (`make test`, no stage) tries them all."""

    def nul(value) -> bool:
        return "\x00" in (value[0] if isinstance(value, tuple) else value)

    if connection.vendor == "postgresql":
        return [value for value in values if nul(value)]
    if config.getoption("--ci-stage", default=None) == "sqlite":
        return [value for value in values if not nul(value)]
    return values


def all_url_names() -> list[tuple[str, URLPattern]]:
    """Every named route of the site (ours, allauth's, the admin's) with its full name."""
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif pattern.name:
                found.append((f"{namespace}{pattern.name}", pattern))

    walk(get_resolver().url_patterns, "")
    return found


def kwargs_for(name: str, pattern: URLPattern, world) -> dict[str, str]:
    """Real objects where a route names one, so that without the guard the view itself is reached."""
    values = {
        "uid": str(world.application.uid),
        "pk": str(world.application.slot_id),
        "object_id": "1",
        "token": "t" * 43,
        "key": "k" * 20,
        "action": "accept",
        "app_label": "bands",
        "on": dt.date(2030, 1, 7),
    }
    groups = set(pattern.pattern.regex.groupindex)
    # A whole number where the route's converter takes one (an id, a release's number), else a word.
    numbers = {
        group for group, converter in getattr(pattern.pattern, "converters", {}).items() if converter.regex == "[0-9]+"
    }
    kwargs = {group: values.get(group, "1" if group.endswith("_id") or group in numbers else "x") for group in groups}
    if name in {"mfa_edit_webauthn", "mfa_remove_webauthn"}:
        kwargs["pk"] = "1"  # allauth names the passkey in the pattern that includes these
    if "slug" in groups:
        kwargs["slug"] = world.venue.slug if name.startswith(("venues:", "bookings:venue")) else world.band.slug
    return kwargs


def site_urls(world) -> list[str]:
    """Every named route's address; a route these kwargs cannot fill fails the test (a new
    converter needs a value in kwargs_for), so no route is ever silently left out."""
    return [reverse(name, kwargs=kwargs_for(name, pattern, world)) for name, pattern in all_url_names()]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_every_url_of_the_site_is_walked(client):
    """The walk reaches the forms of every app, allauth's and the admin's: a new route is covered
    without being listed, and a walk that silently found nothing would fail here."""
    urls = site_urls(make_world())
    for expected in [
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/admin/login/",
        "/bands/new/",
        "/me/profile/",
        "/me/availability/",
        "/notifications/settings/",
        "/venues/new/",
        "/slots/",
    ]:
        assert expected in urls
    assert len(urls) > 150
    assert any(url.endswith("/messages/new/") for url in urls)
    assert any(url.endswith("/manage/links/") for url in urls)


@pytest.mark.slow(reason="walks every URL of the site")
def test_control_characters_posted_to_every_url_are_refused_and_nothing_is_saved(client, pytestconfig):
    world = make_world()
    client.login(email=world.leader.email, password=PASSWORD)
    before = row_counts()
    failures = []
    for url in site_urls(world):
        for value in for_this_database(WALK_VALUES, pytestconfig):
            response = client.post(url, {"body": value, "name": value, "email": value, "website": value})
            if response.status_code != 400 or "invisible control character" not in response.text:
                failures.append((url, repr(value), response.status_code))
    assert failures == []
    assert row_counts() == before


@pytest.mark.parametrize("value", CONTROL_VALUES)
def test_each_control_character_posted_is_refused(client, value):
    """Every kind of control character is refused the same way as the two the walk above posts everywhere."""
    world = make_world()
    client.login(email=world.leader.email, password=PASSWORD)
    before = row_counts()
    url = reverse("bands:links", kwargs={"slug": world.band.slug})
    response = client.post(url, {"body": value, "name": value, "email": value, "website": value})
    assert response.status_code == 400 and "invisible control character" in response.text
    assert row_counts() == before


@pytest.mark.parametrize("value", CONTROL_VALUES)
def test_control_characters_in_an_address_are_refused(client, value):
    for url in [f"/join/{value}/", f"/bands/{value}/", f"/share/x{value}/"]:
        response = client.get(url)
        assert response.status_code == 400
        assert "The address contains an invisible control character" in response.text


# Every query parameter a page of the site reads (search filters, calendars, pagination, threads).
QUERY_NAMES = [
    "q", "place", "city", "country", "genre", "date", "month", "week", "day", "on", "view", "after",
    "page", "sort", "free_on", "free_from", "free_to", "role", "fee_min", "fee_max", "status", "tab",
    "next", "from", "to", "start", "end", "band", "venue", "slot", "minutes", "kind", "include_booked",
    "o", "p", "e", "all", "seen", "panel", "hours", "radius", "lat", "lng", "time_zone",
]  # fmt: skip


@pytest.mark.slow(reason="walks every URL of the site")
@pytest.mark.parametrize("who", ["anonymous", "leader", "staff"])
def test_control_characters_in_any_query_never_answer_500(client, who, pytestconfig):
    """Searches keep their own message next to the field (Django's fields refuse NUL); whatever a page
    does with a query full of NUL and control characters, it is never a server error."""
    world = make_world()
    if who == "leader":
        client.force_login(world.leader)
    elif who == "staff":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    failures = []
    # Each query encoded once, as the test client encodes it, for the 800-odd pages that are sent it.
    queries = [
        (value, htmx, urlencode(dict.fromkeys(QUERY_NAMES, value), doseq=True))
        for value, htmx in for_this_database([("a\x00b", "true"), ("x\x01y", "")], pytestconfig)
    ]
    for url in site_urls(world):
        if url.endswith("/logout/"):
            continue
        for value, htmx, encoded in queries:
            response = client.get(url, QUERY_STRING=encoded, HTTP_HX_REQUEST=htmx)
            if response.status_code >= 500:
                failures.append((url, repr(value), response.status_code))
    assert failures == []


def test_a_thread_message_with_nul_is_refused_with_the_reason_and_not_saved(client):
    world = make_world()
    client.login(email=world.leader.email, password=PASSWORD)
    url = reverse("bookings:message_post", args=[world.application.uid])
    response = client.post(url, {"body": "See you\x00 at nine", "after": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "The field “body” contains an invisible control character (U+0000)" in response.text
    assert response["HX-Retarget"] == "#main"  # shown in place of the page's main part
    assert not Message.objects.exists()


def test_the_thread_message_form_itself_refuses_control_characters():
    from bookings.forms.threads import MessageForm

    form = MessageForm({"body": "ring\x07ring"})
    assert not form.is_valid()
    assert "invisible control character (U+0007)" in form.errors["body"][0]
    form = MessageForm({"body": "Tabs\tand\r\nline breaks are fine"})
    assert form.is_valid()


def multipart(fields: dict[str, bytes], charset: str) -> tuple[bytes, str]:
    """A multipart form body whose Content-Type names `charset` (browsers name none)."""
    boundary = "b0undary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}; charset={charset}"


@pytest.mark.parametrize(
    ("charset", "body"),
    [("utf-7", b"See you +2AA- at nine"), ("unicode_escape", b"See you \\ud800 at nine"), ("latin-1", b"Caf\xe9")],
)
def test_a_form_sent_in_another_charset_than_utf8_is_refused_and_not_saved(client, charset, body):
    """Django decodes a multipart form with the charset its Content-Type names: "+2AA-" in UTF-7 is a lone
    surrogate, which no database takes (500 on PostgreSQL and SQLite) and no control character check saw."""
    world = make_world()
    client.force_login(world.leader)
    client.raise_request_exception = False
    url = reverse("bookings:message_post", args=[world.application.uid])
    data, content_type = multipart({"body": body, "after": b"0"}, charset)
    response = client.generic("POST", url, data, content_type=content_type, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert f"The form was sent in the character set “{charset}”; send it as UTF-8" in response.text
    assert not Message.objects.exists()


def test_a_lone_surrogate_is_refused_by_the_form_fields_check_too():
    from bookings.forms.threads import MessageForm
    from core.fields.form_fields import refuse_control_characters

    form = MessageForm({"body": "See you \ud800 at nine"})
    assert not form.is_valid()
    assert "a broken character (U+D800) that is not text" in form.errors["body"][0]
    with pytest.raises(ValidationError):
        refuse_control_characters("\udfff")


@pytest.mark.parametrize("charset", ["utf-8", "UTF8", "no-such-charset"])
def test_a_form_that_names_utf8_or_an_unknown_charset_is_read_as_utf8(client, charset):
    world = make_world()
    client.force_login(world.leader)
    url = reverse("bookings:message_post", args=[world.application.uid])
    data, content_type = multipart({"body": "Café at nine".encode(), "after": b"0"}, charset)
    response = client.generic("POST", url, data, content_type=content_type, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Message.objects.get().body == "Café at nine"


@pytest.mark.parametrize("after", ["x", "-1", "9" * 30, "1e5"])
def test_the_thread_refuses_a_message_id_that_is_not_one(client, after):
    world = make_world()
    client.force_login(world.leader)
    poll = client.get(
        reverse("bookings:thread", args=[world.application.uid]), {"after": after}, HTTP_HX_REQUEST="true"
    )
    assert poll.status_code == 400
    assert "“after” must be the id of a message: a whole number." in poll.text
    url = reverse("bookings:message_post", args=[world.application.uid])
    response = client.post(url, {"body": "Hello", "after": after}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "“after” must be the id of a message" in response.text
    assert not Message.objects.exists()


def test_band_links_with_nul_are_refused_and_not_saved(client):
    world = make_world()
    client.login(email=world.leader.email, password=PASSWORD)
    url = reverse("bands:links", args=[world.band.slug])
    response = client.post(url, {"website": "https://example.org/\x00", "instagram": "https://instagram.com/x\x01"})
    assert response.status_code == 400
    assert "invisible control character" in response.text
    assert Band.objects.get(pk=world.band.pk).links == world.band.links


def test_a_uuid_in_an_address_with_nul_is_refused_not_a_500(client):
    assert client.get(f"/bookings/{uuid.uuid4()}%00/").status_code in {400, 404}


# ---- Staff login: the site's login and its limits --------------------------------------------


def test_admin_login_hands_over_to_the_sites_login_and_back():
    from django.test import Client

    staff = UserFactory(is_staff=True, is_superuser=True)
    secret, _codes = with_totp(staff)
    client = Client()
    response = client.get("/admin/bands/band/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2Fbands%2Fband%2F"
    response = client.post(response.redirect_chain[-1][0], {"login": staff.email, "password": PASSWORD})
    # Staff use two-factor (accounts/mfa.py): the code, then the admin page asked for.
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/"
    response = client.post(response.url, {"code": totp_code(secret)})
    assert response.status_code == 302 and response.url == "/admin/bands/band/"
    assert client.get("/admin/bands/band/").status_code == 200


def test_admin_login_refuses_an_outside_next_and_tells_non_staff_why(client):
    assert client.get("/admin/login/?next=https://evil.example/").url == "/accounts/login/?next=%2Fadmin%2F"
    client.force_login(UserFactory(email="player@example.org"))
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 403
    assert "The staff admin is for StageSlot staff; you are logged in as player@example.org." in response.text


def test_wrong_staff_passwords_are_throttled_like_the_sites_login(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    # Posting to the admin's own login form checks no password at all any more.
    response = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    login_url = response.url
    answers = [client.post(login_url, {"login": staff.email, "password": f"guess-{n}"}) for n in range(11)]
    assert "The email address and/or password you specified are not correct." in answers[0].text
    assert "Too many failed login attempts. Try again later." in answers[-1].text
    # Even the right password is refused while the limit holds.
    response = client.post(login_url, {"login": staff.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.text
    assert client.get("/admin/").status_code == 302


def test_behind_the_proxy_a_guesser_at_the_staff_login_does_not_lock_out_the_staff(settings):
    """Everyone reaches the app from the proxy's address; the limit holds the guesser (whatever it
    claims in X-Forwarded-For), and staff elsewhere still log in."""
    from django.test import Client

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    staff = UserFactory(is_staff=True, is_superuser=True)
    secret, _codes = with_totp(staff)
    guesser = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66")
    login_url = guesser.post("/admin/login/?next=/admin/").url
    answers = [
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.66").post(
            login_url, {"login": f"admin{n}@example.org", "password": "guess"}
        )
        for n in range(10)
    ]
    assert "not correct" in answers[-1].text
    response = guesser.post(login_url, {"login": "admin@example.org", "password": "guess"})
    assert "Too many failed login attempts" in response.text
    colleague = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = colleague.post(login_url, {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/"
    response = colleague.post(response.url, {"code": totp_code(secret)})
    assert response.status_code == 302 and response.url == "/admin/"
    assert colleague.get("/admin/").status_code == 200


# ---- Redis down: login and password reset keep working ------------------------------------------

DEAD_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens here


@pytest.fixture
def redis_down(settings):
    from stageslot.settings.base import redis_cache

    settings.CACHES = {**settings.CACHES, "default": redis_cache(DEAD_REDIS, "dead")}


def test_with_redis_down_login_works_and_the_log_says_why_limits_are_off(client, redis_down, caplog):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.text
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    assert "Cache unreachable" in caplog.text


def test_with_redis_down_password_reset_sends_its_email(
    client, redis_down, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory()
    assert client.get(reverse("account_reset_password")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]


def test_with_redis_down_signup_and_a_rate_limited_message_still_work(client, redis_down):
    world = make_world()
    assert client.get(reverse("account_signup")).status_code == 200
    client.force_login(world.leader)
    url = reverse("bookings:message_post", args=[world.application.uid])
    response = client.post(url, {"body": "Still here", "after": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Message.objects.filter(body="Still here").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_a_control_character_in_a_message_shows_the_reason_in_place(live_server, browser):
    import re

    world = make_world()
    world.leader.set_password(PASSWORD)
    world.leader.save()
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email:").fill(world.leader.email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.goto(f"{live_server.url}/bookings/{world.application.uid}/")
    page.locator("textarea[name=body]").fill("ring\x07ring")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("heading", name="We could not take that input").wait_for()
    assert "invisible control character (U+0007)" in page.locator("#main").inner_text()
    assert not Message.objects.exists()
