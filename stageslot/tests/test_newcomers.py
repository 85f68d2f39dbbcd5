"""The second person: a newcomer says what brings them here (or an invite says it for them) and their
dashboard leads them to that choice's first steps, done as the data says, until they are under way."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import HereFor, User
from accounts.tests.factories import UserFactory
from availability.models import Rule
from bands.invites import invite_link_token
from bands.models import Membership
from bands.tests.factories import BandFactory, BandInviteFactory, MembershipFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, SlotFactory, band_with_leader, in_days
from fans.models import Follow
from fans.services import fan_account_for_email
from festivals.models import OpenCall
from stageslot.newcomers import first_steps
from stageslot.selectors import dashboard_bookings, dashboard_roster
from teams.models import Organisation, Role
from teams.tests.factories import OrganisationFactory, OrgMemberFactory
from venues.tests.factories import VenueFactory, VenueStaffFactory

pytestmark = pytest.mark.django_db

HERE_FOR = reverse("accounts:here_for")
ASKED = "What brings you to StageSlot?"


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def steps_of(user: User):
    """The first steps the dashboard would show `user` (None: none), from the same reads it makes."""
    from festivals.selectors import organiser_desks
    from stageslot.selectors import dashboard_memberships, dashboard_venue_roles

    user = User.objects.get(pk=user.pk)
    memberships, venue_roles = dashboard_memberships(user=user), dashboard_venue_roles(user=user)
    counts = dashboard_bookings(user=user, now=in_days(0), memberships=memberships, venue_roles=venue_roles).counts
    desks = organiser_desks(user=user, running_only=True)
    roster = dashboard_roster(user=user, now=in_days(0))
    return first_steps(
        user=user, memberships=memberships, venue_roles=venue_roles, counts=counts, desks=desks, roster=roster
    )


def done(user: User) -> dict[str, bool]:
    return {step.key: step.done for step in steps_of(user).steps}


def steps_section(html: str) -> str:
    return re.search(r'<section class="card first-steps" aria-labelledby="first-steps">.*?</section>', html, re.S)[0]


# ---- Asking, on the first page -------------------------------------------------------------------------


def test_a_new_person_is_asked_and_their_answer_leads_to_its_first_steps(client):
    user = UserFactory()
    html = page(client, user)
    assert ASKED in html
    for value in HereFor.values:
        assert f'name="here_for" value="{value}"' in html
    assert "Your first steps" not in html
    response = client.post(HERE_FOR, {"here_for": "band"})
    assert response.status_code == 302 and response.url == reverse("dashboard") + "#first-steps"
    assert User.objects.get(pk=user.pk).here_for == HereFor.BAND
    html = page(client, user)
    assert ASKED not in html
    steps = steps_section(html)
    assert f'href="{reverse("bands:create")}"' in steps and f'href="{reverse("availability:calendar")}"' in steps
    # The steps come first, before any role's section, and no private client's card invites them to book.
    assert html.index('id="first-steps"') < html.index('class="grid grid--2 dash-roles"')
    assert 'id="role-client"' not in html
    # "Create a band" stays in reach, and so do the other jobs.
    assert f'href="{reverse("venues:create")}"' in html


@pytest.mark.parametrize("value", ["", "drummer", "band ", "<script>", "x" * 200])
def test_a_bad_choice_is_refused_with_a_message_and_changes_nothing(client, value):
    user = UserFactory(here_for=HereFor.VENUE)
    client.force_login(user)
    response = client.post(HERE_FOR, {"here_for": value})
    assert response.status_code == 400
    assert "Pick one of the choices offered." in response.content.decode()
    assert User.objects.get(pk=user.pk).here_for == HereFor.VENUE


def test_the_question_page_answers_a_get_and_refuses_other_methods(client):
    client.force_login(UserFactory())
    response = client.get(HERE_FOR)
    assert response.status_code == 200 and ASKED in response.content.decode()
    assert client.put(HERE_FOR).status_code == 405


def test_a_stranger_cannot_say_anything_for_anyone(client):
    someone = UserFactory()
    response = client.post(HERE_FOR, {"here_for": "fan"})
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert User.objects.get(pk=someone.pk).here_for == ""


def test_a_person_sets_only_their_own_choice(client):
    me, other = UserFactory(), UserFactory(here_for=HereFor.VENUE)
    client.force_login(me)
    # Whatever else the form carries, the choice is the signed-in person's.
    client.post(HERE_FOR, {"here_for": "fan", "user": other.pk, "user_id": other.pk, "pk": other.pk})
    assert User.objects.get(pk=me.pk).here_for == HereFor.FAN
    assert User.objects.get(pk=other.pk).here_for == HereFor.VENUE


def test_skipping_keeps_the_question_away_for_the_session_and_stores_nothing(client):
    user = UserFactory()
    page(client, user)
    response = client.post(HERE_FOR, {"skip": "1"})
    assert response.status_code == 302 and response.url == reverse("dashboard")
    html = client.get(reverse("dashboard")).content.decode()
    assert ASKED not in html and "Find a band for your event" in html
    assert User.objects.get(pk=user.pk).here_for == ""


def test_someone_who_has_a_band_venue_or_request_is_not_asked(client):
    _band, leader = band_with_leader()
    assert ASKED not in page(client, leader)
    assert ASKED not in page(client, VenueStaffFactory().user)


def test_the_profile_changes_the_choice_and_refuses_a_bad_one(client):
    user = UserFactory(display_name="Sam", here_for=HereFor.BAND)
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="band" selected>Play in a band</option>' in html
    data = {"display_name": "Sam", "time_zone": "UTC", "language": ""}
    assert client.post(reverse("accounts:profile"), {**data, "here_for": "venue"}).status_code == 302
    assert User.objects.get(pk=user.pk).here_for == HereFor.VENUE
    response = client.post(reverse("accounts:profile"), {**data, "here_for": "roadie"})
    assert response.status_code == 400 and "Pick one of the choices offered." in response.content.decode()
    assert User.objects.get(pk=user.pk).here_for == HereFor.VENUE
    # A form without the field (an older page) leaves the choice alone; an empty one clears it.
    client.post(reverse("accounts:profile"), data)
    assert User.objects.get(pk=user.pk).here_for == HereFor.VENUE
    client.post(reverse("accounts:profile"), {**data, "here_for": ""})
    assert User.objects.get(pk=user.pk).here_for == ""


# ---- Sign-up paths that say it for the person -----------------------------------------------------------


def test_signing_up_through_a_band_invite_is_signing_up_to_play(client):
    invite = BandInviteFactory(band=BandFactory(), max_uses=3)
    url = reverse("join", args=[invite_link_token(kind="band", invite=invite)])
    newcomer = UserFactory()
    client.force_login(newcomer)
    assert client.post(url).status_code == 302
    assert User.objects.get(pk=newcomer.pk).here_for == HereFor.BAND
    html = page(client, newcomer)
    assert ASKED not in html and 'id="role-musician"' in html
    # A choice the person made themselves stands.
    booker = UserFactory(here_for=HereFor.BOOK)
    client.force_login(booker)
    client.post(url)
    assert User.objects.get(pk=booker.pk).here_for == HereFor.BOOK


def test_a_fan_who_signs_up_by_code_is_here_to_follow_bands():
    fan = fan_account_for_email(email="new.fan@example.com", display_name="Felix")
    assert fan.here_for == HereFor.FAN
    assert steps_of(fan).lead and [s.key for s in steps_of(fan).steps] == ["follow", "city", "ask"]


# ---- Each choice's first steps, done as the data says ---------------------------------------------------


def test_a_musician_newcomers_steps_flip_with_their_busy_time_band_and_gigs(client):
    user = UserFactory(here_for=HereFor.BAND)
    assert done(user) == {"band": False, "busy": False, "gig": False} and steps_of(user).lead
    day = dt.date(2030, 5, 1)
    Rule.objects.create(user=user, time_zone="UTC", all_day=True, start_date=day, end_date=day)
    assert done(user) == {"band": False, "busy": True, "gig": False}
    band = BandFactory()
    MembershipFactory(band=band, user=user, role=Membership.Role.LEADER)
    # With a band, the band's job comes first and the steps left follow it.
    assert not steps_of(user).lead and done(user) == {"band": True, "busy": True, "gig": False}
    assert steps_of(user).next.url == reverse("bookings:gig_finder")
    html = page(client, user)
    assert re.search(r'<a class="btn btn--primary"[^>]*>Say when you are busy</a>', html)
    assert html.index('id="role-musician"') < html.index('id="first-steps"')
    assert f'href="{reverse("bookings:gig_finder")}" class="btn btn--primary"' in steps_section(html)
    # The band's first application: under way, nothing more to lead.
    slot = SlotFactory(starts_at=in_days(20), ends_at=in_days(20) + dt.timedelta(hours=3))
    BookingFactory(band=band, slot=slot, requested_by=user)
    assert steps_of(user) is None
    assert "Your first steps" not in page(client, user)


def test_a_venue_runners_steps_flip_with_the_venue_its_photos_and_slots(client):
    from venues.tests.factories import VenuePhotoFactory

    user = UserFactory(here_for=HereFor.VENUE)
    steps = steps_of(user)
    assert steps.lead and done(user) == {"venue": False, "photos": False, "slot": False}
    assert [s.url for s in steps.steps][1:] == ["", ""]  # they need the venue first
    assert "(after the first step)" in page(client, user)
    venue = VenueFactory(slug="the-cellar")
    VenueStaffFactory(venue=venue, user=user)
    steps = steps_of(user)
    assert not steps.lead and done(user) == {"venue": True, "photos": False, "slot": False}
    assert steps.next.url == reverse("venues:photos", args=["the-cellar"])
    VenuePhotoFactory(venue=venue)
    SlotFactory(venue=venue)
    assert steps_of(user) is None


def test_a_bookers_steps_flip_with_their_name_and_shortlist_and_end_with_a_request():
    user = UserFactory(here_for=HereFor.BOOK, display_name="")
    assert steps_of(user).lead and done(user) == {"name": False, "shortlist": False, "request": False}
    User.objects.filter(pk=user.pk).update(display_name="Charlotte")
    Follow.objects.create(user=user, band=BandFactory())
    assert done(user) == {"name": True, "shortlist": True, "request": False}
    band, _leader = band_with_leader()
    start = in_days(30)
    BookingFactory(
        band=band,
        slot=None,
        venue=None,
        kind=Booking.Kind.REQUEST,
        client=user,
        requested_by=user,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
    )
    # A request sent is under way: past the first steps.
    assert steps_of(user) is None


def test_an_organisers_steps_lead_to_their_organisations_call_and_festival(client):
    user = UserFactory(here_for=HereFor.FESTIVAL)
    assert done(user) == {"org": False, "call": False, "festival": False}
    html = page(client, user)
    assert f'href="{reverse("teams:new")}" class="btn btn--primary"' in steps_section(html)
    org = OrganisationFactory(kind=Organisation.Kind.VENUE_GROUP, slug="riverside")
    OrgMemberFactory(organisation=org, user=user, role=Role.OWNER)
    steps = steps_of(user)
    assert not steps.lead and done(user) == {"org": True, "call": False, "festival": False}
    assert steps.next.url == reverse("festivals:call_new", args=["riverside"])
    assert steps.steps[2].url == reverse("festivals:festival_new", args=["riverside"])
    OpenCall.objects.create(
        organisation=org,
        title="Summer call",
        slug="summer-call",
        first_day=in_days(60).date(),
        last_day=in_days(61).date(),
        time_zone="Europe/Berlin",
        deadline=in_days(30),
        created_by=user,
    )
    assert done(user) == {"org": True, "call": True, "festival": False}


def test_a_fans_steps_flip_with_follows():
    user = UserFactory(here_for=HereFor.FAN)
    assert steps_of(user).lead and done(user) == {"follow": False, "city": False, "ask": False}
    Follow.objects.create(user=user, band=BandFactory())
    assert not steps_of(user).lead and done(user)["follow"]


# ---- What it costs ----------------------------------------------------------------------------------------


def queries_of(client, user) -> int:
    client.force_login(user)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(queries)


def test_a_newcomers_steps_cost_one_query_and_someone_under_way_none(client):
    asked = queries_of(client, UserFactory())
    for here_for in HereFor.values:
        assert queries_of(client, UserFactory(here_for=here_for)) == asked + 1, here_for
    # A musician under way (a band with a gig) costs the same whether or not they said what they came for.
    counts = []
    for here_for in ("", HereFor.BAND):
        band, leader = band_with_leader()
        User.objects.filter(pk=leader.pk).update(here_for=here_for)
        slot = SlotFactory(starts_at=in_days(9), ends_at=in_days(9) + dt.timedelta(hours=3))
        BookingFactory(band=band, slot=slot, status=Booking.Status.BOOKED)
        counts.append(queries_of(client, leader))
    assert counts[0] == counts[1]
