"""Both sides saving their reviews at the same moment (PostgreSQL, real row locks): whoever commits second
sees the other's review and publishes both; nothing stays hidden, nothing is published twice."""

import threading

import pytest
from django.db import connection

from bands.models import Band
from reviews.models import Review
from reviews.services import review_save
from venues.models import Venue

from .factories import completed_gig, stars

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_both_sides_at_once_publish_both(round_):
    gig = completed_gig()
    start = threading.Barrier(2)
    errors = []

    def write(by, subject):
        try:
            start.wait()
            review_save(booking=gig["booking"], by=by, data=stars(subject, 4))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(gig["owner"], "band")),
        threading.Thread(target=write, args=(gig["leader"], "venue")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    reviews = list(Review.objects.filter(booking=gig["booking"]))
    assert len(reviews) == 2 and all(r.published_at is not None for r in reviews)
    assert reviews[0].published_at == reviews[1].published_at
    assert Band.objects.get(pk=gig["band"].pk).rating_count == 1
    assert Venue.objects.get(pk=gig["venue"].pk).rating_count == 1
