"""What a band or venue search result shows, worked out and drawn once per card in Python.

Each card used to be five nested {% include %}s (the card, its cover, its genre chips, its facts, the
fee) that looked the same attributes up again and again: with 24 cards, most of a search page's
time went into the template engine rather than its query. Now a card is built from the row once
(band_card, venues.cards.venue_card) and `ResultCard.html` draws it with one format string, every
value escaped: about six times faster than the same markup as a template loop (benchmarks/templates.py).
The results list (stageslot/partials/_search_results.html) puts one in each <li>.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

from places.near import distance_text

from .models import Band
from .places import city_and_country


@dataclass(frozen=True, slots=True)
class Fact:
    """One <dt>/<dd> pair of a card; css_class styles the line (the "Free" note)."""

    term: str
    value: str
    css_class: str = ""

    @property
    def html(self) -> str:
        opening = f'<div class="{escape(self.css_class)}">' if self.css_class else "<div>"
        return f"{opening}<dt>{escape(self.term)}</dt><dd>{escape(self.value)}</dd></div>"


@dataclass(frozen=True, slots=True)
class Cover:
    """A card's cover: the first photo (src, alt), or, without one, the initial on a tile tinted by the key.

    The markup of stageslot/partials/_cover.html with lazy=True, which the profile pages draw.
    """

    src: str
    alt: str
    initial: str
    tint: str

    @property
    def html(self) -> str:
        if self.src:
            return f'<img src="{escape(self.src)}" alt="{escape(self.alt)}" loading="lazy">'
        return (
            f'<span class="cover-placeholder" data-tint="{escape(self.tint)}" aria-hidden="true">'
            f"{escape(self.initial)}</span>"
        )


def genre_chips_html(names: tuple[str, ...]) -> str:
    """The genres as chips without links: stageslot/partials/_genre_chips.html without a search_url."""
    if not names:
        return ""
    chips = "".join(f'<li><span class="chip">{escape(name)}</span></li>' for name in names)
    return f'<ul class="genre-chips" aria-label="Genres">{chips}</ul>'


CARD_HTML = (
    '<article class="result-card">'
    '<div class="result-card__media">{cover}</div>'
    '<div class="result-card__body">'
    '<h3 class="result-card__title"><a href="{url}">{name}</a></h3>'
    "{tagline}{place}{genres}"
    '<dl class="result-card__facts">{facts}</dl>'
    "</div>"
    "</article>"
)


# "32 km away" after a card's place (a line of its own, see discovery.css); the comma is for screen readers.
DISTANCE_HTML = ' <span class="distance"><span class="visually-hidden">, </span>{}</span>'


@dataclass(frozen=True, slots=True)
class ResultCard:
    url: str
    name: str
    tagline: str
    place_word: str  # "From", "In": read out before the place
    place: str
    genres: tuple[str, ...]
    facts: tuple[Fact, ...]
    cover: Cover
    distance: str = ""  # "32 km away", with a search near a place

    @property
    def html(self) -> SafeString:
        """The card as the results list shows it (every value escaped here)."""
        tagline = f'<p class="result-card__tagline">{escape(self.tagline)}</p>' if self.tagline else ""
        distance = DISTANCE_HTML.format(escape(self.distance)) if self.distance else ""
        place = (
            f'<p class="result-card__place"><span class="visually-hidden">{escape(self.place_word)}</span> '
            f"{escape(self.place)}{distance}</p>"
            if self.place or distance
            else ""
        )
        return mark_safe(  # noqa: S308  (the values are escaped above, the rest is our markup)
            CARD_HTML.format(
                cover=self.cover.html,
                url=escape(self.url),
                name=escape(self.name),
                tagline=tagline,
                place=place,
                genres=genre_chips_html(self.genres),
                facts="".join(fact.html for fact in self.facts),
            )
        )


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


def fee_range_text(low: int | None, high: int | None, currency: str) -> str:
    """A fee range as people read it: "300–800 EUR", "500 EUR", "from 300 EUR", "up to 800 EUR", "on request"."""
    if low is not None and high is not None:
        if low == high:
            return f"{intcomma(low)} {currency}"
        return f"{intcomma(low)}–{intcomma(high)} {currency}"
    if low is not None:
        return f"from {intcomma(low)} {currency}"
    if high is not None:
        return f"up to {intcomma(high)} {currency}"
    return "on request"


def cover_of(thing) -> Cover:
    """The cover of a listed band or venue (its `cover_photos` prefetched, see selectors.listing_prefetches)."""
    photo = thing.cover_photos[0] if thing.cover_photos else None
    if photo is not None:
        return Cover(src=photo.image.url, alt=photo.caption or f"Photo of {thing.name}", initial="", tint="")
    return Cover(src="", alt="", initial=thing.name[:1].upper(), tint=str(thing.pk)[-1])


def genre_names(thing) -> tuple[str, ...]:
    return tuple(genre.name for genre in thing.genres.all())


def rating_facts(thing) -> list[Fact]:
    """The rating of a band or venue from its columns (no review rows): "4.7 of 5 (12 reviews)"; nothing
    without a review."""
    if not thing.rating_count:
        return []
    reviews = "review" if thing.rating_count == 1 else "reviews"
    return [Fact("Rating", f"{thing.rating_average:.1f} of 5 ({thing.rating_count} {reviews})")]


def distance_away(thing) -> str:
    """ "32 km away" for a row a search near a place found (annotated `distance_km`), else ""."""
    km = getattr(thing, "distance_km", None)
    return f"{distance_text(km)} away" if km is not None else ""


def band_card(band: Band, *, note: str = "") -> ResultCard:
    """A band from bands.selectors.band_search; `note` says when it is free, for a free-date search."""
    facts = [
        Fact("Fee", fee_range_text(band.fee_min, band.fee_max, band.currency)),
        Fact("Members", str(band.member_count)),
        *rating_facts(band),
    ]
    if note:
        facts.insert(0, Fact("Free", note, "result-card__free"))
    return ResultCard(
        url=detail_url("bands:detail", band.slug),
        name=band.name,
        tagline=band.tagline,
        place_word="From",
        place=city_and_country(band),
        genres=genre_names(band),
        facts=tuple(facts),
        cover=cover_of(band),
        distance=distance_away(band),
    )
