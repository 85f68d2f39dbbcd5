"""Fans: following (and keeping it across signing up by code), the fan's page and feed, what's on, the alerts,
asking a band to come and the demand the band, its planner and venues see – and who may do what: the fan,
another fan, the band's members, a venue, a stranger and a visitor. Counts leave only by city, "fewer than 5"
below five, never a name."""

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.models import Block, Notification, PartyKind
from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus, CityDemand, Membership
from bands.tests.factories import BandFactory, GenreFactory, MembershipFactory
from bookings.tests.factories import band_with_leader, venue_with_owner
from fans import alerts, services
from fans.models import Ask, FanProfile, Follow, ShowAlert
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from venues.models import Slot

from .standing import settle_now
from .world import booked_show, city, move

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("fans")]
HX = {"HTTP_HX_REQUEST": "true"}
CODE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", re.M)


class World:
    def __init__(self) -> None:
        self.berlin, self.potsdam, self.hamburg = city("Berlin"), city("Potsdam"), city("Hamburg")
        self.rock = GenreFactory(name="Rock", slug="rock")
        self.band, self.leader = band_with_leader(name="The Followed", slug="the-followed")
        self.member = UserFactory()
        MembershipFactory(band=self.band, user=self.member, role=Membership.Role.MEMBER)
        self.asked, self.asked_leader = band_with_leader(name="The Asked", slug="the-asked")
        self.suspended = BandFactory(name="Gone", slug="gone", status=ApprovalStatus.SUSPENDED)
        self.venue, self.venue_owner = venue_with_owner(name="Kellerbar", slug="kellerbar", place=self.berlin)
        self.other_venue, self.other_owner = venue_with_owner(name="Elsewhere", slug="elsewhere", place=self.hamburg)
        self.fan = UserFactory(email="fan@example.com")
        FanProfile.objects.create(user=self.fan, city=self.berlin, radius_km=50)
        self.other_fan = UserFactory(email="other@example.com")
        FanProfile.objects.create(user=self.other_fan, city=self.hamburg, radius_km=25)
        self.stranger = UserFactory()
        self.berlin_show = booked_show(self.band, venue=self.venue, days=5, genres=[self.rock])
        self.hamburg_show = booked_show(self.asked, place=self.hamburg, days=6)
        self.private = booked_show(self.band, venue=self.venue, days=7, visibility=Slot.Visibility.INVITE)

    def client(self, who: str) -> Client:
        client = Client()
        user = {
            "fan": self.fan,
            "other_fan": self.other_fan,
            "leader": self.leader,
            "asked_leader": self.asked_leader,
            "member": self.member,
            "venue": self.venue_owner,
            "stranger": self.stranger,
        }.get(who)
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with rows_for_the_module(django_db_blocker):
        yield World()


@pytest.fixture
def world(module_world) -> World:
    return as_it_is_now(module_world)


@pytest.fixture(autouse=True)
def _fresh_pages():
    """What's on keeps a visitor's page a minute: no test reads a page another test drew."""
    caches["fragments"].clear()


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def collect(capture) -> int:
    """One alert round, with what it queues run (as the worker would, once the round commits)."""
    with capture(execute=True):
        return alerts.show_alerts_collect()


def follow(client: Client, kind: str, pk: int, on: bool = True):
    return client.post(reverse("fans:follow", args=[kind, pk]), {"on": "1" if on else "0"}, **HX)


# ---- Following ----------------------------------------------------------------------------------------


def test_a_fan_follows_a_band_with_one_tap_and_stops(world):
    client = world.client("fan")
    button = client.get(reverse("fans:follow_button", args=["band", world.band.pk]))
    assert "Follow The Followed" in button.content.decode()
    response = follow(client, "band", world.band.pk)
    assert response.status_code == 200 and "Following The Followed" in response.content.decode()
    assert follow(client, "band", world.band.pk).status_code == 200  # again: nothing more
    assert Follow.objects.filter(user=world.fan, band=world.band).count() == 1
    assert follow(client, "band", world.band.pk, on=False).status_code == 200
    assert not Follow.objects.filter(user=world.fan).exists()
    assert follow(client, "venue", world.venue.pk).status_code == 200
    assert Follow.objects.filter(user=world.fan, venue=world.venue).exists()


