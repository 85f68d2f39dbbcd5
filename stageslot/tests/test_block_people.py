"""A block reaches every door that names a person (issue 81, "the second person"): a person blocks the band, or
the band (or one of its members) blocks the person, and the band's leaders can no longer invite them by email, put
them in the stand-in pool, ask them to stand in, or take them on a tour; a venue no longer invites them to its
staff or offers them a slot by email, and a person they blocked no longer invites them to an organisation. Each
door refuses in the one contact check's words (which never say who blocked whom), writes nothing and sends
nothing; the person who blocked gets no mail and no notification and cannot open what they were kept out of; an
outsider is asked as before, and without the block every door is open. Through the services, the pages (status
and words, never a 500) and the API where the door has one."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Block, Notification, PartyKind
from accounts.tests.factories import UserFactory
from bands import services as band_services
from bands.models import BandInvite, Membership
from bands.tests.factories import MembershipFactory
from bookings.errors import ContactRefused
from bookings.models import OfferInvite
from bookings.services import venue_slots
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import SlotFactory, in_days
from gigs.models import GigAnswer, StandIn, StandInAsk, StandInRequest, TourInvite, TourTraveller
from gigs.selectors.tours import tour_access
from gigs.services import tours
from gigs.services.answers import gig_answer_set, gig_lineup_open
from gigs.services.stand_ins import stand_in_add, stand_in_request_create
from gigs.tests.factories import gig_world
from teams.models import OrgInvite
from teams.services import TeamsError, org_invite_create
from venues import services as venue_services
from venues.models import VenueInvite, VenueStaff

pytestmark = pytest.mark.django_db

REFUSED = "can't be contacted through StageSlot. Nothing was sent."
USER, BAND, VENUE = PartyKind.USER.value, PartyKind.BAND.value, PartyKind.VENUE.value


def block(blocker: tuple[str, int], blocked: tuple[str, int]) -> Block:
    return Block.objects.create(
        blocker_kind=blocker[0], blocker_id=blocker[1], blocked_kind=blocked[0], blocked_id=blocked[1]
    )


@pytest.fixture
def w() -> SimpleNamespace:
    """The Night Shift (gig_world) with a drummer who can't play its gig, its tour, a person who will block (Pia,
    already in the band's pool for drums, so she can be asked) and an outsider (Otto), both with accounts."""
    world = gig_world()
    world.drummer = MembershipFactory(
        band=world.band, role=Membership.Role.MEMBER, instrument="Drums", required=True, user__display_name="Dru Ms"
    ).user
    gig_lineup_open(booking=world.gig)
    gig_answer_set(booking=world.gig, member=world.drummer, by=world.drummer, answer="cant", comment="Away")
    world.place = GigAnswer.objects.get(booking=world.gig, member=world.drummer)
    world.pia = UserFactory(email="pia@example.com", display_name="Pia Quiet")
    world.otto = UserFactory(email="otto@example.com", display_name="Otto Outsider")
    world.pia_stand_in = stand_in_add(
        band=world.band, by=world.leader, name="Pia Quiet", email="pia@example.com", instrument="Drums"
    )
    world.otto_stand_in = stand_in_add(
        band=world.band, by=world.leader, name="Otto Outsider", email="otto@example.com", instrument="Drums"
    )
    world.tour = tours.tour_create(band=world.band, by=world.leader, name="Spring run", bookings=[world.gig])
    return world


# ---- The doors, as the band's leader (or the venue's owner) naming a person ------------------------------


def invite(w, person):
    return band_services.band_invite_create(band=w.band, by=w.leader, email=person.email, base_url="https://x.test/")


def venue_invite(w, person):
    return venue_services.venue_invite_create(
        venue=w.venue, by=w.owner, role=VenueStaff.Role.BOOKER, email=person.email, site_url="https://x.test/"
    )


def pool(w, person):
    return stand_in_add(band=w.band, by=w.leader, name=person.name, email=person.email, instrument="Bass")


def ask(w, person):
    stand_in = w.pia_stand_in if person == w.pia else w.otto_stand_in
    return stand_in_request_create(place=w.place, by=w.leader, stand_ins=[stand_in], message="Can you play?")


