"""/api/v1/shows and /api/v1/support-calls: reading shows (public, mine, one), support calls, hosting,
opening and closing a support call, applying, reading and answering the applications, cancelling –
each for the host, an act, an applicant, another band, another venue, a client, a stranger, a visitor
and a token without the scope; and the show.* webhook events each change sends."""

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import GenreFactory, MembershipFactory
from bookings.models import Booking, Webhook, WebhookDelivery
from bookings.services import answering, asking, shows
from bookings.services.webhooks import webhook_create
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from venues.models import Slot

# The cast is made once for the module (module_cast) and its tests run one after another in one process.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("api_shows")]

API = "/api/v1"


def host_show(band, leader, *, places=2, title="Release show", days=12) -> Slot:
    start = in_days(days, 20)
    return shows.show_host(
        band=band,
        by=leader,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        doors_at=start - dt.timedelta(hours=1),
        time_zone="Europe/Berlin",
        title=title,
        place_name="Zukunft",
        place_address="Laskerstraße 5",
        place_city="Berlin",
        support_places=places,
        fee=150,
    )


class Cast:
    """A hosted show with one opener booked and one applicant waiting, and everyone around it."""

    def __init__(self) -> None:
        self.host_band, self.host = band_with_leader(name="The Hosts", slug="the-hosts")
        self.host_member = UserFactory()
        MembershipFactory(band=self.host_band, user=self.host_member, role=Membership.Role.MEMBER)
        self.show = host_show(self.host_band, self.host)
        self.act_band, self.act = band_with_leader(name="The Act", slug="the-act")
        booked = asking.booking_apply(slot=self.show, band=self.act_band, by=self.act, role="support")
        answering.booking_accept(booking=booked, by=self.host)
        self.applicant_band, self.applicant = band_with_leader(name="Hopefuls", slug="hopefuls")
        self.pending = asking.booking_apply(
            slot=self.show, band=self.applicant_band, by=self.applicant, role="support", message="Pick us"
        )
        self.other_band, self.other = band_with_leader(name="Others", slug="others")
        self.venue, self.venue_owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
        self.client = UserFactory()
        BookingFactory(kind=Booking.Kind.REQUEST, client=self.client, band=self.other_band, slot=None, venue=None)
        self.stranger = UserFactory()

    def user(self, who: str):
        return {
            "host": self.host,
            "host_member": self.host_member,
            "act": self.act,
            "applicant": self.applicant,
            "other_band": self.other,
            "other_venue": self.venue_owner,
            "client": self.client,
            "stranger": self.stranger,
        }[who]

    def api(self, who: str, scopes=None) -> ApiClient:
        if who == "anonymous":
            return ApiClient()
        return ApiClient(token_for(self.user(who), scopes))


@pytest.fixture(scope="module")
def module_cast(django_db_setup, django_db_blocker) -> Iterator[Cast]:
    """The cast, made once for the module: each test reads and changes it in a savepoint of its own."""
    with rows_for_the_module(django_db_blocker):
        yield Cast()


@pytest.fixture
def cast(module_cast) -> Cast:
    return as_it_is_now(module_cast)


def show_url(show, rest: str = "") -> str:
    return f"{API}/shows/{show.pk}{rest}"


def fresh(slot: Slot) -> Slot:
    slot.refresh_from_db()
    return slot


EVERYONE = ["host", "host_member", "act", "applicant", "other_band", "other_venue", "client", "stranger"]
OUTSIDERS = ["act", "applicant", "other_band", "other_venue", "client", "stranger"]


# ---- Reading shows ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*EVERYONE, "anonymous"])
def test_anyone_reads_the_public_shows_with_their_line_up(cast, who):
    response = cast.api(who).get(f"{API}/shows")
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["id"] == cast.show.pk and item["hosted"] is True
    assert item["host_band"] == "the-hosts" and item["venue"] is None and item["place"] == "Zukunft"
    assert item["time_zone"] == "Europe/Berlin" and item["support_call"] is True
    assert [(a["band"], a["role"]) for a in item["line_up"]] == [("the-act", "support"), ("the-hosts", "headliner")]
    assert item["url"].endswith(f"/shows/{cast.show.pk}/") and item["applications_pending"] is None


