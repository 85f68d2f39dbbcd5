"""What base.html puts on every page: static file and menu addresses, each worked out once per process."""

import json

import pytest
from django.template import engines
from django.urls import reverse, set_script_prefix

from stageslot.static_files import StaticFilesStorage
from stageslot.templatetags.nav import nav_url


@pytest.fixture
def storage(tmp_path, settings):
    settings.DEBUG = False
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "hash": "x", "paths": {"css/site.css": "css/site.abc123.css"}})
    )
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_a_static_address_is_the_hashed_one_and_is_looked_up_once(storage):
    assert storage.url("css/site.css") == "/static/css/site.abc123.css"
    # A new manifest only counts after a restart: the process keeps the address it first worked out.
    storage.hashed_files["css/site.css"] = "css/site.def456.css"
    assert storage.url("css/site.css") == "/static/css/site.abc123.css"


def test_a_file_missing_from_the_manifest_is_still_an_error_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")


def test_with_debug_on_nothing_is_remembered(storage, settings):
    settings.DEBUG = True
    assert storage.url("css/site.css") == "/static/css/site.css"
    settings.DEBUG = False
    assert storage.url("css/site.css") == "/static/css/site.abc123.css"


@pytest.mark.parametrize("name", ["home", "bands:search", "notifications:bell", "account_logout", "admin:index"])
def test_nav_url_is_what_url_gives_under_any_script_prefix(name):
    assert nav_url(name) == reverse(name)
    set_script_prefix("/stageslot/")
    try:
        assert nav_url(name) == reverse(name)
        assert nav_url(name).startswith("/stageslot/")
    finally:
        set_script_prefix("/")


def test_nav_url_in_a_template_as_a_link_and_as_a_variable():
    template = engines["django"].from_string(
        "{% load nav %}<a href=\"{% nav_url 'bands:search' %}\">{% nav_url 'venues:search' as venues %}{{ venues }}</a>"
    )
    assert template.render({}) == '<a href="/bands/">/venues/</a>'


def _menu(client, path: str) -> str:
    body = client.get(path).content.decode()
    return body.split('<nav class="mainnav" aria-label="Main">', 1)[1].split("</nav>", 1)[0]


@pytest.mark.django_db
def test_the_main_menu_marks_the_section_the_page_is_in(client):
    from accounts.tests.factories import UserFactory

    menu = _menu(client, "/venues/")
    assert '<a href="/venues/" aria-current="page">Venues</a>' in menu
    assert '<a href="/bands/">Bands</a>' in menu and "Dashboard" not in menu  # only for someone signed in
    assert '<a href="/bands/" aria-current="page">Bands</a>' in _menu(client, "/bands/")
    client.force_login(UserFactory())
    dashboard = reverse("dashboard")
    menu = _menu(client, dashboard)
    assert f'<a href="{dashboard}" aria-current="page">Dashboard</a>' in menu
    assert 'aria-current="page">Bands' not in menu and "Availability</a>" in menu
    assert 'aria-current="page">Bookings</a>' in _menu(client, reverse("bookings:inbox"))


def _part(body: str, start: str, end: str) -> str:
    return body.split(start, 1)[1].split(end, 1)[0] if start in body else ""


@pytest.mark.django_db
def test_the_kept_account_menu_and_footer_follow_the_person_as_they_are(client, settings):
    """The account menu's lines and the footer are kept per person as they are and per zone: a new name or
    zone shows on the next page, and one person's lines are never another's."""
    from accounts.tests.factories import UserFactory

    settings.DEBUG = False
    first = UserFactory(display_name="Ada First", email="ada@example.com", time_zone="Europe/Berlin")
    other = UserFactory(display_name="Bo Other", email="bo@example.com", time_zone="Europe/Lisbon")

    def menu_and_footer() -> tuple[str, str]:
        body = client.get("/bands/").content.decode()
        return _part(body, '<details class="usermenu">', "</details>"), _part(
            body, '<footer class="footer">', "</footer>"
        )

    client.force_login(first)
    menu, footer = menu_and_footer()
    assert "Ada First" in menu and "ada@example.com" in menu and "Berlin" in menu and "Berlin" in footer
    first.display_name, first.time_zone = "Ada Renamed", "Asia/Tokyo"
    first.save()
    menu, footer = menu_and_footer()
    assert "Ada Renamed" in menu and "Ada First" not in menu and "Tokyo" in menu and "Berlin" not in menu
    assert "Tokyo" in footer and "Berlin" not in footer
    client.force_login(other)
    menu, footer = menu_and_footer()
    assert "Bo Other" in menu and "Ada" not in menu and "Lisbon" in footer and "My shows" in footer
    client.logout()
    menu, footer = menu_and_footer()
    assert menu == "" and "My shows" not in footer and "Lisbon" not in footer
