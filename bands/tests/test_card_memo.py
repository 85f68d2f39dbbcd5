"""Search result cards are kept by the values of their rows (docs/decisions/0027): a kept card is the
card drawn anew, and any change to what a card shows – a column, a genre, a photo, a joined venue, a
rating written by update(), the viewer's time zone – is drawn at once."""

import re
from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands import card_memo
from bands.cards import band_card
from bands.models import Band, Genre
from bands.selectors import band_search
from bands.tests.factories import BandFactory, GenreFactory
from bookings.tests.factories import SlotFactory
from venues.models import Venue

pytestmark = pytest.mark.django_db


def cards_of(client, url: str) -> list[str]:
    body = client.get(url).content.decode()
    return re.findall(r"<li><article class=\"(?:result|slot)-card\">.*?</article></li>", body, re.S)


def test_a_kept_card_is_the_card_drawn_anew(client):
    rock = GenreFactory(name="Rock")
    BandFactory(name="The Night Owls", genres=[rock], fee_min=300, fee_max=800, city="Leeds")
    first = cards_of(client, "/bands/")
    assert len(card_memo._memo.entries) == 1
    card_memo.clear()
    assert cards_of(client, "/bands/") == first
    assert cards_of(client, "/bands/") == first  # from the memo


def test_a_change_to_anything_a_card_shows_is_drawn_at_once(client):
    rock = GenreFactory(name="Rock")
    band = BandFactory(name="The Night Owls", genres=[rock], fee_min=300, fee_max=800)
    assert "The Night Owls" in cards_of(client, "/bands/")[0]
    Band.objects.filter(pk=band.pk).update(name="The Day Larks")  # no signal, no save()
    assert "The Day Larks" in cards_of(client, "/bands/")[0]
    Band.objects.filter(pk=band.pk).update(rating_count=3, rating_average=4.5)
    assert "4.5 of 5 (3 reviews)" in cards_of(client, "/bands/")[0]
    Genre.objects.filter(pk=rock.pk).update(name="Krautrock")  # a prefetched row
    card = cards_of(client, "/bands/")[0]
    assert "Krautrock" in card and ">Rock<" not in card


def test_a_slots_venue_is_part_of_its_key(client):
    slot = SlotFactory(title="Friday late")
    assert slot.venue.name in cards_of(client, "/slots/")[0]
    Venue.objects.filter(pk=slot.venue_id).update(name="The Renamed Room")  # a joined row
    assert "The Renamed Room" in cards_of(client, "/slots/")[0]


def test_the_viewers_time_zone_draws_its_own_card(client):
    SlotFactory(title="Friday late", starts_at=timezone.now().replace(hour=20, minute=0) + timedelta(days=12))
    client.force_login(UserFactory(time_zone="Asia/Tokyo"))
    tokyo = cards_of(client, "/slots/")[0]
    client.force_login(UserFactory(time_zone="America/New_York"))
    new_york = cards_of(client, "/slots/")[0]
    assert "Asia/Tokyo" in tokyo and "America/New_York" in new_york


def test_equal_rows_have_equal_keys_and_a_changed_value_another():
    rock = GenreFactory(name="Rock")
    BandFactory(name="The Night Owls", genres=[rock])

    def key():
        return card_memo.row_key(band_search()[0])

    first = key()
    assert key() == first and hash(key()) == hash(first)
    Band.objects.update(tagline="Louder now")
    assert key() != first


def test_the_memo_keeps_at_most_its_size(monkeypatch):
    monkeypatch.setattr(card_memo._memo, "size", 3)
    BandFactory.create_batch(5)
    rows = list(Paginator(band_search(), 24).get_page(1).object_list)
    cards, html = card_memo.draw_cards(rows, band_card)
    assert len(cards) == 5 and html.count("<li>") == 5
    assert len(card_memo._memo.entries) == 3
