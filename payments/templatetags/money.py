from django import template

from bookings.selectors.quotes import money_text, rate_text

register = template.Library()


@register.filter
def money(minor, currency: str) -> str:
    """{{ amount_minor|money:currency }}: "1,250.00 EUR" in the reader's locale."""
    return money_text(minor, currency) if minor is not None else ""


@register.filter
def rate(value) -> str:
    """{{ tour_rate.rate|rate }}: "1.0480" in the reader's locale."""
    return rate_text(value) if value is not None else ""
