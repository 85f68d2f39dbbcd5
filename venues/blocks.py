"""Blocks as venues see them (decision 0081): the venues a person speaks for, and the venues a person's
searches leave out."""

from django.db.models import Q, QuerySet

from accounts.blocks import blocks_by, blocks_of, viewer_side
from accounts.models import PartyKind

from .models import VenueStaff

VENUE, USER = PartyKind.VENUE.value, PartyKind.USER.value


def venues_of_person(user_id: int) -> list[tuple[str, QuerySet]]:
    """Every venue the person is on the staff of (a queryset, read where it is used)."""
    return [(VENUE, VenueStaff.objects.filter(user_id=user_id).values("venue_id"))]


def venues_hidden_from(user, field: str = "pk") -> Q:
    """What a search by `user` leaves out of a queryset with the venue's key at `field`: venues blocked either
    way by the person or a band or venue they speak for, and venues with staff so blocked; never their own.
    Subqueries of the search's own query: no query of its own. Everything for an anonymous visitor."""
    side = viewer_side(user)
    if side is None:
        return Q()
    by, of = blocks_by(side), blocks_of(side)
    people = Q(user_id__in=by.filter(blocked_kind=USER).values("blocked_id")) | Q(
        user_id__in=of.filter(blocker_kind=USER).values("blocker_id")
    )
    hidden = (
        Q(**{f"{field}__in": by.filter(blocked_kind=VENUE).values("blocked_id")})
        | Q(**{f"{field}__in": of.filter(blocker_kind=VENUE).values("blocker_id")})
        | Q(**{f"{field}__in": VenueStaff.objects.filter(people).values("venue_id")})
    )
    return ~hidden | Q(**{f"{field}__in": VenueStaff.objects.filter(user_id=user.pk).values("venue_id")})
