import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bands.models import Membership
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days, venue_with_owner
from gigs.services.answers import gig_lineups_open
from holds.models import Hold
from stageslot.selectors import dashboard_bookings
from teams.models import LinkStatus, Representation, Role
from teams.tests.factories import OrganisationFactory, OrgMemberFactory
from venues.tests.factories import VenueStaffFactory

pytestmark = pytest.mark.django_db


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    return re.search(rf'<section class="card[^"]*" aria-labelledby="{heading_id}">.*?</section>', html, flags=re.S)[0]


def count_in(html: str, heading_id: str) -> int:
    return int(re.search(r'<span class="dash-count">(\d+)</span>', section(html, heading_id))[1])


def on_slot(band, venue, days: int, **kwargs) -> Booking:
    start = in_days(days)
    slot = SlotFactory(venue=venue, starts_at=start, ends_at=start + dt.timedelta(hours=3))
    return BookingFactory(band=band, slot=slot, **kwargs)


def private(band, client_user, days: int, **kwargs) -> Booking:
    start = in_days(days)
    return BookingFactory(
        band=band,
        slot=None,
        venue=None,
        kind=Booking.Kind.REQUEST,
        client=client_user,
        requested_by=client_user,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=4),
        event_type="Wedding",
        **kwargs,
    )


@pytest.fixture
def world():
    band, leader = band_with_leader(name="The Night Owls")
    drummer = MembershipFactory(band=band, role=Membership.Role.MEMBER).user
    venue, owner = venue_with_owner(name="Kellerbar")
    other_venue, other_owner = venue_with_owner(name="Faraway Hall")
    client_user = UserFactory(display_name="Clara Client", time_zone="America/New_York")
    b = {
        "application": on_slot(band, venue, 10, requested_by=leader),
        "offer": on_slot(band, other_venue, 12, kind=Booking.Kind.OFFER, requested_by=other_owner),
        "request": private(band, client_user, 14),
        "booked": on_slot(band, venue, 5, status=Booking.Status.BOOKED, requested_by=leader),
        "booked_private": private(band, client_user, 7, status=Booking.Status.BOOKED),
        "completed": on_slot(band, venue, -20, status=Booking.Status.COMPLETED, requested_by=leader),
        "cancelled": on_slot(band, other_venue, 20, status=Booking.Status.CANCELLED, requested_by=leader),
        "declined": on_slot(band, venue, 25, status=Booking.Status.DECLINED, requested_by=leader),
    }
    # Someone else's bookings at someone else's venue.
    stranger_band, _ = band_with_leader(name="Strangers")
    on_slot(stranger_band, other_venue, 9)
    return {
        "band": band,
        "leader": leader,
        "drummer": drummer,
        "venue": venue,
        "owner": owner,
        "other_owner": other_owner,
        "client": client_user,
        "b": b,
    }


def detail(booking: Booking) -> str:
    return f'href="{reverse("bookings:detail", args=[booking.uid])}"'


def test_a_band_leader_sees_what_to_answer_what_waits_and_the_gigs(client, world):
    b = world["b"]
    html = dashboard(client, world["leader"])
    needs, waiting = section(html, "needs-answer"), section(html, "waiting")
    upcoming, past = section(html, "upcoming"), section(html, "past")
    # Offers and client requests are the band's to answer; its own application waits for the venue.
    assert detail(b["offer"]) in needs and detail(b["request"]) in needs
    assert detail(b["application"]) in waiting and "waiting for Kellerbar" in waiting
    assert count_in(html, "needs-answer") == 2
    assert count_in(html, "waiting") == 1
    assert detail(b["booked"]) in upcoming and detail(b["booked_private"]) in upcoming
    assert count_in(html, "upcoming") == 2
    assert detail(b["completed"]) in past and "Completed" in past
    # A gig cancelled for a date still to come is not a past gig: it has a list of its own.
    assert detail(b["cancelled"]) not in past
    assert detail(b["cancelled"]) in section(html, "cancelled") and "Cancelled" in section(html, "cancelled")
    assert detail(b["declined"]) not in html
    assert "Strangers" not in html
    # Each row: what, when in the viewer's zone with the zone named, its state.
    assert "The Night Owls at Kellerbar" in upcoming
    assert "The Night Owls – Wedding" in upcoming
    assert "Booked" in upcoming and "Pending" in needs
    start = timezone.localtime(b["booked"].starts_at, world["leader"].zone)
    assert f"{start:%H:%M}" in upcoming and "(Europe/Berlin)" in upcoming


