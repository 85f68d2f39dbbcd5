"""The search result cards built in Python: what they say, their markup, their addresses."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse, set_script_prefix

from bands.cards import Cover, band_card, detail_url, fee_range_text, genre_chips_html
from bands.selectors import band_search
from bands.tests.factories import BandFactory, BandPhotoFactory, GenreFactory, MembershipFactory


def squeezed(html: str) -> str:
    """Markup with runs of whitespace made one space, and none between tags (a browser ignores it here)."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html.strip()))


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (800, 1500, "800–1,500 EUR"),
        (500, 500, "500 EUR"),
        (300, None, "from 300 EUR"),
        (None, 2000, "up to 2,000 EUR"),
        (None, None, "on request"),
        (0, 0, "0 EUR"),
    ],
)
def test_fee_range_in_words(low, high, text):
    assert fee_range_text(low, high, "EUR") == text


@pytest.mark.django_db
@pytest.mark.parametrize("with_photo", [True, False])
def test_a_cover_is_the_markup_of_the_cover_partial(with_photo):
    band = BandFactory(name="<Owls> & co")
    photo = BandPhotoFactory(band=band, caption="") if with_photo else None
    cover = (
        Cover(src=photo.image.url, alt=f"Photo of {band.name}", initial="", tint="")
        if with_photo
        else Cover(src="", alt="", initial="<", tint=str(band.pk)[-1])
    )
    partial = render_to_string("stageslot/partials/_cover.html", {"thing": band, "photo": photo, "lazy": True})
    assert squeezed(cover.html) == squeezed(partial)


@pytest.mark.django_db
def test_genre_chips_are_the_markup_of_the_chips_partial_without_links():
    genres = [GenreFactory(name="Rock & Roll", slug="rock"), GenreFactory(name="<Jazz>", slug="jazz")]
    partial = render_to_string("stageslot/partials/_genre_chips.html", {"genres": genres, "search_url": ""})
    assert squeezed(genre_chips_html(("Rock & Roll", "<Jazz>"))) == squeezed(partial)
    assert genre_chips_html(()) == ""


@pytest.mark.django_db
def test_a_band_card_says_what_the_results_list_shows():
    rock = GenreFactory(name="Rock", slug="rock")
    band = BandFactory(
        name="The Night Owls", tagline="", city="Berlin", country="DE", fee_min=800, fee_max=None, genres=[rock]
    )
    MembershipFactory.create_batch(3, band=band)
    card = band_card(band_search().get(pk=band.pk), note="free Fri 12 Mar, 18:00–24:00 Europe/Berlin")
    assert card.url == reverse("bands:detail", args=[band.slug])
    assert (card.place_word, card.place, card.genres) == ("From", "Berlin, Germany", ("Rock",))
    assert [(f.term, f.value, f.css_class) for f in card.facts] == [
        ("Free", "free Fri 12 Mar, 18:00–24:00 Europe/Berlin", "result-card__free"),
        ("Fee", "from 800 EUR", ""),
        ("Members", "3", ""),
    ]
    assert card.cover.initial == "T"
    assert '<p class="result-card__tagline">' not in card.html  # no tagline, no empty paragraph


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("viewname", "key"),
    [("bands:detail", "the-night-owls"), ("venues:detail", "kellerbar_2"), ("bookings:slot_detail", 42)],
)
def test_detail_url_is_what_reverse_gives(viewname, key):
    assert detail_url(viewname, key) == reverse(viewname, args=[key])
    set_script_prefix("/stageslot/")
    try:
        assert detail_url(viewname, key) == reverse(viewname, args=[key])
        assert detail_url(viewname, key).startswith("/stageslot/")
    finally:
        set_script_prefix("/")


def test_a_key_outside_the_path_converter_fails_as_reverse_does():
    with pytest.raises(NoReverseMatch):
        detail_url("bands:detail", "ümlaut")
