"""The review pages through the test client: who may see and do what, bad input, and query counts."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from bookings.models import Booking
from bookings.tests.factories import band_with_leader
from reviews.models import Review, ReviewReport, Side
from reviews.services import ratings_refresh, review_hide

from .factories import completed_gig, completed_private_gig, form_data, review_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def gig():
    return completed_gig()


@pytest.fixture
def people(gig):
    """Everyone the access rules name, by what they are to the gig."""
    return {
        "band": gig["leader"],
        "venue": gig["owner"],
        "member": gig["member"],
        "other_band": band_with_leader()[1],
        "other_venue": completed_gig()["owner"],
        "stranger": UserFactory(),
        "anonymous": None,
    }


def get(client, user, url, **kwargs):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url, **kwargs)


def post(client, user, url, data):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.post(url, data)


# ---- Who may open and write a booking's reviews ----------------------------------------------------

EXPECTED_BOOKING_PAGE = {
    "band": 200,
    "venue": 200,
    "member": 404,
    "other_band": 404,
    "other_venue": 404,
    "stranger": 404,
    "anonymous": 302,
}


@pytest.mark.parametrize(("who", "status"), EXPECTED_BOOKING_PAGE.items())
def test_the_booking_review_page_is_for_the_two_sides_only(client, gig, people, who, status):
    url = reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})
    assert get(client, people[who], url).status_code == status
    subject = "venue" if who == "band" else "band"
    response = post(client, people[who], url, form_data(subject))
    assert response.status_code == (302 if status in (200, 302) else status)
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]
    written = Review.objects.filter(booking=gig["booking"])
    assert written.count() == (1 if who in ("band", "venue") else 0)
    written.delete()


def test_the_venue_reviews_and_the_band_cannot_read_it_until_it_has_written_its_own(client, gig):
    url = reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})
    response = post(client, gig["owner"], url, form_data("band", 4, text="Tight set, on time, lovely people."))
    assert response.status_code == 302
    page = get(client, gig["leader"], url).content.decode()
    assert "has reviewed this gig. Write yours to read theirs" in page
    assert "Tight set, on time" not in page
    # The venue sees its own review waiting.
    page = get(client, gig["owner"], url).content.decode()
    assert "Tight set, on time" in page and "cannot read it until" in page
    post(client, gig["leader"], url, form_data("venue", 5, text="Great sound, paid on the night."))
    page = get(client, gig["leader"], url).content.decode()
    assert "Tight set, on time" in page and "Publish reply" in page
    assert "Both reviews are published" in page


@pytest.mark.parametrize(
    "bad",
    [
        {"overall": "five"},
        {"overall": "6"},
        {"overall": "0"},
        {"overall": ""},
        {"overall": "1e3"},
        {"performance": "x"},
        {"punctuality": ""},
        {"again": "maybe"},
        {"again": ""},
        {"text": "Too short"},
        {"text": "x" * 2001},
        {"text": ""},
        {"text": "\x00" * 30},
    ],
)
def test_bad_review_input_gets_a_message_and_saves_nothing(client, gig, bad):
    url = reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})
    response = post(client, gig["owner"], url, form_data("band", **bad))
    assert response.status_code == 400
    # A message next to the field (NUL characters are refused before the form, by the site's own check).
    assert 'class="errorlist' in response.content.decode() or "\x00" in bad.get("text", "")
    assert not Review.objects.exists()


def test_a_no_show_report_needs_no_stars(client, gig):
    url = reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})
    data = {"no_show": "on", "text": "Nobody came; we waited until midnight."}
    assert post(client, gig["owner"], url, data).status_code == 302
    assert Review.objects.get().no_show


def test_a_gig_not_completed_or_closed_or_published_refuses_with_a_message(client, gig):
    url = reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})
    Booking.objects.filter(pk=gig["booking"].pk).update(status=Booking.Status.BOOKED)
    response = post(client, gig["owner"], url, form_data("band"))
    assert response.status_code == 400 and "once it has taken place" in response.content.decode()
    Booking.objects.filter(pk=gig["booking"].pk).update(status=Booking.Status.COMPLETED)
    review_of(gig["booking"], gig["owner"], "band", 4)
    review_of(gig["booking"], gig["leader"], "venue", 4)
    response = post(client, gig["owner"], url, form_data("band", 1))
    assert response.status_code == 400 and "can no longer be changed" in response.content.decode()
    assert Review.objects.get(author_side="venue").overall == 4
    old = completed_gig(days_ago=20)
    url = reverse("reviews:booking", kwargs={"uid": old["booking"].uid})
    response = post(client, old["owner"], url, form_data("band"))
    assert response.status_code == 400 and "closed 14 days" in response.content.decode()


def test_an_unknown_booking_is_a_404(client, gig):
    import uuid

    assert get(client, gig["owner"], f"/reviews/{uuid.uuid4()}/").status_code == 404


# ---- Replies and reports ----------------------------------------------------------------------------


@pytest.fixture
def published(gig):
    review_of(gig["booking"], gig["owner"], "band", 4)
    review_of(gig["booking"], gig["leader"], "venue", 5)
    return Review.objects.get(author_side=Side.VENUE)


EXPECTED_REPLY = {
    "band": 302,
    "venue": 403,
    "member": 403,
    "other_band": 403,
    "other_venue": 403,
    "stranger": 403,
    "anonymous": 302,
}


@pytest.mark.parametrize(("who", "status"), EXPECTED_REPLY.items())
def test_only_the_reviewed_side_replies(client, published, people, who, status):
    url = reverse("reviews:reply", kwargs={"pk": published.pk})
    response = post(client, people[who], url, {"text": "Thanks for having us!"})
    assert response.status_code == status
    published.refresh_from_db()
    assert bool(published.reply_at) == (who == "band")


def test_a_second_reply_or_an_empty_one_is_refused(client, published, gig):
    url = reverse("reviews:reply", kwargs={"pk": published.pk})
    assert post(client, gig["leader"], url, {"text": ""}).status_code == 400
    assert post(client, gig["leader"], url, {"text": "Thanks!"}).status_code == 302
    response = post(client, gig["leader"], url, {"text": "And again"})
    assert response.status_code == 400 and "replied to this review already" in response.content.decode()
    published.refresh_from_db()
    assert published.reply_text == "Thanks!"


def test_a_waiting_review_cannot_be_replied_to_or_reported(client, gig):
    waiting = review_of(gig["booking"], gig["owner"], "band", 4)
    assert (
        post(client, gig["leader"], reverse("reviews:reply", kwargs={"pk": waiting.pk}), {"text": "Hi"}).status_code
        == 404
    )
    assert get(client, UserFactory(), reverse("reviews:report", kwargs={"pk": waiting.pk})).status_code == 404


EXPECTED_REPORT = {
    "band": 302,
    "venue": 400,  # its own review
    "member": 302,
    "other_band": 302,
    "other_venue": 302,
    "stranger": 302,
    "anonymous": 302,  # to the login page
}


@pytest.mark.parametrize(("who", "status"), EXPECTED_REPORT.items())
def test_anyone_logged_in_reports_a_published_review_but_not_their_own(client, published, people, who, status):
    url = reverse("reviews:report", kwargs={"pk": published.pk})
    assert get(client, people[who], url).status_code == (302 if who == "anonymous" else 200)
    response = post(client, people[who], url, {"reason": "It names a person who was not there."})
    assert response.status_code == status
    assert ReviewReport.objects.count() == (0 if who in ("venue", "anonymous") else 1)
    if who == "venue":
        assert "cannot report your own review" in response.content.decode()


def test_a_report_needs_a_reason_and_comes_once(client, published):
    someone = UserFactory()
    url = reverse("reviews:report", kwargs={"pk": published.pk})
    assert post(client, someone, url, {"reason": "bad"}).status_code == 400
    assert post(client, someone, url, {"reason": "It names a person who was not there."}).status_code == 302
    response = post(client, someone, url, {"reason": "It names a person who was not there."})
    assert response.status_code == 400 and "reported this review already" in response.content.decode()
    assert ReviewReport.objects.count() == 1


def test_a_hidden_review_leaves_the_public_pages_and_its_author_reads_why(client, published, gig):
    review_hide(review=published, by=UserFactory(is_staff=True), reason="It insults a person.")
    public = get(client, None, reverse("reviews:band", kwargs={"slug": gig["band"].slug})).content.decode()
    assert published.text not in public
    mine = get(client, gig["owner"], reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})).content.decode()
    assert "Hidden by StageSlot staff: It insults a person." in mine
    theirs = get(client, gig["leader"], reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})).content.decode()
    assert "StageSlot staff have hidden this review" in theirs
    assert get(client, UserFactory(), reverse("reviews:report", kwargs={"pk": published.pk})).status_code == 404


# ---- Public lists and the profile pages --------------------------------------------------------------


def test_both_reviews_appear_on_both_public_pages_with_who_wrote_and_the_mark(client, published, gig):
    band_page = get(client, None, reverse("reviews:band", kwargs={"slug": gig["band"].slug})).content.decode()
    assert gig["venue"].name in band_page and "Booked through StageSlot" in band_page
    venue_page = get(client, None, reverse("reviews:venue", kwargs={"slug": gig["venue"].slug})).content.decode()
    assert gig["band"].name in venue_page and "Played here" in venue_page
    kit = get(client, None, reverse("bands:detail", args=[gig["band"].slug])).content.decode()
    assert "out of 5 from 1 review" in kit and "100% would book them again" in kit
    latest = get(client, None, reverse("reviews:band_latest", kwargs={"slug": gig["band"].slug})).content.decode()
    assert published.text in latest


def test_the_band_review_of_a_client_is_on_no_public_page(client):
    gig = completed_private_gig()
    review_of(gig["booking"], gig["client"], "band", 5)
    review_of(gig["booking"], gig["leader"], "client", 2, text="Paid late and changed the set list twice.")
    page = get(client, None, reverse("reviews:band", kwargs={"slug": gig["band"].slug})).content.decode()
    assert "Paid late" not in page
    of_client = Review.objects.get(subject_side="client")
    assert get(client, UserFactory(), reverse("reviews:report", kwargs={"pk": of_client.pk})).status_code == 404


def test_a_band_in_review_has_no_public_reviews_page(client):
    band, leader = band_with_leader(status=ApprovalStatus.PENDING)
    url = reverse("reviews:band", kwargs={"slug": band.slug})
    assert get(client, None, url).status_code == 404
    assert get(client, UserFactory(), url).status_code == 404
    assert get(client, leader, url).status_code == 200


def test_the_reviews_list_pages_and_a_bad_page_number_gives_the_nearest(client, gig):
    _many_reviews(gig["band"], 23)
    url = reverse("reviews:band", kwargs={"slug": gig["band"].slug})
    assert "Reviews 1–10 of 23" in get(client, None, url).content.decode()
    assert "Reviews 21–23 of 23" in get(client, None, url, data={"page": "99"}).content.decode()
    assert "Reviews 1–10 of 23" in get(client, None, url, data={"page": "x"}).content.decode()


# ---- A client's reputation for the band they ask -------------------------------------------------------


def test_band_leaders_see_what_other_bands_wrote_about_a_client_who_asks_them(client):
    earlier = completed_private_gig()
    review_of(earlier["booking"], earlier["leader"], "client", 2, text="Paid late and changed the set list twice.")
    review_of(earlier["booking"], earlier["client"], "band", 5)
    band, leader = band_with_leader()
    start = timezone.now() + timedelta(days=30)
    request = Booking.objects.create(
        kind=Booking.Kind.REQUEST,
        band=band,
        client=earlier["client"],
        requested_by=earlier["client"],
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        event_type="Birthday",
    )
    url = reverse("reviews:client", kwargs={"uid": request.uid})
    page = get(client, leader, url).content.decode()
    assert "2.0 out of 5" in page and "Paid late" in page
    assert get(client, earlier["client"], url).status_code == 404
    assert get(client, UserFactory(), url).status_code == 404
    assert get(client, earlier["leader"], url).status_code == 404
    assert get(client, None, url).status_code == 302
    detail = get(client, leader, reverse("bookings:detail", args=[request.uid])).content.decode()
    assert url in detail


# ---- The dashboard ------------------------------------------------------------------------------------


def test_the_dashboard_puts_reviews_to_write_first_until_written(client, gig):
    client.force_login(gig["leader"])
    html = client.get(reverse("dashboard")).content.decode()
    assert "Reviews to write" in html
    assert reverse("reviews:booking", kwargs={"uid": gig["booking"].uid}) in html
    assert html.index("Reviews to write") < html.index("Your bookings")
    review_of(gig["booking"], gig["leader"], "venue")
    assert "Reviews to write" not in client.get(reverse("dashboard")).content.decode()
    client.force_login(gig["member"])
    assert "Reviews to write" not in client.get(reverse("dashboard")).content.decode()


# ---- Query counts ---------------------------------------------------------------------------------


def _many_reviews(band, n: int) -> None:
    """`n` published reviews of `band` by one client's private events, written straight to the tables."""
    client = UserFactory(display_name="Rita Client")
    now = timezone.now()
    bookings = Booking.objects.bulk_create(
        Booking(
            kind=Booking.Kind.REQUEST,
            band=band,
            client=client,
            starts_at=now - timedelta(days=400 - i % 300, hours=3),
            ends_at=now - timedelta(days=400 - i % 300),
            status=Booking.Status.COMPLETED,
            event_type="Party",
        )
        for i in range(n)
    )
    bookings = list(Booking.objects.filter(band=band, client=client))
    Review.objects.bulk_create(
        Review(
            booking=b,
            author_side=Side.CLIENT,
            subject_side=Side.BAND,
            band=band,
            client=client,
            overall=4 + i % 2,
            performance=5,
            punctuality=4,
            communication=5,
            again=True,
            text=f"Review number {i}: a lovely evening with them.",
            published_at=now - timedelta(days=i),
            reply_text="Thank you!" if i % 3 == 0 else "",
            reply_at=now if i % 3 == 0 else None,
        )
        for i, b in enumerate(bookings)
    )
    ratings_refresh(band_ids=[band.pk])


