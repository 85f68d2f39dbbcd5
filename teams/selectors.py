"""Reads of organisations: who is in one and in which role, which bands and venues it acts for, and the
questions the booking side asks ("may this person act for this band, and through which agency?")."""

from dataclasses import dataclass

from django.db.models import F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse

from accounts.models import User
from bands.invites import invite_link_token
from bands.models import Band, Membership
from venues.models import Venue, VenueStaff

from .models import ACTING_ROLES, LIVE_LINK, LinkStatus, Organisation, OrgInvite, OrgMember, Representation, VenueLink
from .models import Role as OrgRole

BAND_MANAGERS = (Membership.Role.LEADER, Membership.Role.ADMIN)


# ---- An organisation and its people --------------------------------------------------------------


def organisations_of(*, user: User) -> list[OrgMember]:
    """`user`'s places in organisations, with the organisation, by name, each with `acts_for`: how many bands
    or venues it acts for now (one query)."""
    if not user.is_authenticated:
        return []
    active = Q(status=LinkStatus.ACTIVE)
    # No ordering in a counting subquery: PostgreSQL refuses an ORDER BY column beside COUNT.
    bands = Representation.objects.filter(active, organisation=OuterRef("organisation_id")).order_by()
    venues = VenueLink.objects.filter(active, organisation=OuterRef("organisation_id")).order_by()
    count = Func(F("pk"), function="COUNT")
    return list(
        OrgMember.objects.filter(user=user)
        .select_related("organisation")
        .annotate(
            bands=Subquery(bands.annotate(n=count).values("n")[:1]),
            venues=Subquery(venues.annotate(n=count).values("n")[:1]),
        )
        .order_by("organisation__name", "pk")
    )


def organisation_for_member(*, slug: str, user: User) -> Organisation | None:
    """The organisation at `slug` with `my_role` set to `user`'s role there (None: not in it), or None when
    there is no such organisation. One query."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        return None
    member = OrgMember.objects.filter(organisation=organisation, user_id=user.pk).first() if user.pk else None
    organisation.my_role = member.role if member else None
    return organisation


def organisation_members(*, organisation: Organisation) -> list[OrgMember]:
    return list(organisation.members.select_related("user").order_by("joined_at", "pk"))


def organisation_invites(*, organisation: Organisation, limit: int = 20) -> list[OrgInvite]:
    """The organisation's latest invites, each with its site-relative `link_path` (empty once unusable)."""
    invites = list(organisation.invites.select_related("created_by")[:limit])
    for invite in invites:
        usable = invite.revoked_at is None and invite.uses < invite.max_uses
        invite.link_path = org_invite_link_path(invite=invite) if usable else ""
    return invites


def org_invite_link_path(*, invite: OrgInvite) -> str:
    """The site-relative /join/<token>/ link of an organisation invite."""
    return reverse("join", args=[invite_link_token(kind="team", invite=invite)])


def org_invite_of(*, organisation: Organisation, pk: int) -> OrgInvite:
    return OrgInvite.objects.get(organisation=organisation, pk=pk)


def organisation_link_of(*, organisation: Organisation, pk: int) -> Representation | VenueLink | None:
    """An agency's link to a band, or a venue group's to a venue, by its id (None: not this organisation's)."""
    model = Representation if organisation.is_agency else VenueLink
    return model.objects.select_related("organisation").filter(organisation=organisation, pk=pk).first()


def org_member_of(*, organisation: Organisation, pk: int) -> OrgMember:
    return OrgMember.objects.select_related("user").get(organisation=organisation, pk=pk)


def organisation_representations(*, organisation: Organisation) -> list[Representation]:
    """An agency's bands: live links first (asked, then active), then the history, with each band."""
    order = {LinkStatus.ACTIVE: 0, LinkStatus.ASKED: 1}
    rows = list(Representation.objects.filter(organisation=organisation).select_related("band"))
    return sorted(rows, key=lambda r: (order.get(r.status, 2), r.band.name.lower(), -r.pk))


def organisation_venue_links(*, organisation: Organisation) -> list[VenueLink]:
    """A venue group's venues: live links first, then the history, with each venue."""
    order = {LinkStatus.ACTIVE: 0, LinkStatus.ASKED: 1}
    rows = list(VenueLink.objects.filter(organisation=organisation).select_related("venue"))
    return sorted(rows, key=lambda r: (order.get(r.status, 2), r.venue.name.lower(), -r.pk))


