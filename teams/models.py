"""Organisations that act for several acts or rooms: agencies (a roster of bands) and venue groups or
promoters (several venues and their stages), their people and roles, and the links to the bands and
venues they act for.

A link is asked for by the organisation and granted by the band's leaders or the venue's owners, who
can end it at once; it is never deleted, so the history of who acted for whom stays.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bands.models import Band, InviteBase
from venues.models import Venue

# An agency's commission is kept in basis points: 1500 is 15 %.
MAX_COMMISSION_BP = 5000


class Organisation(models.Model):
    class Kind(models.TextChoices):
        AGENCY = "agency", _("Agency")
        VENUE_GROUP = "venue_group", _("Venue group or promoter")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    email = models.EmailField(_("contact email"), blank=True)
    commission_bp = models.PositiveIntegerField(
        _("commission (basis points)"),
        default=0,
        validators=[MaxValueValidator(MAX_COMMISSION_BP)],
        help_text=_("An agency's share of the band's fee, in hundredths of a per cent (1500 = 15 %)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_bp__lte=MAX_COMMISSION_BP),
                name="teams_commission_within_max",
                violation_error_message=_("A commission is at most 50 %."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_agency(self) -> bool:
        return self.kind == self.Kind.AGENCY

    @property
    def commission_percent(self) -> str:
        whole, rest = divmod(self.commission_bp, 100)
        return f"{whole}" if not rest else f"{whole}.{rest:02d}".rstrip("0")


class Role(models.TextChoices):
    """What a person may do in an organisation. Owners run it (people, links, settings); bookers act for
    its bands or venues (an agency's agents, a venue group's art directors); viewers only read."""

    OWNER = "owner", _("Owner")
    BOOKER = "booker", _("Booker")
    VIEWER = "viewer", _("Viewer")


ACTING_ROLES = (Role.OWNER, Role.BOOKER)


class OrgMember(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="org_roles"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.BOOKER)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation member")
        verbose_name_plural = _("organisation members")
        ordering = ["organisation", "joined_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="teams_member_unique")]

    def __str__(self) -> str:
        # Translators: e.g. "Ana Díaz at Northside Agency (Booker)".
        return gettext("%(person)s at %(organisation)s (%(role)s)") % {
            "person": self.user,
            "organisation": self.organisation,
            "role": self.get_role_display(),
        }

    @property
    def can_act(self) -> bool:
        return self.role in ACTING_ROLES


class OrgInvite(InviteBase):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="invites"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.BOOKER)

    class Meta:
        verbose_name = _("organisation invite")
        verbose_name_plural = _("organisation invites")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(uses__lte=F("max_uses")), name="teams_invite_uses_within_max"),
        ]

    def __str__(self) -> str:
        return gettext("Invite to %(organisation)s") % {"organisation": self.organisation}


class LinkStatus(models.TextChoices):
    ASKED = "asked", _("Asked")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


LIVE_LINK = (LinkStatus.ASKED, LinkStatus.ACTIVE)


class LinkBase(models.Model):
    """An organisation's standing with one band or venue: asked by the organisation, granted or declined
    by the band's leaders or the venue's owners, ended by either side."""

    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE)
    status = models.CharField(_("status"), max_length=10, choices=LinkStatus.choices, default=LinkStatus.ASKED)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    asked_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status == LinkStatus.ACTIVE


class Representation(LinkBase):
    """An agency acts for a band on the booking side (answers, applies, quotes, accepts; signs contracts
    only where the band allows it). It never sees the members' private busy details."""

    band = models.ForeignKey(Band, verbose_name=_("band"), on_delete=models.CASCADE, related_name="representations")
    may_sign = models.BooleanField(
        _("may sign contracts"), default=False, help_text=_("The agency's people may sign contracts for the band.")
    )
    may_hold = models.BooleanField(
        _("may ask for holds"),
        default=False,
        db_default=False,
        help_text=_("The agency's people may ask venues to hold dates for the band."),
    )

    class Meta:
        verbose_name = _("representation")
        verbose_name_plural = _("representations")
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "band"],
                condition=Q(status__in=LIVE_LINK),
                name="teams_one_live_representation",
                violation_error_message=_("This agency has already asked to represent this band."),
            ),
        ]
        indexes = [models.Index(fields=["band", "status"], name="teams_repr_band_status")]

    def __str__(self) -> str:
        return gettext("%(organisation)s for %(band)s") % {"organisation": self.organisation, "band": self.band}


class VenueLink(LinkBase):
    """A venue group or promoter runs a venue: its bookers act as the venue's bookers, its viewers read."""

    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="group_links")

    class Meta:
        verbose_name = _("venue in a group")
        verbose_name_plural = _("venues in groups")
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "venue"],
                condition=Q(status__in=LIVE_LINK),
                name="teams_one_live_venue_link",
                violation_error_message=_("This group has already asked to run this venue."),
            ),
        ]
        indexes = [models.Index(fields=["venue", "status"], name="teams_venuelink_venue_status")]

    def __str__(self) -> str:
        return gettext("%(organisation)s runs %(venue)s") % {"organisation": self.organisation, "venue": self.venue}
