"""The floor of every request: what the middleware and the page frame cost before a view does anything
(benchmarks/floor.py measures it). A middleware or a context processor that starts asking the database
something fails here."""

import re
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FRAME_PARTS = {
    "stageslot/partials/_head_assets.html",
    "stageslot/partials/_main_nav.html",
    "stageslot/partials/_language_options.html",
    "stageslot/partials/_user_menu_links.html",
}


@pytest.fixture
def nothing_url(settings):
    """A view that does nothing, at /test-nothing/, behind the whole middleware stack."""
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    import stageslot.urls

    def nothing(request):
        return HttpResponse("ok")

    module = type(stageslot.urls)("nothing_urls")
    module.urlpatterns = [path("test-nothing/", nothing), *stageslot.urls.urlpatterns]
    sys.modules["nothing_urls"] = module
    settings.ROOT_URLCONF = "nothing_urls"
    clear_url_caches()
    yield "/test-nothing/"
    clear_url_caches()
    del sys.modules["nothing_urls"]


def test_a_request_signed_out_asks_the_database_nothing(client, nothing_url, django_assert_num_queries):
    client.get(nothing_url)  # a first visit: no session yet either way
    with django_assert_num_queries(0):
        assert client.get(nothing_url).content == b"ok"


def test_a_request_signed_in_reads_the_session_and_the_person_and_nothing_else(client, nothing_url):
    client.force_login(UserFactory(language="de", time_zone="America/New_York"))
    client.get(nothing_url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(nothing_url).content == b"ok"
    tables = [q["sql"].split(" FROM ", 1)[1].split()[0].strip('"') for q in queries.captured_queries]
    # The language and the zone of the account come from the person already read.
    assert tables == ["django_session", "accounts_user"], [q["sql"] for q in queries.captured_queries]


def test_the_login_page_asks_the_database_nothing(client, django_assert_num_queries):
    """The ways to sign in it lists (Google when its keys are set) come from the settings alone."""
    client.get(reverse("account_login"))
    with django_assert_num_queries(0):
        html = client.get(reverse("account_login")).content.decode()
    assert "Continue with Google" not in html


def test_google_is_offered_from_its_keys_in_the_settings_without_a_query(client, settings, django_assert_num_queries):
    providers = {k: dict(v) for k, v in settings.SOCIALACCOUNT_PROVIDERS.items()}
    providers["google"]["APP"] = {"client_id": "recorded-client.apps.googleusercontent.com", "secret": "recorded"}
    settings.SOCIALACCOUNT_PROVIDERS = providers
    with django_assert_num_queries(0):
        html = client.get(reverse("account_login")).content.decode()
    assert "Continue with Google" in html


def _forget_drawn_fragments() -> None:
    from stageslot.templatetags.nav import _forget_drawn_fragments

    _forget_drawn_fragments()


def _frame_parts_drawn(response) -> set[str]:
    return {t.name for t in response.templates} & FRAME_PARTS


def test_the_page_frame_is_drawn_once_and_then_kept(client):
    _forget_drawn_fragments()
    client.force_login(UserFactory())
    assert _frame_parts_drawn(client.get("/bands/")) == FRAME_PARTS
    second = client.get("/bands/")
    assert _frame_parts_drawn(second) == set()
    html = second.content.decode()
    assert '<a href="/bands/" aria-current="page">Bands</a>' in html
    assert "stageslot.css" in html and "Notification settings" in html
    assert re.search(r'<option value="en-gb"\s+lang="en-gb"\s+selected>British English</option>', html)
    assert re.search(r'<option value="de"\s+lang="de"\s+>Deutsch</option>', html)


def test_what_is_kept_follows_the_language_the_section_and_the_staff(client):
    _forget_drawn_fragments()
    client.get("/bands/")
    venues = client.get("/venues/").content.decode()
    assert '<a href="/venues/" aria-current="page">Venues</a>' in venues
    assert 'aria-current="page">Bands' not in venues
    german = client.get("/bands/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert re.search(r'<option value="de"\s+lang="de"\s+selected>Deutsch</option>', german)
    assert "/jsi18n/de/" in german and "/jsi18n/en/" not in german
    client.force_login(UserFactory())
    assert "Staff admin" not in client.get("/bands/").content.decode()
    client.force_login(UserFactory(is_staff=True))
    assert "Staff admin" in client.get("/bands/").content.decode()


def test_the_frame_is_drawn_anew_while_debug_is_on(client, settings):
    settings.DEBUG = True
    client.get("/bands/")
    assert _frame_parts_drawn(client.get("/bands/")) == FRAME_PARTS - {"stageslot/partials/_user_menu_links.html"}