def test_the_show_list_filters_and_pages(cast):
    second = host_show(cast.other_band, cast.other, title="Second", days=20)
    anyone = ApiClient()
    assert [s["id"] for s in anyone.get(f"{API}/shows", {"band": "the-act"}).json()["items"]] == [cast.show.pk]
    assert [s["id"] for s in anyone.get(f"{API}/shows", {"hosted": "false"}).json()["items"]] == []
    first_page = anyone.get(f"{API}/shows", {"limit": 1}).json()
    assert [s["id"] for s in first_page["items"]] == [cast.show.pk]
    second_page = anyone.get(first_page["next"]).json()
    assert [s["id"] for s in second_page["items"]] == [second.pk] and second_page["next"] is None
    response = anyone.get(f"{API}/shows", {"band": "nobody"})
    assert response.status_code == 422 and "band" in response.json()["errors"]
    assert anyone.get(f"{API}/shows", {"venue": "nowhere"}).status_code == 422
    assert anyone.get(f"{API}/shows", {"cursor": "garbage"}).status_code == 400


def test_a_venues_slot_with_its_headliner_is_a_show_at_that_venue(cast):
    slot = SlotFactory(venue=cast.venue, support_places=1)
    booking = asking.booking_apply(slot=slot, band=cast.other_band, by=cast.other, role="headliner")
    answering.booking_accept(booking=booking, by=cast.venue_owner)
    [item] = ApiClient().get(f"{API}/shows", {"venue": "kellerbar"}).json()["items"]
    assert item["id"] == slot.pk and item["venue"] == "kellerbar" and item["hosted"] is False
    assert item["support_picker"] == "venue" and item["support_call"] is False


def test_the_show_list_costs_the_same_queries_however_many_shows(cast, django_assert_max_num_queries):
    anyone = ApiClient()
    with django_assert_max_num_queries(4) as few:  # the page of shows, their tickets, acts and genres
        assert len(anyone.get(f"{API}/shows").json()["items"]) == 1
    for i in range(4):
        band, leader = band_with_leader()
        show = host_show(band, leader, title=f"Show {i}", days=14 + i)
        opener, opener_leader = band_with_leader()
        answering.booking_accept(
            booking=asking.booking_apply(slot=show, band=opener, by=opener_leader, role="support"), by=leader
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(anyone.get(f"{API}/shows").json()["items"]) == 5


def test_a_bad_or_revoked_token_is_refused_even_on_public_reads(cast):
    assert ApiClient("ss_nonsense").get(f"{API}/shows").status_code == 401
    assert ApiClient("ss_nonsense").get(show_url(cast.show)).status_code == 401


@pytest.mark.parametrize("who", [*EVERYONE, "anonymous"])
def test_anyone_reads_one_public_show(cast, who):
    response = cast.api(who).get(show_url(cast.show))
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Release show" and body["supports_booked"] == 1 and body["support_places"] == 2
    assert body["doors_at"].endswith("Z") and body["public_status"] == "soon"


def test_one_show_that_is_not_there_or_not_public(cast):
    assert ApiClient().get(f"{API}/shows/999999").status_code == 404
    slot = SlotFactory(venue=cast.venue, visibility=Slot.Visibility.INVITE)
    assert cast.api("stranger").get(show_url(slot)).status_code == 404
    assert ApiClient().get(show_url(slot)).status_code == 404
    assert cast.api("other_venue").get(show_url(slot)).json()["id"] == slot.pk  # its own venue's


def test_reading_one_show_is_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # the show, its tickets, acts and genres
        assert ApiClient().get(show_url(cast.show)).status_code == 200


def test_my_shows_are_the_ones_my_bands_host_or_headline(cast, django_assert_max_num_queries):
    host = cast.api("host")
    with django_assert_max_num_queries(6) as few:  # the token (and its last use), the shows, as above
        [item] = host.get(f"{API}/shows/mine").json()["items"]
    assert item["id"] == cast.show.pk and item["applications_pending"] == 1
    for i in range(3):
        host_show(cast.host_band, cast.host, title=f"More {i}", days=30 + i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(host.get(f"{API}/shows/mine").json()["items"]) == 4
    for who in OUTSIDERS:
        assert cast.api(who).get(f"{API}/shows/mine").json()["items"] == [], who


def test_my_shows_needs_a_token_with_read(cast):
    assert ApiClient().get(f"{API}/shows/mine").status_code == 401
    response = cast.api("host", ["shows"]).get(f"{API}/shows/mine")
    assert response.status_code == 403 and "read" in response.json()["detail"]


# ---- Support calls ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [*EVERYONE, "anonymous"])
def test_support_calls_are_public(cast, who):
    response = cast.api(who).get(f"{API}/support-calls")
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["items"]] == [cast.show.pk]


def test_support_calls_leave_out_what_is_full_closed_or_not_the_headliners(cast):
    SlotFactory(venue=cast.venue, support_places=2)  # a venue's open slot: not a support call
    full = host_show(cast.other_band, cast.other, places=0, title="No supports", days=25)
    ids = [s["id"] for s in ApiClient().get(f"{API}/support-calls").json()["items"]]
    assert ids == [cast.show.pk] and full.pk not in ids


def test_support_calls_say_whether_my_band_is_free(cast, django_assert_max_num_queries):
    other = cast.api("other_band")
    [item] = other.get(f"{API}/support-calls", {"band": "others"}).json()["items"]
    assert item["band_free"] is True
    host_show(cast.other_band, cast.other, places=0, title="Our own night", days=12)  # the same evening
    assert other.get(f"{API}/support-calls", {"band": "others", "playable": "true"}).json()["items"] == []
    response = ApiClient().get(f"{API}/support-calls", {"band": "others"})
    assert response.status_code == 422 and "band" in response.json()["errors"]
    assert ApiClient().get(f"{API}/support-calls", {"sort": "distance"}).status_code == 422
    assert ApiClient().get(f"{API}/support-calls", {"date_from": "not-a-date"}).status_code == 422


def test_support_calls_cost_the_same_queries_however_many(cast, django_assert_max_num_queries):
    anyone = ApiClient()
    with django_assert_max_num_queries(6) as few:  # the filters' genres and countries, the shows, as above
        assert len(anyone.get(f"{API}/support-calls").json()["items"]) == 1
    for i in range(4):
        band, leader = band_with_leader()
        host_show(band, leader, title=f"Call {i}", days=40 + i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(anyone.get(f"{API}/support-calls").json()["items"]) == 5


# ---- Hosting ------------------------------------------------------------------------------------


def new_show(band="others", days=15, **fields) -> dict:
    start = in_days(days, 19)
    body = {
        "band": band,
        "title": "Garden Fest",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=5)).isoformat(),
        "time_zone": "Europe/Berlin",
        "place_name": "Anna's garden",
        "place_city": "Potsdam",
        "support_places": 2,
        "fee": 100,
    }
    return body | fields