def test_a_visitor_follows_signs_up_by_code_and_the_follow_is_kept(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client()
    response = follow(client, "band", world.band.pk)
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("fans:join")
    assert not Follow.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("fans:join"), {"email": "new.fan@example.com"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_confirm_login_code"))
    code = CODE.search([m.body for m in mailoutbox if m.to == ["new.fan@example.com"]][-1]).group(1)
    done = client.post(response.url, {"code": code})
    assert done.status_code == 302 and done.url == reverse("fans:home")
    page = client.get(done.url)
    assert page.status_code == 200
    assert Follow.objects.filter(user__email="new.fan@example.com", band=world.band).exists()


def test_what_cannot_be_followed_is_refused_and_nothing_changes(world):
    client = world.client("fan")
    assert follow(client, "band", world.suspended.pk).status_code == 404
    assert follow(client, "band", 987654).status_code == 404
    assert follow(client, "planet", world.band.pk).status_code == 404
    assert client.get(reverse("fans:follow_button", args=["band", world.suspended.pk])).status_code == 404
    assert client.get(reverse("fans:show_buttons", args=[world.private.pk])).status_code == 404
    response = client.post(reverse("fans:ask", args=[world.asked.pk]), {"city": "Atlantis-upon-Nowhere"}, **HX)
    assert response.status_code == 400
    assert not Follow.objects.exists() and not Ask.objects.exists()


def test_follows_and_asks_are_limited_per_account(world, settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "follow": "2/h"}
    client = world.client("fan")
    assert follow(client, "band", world.band.pk).status_code == 200
    assert follow(client, "band", world.asked.pk).status_code == 200
    refused = follow(client, "venue", world.venue.pk)
    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert Follow.objects.filter(user=world.fan).count() == 2


def test_follows_are_limited_per_address(world, settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "follow_ip": "1/h"}
    assert follow(Client(), "band", world.band.pk).status_code == 204
    assert follow(world.client("fan"), "band", world.band.pk).status_code == 429
    assert not Follow.objects.exists()


def test_the_band_and_the_venue_see_followers_by_city_never_who(world):
    fans = [UserFactory(email=f"berliner{i}@example.com") for i in range(5)]
    for fan in fans[:4]:
        FanProfile.objects.create(user=fan, city=world.berlin)
        services.follow_set(user=fan, band=world.band, on=True)
        services.follow_set(user=fan, venue=world.venue, on=True)
    settle_now(*fans[:4])
    page = world.client("member").get(reverse("fans:band_audience", args=[world.band.slug])).content.decode()
    assert "Berlin" in page and "<td>fewer than 5</td>" in page and "berliner" not in page
    FanProfile.objects.create(user=fans[4], city=world.berlin)
    services.follow_set(user=fans[4], band=world.band, on=True)
    settle_now(fans[4])
    page = world.client("leader").get(reverse("fans:band_audience", args=[world.band.slug])).content.decode()
    assert "<td>5</td>" in page and "<td>fewer than 5</td>" not in page
    venue_page = world.client("venue").get(reverse("fans:venue_audience", args=[world.venue.slug])).content.decode()
    assert "Berlin" in venue_page and "<td>fewer than 5</td>" in venue_page and "berliner" not in venue_page


def test_the_venues_own_pages_lead_its_staff_to_its_followers(world):
    page = world.client("venue").get(reverse("venues:manage", args=[world.venue.slug]))
    assert page.status_code == 200
    assert f'href="{reverse("fans:venue_audience", args=[world.venue.slug])}"' in page.content.decode()


@pytest.mark.parametrize("who", ["fan", "other_fan", "venue", "stranger"])
def test_only_members_see_a_bands_audience(world, who):
    assert world.client(who).get(reverse("fans:band_audience", args=[world.band.slug])).status_code == 403


@pytest.mark.parametrize("who", ["fan", "member", "stranger"])
def test_only_staff_see_a_venues_audience(world, who):
    assert world.client(who).get(reverse("fans:venue_audience", args=[world.venue.slug])).status_code == 403


def test_a_visitor_is_sent_to_log_in_for_the_private_pages(world):
    for url in (
        reverse("fans:home"),
        reverse("fans:band_audience", args=[world.band.slug]),
        reverse("fans:venue_audience", args=[world.venue.slug]),
    ):
        assert Client().get(url).status_code == 302
    assert Client().post(reverse("fans:settings"), {"radius_km": 10}).status_code == 302
    assert Client().post(reverse("fans:feed_rotate")).status_code == 302


# ---- The fan's page and feed -----------------------------------------------------------------------------


def test_the_fans_page_lists_what_they_follow_and_what_is_near(world):
    services.follow_set(user=world.fan, band=world.asked, on=True)
    page = world.client("fan").get(reverse("fans:home")).content.decode()
    assert world.berlin_show.title in page  # near Berlin
    assert world.hamburg_show.title in page  # followed, far away
    assert world.private.title not in page
    other = world.client("other_fan").get(reverse("fans:home")).content.decode()
    assert world.hamburg_show.title in other and world.berlin_show.title not in other


def test_the_fan_sets_home_and_distance_and_a_city_that_does_not_exist_is_refused(world):
    client = world.client("fan")
    bad = client.post(reverse("fans:settings"), {"city": "Xyzzyville", "radius_km": 50})
    assert bad.status_code == 400
    too_far = client.post(reverse("fans:settings"), {"city_id": world.potsdam.pk, "city": "Potsdam", "radius_km": 900})
    assert too_far.status_code == 400
    ok = client.post(reverse("fans:settings"), {"city_id": world.potsdam.pk, "city": "Potsdam", "radius_km": 25})
    assert ok.status_code == 302
    profile = FanProfile.objects.get(user=world.fan)
    assert profile.city == world.potsdam and profile.radius_km == 25


def test_the_feed_keeps_uids_sequences_and_cancelled_shows_and_answers_304(world, capture):
    services.follow_set(user=world.fan, band=world.band, on=True)
    collect(capture)
    token = FanProfile.objects.get(user=world.fan).feed_token
    url = reverse("fans:feed", args=[token])
    first = Client().get(url)
    body = first.content.decode()
    assert first.status_code == 200 and f"UID:show-{world.berlin_show.pk}@stageslot" in body
    assert "SEQUENCE:0" in body and world.private.title not in body
    assert Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Slot.objects.filter(pk=world.berlin_show.pk).update(sequence=1, cancelled_at=world.berlin_show.starts_at)
    again = Client().get(url).content.decode()
    assert "STATUS:CANCELLED" in again and f"UID:show-{world.berlin_show.pk}@stageslot" in again
    assert Client().get(reverse("fans:feed", args=["nope"])).status_code == 404
    world.client("fan").post(reverse("fans:feed_rotate"))
    assert Client().get(url).status_code == 404


# ---- What's on ----------------------------------------------------------------------------------------------


def test_whats_on_is_public_cacheable_and_lists_only_published_shows(world):
    response = Client().get(reverse("whats_on"), {"near": "Berlin", "km": 50})
    html = response.content.decode()
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and not response.cookies
    assert world.berlin_show.title in html and world.hamburg_show.title not in html
    assert world.private.title not in html
    assert '"@type": "MusicEvent"' in html and reverse("bookings:show_detail", args=[world.berlin_show.pk]) in html
    by_genre = Client().get(reverse("whats_on"), {"genre": "rock"}).content.decode()
    assert world.berlin_show.title in by_genre and world.hamburg_show.title not in by_genre
    signed_in = world.client("fan").get(reverse("whats_on"))
    assert "public" not in signed_in.get("Cache-Control", "")


def test_whats_on_filters_tonight_weekend_and_dates_and_refuses_nonsense(world):
    # The show on a Wednesday at least eight days ahead: neither tonight nor this or the coming weekend, whatever
    # today is (five days ahead is Saturday when today is Monday).
    day = world.berlin_show.starts_at.astimezone(BERLIN)
    days = next(n for n in range(3, 10) if (day + dt.timedelta(days=n)).weekday() == 2)
    move(world.berlin_show, hours=24 * days)
    for query in ({"when": "tonight"}, {"when": "weekend"}, {"start": "2030-01-01", "end": "2030-01-31"}):
        response = Client().get(reverse("whats_on"), query)
        assert response.status_code == 200 and world.berlin_show.title not in response.content.decode()
    assert world.berlin_show.title in Client().get(reverse("whats_on")).content.decode()
    assert Client().get(reverse("whats_on"), {"start": "2030-02-01", "end": "2030-01-01"}).status_code == 400
    nowhere = Client().get(reverse("whats_on"), {"near": "Qqqqqq"})
    assert nowhere.status_code == 200 and "We do not know" in nowhere.content.decode()


def test_whats_on_takes_the_same_queries_for_one_show_and_for_a_full_page(world, django_assert_num_queries):
    client = Client()
    client.get(reverse("whats_on"), {"near": "Berlin"})  # warm the caches
    caches["fragments"].clear()  # the page a visitor got is kept a minute: draw it anew
    with django_assert_num_queries(6) as one:
        client.get(reverse("whats_on"), {"near": "Berlin"})
    assert not any("COUNT(" in q["sql"] for q in one.captured_queries)  # no count of every show to come
    for i in range(20):
        booked_show(world.asked, venue=world.venue, days=20 + i)
    caches["fragments"].clear()
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("whats_on"), {"near": "Berlin"})
    with django_assert_num_queries(0):
        kept = client.get(reverse("whats_on"), {"near": "Berlin"})
    assert kept.status_code == 200 and "public" in kept["Cache-Control"]


def test_whats_on_pages_go_forward_and_back_without_counting(world):
    for i in range(25):
        booked_show(world.asked, venue=world.venue, days=20 + i)
    first = Client().get(reverse("whats_on"), {"near": "Berlin", "km": 50}).content.decode()
    assert first.count('class="card show-card"') == 20
    assert "page=2" in first and "page=0" not in first
    second = Client().get(reverse("whats_on"), {"near": "Berlin", "km": 50, "page": 2}).content.decode()
    assert 0 < second.count('class="card show-card"') <= 20 and "page=1" in second
    beyond = Client().get(reverse("whats_on"), {"near": "Berlin", "km": 50, "page": 99})
    assert beyond.status_code == 200 and 'class="card show-card"' not in beyond.content.decode()
    assert Client().get(reverse("whats_on"), {"page": "x"}).status_code == 200


def test_a_citys_calendar_lists_its_shows(world):
    response = Client().get(reverse("shows_city_ics", args=[world.berlin.pk]))
    assert response.status_code == 200 and f"UID:show-{world.berlin_show.pk}@stageslot" in response.content.decode()
    assert "public" in response["Cache-Control"]
    assert Client().get(reverse("shows_city_ics", args=[999999])).status_code == 404


# ---- Alerts ----------------------------------------------------------------------------------------------------


def test_a_new_show_reaches_each_near_follower_once_and_a_move_is_told(world, capture):
    services.follow_set(user=world.fan, band=world.band, on=True)  # lives in Berlin, 50 km
    services.follow_set(user=world.other_fan, band=world.band, on=True)  # Hamburg, 25 km
    potsdam = booked_show(world.band, place=world.potsdam, days=9)
    collect(capture)
    notes = Notification.objects.filter(kind="fan_show_new", recipient=world.fan)
    assert {n.link for n in notes} >= {reverse("bookings:show_detail", args=[potsdam.pk])}
    assert not Notification.objects.filter(kind="fan_show_new", recipient=world.other_fan).exists()
    count = Notification.objects.filter(kind="fan_show_new").count()
    Slot.objects.filter(pk=potsdam.pk).update(title="Edited")
    collect(capture)
    assert Notification.objects.filter(kind="fan_show_new").count() == count
    move(potsdam, hours=2)
    collect(capture)
    moved = Notification.objects.get(kind="fan_show_changed", recipient=world.fan)
    assert moved.text.startswith("Moved")
    Slot.objects.filter(pk=potsdam.pk).update(cancelled_at=potsdam.starts_at)
    collect(capture)
    assert Notification.objects.filter(kind="fan_show_changed", recipient=world.fan).count() == 2


def test_any_distance_hears_of_far_shows_and_chunks_reach_everyone(world, capture):
    FanProfile.objects.filter(user=world.other_fan).update(any_distance=True)
    services.follow_set(user=world.other_fan, band=world.band, on=True)
    followers = [UserFactory() for _ in range(4)]
    for user in followers:
        services.follow_set(user=user, band=world.band, on=True)
    show = booked_show(world.band, place=world.potsdam, days=11)
    with capture(execute=True):
        done = alerts.show_alert_run(slot_id=show.pk, change=alerts.NEW, after=0, size=2, chunks=1)  # then the next
    assert done == 1
    told = set(ShowAlert.objects.filter(slot=show).values_list("user_id", flat=True))
    assert told == {world.other_fan.pk, *(u.pk for u in followers)}


def test_a_fan_and_a_shows_act_or_venue_that_blocked_one_another_hear_nothing_of_it(world, capture):
    # The show's news is contact from its act and venue (accounts.blocks.contact_open): a block either way, with the
    # band or with the venue, leaves the fan out of the alert and of a later move; the fan next to them is told.
    blocks_band, blocked_by_band, blocks_venue, told = (UserFactory() for _ in range(4))
    for user in (blocks_band, blocked_by_band, blocks_venue, told):
        services.follow_set(user=user, band=world.band, on=True)
    show = booked_show(world.band, place=world.potsdam, days=13)
    user, band, venue = PartyKind.USER.value, PartyKind.BAND.value, PartyKind.VENUE.value
    for blocker, blocked in (
        ((user, blocks_band.pk), (band, world.band.pk)),
        ((band, world.band.pk), (user, blocked_by_band.pk)),
        ((user, blocks_venue.pk), (venue, show.venue_id)),
    ):
        Block.objects.create(
            blocker_kind=blocker[0], blocker_id=blocker[1], blocked_kind=blocked[0], blocked_id=blocked[1]
        )
    with capture(execute=True):
        alerts.show_alert_run(slot_id=show.pk, change=alerts.NEW, after=0)
    assert set(ShowAlert.objects.filter(slot=show).values_list("user_id", flat=True)) == {told.pk}
    kept_out = (blocks_band, blocked_by_band, blocks_venue)
    assert not Notification.objects.filter(recipient__in=kept_out).exists()
    assert Notification.objects.filter(recipient=told, kind="fan_show_new").exists()
    # One already told who blocks the band later hears nothing of its move.
    Block.objects.create(blocker_kind=user, blocker_id=told.pk, blocked_kind=band, blocked_id=world.band.pk)
    with capture(execute=True):
        alerts.show_alert_run(slot_id=show.pk, change=alerts.MOVED, after=0, sequence=1)
    assert not Notification.objects.filter(recipient=told, kind="fan_show_changed").exists()


def test_a_shows_audience_is_told_by_one_chain_of_tasks(world, capture, monkeypatch):
    # Five people in chunks of two, one chunk a task: three tasks one after another, never two at once for a show.
    followers = [UserFactory() for _ in range(4)]
    for user in [world.other_fan, *followers]:
        FanProfile.objects.filter(user=user).update(any_distance=True)
        services.follow_set(user=user, band=world.band, on=True)
    show = booked_show(world.band, place=world.potsdam, days=12)
    queued = []
    monkeypatch.setattr(alerts, "task_queue", lambda name, **kwargs: queued.append((name, kwargs)))
    runs = 0
    job = {"slot_id": show.pk, "change": alerts.NEW, "after": 0, "sequence": 0}
    while job is not None and runs < 10:
        runs += 1
        queued.clear()
        with capture(execute=True):
            alerts.show_alert_run(**job, size=2, chunks=1)
        chunks = [kwargs for name, kwargs in queued if name.endswith("show_alert_chunk_task")]
        assert len(chunks) <= 1, chunks
        job = chunks[0] if chunks else None
    assert runs <= 4
    assert (
        ShowAlert.objects.filter(slot=show).count()
        == Notification.objects.filter(kind="fan_show_new", link__endswith=f"/{show.pk}/").count()
    )


# ---- Asking a band to come ----------------------------------------------------------------------------------


def ask(client: Client, band, city) -> object:
    return client.post(reverse("fans:ask", args=[band.pk]), {"city_id": city.pk, "city": city.name}, **HX)


def test_a_fan_asks_a_band_to_come_and_takes_it_back(world):
    client = world.client("fan")
    response = ask(client, world.asked, world.berlin)
    assert response.status_code == 200 and "You asked for Berlin" in response.content.decode()
    assert ask(client, world.asked, world.berlin).status_code == 200
    assert Ask.objects.filter(user=world.fan).count() == 1
    # A fresh ask is no count yet (fans.counting): a month on, in the nightly step, it is.
    assert not CityDemand.objects.filter(band=world.asked).exists()
    settle_now(world.fan, bands=[world.asked])
    demand = CityDemand.objects.get(band=world.asked, city=world.berlin)
    assert demand.asks == 1
    audience = world.client("leader").get(reverse("fans:band_audience", args=[world.band.slug]))
    assert audience.status_code == 200
    page = Client(), world.client("stranger")
    assert "fan@example.com" not in page[1].get(reverse("fans:ask_box", args=[world.asked.pk])).content.decode()
    withdraw = client.post(reverse("fans:ask_withdraw", args=[world.asked.pk, world.berlin.pk]), **HX)
    assert withdraw.status_code == 200 and not Ask.objects.exists()
    assert not CityDemand.objects.filter(band=world.asked).exists()


def test_a_member_cannot_ask_their_own_band_and_a_visitor_signs_up_first(world):
    assert ask(world.client("member"), world.band, world.berlin).status_code == 409
    visitor = ask(Client(), world.asked, world.berlin)
    assert visitor.status_code == 204 and visitor["HX-Redirect"] == reverse("fans:join")
    assert ask(world.client("fan"), world.suspended, world.berlin).status_code == 404
    assert not Ask.objects.exists()


def test_a_show_booked_where_fans_asked_tells_them_once(world, capture):
    services.ask_set(user=world.fan, band=world.asked, city=world.berlin, on=True)
    booked_show(world.asked, venue=world.venue, days=15)
    collect(capture)
    collect(capture)
    assert Notification.objects.filter(kind="fan_ask_met", recipient=world.fan).count() == 1


def test_the_weekly_lists_the_week_near_the_fan_once(world):
    from django.utils import timezone

    now = timezone.now()
    assert alerts.weekly_send(user_id=world.fan.pk, now=now + (world.berlin_show.starts_at - now) / 2) is True
    assert alerts.weekly_send(user_id=world.fan.pk, now=now + (world.berlin_show.starts_at - now) / 2) is False
    assert alerts.weekly_send(user_id=world.stranger.pk, now=now) is False


def test_the_planner_shows_demand_by_city_and_can_prefer_it(world):
    for i in range(2):
        fan = UserFactory(email=f"asker{i}@example.com")
        services.ask_set(user=fan, band=world.asked, city=world.berlin, on=True)
        settle_now(fan, bands=[world.asked])
    page = world.client("asked_leader").get(reverse("bookings:tour_planner", args=[world.asked.slug]))
    html = page.content.decode()
    assert page.status_code == 200 and "Where fans asked you to come" in html
    assert "Berlin: fewer than 5 asks" in html and "asker0" not in html


def test_routes_through_asked_cities_come_first_when_preferred():
    import datetime as dt

    from bookings.tours import Ask as RouteAsk
    from bookings.tours import Stop, tour_routes

    day = dt.date(2030, 5, 1)
    ask = RouteAsk(
        start=(52.52, 13.40),
        first_day=day,
        end=(52.52, 13.40),
        last_day=day + dt.timedelta(days=2),
        drive_km=400,
        routes=1,
    )
    rich = Stop(id=1, night=day, latitude=52.39, longitude=13.06, fee=900)
    asked = Stop(id=2, night=day, latitude=52.52, longitude=13.41, fee=100)
    assert tour_routes(ask, [rich, asked])[0].legs[0].stop.id == 1
    preferred = Stop(id=2, night=day, latitude=52.52, longitude=13.41, fee=100, bonus=10**12)
    [route] = tour_routes(ask, [rich, preferred])
    assert route.legs[0].stop.id == 2 and route.fee == 100


def test_a_venue_weighing_a_band_sees_its_demand_in_the_venues_city(world):
    from bookings.models import Booking
    from bookings.tests.factories import BookingFactory, SlotFactory

    services.ask_set(user=world.fan, band=world.asked, city=world.berlin, on=True)
    settle_now(world.fan, bands=[world.asked])
    application = BookingFactory(band=world.asked, slot=SlotFactory(venue=world.venue), status=Booking.Status.PENDING)
    html = world.client("venue").get(reverse("bookings:detail", args=[application.uid])).content.decode()
    assert "Fans in Berlin asked The Asked to come: fewer than 5." in html and "fan@example.com" not in html


def test_a_fan_who_joins_by_code_gets_the_browsers_zone_and_the_name_given(world, django_capture_on_commit_callbacks):
    from accounts.models import User
    from core.fields.timezones import ZONE_COOKIE

    client = Client()
    client.cookies[ZONE_COOKIE] = "Europe/Berlin"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("fans:join"), {"email": "berlin.fan@example.com", "display_name": "Bea"})
    assert response.status_code == 302
    fan = User.objects.get(email="berlin.fan@example.com")
    assert (fan.time_zone, fan.name) == ("Europe/Berlin", "Bea")
    # Without a name, nobody reads a part of the address as one.
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("fans:join"), {"email": "quiet.fan@example.com"})
    quiet = User.objects.get(email="quiet.fan@example.com")
    assert quiet.time_zone == "UTC" and "quiet" not in quiet.name.casefold()
