"""The calendar feeds page (/me/feeds/) and its buttons: who sees which feed, who may make, tune and
rotate it (the other band, the other venue, the anonymous visitor), bad input, and the query budget."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import CalendarFeed
from bookings.services.feeds import feed_create
from bookings.tests.factories import band_with_leader, venue_with_owner
from bookings.tests.test_feeds import SITE, make_world
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db

Scope = CalendarFeed.Scope
HTMX = {"HTTP_HX_REQUEST": "true"}
PAGE = "/me/feeds/"


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = SITE + "/"


@pytest.fixture
def w() -> SimpleNamespace:
    return make_world()


def as_user(client, user):
    client.force_login(user)
    return client


def create(client, **data):
    return client.post(reverse("bookings:feed_create"), data)


# ---- The page ------------------------------------------------------------------------------------


def test_urls():
    assert reverse("bookings:my_feeds") == PAGE
    assert reverse("bookings:feed", args=["a" * 43]) == f"/feeds/{'a' * 43}.ics"


def test_anonymous_visitors_go_to_the_login_and_change_nothing(client, w):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    token = feed.token
    for url in (
        PAGE,
        reverse("bookings:feed_create"),
        reverse("bookings:feed_rotate", args=[feed.pk]),
        reverse("bookings:feed_options", args=[feed.pk]),
    ):
        response = client.post(url, {"scope": "member", "include_pending": "on"}) if url != PAGE else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    feed.refresh_from_db()
    assert feed.token == token and not feed.include_pending
    assert CalendarFeed.objects.count() == 1


def test_a_plain_member_sees_only_their_own_feed(client, w):
    feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    page = as_user(client, w.member).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "My gigs" in html and "The Night Owls" in html  # named as one of their bands
    assert 'id="feed-band-' not in html and 'id="feed-venue-' not in html
    assert "Make a calendar link" in html


def test_a_leader_sees_their_own_and_the_bands_feed_with_subscribe_links(client, w):
    band_feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    html = as_user(client, w.leader).get(PAGE).content.decode()
    assert f'id="feed-band-{w.band.pk}"' in html and 'id="feed-member"' in html
    https = f"{SITE}/feeds/{band_feed.token}.ics"
    key = f"band-{w.band.pk}"
    assert f'id="feed-link-{key}" value="{https}" spellcheck="false" data-select-on-focus' in " ".join(html.split())
    assert f'data-copy-target="feed-link-{key}"' in html
    assert f'href="webcal://stageslot.example/feeds/{band_feed.token}.ics"' in html
    assert "Subscribe in Apple Calendar / Outlook" in html
    assert "Add by URL" in html
    assert "Rotate link" in html and "stops working" in html
    assert "Include the band’s available windows" in html
    assert f'id="feed-venue-{w.venue.pk}"' not in html
    assert f'id="feed-band-{w.other_band.pk}"' not in html


def test_venue_staff_see_their_venue_feed_only(client, w):
    html = as_user(client, w.owner).get(PAGE).content.decode()
    assert f'id="feed-venue-{w.venue.pk}"' in html
    assert f'id="feed-venue-{w.other_venue.pk}"' not in html
    assert "available windows" not in html


def test_a_feed_whose_maker_left_says_so_and_can_be_renewed(client, w):
    admin = MembershipFactory(band=w.band, role=Membership.Role.ADMIN).user
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    Membership.objects.filter(band=w.band, user=w.leader).delete()
    html = as_user(client, admin).get(PAGE).content.decode()
    assert "Link stopped" in html and "left the band" in html
    assert feed.token not in html
    response = client.post(reverse("bookings:feed_rotate", args=[feed.pk]))
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.user == admin
    assert client.get(reverse("bookings:feed", args=[feed.token])).status_code == 200


def test_page_queries_do_not_grow_with_bands_and_venues(client, w, django_assert_max_num_queries):
    as_user(client, w.leader)
    feed_create(by=w.leader, scope=Scope.MEMBER)
    feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    with django_assert_max_num_queries(8):
        assert client.get(PAGE).status_code == 200
    for _ in range(6):
        band, _leader = band_with_leader()
        MembershipFactory(band=band, user=w.leader, role=Membership.Role.ADMIN)
        feed_create(by=w.leader, scope=Scope.BAND, band=band)
        venue, _owner = venue_with_owner()
        VenueStaffFactory(venue=venue, user=w.leader)
        feed_create(by=w.leader, scope=Scope.VENUE, venue=venue)
    with django_assert_max_num_queries(8):
        html = client.get(PAGE).content.decode()
    assert html.count('class="card feed-card"') == 1 + 7 + 6


# ---- Make ------------------------------------------------------------------------------------------


def test_making_the_member_feed_once(client, w):
    as_user(client, w.member)
    response = create(client, scope="member")
    assert response.status_code == 302 and response["Location"] == f"{PAGE}#feed-member"
    assert create(client, scope="member").status_code == 302
    feeds = CalendarFeed.objects.filter(user=w.member)
    assert feeds.count() == 1 and feeds.get().scope == Scope.MEMBER
    page = client.get(PAGE).content.decode()
    assert feeds.get().token in page and "Your calendar link is ready" in page


def test_making_a_band_feed_is_for_its_leaders_and_admins(client, w):
    as_user(client, w.member)
    assert create(client, scope="band", band=w.band.pk).status_code == 403
    as_user(client, w.other_leader)
    assert create(client, scope="band", band=w.band.pk).status_code == 403
    assert not CalendarFeed.objects.filter(scope=Scope.BAND).exists()
    as_user(client, w.leader)
    response = client.post(reverse("bookings:feed_create"), {"scope": "band", "band": w.band.pk}, **HTMX)
    assert response.status_code == 200
    feed = CalendarFeed.objects.get(scope=Scope.BAND, band=w.band)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card feed-card"')
    assert f"{SITE}/feeds/{feed.token}.ics" in html
    assert feed.user == w.leader


def test_making_a_venue_feed_is_for_its_staff(client, w):
    as_user(client, w.other_owner)
    assert create(client, scope="venue", venue=w.venue.pk).status_code == 403
    as_user(client, w.leader)
    assert create(client, scope="venue", venue=w.venue.pk).status_code == 403
    assert not CalendarFeed.objects.exists()
    as_user(client, w.owner)
    assert create(client, scope="venue", venue=w.venue.pk).status_code == 302
    assert CalendarFeed.objects.get(scope=Scope.VENUE).venue == w.venue


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scope": "planet"}, "Pick a member, band or venue feed."),
        ({"scope": "band"}, "Say which band the feed is for."),
        ({"scope": "venue", "venue": "abc"}, "Enter a whole number."),
        ({}, "This field is required."),
    ],
)
def test_bad_input_is_400_with_a_message_and_changes_nothing(client, w, data, message):
    response = as_user(client, w.owner).post(reverse("bookings:feed_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_an_unknown_band_is_404(client, w):
    response = as_user(client, w.leader).post(reverse("bookings:feed_create"), {"scope": "band", "band": 999999})
    assert response.status_code == 404


def test_buttons_take_only_posts(client, w):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    as_user(client, w.leader)
    assert client.get(reverse("bookings:feed_create")).status_code == 405
    assert client.get(reverse("bookings:feed_rotate", args=[feed.pk])).status_code == 405
    assert client.get(reverse("bookings:feed_options", args=[feed.pk])).status_code == 405


# ---- Rotate ----------------------------------------------------------------------------------------


def test_rotating_gives_a_new_address_and_the_old_one_404s(client, w):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    old = feed.token
    response = as_user(client, w.leader).post(reverse("bookings:feed_rotate", args=[feed.pk]), **HTMX)
    assert response.status_code == 200
    feed.refresh_from_db()
    assert feed.token != old and feed.rotated_at is not None
    assert "The old address no longer works" in response.content.decode()
    assert feed.token in response.content.decode()
    client.logout()
    assert client.get(reverse("bookings:feed", args=[old])).status_code == 404
    assert client.get(reverse("bookings:feed", args=[feed.token])).status_code == 200


@pytest.mark.parametrize("who", ["member", "other_leader", "other_owner", "owner"])
def test_nobody_else_can_rotate_a_band_feed(client, w, who):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    response = as_user(client, getattr(w, who)).post(reverse("bookings:feed_rotate", args=[feed.pk]))
    assert response.status_code == 404
    feed.refresh_from_db()
    assert feed.rotated_at is None


def test_nobody_else_can_rotate_a_member_or_venue_feed(client, w):
    member_feed = feed_create(by=w.member, scope=Scope.MEMBER)
    venue_feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    as_user(client, w.leader)
    assert client.post(reverse("bookings:feed_rotate", args=[member_feed.pk])).status_code == 404
    assert client.post(reverse("bookings:feed_rotate", args=[venue_feed.pk])).status_code == 404
    as_user(client, w.other_owner)
    assert client.post(reverse("bookings:feed_rotate", args=[venue_feed.pk])).status_code == 404
    assert client.post(reverse("bookings:feed_rotate", args=[999999])).status_code == 404
    assert not CalendarFeed.objects.filter(rotated_at__isnull=False).exists()


# ---- Options ---------------------------------------------------------------------------------------


def test_options_are_saved(client, w):
    feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    token = feed.token
    as_user(client, w.leader)
    url = reverse("bookings:feed_options", args=[feed.pk])
    response = client.post(url, {"include_pending": "on", "include_available": "on"}, **HTMX)
    assert response.status_code == 200
    feed.refresh_from_db()
    assert feed.include_pending and feed.include_available and feed.token == token
    html = response.content.decode()
    assert "Saved." in html
    assert f'id="feed-band-{w.band.pk}-include_pending" checked' in html
    assert client.post(url, {}).status_code == 302
    feed.refresh_from_db()
    assert not feed.include_pending and not feed.include_available


def test_available_windows_are_for_band_feeds_only(client, w):
    feed = feed_create(by=w.member, scope=Scope.MEMBER)
    response = as_user(client, w.member).post(
        reverse("bookings:feed_options", args=[feed.pk]), {"include_pending": "on", "include_available": "on"}
    )
    assert response.status_code == 400
    assert "Only a band’s feed can show its available windows." in response.content.decode()
    feed.refresh_from_db()
    assert not feed.include_pending and not feed.include_available


def test_nobody_else_can_change_options(client, w):
    band_feed = feed_create(by=w.leader, scope=Scope.BAND, band=w.band)
    venue_feed = feed_create(by=w.owner, scope=Scope.VENUE, venue=w.venue)
    member_feed = feed_create(by=w.leader, scope=Scope.MEMBER)
    for user, feed in (
        (w.member, band_feed),
        (w.other_leader, band_feed),
        (w.other_owner, venue_feed),
        (w.member, member_feed),
    ):
        response = as_user(client, user).post(
            reverse("bookings:feed_options", args=[feed.pk]), {"include_pending": "on"}
        )
        assert response.status_code == 404
    assert not CalendarFeed.objects.filter(include_pending=True).exists()