def test_a_band_leader_hosts_a_show(cast):
    genre = GenreFactory(slug="punk")
    response = cast.api("other_band").post(f"{API}/shows", new_show(genres=["punk"], place_venue="kellerbar"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["host_band"] == "others" and body["support_call"] is True and body["genres"] == [genre.slug]
    assert body["place_venue"] == "kellerbar" and body["place"] == "Kellerbar"
    assert [(a["band"], a["role"]) for a in body["line_up"]] == [("others", "headliner")]
    slot = Slot.objects.get(pk=body["id"])
    assert slot.host_band == cast.other_band and slot.headliner_booked == 1
    assert Booking.objects.get(slot=slot).kind == Booking.Kind.HOST


@pytest.mark.parametrize(
    ("who", "band", "status"),
    [
        ("host_member", "the-hosts", 403),  # a member, not a leader or admin
        ("other_band", "the-hosts", 404),  # not one of theirs
        ("other_venue", "others", 404),
        ("client", "others", 404),
        ("stranger", "others", 404),
        ("anonymous", "others", 401),
    ],
)
def test_only_a_bands_leaders_host_for_it(cast, who, band, status):
    before = Slot.objects.count()
    assert cast.api(who).post(f"{API}/shows", new_show(band=band)).status_code == status
    assert Slot.objects.count() == before


def test_hosting_needs_the_shows_scope(cast):
    response = cast.api("other_band", ["read", "bookings"]).post(f"{API}/shows", new_show())
    assert response.status_code == 403 and "shows" in response.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ends_at": in_days(15, 18).isoformat()}, "ends_at"),
        ({"starts_at": (in_days(-2, 19)).isoformat(), "ends_at": in_days(-2, 22).isoformat()}, "starts_at"),
        ({"place_name": ""}, "place_name"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"genres": ["no-such-genre"]}, "genres"),
        ({"place_venue": "nowhere"}, "place_venue"),
        ({"city_id": 987654321}, "city_id"),
        ({"currency": "XXX"}, "currency"),
        ({"support_places": 7}, "support_places"),
        ({"title": ""}, "title"),
        ({"starts_at": "2030-01-01T20:00:00"}, "starts_at"),  # no offset
    ],
)
def test_bad_input_is_422_by_field_and_makes_nothing(cast, fields, field):
    before = Slot.objects.count()
    response = cast.api("other_band").post(f"{API}/shows", new_show(**fields))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert Slot.objects.count() == before


def test_hosting_when_the_band_is_booked_is_a_409(cast):
    response = cast.api("host").post(f"{API}/shows", new_show(band="the-hosts", days=12))
    assert response.status_code == 409
    assert Slot.objects.filter(host_band=cast.host_band).count() == 1


# ---- Opening and closing the support call -------------------------------------------------------


