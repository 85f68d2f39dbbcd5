from django import template

from bookings.selectors.quotes import money_text

register = template.Library()


@register.filter
def money(minor, currency: str) -> str:
    """{{ amount_minor|money:currency }}: "1,250.00 EUR" in the reader's locale."""
    return money_text(minor, currency) if minor is not None else ""
