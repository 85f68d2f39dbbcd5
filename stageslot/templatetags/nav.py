"""{% nav_url %}, {% head_assets %}, {% icon_url %}: the addresses every page links to and loads, worked out
once per process."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

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
    "css/reviews.css", "css/tours.css", "css/map.css", "css/places.css",
)  # fmt: skip
# htmx alone: django-htmx's debug script would replace the page on every 400, and our forms answer 400 in place.
HEAD_SCRIPTS = ("django_htmx/htmx-2.min.js", "js/stageslot.js", "js/phone.js", "js/places.js")
ICON = "img/favicon.svg"


@lru_cache(maxsize=8)
def _head_assets(storage_id: int, static_url: str) -> str:
    icon = f'<link rel="icon" href="{escape(static(ICON))}" type="image/svg+xml">'
    styles = [f'<link rel="stylesheet" href="{escape(static(name))}">' for name in HEAD_STYLESHEETS]
    scripts = [f'<script src="{escape(static(name))}" defer></script>' for name in HEAD_SCRIPTS]
    return "\n        ".join([icon, *styles, *scripts])


@register.simple_tag
def head_assets() -> str:
    """The icon, stylesheets and scripts of base.html's <head>: eighteen {% static %} addresses, built once
    per static files storage (their addresses do not change while it lives)."""
    return mark_safe(_head_assets(id(staticfiles_storage._wrapped), settings.STATIC_URL))  # noqa: S308


@register.simple_tag
def icon_url() -> str:
    """The site icon's address (the brand mark in the top bar), as head_assets builds it."""
    return _icon_url(id(staticfiles_storage._wrapped), settings.STATIC_URL)


@lru_cache(maxsize=8)
def _icon_url(storage_id: int, static_url: str) -> str:
    return static(ICON)


# The main menu: (route, label, how the current page is recognised: a path prefix, or "=" for the
# page itself), and whether it is only for someone signed in.
MAIN_NAV = (
    ("bands:search", "Bands", "/bands/", False),
    ("venues:search", "Venues", "/venues/", False),
    ("bookings:gig_finder", "Gig finder", "/slots/", False),
    ("dashboard", "Dashboard", "=", True),
    ("bookings:inbox", "Bookings", "/bookings/", True),
    ("availability:calendar", "Availability", "/me/availability/", True),
)


def _is_current(path: str, url: str, match: str) -> bool:
    return path == url if match == "=" else path.startswith(match)


@lru_cache(maxsize=256)
def _main_nav(current: tuple[bool, ...], signed_in: bool, script_prefix: str, urlconf: str | None) -> str:
    items = []
    for (name, label, _match, private), here in zip(MAIN_NAV, current, strict=True):
        if private and not signed_in:
            continue
        url = escape(_reversed(name, script_prefix, urlconf))
        mark = ' aria-current="page"' if here else ""
        items.append(f'<li><a href="{url}"{mark}>{escape(label)}</a></li>')
    return f'<nav class="mainnav" aria-label="Main"><ul>{"".join(items)}</ul></nav>'


@register.simple_tag(takes_context=True)
def main_nav(context) -> str:
    """The top bar's main menu, the current section marked: the same few lines on every page, drawn
    once per combination of section and signed-in state rather than by the template on each request."""
    request = context.request
    user = context.get("user")
    prefix, urlconf = get_script_prefix(), get_urlconf()
    path = request.path if request is not None else ""
    current = tuple(
        _is_current(path, _reversed(name, prefix, urlconf), match) for name, _label, match, _private in MAIN_NAV
    )
    signed_in = bool(user is not None and user.is_authenticated)
    return mark_safe(_main_nav(current, signed_in, prefix, urlconf))  # noqa: S308  (escaped above)


SEARCH_HEAD_HTML = (
    '<div class="page-head"><div><p class="eyebrow">Discover</p><h1>{title}</h1><p>{lead}</p></div>{create}</div>'
)


@lru_cache(maxsize=32)
def _search_head(title: str, lead: str, create_url: str, create_label: str) -> str:
    create = f'<a class="btn btn--ghost" href="{escape(create_url)}">{escape(create_label)}</a>' if create_url else ""
    return SEARCH_HEAD_HTML.format(title=escape(title), lead=escape(lead), create=create)


@register.simple_tag(takes_context=True)
def search_head(context, title: str, lead: str, create_route: str, create_label: str) -> str:
    """The heading of a search page: its title and lead, and for someone signed in a link to add
    their own (`create_route`, "Add your band")."""
    user = context.get("user")
    signed_in = user is not None and user.is_authenticated
    create_url = _reversed(create_route, get_script_prefix(), get_urlconf()) if signed_in else ""
    return mark_safe(_search_head(str(title), str(lead), create_url, str(create_label)))  # noqa: S308  (escaped above)
