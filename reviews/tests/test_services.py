"""Writing, publishing, replying, reporting and moderating reviews, and the rating columns they keep."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.models import Band
from bookings.models import Booking
from reviews.models import ModerationLog, Review, ReviewReport
from reviews.ratings import PRIOR_MEAN, PRIOR_WEIGHT, bayesian_score
from reviews.services import (
    ReviewError,
    ReviewInput,
    ReviewPermissionError,
    no_show_confirm,
    no_show_dismiss,
    ratings_refresh,
    review_hide,
    review_reply,
    review_report,
    review_requests_send,
    review_restore,
    review_save,
    reviews_publish_due,
)
from venues.models import Venue

from .factories import completed_gig, completed_private_gig, review_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def gig():
    return completed_gig()


def test_the_first_review_stays_hidden_until_the_other_side_writes(gig):
    booking = gig["booking"]
    venue_review = review_of(booking, gig["owner"], "band", 4)
    assert venue_review.published_at is None
    gig["band"].refresh_from_db()
    assert gig["band"].rating_count == 0
    # The band is told that a review waits for theirs, without what it says.
    told = Notification.objects.get(recipient=gig["leader"], kind="review_written")
    assert "Write yours to read theirs" in told.text
    band_review = review_of(booking, gig["leader"], "venue", 5)
    venue_review.refresh_from_db()
    assert venue_review.published_at == band_review.published_at is not None
    gig["band"].refresh_from_db()
    gig["venue"].refresh_from_db()
    assert (gig["band"].rating_count, gig["band"].rating_average) == (1, 4.0)
    assert gig["band"].rating_details["sub"] == {"performance": 5.0, "punctuality": 4.0, "communication": 5.0}
    assert (gig["venue"].rating_count, gig["venue"].rating_average) == (1, 5.0)
    assert gig["venue"].rating_again_percent == 100
    assert gig["band"].rating_score == pytest.approx(bayesian_score(total=4, count=1))


def test_a_side_edits_until_publication_and_never_after(gig):
    booking = gig["booking"]
    first = review_of(booking, gig["owner"], "band", 3)
    edited = review_of(booking, gig["owner"], "band", 4, text="Changed my mind, it was a good night.")
    assert edited.pk == first.pk and Review.objects.count() == 1
    assert Review.objects.get().overall == 4
    review_of(booking, gig["leader"], "venue")
    with pytest.raises(ReviewError, match="published and can no longer be changed"):
        review_of(booking, gig["owner"], "band", 1)
    assert Review.objects.get(author_side="venue").overall == 4


def test_any_leader_or_venue_staff_acts_for_their_side_but_plain_members_and_strangers_do_not(gig):
    booking = gig["booking"]
    for person in (gig["member"], UserFactory(), completed_gig()["owner"], completed_gig()["leader"]):
        with pytest.raises(ReviewPermissionError):
            review_of(booking, person, "band")
    assert not Review.objects.exists()


def test_only_completed_gigs_within_the_window_can_be_reviewed(gig):
    booking = gig["booking"]
    for status in (Booking.Status.BOOKED, Booking.Status.CANCELLED, Booking.Status.PENDING):
        Booking.objects.filter(pk=booking.pk).update(status=status)
        booking.refresh_from_db()
        with pytest.raises(ReviewError, match="once it has taken place"):
            review_of(booking, gig["owner"], "band")
    old = completed_gig(days_ago=15)
    with pytest.raises(ReviewError, match="closed 14 days"):
        review_of(old["booking"], old["owner"], "band")
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        ReviewInput(text="Great gig but short text"[:10], overall=5, ratings={"performance": 5}, again=True),
        ReviewInput(text="x" * 2001, overall=5, ratings={}, again=True),
        ReviewInput(text="Twenty characters and more", overall=6, ratings={}, again=True),
        ReviewInput(text="Twenty characters and more", overall=0, ratings={}, again=True),
        ReviewInput(
            text="Twenty characters and more",
            overall=5,
            ratings={"performance": 5, "punctuality": 9, "communication": 5},
            again=True,
        ),
        ReviewInput(
            text="Twenty characters and more",
            overall=5,
            ratings={"performance": 5, "punctuality": 5, "communication": 5, "sound": 5},
            again=True,
        ),
        ReviewInput(
            text="Twenty characters and more",
            overall=5,
            ratings={"performance": 5, "punctuality": 5, "communication": 5},
            again=None,
        ),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(gig, data):
    with pytest.raises(ReviewError):
        review_save(booking=gig["booking"], by=gig["owner"], data=data)
    assert not Review.objects.exists()


def test_the_database_holds_one_review_per_side_and_stars_1_to_5(gig):
    review = review_of(gig["booking"], gig["owner"], "band")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(overall=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            booking=review.booking,
            author_side="venue",
            subject_side="band",
            band=review.band,
            venue=review.venue,
            overall=3,
            text="A second review of the same side.",
        )


def test_support_acts_review_and_are_reviewed_like_headliners():
    gig = completed_gig(role=Booking.Role.SUPPORT)
    review_of(gig["booking"], gig["owner"], "band", 5)
    review_of(gig["booking"], gig["leader"], "venue", 4)
    assert Review.objects.filter(published_at__isnull=False).count() == 2


def test_client_and_band_review_each_other_and_the_clients_rating_stays_off_the_band():
    gig = completed_private_gig()
    review_of(gig["booking"], gig["client"], "band", 5)
    of_client = review_of(gig["booking"], gig["leader"], "client", 2)
    assert of_client.subject_side == "client" and of_client.published_at is not None
    gig["band"].refresh_from_db()
    assert (gig["band"].rating_count, gig["band"].rating_average) == (1, 5.0)


def test_the_window_closing_publishes_what_was_written_once_even_when_run_twice(gig):
    review_of(gig["booking"], gig["owner"], "band", 4)
    later = timezone.now() + timedelta(days=14)
    assert reviews_publish_due(now=later) == 1
    assert reviews_publish_due(now=later) == 0
    gig["band"].refresh_from_db()
    assert gig["band"].rating_count == 1
    # Told once each side.
    assert Notification.objects.filter(kind="review_published", recipient=gig["leader"]).count() == 1


def test_nothing_is_published_before_the_window_closes(gig):
    review_of(gig["booking"], gig["owner"], "band", 4)
    assert reviews_publish_due(now=timezone.now() + timedelta(days=12)) == 0
    assert Review.objects.get().published_at is None


def test_how_was_the_gig_reaches_both_sides_once_then_a_reminder_after_a_week_only_to_who_has_not_written(gig):
    assert review_requests_send() == 2  # the band's leader, the venue's owner
    assert review_requests_send() == 0
    asked = Notification.objects.filter(kind="review_request")
    assert {n.recipient for n in asked} == {gig["leader"], gig["owner"]}
    assert all(n.link == f"/reviews/{gig['booking'].uid}/" for n in asked)
    assert "How was the gig?" in asked.first().text
    review_of(gig["booking"], gig["owner"], "band")
    assert review_requests_send(now=timezone.now() + timedelta(days=7)) == 1
    reminder = Notification.objects.get(kind="review_reminder")
    assert reminder.recipient == gig["leader"]
    assert review_requests_send(now=timezone.now() + timedelta(days=7, hours=1)) == 0
    # The window has closed: nobody is asked any more.
    assert review_requests_send(now=timezone.now() + timedelta(days=14)) == 0


def _published(gig):
    review_of(gig["booking"], gig["owner"], "band", 4)
    review_of(gig["booking"], gig["leader"], "venue", 5)
    return Review.objects.get(author_side="venue"), Review.objects.get(author_side="band")


def test_the_reviewed_side_replies_once(gig):
    of_band, _ = _published(gig)
    with pytest.raises(ReviewPermissionError):
        review_reply(review=of_band, by=gig["owner"], text="Replying to my own review")
    with pytest.raises(ReviewPermissionError):
        review_reply(review=of_band, by=gig["member"], text="A member is not a leader")
    review_reply(review=of_band, by=gig["leader"], text="Thank you, see you next year!")
    with pytest.raises(ReviewError, match="replied to this review already"):
        review_reply(review=of_band, by=gig["leader"], text="And another thing")
    of_band.refresh_from_db()
    assert of_band.reply_text == "Thank you, see you next year!"


def test_an_unpublished_review_cannot_be_answered(gig):
    waiting = review_of(gig["booking"], gig["owner"], "band", 4)
    with pytest.raises(ReviewError):
        review_reply(review=waiting, by=gig["leader"], text="I cannot even see it")


def test_reports_one_per_person_never_of_ones_own(gig):
    of_band, _ = _published(gig)
    with pytest.raises(ReviewError, match="your own review"):
        review_report(review=of_band, by=gig["owner"], reason="I want it gone, it is mine")
    someone = UserFactory()
    with pytest.raises(ReviewError):
        review_report(review=of_band, by=someone, reason="short")
    review_report(review=of_band, by=someone, reason="It names a person who was not there.")
    with pytest.raises(ReviewError, match="reported this review already"):
        review_report(review=of_band, by=someone, reason="It names a person who was not there.")
    assert ReviewReport.objects.count() == 1


def test_staff_hide_and_restore_with_a_log_and_the_ratings_follow(gig):
    of_band, _ = _published(gig)
    staff = UserFactory(is_staff=True)
    review_report(review=of_band, by=UserFactory(), reason="Abusive words about the drummer.")
    with pytest.raises(ReviewPermissionError):
        review_hide(review=of_band, by=gig["leader"], reason="Not fair")
    with pytest.raises(ReviewError):
        review_hide(review=of_band, by=staff, reason="  ")
    review_hide(review=of_band, by=staff, reason="It insults a person.")
    band = Band.objects.get(pk=gig["band"].pk)
    assert band.rating_count == 0 and band.rating_score == 0
    assert ReviewReport.objects.get().resolved_at is not None
    hidden = Notification.objects.get(kind="review_hidden", recipient=gig["owner"])
    assert "It insults a person." in hidden.text
    review_restore(review=Review.objects.get(pk=of_band.pk), by=staff)
    band.refresh_from_db()
    assert band.rating_count == 1
    assert list(ModerationLog.objects.order_by("pk").values_list("action", flat=True)) == ["hide", "restore"]


def test_a_no_show_report_is_flagged_shows_once_confirmed_and_carries_no_stars(gig):
    report = review_save(
        booking=gig["booking"],
        by=gig["owner"],
        data=ReviewInput(text="Nobody came; we waited until midnight.", no_show=True),
    )
    assert report.overall is None
    review_of(gig["booking"], gig["leader"], "venue")
    report.refresh_from_db()
    assert report.published_at is not None and not report.is_public
    staff = UserFactory(is_staff=True)
    no_show_confirm(review=report, by=staff)
    report.refresh_from_db()
    assert report.is_public
    band = Band.objects.get(pk=gig["band"].pk)
    assert band.rating_count == 0
    with pytest.raises(ReviewError):
        no_show_dismiss(review=report, by=staff, reason="Too late")


def test_a_dismissed_no_show_stays_hidden_with_the_reason(gig):
    report = review_save(
        booking=gig["booking"],
        by=gig["owner"],
        data=ReviewInput(text="Nobody came; we waited until midnight.", no_show=True),
    )
    staff = UserFactory(is_staff=True)
    no_show_dismiss(review=report, by=staff, reason="The band played: the venue's own photos show it.")
    report.refresh_from_db()
    assert report.hidden_at is not None and "photos" in report.hidden_reason


def test_one_five_star_review_does_not_outrank_fifty_of_4_8():
    assert bayesian_score(total=5, count=1) < bayesian_score(total=240, count=50)
    assert bayesian_score(total=5, count=1) == pytest.approx((PRIOR_WEIGHT * PRIOR_MEAN + 5) / (PRIOR_WEIGHT + 1))
    assert bayesian_score(total=0, count=0) is None


def test_ratings_refresh_counts_only_public_rated_reviews():
    gig = completed_gig()
    _published(gig)
    # Another gig of the same band, its review waiting: not counted.
    second = completed_gig(band=gig["band"])
    review_of(second["booking"], second["owner"], "band", 1)
    ratings_refresh(band_ids=[gig["band"].pk], venue_ids=[gig["venue"].pk])
    band = Band.objects.get(pk=gig["band"].pk)
    assert band.rating_count == 1 and band.rating_details["stars"]["4"] == 1
    assert Venue.objects.get(pk=gig["venue"].pk).rating_count == 1
