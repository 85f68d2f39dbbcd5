"""The organisation pages and the booking side seen by an agency's people: every route for each role, another
organisation, a stranger and the anonymous visitor; bad input answered with a message and nothing changed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PASSWORD, UserFactory
from availability.services import rule_create
from bookings.models import Booking
from bookings.services import asking
from bookings.tests.factories import band_with_leader, in_days, venue_with_owner
from teams.models import LinkStatus, Organisation, OrgMember, Representation, Role, VenueLink
from venues.models import VenueStaff

from .factories import OrgMemberFactory, agency_for, group_for

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def world():
    band, leader = band_with_leader(name="The Night Shift", slug="night-shift", time_zone="Europe/Berlin")
    agency, owner, agent, viewer = agency_for(band, name="Northside Agency", slug="northside")
    other_agency, other_owner, other_agent, _ = agency_for(band_with_leader()[0], name="Southside", slug="southside")
    client_user = UserFactory(display_name="Anna Client")
    request = asking.booking_request(
        band=band,
        client=client_user,
        starts_at=in_days(30, 17),
        ends_at=in_days(30, 22),
        time_zone="Europe/Berlin",
        event_type="Wedding",
        location="Gut Kleinow",
        guests=80,
        fee=1500,
        message="First dance at nine.",
    )
    return {
        "band": band,
        "leader": leader,
        "agency": agency,
        "owner": owner,
        "agent": agent,
        "viewer": viewer,
        "other_agency": other_agency,
        "other_owner": other_owner,
        "other_agent": other_agent,
        "stranger": UserFactory(),
        "request": request,
    }


def test_each_role_sees_its_organisation_and_nobody_else_sees_it(client, world):
    pages = [
        reverse("teams:detail", args=["northside"]),
        reverse("teams:band", args=["northside", "night-shift"]),
    ]
    for who in ("owner", "agent", "viewer"):
        login(client, world[who])
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            assert "Northside Agency" in response.text
        assert "Acts for 1 band" in client.get(reverse("teams:list")).text
        client.logout()
    for who in ("other_owner", "stranger", "leader"):
        login(client, world[who])
        for url in pages:
            assert client.get(url).status_code == 404, (who, url)
        client.logout()
    for url in [*pages, reverse("teams:list"), reverse("teams:new")]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_agencys_view_of_a_band_is_its_green_zone_never_its_members_busy_details(client, world):
    leader = world["leader"]
    start = in_days(3, 10)
    rule_create(
        user=leader,
        title="Dentist appointment",
        start_date=start.date(),
        start_time=start.time(),
        end_date=start.date(),
        end_time=(start + dt.timedelta(hours=2)).time(),
    )
    login(client, world["agent"])
    response = client.get(reverse("teams:band", args=["northside", "night-shift"]))
    assert response.status_code == 200
    assert "Dentist" not in response.text
    # A band the agency does not act for: no such page, whatever its address.
    other = world["other_agency"].representation_set.get().band
    assert client.get(reverse("teams:band", args=["northside", other.slug])).status_code == 404


def test_owners_change_settings_and_people_others_are_refused(client, world):
    url = reverse("teams:settings", args=["northside"])
    data = {"name": "Northside Booking", "email": "desk@northside.example", "commission": "12,5"}
    for who in ("agent", "viewer"):
        login(client, world[who])
        assert client.post(url, data).status_code == 403
        client.logout()
    login(client, world["other_owner"])
    assert client.post(url, data).status_code == 404
    client.logout()
    login(client, world["owner"])
    assert client.post(url, data).status_code == 302
    agency = Organisation.objects.get(slug="northside")
    assert (agency.name, agency.commission_bp) == ("Northside Booking", 1250)


@pytest.mark.parametrize(
    ("commission", "message"),
    [("abc", "Enter a percentage"), ("60", "between 0 and 50"), ("12.345", "two decimals"), ("-1", "between 0")],
)
def test_a_bad_commission_is_explained_and_nothing_changes(client, world, commission, message):
    login(client, world["owner"])
    response = client.post(
        reverse("teams:settings", args=["northside"]), {"name": "Renamed", "email": "", "commission": commission}
    )
    assert response.status_code == 400 and message in response.text
    assert Organisation.objects.get(slug="northside").name == "Northside Agency"


def test_making_an_organisation_from_the_form(client):
    user = UserFactory()
    login(client, user)
    assert client.get(reverse("teams:new")).status_code == 200
    bad = client.post(reverse("teams:new"), {"kind": "agency", "name": "", "commission": "15"})
    assert bad.status_code == 400 and not Organisation.objects.exists()
    response = client.post(reverse("teams:new"), {"kind": "agency", "name": "Ana's Agency", "commission": "15"})
    agency = Organisation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("teams:detail", args=[agency.slug])
    assert agency.commission_bp == 1500 and OrgMember.objects.get(organisation=agency).user == user


def test_inviting_and_joining_by_the_link(client, world, django_capture_on_commit_callbacks):
    login(client, world["agent"])
    url = reverse("teams:invite", args=["northside"])
    assert client.post(url, {"email": "new@example.com", "role": "booker"}).status_code == 403
    client.logout()
    login(client, world["owner"])
    bad = client.post(url, {"email": "not an address", "role": "booker"})
    assert bad.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"email": "new@example.com", "role": "viewer"}).status_code == 302
    page = client.get(reverse("teams:detail", args=["northside"])).text
    link = next(word for word in page.split('"') if "/join/" in word)
    client.logout()
    newcomer = UserFactory(email="new@example.com")
    login(client, newcomer)
    path = link[link.index("/join/") :]
    client.post(path)
    assert OrgMember.objects.get(organisation=world["agency"], user=newcomer).role == Role.VIEWER


def test_roles_change_and_people_leave_from_the_page(client, world):
    agency = world["agency"]
    agent_row = OrgMember.objects.get(organisation=agency, user=world["agent"])
    viewer_row = OrgMember.objects.get(organisation=agency, user=world["viewer"])
    login(client, world["agent"])
    assert (
        client.post(reverse("teams:member_role", args=["northside", viewer_row.pk]), {"role": "owner"}).status_code
        == 403
    )
    assert client.post(reverse("teams:member_remove", args=["northside", agent_row.pk])).status_code == 302
    assert not OrgMember.objects.filter(pk=agent_row.pk).exists()  # one may always leave
    client.logout()
    login(client, world["owner"])
    assert (
        client.post(reverse("teams:member_role", args=["northside", viewer_row.pk]), {"role": "booker"}).status_code
        == 302
    )
    assert OrgMember.objects.get(pk=viewer_row.pk).role == Role.BOOKER
    bad = client.post(reverse("teams:member_role", args=["northside", viewer_row.pk]), {"role": "emperor"})
    assert bad.status_code in (302, 400) and OrgMember.objects.get(pk=viewer_row.pk).role == Role.BOOKER
    other_row = OrgMember.objects.filter(organisation=world["other_agency"]).first()
    assert client.post(reverse("teams:member_remove", args=["northside", other_row.pk])).status_code == 404


def test_asking_for_a_band_by_its_address(client, world):
    target, _leader = band_with_leader(name="Brass Band", slug="brass-band")
    url = reverse("teams:link_ask", args=["northside"])
    login(client, world["viewer"])
    assert client.post(url, {"band": "brass-band"}).status_code == 403
    client.logout()
    login(client, world["agent"])
    unknown = client.post(url, {"band": "no-such-band"})
    assert unknown.status_code == 400 and "No band has this address" in unknown.text
    assert client.post(url, {"band": "brass-band", "message": "Hi"}).status_code == 302
    again = client.post(url, {"band": "brass-band"}, follow=True)
    assert "already acts for" in again.text
    assert Representation.objects.filter(band=target).count() == 1


def test_the_bands_leaders_grant_and_end_an_agency_others_cannot(client, world):
    target, target_leader = band_with_leader(name="Brass Band", slug="brass-band")
    link = Representation.objects.create(organisation=world["agency"], band=target, asked_by=world["owner"])
    answer = reverse("teams:band_agency_answer", args=["brass-band", link.pk])
    for who in ("agent", "stranger", "leader"):  # the leader of another band
        login(client, world[who])
        assert client.post(answer, {"answer": "accept"}).status_code in (403, 404), who
        client.logout()
    assert client.post(answer, {"answer": "accept"}).status_code == 302  # anonymous: to the login
    assert Representation.objects.get(pk=link.pk).status == LinkStatus.ASKED
    login(client, target_leader)
    page = client.get(reverse("teams:band_agencies", args=["brass-band"]))
    assert page.status_code == 200 and "Northside Agency" in page.text
    client.post(answer, {"answer": "accept", "may_sign": "on"})
    link.refresh_from_db()
    assert link.status == LinkStatus.ACTIVE and link.may_sign
    client.post(reverse("teams:band_agency_end", args=["brass-band", link.pk]))
    assert Representation.objects.get(pk=link.pk).status == LinkStatus.ENDED


def test_an_agent_answers_a_request_for_the_agencys_band(client, world):
    request = world["request"]
    detail = reverse("bookings:detail", args=[request.uid])
    login(client, world["agent"])
    inbox = client.get(reverse("bookings:inbox"), {"tab": "answer"})
    assert "The Night Shift (through Northside Agency)" in inbox.text
    assert str(request.uid) in inbox.text
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(detail).status_code == 200
    client.post(reverse("bookings:accept", args=[request.uid]))
    request.refresh_from_db()
    assert request.status == Booking.Status.BOOKED
    assert request.events.last().actor == world["agent"]


@pytest.mark.parametrize("who", ["viewer", "other_agent", "stranger"])
def test_nobody_else_at_an_agency_acts_for_the_band(client, world, who):
    request = world["request"]
    login(client, world[who])
    assert client.get(reverse("bookings:detail", args=[request.uid])).status_code == 404
    client.post(reverse("bookings:accept", args=[request.uid]))
    request.refresh_from_db()
    assert request.status == Booking.Status.PENDING
    assert str(request.uid) not in client.get(reverse("bookings:inbox"), {"tab": "answer"}).text


def test_an_agent_the_band_let_go_loses_its_bookings_at_once(client, world):
    Representation.objects.filter(band=world["band"]).update(status=LinkStatus.ENDED)
    login(client, world["agent"])
    request = world["request"]
    assert client.get(reverse("bookings:detail", args=[request.uid])).status_code == 404
    assert client.get(reverse("teams:band", args=["northside", "night-shift"])).status_code == 404


def test_a_venue_group_is_granted_from_the_venues_page_and_its_booker_runs_the_venue(client):
    venue, venue_owner = venue_with_owner(name="Kellerbar", slug="kellerbar")
    group, owner, booker, viewer, link = group_for(venue, name="Riverside Rooms", slug="riverside")
    page = reverse("teams:venue_groups", args=["kellerbar"])
    answer = reverse("teams:venue_group_answer", args=["kellerbar", link.pk])
    for who in (owner, booker, viewer):
        login(client, who)
        assert client.get(page).status_code in (403, 404)
        assert client.post(answer, {"answer": "accept"}).status_code in (403, 404)
        client.logout()
    login(client, venue_owner)
    assert "Riverside Rooms" in client.get(page).text
    client.post(answer, {"answer": "accept"})
    assert VenueLink.objects.get(pk=link.pk).status == LinkStatus.ACTIVE
    client.logout()
    login(client, booker)
    assert client.get(reverse("venues:manage", args=["kellerbar"])).status_code == 200
    assert "Kellerbar" in client.get(reverse("teams:detail", args=["riverside"])).text
    client.logout()
    login(client, viewer)
    assert client.get(reverse("venues:manage", args=["kellerbar"])).status_code in (403, 404)
    client.logout()
    login(client, venue_owner)
    client.post(reverse("teams:venue_group_end", args=["kellerbar", link.pk]))
    assert not VenueStaff.objects.filter(venue=venue, group_id=group.pk).exists()


def test_an_organisations_pages_keep_their_query_count_as_people_and_bands_grow(
    client, world, django_assert_max_num_queries
):
    agency = world["agency"]
    login(client, world["owner"])
    url = reverse("teams:detail", args=["northside"])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _n in range(6):
        OrgMemberFactory(organisation=agency, role=Role.BOOKER)
        Representation.objects.create(
            organisation=agency, band=band_with_leader()[0], status=LinkStatus.ACTIVE, asked_by=world["owner"]
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_agency_month_rejects_a_month_far_away_without_an_error(client, world):
    login(client, world["agent"])
    url = reverse("teams:band", args=["northside", "night-shift"])
    for month in ("1900-01", "banana", "2026-13", (timezone.localdate() + dt.timedelta(days=4000)).strftime("%Y-%m")):
        assert client.get(url, {"month": month}).status_code == 200
