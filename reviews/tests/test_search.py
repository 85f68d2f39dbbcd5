"""Band search, venue search and the gig finder sorted and filtered by rating (decision 0018)."""

import re

import pytest
from django.urls import reverse

from bookings.tests.factories import SlotFactory, band_with_leader, in_days, venue_with_owner
from reviews.models import Review
from reviews.services import ratings_refresh

from .factories import completed_gig, review_of
from .test_views import _many_reviews

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return re.findall(r'class="result-card__title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def _rated(name: str, stars: list[int]):
    """A band named `name` whose published reviews give these stars (one completed gig each)."""
    band, _ = band_with_leader(name=name)
    for value in stars:
        gig = completed_gig(band=band)
        review_of(gig["booking"], gig["owner"], "band", value)
        review_of(gig["booking"], gig["leader"], "venue", 4)
    return band


def test_one_five_star_review_ranks_below_many_good_ones_and_unrated_bands_come_last(client):
    _rated("Lucky Once", [5])
    _rated("Steady Eddies", [5, 5, 4, 5, 5, 4, 5, 5])
    _rated("Two Stars", [2, 2])
    band_with_leader(name="Aardvark Unrated")
    assert names(client.get(reverse("bands:search"), {"sort": "rating"})) == [
        "Steady Eddies",  # (17.5 + 38) / 13 = 4.27
        "Lucky Once",  # (17.5 + 5) / 6 = 3.75
        "Two Stars",  # (17.5 + 4) / 7 = 3.07
        "Aardvark Unrated",
    ]


def test_fifty_reviews_of_4_8_outrank_one_of_5(client):
    one, _ = band_with_leader(name="One Hit")
    many, _ = band_with_leader(name="Many Nights")
    _many_reviews(one, 1)
    Review.objects.filter(band=one).update(overall=5)
    _many_reviews(many, 50)
    Review.objects.filter(band=many).update(overall=5)
    Review.objects.filter(
        band=many, pk__in=list(Review.objects.filter(band=many).values_list("pk", flat=True)[:10])
    ).update(overall=4)
    ratings_refresh(band_ids=[one.pk, many.pk])
    many.refresh_from_db()
    assert many.rating_average == pytest.approx(4.8)
    assert names(client.get(reverse("bands:search"), {"sort": "rating"})) == ["Many Nights", "One Hit"]


def test_a_minimum_rating_keeps_bands_whose_average_reaches_it(client):
    _rated("Lucky Once", [5])
    _rated("Fair Enough", [3, 4])
    band_with_leader(name="Unrated")
    response = client.get(reverse("bands:search"), {"min_rating": "4"})
    assert names(response) == ["Lucky Once"]
    assert "4 stars and up" in response.content.decode()
    assert sorted(names(client.get(reverse("bands:search"), {"min_rating": "3.5"}))) == ["Fair Enough", "Lucky Once"]


@pytest.mark.parametrize("bad", ["five", "6", "-1", "1e9", "nan"])
def test_a_bad_minimum_rating_gets_a_message_and_is_left_out(client, bad):
    _rated("Lucky Once", [5])
    band_with_leader(name="Unrated")
    response = client.get(reverse("bands:search"), {"min_rating": bad})
    assert response.status_code == 200
    assert "Pick a rating from the list." in response.content.decode()
    assert len(names(response)) == 2


def test_cards_show_the_rating_from_the_row(client):
    _rated("Lucky Once", [5])
    html = client.get(reverse("bands:search")).content.decode()
    assert "5.0 of 5 (1 review)" in html


def test_venue_search_sorts_and_filters_by_the_venues_rating(client):
    good, _ = venue_with_owner(name="Good Room")
    poor, _ = venue_with_owner(name="Poor Room")
    venue_with_owner(name="Aaa New Room")
    for venue, value in ((good, 5), (good, 5), (poor, 2)):
        gig = completed_gig(venue=venue)
        review_of(gig["booking"], gig["leader"], "venue", value)
        review_of(gig["booking"], gig["owner"], "band", 4)
    assert names(client.get(reverse("venues:search"), {"sort": "rating"})) == ["Good Room", "Poor Room", "Aaa New Room"]
    assert names(client.get(reverse("venues:search"), {"min_rating": "4.5"})) == ["Good Room"]


def test_the_gig_finder_sorts_by_the_venues_rating_and_filters_by_it(client):
    good, _ = venue_with_owner(name="Good Room")
    poor, _ = venue_with_owner(name="Poor Room")
    for venue, value in ((good, 5), (poor, 2)):
        gig = completed_gig(venue=venue)
        review_of(gig["booking"], gig["leader"], "venue", value)
        review_of(gig["booking"], gig["owner"], "band", 4)
    SlotFactory(venue=poor, title="Poor Friday", starts_at=in_days(5), ends_at=in_days(5, 23))
    SlotFactory(venue=good, title="Good Saturday", starts_at=in_days(6), ends_at=in_days(6, 23))
    url = reverse("bookings:gig_finder")

    def titles(response):
        return re.findall(r'class="slot-card__title">\s*<a href="[^"]+">([^<]+)</a>', response.content.decode())

    assert titles(client.get(url)) == ["Poor Friday", "Good Saturday"]
    assert "<dt>Venue rating</dt><dd>5.0 of 5 (1 review)</dd>" in client.get(url).content.decode()
    assert titles(client.get(url, {"sort": "rating"})) == ["Good Saturday", "Poor Friday"]
    assert titles(client.get(url, {"min_rating": "4"})) == ["Good Saturday"]
    response = client.get(url, {"sort": "best", "min_rating": "x"})
    assert response.status_code == 200 and "Pick a rating from the list." in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_a_rating_sorted_search_runs_the_same_queries_however_many_reviews(
    client, django_assert_max_num_queries, count
):
    for i in range(count):
        band, _ = band_with_leader(name=f"Band {i:02d}")
        _many_reviews(band, 1 + i % 4)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("bands:search"), {"sort": "rating", "min_rating": "4"})
    assert len(names(response)) == min(count, 24)
