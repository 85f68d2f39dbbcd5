"""Blocks hold at every door of new contact (decision 0081): each ask and message is refused both ways, through
the services, the pages and the API, with words that never say who blocked whom, and nothing is written. A
block cancels nothing booked, and hides each side from the other's searches."""

import datetime as dt
import html
import os
import re
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.blocks import Party, blocked_between, hidden_from
from accounts.models import Block, PartyKind
from accounts.tests.factories import UserFactory
from bands.models import Package
from bands.packages import package_price
from bookings.errors import BookingPermissionError, ContactRefused
from bookings.models import Booking, Message
from bookings.selectors.blocks import side_parties
from bookings.services import answering, asking, shows, threads
from bookings.services.blocks import block_create, block_remove
from bookings.services.instant import booking_instant
from bookings.services.requests import booking_request_many
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import SlotFactory, in_days
from bookings.tests.journey import local
from bookings.tests.test_detail_views import make_world
from bookings.tests.test_request_views import day_ahead
from bookings.tests.test_request_views import form_data as request_form
from holds import requests as hold_asks
from holds.models import HoldRequest
from holds.services import HoldError
from teams.models import LinkStatus
from teams.tests.factories import agency_for, group_for

pytestmark = pytest.mark.django_db

USER, BAND, VENUE = PartyKind.USER.value, PartyKind.BAND.value, PartyKind.VENUE.value
REFUSED = "can't be contacted through StageSlot"


def party(thing) -> Party:
    kind = {"User": USER, "Band": BAND, "Venue": VENUE}[type(thing).__name__]
    return Party(kind, thing.pk)


def block(blocker, blocked) -> Block:
    a, b = party(blocker), party(blocked)
    return Block.objects.create(blocker_kind=a.kind, blocker_id=a.id, blocked_kind=b.kind, blocked_id=b.id)


@pytest.fixture
def w() -> SimpleNamespace:
    world = make_world()
    world.slot2 = SlotFactory(venue=world.venue, starts_at=in_days(40), ends_at=in_days(40) + dt.timedelta(hours=3))
    world.package = Package.objects.create(
        band=world.band, name="Party set", sets=2, set_minutes=45, break_minutes=15, price=0, instant=True
    )
    world.show = shows.show_host(
        band=world.other_band,
        by=world.other_leader,
        starts_at=in_days(50, 20),
        ends_at=in_days(50, 23),
        doors_at=in_days(50, 19),
        time_zone="Europe/Berlin",
        title="Release show",
        place_name="Zukunft",
        place_address="Laskerstraße 5",
        place_city="Berlin",
        support_places=2,
        fee=150,
    )
    world.agency, world.agency_owner, world.agent, _viewer = agency_for(world.band, may_hold=True, slug="northside")
    return world


def rows() -> tuple[int, int, int]:
    return Booking.objects.count(), Message.objects.count(), HoldRequest.objects.count()


# Each door: (who asks, who is asked) as (world attribute, world attribute), and the service call.
DOORS = {
    "apply": (
        ("band", "venue"),
        lambda w: asking.booking_apply(slot=w.slot2, band=w.band, by=w.leader, role="headliner"),
    ),
    "offer": (
        ("venue", "band"),
        lambda w: asking.booking_offer(slot=w.slot2, band=w.band, by=w.owner, role="headliner"),
    ),
    "support application": (
        ("band", "other_band"),
        lambda w: asking.booking_apply(slot=w.show, band=w.band, by=w.leader, role="support"),
    ),
    "request": (
        ("client", "band"),
        lambda w: asking.booking_request(
            band=w.band, client=w.client, starts_at=in_days(60, 17), ends_at=in_days(60, 22), time_zone="Europe/Berlin"
        ),
    ),
    "request to several bands": (
        ("client", "band"),
        lambda w: booking_request_many(
            bands=[w.other_band, w.band],
            client=w.client,
            starts_at=in_days(61, 17),
            ends_at=in_days(61, 22),
            time_zone="Europe/Berlin",
        ),
    ),
    "instant booking of a package": (
        ("client", "band"),
        lambda w: booking_instant(
            band=w.band, package=w.package, client=w.client, starts_at=local(70), price=package_price(w.package)
        ),
    ),
    "hold request": (
        ("band", "venue"),
        lambda w: hold_asks.hold_request_many(
            by=w.agent, band=w.band, venues=[w.venue], starts_at=in_days(80, 20), ends_at=in_days(80, 23)
        ),
    ),
    "message from the client": (
        ("client", "band"),
        lambda w: threads.message_post(booking=w.request, by=w.client, body="Are you there?"),
    ),
    "message to the client": (
        ("band", "client"),
        lambda w: threads.message_post(booking=w.request, by=w.leader, body="We are."),
    ),
    "message to the venue": (
        ("band", "venue"),
        lambda w: threads.message_post(booking=w.application, by=w.member, body="Soundcheck at six?"),
    ),
    "message to the band": (
        ("venue", "band"),
        lambda w: threads.message_post(booking=w.application, by=w.owner, body="Yes, six."),
    ),
}