def test_a_plain_member_waits_for_the_band_leaders_on_offers(client, world):
    b = world["b"]
    html = dashboard(client, world["drummer"])
    assert count_in(html, "needs-answer") == 0
    waiting = section(html, "waiting")
    assert detail(b["offer"]) in waiting and detail(b["request"]) in waiting and detail(b["application"]) in waiting
    assert "waiting for The Night Owls" in waiting
    assert count_in(html, "upcoming") == 2


def test_a_venue_owner_answers_applications_and_waits_on_offers(client, world):
    b = world["b"]
    html = dashboard(client, world["owner"])
    assert detail(b["application"]) in section(html, "needs-answer")
    assert count_in(html, "needs-answer") == 1
    assert count_in(html, "waiting") == 0
    assert detail(b["booked"]) in section(html, "upcoming")
    assert detail(b["booked_private"]) not in html and detail(b["request"]) not in html
    assert detail(b["completed"]) in section(html, "past")
    assert f'href="{reverse("bookings:venue_slots", args=[world["venue"].slug])}"' in html
    other = dashboard(client, world["other_owner"])
    assert detail(b["offer"]) in section(other, "waiting")
    assert "waiting for The Night Owls" in section(other, "waiting")
    assert detail(b["application"]) not in other


def test_a_client_follows_their_private_events(client, world):
    b = world["b"]
    html = dashboard(client, world["client"])
    assert count_in(html, "needs-answer") == 0
    assert detail(b["request"]) in section(html, "waiting")
    assert detail(b["booked_private"]) in section(html, "upcoming")
    assert detail(b["booked"]) not in html
    # Clara reads New York time, and the page says so.
    start = timezone.localtime(b["booked_private"].starts_at, world["client"].zone)
    assert f"{start:%H:%M}" in section(html, "upcoming")
    assert "(America/New_York)" in section(html, "upcoming")
    assert "bookings:venue_slots" not in html and "/manage/slots/" not in html


def test_what_you_sent_yourself_never_waits_for_your_own_answer(client):
    # A venue owner who also leads the band offers it a slot: the offer is the band's to answer,
    # but not by the person who sent it.
    band, leader = band_with_leader()
    venue, _ = venue_with_owner()
    VenueStaffFactory(venue=venue, user=leader)
    offer = on_slot(band, venue, 8, kind=Booking.Kind.OFFER, requested_by=leader)
    html = dashboard(client, leader)
    assert count_in(html, "needs-answer") == 0
    assert detail(offer) in section(html, "waiting")


def test_an_ended_booked_gig_counts_as_past(client, world):
    band, leader, venue = world["band"], world["leader"], world["venue"]
    ended = on_slot(band, venue, -1, status=Booking.Status.BOOKED, requested_by=leader)
    html = dashboard(client, leader)
    assert detail(ended) in section(html, "past")
    assert detail(ended) not in section(html, "upcoming")


def test_links_to_the_inbox_and_the_gig_finder_and_an_empty_dashboard(client):
    html = dashboard(client, UserFactory())
    assert f'href="{reverse("bookings:inbox")}"' in html
    assert f'href="{reverse("bookings:gig_finder")}"' in html
    assert "Nothing is waiting for your answer." in html
    assert "No gigs booked yet." in html
    for heading in ("needs-answer", "waiting", "upcoming", "past"):
        assert count_in(html, heading) == 0


def test_long_lists_show_the_first_few_and_link_to_all(client):
    band, leader = band_with_leader()
    venue, _ = venue_with_owner()
    for i in range(8):
        on_slot(band, venue, 3 + i, status=Booking.Status.BOOKED, requested_by=leader)
    html = dashboard(client, leader)
    upcoming = section(html, "upcoming")
    assert count_in(html, "upcoming") == 8
    assert upcoming.count('class="dash-gig"') == 5
    assert "All 8 upcoming gigs" in upcoming


