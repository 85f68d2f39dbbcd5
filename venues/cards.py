"""What a venue search result shows, worked out once per card (see bands/cards.py)."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.text import Truncator

from bands.cards import Fact, ResultCard, cover_of, detail_url, distance_away, genre_names, rating_facts
from bands.places import city_and_country

from .models import Venue

TAGLINE_LENGTH = 110


def capacity_text(capacity: int | None) -> str:
    return intcomma(capacity) if capacity else "not given"


def venue_card(venue: Venue) -> ResultCard:
    """A venue from venues.selectors.venue_search."""
    return ResultCard(
        url=detail_url("venues:detail", venue.slug),
        name=venue.name,
        tagline=Truncator(venue.description).chars(TAGLINE_LENGTH),
        place_word="In",
        place=city_and_country(venue),
        genres=genre_names(venue),
        facts=(
            Fact("Capacity", capacity_text(venue.capacity)),
            Fact("Stages", str(venue.stage_count)),
            *rating_facts(venue),
        ),
        cover=cover_of(venue),
        distance=distance_away(venue),
    )
