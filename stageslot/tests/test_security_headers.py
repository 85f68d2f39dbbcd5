"""Every response carries a Content-Security-Policy (no inline scripts or styles), a
Permissions-Policy and X-Frame-Options; in the browser the pages run under it without a violation."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from accounts.tests.test_mfa import totp_code, with_totp
from bookings.models import CalendarFeed
from bookings.services.feeds import feed_create
from bookings.services.share import share_link_create
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db


def representative_urls(world) -> list[str]:
    feed = feed_create(by=world.leader, scope=CalendarFeed.Scope.BAND, band=world.band)
    share = share_link_create(band=world.band, by=world.leader, label="Promoters")
    return [
        "/",
        "/dashboard/",
        "/bands/",
        f"/bands/{world.band.slug}/",
        f"/bands/{world.band.slug}/availability/",
        f"/bands/{world.band.slug}/calendar/",
        "/venues/",
        f"/venues/{world.venue.slug}/",
        "/slots/",
        "/bookings/",
        f"/bookings/{world.application.uid}/",
        f"/bookings/{world.application.uid}/messages/?after=0",
        "/me/availability/",
        "/notifications/",
        "/notifications/bell/",
        "/me/feeds/",
        reverse("bookings:feed", args=[feed.token]),
        f"/share/{share.token}/",
        f"/share/{share.token}.ics",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/health/",
        "/no-such-page/",
        "/join/x%00/",
        "/static/js/stageslot.js",
        "/admin/",
    ]


@pytest.mark.parametrize("htmx", [False, True])
def test_every_response_has_the_three_headers(client, htmx, settings):
    world = make_world()
    client.force_login(world.leader)
    checked = []
    for url in representative_urls(world):
        response = client.get(url, HTTP_HX_REQUEST="true" if htmx else "")
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, url
        # Scripts from the site, and Stripe.js from its host (localstripe's in tests) on the site's pages.
        scripts = ["'self'"] if url.startswith("/admin/") else ["'self'", settings.STRIPE_API_BASE]
        assert _directives(csp)["script-src"] == scripts, url
        assert "unsafe-inline" not in csp or url.startswith("/admin/"), url
        assert "camera=()" in response.headers.get("Permissions-Policy", ""), url
        assert response.headers.get("X-Frame-Options") == "DENY", url
        checked.append(response.status_code)
    # Pages, partials, feeds, redirects, errors and static files were all among them.
    assert {200, 400, 404} <= set(checked)


def test_the_admin_relaxes_styles_only(admin_client):
    csp = admin_client.get("/admin/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert re.search(r"script-src 'self';", csp)


def test_no_template_has_inline_scripts_handlers_or_style_attributes():
    """What the CSP would block, found before a browser does (emails are not web pages). A JSON-LD
    block, or allauth's JSON for its passkey scripts, is data, never run, so the CSP lets it be."""
    from pathlib import Path

    from django.conf import settings

    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        if "/email/" in str(path):
            continue
        text = path.read_text()
        for pattern in (
            r"<script(?![^>]*\b(?:src=|type=\"application/(?:ld\+)?json\"))[^>]*>",
            r"\son[a-z]+=\"",
            r"\shx-on[:-]",
            r"\sstyle=\"",
        ):
            if re.search(pattern, text):
                offenders.append((str(path.relative_to(settings.BASE_DIR)), pattern))
    assert offenders == []


# ---- In the browser ---------------------------------------------------------------------------

