"""Blocks as bands see them (decision 0081): the bands a person speaks for, and the bands a person's
searches leave out."""

from django.db.models import Q, QuerySet

from accounts.blocks import blocks_by, blocks_of, viewer_side
from accounts.models import PartyKind

from .models import Membership

BAND, USER = PartyKind.BAND.value, PartyKind.USER.value


def bands_of_person(user_id: int) -> list[tuple[str, QuerySet]]:
    """Every band the person plays in (a queryset, read where it is used): a block by or of the band
    concerns them."""
    return [(BAND, Membership.objects.filter(user_id=user_id).values("band_id"))]


def bands_hidden_from(user, field: str = "pk") -> Q:
    """What a search by `user` leaves out of a queryset with the band's key at `field`: bands blocked either
    way by the person or a band or venue they speak for, and bands with a member so blocked; never their own.
    Subqueries of the search's own query: no query of its own. Everything for an anonymous visitor."""
    side = viewer_side(user)
    if side is None:
        return Q()
    by, of = blocks_by(side), blocks_of(side)
    people = Q(user_id__in=by.filter(blocked_kind=USER).values("blocked_id")) | Q(
        user_id__in=of.filter(blocker_kind=USER).values("blocker_id")
    )
    hidden = (
        Q(**{f"{field}__in": by.filter(blocked_kind=BAND).values("blocked_id")})
        | Q(**{f"{field}__in": of.filter(blocker_kind=BAND).values("blocker_id")})
        | Q(**{f"{field}__in": Membership.objects.filter(people).values("band_id")})
    )
    return ~hidden | Q(**{f"{field}__in": Membership.objects.filter(user_id=user.pk).values("band_id")})