def traveller(w, person):
    return tours.tour_traveller_add(tour=w.tour, by=w.leader, user=person, role="driver")


DOORS = {"invite": invite, "venue_invite": venue_invite, "pool": pool, "ask": ask, "traveller": traveller}
BAND_DOORS = ["invite", "pool", "ask", "traveller"]


def written() -> tuple[int, ...]:
    return (
        BandInvite.objects.count(),
        VenueInvite.objects.count(),
        StandIn.objects.count(),
        StandInRequest.objects.count(),
        StandInAsk.objects.count(),
        TourTraveller.objects.count(),
    )


def the_way(w, way: str) -> None:
    """Who blocks whom: the person the band (or the venue), the other way round, or a member for themself."""
    party = (VENUE, w.venue.pk) if way.startswith("venue") else (BAND, w.band.pk)
    pia = (USER, w.pia.pk)
    {
        "person_blocks": lambda: block(pia, party),
        "band_blocks": lambda: block(party, pia),
        "member_blocks": lambda: block((USER, w.drummer.pk), pia),
        "venue_person_blocks": lambda: block(pia, party),
        "venue_blocks": lambda: block(party, pia),
    }[way]()


def refused(w, door: str, django_capture_on_commit_callbacks) -> str:
    """The door tried for Pia under the block: its refusal's words; nothing written, nothing sent to anyone."""
    before, notes = written(), Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises((ValidationError, ContactRefused)) as exc:
        DOORS[door](w, w.pia)
    assert written() == before
    assert mail.outbox == []
    assert Notification.objects.count() == notes
    words = " ".join(exc.value.messages) if isinstance(exc.value, ValidationError) else str(exc.value)
    assert REFUSED in words
    assert "block" not in words.lower()
    return words


@pytest.mark.parametrize("door", BAND_DOORS)
@pytest.mark.parametrize("way", ["person_blocks", "band_blocks", "member_blocks"])
def test_a_block_either_way_closes_every_door_of_the_band_to_the_person(
    w, door, way, django_capture_on_commit_callbacks
):
    the_way(w, way)
    mail.outbox.clear()
    words = refused(w, door, django_capture_on_commit_callbacks)
    # Named as the leader knows them: the address typed, or the stand-in's name in the band's pool.
    assert words.startswith("Pia Quiet" if door == "ask" else "pia@example.com")


@pytest.mark.parametrize("way", ["venue_person_blocks", "venue_blocks"])
def test_a_block_either_way_closes_the_venue_s_emailed_invite(w, way, django_capture_on_commit_callbacks):
    the_way(w, way)
    mail.outbox.clear()
    assert refused(w, "venue_invite", django_capture_on_commit_callbacks).startswith("pia@example.com")


