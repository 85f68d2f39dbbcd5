"""The search result cards: what they say (built in Python), how the template draws them, their addresses."""

import re

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from bands.cards import band_card, detail_url, fee_range_text
from bands.selectors import band_search
from bands.tests.factories import BandFactory, BandPhotoFactory, GenreFactory, MembershipFactory
from stageslot.templatetags.fragments import render_jinja


def squeezed(html: str) -> str:
    """Markup with runs of whitespace made one space, and none between tags (a browser ignores it here)."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html.strip()))


def cards_html(cards) -> str:
    return render_jinja("stageslot/partials/result_cards.html", {"cards": cards})


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
def test_a_card_draws_its_cover_from_the_cover_partial(with_photo):
    band = BandFactory(name="<Owls> & co")
    photo = BandPhotoFactory(band=band, caption="") if with_photo else None
    row = band_search().get(pk=band.pk)
    html = cards_html([band_card(row)])
    # The profile pages draw the same cover ({% cover %}).
    profile = Template("{% load fragments %}{% cover band photo lazy=True %}").render(
        Context({"band": band, "photo": photo})
    )
    assert squeezed(profile) in squeezed(html)
    if with_photo:
        assert f'<img src="{photo.image.url}" alt="Photo of &lt;Owls&gt; &amp; co" loading="lazy">' in squeezed(html)
    else:
        assert 'aria-hidden="true">&lt;</span>' in html


@pytest.mark.django_db
def test_a_cards_genre_chips_have_no_links():
    rock, jazz = GenreFactory(name="Rock & Roll", slug="rock"), GenreFactory(name="<Jazz>", slug="jazz")
    band = BandFactory(genres=[rock, jazz])
    html = squeezed(cards_html([band_card(band_search().get(pk=band.pk))]))
    assert '<li><span class="chip">Rock &amp; Roll</span></li>' in html
    assert '<li><span class="chip">&lt;Jazz&gt;</span></li>' in html
    assert 'class="chip" href' not in html
    assert "genre-chips" not in cards_html([band_card(band_search().get(pk=BandFactory(genres=[]).pk))])


@pytest.mark.django_db
def test_a_band_card_says_what_the_results_list_shows():
    rock = GenreFactory(name="Rock", slug="rock")
    band = BandFactory(
        name="The Night Owls", tagline="", city="Berlin", country="DE", fee_min=800, fee_max=None, genres=[rock]
    )
    MembershipFactory.create_batch(3, band=band)
    card = band_card(band_search().get(pk=band.pk), note="free Fri 12 Mar, 18:00–24:00 Europe/Berlin")
    assert card.url == reverse("bands:detail", args=[band.slug])
    assert (card.place_word, card.place, [g.name for g in card.genres]) == ("From", "Berlin, Germany", ["Rock"])
    assert [(f.term, f.value, f.css_class) for f in card.facts] == [
        ("Free", "free Fri 12 Mar, 18:00–24:00 Europe/Berlin", "result-card__free"),
        ("Fee", "from 800 EUR", ""),
        ("Members", "3", ""),
    ]
    html = cards_html([card])
    assert 'aria-hidden="true">T</span>' in html  # the initial on the tinted tile
    assert '<p class="result-card__tagline">' not in html  # no tagline, no empty paragraph


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