@pytest.mark.parametrize("n", [1, 12])
def test_the_dashboard_costs_the_same_queries_with_many_bookings(client, django_assert_max_num_queries, n):
    user = UserFactory()
    for i in range(n):
        band, _ = band_with_leader()
        MembershipFactory(band=band, user=user, role=Membership.Role.ADMIN)
        venue, _ = venue_with_owner()
        MembershipFactory.create_batch(2, band=band)
        VenueStaffFactory(venue=venue, user=user)
        on_slot(band, venue, 3 + i, status=Booking.Status.BOOKED)
        on_slot(band, venue, 40 + i, kind=Booking.Kind.OFFER)
        on_slot(band, venue, 60 + i)
        private(band, UserFactory(), 80 + i)
        on_slot(band, venue, -30 - i, status=Booking.Status.COMPLETED)
    private(band_with_leader()[0], user, 90)
    gig_lineups_open()  # each booked gig asks its members "Can you play?"
    client.force_login(user)
    # session, user, bands, venues, the lists ranked with their counts, the rows shown, the money cards
    # (one sum over the ledger, and the booked gigs whose parts are still to be paid), the gigs waiting
    # for the person's "Can you play?", the roster of any agency they work for, and the organisations whose
    # calls and festivals they run, and the tours they are on today
    with django_assert_max_num_queries(12):
        html = client.get(reverse("dashboard")).content.decode()
    assert ('<span class="dash-count">10+</span>' in section(html, "can-you-play")) == (n > 10)
    assert len(re.findall(r"Answer: ", section(html, "can-you-play"))) == min(n, 10)
    assert count_in(html, "upcoming") == n
    assert count_in(html, "past") == n


def test_a_gig_cancelled_after_its_date_counts_as_past(client, world):
    band, leader, venue = world["band"], world["leader"], world["venue"]
    old = on_slot(band, venue, -3, status=Booking.Status.CANCELLED, requested_by=leader)
    html = dashboard(client, leader)
    assert detail(old) in section(html, "past")
    assert detail(old) not in section(html, "cancelled")
    assert count_in(html, "past") == 2 and count_in(html, "cancelled") == 1


def primary_button(html: str) -> str:
    head = re.search(r'<div class="page-head">.*?</div>\s*</div>', html, flags=re.S)[0]
    return re.search(r'<a class="btn btn--primary"[^>]*>([^<]+)</a>', head)[1]


def role_sections(html: str) -> list[str]:
    return re.findall(r'aria-labelledby="role-(\w+)"', html)


def test_a_client_lands_on_find_a_band_and_their_requests(client, world):
    html = dashboard(client, world["client"])
    assert primary_button(html) == "Find a band"
    assert role_sections(html) == ["client"]
    # One "Find a band" (the page's main button), the card leads to their requests, one "All bookings".
    assert html.count(">Find a band</a>") == 1
    assert f'href="{reverse("bookings:inbox")}">Your requests</a>' in section(html, "role-client")
    assert html.count(">All bookings</a>") == 1
    # Their request comes before anything else about bookings, and nothing invites them to manage a band first.
    assert html.index('id="role-client"') < html.index('id="waiting"')
    assert 'class="btn btn--primary" href="/bands/new/"' not in html
    assert "Your bands" not in html


def test_a_musician_lands_on_availability_bands_and_gigs(client, world):
    html = dashboard(client, world["drummer"])
    assert primary_button(html) == "Say when you are busy"
    assert role_sections(html) == ["musician"]
    musician = section(html, "role-musician")
    # The busy time is the page's main button; the card does not repeat it.
    assert f'href="{reverse("availability:calendar")}"' not in musician
    assert f'href="{reverse("bookings:gig_finder")}"' in musician
    assert "The Night Owls" in musician
    assert f'href="{reverse("bands:calendar", args=[world["band"].slug])}"' in musician


def test_venue_staff_land_on_their_calendar_slots_and_the_applications_inbox(client, world):
    html = dashboard(client, world["owner"])
    slug = world["venue"].slug
    assert primary_button(html) == "Calendar"
    assert f'href="{reverse("bookings:venue_applications", args=[slug])}">Applications inbox' in html
    assert role_sections(html) == ["venue"]
    venue = section(html, "role-venue")
    assert f'href="{reverse("bookings:venue_slots", args=[slug])}"' in venue
    assert f'href="{reverse("bookings:venue_applications", args=[slug])}"' in venue


def test_someone_with_several_roles_sees_a_section_for_each(client, world):
    MembershipFactory(band=band_with_leader()[0], user=world["owner"])
    private(world["band"], world["owner"], 30)
    html = dashboard(client, world["owner"])
    assert role_sections(html) == ["client", "musician", "venue"]


