"""Demo organisations: Northside Agency acts for three bands with two agents and has asked a fourth; the
venue group Riverside Rooms runs two venues, with a promoter booking for both.

Everything goes through teams.services, as on the pages: the agency asks, the band's leader grants (the
first band lets it sign contracts too); the group asks, the venue's owner grants. The notifications this
makes are marked as not wanted by email, as the demo people have no real mailboxes. Idempotent: once the
agency exists nothing is done.
"""

from allauth.account.models import EmailAddress

from accounts.models import Notification, User
from bands.models import Band, Membership
from stageslot.demo.people import password_hash_once
from teams import services
from teams.models import Organisation, OrgMember, Representation, Role, VenueLink
from venues.models import Venue, VenueStaff

AGENCY = ("northside", "Northside Agency", "desk@northside.demo.stageslot.test", 1500)
# (email part, name, zone, role)
AGENCY_PEOPLE = [
    ("agency-owner", "Ana Díaz", "Europe/Berlin", Role.OWNER),
    ("agent", "Ben Okafor", "Europe/Berlin", Role.BOOKER),
    ("agent-rosa", "Rosa Lind", "Europe/Copenhagen", Role.BOOKER),
    ("agency-accounts", "Karl Jung", "Europe/Berlin", Role.VIEWER),
]
# The bands it acts for (the first may sign contracts), and the one it has asked.
AGENCY_BANDS = ["the-night-owls", "grey-harbour", "nordlys"]
AGENCY_ASKED = "velours"
GROUP = ("riverside-rooms", "Riverside Rooms", "hello@riverside.demo.stageslot.test")
GROUP_PEOPLE = [
    ("group-owner", "Pia Schulte", "Europe/Berlin", Role.OWNER),
    ("promoter", "Rafael Costa", "Europe/Berlin", Role.BOOKER),
    ("group-viewer", "Lena Roth", "Europe/Berlin", Role.VIEWER),
]
GROUP_VENUES = ["kellerbar", "the-lantern"]


def _person(part: str, name: str, zone: str, password: str) -> User:
    email = f"{part}@demo.stageslot.test"
    user, created = User.objects.get_or_create(email=email, defaults={"display_name": name, "time_zone": zone})
    if created:
        user.password = password_hash_once(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _organisation(kind: str, slug: str, name: str, email: str, people, password: str, commission: int = 0):
    first, *rest = [(_person(part, who, zone, password), role) for part, who, zone, role in people]
    organisation = services.organisation_create(
        by=first[0], kind=kind, name=name, email=email, commission_bp=commission
    )
    if organisation.slug != slug:
        Organisation.objects.filter(pk=organisation.pk).update(slug=slug)
        organisation.slug = slug
    # Colleagues join as if by their invites' links (no invite email to the demo's made-up addresses).
    for user, role in rest:
        OrgMember.objects.get_or_create(organisation=organisation, user=user, defaults={"role": role})
    return organisation, first[0], [user for user, _role in rest]


def _leader(band: Band) -> User:
    return Membership.objects.filter(band=band, role=Membership.Role.LEADER).select_related("user").first().user


def seed_teams(*, password: str) -> None:
    if Organisation.objects.filter(slug=AGENCY[0]).exists():
        return
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    slug, name, email, commission = AGENCY
    agency, owner, (agent, *_others) = _organisation(
        Organisation.Kind.AGENCY, slug, name, email, AGENCY_PEOPLE, password, commission
    )
    for position, band in enumerate(Band.objects.filter(slug__in=AGENCY_BANDS).order_by("slug")):
        link = services.representation_ask(
            organisation=agency, by=agent, band=band, message="We would route your spring tour and take the calls."
        )
        services.representation_answer(representation=link, by=_leader(band), accept=True, may_sign=position == 0)
        # Every band of the roster lets the agency ask venues for holds (the roster's hold form).
        services.representation_may_hold_set(representation=link, by=_leader(band), may_hold=True)
    asked = Band.objects.filter(slug=AGENCY_ASKED).first()
    if asked is not None and not Representation.objects.filter(organisation=agency, band=asked).exists():
        services.representation_ask(
            organisation=agency, by=owner, band=asked, message="Festival season is coming; we book 40 shows a year."
        )
    slug, name, email = GROUP
    group, group_owner, _people = _organisation(
        Organisation.Kind.VENUE_GROUP, slug, name, email, GROUP_PEOPLE, password
    )
    for venue in Venue.objects.filter(slug__in=GROUP_VENUES).order_by("slug"):
        link = services.venue_link_ask(organisation=group, by=group_owner, venue=venue)
        venue_owner = (
            VenueStaff.objects.filter(venue=venue, role=VenueStaff.Role.OWNER, group_id=None)
            .select_related("user")
            .first()
        )
        if venue_owner is not None:
            services.venue_link_answer(link=VenueLink.objects.get(pk=link.pk), by=venue_owner.user, accept=True)
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
