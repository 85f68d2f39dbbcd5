"""A gig with nobody on the other side (an act on a show a band hosts without a venue, or the host's
own place there) is not reviewable: it is on nobody's list, its review page and API are a 404, and the
service refuses to save."""

import pytest
from django.http import Http404

from bookings.models import Booking
from reviews.selectors import booking_for_review, bookings_to_review
from reviews.services import ReviewInput, ReviewPermissionError, review_save
from reviews.tests.factories import completed_gig

pytestmark = pytest.mark.django_db


def hosted_without_venue():
    gig = completed_gig()
    booking = gig["booking"]
    Booking.objects.filter(pk=booking.pk).update(venue=None)
    booking.refresh_from_db()
    return booking, gig["leader"]


def test_a_gig_without_a_venue_or_a_client_is_on_nobodys_list_to_review():
    from django.utils import timezone

    booking, leader = hosted_without_venue()
    assert booking.pk not in set(bookings_to_review(user=leader, now=timezone.now()).values_list("pk", flat=True))
    with pytest.raises(Http404):
        booking_for_review(uid=booking.uid, user=leader)


def test_the_service_refuses_to_save_a_review_of_nobody():
    booking, leader = hosted_without_venue()
    with pytest.raises(ReviewPermissionError):
        review_save(booking=booking, by=leader, data=ReviewInput(overall=5, text="Great night"))
