"""A band's members in the order every list of them uses (read by bands.calendar and bands.selectors)."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from core.db.prepared import CompiledSQL

from .models import Band, Membership


def _members_of(*, band_id: int) -> QuerySet[Membership]:
    rank = Case(
        When(role=Membership.Role.LEADER, then=Value(0)),
        When(role=Membership.Role.ADMIN, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return Membership.objects.filter(band_id=band_id).select_related("user").order_by(rank, "joined_at", "pk")


# Read by every band calendar and public month (the fragment every band page loads): compiled once.
_MEMBERS_OF = CompiledSQL(_members_of)


def band_members(*, band: Band) -> QuerySet[Membership]:
    """Everyone in the band with their user: leaders, then admins, then members, each in order of joining."""
    return _members_of(band_id=band.pk)


def band_member_list(*, band: Band) -> list[Membership]:
    """band_members as a list, from SQL compiled once (one query)."""
    return _MEMBERS_OF.instances(band_id=band.pk)