def page(response) -> str:
    return html.unescape(response.content.decode())


def refused(call, w) -> str:
    with pytest.raises((ContactRefused, HoldError)) as caught:
        call(w)
    words = " ".join(caught.value.messages) if isinstance(caught.value, HoldError) else str(caught.value)
    assert REFUSED in words
    assert "block" not in words.lower()
    return words


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("way", ["the asked side blocked", "the asking side blocked"])
def test_every_door_refuses_a_blocked_ask_both_ways_and_writes_nothing(w, door, way):
    (asker, asked), call = DOORS[door]
    if way == "the asked side blocked":
        block(getattr(w, asked), getattr(w, asker))
    else:
        block(getattr(w, asker), getattr(w, asked))
    before = rows()
    refused(call, w)
    assert rows() == before


@pytest.mark.parametrize("door", DOORS)
def test_without_a_block_every_door_is_open(w, door):
    """The walk above can fail: each door, unblocked, does what it does."""
    before = rows()
    DOORS[door][1](w)
    assert rows() != before


@pytest.mark.parametrize("door", ["request", "message from the client", "instant booking of a package"])
def test_a_member_who_blocks_a_client_for_themselves_stops_their_asks_to_the_band(w, door):
    block(w.member, w.client)
    refused(DOORS[door][1], w)


def test_a_venue_s_booker_blocked_by_the_band_cannot_offer_it_a_slot(w):
    booker = UserFactory()
    w.venue.staff_roles.create(user=booker, role="booker")
    block(w.band, booker)
    with pytest.raises(ContactRefused):
        asking.booking_offer(slot=w.slot2, band=w.band, by=booker, role="headliner")


def test_the_refusal_reads_the_same_whichever_side_blocked(w):
    call = DOORS["request"][1]
    first = block(w.band, w.client)
    one = refused(call, w)
    first.delete()
    block(w.client, w.band)
    assert refused(call, w) == one == f"The Night Shift {REFUSED}. Nothing was sent."


def test_a_block_cancels_no_booked_gig_and_unblocking_opens_the_doors_again(w):
    answering.booking_accept(booking=w.request, by=w.leader)
    made = block(w.band, w.client)
    w.request.refresh_from_db()
    assert w.request.status == Booking.Status.BOOKED
    refused(DOORS["message from the client"][1], w)
    made.delete()
    threads.message_post(booking=w.request, by=w.client, body="See you there.")


def test_blocked_between_is_one_query_both_ways(w, django_assert_num_queries):
    block(w.band, w.client)
    with django_assert_num_queries(1):
        assert blocked_between([party(w.client)], [party(w.band), party(w.leader)])
    with django_assert_num_queries(1):
        assert blocked_between([party(w.band)], [party(w.client)])
    with django_assert_num_queries(1):
        assert not blocked_between([party(w.other_band)], [party(w.client)])
    block(w.client, w.member)  # a member of the band, read inside the same query
    with django_assert_num_queries(1):
        assert blocked_between(side_parties(user_ids=[w.client.pk]), side_parties(band_ids=[w.other_band.pk])) is False
    with django_assert_num_queries(1):
        assert blocked_between(side_parties(venue_ids=[w.venue.pk]), side_parties(band_ids=[w.band.pk])) is False
    with django_assert_num_queries(1):
        assert blocked_between(side_parties(user_ids=[w.client.pk]), side_parties(band_ids=[w.band.pk]))


# ---- The pages ------------------------------------------------------------------------------------


