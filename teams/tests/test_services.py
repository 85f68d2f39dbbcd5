"""Organisations, their people and their links: who may do what, and what each step changes."""

import pytest
from django.core import mail

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bookings.selectors.bookings import can_manage_band
from bookings.tests.factories import band_with_leader, venue_with_owner
from teams import selectors, services
from teams.models import LinkStatus, Organisation, OrgInvite, OrgMember, Representation, Role
from teams.services import TeamsError, TeamsPermissionError
from venues.models import VenueStaff
from venues.services import venue_staff_remove

from .factories import OrgMemberFactory, agency_for, group_for

pytestmark = pytest.mark.django_db


def test_whoever_makes_an_organisation_is_its_first_owner_and_its_address_is_free():
    user = UserFactory()
    first = services.organisation_create(by=user, kind="agency", name="  Northside   Agency ", commission_bp=1250)
    second = services.organisation_create(by=user, kind="agency", name="Northside Agency")
    new = services.organisation_create(by=user, kind="venue_group", name="New", commission_bp=900)
    assert first.name == "Northside Agency" and first.commission_bp == 1250 and first.commission_percent == "12.5"
    assert (first.slug, second.slug) == ("northside-agency", "northside-agency-2")
    assert new.slug == "new-2" and new.commission_bp == 0  # "new" is the address of the form; groups take none
    assert OrgMember.objects.get(organisation=first).role == Role.OWNER


@pytest.mark.parametrize(
    ("kind", "name", "commission", "code"),
    [("band", "X", 0, "kind"), ("agency", "   ", 0, "name"), ("agency", "X", 5001, "commission")],
)
def test_bad_organisations_are_refused_and_nothing_is_made(kind, name, commission, code):
    with pytest.raises(TeamsError) as caught:
        services.organisation_create(by=UserFactory(), kind=kind, name=name, commission_bp=commission)
    assert caught.value.code == code
    assert not Organisation.objects.exists()


def test_an_organisation_always_keeps_an_owner():
    owner = UserFactory()
    agency = services.organisation_create(by=owner, kind="agency", name="Northside")
    me = OrgMember.objects.get(organisation=agency, user=owner)
    for attempt in (
        lambda: services.org_member_set_role(organisation=agency, by=owner, member=me, role=Role.BOOKER),
        lambda: services.org_member_remove(organisation=agency, by=owner, member=me),
    ):
        with pytest.raises(TeamsError) as caught:
            attempt()
        assert caught.value.code == "last_owner"
    other = OrgMemberFactory(organisation=agency, role=Role.OWNER)
    services.org_member_set_role(organisation=agency, by=owner, member=me, role=Role.VIEWER)
    assert OrgMember.objects.get(pk=me.pk).role == Role.VIEWER
    with pytest.raises(TeamsPermissionError):  # a viewer runs nothing
        services.org_member_remove(organisation=agency, by=owner, member=other)


