"""{{ value|zone_name }}: the one way a page names a time zone (core.fields.timezones.zone_name). A builtin of
the template engine (settings TEMPLATES), so every template has it without a {% load %}."""

from django import template

from core.fields.timezones import zone_name as _zone_name

register = template.Library()


@register.filter
def zone_name(value) -> str:
    """ "Europe/Berlin" for a zone name, a zone, or a datetime (the zone the page shows it in)."""
    return _zone_name(value)