def test_the_host_opens_more_places_and_closes_the_call(cast):
    host = cast.api("host")
    response = host.post(show_url(cast.show, "/support-call"), {"places": 3})
    assert response.status_code == 200
    assert response.json()["support_places"] == 4 and response.json()["support_call"] is True
    response = host.post(show_url(cast.show, "/support-call/close"))
    assert response.status_code == 200
    body = response.json()
    assert body["support_places"] == 1 and body["support_call"] is False and body["supports_booked"] == 1
    cast.pending.refresh_from_db()
    assert cast.pending.status == Booking.Status.DECLINED and "closed the support call" in cast.pending.status_note
    assert ApiClient().get(f"{API}/support-calls").json()["items"] == []
    assert host.post(show_url(cast.show, "/support-call/close")).status_code == 200  # closed already: no change
    assert host.post(show_url(cast.show, "/support-call"), {}).json()["support_places"] == 2  # one place again


@pytest.mark.parametrize("who", [*OUTSIDERS, "host_member"])
@pytest.mark.parametrize("action", ["/support-call", "/support-call/close"])
def test_only_the_hosts_leaders_open_or_close_its_call(cast, who, action):
    response = cast.api(who).post(show_url(cast.show, action), {"places": 1})
    assert response.status_code == 403, response.content
    assert fresh(cast.show).support_places == 2
    cast.pending.refresh_from_db()
    assert cast.pending.status == Booking.Status.PENDING


@pytest.mark.parametrize("action", ["/support-call", "/support-call/close"])
def test_the_call_needs_a_token_with_the_shows_scope(cast, action):
    assert ApiClient().post(show_url(cast.show, action)).status_code == 401
    assert cast.api("host", ["read", "bookings"]).post(show_url(cast.show, action)).status_code == 403
    assert cast.api("host").post(f"{API}/shows/999999{action}").status_code == 404


@pytest.mark.parametrize("places", [0, 7, "many"])
def test_a_bad_number_of_places_is_a_422(cast, places):
    response = cast.api("host").post(show_url(cast.show, "/support-call"), {"places": places})
    assert response.status_code == 422 and "places" in response.json()["errors"]
    assert fresh(cast.show).support_places == 2


def test_more_places_than_a_show_has_is_a_422(cast):
    response = cast.api("host").post(show_url(cast.show, "/support-call"), {"places": 6})  # 1 booked + 6
    assert response.status_code == 422 and "places" in response.json()["errors"]
    assert fresh(cast.show).support_places == 2


@pytest.fixture
def venue_slot(cast):
    """A venue's slot with The Others booked as headliner and two support places."""
    slot = SlotFactory(venue=cast.venue, support_places=2)
    booking = asking.booking_apply(slot=slot, band=cast.other_band, by=cast.other, role="headliner")
    answering.booking_accept(booking=booking, by=cast.venue_owner)
    return fresh(slot)


def test_on_a_venues_slot_the_headliner_asks_and_the_venue_hands_over(cast, venue_slot):
    headliner = cast.api("other_band")
    response = headliner.post(show_url(venue_slot, "/support-call"), {"places": 1})
    assert response.status_code == 200 and response.json()["support_asked_at"] is not None
    assert fresh(venue_slot).support_picker == "venue"
    staff = cast.api("other_venue")
    response = staff.post(show_url(venue_slot, "/support-call"), {"places": 1})
    assert response.status_code == 422 and "places" in response.json()["errors"]
    response = staff.post(show_url(venue_slot, "/support-call"))
    assert response.status_code == 200 and response.json()["support_call"] is True
    assert fresh(venue_slot).support_picker == "headliner"
    assert headliner.post(show_url(venue_slot, "/support-call/close")).status_code == 403
    response = staff.post(show_url(venue_slot, "/support-call/close"))
    assert response.status_code == 200 and response.json()["support_picker"] == "venue"
    for who in ("host", "applicant", "client", "stranger"):
        assert cast.api(who).post(show_url(venue_slot, "/support-call")).status_code == 403, who
        assert cast.api(who).post(show_url(venue_slot, "/support-call/close")).status_code == 403, who


# ---- Applying -----------------------------------------------------------------------------------


