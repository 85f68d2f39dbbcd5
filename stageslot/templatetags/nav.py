"""{% nav_url %}: the addresses every page links to, reversed once per process."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@lru_cache(maxsize=128)
def _reversed(name: str, script_prefix: str, urlconf: str | None) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def nav_url(name: str) -> str:
    """{% url name %} for a page without arguments, as base.html's menus use it (fifteen on every page for
    someone signed in, at about 15 µs each): the same address, looked up once per script prefix."""
    return _reversed(name, get_script_prefix(), get_urlconf())