def test_only_owners_invite_and_an_invite_joins_in_its_role_once(django_capture_on_commit_callbacks):
    owner, booker, newcomer = UserFactory(), UserFactory(), UserFactory()
    agency = services.organisation_create(by=owner, kind="agency", name="Northside")
    OrgMemberFactory(organisation=agency, user=booker, role=Role.BOOKER)
    with pytest.raises(TeamsPermissionError):
        services.org_invite_create(organisation=agency, by=booker, email="x@example.com", role=Role.OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        invite = services.org_invite_create(organisation=agency, by=owner, email=" Ana@Example.com ", role=Role.VIEWER)
        again = services.org_invite_create(organisation=agency, by=owner, email="ana@example.com", role=Role.VIEWER)
    assert again.pk == invite.pk and invite.email == "ana@example.com"
    assert len(mail.outbox) == 1 and "Northside" in mail.outbox[0].subject
    member = services.org_invite_accept(invite=invite, user=newcomer)
    assert member.role == Role.VIEWER
    assert services.org_invite_accept(invite=invite, user=newcomer).pk == member.pk
    assert OrgInvite.objects.get(pk=invite.pk).uses == 1


def test_an_agency_acts_for_a_band_only_once_its_leaders_say_so_and_not_after_they_end_it():
    band, leader = band_with_leader(name="The Night Shift")
    owner, agent = UserFactory(), UserFactory()
    agency = services.organisation_create(by=owner, kind="agency", name="Northside", commission_bp=1500)
    OrgMemberFactory(organisation=agency, user=agent, role=Role.BOOKER)
    link = services.representation_ask(organisation=agency, by=agent, band=band, message="We route tours.")
    assert Notification.objects.filter(recipient=leader, kind="team_link").exists()
    assert not can_manage_band(band.pk, agent)
    with pytest.raises(TeamsError):
        services.representation_ask(organisation=agency, by=owner, band=band)
    with pytest.raises(TeamsPermissionError):  # the agency cannot grant itself
        services.representation_answer(representation=link, by=owner, accept=True)
    services.representation_answer(representation=link, by=leader, accept=True, may_hold=True)
    assert can_manage_band(band.pk, agent) and can_manage_band(band.pk, owner)
    assert selectors.acting_band_ids(user=agent) == {band.pk}
    assert selectors.agency_acting_for(band_id=band.pk, user=agent) == agency
    assert selectors.agency_holding_for(band_id=band.pk, user=agent) == agency  # the leaders let it ask for holds
    with pytest.raises(TeamsPermissionError):
        services.representation_may_hold_set(representation=link, by=agent, may_hold=False)
    services.representation_may_hold_set(representation=link, by=leader, may_hold=False)
    assert selectors.agency_holding_for(band_id=band.pk, user=agent) is None
    services.representation_end(representation=link, by=leader)
    assert not can_manage_band(band.pk, agent)
    assert Representation.objects.get(pk=link.pk).status == LinkStatus.ENDED  # the history stays
    # Once ended, the agency may ask again.
    services.representation_ask(organisation=agency, by=agent, band=band)


def test_a_viewer_reads_but_never_acts_and_a_removed_agent_loses_the_band_at_once():
    band, _leader = band_with_leader()
    agency, owner, agent, viewer = agency_for(band)
    assert not can_manage_band(band.pk, viewer)
    assert band.pk in selectors.viewing_band_ids(user=viewer)
    with pytest.raises(TeamsPermissionError):
        services.representation_ask(organisation=agency, by=viewer, band=band_with_leader()[0])
    services.org_member_remove(organisation=agency, by=owner, member=OrgMember.objects.get(user=agent))
    assert not can_manage_band(band.pk, agent)
    assert selectors.acting_band_ids(user=agent) == set()


def test_an_agency_signs_only_where_the_band_allows_it():
    band, leader = band_with_leader()
    agency, _owner, agent, _viewer = agency_for(band)
    link = Representation.objects.get(organisation=agency, band=band)
    assert not selectors.representation_may_sign(band_id=band.pk, user=agent)
    with pytest.raises(TeamsPermissionError):
        services.representation_may_sign_set(representation=link, by=agent, may_sign=True)
    services.representation_may_sign_set(representation=link, by=leader, may_sign=True)
    assert selectors.representation_may_sign(band_id=band.pk, user=agent)


def test_a_venue_group_books_for_a_venue_its_owners_let_it_run_until_they_end_it():
    venue, venue_owner = venue_with_owner()
    group, owner, booker, _viewer, link = group_for(venue)
    stranger_owner = venue_with_owner()[1]
    with pytest.raises(TeamsPermissionError):
        services.venue_link_answer(link=link, by=stranger_owner, accept=True)
    services.venue_link_answer(link=link, by=venue_owner, accept=True)
    through = VenueStaff.objects.filter(venue=venue, group_id=group.pk)
    assert set(through.values_list("user_id", flat=True)) == {owner.pk, booker.pk}  # viewers only read
    assert set(through.values_list("role", flat=True)) == {VenueStaff.Role.BOOKER}
    # The venue's own staff page cannot take a group's booker off: the link decides.
    with pytest.raises(Exception) as caught:
        venue_staff_remove(staff=through.get(user=booker))
    assert getattr(caught.value, "code", "") == "through_group"
    # A new booker in the group books for the venue at once; a removed one no longer does.
    newcomer = UserFactory()
    invite = services.org_invite_create(organisation=group, by=owner, email=newcomer.email, role=Role.BOOKER)
    services.org_invite_accept(invite=invite, user=newcomer)
    services.org_member_remove(organisation=group, by=owner, member=OrgMember.objects.get(user=booker))
    assert set(through.values_list("user_id", flat=True)) == {owner.pk, newcomer.pk}
    services.venue_link_end(link=link, by=venue_owner)
    assert not through.exists()
    assert VenueStaff.objects.filter(venue=venue, user=venue_owner, group_id=None).exists()


def test_someone_on_the_venues_own_staff_keeps_their_own_row_when_the_group_leaves():
    venue, venue_owner = venue_with_owner()
    group, owner, _booker, _viewer, link = group_for(venue)
    OrgMemberFactory(organisation=group, user=venue_owner, role=Role.BOOKER)
    services.venue_link_answer(link=link, by=venue_owner, accept=True)
    services.venue_link_end(link=link, by=owner)
    assert VenueStaff.objects.get(venue=venue, user=venue_owner).role == VenueStaff.Role.OWNER


def test_links_are_for_the_right_kind_and_an_answer_is_given_once():
    band, _leader = band_with_leader()
    venue, venue_owner = venue_with_owner()
    group, group_owner, *_rest, link = group_for(venue)
    agency, agency_owner, *_ = agency_for(band_with_leader()[0])
    with pytest.raises(TeamsError):
        services.representation_ask(organisation=group, by=group_owner, band=band)
    with pytest.raises(TeamsError):
        services.venue_link_ask(organisation=agency, by=agency_owner, venue=venue)
    services.venue_link_answer(link=link, by=venue_owner, accept=False)
    with pytest.raises(TeamsError) as caught:
        services.venue_link_answer(link=link, by=venue_owner, accept=True)
    assert caught.value.code == "answered"
    with pytest.raises(TeamsError):
        services.venue_link_end(link=link, by=venue_owner)
    assert not VenueStaff.objects.filter(group_id=group.pk).exists()


def test_every_audit_entry_says_who_acted_for_whom(client):
    from bookings.models import Booking
    from bookings.services.answering import booking_accept, booking_decline
    from bookings.tests.factories import BookingFactory, SlotFactory

    band, leader = band_with_leader(name="The Night Owls")
    venue, venue_owner = venue_with_owner(name="Kellerbar")
    _agency, _owner, agent, _viewer = agency_for(band, name="Northside Agency")
    group, _group_owner, promoter, _group_viewer, link = group_for(venue, name="Riverside Rooms")
    services.venue_link_answer(link=link, by=venue_owner, accept=True)
    offer = BookingFactory(kind=Booking.Kind.OFFER, band=band, slot=SlotFactory(venue=venue), requested_by=promoter)
    elsewhere = BookingFactory(band=band, slot=SlotFactory(starts_at=offer.starts_at, ends_at=offer.ends_at))
    booking_accept(booking=offer, by=agent)
    accepted = offer.events.get(to_status="booked")
    assert (accepted.acting_org, accepted.acting_for) == ("Northside Agency", "The Night Owls")
    # The application the gig made impossible is declined by the same hand, for the same band.
    lost = elsewhere.events.get(to_status="declined")
    assert (lost.actor, lost.acting_org, lost.acting_for) == (agent, "Northside Agency", "The Night Owls")
    # The band's own leader and the venue's own owner act for themselves.
    second = BookingFactory(kind=Booking.Kind.OFFER, band=band, slot=SlotFactory(venue=venue), requested_by=venue_owner)
    booking_accept(booking=second, by=leader)
    assert second.events.get(to_status="booked").acting_org == ""
    # Ending the agency later leaves the history as it was.
    services.representation_end(representation=Representation.objects.get(band=band), by=leader)
    client.force_login(leader)
    page = client.get(f"/bookings/{offer.uid}/").content.decode()
    assert f"Accepted by {agent.name}, Northside Agency, for The Night Owls" in page
    # A venue group's booker acts for the venue.
    application = BookingFactory(band=band, slot=SlotFactory(venue=venue))
    booking_decline(booking=application, by=promoter)
    declined = application.events.get(to_status="declined")
    assert (declined.acting_org, declined.acting_for) == (group.name, "Kellerbar")