VIOLATIONS_JS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_pages_run_under_the_csp_without_a_violation_and_htmx_still_works(live_server, browser):
    world = make_world()
    for person in (world.leader,):
        person.set_password(PASSWORD)
        person.save()
    context = browser.new_context()
    context.add_init_script(VIOLATIONS_JS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email:").fill(world.leader.email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))

    violations: list[str] = []
    for path in [
        "/",
        "/dashboard/",
        "/bands/",
        f"/bands/{world.band.slug}/",
        f"/bands/{world.band.slug}/calendar/",
        "/bands/new/",
        "/venues/",
        "/slots/",
        "/bookings/",
        "/me/availability/",
        "/notifications/",
        "/me/feeds/",
    ]:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        violations += [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")]

    # htmx under the CSP: the thread's form sends with HTMX and appends the message in place, the
    # characters-left counter (once an inline hx-on handler) counts.
    page.goto(f"{base}/bookings/{world.application.uid}/")
    box = page.locator("textarea[name=body]")
    box.fill("Soundcheck at six?")
    left = page.locator("#thread-left")
    assert re.search(r"\d+ characters left", left.inner_text())
    url_before = page.url
    page.get_by_role("button", name=re.compile("Send")).click()
    page.locator(".thread").get_by_text("Soundcheck at six?").first.wait_for()
    assert page.url == url_before  # swapped in place, no page load
    assert box.input_value() == ""
    violations += page.evaluate("window.__cspViolations")

    # A live search swaps its results with HTMX.
    page.goto(f"{base}/bands/")
    page.locator("input[name=q]").first.fill("Night")
    page.locator("#results").get_by_text("The Night Shift").first.wait_for()
    violations += page.evaluate("window.__cspViolations")

    # The green zone's week bars are placed by stageslot.js from data-style (no style attributes).
    page.goto(f"{base}/bands/{world.band.slug}/calendar/?view=week")
    piece = page.locator(".gz-bar__piece").first
    piece.wait_for()
    assert piece.evaluate("el => el.style.width").endswith("%")
    violations += page.evaluate("window.__cspViolations")

    assert violations == []
    assert refused == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_runs_under_its_csp_without_a_violation(live_server, browser):
    world = make_world()
    staff = world.owner
    staff.is_staff = staff.is_superuser = True
    staff.set_password(PASSWORD)
    staff.save()
    secret, _codes = with_totp(staff)  # staff use two-factor (accounts/mfa.py)
    context = browser.new_context()
    context.add_init_script(VIOLATIONS_JS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    page.goto(f"{base}/admin/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email:").fill(staff.email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/2fa/authenticate/"))
    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    violations = []
    for path in [
        "/admin/",
        "/admin/bands/band/",
        f"/admin/bands/band/{world.band.pk}/change/",
        "/admin/bookings/booking/",
    ]:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        violations += [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")]
    assert violations == []


def _directives(csp: str) -> dict[str, list[str]]:
    parts = [part.split() for part in csp.split(";") if part.strip()]
    return {name: sources for name, *sources in parts}


def test_the_map_tile_server_is_let_through_for_images_and_nothing_else(client, settings):
    """The maps (docs/decisions/0023-maps.md) load their tiles as images from the tile server the
    settings name; no other directive names it, and the only other outside hosts are the players,
    Stripe.js's (localstripe's in tests) and Google's consent page as a form's destination."""
    from stageslot.settings.base import tile_source

    tiles = tile_source(settings.MAP_TILE_URL)
    for url in ("/venues/", "/slots/", "/admin/login/"):
        directives = _directives(client.get(url).headers["Content-Security-Policy"])
        assert directives["img-src"] == ["'self'", "data:", tiles], url
        outside = {
            name: [s for s in sources if "://" in s and s != settings.STRIPE_API_BASE]
            for name, sources in directives.items()
            if name != "frame-src"
        }
        # Forms may lead on to Google's consent page ("Connect Google Calendar", "Sign in with Google").
        expected = {"img-src": [tiles], "form-action": ["https://accounts.google.com"]}
        assert outside == {name: expected.get(name, []) for name in directives if name != "frame-src"}


def test_the_pages_let_through_stripe_js_from_localstripe_and_the_admin_does_not(client, localstripe):
    """The pay page's Stripe.js comes from localstripe, on whichever port the tests run it: its script,
    its frames and its calls to the API, and nothing else new (docs/decisions/0034-localstripe.md)."""
    page = _directives(client.get("/slots/").headers["Content-Security-Policy"])
    assert page["script-src"] == ["'self'", localstripe.url]
    assert page["connect-src"] == ["'self'", localstripe.url]
    assert page["frame-src"][-1] == localstripe.url
    assert [s for s in page["frame-src"] if "stripe" in s or "127.0.0.1" in s] == [localstripe.url]
    admin = client.get("/admin/login/").headers["Content-Security-Policy"]
    assert "127.0.0.1" not in admin


def test_with_stripes_keys_the_policy_names_stripes_hosts_and_only_them():
    """Stripe.js from js.stripe.com, its card fields framed from there and 3-D Secure from
    hooks.stripe.com, its calls to api.stripe.com (https://docs.stripe.com/security/guide)."""
    from stageslot.settings.base import content_security_policy

    policy, admin = content_security_policy(
        tile_url="https://tile.example.net/{z}/{x}/{y}.png",
        stripe_js_url="https://js.stripe.com/v3/",
        stripe_api_base="https://api.stripe.com",
    )
    directives = _directives(policy)
    assert directives["script-src"] == ["'self'", "https://js.stripe.com"]
    assert directives["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert [s for s in directives["frame-src"] if "stripe" in s] == [
        "https://js.stripe.com",
        "https://hooks.stripe.com",
    ]
    assert [name for name, sources in directives.items() if any("stripe" in s for s in sources)] == [
        "script-src",
        "connect-src",
        "frame-src",
    ]
    assert "stripe" not in admin


def test_the_default_tile_server_is_openstreetmaps_and_the_policy_follows_the_setting():
    import os

    from stageslot.settings.base import MAP_TILE_URL, content_security_policy

    if "MAP_TILE_URL" not in os.environ:
        assert MAP_TILE_URL == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    policy, admin = content_security_policy(
        tile_url="https://{s}.tiles.example.net/{z}/{x}/{y}.png",
        stripe_js_url="https://js.stripe.com/v3/",
        stripe_api_base="https://api.stripe.com",
    )
    assert _directives(policy)["img-src"] == ["'self'", "data:", "https://*.tiles.example.net"]
    assert _directives(admin)["img-src"] == ["'self'", "data:", "https://*.tiles.example.net"]
    assert "tiles.example.net" not in policy.replace("img-src 'self' data: https://*.tiles.example.net;", "")
