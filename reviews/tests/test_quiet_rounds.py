"""The periodic review work reads only what fell due since its last run: with nothing due, a run costs the
same queries however many gigs are in the review window, and a gig that is completed late is still asked
for (decision 0092)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from bookings.models import Booking
from reviews.models import RequestsMark
from reviews.services import review_requests_send, reviews_publish_due

from .factories import completed_gig, review_of

pytestmark = pytest.mark.django_db


def due_round(now) -> tuple[int, int, int]:
    """(published, asked, queries) of one run of the task's two parts at `now`."""
    with CaptureQueriesContext(connection) as captured:
        published = reviews_publish_due(now=now)
        asked = review_requests_send(now=now)
    return published, asked, len(captured)


def gigs(count: int) -> None:
    """`count` gigs completed within the window, one side's review written and waiting for the other."""
    for n in range(count):
        gig = completed_gig(days_ago=1 + n)
        review_of(gig["booking"], gig["owner"], "band", 4)


def test_a_run_with_nothing_due_costs_the_same_queries_at_any_size():
    now = timezone.now()
    gigs(1)
    assert due_round(now)[:2] == (0, 1)  # the band's leader asked (the venue has written)
    quiet = due_round(now + timedelta(minutes=5))
    gigs(5)
    Notification.objects.all().delete()  # the new gigs are behind the mark: asked for no more
    assert due_round(now + timedelta(minutes=10)) == quiet
    # The published and asked counts are none, in five queries: the reviews due for publishing, the mark,
    # the gigs due since it, the first gig not completed yet, and the mark moved on.
    assert quiet == (0, 0, 5)


def test_a_reminder_falls_due_a_week_after_the_gig_and_only_then():
    gig = completed_gig(days_ago=1)
    now = timezone.now()
    assert review_requests_send(now=now) == 2
    assert review_requests_send(now=now + timedelta(days=5)) == 0
    assert review_requests_send(now=now + timedelta(days=6, hours=1)) == 2
    assert Notification.objects.filter(kind="review_reminder", recipient=gig["leader"]).count() == 1
    assert review_requests_send(now=now + timedelta(days=6, hours=2)) == 0


def test_a_gig_completed_late_is_asked_for_when_it_completes():
    now = timezone.now()
    review_requests_send(now=now)  # the mark is set
    gig = completed_gig(days_ago=0.5)
    Booking.objects.filter(pk=gig["booking"].pk).update(status=Booking.Status.BOOKED)
    # The gig is over but not completed yet (bookings_complete has not reached it): the mark stays before it.
    assert review_requests_send(now=now + timedelta(hours=1)) == 0
    assert RequestsMark.objects.get().asked_through == gig["booking"].ends_at
    Booking.objects.filter(pk=gig["booking"].pk).update(status=Booking.Status.COMPLETED)
    assert review_requests_send(now=now + timedelta(hours=2)) == 2
    assert RequestsMark.objects.get().asked_through == now + timedelta(hours=2)


def test_a_run_for_an_earlier_moment_reads_the_whole_window():
    gig = completed_gig(days_ago=3)
    now = timezone.now()
    RequestsMark.objects.create(asked_through=now + timedelta(days=1))
    assert review_requests_send(now=now) == 2
    assert {n.recipient for n in Notification.objects.filter(kind="review_request")} == {gig["leader"], gig["owner"]}
