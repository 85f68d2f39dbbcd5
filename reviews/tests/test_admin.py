"""Staff moderate reviews in the admin: reported reviews and no-show reports to decide, hide with a reason,
restore, and every step in the moderation log."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import Band
from reviews.models import ModerationLog, Review
from reviews.services import ReviewInput, review_report, review_save

from .factories import completed_gig, review_of

pytestmark = pytest.mark.django_db

REVIEWS = reverse("admin:reviews_review_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def act(client, action, objects, **extra):
    return client.post(REVIEWS, {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra})


@pytest.fixture
def reported():
    gig = completed_gig()
    review_of(gig["booking"], gig["owner"], "band", 4)
    review_of(gig["booking"], gig["leader"], "venue", 5)
    review = Review.objects.get(author_side="venue")
    review_report(review=review, by=UserFactory(), reason="It names a person who was not there.")
    return review


def test_staff_find_reported_reviews_and_no_show_reports(staff_client, reported):
    gig = completed_gig()
    no_show = review_save(
        booking=gig["booking"],
        by=gig["owner"],
        data=ReviewInput(text="Nobody came; we waited all night.", no_show=True),
    )
    page = staff_client.get(REVIEWS, {"todo": "reported"}).content.decode()
    assert f"/{reported.pk}/change/" in page and f"/{no_show.pk}/change/" not in page
    page = staff_client.get(REVIEWS, {"todo": "no_show"}).content.decode()
    assert f"/{no_show.pk}/change/" in page and f"/{reported.pk}/change/" not in page
    change = staff_client.get(reverse("admin:reviews_review_change", args=[reported.pk])).content.decode()
    assert "It names a person who was not there." in change


def test_hiding_asks_for_a_reason_then_hides_logs_and_recomputes(staff_client, reported):
    response = act(staff_client, "hide", [reported])
    assert response.status_code == 200 and "Reason" in response.content.decode()
    act(staff_client, "hide", [reported], apply="yes", reason="  ")
    assert Review.objects.get(pk=reported.pk).hidden_at is None
    act(staff_client, "hide", [reported], apply="yes", reason="It insults a person.")
    reported.refresh_from_db()
    assert reported.hidden_reason == "It insults a person."
    assert Band.objects.get(pk=reported.band_id).rating_count == 0
    act(staff_client, "restore", [reported])
    assert Review.objects.get(pk=reported.pk).hidden_at is None
    assert Band.objects.get(pk=reported.band_id).rating_count == 1
    log = list(ModerationLog.objects.order_by("pk").values_list("action", "reason"))
    assert log == [("hide", "It insults a person."), ("restore", "")]
    page = staff_client.get(reverse("admin:reviews_moderationlog_changelist")).content.decode()
    assert "It insults a person." in page


def test_confirming_a_no_show_shows_it_on_the_review(staff_client, client):
    gig = completed_gig()
    no_show = review_save(
        booking=gig["booking"],
        by=gig["owner"],
        data=ReviewInput(text="Nobody came; we waited all night.", no_show=True),
    )
    review_of(gig["booking"], gig["leader"], "venue", 5)
    url = reverse("reviews:band", kwargs={"slug": gig["band"].slug})
    assert "a no-show was reported" not in client.get(url).content.decode()
    act(staff_client, "confirm_no_show", [no_show])
    client.logout()
    assert "A no-show was reported, and StageSlot staff confirmed it." in client.get(url).content.decode()
    # Confirming twice is refused with a message, and logged once.
    response = act(staff_client, "confirm_no_show", [no_show])
    assert response.status_code == 302
    assert ModerationLog.objects.filter(action="no_show_confirm").count() == 1


def test_people_who_are_not_staff_cannot_moderate(client, reported):
    client.force_login(UserFactory())
    response = act(client, "hide", [reported], apply="yes", reason="Mine to hide")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Review.objects.get(pk=reported.pk).hidden_at is None


@pytest.mark.parametrize("count", [2, 12])
def test_the_review_list_has_a_fixed_query_count(staff_client, django_assert_max_num_queries, count):
    for _ in range(count):
        gig = completed_gig()
        review_of(gig["booking"], gig["owner"], "band", 4)
    with django_assert_max_num_queries(8):
        assert staff_client.get(REVIEWS).status_code == 200