def test_the_refusal_reads_the_same_whichever_side_blocked(w, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    seen = set()
    for way in ("person_blocks", "band_blocks"):
        Block.objects.all().delete()
        the_way(w, way)
        seen.add(refused(w, "traveller", django_capture_on_commit_callbacks))
    assert len(seen) == 1


@pytest.mark.parametrize("door", [*BAND_DOORS, "venue_invite"])
def test_without_a_block_every_door_reaches_the_person(w, door, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    before = written()
    with django_capture_on_commit_callbacks(execute=True):
        DOORS[door](w, w.pia)
    assert written() != before
    if door in ("invite", "venue_invite"):
        assert [m.to for m in mail.outbox] == [["pia@example.com"]]
    if door == "ask":
        assert Notification.objects.filter(recipient=w.pia, kind="stand_in_asked").exists()
    if door == "traveller":
        assert tour_access(tour=w.tour, user=w.pia).see


@pytest.mark.parametrize("door", [*BAND_DOORS, "venue_invite"])
def test_an_outsider_is_reached_as_before_while_the_block_stands(w, door, django_capture_on_commit_callbacks):
    block((USER, w.pia.pk), (BAND, w.band.pk))
    block((USER, w.pia.pk), (VENUE, w.venue.pk))
    mail.outbox.clear()
    before = written()
    with django_capture_on_commit_callbacks(execute=True):
        DOORS[door](w, w.otto)
    assert written() != before
    if door in ("invite", "venue_invite"):
        assert [m.to for m in mail.outbox] == [["otto@example.com"]]
    if door == "ask":
        assert Notification.objects.filter(recipient=w.otto, kind="stand_in_asked").exists()


def test_the_person_who_blocked_is_told_nothing_and_kept_out_of_the_tour(w, django_capture_on_commit_callbacks, client):
    block((USER, w.pia.pk), (BAND, w.band.pk))
    mail.outbox.clear()
    notes = Notification.objects.filter(recipient=w.pia).count()
    for door in BAND_DOORS:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises((ValidationError, ContactRefused)):
            DOORS[door](w, w.pia)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=w.pia).count() == notes
    assert not tour_access(tour=w.tour, user=w.pia).see
    client.force_login(w.pia)
    assert client.get(reverse("gigs:tour", args=[w.tour.pk])).status_code == 403


def test_asking_several_stand_ins_with_one_blocked_asks_nobody(w, django_capture_on_commit_callbacks):
    block((USER, w.pia.pk), (BAND, w.band.pk))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ContactRefused) as exc:
        stand_in_request_create(place=w.place, by=w.leader, stand_ins=[w.otto_stand_in, w.pia_stand_in])
    assert str(exc.value) == f"Pia Quiet {REFUSED}"
    assert StandInRequest.objects.count() == 0
    assert not Notification.objects.filter(kind="stand_in_asked").exists()
    assert mail.outbox == []


def test_a_stand_in_whose_account_came_after_the_pool_is_still_found(w, django_capture_on_commit_callbacks):
    late = stand_in_add(band=w.band, by=w.leader, name="Lou Late", email="lou@example.com", instrument="Drums")
    assert late.user is None
    lou = UserFactory(email="Lou@Example.com", display_name="Lou Late")
    block((USER, lou.pk), (BAND, w.band.pk))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ContactRefused):
        stand_in_request_create(place=w.place, by=w.leader, stand_ins=[late])
    assert mail.outbox == []
    assert StandInRequest.objects.count() == 0


def test_an_agent_s_block_holds_for_the_band_s_doors(w, django_capture_on_commit_callbacks):
    from teams.tests.factories import agency_for

    _agency, _owner, agent, _viewer = agency_for(w.band, slug="northside")
    block((USER, agent.pk), (USER, w.pia.pk))
    mail.outbox.clear()
    refused(w, "invite", django_capture_on_commit_callbacks)


# ---- The pages: the words in place, never a 500 ------------------------------------------------------------


def page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&#39;", "'")


def test_the_pages_refuse_in_place_and_write_nothing(client, w, django_capture_on_commit_callbacks):
    block((USER, w.pia.pk), (BAND, w.band.pk))
    block((VENUE, w.venue.pk), (USER, w.pia.pk))
    mail.outbox.clear()
    before = written()
    posts = [
        (
            w.leader,
            reverse("bands:invites", args=[w.band.slug]),
            {"role": "member", "max_uses": "1", "valid_days": "7", "email": "pia@example.com"},
            400,
        ),
        (
            w.owner,
            reverse("venues:invites", args=[w.venue.slug]),
            {"role": "booker", "max_uses": "1", "valid_days": "7", "email": "pia@example.com"},
            400,
        ),
        (
            w.leader,
            reverse("gigs:stand_ins", args=[w.band.slug]),
            {"name": "Pia Quiet", "email": "pia@example.com", "instrument": "Bass"},
            400,
        ),
        (
            w.leader,
            reverse("gigs:stand_in_request", args=[w.gig.uid, w.place.pk]),
            {"stand_ins": [str(w.pia_stand_in.pk)], "message": "Can you play?"},
            403,
        ),
        (
            w.leader,
            reverse("gigs:tour_traveller_add", args=[w.tour.pk]),
            {"email": "pia@example.com", "role": "driver"},
            400,
        ),
    ]
    for user, url, data, status in posts:
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == status, url
        text = page_text(response)
        assert REFUSED in text, url
        assert "blocked" not in text.lower(), url
    assert written() == before
    assert mail.outbox == []
    assert not Notification.objects.filter(recipient=w.pia).exists()