def test_another_band_applies_and_the_host_answers(cast):
    response = cast.api("other_band").post(show_url(cast.show, "/applications"), {"band": "others", "message": "Hi"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "support" and body["status"] == "pending" and body["answering_side"] == "headliner"
    assert body["fee"] == 150 and body["message"] == "Hi"
    booking = Booking.objects.get(uid=body["uid"])
    assert booking.picker_band == cast.host_band
    again = cast.api("other_band").post(show_url(cast.show, "/applications"), {"band": "others"})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("who", "band", "status"),
    [
        ("host", "the-hosts", 400),  # its own show
        ("host_member", "the-hosts", 403),
        ("act", "the-act", 409),  # booked on it already
        ("applicant", "hopefuls", 409),  # applied already
        ("other_band", "the-act", 404),  # not one of theirs
        ("other_venue", "others", 404),
        ("client", "others", 404),
        ("stranger", "others", 404),
        ("anonymous", "others", 401),
    ],
)
def test_who_may_apply(cast, who, band, status):
    before = Booking.objects.count()
    response = cast.api(who).post(show_url(cast.show, "/applications"), {"band": band})
    assert response.status_code == status, response.content
    assert Booking.objects.count() == before


def test_applying_needs_the_shows_scope_and_good_input(cast):
    other = cast.api("other_band", ["read", "bookings"])
    assert other.post(show_url(cast.show, "/applications"), {"band": "others"}).status_code == 403
    full = cast.api("other_band")
    assert full.post(show_url(cast.show, "/applications"), {"band": "others", "message": "x" * 2001}).status_code == 422
    assert full.post(show_url(cast.show, "/applications"), {}).status_code == 422
    assert full.post(f"{API}/shows/999999/applications", {"band": "others"}).status_code == 404
    assert not Booking.objects.filter(band=cast.other_band, slot=cast.show).exists()


def test_applying_to_a_closed_call_is_a_409(cast):
    shows.show_support_call_set(slot=cast.show, by=cast.host, places=0)
    response = cast.api("other_band").post(show_url(cast.show, "/applications"), {"band": "others"})
    assert response.status_code == 409


def test_applying_when_the_band_is_booked_then_is_a_409(cast):
    host_show(cast.other_band, cast.other, places=0, title="Our own", days=12)
    response = cast.api("other_band").post(show_url(cast.show, "/applications"), {"band": "others"})
    assert response.status_code == 409
    assert not Booking.objects.filter(band=cast.other_band, slot=cast.show).exists()


# ---- The applications, picking ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["host", "host_member"])
def test_the_hosts_members_read_the_applications(cast, who, django_assert_max_num_queries):
    api = cast.api(who)
    # The token, the show (with its tickets, acts and genres), may they manage it, the page, the genres.
    with django_assert_max_num_queries(9) as few:
        response = api.get(show_url(cast.show, "/applications"))
    spent = len(few.captured_queries)  # read now: the next request clears the log
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(a["band"], a["status"]) for a in items] == [("the-act", "booked"), ("hopefuls", "pending")]
    assert items[1]["message"] == "Pick us" and items[1]["band_genres"] == []
    pending = api.get(show_url(cast.show, "/applications"), {"status": "pending"}).json()["items"]
    assert [a["band"] for a in pending] == ["hopefuls"]
    for _ in range(4):
        band, leader = band_with_leader()
        asking.booking_apply(slot=cast.show, band=band, by=leader, role="support")
    with django_assert_max_num_queries(spent):
        assert len(api.get(show_url(cast.show, "/applications")).json()["items"]) == 6


@pytest.mark.parametrize(("who", "status"), [(who, 403) for who in OUTSIDERS] + [("anonymous", 401)])
def test_nobody_else_reads_the_applications(cast, who, status):
    assert cast.api(who).get(show_url(cast.show, "/applications")).status_code == status


def test_reading_the_applications_needs_read_and_good_input(cast):
    assert cast.api("host", ["shows"]).get(show_url(cast.show, "/applications")).status_code == 403
    assert cast.api("host").get(show_url(cast.show, "/applications"), {"status": "nope"}).status_code == 422
    assert cast.api("host").get(f"{API}/shows/999999/applications").status_code == 404