def _count(django_assert_max_num_queries, client, url, expected: int) -> tuple[str, int]:
    with django_assert_max_num_queries(expected) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


@pytest.mark.parametrize("name", ["bands:detail", "reviews:band", "reviews:band_latest"])
def test_band_pages_run_the_same_queries_with_500_reviews_as_with_none_or_one(
    client, django_assert_max_num_queries, name
):
    quiet, _ = band_with_leader()
    busy, _ = band_with_leader()
    _many_reviews(busy, 500)
    if name != "bands:detail":
        # An empty list skips fetching its page: compare one review with 500.
        _many_reviews(quiet, 1)
    key = {"slug": quiet.slug}
    counts = []
    for band in (quiet, busy):
        url = reverse(name, args=[band.slug]) if name == "bands:detail" else reverse(name, kwargs={"slug": band.slug})
        _html, n = _count(django_assert_max_num_queries, client, url, 6)
        counts.append(n)
    assert counts[0] == counts[1], key
    busy.refresh_from_db()
    assert busy.rating_count == 500


def test_the_press_kit_reads_its_rating_from_the_band_row(client, django_assert_num_queries):
    band, _ = band_with_leader()
    _many_reviews(band, 500)
    # The press kit's own queries: the band, genres, photos, embeds, members (reviews load after the page).
    with django_assert_num_queries(5):
        html = client.get(reverse("bands:detail", args=[band.slug])).content.decode()
    assert "out of 5 from 500 reviews" in html
    assert re.search(r"4\.5\s*</span>", html)


