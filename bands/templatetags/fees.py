"""{% fee_range low high currency %}: a band's fee range in words, as its search card shows it."""

from django import template

from ..cards import fee_range_text

register = template.Library()


@register.simple_tag
def fee_range(low: int | None, high: int | None, currency: str) -> str:
    """ "800–1,500 EUR", "from 300 EUR", "on request"… (bands.cards.fee_range_text)."""
    return fee_range_text(low, high, currency)
