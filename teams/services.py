"""Writes of organisations: making one, its people and their roles, invitations, and the links by which an
agency acts for a band and a venue group runs a venue.

Every check of who may do what is made here, not in the pages: the organisation's owners run it; the
band's leaders and admins, or the venue's own owners, grant and end a link; either side may end it, at
once. A venue group's owners and bookers become the venue's bookers through
`venues.services.venue_group_staff_sync`, so every venue page and booking check counts them; an agency's
acting people are read by the booking side through `teams.selectors.acting_band_ids`.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.blocks import ContactBlocked, contact_check, email_side, party_side
from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.invites import invite_check_usable, invite_email_queue, invite_use, invite_withdraw
from bands.models import Band, Membership
from venues.models import Venue, VenueStaff
from venues.services import venue_group_staff_sync

from .models import (
    ACTING_ROLES,
    MAX_COMMISSION_BP,
    LinkStatus,
    Organisation,
    OrgInvite,
    OrgMember,
    Representation,
    Role,
    VenueLink,
)
from .selectors import BAND_MANAGERS, band_managers, org_invite_link_path, organisation_people, venue_owners

NOTIFY_KIND = "team_link"
INVITE_REPEAT_WINDOW = timedelta(minutes=10)


class TeamsError(ValidationError):
    """A request the organisation's rules refuse; its message says why, for the person who asked."""


class TeamsPermissionError(PermissionError):
    """The person may not do this in this organisation, band or venue."""


# ---- Checks --------------------------------------------------------------------------------------------