def test_a_newcomer_is_offered_a_band_to_find_and_the_other_jobs_as_links(client):
    html = dashboard(client, UserFactory())
    assert primary_button(html) == "Find a band"
    assert role_sections(html) == ["client"]
    assert f'href="{reverse("bands:create")}"' in html and f'href="{reverse("venues:create")}"' in html


# ---- An agent's roster ---------------------------------------------------------------------------


def represented(agency, n: int):
    """A band the agency acts for, with a booked gig, an offer to answer, an application and a hold."""
    band, _leader = band_with_leader(name=f"Roster Band {n}", slug=f"roster-band-{n}")
    Representation.objects.create(organisation=agency, band=band, status=LinkStatus.ACTIVE)
    venue, _owner = venue_with_owner(name=f"Roster Hall {n}")
    gig = on_slot(band, venue, 5 + n, status=Booking.Status.BOOKED)
    on_slot(band, venue, 8 + n, status=Booking.Status.BOOKED)
    on_slot(band, venue, 9 + n, status=Booking.Status.BOOKED)  # a third gig: only the next two show
    on_slot(band, venue, 20 + n, kind=Booking.Kind.OFFER)
    on_slot(band, venue, 30 + n)
    start = in_days(40 + n)
    Hold.objects.create(
        venue=venue,
        stage=venue.stages.first(),
        band=band,
        date=start.date(),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        level=1,
        expires_at=in_days(35),
    )
    return band, gig


def test_an_agent_sees_the_roster_first_and_no_private_client_greeting(client):
    agency = OrganisationFactory(name="Northside Agency", slug="northside")
    agent = OrgMemberFactory(organisation=agency, role=Role.BOOKER).user
    band, gig = represented(agency, 1)
    html = dashboard(client, agent)
    assert role_sections(html) == ["agent"]
    assert primary_button(html) == "Open Northside Agency’s roster"
    assert "Find a band for your event" not in html and "Your events" not in html
    roster = section(html, "role-agent")
    assert html.index('id="role-agent"') < html.index('id="needs-answer"')
    assert f'href="{reverse("teams:band", args=["northside", band.slug])}"' in roster
    assert f'href="{reverse("holds:band", args=[band.slug])}"' in roster
    assert detail(gig) in roster
    assert roster.count("/bookings/") - roster.count("?show=") == 2  # the next two gigs, not the third
    assert "1 to answer" in roster and "1 waiting for a venue" in roster and "1 hold" in roster
    # Someone who plays in a band and works for an agency sees the roster first, then their bands.
    MembershipFactory(band=band_with_leader()[0], user=agent)
    assert role_sections(dashboard(client, agent)) == ["agent", "musician"]


@pytest.mark.parametrize("n", [1, 8])
def test_the_agents_dashboard_costs_the_same_queries_with_a_longer_roster(client, django_assert_max_num_queries, n):
    agency = OrganisationFactory()
    agent = OrgMemberFactory(organisation=agency, role=Role.BOOKER).user
    for i in range(n):
        represented(agency, i)
    client.force_login(agent)
    # session, user, bands, venues, the lists ranked with their counts, the rows shown, and the roster:
    # its bands, their next gigs, their pending bookings, their holds; the agency runs no call or festival;
    # the tours they are on today
    with django_assert_max_num_queries(12):
        html = client.get(reverse("dashboard")).content.decode()
    assert section(html, "role-agent").count('class="dash-row"') == n


# ---- The same queries whatever a person's history --------------------------------------------------