# ---- The band's and the venue's side ------------------------------------------------------------


def band_representations(*, band: Band) -> list[Representation]:
    """The agencies that act, or asked to act, for `band`, and the ones that did, newest first."""
    return list(
        Representation.objects.filter(band=band).select_related("organisation", "asked_by").order_by("-asked_at", "-pk")
    )


def venue_links(*, venue: Venue) -> list[VenueLink]:
    """The groups that run, or asked to run, `venue`, and the ones that did, newest first."""
    return list(
        VenueLink.objects.filter(venue=venue).select_related("organisation", "asked_by").order_by("-asked_at", "-pk")
    )


def representation_for_band(*, band: Band, pk: int) -> Representation:
    return Representation.objects.select_related("organisation", "band").get(band=band, pk=pk)


def venue_link_for_venue(*, venue: Venue, pk: int) -> VenueLink:
    return VenueLink.objects.select_related("organisation", "venue").get(venue=venue, pk=pk)


def band_managers(*, band_id: int) -> list[User]:
    return [m.user for m in Membership.objects.filter(band_id=band_id, role__in=BAND_MANAGERS).select_related("user")]


def venue_owners(*, venue_id: int) -> list[User]:
    return [
        s.user
        for s in VenueStaff.objects.filter(
            venue_id=venue_id, role=VenueStaff.Role.OWNER, group_id__isnull=True
        ).select_related("user")
    ]


def representing_agency_ids(*, band_id: int) -> list[int]:
    """The agencies that act for the band now (their ids, by name)."""
    return list(
        Representation.objects.filter(band_id=band_id, status=LinkStatus.ACTIVE)
        .order_by("organisation__name", "organisation_id")
        .values_list("organisation_id", flat=True)
    )


def organisation_people(*, organisation_id: int, acting: bool = False) -> list[User]:
    members = OrgMember.objects.filter(organisation_id=organisation_id)
    if acting:
        members = members.filter(role__in=ACTING_ROLES)
    return [m.user for m in members.select_related("user")]


# ---- What the booking side asks ---------------------------------------------------------------------


def acting_band_ids(*, user: User) -> set[int]:
    """The bands `user` acts for through an agency: an owner or booker of an agency that represents the
    band now. A viewer acts for none; someone removed from the agency, or an agency the band let go,
    loses them at once (this is read on every check, never kept)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Representation.objects.filter(
            status=LinkStatus.ACTIVE,
            organisation__members__user_id=user.pk,
            organisation__members__role__in=ACTING_ROLES,
        ).values_list("band_id", flat=True)
    )


def acting_band_ids_query(*, user: User | None = None, user_id: int | None = None) -> QuerySet:
    """acting_band_ids as a subquery (`band_id__in=`), for pages that count it into a query they make anyway
    (of `user`, or of the person whose key is `user_id`)."""
    return Representation.objects.filter(
        status=LinkStatus.ACTIVE,
        organisation__members__user_id=user.pk if user is not None else user_id,
        organisation__members__role__in=ACTING_ROLES,
    ).values("band_id")


def acting_people_query(*, band_ids) -> QuerySet:
    """The people who act for any of the bands through an agency now (its owners and bookers), as a subquery
    of user ids: the agency's inbox gets the bands' asks, so they are on the bands' side of a contact."""
    return OrgMember.objects.filter(
        role__in=ACTING_ROLES,
        organisation__representation__band_id__in=band_ids,
        organisation__representation__status=LinkStatus.ACTIVE,
    ).values("user_id")


def owned_links_query(*, user: User) -> tuple[QuerySet, QuerySet]:
    """(band ids, venue ids) as subqueries: the bands an agency `user` owns represents now, and the venues a
    venue group `user` owns runs now. An owner runs the organisation, so speaks for what it acts for."""
    bands = Representation.objects.filter(
        status=LinkStatus.ACTIVE, organisation__members__user_id=user.pk, organisation__members__role=OrgRole.OWNER
    ).values("band_id")
    venues = VenueLink.objects.filter(
        status=LinkStatus.ACTIVE, organisation__members__user_id=user.pk, organisation__members__role=OrgRole.OWNER
    ).values("venue_id")
    return bands, venues


