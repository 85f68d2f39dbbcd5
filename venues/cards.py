"""What a venue search result shows, worked out once per card (see bands/cards.py)."""

from django.utils.text import Truncator

from bands.cards import (
    Fact,
    ResultCard,
    card_words,
    cover_photo,
    detail_url,
    distance_away,
    genres_of,
    grouped,
    rating_facts,
)
from bands.places import city_and_country
from places.maps import Marker, point_of, results_map

from .models import Venue

TAGLINE_LENGTH = 110


def tagline_of(description: str) -> str:
    """The start of a venue's description for its card, cut at TAGLINE_LENGTH characters with "…", as
    Truncator(description).chars(TAGLINE_LENGTH) cuts it.

    Truncator normalises the whole text, then counts it character by character (combining accents do
    not count) and asks gettext for its "…" twice: a twentieth of a millisecond a card. Plain ASCII text
    has no accents to leave out, so it is cut where it stands; other text is cut by Truncator from its
    first twice TAGLINE_LENGTH characters, all the cut can need."""
    if description.isascii():
        if len(description) <= TAGLINE_LENGTH:
            return description
        ellipsis = card_words()["truncated"]
        return ellipsis % {"truncated_text": description[: TAGLINE_LENGTH - len(ellipsis % {"truncated_text": ""})]}
    return Truncator(description[: TAGLINE_LENGTH * 2]).chars(TAGLINE_LENGTH)


def capacity_text(capacity: int | None) -> str:
    return grouped(capacity) if capacity else card_words()["not given"]


def venue_card(venue: Venue) -> ResultCard:
    """A venue from venues.selectors.venue_search."""
    words = card_words()
    return ResultCard(
        url=detail_url("venues:detail", venue.slug),
        name=venue.name,
        tagline=tagline_of(venue.description),
        place_word=words["In"],
        place=city_and_country(venue),
        genres=genres_of(venue),
        facts=(
            Fact(words["Capacity"], capacity_text(venue.capacity)),
            Fact(words["Stages"], str(venue.stage_count)),
            *rating_facts(venue),
        ),
        thing=venue,
        photo=cover_photo(venue),
        distance=distance_away(venue),
    )


def venue_marker(venue: Venue, card: ResultCard) -> Marker | None:
    """A venue's pin on the search's map (its exact point, else its city's), with what its card
    says; None for a venue without a point."""
    point = point_of(venue)
    if point is None:
        return None
    return Marker(lat=point[0], lon=point[1], title=card.name, url=card.url, kind="venue", line=card.place)


def venues_map(venues: list[Venue], cards: list[ResultCard], *, total: int) -> dict:
    """The map beside a page of venue search results: the venues with their cards, in the list's
    order (`total`: how many the search found)."""
    pairs = zip(venues, cards, strict=True)
    return results_map(pairs, lambda pair: venue_marker(*pair), thing="venue", things="venues", total=total)
