"""{% nav_url %}, {% head_assets %}, {% icon_url %}, {% main_nav %}, {% user_menu_links %}, {% user_menu_person %},
{% bell_at_rest %}, {% footer_notes %}, {% language_options %}, {% search_head %}: the addresses every page links
to and loads, worked out once per process, and the fragments that show them (templates under
templates/stageslot/partials/).

The fragments base.html draws on every page depend on nothing but the language, the addresses and, for the
menus, whether someone is signed in (or staff) and which section is open: each is drawn once per such key
and kept, not drawn anew per request."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
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
HEAD_SCRIPTS = (
    "django_htmx/htmx-2.min.js",
    "js/zone.js",
    "js/stageslot.js",
    "js/phone.js",
    "js/places.js",
    "js/road.js",
)
ICON = "img/favicon.svg"


@lru_cache(maxsize=8)
def _head_assets(storage_id: int, static_url: str) -> dict:
    return {
        "icon": static(ICON),
        "stylesheets": [static(name) for name in HEAD_STYLESHEETS],
        "scripts": [static(name) for name in HEAD_SCRIPTS],
    }


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _kept(drawn, *key) -> str:
    """What `drawn` (an lru_cache'd function) drew for this key; drawn anew each time while DEBUG is on,
    so an edited template shows at once."""
    return drawn.__wrapped__(*key) if settings.DEBUG else drawn(*key)


@receiver(setting_changed)
def _forget_drawn_fragments(**kwargs) -> None:
    """A test that changes the settings (languages, templates, addresses) gets fragments drawn anew."""
    for drawn in (
        _reversed,
        _head_html,
        _main_nav_html,
        _user_menu_links_html,
        _language_options_html,
        _bell_html,
        _footer_notes_html,
    ):
        drawn.cache_clear()
    _PEOPLE.clear()


@lru_cache(maxsize=32)
def _head_html(storage_id: int, static_url: str, language: str, script_prefix: str, urlconf: str | None) -> str:
    assets = _head_assets(storage_id, static_url)
    context = {**assets, "catalogue": catalogue_url(), "manifest": reverse("manifest")}
    return render_to_string("stageslot/partials/_head_assets.html", context)


@register.simple_tag
def head_assets() -> SafeString:
    """The icon, stylesheets and scripts of base.html's <head> (stageslot/partials/_head_assets.html): their
    {% static %} addresses are worked out once per static files storage (they do not change while it
    lives), and the tags drawn once per language. The JavaScript catalogue of the active language comes
    before our scripts, which use its gettext()."""
    key = (id(staticfiles_storage._wrapped), settings.STATIC_URL, _language(), get_script_prefix(), get_urlconf())
    return mark_safe(_kept(_head_html, *key))  # noqa: S308


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


@lru_cache(maxsize=256)
def _main_nav_html(signed_in: bool, here: str | None, language: str, prefix: str, urlconf: str | None) -> str:
    items = [
        {"url": _reversed(name, prefix, urlconf), "label": label, "here": name == here}
        for name, label, _match, private in MAIN_NAV
        if signed_in or not private
    ]
    return render_to_string("stageslot/partials/_main_nav.html", {"items": items})


@register.simple_tag(takes_context=True)
def main_nav(context) -> SafeString:
    """The top bar's main menu (stageslot/partials/_main_nav.html), the current section marked and the
    private sections only for someone signed in: drawn once per language, section and signed in or not."""
    request = context.request
    user = context.get("user")
    prefix, urlconf = get_script_prefix(), get_urlconf()
    path = request.path if request is not None else ""
    signed_in = bool(user is not None and user.is_authenticated)
    here = next(
        (
            name
            for name, _label, match, private in MAIN_NAV
            if (signed_in or not private) and _is_current(path, _reversed(name, prefix, urlconf), match)
        ),
        None,
    )
    return mark_safe(_kept(_main_nav_html, signed_in, here, _language(), prefix, urlconf))  # noqa: S308


@lru_cache(maxsize=32)
def _user_menu_links_html(is_staff: bool, language: str, prefix: str, urlconf: str | None) -> str:
    return render_to_string("stageslot/partials/_user_menu_links.html", {"is_staff": is_staff})


@register.simple_tag(takes_context=True)
def user_menu_links(context) -> SafeString:
    """The account menu's links (stageslot/partials/_user_menu_links.html), the staff pages for staff: drawn
    once per language, not for each page of each person signed in."""
    user = context.get("user")
    is_staff = bool(user is not None and user.is_staff)
    return mark_safe(_kept(_user_menu_links_html, is_staff, _language(), get_script_prefix(), get_urlconf()))  # noqa: S308


# The account menu's lines of each person, as they are, per language: {key: markup}, the oldest dropped first.
_PEOPLE: dict[tuple, str] = {}
PEOPLE_KEPT = 512


@register.simple_tag(takes_context=True)
def user_menu_person(context, part: str) -> SafeString:
    """The account menu's "summary" (avatar, name) or "meta" line (email, time zone) of the person signed in
    (stageslot/partials/_user_menu_person.html): drawn once per part, language and the person as they are
    (a new name, address, zone or avatar is another key)."""
    user = context.get("user")
    avatar = user.avatar.name if user.avatar else ""
    key = (part, user.pk, str(user.name), user.email, user.time_zone, avatar, _language(), get_script_prefix())
    drawn = None if settings.DEBUG else _PEOPLE.get(key)
    if drawn is None:
        drawn = render_to_string(f"stageslot/partials/_user_menu_person.html#{part}", {"user": user})
        if len(_PEOPLE) >= PEOPLE_KEPT:
            del _PEOPLE[next(iter(_PEOPLE))]
        _PEOPLE[key] = drawn
    return mark_safe(drawn)  # noqa: S308


@lru_cache(maxsize=32)
def _bell_html(language: str, prefix: str, urlconf: str | None) -> str:
    return render_to_string("accounts/partials/_bell.html")


@register.simple_tag
def bell_at_rest() -> SafeString:
    """The bell as base.html draws it, without a count (accounts/partials/_bell.html; notifications:bell
    answers it with one): the same for everyone, drawn once per language."""
    return mark_safe(_kept(_bell_html, _language(), get_script_prefix(), get_urlconf()))  # noqa: S308


@lru_cache(maxsize=256)
def _footer_notes_html(signed_in: bool, source: str, zone: str, language: str, prefix: str, urlconf: str | None) -> str:
    context = {"signed_in": signed_in, "TIME_ZONE_SOURCE": source, "CURRENT_TIME_ZONE": zone}
    return render_to_string("stageslot/partials/_footer_notes.html", context)


@register.simple_tag(takes_context=True)
def footer_notes(context) -> SafeString:
    """The footer's notes (stageslot/partials/_footer_notes.html): the zone the page's times are in and where
    it came from, and the links; drawn once per language, zone, source and signed in or not."""
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    source = str(context.get("TIME_ZONE_SOURCE", "default"))
    zone = str(context.get("CURRENT_TIME_ZONE", ""))
    return mark_safe(  # noqa: S308
        _kept(_footer_notes_html, signed_in, source, zone, _language(), get_script_prefix(), get_urlconf())
    )


@lru_cache(maxsize=32)
def _language_options_html(current: str) -> str:
    languages = [translation.get_language_info(code) for code, _name in settings.LANGUAGES]
    return render_to_string(
        "stageslot/partials/_language_options.html", {"languages": languages, "current_language": current}
    )


@register.simple_tag
def language_options() -> SafeString:
    """The language switcher's <option>s (stageslot/partials/_language_options.html), the active language
    selected: drawn once per language."""
    return mark_safe(_kept(_language_options_html, _language()))  # noqa: S308


@register.inclusion_tag("stageslot/partials/_search_head.html", takes_context=True)
def search_head(context, title: str, lead: str, create_route: str, create_label: str) -> dict:
    """The heading of a search page: its title and lead, and for someone signed in a link to add
    their own (`create_route`, "Add your band")."""
    user = context.get("user")
    signed_in = user is not None and user.is_authenticated
    create_url = _reversed(create_route, get_script_prefix(), get_urlconf()) if signed_in else ""
    return {"title": title, "lead": lead, "create_url": create_url, "create_label": create_label}