def test_the_pages_still_reach_an_outsider(client, w, django_capture_on_commit_callbacks):
    block((USER, w.pia.pk), (BAND, w.band.pk))
    client.force_login(w.leader)
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(
            reverse("bands:invites", args=[w.band.slug]),
            {"role": "member", "max_uses": "1", "valid_days": "7", "email": "otto@example.com"},
        )
        travels = client.post(
            reverse("gigs:tour_traveller_add", args=[w.tour.pk]), {"email": "otto@example.com", "role": "driver"}
        )
    assert (invited.status_code, travels.status_code) == (302, 302)
    assert TourInvite.objects.filter(tour=w.tour, email="otto@example.com").exists()
    assert sum("otto@example.com" in m.to for m in mail.outbox) == 2


# ---- The other doors that email a person: a slot offered by email, an organisation's invite ----------------


def offer_by_email(w, person):
    slot = SlotFactory(venue=w.venue, starts_at=in_days(60), ends_at=in_days(60) + dt.timedelta(hours=3))
    return venue_slots.offer_invite_create(
        slot=slot, by=w.owner, email=person.email, role="headliner", site_url="https://x.test/"
    )


def test_a_slot_offered_by_email_is_refused_to_an_address_blocked_either_way(w, django_capture_on_commit_callbacks):
    for blocker, blocked in (((USER, w.pia.pk), (VENUE, w.venue.pk)), ((VENUE, w.venue.pk), (USER, w.pia.pk))):
        Block.objects.all().delete()
        block(blocker, blocked)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
            offer_by_email(w, w.pia)
        assert exc.value.message_dict["email"] == [f"pia@example.com {REFUSED}"]
        assert not OfferInvite.objects.exists()
        assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        offer_by_email(w, w.otto)
    assert [m.to for m in mail.outbox] == [["otto@example.com"]]


def test_the_slot_page_refuses_the_emailed_offer_in_place(client, w, django_capture_on_commit_callbacks):
    slot = SlotFactory(venue=w.venue, starts_at=in_days(60), ends_at=in_days(60) + dt.timedelta(hours=3))
    block((USER, w.pia.pk), (VENUE, w.venue.pk))
    client.force_login(w.owner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bookings:slot_offer_invite", args=[w.venue.slug, slot.pk]),
            {"invite-email": "pia@example.com", "invite-role": "headliner"},
        )
    assert response.status_code == 400
    assert REFUSED in page_text(response)
    assert not OfferInvite.objects.exists()
    assert mail.outbox == []


@pytest.fixture
def agency(w):
    from teams.tests.factories import agency_for

    organisation, owner, _agent, _viewer = agency_for(w.band, slug="northside")
    return SimpleNamespace(organisation=organisation, owner=owner)


def test_an_organisation_s_invite_is_refused_between_people_who_blocked_one_another(
    w, agency, django_capture_on_commit_callbacks
):
    block((USER, w.pia.pk), (USER, agency.owner.pk))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TeamsError) as exc:
        org_invite_create(organisation=agency.organisation, by=agency.owner, email="pia@example.com", role="booker")
    assert exc.value.messages == [f"pia@example.com {REFUSED}"]
    assert not OrgInvite.objects.filter(email="pia@example.com").exists()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        org_invite_create(organisation=agency.organisation, by=agency.owner, email="otto@example.com", role="booker")
    assert [m.to for m in mail.outbox] == [["otto@example.com"]]


def test_the_api_refuses_an_organisation_s_invite_with_a_400_naming_the_address(
    w, agency, django_capture_on_commit_callbacks
):
    block((USER, agency.owner.pk), (USER, w.pia.pk))
    mail.outbox.clear()
    api = ApiClient(token_for(agency.owner))
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post("/api/v1/organisations/northside/invites", {"email": "pia@example.com", "role": "booker"})
    assert answer.status_code == 400, answer.content
    problem = answer.json()
    assert problem["errors"]["email"] == [f"pia@example.com {REFUSED}"]
    assert "block" not in problem["detail"].lower()
    assert not OrgInvite.objects.filter(email="pia@example.com").exists()
    assert mail.outbox == []
