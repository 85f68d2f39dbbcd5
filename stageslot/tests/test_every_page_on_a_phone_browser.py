"""Every page a role reaches fits a phone: nothing on it makes the page scroll sideways at 390 px.

The pages are not listed by hand. Each role of the demo world (a visitor, the band leader, a member, the venue's
owner, a venue group's booker, the agent, the client, staff) starts at its home page and follows every link it is
shown to a page no role has opened yet, one page per route of the URLconf (and per `?view=`, a calendar's month,
week or day); each page is checked at 390 px, `document.scrollingElement.scrollWidth <= innerWidth`, as the first
role that reaches it (each role's own home page as that role). Opening every page once per role would take each
route's time six to eight times over for the same templates; the roles go in an order that reaches each side's
pages as that side. A page added later is checked as soon
as a link leads to it. Then the URLconf is read: a page no role reached fails the test by its route, unless
NOT_REACHED says why no link of the demo world leads there (docs/decisions/0076-every-page-on-a-phone.md)."""

import re
import time
from collections import deque
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from stageslot.tests import demo_once

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "stageslot-demo"  # every seed_demo account
PHONE = {"width": 390, "height": 844}

# Who goes round, and where each starts: the home page (a visitor) or the dashboard (everyone signed in).
ROLES = {
    "a visitor": None,
    "the band leader": "mara@demo.stageslot.test",
    "a band member": "ayla@demo.stageslot.test",
    "the venue's owner": "kellerbar-owner@demo.stageslot.test",
    "a venue group's booker": "promoter@demo.stageslot.test",
    "the agent": "agent@demo.stageslot.test",
    "the client": "client@demo.stageslot.test",
    "a fan": "fan@demo.stageslot.test",
    "staff": "staff@demo.stageslot.test",
}

# Routes that are no page of ours to read on a phone: files and data, machines' doors, Django's admin (its own
# screens, which staff use at a desk).
NOT_PAGES = re.compile(
    r"^(admin/|api/|\^api/|\^feeds/|health/|metrics/|mail/anymail/|sw\.js|jsi18n/|\^?media/|\^?static/)"
    r"|\.(pdf|csv|ics|json|js|txt|xml|png|svg|zip|webmanifest)(\$)?$"
)