def _role_in(organisation_id: int, user: User) -> str | None:
    return (
        OrgMember.objects.filter(organisation_id=organisation_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )


def _check_owner(organisation: Organisation, user: User) -> None:
    if _role_in(organisation.pk, user) != Role.OWNER:
        raise TeamsPermissionError(_("Only the owners of %(name)s can do this.") % {"name": organisation.name})


def _check_acting(organisation: Organisation, user: User) -> None:
    if _role_in(organisation.pk, user) not in ACTING_ROLES:
        raise TeamsPermissionError(
            _("Only the owners and bookers of %(name)s can do this; viewers only read.") % {"name": organisation.name}
        )


def _check_band_manager(band_id: int, user: User) -> None:
    if not Membership.objects.filter(band_id=band_id, user_id=user.pk, role__in=BAND_MANAGERS).exists():
        raise TeamsPermissionError(_("Only the band's leaders and admins can decide who acts for the band."))


def _check_venue_owner(venue_id: int, user: User) -> None:
    owns = VenueStaff.objects.filter(
        venue_id=venue_id, user_id=user.pk, role=VenueStaff.Role.OWNER, group_id__isnull=True
    ).exists()
    if not owns:
        raise TeamsPermissionError(_("Only the venue's owners can decide which group runs the venue."))


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise TeamsError(_("Choose owner, booker or viewer."), code="invalid_role")


def _check_commission(commission_bp: int) -> None:
    if not 0 <= commission_bp <= MAX_COMMISSION_BP:
        raise TeamsError(_("A commission is between 0 and 50 %."), code="commission")


# ---- Organisations ---------------------------------------------------------------------------------


# Addresses of the teams pages themselves, never an organisation's.
RESERVED_SLUGS = frozenset({"new", "bands", "venues"})


def _free_slug(name: str) -> str:
    base = slugify(name)[:100] or "team"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def organisation_create(*, by: User, kind: str, name: str, email: str = "", commission_bp: int = 0) -> Organisation:
    """Make an agency or a venue group with `by` as its first owner. Raises TeamsError for an unknown kind,
    an empty name or a commission out of range (a venue group takes none)."""
    name = " ".join(name.split())
    if kind not in Organisation.Kind.values:
        raise TeamsError(_("Choose an agency or a venue group."), code="kind")
    if not name:
        raise TeamsError(_("Give the organisation a name."), code="name")
    if kind != Organisation.Kind.AGENCY:
        commission_bp = 0
    _check_commission(commission_bp)
    with transaction.atomic():
        organisation = Organisation.objects.create(
            kind=kind,
            name=name[:120],
            slug=_free_slug(name),
            email=email.strip().lower(),
            commission_bp=commission_bp,
            created_by=by,
        )
        OrgMember.objects.create(organisation=organisation, user=by, role=Role.OWNER)
    return organisation


def organisation_update(
    *, organisation: Organisation, by: User, name: str, email: str = "", commission_bp: int | None = None
) -> Organisation:
    """Rename an organisation or change its contact and commission (owners only). A new commission counts
    for money that moves from now on; what was paid keeps the commission it was paid with."""
    _check_owner(organisation, by)
    name = " ".join(name.split())
    if not name:
        raise TeamsError(_("Give the organisation a name."), code="name")
    fields = ["name", "email"]
    organisation.name, organisation.email = name[:120], email.strip().lower()
    if commission_bp is not None and organisation.is_agency:
        _check_commission(commission_bp)
        organisation.commission_bp = commission_bp
        fields.append("commission_bp")
    organisation.save(update_fields=fields)
    return organisation


# ---- People ------------------------------------------------------------------------------------------


def _sync_venues(organisation_id: int) -> None:
    """Every venue the group runs now has exactly its owners and bookers as bookers through it."""
    acting = list(
        OrgMember.objects.filter(organisation_id=organisation_id, role__in=ACTING_ROLES).values_list(
            "user_id", flat=True
        )
    )
    venue_ids = VenueLink.objects.filter(organisation_id=organisation_id, status=LinkStatus.ACTIVE).values_list(
        "venue_id", flat=True
    )
    for venue_id in venue_ids:
        venue_group_staff_sync(venue_id=venue_id, group_id=organisation_id, user_ids=acting)


def _lock(organisation: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _owners_left(organisation_id: int, without: OrgMember) -> int:
    return OrgMember.objects.filter(organisation_id=organisation_id, role=Role.OWNER).exclude(pk=without.pk).count()


def org_member_set_role(*, organisation: Organisation, by: User, member: OrgMember, role: str) -> OrgMember:
    """Give a person another role (owners only). The organisation row is locked, so two owners demoting
    each other at once cannot leave it without one. Raises TeamsError("last_owner")."""
    _check_role(role)
    with transaction.atomic():
        _lock(organisation)
        _check_owner(organisation, by)
        member = OrgMember.objects.select_related("user").get(pk=member.pk, organisation=organisation)
        if member.role == role:
            return member
        if member.role == Role.OWNER and not _owners_left(organisation.pk, member):
            raise TeamsError(
                _("%(person)s is the only owner. Make someone else an owner first.") % {"person": member.user.name},
                code="last_owner",
            )
        member.role = role
        member.save(update_fields=["role"])
        _sync_venues(organisation.pk)
    return member


def org_member_remove(*, organisation: Organisation, by: User, member: OrgMember) -> None:
    """Take a person out (an owner removing them, or they leave). They lose every band and venue the
    organisation acts for at once. Raises TeamsError("last_owner") for the only owner."""
    with transaction.atomic():
        _lock(organisation)
        member = OrgMember.objects.select_related("user").get(pk=member.pk, organisation=organisation)
        if member.user_id != by.pk:
            _check_owner(organisation, by)
        if member.role == Role.OWNER and not _owners_left(organisation.pk, member):
            raise TeamsError(
                _(
                    "%(person)s is the only owner, and an organisation always needs one. "
                    "Make someone else an owner first."
                )
                % {"person": member.user.name},
                code="last_owner",
            )
        member.delete()
        _sync_venues(organisation.pk)


def org_invite_create(
    *,
    organisation: Organisation,
    by: User,
    email: str,
    role: str,
    valid_for: timedelta = timedelta(days=14),
    site_url: str = "",
) -> OrgInvite:
    """Invite someone by email to join in `role` (owners only); the link is emailed once this commits.
    The same invite again within a few minutes is the one already sent. Organisations are not blocked (decision
    0081), people are: an address whose account and the owner who invites blocked one another is refused
    (TeamsError on "email", in the one contact check's words; nothing written, nothing sent)."""
    _check_owner(organisation, by)
    _check_role(role)
    invite = OrgInvite(
        organisation=organisation,
        role=role,
        email=email.strip().lower(),
        created_by=by,
        expires_at=timezone.now() + valid_for,
    )
    invite.full_clean(exclude=["organisation", "created_by"], validate_constraints=False)
    if not invite.email:
        raise TeamsError(_("Give the email address to send the invite to."), code="email")
    try:
        contact_check(asking=party_side(user_ids=[by.pk]), asked=email_side(invite.email), name=invite.email)
    except ContactBlocked as exc:
        raise TeamsError(str(exc), code="email") from None
    with transaction.atomic():
        same = OrgInvite.objects.filter(
            organisation=organisation,
            email=invite.email,
            role=role,
            uses=0,
            revoked_at=None,
            created_at__gte=timezone.now() - INVITE_REPEAT_WINDOW,
        ).first()
        if same is not None:
            return same
        invite.save()
        invite_email_queue(
            invite=invite,
            by=by,
            name=organisation.name,
            time_zone=by.time_zone,
            link=site_url.rstrip("/") + org_invite_link_path(invite=invite),
            subject_template="teams/email/invite_subject.txt",
        )
    return invite


def org_invite_withdraw(*, organisation: Organisation, by: User, invite: OrgInvite) -> OrgInvite:
    _check_owner(organisation, by)
    with transaction.atomic():
        return invite_withdraw(invites=OrgInvite.objects.filter(organisation=organisation), pk=invite.pk)


def org_invite_accept(*, invite: OrgInvite, user: User) -> OrgMember:
    """Join the organisation with an invite, in its role. The invite row is locked, so its uses never
    exceed its limit; someone already in keeps their place and uses none. Raises InviteError."""
    with transaction.atomic():
        invite = OrgInvite.objects.select_for_update().get(pk=invite.pk)
        existing = OrgMember.objects.filter(organisation_id=invite.organisation_id, user=user).first()
        if existing is not None:
            return existing
        invite_check_usable(invite)
        try:
            with transaction.atomic():
                member = OrgMember.objects.create(organisation_id=invite.organisation_id, user=user, role=invite.role)
        except IntegrityError:
            return OrgMember.objects.get(organisation_id=invite.organisation_id, user=user)
        invite_use(invite)
        _sync_venues(invite.organisation_id)
    return member


# ---- Links: an agency for a band, a group for a venue ----------------------------------------------------


def _notify(*, recipients, text, link: str, key: str, actor: User) -> None:
    notifications_create(recipients=recipients, kind=NOTIFY_KIND, text=text, link=link, key=key, actor=actor)


def representation_ask(*, organisation: Organisation, by: User, band: Band, message: str = "") -> Representation:
    """An agency asks to act for a band (its owners and bookers may ask); the band's leaders are told and
    decide. Raises TeamsError when the agency acts for the band already or has asked."""
    if not organisation.is_agency:
        raise TeamsError(_("Only an agency acts for bands."), code="kind")
    _check_acting(organisation, by)
    with transaction.atomic():
        try:
            with transaction.atomic():
                link = Representation.objects.create(
                    organisation=organisation, band=band, asked_by=by, message=message.strip()[:2000]
                )
        except IntegrityError as exc:
            raise TeamsError(
                _("%(agency)s already acts for %(band)s or has asked to.")
                % {"agency": organisation.name, "band": band.name},
                code="exists",
            ) from exc
        _notify(
            recipients=band_managers(band_id=band.pk),
            text=lazy_text(
                gettext_lazy("%(agency)s asks to act for %(band)s on StageSlot."),
                agency=organisation.name,
                band=band.name,
            ),
            link=reverse("teams:band_agencies", args=[band.slug]),
            key=f"team:representation:{link.pk}:asked",
            actor=by,
        )
    return link


def _answer(link, *, accept: bool, by: User) -> None:
    if link.status != LinkStatus.ASKED:
        raise TeamsError(_("This was answered already."), code="answered")
    link.status = LinkStatus.ACTIVE if accept else LinkStatus.DECLINED
    link.answered_by, link.answered_at = by, timezone.now()
    link.save(update_fields=["status", "answered_by", "answered_at"])


def representation_answer(
    *, representation: Representation, by: User, accept: bool, may_sign: bool = False, may_hold: bool = False
) -> Representation:
    """The band's leaders let the agency act for the band (and, with `may_sign` / `may_hold`, sign its
    contracts / ask venues for holds), or decline. Its people are told."""
    with transaction.atomic():
        link = (
            Representation.objects.select_for_update().select_related("organisation", "band").get(pk=representation.pk)
        )
        _check_band_manager(link.band_id, by)
        _answer(link, accept=accept, by=by)
        if accept and (may_sign or may_hold):
            link.may_sign, link.may_hold = may_sign, may_hold
            link.save(update_fields=["may_sign", "may_hold"])
        text = (
            gettext_lazy("%(band)s lets %(agency)s act for the band.")
            if accept
            else gettext_lazy("%(band)s declines %(agency)s's request to act for the band.")
        )
        _notify(
            recipients=organisation_people(organisation_id=link.organisation_id, acting=True),
            text=lazy_text(text, band=link.band.name, agency=link.organisation.name),
            link=reverse("teams:detail", args=[link.organisation.slug]),
            key=f"team:representation:{link.pk}:{link.status}",
            actor=by,
        )
    return link


def representation_end(*, representation: Representation, by: User) -> Representation:
    """End an agency's access to a band at once (the band's leaders, or the agency's owners). Ending twice
    keeps the first end."""
    with transaction.atomic():
        link = (
            Representation.objects.select_for_update().select_related("organisation", "band").get(pk=representation.pk)
        )
        by_band = Membership.objects.filter(band_id=link.band_id, user_id=by.pk, role__in=BAND_MANAGERS).exists()
        if not by_band:
            _check_owner(link.organisation, by)
        if link.status == LinkStatus.ENDED:
            return link
        if link.status == LinkStatus.DECLINED:
            raise TeamsError(_("This request was declined; there is nothing to end."), code="declined")
        link.status, link.ended_by, link.ended_at = LinkStatus.ENDED, by, timezone.now()
        link.save(update_fields=["status", "ended_by", "ended_at"])
        recipients = (
            organisation_people(organisation_id=link.organisation_id)
            if by_band
            else band_managers(band_id=link.band_id)
        )
        _notify(
            recipients=recipients,
            text=lazy_text(
                gettext_lazy("%(agency)s no longer acts for %(band)s."),
                agency=link.organisation.name,
                band=link.band.name,
            ),
            link=reverse("teams:detail", args=[link.organisation.slug])
            if by_band
            else reverse("teams:band_agencies", args=[link.band.slug]),
            key=f"team:representation:{link.pk}:ended",
            actor=by,
        )
    return link


def representation_may_sign_set(*, representation: Representation, by: User, may_sign: bool) -> Representation:
    """The band's leaders let the agency sign contracts for the band, or take that back."""
    with transaction.atomic():
        link = Representation.objects.select_for_update().get(pk=representation.pk)
        _check_band_manager(link.band_id, by)
        if link.status != LinkStatus.ACTIVE:
            raise TeamsError(_("Only an agency that acts for the band now can sign for it."), code="inactive")
        link.may_sign = may_sign
        link.save(update_fields=["may_sign"])
    return link


def representation_may_hold_set(*, representation: Representation, by: User, may_hold: bool) -> Representation:
    """The band's leaders let the agency ask venues to hold dates for the band, or take that back."""
    with transaction.atomic():
        link = Representation.objects.select_for_update().get(pk=representation.pk)
        _check_band_manager(link.band_id, by)
        if link.status != LinkStatus.ACTIVE:
            raise TeamsError(_("Only an agency that acts for the band now can ask for holds."), code="inactive")
        link.may_hold = may_hold
        link.save(update_fields=["may_hold"])
    return link


def venue_link_ask(*, organisation: Organisation, by: User, venue: Venue, message: str = "") -> VenueLink:
    """A venue group or promoter asks to run a venue (its owners ask); the venue's owners are told."""
    if organisation.is_agency:
        raise TeamsError(_("Only a venue group or promoter runs venues."), code="kind")
    _check_owner(organisation, by)
    with transaction.atomic():
        try:
            with transaction.atomic():
                link = VenueLink.objects.create(
                    organisation=organisation, venue=venue, asked_by=by, message=message.strip()[:2000]
                )
        except IntegrityError as exc:
            raise TeamsError(
                _("%(group)s already runs %(venue)s or has asked to.")
                % {"group": organisation.name, "venue": venue.name},
                code="exists",
            ) from exc
        _notify(
            recipients=venue_owners(venue_id=venue.pk),
            text=lazy_text(
                gettext_lazy("%(group)s asks to run %(venue)s on StageSlot."), group=organisation.name, venue=venue.name
            ),
            link=reverse("teams:venue_groups", args=[venue.slug]),
            key=f"team:venue:{link.pk}:asked",
            actor=by,
        )
    return link


def venue_link_answer(*, link: VenueLink, by: User, accept: bool) -> VenueLink:
    """The venue's owners let the group run the venue (its owners and bookers become the venue's bookers
    at once), or decline."""
    with transaction.atomic():
        link = VenueLink.objects.select_for_update().select_related("organisation", "venue").get(pk=link.pk)
        _check_venue_owner(link.venue_id, by)
        _answer(link, accept=accept, by=by)
        if accept:
            _sync_venues(link.organisation_id)
        text = (
            gettext_lazy("%(venue)s lets %(group)s run the venue.")
            if accept
            else gettext_lazy("%(venue)s declines %(group)s's request to run the venue.")
        )
        _notify(
            recipients=organisation_people(organisation_id=link.organisation_id, acting=True),
            text=lazy_text(text, venue=link.venue.name, group=link.organisation.name),
            link=reverse("teams:detail", args=[link.organisation.slug]),
            key=f"team:venue:{link.pk}:{link.status}",
            actor=by,
        )
    return link


def venue_link_end(*, link: VenueLink, by: User) -> VenueLink:
    """End a group's running of a venue at once (the venue's owners, or the group's owners): its people are
    no longer the venue's bookers."""
    with transaction.atomic():
        link = VenueLink.objects.select_for_update().select_related("organisation", "venue").get(pk=link.pk)
        by_venue = VenueStaff.objects.filter(
            venue_id=link.venue_id, user_id=by.pk, role=VenueStaff.Role.OWNER, group_id__isnull=True
        ).exists()
        if not by_venue:
            _check_owner(link.organisation, by)
        if link.status == LinkStatus.ENDED:
            return link
        if link.status == LinkStatus.DECLINED:
            raise TeamsError(_("This request was declined; there is nothing to end."), code="declined")
        link.status, link.ended_by, link.ended_at = LinkStatus.ENDED, by, timezone.now()
        link.save(update_fields=["status", "ended_by", "ended_at"])
        venue_group_staff_sync(venue_id=link.venue_id, group_id=link.organisation_id, user_ids=())
        recipients = (
            organisation_people(organisation_id=link.organisation_id)
            if by_venue
            else venue_owners(venue_id=link.venue_id)
        )
        _notify(
            recipients=recipients,
            text=lazy_text(
                gettext_lazy("%(group)s no longer runs %(venue)s."), group=link.organisation.name, venue=link.venue.name
            ),
            link=reverse("teams:detail", args=[link.organisation.slug])
            if by_venue
            else reverse("teams:venue_groups", args=[link.venue.slug]),
            key=f"team:venue:{link.pk}:ended",
            actor=by,
        )
    return link