def history(people: dict, i: int) -> None:
    """One more band and venue of each person's, each with a gig in every state the dashboard lists, a
    private request, a hold and an unread notification for everyone."""
    band, _leader = band_with_leader(name=f"History Band {i}", slug=f"history-band-{i}")
    band.memberships.filter(role=Membership.Role.LEADER).update(user=people["leader"])
    MembershipFactory(band=band, user=people["member"], role=Membership.Role.MEMBER)
    Representation.objects.create(organisation=people["agency"], band=band, status=LinkStatus.ACTIVE)
    venue, _owner = venue_with_owner(name=f"History Hall {i}")
    VenueStaffFactory(venue=venue, user=people["owner"])
    on_slot(band, venue, 3 + i, status=Booking.Status.BOOKED)
    on_slot(band, venue, 100 + i, kind=Booking.Kind.OFFER)
    on_slot(band, venue, 200 + i, requested_by=people["leader"])
    # A support act's application that the headliner picks: it waits for the headliner, named on the row.
    on_slot(
        band, venue, 50 + i, role=Booking.Role.SUPPORT, picker_band=people["headliner"], requested_by=people["leader"]
    )
    on_slot(band, venue, -2 - i, status=Booking.Status.COMPLETED)
    on_slot(band, venue, -400 - i, status=Booking.Status.COMPLETED)
    on_slot(band, venue, 300 + i, status=Booking.Status.CANCELLED)
    private(band, people["client"], 400 + i)
    private(band, people["client"], 500 + i, status=Booking.Status.BOOKED)
    Hold.objects.create(
        venue=venue,
        stage=venue.stages.first(),
        band=band,
        date=in_days(600 + i).date(),
        starts_at=in_days(600 + i),
        ends_at=in_days(600 + i) + dt.timedelta(hours=3),
        level=1,
        expires_at=in_days(35),
    )
    for role in ("leader", "member", "owner", "client", "agent"):
        person = people[role]
        Notification.objects.create(recipient=person, kind="test", text=f"Note {i}", dedupe_key=f"{person.pk}-{i}")


def queries_of(client, user) -> int:
    client.force_login(user)
    client.get(reverse("dashboard"))  # the session and anything a first request sets up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(queries)


@pytest.mark.slow(reason="builds thirty bands and venues with a dozen bookings each")
def test_each_persons_dashboard_costs_the_same_queries_with_1_booking_and_with_30(client):
    agency = OrganisationFactory(name="History Agency")
    people = {
        "leader": UserFactory(),
        "member": UserFactory(),
        "owner": UserFactory(),
        "client": UserFactory(),
        "agent": OrgMemberFactory(organisation=agency, role=Role.BOOKER).user,
        "agency": agency,
        "headliner": band_with_leader(name="The Headliners")[0],
    }
    roles = ["leader", "member", "owner", "client", "agent"]
    history(people, 0)
    gig_lineups_open()
    with_one = {role: queries_of(client, people[role]) for role in roles}
    for i in range(1, 30):
        history(people, i)
    gig_lineups_open()
    with_thirty = {role: queries_of(client, people[role]) for role in roles}
    assert with_thirty == with_one
    # Every list is full at 30: the rows shown are still the first five of each.
    html = dashboard(client, people["leader"])
    assert count_in(html, "upcoming") == 60 and section(html, "upcoming").count('class="dash-gig"') == 5
    assert count_in(html, "past") == 60 and section(html, "past").count('class="dash-gig"') == 5
    assert count_in(html, "waiting") == 60 and "waiting for The Headliners" in section(html, "waiting")


def test_each_list_shows_its_first_five_in_its_own_order():
    band, leader = band_with_leader()
    venue, _ = venue_with_owner()
    ahead = [on_slot(band, venue, d, status=Booking.Status.BOOKED) for d in (9, 3, 7, 5, 11, 4, 8)]
    played = [on_slot(band, venue, -d, status=Booking.Status.COMPLETED) for d in (12, 2, 30, 6, 9, 4, 20)]
    offers = [on_slot(band, venue, d, kind=Booking.Kind.OFFER) for d in (40, 33, 37, 31, 45, 35)]
    lists = dashboard_bookings(user=leader, now=timezone.now())
    # Booked gigs to come and offers to answer: soonest first; past gigs: latest first; reviews to write
    # (completed within the window): the one closing soonest first.
    assert lists.upcoming == sorted(ahead, key=lambda b: b.starts_at)[:5]
    assert lists.needs_answer == sorted(offers, key=lambda b: b.starts_at)[:5]
    assert lists.past == sorted(played, key=lambda b: b.starts_at, reverse=True)[:5]
    reviewable = [b for b in played if b.ends_at > timezone.now() - dt.timedelta(days=14)]
    assert lists.to_review == sorted(reviewable, key=lambda b: b.ends_at)[:5]
    assert lists.counts == {
        "upcoming": 7,
        "needs_answer": 6,
        "waiting": 0,
        "past": 7,
        "cancelled": 0,
        "to_review": len(reviewable),
        "as_client": 0,
    }
