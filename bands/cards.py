"""What a band or venue search result shows, worked out once per card in Python.

A card is built from the row (band_card, venues.cards.venue_card) into a small frozen dataclass; the
results list (templates/stageslot/partials/_search_results.html) draws each one, with the cover and
genre chips the profile pages include too (docs/decisions/0030).
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from places.near import distance_text

from .models import Band
from .places import city_and_country


@dataclass(frozen=True, slots=True)
class Fact:
    """One term and its value in a card's list of facts; css_class styles the line (the "Free" note)."""

    term: str
    value: str
    css_class: str = ""


@dataclass(frozen=True, slots=True)
class ResultCard:
    url: str
    name: str
    tagline: str
    place_word: str  # "From", "In": read out before the place
    place: str
    genres: tuple[Any, ...]  # the row's genres (name, slug), for stageslot/partials/_genre_chips.html
    facts: tuple[Fact, ...]
    thing: Any  # the band or venue, and its first photo (or None): stageslot/partials/_cover.html
    photo: Any
    distance: str = ""  # "32 km away", with a search near a place


# What Django's slug and int path converters accept; such a value needs no quoting in a path.
PLAIN_KEY = re.compile(r"[-a-zA-Z0-9_]+")
KEY_MARKER = "31415926535897932"  # a slug and a number alike


@lru_cache(maxsize=64)
def _around_key(viewname: str, script_prefix: str, urlconf: str | None) -> tuple[str, str]:
    before, marker, after = reverse(viewname, args=[KEY_MARKER], urlconf=urlconf).partition(KEY_MARKER)
    assert marker, f"{viewname} does not take its key as it is"  # noqa: S101
    return before, after


def detail_url(viewname: str, key: str | int) -> str:
    """reverse(viewname, args=[key]) for a page addressed by one slug or number, as on every card.

    Reversing costs about 15 µs, a tenth of a card; this reverses each view once (per script prefix
    and URLconf) and puts the key in its place. A key outside the converters' characters, which
    would need quoting or be refused, goes through reverse() itself.
    """
    key = str(key)
    if not PLAIN_KEY.fullmatch(key):
        return reverse(viewname, args=[key])
    before, after = _around_key(viewname, get_script_prefix(), get_urlconf())
    return f"{before}{key}{after}"


@lru_cache(maxsize=32)
def _words(language: str | None) -> dict[str, str]:
    return {
        "Fee": _("Fee"),
        "Members": _("Members"),
        "Free": _("Free"),
        "From": _("From"),
        "In": _("In"),
        "Rating": _("Rating"),
        "Capacity": _("Capacity"),
        "Stages": _("Stages"),
        "not given": _("not given"),
        "on request": _("on request"),
        "amount": get_format("MONEY_PATTERN"),
        "range": _("%(low)s–%(high)s %(currency)s"),
        "from amount": _("from %(amount)s %(currency)s"),
        "up to amount": _("up to %(amount)s %(currency)s"),
        "away": _("%(distance)s away"),
        "Open slot": _("Open slot"),
        "Support call": _("Support call"),
        "Negotiable": _("Negotiable"),
        "places open": _("%(open)s of %(places)s"),
        # Django's own words for the end of a cut text (django.utils.text.Truncator).
        "truncated": pgettext("String to return when truncating text", "%(truncated_text)s…"),
    }


def card_words() -> dict[str, str]:
    """The words every card repeats, in the current language: translated once per language, as 24 cards
    asking gettext for each cost about as much as drawing them."""
    return _words(translation.get_language())


@lru_cache(maxsize=4096)
def _grouped(number: int, language: str | None) -> str:
    return intcomma(number)


def grouped(number: int) -> str:
    """A whole number with the current language's grouping ("12,500"), as intcomma gives it; each number
    is worked out once per language, as cards repeat the same fees and capacities."""
    return _grouped(number, translation.get_language())


def fee_range_text(low: int | None, high: int | None, currency: str) -> str:
    """A fee range as people read it: "300–800 EUR", "500 EUR", "from 300 EUR", "up to 800 EUR", "on request"."""
    words = card_words()
    if low is not None and high is not None:
        if low == high:
            return words["amount"] % {"amount": grouped(low), "currency": currency}
        return words["range"] % {"low": grouped(low), "high": grouped(high), "currency": currency}
    if low is not None:
        return words["from amount"] % {"amount": grouped(low), "currency": currency}
    if high is not None:
        return words["up to amount"] % {"amount": grouped(high), "currency": currency}
    return words["on request"]


def cover_photo(thing) -> Any:
    """The cover photo of a listed band or venue (its `cover_photos` prefetched, see
    selectors.listing_prefetches), or None."""
    return thing.cover_photos[0] if thing.cover_photos else None


def genres_of(thing) -> tuple[Any, ...]:
    return tuple(thing.genres.all())


def rating_facts(thing) -> list[Fact]:
    """The rating of a band or venue from its columns (no review rows): "4.7 of 5 (12 reviews)"; nothing
    without a review."""
    if not thing.rating_count:
        return []
    return [Fact(card_words()["Rating"], rating_text(thing))]


def rating_text(thing) -> str:
    """ "4.7 of 5 (12 reviews)", in the current language's number format."""
    return ngettext(
        "%(average)s of 5 (%(count)s review)", "%(average)s of 5 (%(count)s reviews)", thing.rating_count
    ) % {"average": floatformat(thing.rating_average, 1), "count": thing.rating_count}


def distance_away(thing) -> str:
    """ "32 km away" for a row a search near a place found (annotated `distance_km`), else ""."""
    km = getattr(thing, "distance_km", None)
    return card_words()["away"] % {"distance": distance_text(km)} if km is not None else ""


def band_card(band: Band, *, note: str = "") -> ResultCard:
    """A band from bands.selectors.band_search; `note` says when it is free, for a free-date search."""
    words = card_words()
    facts = [
        Fact(words["Fee"], fee_range_text(band.fee_min, band.fee_max, band.currency)),
        Fact(words["Members"], str(band.member_count)),
        *rating_facts(band),
    ]
    if note:
        facts.insert(0, Fact(words["Free"], note, "result-card__free"))
    return ResultCard(
        url=detail_url("bands:detail", band.slug),
        name=band.name,
        tagline=band.tagline,
        place_word=words["From"],
        place=city_and_country(band),
        genres=genres_of(band),
        facts=tuple(facts),
        thing=band,
        photo=cover_photo(band),
        distance=distance_away(band),
    )
