"""Reviews through the JSON API: double-blind as the review pages, who may read and write what, bad
input, the public lists with their query counts, replies, reports and the review.published event."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from bookings.models import Booking, WebhookDelivery
from bookings.selectors.bookings import side_of
from bookings.services import answering, asking, shows
from bookings.services.webhooks import webhook_create
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import band_with_leader, venue_with_owner
from reviews.models import Review, ReviewReport
from reviews.services import ReviewPermissionError, review_hide
from reviews.tests.factories import OF_BAND, OF_CLIENT, OF_VENUE, completed_gig, completed_private_gig, review_of

pytestmark = pytest.mark.django_db

TEXT = "A great night, everything as agreed."
PUBLISHED = "review.published"


def body(subject: str, overall: int = 5, **extra) -> dict:
    ratings = {"band": OF_BAND, "venue": OF_VENUE, "client": OF_CLIENT}[subject]
    return {"overall": overall, "ratings": dict(ratings), "again": True, "text": TEXT, **extra}


def api(user, scopes=None) -> ApiClient:
    return ApiClient(token_for(user, scopes) if user is not None else None)


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
        "other_venue": venue_with_owner()[1],
        "other_client": completed_private_gig()["client"],
        "stranger": UserFactory(),
        "anonymous": None,
    }


def booking_url(gig) -> str:
    return f"/api/v1/bookings/{gig['booking'].uid}/reviews"


# ---- Double-blind ---------------------------------------------------------------------------------


def test_the_other_side_cannot_read_my_review_until_both_are_in(gig, settings):
    settings.WEBHOOK_ALLOW_HOSTS = ("127.0.0.1:8471",)
    hook = webhook_create(
        by=gig["leader"], band=gig["band"], url="http://127.0.0.1:8471/h", events=["review.published"]
    )
    venue_api, band_api = api(gig["owner"]), api(gig["leader"])

    written = venue_api.post(booking_url(gig), body("band", overall=4))
    assert written.status_code == 201, written.content
    mine = written.json()["mine"]
    assert mine["overall"] == 4 and mine["published_at"] is None and written.json()["theirs"] is None

    # The band learns only that the venue has written: not the stars, not the text, not the review itself.
    seen = band_api.get(booking_url(gig))
    assert seen.status_code == 200
    state = seen.json()
    assert state["theirs"] is None and state["theirs_written"] is True and state["mine"] is None
    assert TEXT not in seen.content.decode()
    assert band_api.get(f"/api/v1/reviews/{mine['id']}").status_code == 404
    assert venue_api.get(f"/api/v1/reviews/{mine['id']}").status_code == 404  # not published: not even its author
    assert api(None).get(f"/api/v1/bands/{gig['band'].slug}/reviews").json()["items"] == []
    assert not WebhookDelivery.objects.filter(webhook=hook).exists()

    # The band writes theirs: both are published together, and the webhook hears of it.
    answered = band_api.post(booking_url(gig), body("venue", overall=3))
    assert answered.status_code == 201, answered.content
    after = answered.json()
    assert after["theirs"]["id"] == mine["id"] and after["theirs"]["overall"] == 4
    assert after["mine"]["published_at"] is not None and after["can_write"] is False
    assert venue_api.get(booking_url(gig)).json()["theirs"]["overall"] == 3
    listed = api(None).get(f"/api/v1/bands/{gig['band'].slug}/reviews").json()["items"]
    assert [r["id"] for r in listed] == [mine["id"]]
    deliveries = WebhookDelivery.objects.filter(webhook=hook)
    assert [d.event for d in deliveries] == [PUBLISHED]
    assert {r["id"] for r in json.loads(deliveries[0].body)["data"]["reviews"]} == {mine["id"], after["mine"]["id"]}


def test_a_review_can_be_changed_until_it_is_published(gig):
    venue_api = api(gig["owner"])
    assert venue_api.post(booking_url(gig), body("band", overall=2)).status_code == 201
    changed = venue_api.post(booking_url(gig), body("band", overall=5))
    assert changed.status_code == 200 and changed.json()["mine"]["overall"] == 5
    assert Review.objects.get(booking=gig["booking"]).overall == 5
    api(gig["leader"]).post(booking_url(gig), body("venue"))
    frozen = venue_api.post(booking_url(gig), body("band", overall=1))
    assert frozen.status_code == 400
    assert frozen.json()["detail"] == "Your review is published and can no longer be changed."
    assert Review.objects.get(booking=gig["booking"], author_side="venue").overall == 5


def test_a_hidden_review_is_not_shown_to_the_side_it_is_about(gig):
    review_of(gig["booking"], gig["owner"], "band", overall=1)
    review_of(gig["booking"], gig["leader"], "venue")
    review = Review.objects.get(booking=gig["booking"], author_side="venue")
    review_hide(review=review, by=UserFactory(is_staff=True), reason="Personal remarks")
    state = api(gig["leader"]).get(booking_url(gig)).json()
    assert state["theirs"] is None and state["theirs_hidden"] is True and state["can_reply"] is False
    mine = api(gig["owner"]).get(booking_url(gig)).json()["mine"]
    assert mine["hidden_reason"] == "Personal remarks"
    assert api(None).get(f"/api/v1/reviews/{review.pk}").status_code == 404
    assert api(gig["owner"]).get(f"/api/v1/reviews/{review.pk}").status_code == 200  # its author's side


# ---- Who may read and write a booking's reviews ------------------------------------------------------

READ_STATUS = {
    "band": 200,
    "venue": 200,
    "member": 404,
    "other_band": 404,
    "other_venue": 404,
    "other_client": 404,
    "stranger": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize(("who", "status"), READ_STATUS.items())
def test_only_the_two_sides_read_a_bookings_reviews(gig, people, who, status):
    review_of(gig["booking"], gig["owner"], "band")
    response = api(people[who]).get(booking_url(gig))
    assert response.status_code == status
    assert response["Content-Type"] == (
        "application/json; charset=utf-8" if status == 200 else "application/problem+json"
    )


WRITE_STATUS = READ_STATUS | {"band": 201, "venue": 201}


@pytest.mark.parametrize(("who", "status"), WRITE_STATUS.items())
def test_only_the_two_sides_write_a_review(gig, people, who, status):
    response = api(people[who]).post(booking_url(gig), body("venue" if who == "band" else "band"))
    assert response.status_code == status, response.content
    assert Review.objects.filter(booking=gig["booking"]).count() == (1 if status == 201 else 0)


def test_reading_needs_the_read_scope_and_writing_the_reviews_scope(gig):
    assert api(gig["owner"], ["bookings"]).get(booking_url(gig)).status_code == 403
    refused = api(gig["owner"], ["read", "bookings"]).post(booking_url(gig), body("band"))
    assert refused.status_code == 403 and "reviews" in refused.json()["detail"]
    assert not Review.objects.exists()
    assert api(gig["owner"], ["reviews"]).post(booking_url(gig), body("band")).status_code == 201


# ---- Bad input and closed windows ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        ({"overall": 6}, 422, None),
        ({"overall": 0}, 422, None),
        ({"ratings": {"performance": 9}}, 422, None),
        ({"ratings": {"volume": 3}}, 422, None),
        ({"text": "x" * 2001}, 422, None),
        ({"text": "Too short"}, 400, "Write between 20 and 2,000 characters."),
        ({"ratings": {"performance": 5}}, 400, "Rate every part of the gig."),
        ({"ratings": {"sound": 5, **OF_BAND}}, 400, "A review of a band has no “sound” rating."),
        ({"again": None}, 400, "Say whether you would book or play with them again."),
        ({"overall": None}, 400, "Stars go from 1 to 5."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(gig, change, status, detail):
    response = api(gig["owner"]).post(booking_url(gig), body("band") | change)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    if detail:
        assert response.json()["detail"] == detail
    assert not Review.objects.exists()


def test_a_no_show_report_needs_only_a_text(gig):
    response = api(gig["owner"]).post(booking_url(gig), {"no_show": True, "text": "They never turned up at all."})
    assert response.status_code == 201, response.content
    assert response.json()["mine"]["no_show"] is True and response.json()["mine"]["overall"] is None


def test_a_gig_not_played_yet_or_long_ago_cannot_be_reviewed(gig):
    Booking.objects.filter(pk=gig["booking"].pk).update(status=Booking.Status.BOOKED)
    early = api(gig["owner"]).post(booking_url(gig), body("band"))
    assert early.status_code == 400 and early.json()["detail"] == "You can review a gig once it has taken place."
    old = completed_gig(days_ago=15)
    late = api(old["owner"]).post(booking_url(old), body("band"))
    assert late.status_code == 400 and late.json()["detail"] == "Reviews of this gig closed 14 days after it."
    assert api(old["owner"]).get(booking_url(old)).json()["can_write"] is False
    assert not Review.objects.exists()


def test_an_unknown_booking_is_a_404(gig):
    response = api(gig["owner"]).get("/api/v1/bookings/00000000-0000-0000-0000-000000000000/reviews")
    assert response.status_code == 404


# ---- Public lists ------------------------------------------------------------------------------------


def published_gigs(band, venue, n: int) -> None:
    for _ in range(n):
        g = completed_gig(band=band, venue=venue)
        review_of(g["booking"], g["owner"], "band")
        review_of(g["booking"], g["leader"], "venue")


def test_anyone_lists_a_bands_and_a_venues_published_reviews(gig):
    published_gigs(gig["band"], gig["venue"], 3)
    review_of(gig["booking"], gig["owner"], "band", overall=1)  # waiting for the band: not listed
    band_list = api(None).get(f"/api/v1/bands/{gig['band'].slug}/reviews")
    assert band_list.status_code == 200
    items = band_list.json()["items"]
    assert len(items) == 3 and all(r["subject_side"] == "band" and r["overall"] == 5 for r in items)
    assert items[0]["reviewer"] == gig["venue"].name and items[0]["venue"] == gig["venue"].slug
    assert [r["published_at"] for r in items] == sorted((r["published_at"] for r in items), reverse=True)
    venue_list = api(UserFactory()).get(f"/api/v1/venues/{gig['venue'].slug}/reviews").json()["items"]
    assert len(venue_list) == 3 and all(r["subject_side"] == "venue" for r in venue_list)


def test_the_list_pages_by_keyset(gig):
    published_gigs(gig["band"], gig["venue"], 5)
    first = api(None).get(f"/api/v1/bands/{gig['band'].slug}/reviews", {"limit": 2}).json()
    second = api(None).client.get(first["next"]).json()
    third = api(None).client.get(second["next"]).json()
    ids = [r["id"] for page in (first, second, third) for r in page["items"]]
    assert len(ids) == 5 == len(set(ids)) and third["next"] is None
    assert api(None).get(f"/api/v1/bands/{gig['band'].slug}/reviews", {"cursor": "nonsense"}).status_code == 400


def test_the_lists_query_count_does_not_grow_with_reviews(gig, django_assert_num_queries):
    published_gigs(gig["band"], gig["venue"], 1)
    with django_assert_num_queries(2):  # the band, one page of reviews with their gigs and parties
        assert len(api(None).get(f"/api/v1/bands/{gig['band'].slug}/reviews").json()["items"]) == 1
    published_gigs(gig["band"], gig["venue"], 6)
    with django_assert_num_queries(2):
        assert len(api(None).get(f"/api/v1/bands/{gig['band'].slug}/reviews").json()["items"]) == 7
    with django_assert_num_queries(2):
        assert len(api(None).get(f"/api/v1/venues/{gig['venue'].slug}/reviews").json()["items"]) == 7


def test_an_unapproved_band_s_reviews_are_not_found_by_others(gig):
    gig["band"].status = ApprovalStatus.PENDING
    gig["band"].save()
    assert api(None).get(f"/api/v1/bands/{gig['band'].slug}/reviews").status_code == 404
    assert api(UserFactory()).get(f"/api/v1/bands/{gig['band'].slug}/reviews").status_code == 404
    assert api(gig["member"]).get(f"/api/v1/bands/{gig['band'].slug}/reviews").status_code == 200
    assert api(None).get("/api/v1/venues/nowhere/reviews").status_code == 404


def test_a_bands_review_of_a_client_is_read_only_by_the_two_sides():
    private = completed_private_gig()
    review_of(private["booking"], private["client"], "band")
    review = review_of(private["booking"], private["leader"], "client")
    url = f"/api/v1/reviews/{review.pk}"
    assert api(private["client"]).get(url).status_code == 200
    assert api(private["leader"]).get(url).json()["subject_side"] == "client"
    for outsider in (None, UserFactory(), completed_private_gig()["client"], band_with_leader()[1]):
        assert api(outsider).get(url).status_code == 404


# ---- Replies ---------------------------------------------------------------------------------------


@pytest.fixture
def published(gig):
    """Both reviews of the gig, published: (the venue's review of the band, the band's of the venue)."""
    of_band = review_of(gig["booking"], gig["owner"], "band")
    of_venue = review_of(gig["booking"], gig["leader"], "venue")
    return of_band, of_venue


REPLY_STATUS = {
    "band": 200,  # the side reviewed
    "venue": 403,  # the author's side
    "member": 403,
    "other_band": 403,
    "other_venue": 403,
    "other_client": 403,
    "stranger": 403,
    "anonymous": 401,
}


@pytest.mark.parametrize(("who", "status"), REPLY_STATUS.items())
def test_only_the_reviewed_side_replies(gig, people, published, who, status):
    of_band, _ = published
    response = api(people[who]).post(f"/api/v1/reviews/{of_band.pk}/reply", {"text": "Thank you, come again!"})
    assert response.status_code == status, response.content
    of_band.refresh_from_db()
    assert (of_band.reply_text == "Thank you, come again!") is (status == 200)
    if status == 200:
        assert response.json()["reply"]["text"] == "Thank you, come again!"


def test_a_review_has_one_reply_and_a_reply_needs_the_reviews_scope(gig, published):
    of_band, _ = published
    url = f"/api/v1/reviews/{of_band.pk}/reply"
    assert api(gig["leader"], ["read"]).post(url, {"text": "Thanks!"}).status_code == 403
    assert api(gig["leader"]).post(url, {"text": ""}).status_code == 422
    assert api(gig["leader"]).post(url, {"text": " x "}).status_code == 400
    assert api(gig["leader"]).post(url, {"text": "Thanks!"}).status_code == 200
    again = api(gig["leader"]).post(url, {"text": "Thanks again!"})
    assert again.status_code == 400 and "replied to this review already" in again.json()["detail"]
    of_band.refresh_from_db()
    assert of_band.reply_text == "Thanks!"


def test_an_unpublished_review_cannot_be_answered(gig):
    waiting = review_of(gig["booking"], gig["owner"], "band")
    response = api(gig["leader"]).post(f"/api/v1/reviews/{waiting.pk}/reply", {"text": "Thank you, come again!"})
    assert response.status_code == 404


# ---- Reports ---------------------------------------------------------------------------------------

REPORT_STATUS = {
    "band": 201,
    "venue": 400,  # the author's side
    "member": 201,
    "other_band": 201,
    "other_venue": 201,
    "other_client": 201,
    "stranger": 201,
    "anonymous": 401,
}
REASON = "It names a person who was not there."


@pytest.mark.parametrize(("who", "status"), REPORT_STATUS.items())
def test_anyone_signed_in_but_the_author_reports_a_review(gig, people, published, who, status):
    of_band, _ = published
    response = api(people[who]).post(f"/api/v1/reviews/{of_band.pk}/report", {"reason": REASON})
    assert response.status_code == status, response.content
    assert ReviewReport.objects.filter(review=of_band).count() == (1 if status == 201 else 0)


def test_a_report_is_made_once_with_a_reason_and_the_reviews_scope(gig, published):
    of_band, _ = published
    url = f"/api/v1/reviews/{of_band.pk}/report"
    stranger = UserFactory()
    assert api(stranger, ["read"]).post(url, {"reason": REASON}).status_code == 403
    short = api(stranger).post(url, {"reason": "Bad"})
    assert short.status_code == 400 and "10 to 500 characters" in short.json()["detail"]
    assert api(stranger).post(url, {"reason": "x" * 501}).status_code == 422
    assert api(stranger).post(url, {"reason": REASON}).status_code == 201
    twice = api(stranger).post(url, {"reason": REASON})
    assert twice.status_code == 400 and "reported this review already" in twice.json()["detail"]
    assert ReviewReport.objects.filter(review=of_band).count() == 1
    assert api(stranger).post("/api/v1/reviews/999999/report", {"reason": REASON}).status_code == 404


# ---- Reviews to write ------------------------------------------------------------------------------


def test_my_reviews_to_write_are_the_gigs_my_side_has_not_reviewed(gig, people):
    url = "/api/v1/reviews/to-write"
    band_items = api(gig["leader"]).get(url).json()["items"]
    assert [(i["booking"], i["side"], i["subject_side"]) for i in band_items] == [
        (str(gig["booking"].uid), "band", "venue")
    ]
    assert band_items[0]["other_name"] == gig["venue"].name
    venue_items = api(gig["owner"]).get(url).json()["items"]
    assert [(i["side"], i["subject_side"]) for i in venue_items] == [("venue", "band")]
    for who in ("member", "other_band", "other_venue", "stranger"):
        assert api(people[who]).get(url).json()["items"] == []
    assert api(people["other_client"]).get(url).json()["items"][0]["side"] == "client"
    api(gig["owner"]).post(booking_url(gig), body("band"))
    assert api(gig["owner"]).get(url).json()["items"] == []
    assert len(api(gig["leader"]).get(url).json()["items"]) == 1  # the band has still to write
    assert api(None).get(url).status_code == 401
    assert api(gig["leader"], ["reviews"]).get(url).status_code == 403


def test_reviews_to_write_take_the_same_queries_for_many_gigs(gig, django_assert_num_queries):
    client = api(gig["leader"])
    client.get("/api/v1/reviews/to-write")  # the token's last use is noted once a minute: not in the counts
    # The token, the person's bands, their venues, one page of bookings.
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/reviews/to-write").json()["items"]) == 1
    for _ in range(5):
        completed_gig(band=gig["band"], days_ago=2)
    with django_assert_num_queries(4):
        items = client.get("/api/v1/reviews/to-write").json()["items"]
    assert len(items) == 6
    assert [i["closes_at"] for i in items] == sorted(i["closes_at"] for i in items)
    assert dt.datetime.fromisoformat(items[0]["closes_at"]) > dt.datetime.now(dt.UTC)


# ---- A client's reputation -------------------------------------------------------------------------


def test_the_asked_bands_leaders_read_what_bands_wrote_about_the_client(gig, django_assert_max_num_queries):
    earlier = completed_private_gig()
    client = earlier["client"]
    review_of(earlier["booking"], client, "band")
    review_of(earlier["booking"], earlier["leader"], "client", overall=4)
    asked = completed_private_gig(client=client)
    Booking.objects.filter(pk=asked["booking"].pk).update(status=Booking.Status.PENDING)
    member = asked["band"].memberships.create(user=UserFactory(), role="member").user
    url = f"/api/v1/bookings/{asked['booking'].uid}/client-reputation"
    leader = api(asked["leader"])
    leader.get(url)  # the token's last use is noted once a minute: not in the count
    with django_assert_max_num_queries(6):
        response = leader.get(url)
    assert response.status_code == 200, response.content
    found = response.json()
    assert found["count"] == 1 and found["average"] == 4.0 and found["again"] == 1
    assert [r["subject_side"] for r in found["latest"]] == ["client"]
    for outsider in (client, member, earlier["leader"], UserFactory(), gig["owner"]):
        assert api(outsider).get(url).status_code == 404
    assert api(None).get(url).status_code == 401
    assert api(asked["leader"], ["bookings"]).get(url).status_code == 403
    # A venue's slot has no client: nothing to show.
    assert api(gig["leader"]).get(f"/api/v1/bookings/{gig['booking'].uid}/client-reputation").status_code == 404


def test_a_bookings_reviews_are_read_in_a_fixed_number_of_queries(gig, django_assert_max_num_queries):
    band_api = api(gig["leader"])
    band_api.get(booking_url(gig))  # the token's last use is noted once a minute: not in the counts
    with django_assert_max_num_queries(6) as before:
        band_api.get(booking_url(gig))
    review_of(gig["booking"], gig["owner"], "band")
    review_of(gig["booking"], gig["leader"], "venue")
    with django_assert_max_num_queries(len(before)):
        assert band_api.get(booking_url(gig)).json()["theirs"]["overall"] == 5


def test_the_headliner_that_picks_a_support_act_is_no_side_of_its_reviews():
    """The host of a show answers its support acts' applications (side_of says "headliner"), but reviews are
    between a band and a venue or a client: the host neither reads nor writes the act's reviews."""
    host, host_leader = band_with_leader(name="Hosts")
    starts = timezone.now() + dt.timedelta(days=12)
    show = shows.show_host(
        band=host, by=host_leader, starts_at=starts, ends_at=starts + dt.timedelta(hours=4),
        time_zone="Europe/Berlin", title="Release show", place_name="Zukunft", place_address="Laskerstraße 5",
        place_city="Berlin", support_places=2, fee=150,
    )  # fmt: skip
    act, act_leader = band_with_leader(name="Opener")
    booking = asking.booking_apply(slot=show, band=act, by=act_leader, role=Booking.Role.SUPPORT)
    answering.booking_accept(booking=booking, by=host_leader)
    ended = timezone.now() - dt.timedelta(days=1)
    Booking.objects.filter(pk=booking.pk).update(
        status=Booking.Status.COMPLETED, starts_at=ended - dt.timedelta(hours=3), ends_at=ended
    )
    booking.refresh_from_db()
    assert side_of(booking, host_leader) == "headliner"
    url = f"/api/v1/bookings/{booking.uid}/reviews"
    assert api(host_leader).get(url).status_code == 404
    written = api(host_leader).post(url, body("band"))
    assert written.status_code == 404 and written["Content-Type"] == "application/problem+json"
    with pytest.raises(ReviewPermissionError):
        review_of(booking, host_leader, "band")
    assert not Review.objects.filter(booking=booking).exists()
    assert api(host_leader).get("/api/v1/reviews/to-write").json()["items"] == []
