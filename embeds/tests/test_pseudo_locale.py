"""Every word of the website widget and of the band's page that hands it out is marked for translation."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from bands.tests.factories import BandPhotoFactory
from bands.tests.pseudo_pages import words_left_unmarked

from .factories import band_for_widget, show_of

pytestmark = pytest.mark.django_db


def test_the_widget_and_the_website_page_are_all_marked(client):
    cache.clear()
    band, leader = band_for_widget(instant=True, tagline="Synth pop")
    BandPhotoFactory(band=band)
    show_of(band, leader, title="Release night", days=5)
    other, _ = band_for_widget(name="Quiet Owls")
    widget = reverse("embeds:band", args=[band.slug])
    # "StageSlot" is the name of the site, not a word to translate.
    pages = [widget, widget + "?theme=dark&tz=America/New_York", reverse("embeds:band", args=[other.slug])]
    assert words_left_unmarked(client, pages, data={"StageSlot"}) == {}
    client.force_login(leader)
    assert words_left_unmarked(client, [reverse("embeds:website", args=[band.slug])], data={"StageSlot"}) == {}
