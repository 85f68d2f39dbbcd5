"""The periodic review work: scheduled, idempotent, and safe when two runs meet."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Notification
from reviews.models import Review
from reviews.services import reviews_publish_due
from reviews.tasks import reviews_due_task

from .factories import completed_gig, review_of


def test_the_review_work_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-due"]
    assert entry["task"] == "reviews.tasks.reviews_due_task"


@pytest.mark.django_db
def test_the_task_asks_for_reviews_and_publishes_due_ones_once():
    gig = completed_gig()
    late = completed_gig(days_ago=15)
    Review.objects.create(
        booking=late["booking"],
        author_side="venue",
        subject_side="band",
        band=late["band"],
        venue=late["venue"],
        overall=5,
        text="Written on time, published late.",
        performance=5,
        punctuality=5,
        communication=5,
        again=True,
    )
    assert reviews_due_task.delay().get() == {"published": 1, "asked": 2}
    assert reviews_due_task.delay().get() == {"published": 0, "asked": 0}
    late["band"].refresh_from_db()
    assert late["band"].rating_count == 1
    assert Notification.objects.filter(kind="review_request", recipient=gig["owner"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_publishing_runs_at_once_publish_each_review_once():
    gigs = [completed_gig(days_ago=15) for _ in range(4)]
    for gig in gigs:
        Review.objects.create(
            booking=gig["booking"],
            author_side="band",
            subject_side="venue",
            band=gig["band"],
            venue=gig["venue"],
            overall=4,
            sound=4,
            hospitality=4,
            paid=4,
            communication=4,
            again=True,
            text="Written on time, published late.",
        )
    results, errors = [], []
    start = threading.Barrier(2)
    now = timezone.now()

    def run():
        try:
            start.wait()
            results.append(reviews_publish_due(now=now))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(results) == 4
    assert Review.objects.filter(published_at=now).count() == 4
    assert Notification.objects.filter(kind="review_published").count() == 8  # both sides of each gig, once
    for gig in gigs:
        gig["venue"].refresh_from_db()
        assert gig["venue"].rating_count == 1


@pytest.mark.django_db
def test_a_review_written_after_a_reminder_is_not_reminded_again():
    gig = completed_gig(days_ago=8)
    review_of(gig["booking"], gig["owner"], "band")
    reviews_due_task.delay().get()
    assert not Notification.objects.filter(kind="review_reminder", recipient=gig["owner"]).exists()
    assert Notification.objects.filter(kind="review_reminder", recipient=gig["leader"]).count() == 1
    assert reviews_publish_due(now=timezone.now() + timedelta(days=7)) == 1