def test_the_pages_refuse_a_blocked_ask_in_place_with_403_and_write_nothing(client, w):
    block(w.band, w.client)
    block(w.venue, w.band)
    before = rows()
    client.force_login(w.client)
    response = client.post(
        reverse("bookings:request", args=[w.band.slug]),
        request_form(date=day_ahead(60).isoformat()),
    )
    assert response.status_code == 403 and REFUSED in page(response)
    response = client.post(reverse("bookings:message_post", args=[w.request.uid]), {"body": "Hello?"})
    assert response.status_code == 403 and REFUSED in page(response)
    client.force_login(w.leader)
    apply = {"band": w.band.pk, "role": "headliner", "fee": "", "message": ""}
    response = client.post(reverse("bookings:apply", args=[w.slot2.pk]), apply)
    assert response.status_code == 403 and REFUSED in page(response)
    client.force_login(w.owner)
    offer = {"slot": w.slot2.pk, "role": "headliner", "fee": "", "message": ""}
    response = client.post(reverse("bookings:offer_band", args=[w.band.slug]), offer)
    assert response.status_code == 403 and REFUSED in page(response)
    assert rows() == before


def test_the_show_page_refuses_a_blocked_support_application(client, w):
    block(w.other_band, w.band)
    before = rows()
    client.force_login(w.leader)
    response = client.post(reverse("bookings:show_apply", args=[w.show.pk]), {"band": w.band.pk, "message": ""})
    assert response.status_code == 403 and REFUSED in page(response)
    assert rows() == before


# ---- The API --------------------------------------------------------------------------------------


def test_the_api_refuses_every_blocked_ask_with_403_and_writes_nothing(w):
    block(w.client, w.band)
    block(w.band, w.venue)
    block(w.other_band, w.band)
    before = rows()
    client = ApiClient(token_for(w.client))
    times = {"starts_at": in_days(60, 17).isoformat(), "ends_at": in_days(60, 22).isoformat()}
    calls = [
        (client, "/api/v1/bookings/requests", {"band": w.band.slug, "time_zone": "Europe/Berlin", **times}),
        (client, "/api/v1/bookings/request-groups", {"bands": [w.band.slug], "time_zone": "Europe/Berlin", **times}),
        (
            client,
            f"/api/v1/bands/{w.band.slug}/packages/{w.package.pk}/book",
            {"starts_at": local(70).isoformat(), "price": 0},
        ),
        (client, f"/api/v1/bookings/{w.request.uid}/messages", {"body": "Hello?"}),
    ]
    leader, owner = ApiClient(token_for(w.leader)), ApiClient(token_for(w.owner))
    calls += [
        (leader, "/api/v1/bookings/applications", {"slot_id": w.slot2.pk, "band": w.band.slug}),
        (leader, f"/api/v1/shows/{w.show.pk}/applications", {"band": w.band.slug}),
        (leader, f"/api/v1/bookings/{w.application.uid}/messages", {"body": "Soundcheck?"}),
        (owner, "/api/v1/bookings/offers", {"slot_id": w.slot2.pk, "band": w.band.slug}),
        (owner, f"/api/v1/bookings/{w.application.uid}/messages", {"body": "Six."}),
        (
            ApiClient(token_for(w.agent)),
            f"/api/v1/bands/{w.band.slug}/hold-requests",
            {"venues": [w.venue.slug], **times},
        ),
    ]
    for api, path, body in calls:
        response = api.post(path, body)
        assert response.status_code == 403, (path, response.content)
        assert REFUSED in response.json()["detail"], path
    assert rows() == before


# ---- Searches -------------------------------------------------------------------------------------


def test_blocked_bands_and_venues_leave_each_other_s_searches(client, w):
    client.force_login(w.client)
    assert "The Night Shift" in client.get(reverse("bands:search")).content.decode()
    block(w.member, w.client)  # a member's own block hides the band too
    assert "The Night Shift" not in client.get(reverse("bands:search")).content.decode()
    assert "Brass Band" in client.get(reverse("bands:search")).content.decode()
    client.force_login(w.leader)
    assert "Kellerbar" in client.get(reverse("venues:search")).content.decode()
    block(w.venue, w.band)
    assert "Kellerbar" not in client.get(reverse("venues:search")).content.decode()
    client.force_login(w.owner)
    assert "The Night Shift" not in client.get(reverse("bands:search")).content.decode()
    client.logout()
    assert "The Night Shift" in client.get(reverse("bands:search")).content.decode()