# Pages of the URLconf that no link in the demo world leads its roles to, and why. Anything else unreached fails.
# The last group is what the sweep cannot open yet: pages behind a form, or linked only where the demo world has
# nothing to link (each is a page to bring into the sweep by a link or a demo row, then to take off this list).
_SIGNING_IN = "allauth's sign-in, two-factor and third-party steps, reached inside those flows"
_FRAGMENT = "an htmx fragment of a page the sweep opens, drawn inside it"
_TOKEN = "opened from an email, by a signed token only its reader has"
NOT_REACHED = {
    **dict.fromkeys(
        [
            "accounts/2fa/authenticate/",
            "accounts/2fa/reauthenticate/",
            "accounts/2fa/recovery-codes/",
            "accounts/2fa/recovery-codes/download/",
            "accounts/2fa/recovery-codes/generate/",
            "accounts/2fa/totp/deactivate/",
            "accounts/2fa/webauthn/",
            "accounts/2fa/webauthn/keys/<int:pk>/edit/",
            "accounts/2fa/webauthn/keys/<int:pk>/remove/",
            "accounts/2fa/webauthn/login/",
            "accounts/2fa/webauthn/reauthenticate/",
            "accounts/3rdparty/",
            "accounts/3rdparty/login/cancelled/",
            "accounts/3rdparty/login/error/",
            "accounts/3rdparty/signup/",
            "accounts/confirm-email/",
            "accounts/google/login/",
            "accounts/google/login/callback/",
            "accounts/google/login/token/",
            "accounts/inactive/",
            "accounts/login/code/confirm/",
            "accounts/logout/",
            "accounts/password/reset/done/",
            "accounts/password/reset/key/done/",
            "accounts/password/set/",
            "accounts/social/connections/",
            "accounts/social/login/cancelled/",
            "accounts/social/login/error/",
            "accounts/social/signup/",
        ],
        _SIGNING_IN,
    ),
    **dict.fromkeys(
        [
            "bands/<slug:slug>/request/check/",
            "bands/<slug:slug>/reviews/latest/",
            "venues/<slug:slug>/reviews/latest/",
            "notifications/bell/",
            "places/cities/",
            "places/time-zone/",
            "holds/venues/<slug:slug>/band-options/",
            "venues/<slug:slug>/manage/slots/<int:pk>/offer/bands/",
            "venues/new/suggest-address/",
            "teams/<slug:slug>/roster/bands/",
            "teams/<slug:slug>/roster/venues/",
            "bookings/<uuid:uid>/messages/",
            "payments/bookings/<uuid:uid>/summary/",
            "gigs/<uuid:uid>/card/",
        ],
        _FRAGMENT,
    ),
    **dict.fromkeys(
        [
            "join/<str:token>/",
            "offers/<str:token>/",
            "bookings/act/<str:token>/",
            "gigs/answer/<str:token>/",
            "gigs/stand-in/<str:token>/",
            "gigs/stand-in/ask/<str:token>/",
            "mail/unsubscribe/<str:token>/",
            "accounts/^confirm-email/(?P<key>[-:\\w]+)/$",
            "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        ],
        _TOKEN,
    ),
    "embed/bands/<slug:slug>/": "the booking widget, drawn in an iframe on a band's own website",
    "me/calendars/google/callback/": "Google's answer to connecting a calendar",
    "payments/checkout/<uuid:uid>/": "Stripe's return address after paying",
    "payments/checkout/new/<slug:slug>/": "where paying a package's deposit starts, from its form",
    "bookings/<uuid:uid>/files/<int:pk>/": "a booking's file, served as the file itself",
    "me/data/exports/<int:pk>/download/": "a person's data archive, served as the file itself once made",
    "me/data/keep/": "shown only to a closed account signed in during its grace period",
    "me/offline/": "the list of pages a person's device may keep, read by the service worker as JSON",
    "offline/": "drawn by the service worker in place of a page not kept, when there is no network",
    "fans/join/": "where a visitor's follow or ask leads (a form's answer) to sign up by an emailed code",
    "fans/follow/<str:kind>/<int:pk>/button/": _FRAGMENT,
    "fans/shows/<int:pk>/buttons/": _FRAGMENT,
    "calls/<slug:slug>/manage/edit/": "only a draft call is changed, and the demo's call is published: "
    "festivals/tests/test_views.py and test_organiser_browser.py open it",
    **dict.fromkeys(
        [
            "bands/green-zone/mine/",
            "documents/bookings/<uuid:uid>/contract/",
            "documents/bookings/<uuid:uid>/paper/",
            "documents/contracts/verify/",
            "gigs/<uuid:uid>/parts/",
            "gigs/<uuid:uid>/places/<int:pk>/stand-ins/",
            "me/calendars/<int:pk>/",
            "me/webhooks/",
            "me/webhooks/<int:pk>/",
            "payments/<uuid:uid>/",
            "payments/bookings/<uuid:uid>/settlement/",
            "requests/<uuid:uid>/",
            "requests/new/",
            "reviews/<uuid:uid>/",
            "reviews/<uuid:uid>/client/",
            "shows/<int:pk>/apply/",
            "slots/<int:pk>/apply/",
        ],
        "not yet reached: behind a form, or no demo row draws its link",
    ),
    # The question every demo person has answered (stageslot/demo/people.py): a newcomer's dashboard draws its
    # form and posts here; the page itself answers a browser without that form (stageslot/tests/test_newcomers.py).
    "me/profile/here-for/": "the first page's question, asked on a newcomer's dashboard; demo people answered it",
}


def _routes(resolver=None, prefix: str = ""):
    """(route, view) for every route of the URLconf, the route written as in `ResolverMatch.route`."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def _methods(view) -> set[str] | None:
    """The methods `require_http_methods` (require_POST, require_GET) lets through, None when it is not used."""
    for _ in range(20):
        for cell in getattr(view, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, list | tuple) and value and all(isinstance(m, str) and m.isupper() for m in value):
                return set(value)
        view = getattr(view, "__wrapped__", None)
        if view is None:
            return None
    return None


def pages_of_the_urlconf() -> set[str]:
    """The routes a browser can open as a page: not files or machines' doors, not a form's POST-only target."""
    pages = set()
    for route, view in _routes():
        methods = _methods(view)
        if NOT_PAGES.search(route) or (methods is not None and "GET" not in methods):
            continue
        pages.add(route)
    return pages


def page_key(path_and_query: str) -> tuple[str, str] | None:
    """The route a link leads to (with its `?view=`), or None where it is no page to check."""
    parts = urlsplit(path_and_query)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if NOT_PAGES.search(match.route):
        return None
    methods = _methods(match.func)
    if methods is not None and "GET" not in methods:
        return None
    view = parse_qs(parts.query).get("view", [""])[0]
    return match.route, view


# How wide the page is, what sticks out past the window (the widest few), and every link it shows.
_LOOK = """() => {
    const width = document.scrollingElement.scrollWidth;
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
    const out = [];
    // The boxes that cross the window's edge while their parent stays inside it: where the width comes from.
    if (width > window.innerWidth) {
        for (const el of document.body.querySelectorAll("*")) {
            const r = el.getBoundingClientRect();
            const parent = el.parentElement.getBoundingClientRect();
            if (r.width > 0 && r.right > window.innerWidth + 1 && parent.right <= window.innerWidth + 1)
                out.push([Math.round(r.right), name(el)]);
        }
        out.sort((a, b) => b[0] - a[0]);
    }
    const links = [...document.querySelectorAll("a[href]:not([download])")]
        .map((a) => a.href).filter((href) => href.startsWith(location.origin + "/"))
        .map((href) => href.slice(location.origin.length).split("#")[0]);
    return {width, inner: window.innerWidth, wide: out.slice(0, 4).map(([r, n]) => `${n} to ${r}px`), links};
}"""


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


_HREF = re.compile(r"<a\b[^>]*?\shref=\"(/[^\"]*)\"")


def go_round(browser, base: str, who: str, email: str | None, seen: dict) -> list[str]:
    """One role follows every link it is shown, from its home page: a page not yet in `seen` ({key: the url
    opened}, filled in) is opened in Chromium and checked; one an earlier role checked is only read, without a
    browser, for the links it shows this role. What scrolls sideways, one line each."""
    from accounts.models import User

    reader = Client(HTTP_HOST=urlsplit(base).hostname)
    if email:
        reader.force_login(User.objects.get(email=email))
    opened: set[tuple[str, str]] = set()
    context = browser.new_context(viewport=PHONE, locale="en-GB", has_touch=True, is_mobile=True)
    # Pictures and maps' tiles take no part in a page's width here (every picture is sized by its box): skip them.
    context.route(re.compile(r".*\.(png|jpe?g|webp|gif|avif)(\?.*)?$"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15_000)
    # A page that does its first work on the first visit (the Invoices page issues the paper still missing)
    # may take longer than a click on a busy 2-core machine beside the other stage: loads wait for a minute.
    page.set_default_navigation_timeout(60_000)
    start = "/"
    if email:
        log_in(page, base, email)
        start = "/dashboard/"
    problems: list[str] = []
    queue = deque([start])
    while queue:
        url = queue.popleft()
        key = page_key(url)
        if key is None or key in opened:
            continue
        opened.add(key)
        if key in seen and url != start:
            answer = reader.get(url, follow=True)
            if answer.status_code == 200 and answer.get("Content-Type", "").startswith("text/html"):
                queue.extend(unescape(link).split("#")[0] for link in _HREF.findall(answer.content.decode()))
            continue
        seen[key] = url
        response = page.goto(f"{base}{url}")
        if response is None or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        if response.status >= 500:
            problems.append(f"{who}: {url} answered {response.status}")
            continue
        landed = page_key(page.url[len(base) :]) if page.url.startswith(base) else None
        if landed is not None and landed != key:
            opened.add(landed)
            if landed in seen:  # a redirect to a page already checked
                continue
            seen[landed] = page.url[len(base) :]
        look = page.evaluate(_LOOK)
        if look["width"] > look["inner"]:
            problems.append(
                f"{who}: {url} is {look['width']}px wide in a {look['inner']}px window ({'; '.join(look['wide'])})"
            )
        queue.extend(look["links"])
    context.close()
    return problems


@pytest.mark.console_errors  # the sweep follows every link a role sees and judges each answer itself
def test_every_page_a_role_reaches_fits_a_phone(request, live_server, browser):
    demo_once.seed(request.config)
    began = time.monotonic()
    seen: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    for who, email in ROLES.items():
        problems += go_round(browser, live_server.url, who, email, seen)
    reached = {route for route, _view in seen}

    unreached = sorted(pages_of_the_urlconf() - reached - set(NOT_REACHED))
    assert not unreached, (
        f"{len(unreached)} pages of the URLconf no role reached by a link (check them on a phone, then link them "
        "or say why in NOT_REACHED):\n" + "\n".join(unreached)
    )
    assert not problems, f"{len(problems)} of {len(seen)} pages scroll sideways on a phone:\n" + "\n".join(problems)
    assert len(seen) > 100, (
        f"only {len(seen)} pages reached in {time.monotonic() - began:.0f} s: is the demo world there?"
    )
