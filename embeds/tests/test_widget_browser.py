"""In Chromium: a plain page on another origin (a local http server standing for the band's website)
embeds the widget with its script. The frame appears, takes the widget's height from its message,
reads the shows in the visitor's zone, is axe-clean inside, and its Book button opens StageSlot's
booking in a new tab. At a phone's width and a desktop's; the band's page with the snippets too."""

import functools
import os
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from bands.tests.factories import BandPhotoFactory
from embeds.models import EmbedStyle

from .factories import band_for_widget, show_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Neon Owls – official site</title></head>
<body><main><h1>Neon Owls</h1><p>Our dates:</p>
<script src="{src}" data-stageslot-band="{slug}" data-weeks="{weeks}" data-theme="{theme}"
 data-lang="{lang}" data-title="Neon Owls on StageSlot" async></script>
<p>Thanks for visiting.</p></main></body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def band_site():
    """A local web server for the band's own website: (folder to write pages into, its address)."""
    with tempfile.TemporaryDirectory() as folder:
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=folder))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Path(folder), f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize(("width", "height", "theme", "lang"), [(390, 844, "light", "en"), (1280, 900, "dark", "de")])
def test_the_band_site_embeds_the_widget_which_resizes_and_books(
    live_server, browser, axe_check, band_site, width, height, theme, lang
):
    cache.clear()
    band, leader = band_for_widget(instant=True, tagline="Synth pop from Leipzig")
    BandPhotoFactory(band=band)
    EmbedStyle.objects.create(band=band, accent="#ffcc00", background="#fdf6e3")
    for n, title in enumerate(("Release night", "Summer stage", "Club tour: Hamburg")):
        show_of(band, leader, title=title, days=4 + 9 * n)
    folder, site = band_site
    (folder / "index.html").write_text(
        HOST_PAGE.format(src=f"{live_server.url}/static/js/embed.js", slug=band.slug, weeks=6, theme=theme, lang=lang),
        encoding="utf-8",
    )
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="en-GB", timezone_id="America/New_York"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(site + "/index.html")

    frame_element = page.locator("iframe[data-stageslot-frame]")
    expect(frame_element).to_have_attribute("title", "Neon Owls on StageSlot")
    frame = page.frame_locator("iframe[data-stageslot-frame]")
    expect(frame.get_by_role("heading", name="Neon Owls")).to_be_visible()
    expect(frame.locator(f"html.embed-theme-{theme}[lang={lang}]")).to_have_count(1)
    expect(frame.locator(".embed__note").filter(has_text="America/New_York")).to_be_visible()
    expect(frame.get_by_role("listitem").filter(has_text="Release night")).to_be_visible()
    assert frame.locator(".embed-day").count() == 42

    # The frame took the widget's height (not the 520 px it starts with), so nothing scrolls inside.
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe[data-stageslot-frame]');"
        " return f && f.style.height !== '520px'; }"
    )
    inner = page.frames[1]
    widget_height = inner.evaluate("() => Math.ceil(document.getElementById('embed').getBoundingClientRect().height)")
    frame_height = frame_element.evaluate("f => f.getBoundingClientRect().height")
    assert abs(frame_height - widget_height) <= 2, (frame_height, widget_height)
    assert inner.evaluate("() => document.documentElement.scrollHeight <= window.innerHeight + 1")
    assert inner.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    # A message from the host page itself (not from StageSlot) moves nothing.
    page.evaluate("() => window.postMessage({type: 'stageslot:height', height: 3000}, '*')")
    page.wait_for_timeout(200)
    assert abs(frame_element.evaluate("f => f.getBoundingClientRect().height") - frame_height) <= 1

    axe_check(inner, what=f"the widget inside the band's site at {width} px")
    axe_check(page, what=f"the band's site around the widget at {width} px")
    shots = os.environ.get("STAGESLOT_SCREENSHOTS")
    if shots:
        page.screenshot(path=f"{shots}/embed-host-{width}-{theme}-{lang}.png", full_page=True)

    with page.expect_popup() as opened:
        frame.locator("a.embed__book").click()
    booking = opened.value
    booking.wait_for_load_state()
    package = band.packages.get()
    assert booking.url == f"{live_server.url}/bands/{band.slug}/book/?package={package.pk}"
    expect(booking.get_by_role("heading", level=1)).to_be_visible()
    context.close()


def test_the_band_page_with_the_snippets_shows_a_live_preview(live_server, browser, axe_check):
    cache.clear()
    band, leader = band_for_widget(instant=False)
    show_of(band, leader, title="Release night", days=6)
    client = Client()
    client.force_login(leader)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    for width, height in ((390, 844), (1280, 900)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/bands/{band.slug}/manage/website/")
        expect(page.get_by_role("heading", name="Put StageSlot on your website", level=2)).to_be_visible()
        expect(page.get_by_label("Script snippet")).to_have_value(
            f'<script src="{live_server.url}/static/js/embed.js" data-stageslot-band="{band.slug}"'
            f' data-title="{band.name}: StageSlot" async></script>'
        )
        preview = page.frame_locator("iframe.embed-settings__preview")
        expect(preview.get_by_role("link", name="Ask to book Neon Owls")).to_be_visible()
        axe_check(page, what=f"the website page at {width} px")
        axe_check.fits(page, what=f"the website page at {width} px")
        shots = os.environ.get("STAGESLOT_SCREENSHOTS")
        if shots:
            page.screenshot(path=f"{shots}/embed-settings-{width}.png", full_page=True)
        # New colours, saved from the form, are in the preview after the page comes back.
        page.get_by_label("Button colour").fill("#aa0000")
        page.get_by_role("button", name="Save colours").click()
        expect(page.get_by_role("status").filter(has_text="colours are saved")).to_be_visible()
        context.close()
    assert EmbedStyle.objects.get(band=band).accent == "#aa0000"