def test_the_host_picks_an_opener(cast):
    response = cast.api("host").post(show_url(cast.show, f"/applications/{cast.pending.uid}/accept"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "booked"
    show = fresh(cast.show)
    assert show.supports_booked == 2 and not show.is_support_call
    again = cast.api("host").post(show_url(cast.show, f"/applications/{cast.pending.uid}/accept"))
    assert again.status_code == 409


def test_the_host_declines_an_applicant_with_a_reason(cast):
    url = show_url(cast.show, f"/applications/{cast.pending.uid}/decline")
    response = cast.api("host").post(url, {"reason": "Too loud for a garden"})
    assert response.status_code == 200 and response.json()["status"] == "declined"
    cast.pending.refresh_from_db()
    assert cast.pending.status_note == "Too loud for a garden"
    assert cast.api("host").post(url).status_code == 409


@pytest.mark.parametrize("action", ["accept", "decline"])
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("host_member", 403),  # sees the applications, but only leaders and admins answer
        ("act", 403),
        ("applicant", 403),
        ("other_band", 403),
        ("other_venue", 403),
        ("client", 403),
        ("stranger", 403),
        ("anonymous", 401),
    ],
)
def test_only_the_hosts_leaders_answer(cast, action, who, status):
    response = cast.api(who).post(show_url(cast.show, f"/applications/{cast.pending.uid}/{action}"))
    assert response.status_code == status, response.content
    cast.pending.refresh_from_db()
    assert cast.pending.status == Booking.Status.PENDING


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_answering_needs_the_shows_scope_and_an_application_of_this_show(cast, action):
    url = show_url(cast.show, f"/applications/{cast.pending.uid}/{action}")
    assert cast.api("host", ["read", "bookings"]).post(url).status_code == 403
    other = host_show(cast.other_band, cast.other, title="Elsewhere", days=30)
    assert cast.api("host").post(show_url(other, f"/applications/{cast.pending.uid}/{action}")).status_code == 403
    host_booking = Booking.objects.get(slot=cast.show, kind=Booking.Kind.HOST)
    response = cast.api("host").post(show_url(cast.show, f"/applications/{host_booking.uid}/{action}"))
    assert response.status_code == 404
    response = cast.api("host").post(show_url(cast.show, f"/applications/not-a-uuid/{action}"))
    assert response.status_code == 404
    if action == "decline":
        assert cast.api("host").post(url, {"reason": "x" * 301}).status_code == 422
    cast.pending.refresh_from_db()
    assert cast.pending.status == Booking.Status.PENDING


# ---- Cancelling ---------------------------------------------------------------------------------


