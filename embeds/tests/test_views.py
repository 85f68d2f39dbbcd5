"""The band's website widget: what it shows, the headers that let other sites frame it and keep it
cookie-free, its options (bad ones read as defaults, never a 500), its cache, and the band's page that
hands out the snippets and keeps the colours (leaders and admins only)."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.models import ApprovalStatus, Membership
from bands.tests.factories import BandPhotoFactory, MembershipFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, in_days
from embeds.colours import DEFAULT_ACCENT
from embeds.models import EmbedStyle
from stageslot.tests.words import words

from .factories import band_for_widget, show_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def embed(client, band, accept_language="", **query):
    headers = {"accept-language": accept_language} if accept_language else {}
    return client.get(reverse("embeds:band", args=[band.slug]), query, headers=headers)


# ---- What it shows ------------------------------------------------------------------------------


def test_the_widget_shows_the_band_its_days_its_shows_and_a_request_button(client):
    band, leader = band_for_widget(tagline="Synth pop from Leipzig")
    BandPhotoFactory(band=band)
    show_of(band, leader, title="Release night", days=5)
    show_of(band, leader, title="Summer stage", days=40)
    html = embed(client, band, weeks="2", tz="America/New_York").content.decode()
    assert "Neon Owls" in html and "Synth pop from Leipzig" in html
    assert "Release night" in html and "Summer stage" in html
    assert "Times in America/New_York" in html and "Days in Europe/Berlin" in html
    assert html.count('role="listitem"') == 14
    assert '<img class="embed__photo"' in html
    book = re.search(r'<a class="embed__book" href="([^"]+)" target="_blank" rel="noopener">', html)
    assert book and book[1].endswith(reverse("bookings:request", args=[band.slug]))
    assert "Ask to book Neon Owls" in html
    assert "base.html" not in html and "topbar" not in html  # a page of its own
    assert "/static/css/embed.css" in html and "https://cdn" not in html


def test_an_instant_package_makes_the_button_book_it(client):
    band, _ = band_for_widget(instant=True)
    package = band.packages.get()
    html = embed(client, band).content.decode()
    assert f"{reverse('bookings:book', args=[band.slug])}?package={package.pk}" in html
    assert "Book Neon Owls" in html


def test_the_days_say_booked_or_available_and_never_why(client):
    band, leader = band_for_widget()
    member = Membership.objects.get(band=band).user
    when = in_days(3, 10)
    BusyInterval.objects.create(
        user=member, starts_at=when, ends_at=when + dt.timedelta(hours=20), source="rule", source_id=1
    )
    BookingFactory(
        band=band,
        kind=Booking.Kind.REQUEST,
        client=UserFactory(),
        slot=None,
        venue=None,
        status=Booking.Status.BOOKED,
        event_type="Secret wedding of the Meyers",
        location="Meyer farm",
        message="Secret wedding of the Meyers",
        starts_at=in_days(6, 19),
        ends_at=in_days(6, 22),
    )
    html = embed(client, band, weeks="3").content.decode()
    assert "Secret wedding" not in html and "Meyer" not in html
    assert "embed-day--booked" in html and "embed-day--available" in html
    assert leader.name not in html and member.name not in html


def test_times_read_in_the_band_zone_without_tz_and_an_unknown_zone_is_ignored(client):
    band, leader = band_for_widget()
    show_of(band, leader, title="Release night", days=5)
    for tz in ("", "Mars/Olympus", "x" * 500, "../../etc"):
        html = embed(client, band, tz=tz).content.decode()
        assert "Times in Europe/Berlin" in html, tz


# ---- Options -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "days"),
    [
        ({}, 28),
        ({"weeks": "abc"}, 28),
        ({"weeks": "-3"}, 28),
        ({"weeks": "0"}, 7),
        ({"weeks": "1"}, 7),
        ({"weeks": "99999999999999999999"}, 84),
        ({"weeks": "12"}, 84),
        ({"weeks": "1e3"}, 28),
        ({"weeks": "٣"}, 28),  # a digit, but not an ASCII one
    ],
)
def test_weeks_are_bounded_and_nonsense_reads_as_the_default(client, query, days):
    band, _ = band_for_widget()
    response = embed(client, band, **query)
    assert response.status_code == 200
    assert response.content.decode().count('role="listitem"') == days


def test_shows_are_bounded(client):
    band, leader = band_for_widget()
    for n in range(23):
        show_of(band, leader, title=f"Gig number {n:02d}", days=3 + n)
    assert embed(client, band).content.decode().count("Gig number") == 5
    assert embed(client, band, shows="2").content.decode().count("Gig number") == 2
    assert embed(client, band, shows="100000").content.decode().count("Gig number") == 20
    html = embed(client, band, shows="0").content.decode()
    assert "Gig number" not in html and "Upcoming shows" not in html
    assert embed(client, band, shows="lots").content.decode().count("Gig number") == 5


@pytest.mark.parametrize(
    ("lang", "expected", "words"),
    [("de", "de", None), ("en", "en", "Upcoming shows"), ("en-gb", "en-gb", "Upcoming shows"), ("xx", "en-gb", None)],
)
def test_the_language_comes_from_the_address(client, lang, expected, words):
    band, _ = band_for_widget()
    response = embed(client, band, lang=lang)
    assert response.status_code == 200
    assert f'<html lang="{expected}"' in response.content.decode()
    assert response["Content-Language"] == expected
    if words:
        assert words in response.content.decode()


@pytest.mark.parametrize(("accept", "expected"), [("de-DE,de;q=0.9,en;q=0.5", "de"), ("en-US,en;q=0.8", "en")])
def test_with_no_lang_in_the_address_the_widget_speaks_the_browsers_language(client, accept, expected):
    band, _ = band_for_widget()
    t = words(expected)
    response = embed(client, band, accept_language=accept)
    html = response.content.decode()
    assert f'<html lang="{expected}"' in html and response["Content-Language"] == expected
    assert t("Upcoming shows") in html
    assert response["Vary"] == "Accept-Language"


def test_the_address_s_lang_wins_over_the_browser_and_a_cached_widget_keeps_each_language(client):
    band, _ = band_for_widget()
    german = words("de")("Upcoming shows")
    assert german != "Upcoming shows"
    assert german in embed(client, band, accept_language="de").content.decode()
    # The same address for an English browser: not the German drawn a moment ago.
    english = embed(client, band, accept_language="en")
    assert "Upcoming shows" in english.content.decode() and english["Content-Language"] == "en"
    named = embed(client, band, lang="en", accept_language="de")
    assert "Upcoming shows" in named.content.decode() and named["Content-Language"] == "en"
    assert "Vary" not in named


def test_the_theme_is_light_or_dark(client):
    band, _ = band_for_widget()
    assert "embed-theme-dark" in embed(client, band, theme="dark").content.decode()
    assert "embed-theme-light" in embed(client, band, theme="<script>").content.decode()


# ---- Who may see it ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ApprovalStatus.PENDING, ApprovalStatus.SUSPENDED])
def test_a_band_not_listed_is_not_found_even_for_its_members(client, status):
    band, leader = band_for_widget()
    band.status = status
    band.save(update_fields=["status"])
    client.force_login(leader)
    assert embed(client, band).status_code == 404


def test_an_unknown_band_is_not_found(client):
    assert client.get(reverse("embeds:band", args=["no-such-band"])).status_code == 404


def test_only_get(client):
    band, _ = band_for_widget()
    assert client.post(reverse("embeds:band", args=[band.slug])).status_code == 405


# ---- Headers: framable, cacheable, no cookies --------------------------------------------------


def test_the_widget_may_be_framed_anywhere_and_sets_no_cookie_even_for_someone_signed_in(client):
    band, leader = band_for_widget()
    client.force_login(leader)
    client.get(reverse("bands:detail", args=[band.slug]))  # a session with things in it
    response = embed(client, band)
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "public, max-age=300"
    assert not response.cookies
    assert "Set-Cookie" not in str(response.serialize_headers())
    assert "cookie" not in response.get("Vary", "").lower()
    # No `lang` in the address: the answer follows the browser's language, and says so.
    assert response["Vary"] == "Accept-Language"
    assert "accept-language" not in embed(client, band, lang="en").get("Vary", "").lower()
    assert "Log out" not in response.content.decode() and leader.email not in response.content.decode()


def test_the_not_found_answer_sets_no_cookie_either(client):
    response = client.get(reverse("embeds:band", args=["nobody"]))
    assert response.status_code == 404 and not response.cookies


def test_other_pages_still_refuse_to_be_framed(client):
    band, _ = band_for_widget()
    for url in (reverse("bands:detail", args=[band.slug]), reverse("home")):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


def test_the_style_hash_in_the_policy_matches_the_colours(client):
    import base64
    import hashlib

    band, _ = band_for_widget()
    EmbedStyle.objects.create(band=band, accent="#ffcc00", background="#101010")
    response = embed(client, band)
    css = re.search(r"<style>(.*?)</style>", response.content.decode())[1]
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response["Content-Security-Policy"]
    assert "--embed-accent:#ffcc00" in css and "--embed-bg:#101010" in css
    assert "--embed-text:#ffffff" in css and "--embed-accent-text:#000000" in css


# ---- Query count and cache ---------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_shows(client, django_assert_num_queries):
    band, leader = band_for_widget(instant=True)
    BandPhotoFactory(band=band)
    show_of(band, leader, title="First", days=4)
    with django_assert_num_queries(8):
        assert embed(client, band, weeks="2").status_code == 200
    for n in range(15):
        show_of(band, leader, title=f"More {n}", days=10 + n)
    MembershipFactory.create_batch(3, band=band)
    with django_assert_num_queries(8):
        assert embed(client, band, weeks="12", shows="20").status_code == 200
    # Drawn once: the same address again is one query (the band and its marks).
    with django_assert_num_queries(1):
        assert embed(client, band, weeks="12", shows="20").status_code == 200


def test_a_changed_show_is_seen_at_once_despite_the_cache(client):
    band, leader = band_for_widget()
    slot = show_of(band, leader, title="Release night", days=5)
    assert "Release night" in embed(client, band).content.decode()
    slot.title = "Album release night"
    slot.save(update_fields=["title"])
    assert "Album release night" in embed(client, band).content.decode()
    show_of(band, leader, title="Second night", days=9)
    assert "Second night" in embed(client, band).content.decode()


def test_new_colours_are_seen_at_once(client):
    band, _ = band_for_widget()
    assert f"--embed-accent:{DEFAULT_ACCENT}" in embed(client, band).content.decode()
    EmbedStyle.objects.create(band=band, accent="#aa0000", background="#ffffff")
    assert "--embed-accent:#aa0000" in embed(client, band).content.decode()


# ---- The band's page: snippets, colours, preview ------------------------------------------------


def website(band):
    return reverse("embeds:website", args=[band.slug])


def test_the_website_page_hands_out_both_snippets_and_a_preview(client):
    band, leader = band_for_widget()
    client.force_login(leader)
    response = client.get(website(band))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Put StageSlot on your website" in html
    snippet = (
        f'<script src="http://testserver/static/js/embed.js" data-stageslot-band="{band.slug}"'
        f' data-title="{escape(band.name)}: StageSlot" async>'
    )
    assert escape(snippet) in html
    assert f"/embed/bands/{band.slug}/?weeks=4&amp;amp;shows=5&quot;" in html
    assert f'src="/embed/bands/{band.slug}/"' in html  # the live preview
    assert 'type="color"' in html
    # Our own pages frame nothing but the players; this one frames the preview from us.
    assert "frame-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_a_band_not_yet_listed_gets_no_preview_and_is_told_why(client):
    band, leader = band_for_widget()
    band.status = ApprovalStatus.PENDING
    band.save(update_fields=["status"])
    client.force_login(leader)
    html = client.get(website(band)).content.decode()
    assert "appears once StageSlot staff have approved" in html and "embeds__preview" not in html
    assert 'class="embed-settings__preview"' not in html


def test_saving_colours(client):
    band, leader = band_for_widget()
    client.force_login(leader)
    response = client.post(website(band), {"accent": "#FF8800", "background": "#202020"})
    assert response.status_code == 302
    style = EmbedStyle.objects.get(band=band)
    assert (style.accent, style.background) == ("#ff8800", "#202020")
    html = client.get(website(band)).content.decode()
    assert 'value="#ff8800"' in html


@pytest.mark.parametrize(
    "data",
    [
        {"accent": "red", "background": "#ffffff"},
        {"accent": "#12345", "background": "#ffffff"},
        {"accent": "#1234567", "background": "#ffffff"},
        {"accent": "#gggggg", "background": "#ffffff"},
        {"accent": "#123456", "background": ""},
        {"accent": "#123456;}body{", "background": "#ffffff"},
        {},
    ],
)
def test_a_bad_colour_is_refused_next_to_its_field_and_nothing_changes(client, data):
    band, leader = band_for_widget()
    client.force_login(leader)
    response = client.post(website(band), data)
    assert response.status_code == 400
    assert not EmbedStyle.objects.filter(band=band).exists()
    html = response.content.decode()
    assert "Enter a colour as # and six hexadecimal digits" in html or "This field is required" in html


@pytest.mark.parametrize("who", ["member", "other_admin", "stranger", "anonymous"])
def test_only_the_bands_leaders_and_admins_use_the_website_page(client, who):
    band, _ = band_for_widget()
    if who == "member":
        user = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    elif who == "other_admin":
        other, _ = band_for_widget(name="Other Band")
        user = MembershipFactory(band=other, role=Membership.Role.ADMIN).user
    elif who == "stranger":
        user = UserFactory()
    else:
        user = None
    if user:
        client.force_login(user)
    for response in (
        client.get(website(band)),
        client.post(website(band), {"accent": "#000000", "background": "#ffffff"}),
    ):
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403
    assert not EmbedStyle.objects.filter(band=band).exists()


def test_an_admin_may_use_the_website_page(client):
    band, _ = band_for_widget()
    admin = MembershipFactory(band=band, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    assert client.get(website(band)).status_code == 200
    assert client.post(website(band), {"accent": "#000000", "background": "#ffffff"}).status_code == 302


def test_the_manage_menu_links_the_website_page_for_managers(client):
    band, leader = band_for_widget()
    client.force_login(leader)
    assert website(band) in client.get(reverse("bands:manage", args=[band.slug])).content.decode()


def test_a_band_name_with_quotes_stays_inside_the_snippets_title(client):
    band, leader = band_for_widget(name='The "Night" Owls <3')
    client.force_login(leader)
    html = client.get(website(band)).content.decode()
    # Shown in the text area as &quot; – so the pasted HTML's title attribute is not cut short.
    assert "title=&quot;The &amp;quot;Night&amp;quot; Owls &amp;lt;3: StageSlot&quot;" in html
