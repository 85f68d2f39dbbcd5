"""Every word on the review pages is marked for translation, for each side of a gig."""

import pytest
from django.urls import reverse

from bands.tests.pseudo_pages import words_left_unmarked
from reviews.models import Review, Side
from reviews.tests.factories import completed_gig, completed_private_gig, review_of

pytestmark = pytest.mark.django_db


def test_the_review_pages_are_all_marked(client):
    gig = completed_gig()
    review_of(gig["booking"], gig["owner"], "band", 4)
    review_of(gig["booking"], gig["leader"], "venue", 5)
    published = Review.objects.get(author_side=Side.VENUE)
    band, venue = gig["band"], gig["venue"]
    public = [
        reverse("reviews:band", args=[band.slug]),
        reverse("reviews:band_latest", args=[band.slug]),
        reverse("reviews:venue", args=[venue.slug]),
        reverse("reviews:venue_latest", args=[venue.slug]),
    ]
    assert words_left_unmarked(client, public) == {}
    client.force_login(gig["leader"])
    assert words_left_unmarked(client, [reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})]) == {}
    client.force_login(gig["member"])
    assert words_left_unmarked(client, [reverse("reviews:report", kwargs={"pk": published.pk})]) == {}


def test_the_review_form_and_the_clients_reputation_are_all_marked(client):
    private = completed_private_gig()
    client.force_login(private["leader"])
    urls = [
        reverse("reviews:booking", kwargs={"uid": private["booking"].uid}),
        reverse("reviews:client", kwargs={"uid": private["booking"].uid}),
    ]
    assert words_left_unmarked(client, urls) == {}