def test_a_blocked_venue_s_slots_and_a_blocked_band_s_shows_leave_the_gig_finder(client, w):
    client.force_login(w.leader)
    finder = reverse("bookings:gig_finder")
    before = page(client.get(finder))
    assert f"/slots/{w.slot2.pk}/" in before and f"/shows/{w.show.pk}/" in before
    block(w.venue, w.band)
    block(w.leader, w.other_band)
    after = page(client.get(finder))
    assert f"/slots/{w.slot2.pk}/" not in after and f"/shows/{w.show.pk}/" not in after
    client.force_login(w.other_client)
    assert f"/slots/{w.slot2.pk}/" in page(client.get(finder))


# ---- One rule, one place ---------------------------------------------------------------------------

# The modules that may read or write block rows by their kinds: the rule, its writes, the names on its pages,
# the staff screen. A search or a door that filters blocks itself is a second copy of the rule.
BLOCK_READERS = {"accounts/blocks.py", "accounts/models.py", "bookings/selectors/blocks.py"}
BLOCK_READERS |= {"bookings/services/blocks.py", "bookings/admin.py"}
# The person-data map names a block's kinds among what a person's export holds (decision 0098); it reads no block.
BLOCK_READERS |= {"stageslot/privacy/person_data.py"}


def test_no_module_but_accounts_blocks_reads_block_rows_by_their_kinds():
    root = Path(settings.BASE_DIR)
    reads = re.compile(r"\b(blocked_kind|blocker_kind|blocked_id|blocker_id)\b|(?<![A-Za-z])Block\.objects")
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [
            d for d in dirs if not d.startswith(".") and d not in {"tests", "migrations", "node_modules", "static"}
        ]
        for name in files:
            path = Path(folder, name)
            if name.endswith(".py") and reads.search(path.read_text(encoding="utf-8")):
                found.add(str(path.relative_to(root)))
    assert found == BLOCK_READERS


@pytest.mark.parametrize(
    "url, module, kinds",
    [
        ("bands:search", "bands.views.search", {BAND}),
        ("venues:search", "venues.views.search", {VENUE}),
        ("bookings:gig_finder", "bookings.selectors.finder", {BAND, VENUE}),
    ],
)
def test_every_search_hides_blocked_parties_through_the_one_rule(client, w, url, module, kinds):
    client.force_login(w.leader)
    with mock.patch(f"{module}.hidden_from", side_effect=hidden_from) as rule:
        assert client.get(reverse(url)).status_code == 200
    assert {call.args[1] if len(call.args) > 1 else call.kwargs["kind"] for call in rule.call_args_list} == kinds


# ---- Agencies and venue groups (decision 0083) ----------------------------------------------------


def test_a_venue_that_blocked_an_agent_neither_hears_from_them_nor_asks_the_bands_they_act_for(w):
    block(w.venue, w.agent)
    before = rows()
    refused(lambda w: asking.booking_apply(slot=w.slot2, band=w.band, by=w.agent, role="headliner"), w)
    refused(lambda w: threads.message_post(booking=w.application, by=w.owner, body="Hello?"), w)
    refused(lambda w: asking.booking_offer(slot=w.slot2, band=w.band, by=w.owner, role="headliner"), w)
    assert rows() == before


def test_an_agent_s_own_block_of_a_client_holds_for_the_band_until_the_agency_lets_it_go(w):
    block(w.agent, w.client)
    refused(DOORS["request"][1], w)
    refused(DOORS["message from the client"][1], w)
    w.agency.representation_set.update(status=LinkStatus.ENDED)
    DOORS["message from the client"][1](w)


def test_an_agency_s_owner_blocks_for_the_bands_it_acts_for_and_its_bookers_do_not(w):
    band, client_ = party(w.band), party(w.client)
    with pytest.raises(BookingPermissionError):
        block_create(by=w.agent, blocker=band, blocked=client_)
    made = block_create(by=w.agency_owner, blocker=band, blocked=client_)
    refused(DOORS["request"][1], w)
    w.agency.representation_set.update(status=LinkStatus.ENDED)
    with pytest.raises(BookingPermissionError):
        block_remove(by=w.agency_owner, block=made)
    block_remove(by=w.leader, block=made)


def test_a_venue_group_s_owner_blocks_for_the_venues_it_runs(w):
    _group, group_owner, _booker, _viewer, link = group_for(w.venue)
    with pytest.raises(BookingPermissionError):
        block_create(by=group_owner, blocker=party(w.venue), blocked=party(w.band))
    link.status = LinkStatus.ACTIVE
    link.save(update_fields=["status"])
    block_create(by=group_owner, blocker=party(w.venue), blocked=party(w.band))
    refused(DOORS["apply"][1], w)
