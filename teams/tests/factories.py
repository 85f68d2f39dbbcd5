import factory

from accounts.tests.factories import UserFactory
from teams.models import LinkStatus, Organisation, OrgMember, Representation, Role, VenueLink


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.AGENCY
    name = factory.Sequence(lambda n: f"Northside Agency {n}")
    slug = factory.Sequence(lambda n: f"northside-{n}")
    commission_bp = 1500


class OrgMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgMember

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.BOOKER


def agency_for(band, *, may_hold: bool = False, **kwargs):
    """(agency, owner, agent, viewer): an agency that represents `band` now, with one person per role;
    `may_hold`: the band lets it ask venues for holds."""
    agency = OrganisationFactory(**kwargs)
    owner = OrgMemberFactory(organisation=agency, role=Role.OWNER).user
    agent = OrgMemberFactory(organisation=agency, role=Role.BOOKER).user
    viewer = OrgMemberFactory(organisation=agency, role=Role.VIEWER).user
    Representation.objects.create(
        organisation=agency, band=band, status=LinkStatus.ACTIVE, asked_by=owner, may_hold=may_hold
    )
    return agency, owner, agent, viewer


def group_for(venue, **kwargs):
    """(group, owner, booker, viewer): a venue group that has asked to run `venue` (not yet granted)."""
    group = OrganisationFactory(kind=Organisation.Kind.VENUE_GROUP, commission_bp=0, **kwargs)
    owner = OrgMemberFactory(organisation=group, role=Role.OWNER).user
    booker = OrgMemberFactory(organisation=group, role=Role.BOOKER).user
    viewer = OrgMemberFactory(organisation=group, role=Role.VIEWER).user
    link = VenueLink.objects.create(organisation=group, venue=venue, asked_by=owner)
    return group, owner, booker, viewer, link