def viewing_band_ids(*, user: User) -> set[int]:
    """The bands whose bookings `user` may read through an agency (any role in it)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Representation.objects.filter(status=LinkStatus.ACTIVE, organisation__members__user_id=user.pk).values_list(
            "band_id", flat=True
        )
    )


def agency_acting_for(*, band_id: int, user: User) -> Organisation | None:
    """The agency through which `user` acts for the band (None: they do not, or they are its member)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Organisation.objects.filter(
            representation__band_id=band_id,
            representation__status=LinkStatus.ACTIVE,
            members__user_id=user.pk,
            members__role__in=ACTING_ROLES,
        )
        .order_by("name", "pk")
        .first()
    )


def agency_holding_for(*, band_id: int, user: User) -> Organisation | None:
    """The agency through which `user` may ask venues to hold dates for the band: one that represents the
    band now with the band's leave to ask for holds (`may_hold`), `user` an owner or booker of it."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Organisation.objects.filter(
            representation__band_id=band_id,
            representation__status=LinkStatus.ACTIVE,
            representation__may_hold=True,
            members__user_id=user.pk,
            members__role__in=ACTING_ROLES,
        )
        .order_by("name", "pk")
        .first()
    )


def group_acting_for(*, venue_id: int, user: User) -> Organisation | None:
    """The venue group through which `user` books for the venue (None: not through a group)."""
    staff = VenueStaff.objects.filter(venue_id=venue_id, user_id=user.pk, group_id__isnull=False).first()
    return Organisation.objects.filter(pk=staff.group_id).first() if staff else None


def acting_through(*, booking, user_id: int) -> tuple[str, str]:
    """(organisation, party) when `user_id` acts on `booking` through an organisation and not as one of its
    own people: an agency's agent for the band, a venue group's booker for the venue; ("", "") otherwise.
    One or two small indexed queries (three for a group's booker), for the audit entry of each change."""
    band_org = (
        Organisation.objects.filter(
            representation__band_id=booking.band_id,
            representation__status=LinkStatus.ACTIVE,
            members__user_id=user_id,
            members__role__in=ACTING_ROLES,
        )
        .order_by("name", "pk")
        .annotate(member=Subquery(Membership.objects.filter(band_id=booking.band_id, user_id=user_id).values("pk")[:1]))
        .values_list("name", "member")
        .first()
    )
    if band_org and band_org[1] is None:
        return band_org[0], booking.band.name
    if booking.venue_id:
        group_id = (
            VenueStaff.objects.filter(venue_id=booking.venue_id, user_id=user_id)
            .values_list("group_id", flat=True)
            .first()
        )
        name = Organisation.objects.filter(pk=group_id).values_list("name", flat=True).first() if group_id else None
        if name:
            return name, booking.venue.name
    return "", ""


def representation_may_sign(*, band_id: int, user: User) -> bool:
    """Whether `user` may sign contracts for the band through an agency the band allows to sign."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Representation.objects.filter(
        band_id=band_id,
        status=LinkStatus.ACTIVE,
        may_sign=True,
        organisation__members__user_id=user.pk,
        organisation__members__role__in=ACTING_ROLES,
    ).exists()


@dataclass(frozen=True)
class RosterBand:
    band: Band
    representation: Representation


def agency_roster(*, organisation: Organisation) -> list[RosterBand]:
    """The bands an agency acts for now, by name, with their representation (one query)."""
    rows = (
        Representation.objects.filter(organisation=organisation, status=LinkStatus.ACTIVE)
        .select_related("band")
        .order_by("band__name", "pk")
    )
    return [RosterBand(band=r.band, representation=r) for r in rows]


def roster_bands_query(*, organisation: Organisation) -> QuerySet[Band]:
    """The bands an agency acts for now, as a queryset (a form's choices), by name."""
    return Band.objects.filter(
        representations__organisation=organisation, representations__status=LinkStatus.ACTIVE
    ).order_by("name", "pk")


def group_venues(*, organisation: Organisation) -> QuerySet[Venue]:
    """The venues a group runs now, with their stages."""
    return (
        Venue.objects.filter(group_links__organisation=organisation, group_links__status=LinkStatus.ACTIVE)
        .prefetch_related(Prefetch("stages"))
        .order_by("name", "pk")
    )


def live_link_exists(*, organisation: Organisation, band: Band | None = None, venue: Venue | None = None) -> bool:
    if band is not None:
        return Representation.objects.filter(organisation=organisation, band=band, status__in=LIVE_LINK).exists()
    return VenueLink.objects.filter(organisation=organisation, venue=venue, status__in=LIVE_LINK).exists()
