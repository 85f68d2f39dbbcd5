"""Lengths of songs and sets as people write them: 3:45, 1:02:30."""

from django import template

from ..selectors.set_lists import length_text

register = template.Library()


@register.filter
def mss(seconds) -> str:
    try:
        return length_text(int(seconds))
    except (TypeError, ValueError):
        return ""
