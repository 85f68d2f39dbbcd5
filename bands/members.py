"""A band's members in the order every list of them uses (read by bands.calendar and bands.selectors)."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import Band, Membership


def band_members(*, band: Band) -> QuerySet[Membership]:
    """Everyone in the band with their user: leaders, then admins, then members, each in order of joining."""
    rank = Case(
        When(role=Membership.Role.LEADER, then=Value(0)),
        When(role=Membership.Role.ADMIN, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return Membership.objects.filter(band=band).select_related("user").order_by(rank, "joined_at", "pk")
