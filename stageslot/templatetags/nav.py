"""{% nav_url %}, {% head_assets %}, {% icon_url %}, {% main_nav %}, {% search_head %}: the addresses every
page links to and loads, worked out once per process, and the fragments that show them (templates under
templates/stageslot/partials/)."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from ..js_catalogue import catalogue_url

register = template.Library()


@lru_cache(maxsize=128)
def _reversed(name: str, script_prefix: str, urlconf: str | None) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def nav_url(name: str) -> str:
    """{% url name %} for a page without arguments, as base.html's menus use it (fifteen on every page for
    someone signed in, at about 15 µs each): the same address, looked up once per script prefix."""
    return _reversed(name, get_script_prefix(), get_urlconf())


# What every page's <head> loads, in this order.
HEAD_STYLESHEETS = (
    "css/stageslot.css", "css/discovery.css", "css/manage.css", "css/band-manage.css", "css/venue-manage.css",
    "css/calendar.css", "css/green-zone.css", "css/slots.css", "css/finder.css", "css/bookings.css",
    "css/live-calendar.css", "css/notifications.css", "css/threads.css", "css/feeds.css", "css/share.css",
    "css/reviews.css", "css/tours.css", "css/map.css", "css/places.css", "css/payments.css", "css/money.css",
    "css/day-sheet.css",
    "css/contracts.css",
    "css/gigs.css",
    "css/teams.css",
    "css/holds.css",
    "css/analytics.css",
    "css/embed-settings.css",
)  # fmt: skip
# htmx alone: django-htmx's debug script would replace the page on every 400, and our forms answer 400 in place.
HEAD_SCRIPTS = ("django_htmx/htmx-2.min.js", "js/zone.js", "js/stageslot.js", "js/phone.js", "js/places.js")
ICON = "img/favicon.svg"


@lru_cache(maxsize=8)
def _head_assets(storage_id: int, static_url: str) -> dict:
    return {
        "icon": static(ICON),
        "stylesheets": [static(name) for name in HEAD_STYLESHEETS],
        "scripts": [static(name) for name in HEAD_SCRIPTS],
    }


@register.inclusion_tag("stageslot/partials/_head_assets.html")
def head_assets() -> dict:
    """The icon, stylesheets and scripts of base.html's <head>: their {% static %} addresses are worked out
    once per static files storage (they do not change while it lives), the tags drawn by the template.
    The JavaScript catalogue of the active language comes before our scripts, which use its gettext()."""
    assets = _head_assets(id(staticfiles_storage._wrapped), settings.STATIC_URL)
    return {**assets, "catalogue": catalogue_url()}


@register.simple_tag
def icon_url() -> str:
    """The site icon's address (the brand mark in the top bar), as head_assets works it out."""
    return _head_assets(id(staticfiles_storage._wrapped), settings.STATIC_URL)["icon"]


# The main menu: (route, label, how the current page is recognised: a path prefix, or "=" for the
# page itself), and whether it is only for someone signed in.
MAIN_NAV = (
    ("bands:search", _("Bands"), "/bands/", False),
    ("venues:search", _("Venues"), "/venues/", False),
    ("bookings:gig_finder", _("Gig finder"), "/slots/", False),
    ("dashboard", _("Dashboard"), "=", True),
    ("bookings:inbox", _("Bookings"), "/bookings/", True),
    ("availability:calendar", _("Availability"), "/me/availability/", True),
)


def _is_current(path: str, url: str, match: str) -> bool:
    return path == url if match == "=" else path.startswith(match)


@register.inclusion_tag("stageslot/partials/_main_nav.html", takes_context=True)
def main_nav(context) -> dict:
    """The top bar's main menu (stageslot/partials/_main_nav.html), the current section marked and the
    private sections only for someone signed in."""
    request = context.request
    user = context.get("user")
    prefix, urlconf = get_script_prefix(), get_urlconf()
    path = request.path if request is not None else ""
    signed_in = bool(user is not None and user.is_authenticated)
    items = []
    for name, label, match, private in MAIN_NAV:
        if private and not signed_in:
            continue
        url = _reversed(name, prefix, urlconf)
        items.append({"url": url, "label": label, "here": _is_current(path, url, match)})
    return {"items": items}


@register.inclusion_tag("stageslot/partials/_search_head.html", takes_context=True)
def search_head(context, title: str, lead: str, create_route: str, create_label: str) -> dict:
    """The heading of a search page: its title and lead, and for someone signed in a link to add
    their own (`create_route`, "Add your band")."""
    user = context.get("user")
    signed_in = user is not None and user.is_authenticated
    create_url = _reversed(create_route, get_script_prefix(), get_urlconf()) if signed_in else ""
    return {"title": title, "lead": lead, "create_url": create_url, "create_label": create_label}