@pytest.mark.parametrize("name", ["reviews:venue", "reviews:venue_latest", "venues:detail"])
def test_venue_pages_run_the_same_queries_with_1_or_12_reviews(client, django_assert_max_num_queries, name):
    counts = []
    for n in (1, 12):
        first = completed_gig()
        venue = first["venue"]
        review_of(first["booking"], first["leader"], "venue", 5)
        for _ in range(n - 1):
            gig = completed_gig(venue=venue)
            review_of(gig["booking"], gig["leader"], "venue", 4)
        reviews_due = Review.objects.filter(venue=venue, published_at__isnull=True)
        reviews_due.update(published_at=timezone.now())
        ratings_refresh(venue_ids=[venue.pk])
        url = (
            reverse(name, args=[venue.slug]) if name == "venues:detail" else reverse(name, kwargs={"slug": venue.slug})
        )
        _html, count = _count(django_assert_max_num_queries, client, url, 8)
        counts.append(count)
    assert counts[0] == counts[1]


def test_the_booking_review_page_has_a_fixed_query_count(client, django_assert_max_num_queries, published, gig):
    client.force_login(gig["leader"])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})).status_code == 200


def test_times_on_the_review_page_are_the_viewers_with_the_zone_named(client, gig):
    gig["owner"].time_zone = "America/New_York"
    gig["owner"].save(update_fields=["time_zone"])
    page = get(client, gig["owner"], reverse("reviews:booking", kwargs={"uid": gig["booking"].uid})).content.decode()
    assert "(America/New_York)" in page
    closes = timezone.localtime(gig["booking"].ends_at + timedelta(days=14), gig["owner"].zone)
    assert f"{closes:%H:%M} (America/New_York)" in page


@pytest.mark.parametrize("count", [1, 8])
def test_the_client_reputation_part_has_a_fixed_query_count(client, django_assert_max_num_queries, count):
    customer = UserFactory(display_name="Rita Client")
    for _ in range(count):
        earlier = completed_private_gig(client=customer)
        review_of(earlier["booking"], earlier["leader"], "client", 3)
        review_of(earlier["booking"], customer, "band", 5)
    band, leader = band_with_leader()
    start = timezone.now() + timedelta(days=30)
    request = Booking.objects.create(
        kind=Booking.Kind.REQUEST,
        band=band,
        client=customer,
        requested_by=customer,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    client.force_login(leader)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("reviews:client", kwargs={"uid": request.uid})).content.decode()
    assert f"from {count} review" in page