def test_the_host_cancels_its_show(cast):
    response = cast.api("host").post(show_url(cast.show, "/cancel"), {"reason": "The roof leaks"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "The roof leaks" and body["line_up"] == []
    cast.pending.refresh_from_db()
    assert cast.pending.status == Booking.Status.DECLINED
    assert cast.api("host").post(show_url(cast.show, "/cancel"), {"reason": "Again"}).status_code == 409
    assert ApiClient().get(f"{API}/shows").json()["items"] == []


@pytest.mark.parametrize(("who", "status"), [(w, 403) for w in [*OUTSIDERS, "host_member"]] + [("anonymous", 401)])
def test_only_the_hosts_leaders_cancel(cast, who, status):
    assert cast.api(who).post(show_url(cast.show, "/cancel"), {"reason": "Because"}).status_code == status
    assert fresh(cast.show).cancelled_at is None


def test_cancelling_needs_the_scope_and_a_reason(cast):
    assert cast.api("host", ["read"]).post(show_url(cast.show, "/cancel"), {"reason": "x"}).status_code == 403
    assert cast.api("host").post(show_url(cast.show, "/cancel"), {"reason": ""}).status_code == 422
    assert cast.api("host").post(show_url(cast.show, "/cancel")).status_code == 422
    assert fresh(cast.show).cancelled_at is None


def test_the_venue_cancels_its_slot_and_the_headliner_cannot(cast, venue_slot):
    assert cast.api("other_band").post(show_url(venue_slot, "/cancel"), {"reason": "No"}).status_code == 403
    response = cast.api("other_venue").post(show_url(venue_slot, "/cancel"), {"reason": "Flooded"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


# ---- Webhook events -----------------------------------------------------------------------------

HOOK = "http://127.0.0.1:8471/hook"


def _types(hook) -> list[str]:
    return [json.loads(d.body)["type"] for d in WebhookDelivery.objects.filter(webhook=hook).order_by("pk")]


def test_every_change_through_the_api_is_a_show_event(cast, settings):
    settings.WEBHOOK_ALLOW_HOSTS = ("127.0.0.1:8471",)
    show_events = [e for e in Webhook.Event.values if e.startswith("show.")]
    host_hook = webhook_create(by=cast.host, band=cast.host_band, url=HOOK, events=show_events)
    other_hook = webhook_create(by=cast.other, band=cast.other_band, url=HOOK, events=show_events)
    host, other = cast.api("host"), cast.api("other_band")
    created = other.post(f"{API}/shows", new_show()).json()
    assert _types(other_hook) == ["show.created"]
    uid = other.post(show_url(cast.show, "/applications"), {"band": "others"}).json()["uid"]
    assert _types(host_hook) == ["show.applied"] and _types(other_hook)[-1] == "show.applied"
    host.post(show_url(cast.show, f"/applications/{uid}/decline"), {"reason": "Full"})
    assert _types(host_hook)[-1] == "show.opener_declined"
    host.post(show_url(cast.show, f"/applications/{cast.pending.uid}/accept"))
    assert _types(host_hook)[-1] == "show.opener_picked"
    host.post(show_url(cast.show, "/support-call"), {"places": 1})
    assert _types(host_hook)[-1] == "show.support_call_opened"
    host.post(show_url(cast.show, "/support-call/close"))
    assert _types(host_hook)[-1] == "show.support_call_closed"
    refused = len(_types(other_hook))
    assert other.post(f"{API}/shows/{created['id']}/support-call", {"places": 9}).status_code == 422
    assert len(_types(other_hook)) == refused  # nothing changed, nothing sent
    other.post(f"{API}/shows/{created['id']}/cancel", {"reason": "Rain"})
    assert _types(other_hook)[-1] == "show.cancelled"
    event = json.loads(WebhookDelivery.objects.filter(webhook=other_hook).latest("pk").body)
    assert event["data"]["show"]["id"] == created["id"] and event["data"]["show"]["cancelled"] is True


# ---- The gig finder's slots include bands' own shows --------------------------------------------


def test_the_slot_finder_lists_a_hosted_show_as_a_slot_without_a_venue(cast):
    response = ApiClient().get(f"{API}/slots", {"role": "support_call"})
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["id"] == cast.show.pk and item["venue"] is None and item["stage"] is None
    assert item["host_band"] == "the-hosts" and item["place"] == "Zukunft" and item["time_zone"] == "Europe/Berlin"
    assert item["url"].endswith(f"/shows/{cast.show.pk}/")
    assert ApiClient().get(f"{API}/slots/{cast.show.pk}").json()["host_band"] == "the-hosts"


def test_an_opener_leaving_tells_the_host_its_bill_changed(cast, settings):
    settings.WEBHOOK_ALLOW_HOSTS = ("127.0.0.1:8471",)
    host_hook = webhook_create(by=cast.host, band=cast.host_band, url=HOOK, events=["show.line_up_changed"])
    act_hook = webhook_create(by=cast.act, band=cast.act_band, url=HOOK, events=["show.line_up_changed"])
    opener = Booking.objects.get(slot=cast.show, band=cast.act_band)
    response = cast.api("act").post(f"{API}/bookings/{opener.uid}/cancel", {"reason": "Our drummer broke a wrist"})
    assert response.status_code == 200
    assert _types(host_hook) == ["show.line_up_changed"] and _types(act_hook) == ["show.line_up_changed"]
    event = json.loads(WebhookDelivery.objects.get(webhook=host_hook).body)
    assert event["data"]["booking"]["band"] == "the-act" and event["data"]["booking"]["status"] == "cancelled"
    assert ApiClient().get(show_url(cast.show)).json()["line_up"] == [
        {"band": "the-hosts", "band_name": "The Hosts", "role": "headliner", "status": "booked",
         "load_in_at": None, "set_starts_at": None, "set_ends_at": None}
    ]  # fmt: skip


# ---- The bill: running order and tickets --------------------------------------------------------


def running_order(show, **changes) -> dict:
    start = show.starts_at
    body = {
        "doors_at": (start - dt.timedelta(minutes=30)).isoformat(),
        "curfew_at": show.ends_at.isoformat(),
        "acts": [
            {
                "band": "the-act",
                "load_in_at": (start - dt.timedelta(hours=2)).isoformat(),
                "set_starts_at": start.isoformat(),
                "set_ends_at": (start + dt.timedelta(minutes=45)).isoformat(),
            },
            {
                "band": "the-hosts",
                "load_in_at": (start - dt.timedelta(hours=1)).isoformat(),
                "set_starts_at": (start + dt.timedelta(hours=1)).isoformat(),
                "set_ends_at": (start + dt.timedelta(hours=3)).isoformat(),
            },
        ],
    }
    return body | changes


def test_the_host_sets_the_running_order(cast):
    response = cast.api("host").put(show_url(cast.show, "/running-order"), running_order(cast.show))
    assert response.status_code == 200, response.content
    line_up = response.json()["line_up"]
    assert [a["band"] for a in line_up] == ["the-act", "the-hosts"]
    assert line_up[1]["set_starts_at"].endswith("Z") and response.json()["sequence"] == fresh(cast.show).sequence
    act = Booking.objects.get(slot=cast.show, band=cast.act_band)
    assert act.set_ends_at == cast.show.starts_at + dt.timedelta(minutes=45)


@pytest.mark.parametrize(("who", "status"), [(w, 403) for w in [*OUTSIDERS, "host_member"]] + [("anonymous", 401)])
def test_only_the_hosts_leaders_set_the_running_order(cast, who, status):
    response = cast.api(who).put(show_url(cast.show, "/running-order"), running_order(cast.show))
    assert response.status_code == status, response.content
    assert Booking.objects.filter(slot=cast.show, set_starts_at__isnull=False).count() == 0


def test_a_bad_running_order_is_a_422_and_changes_nothing(cast):
    host = cast.api("host")
    body = running_order(cast.show)
    overlapping = body | {
        "acts": [body["acts"][0], {**body["acts"][1], "set_starts_at": body["acts"][0]["set_starts_at"]}]
    }
    missing = body | {"acts": body["acts"][:1]}
    stranger_act = body | {"acts": [*body["acts"], {**body["acts"][0], "band": "hopefuls"}]}
    past_end = body | {"acts": [body["acts"][0], {**body["acts"][1], "set_ends_at": in_days(13, 5).isoformat()}]}
    for bad in (overlapping, missing, stranger_act, past_end):
        response = host.put(show_url(cast.show, "/running-order"), bad)
        assert response.status_code == 422, response.content
        assert "acts" in response.json()["errors"]
    assert cast.api("host", ["read"]).put(show_url(cast.show, "/running-order"), body).status_code == 403
    assert host.put(show_url(cast.show, "/running-order"), {"acts": "no"}).status_code == 422
    assert Booking.objects.filter(slot=cast.show, set_starts_at__isnull=False).count() == 0


def test_the_host_sets_the_tickets(cast):
    body = {"entry": "tickets", "tickets": [{"label": "Presale", "url": "https://tix.example/1", "price_min": "8.50"}]}
    response = cast.api("host").put(show_url(cast.show, "/tickets"), body)
    assert response.status_code == 200, response.content
    assert response.json()["tickets"] == [
        {"label": "Presale", "url": "https://tix.example/1", "price_min": "8.50", "price_max": None, "currency": "EUR"}
    ]
    assert response.json()["public_status"] == "on_sale"
    response = cast.api("host").put(show_url(cast.show, "/tickets"), {"entry": "free", "sold_out": True})
    assert response.json()["tickets"] == [] and response.json()["public_status"] == "sold_out"


@pytest.mark.parametrize(
    "body",
    [
        {"entry": "tickets", "tickets": [{"label": "Bad", "url": "javascript:alert(1)"}]},
        {"entry": "tickets", "tickets": []},
        {"entry": "tickets", "tickets": [{"label": "Up", "url": "https://t.example", "price_min": 9, "price_max": 5}]},
        {"entry": "tickets", "tickets": [{"label": "Neg", "url": "https://t.example", "price_min": -1}]},
        {"entry": "lottery"},
    ],
)
def test_bad_tickets_are_a_422_and_change_nothing(cast, body):
    response = cast.api("host").put(show_url(cast.show, "/tickets"), body)
    assert response.status_code == 422, response.content
    assert fresh(cast.show).entry == "tickets" and not cast.show.tickets.exists()


@pytest.mark.parametrize(("who", "status"), [(w, 403) for w in [*OUTSIDERS, "host_member"]] + [("anonymous", 401)])
def test_only_the_hosts_leaders_set_the_tickets(cast, who, status):
    assert cast.api(who).put(show_url(cast.show, "/tickets"), {"entry": "free"}).status_code == status
    assert fresh(cast.show).entry == "tickets"


def test_an_address_with_a_newline_in_it_is_a_problem_too():
    response = ApiClient().put(f"{API}/shows/%0A/running-order", {})
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_past_shows_are_listed_latest_first(cast):
    older, newer = (SlotFactory(venue=cast.venue, starts_at=in_days(days)) for days in (-9, -3))
    for slot in (older, newer):
        BookingFactory(slot=slot, band=cast.other_band, status=Booking.Status.COMPLETED)
    Slot.objects.filter(pk__in=[older.pk, newer.pk]).update(headliner_booked=1)
    anyone = ApiClient()
    first = anyone.get(f"{API}/shows", {"past": "true", "limit": 1}).json()
    assert [s["id"] for s in first["items"]] == [newer.pk]
    assert [s["id"] for s in anyone.get(first["next"]).json()["items"]] == [older.pk]
    assert [s["id"] for s in anyone.get(f"{API}/shows", {"hosted": "true"}).json()["items"]] == [cast.show.pk]


def test_show_events_for_the_bill_through_the_api(cast, settings):
    settings.WEBHOOK_ALLOW_HOSTS = ("127.0.0.1:8471",)
    hook = webhook_create(by=cast.host, band=cast.host_band, url=HOOK, events=["show.changed"])
    cast.api("host").put(show_url(cast.show, "/running-order"), running_order(cast.show))
    cast.api("host").put(show_url(cast.show, "/tickets"), {"entry": "door"})
    assert _types(hook) == ["show.changed", "show.changed"]
    assert json.loads(WebhookDelivery.objects.filter(webhook=hook).latest("pk").body)["data"]["show"]["entry"] == "door"
