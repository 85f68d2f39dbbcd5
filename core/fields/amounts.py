"""Money as the reader's language writes it: an amount (already written in the reader's locale, "1.250")
and its currency code where that language puts it – "1,250 EUR", "EUR 1.250" in Dutch. The place comes
from the language's MONEY_PATTERN (stageslot/formats/<language>/formats.py; for French, Spanish, Italian and
Dutch made from CLDR by bin/formats_from_cldr.py)."""

from django.utils.formats import get_format


def money_words(amount: str, currency: str) -> str:
    return get_format("MONEY_PATTERN") % {"amount": amount, "currency": currency}
