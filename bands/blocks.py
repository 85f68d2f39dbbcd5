"""Blocks as bands see them (decision 0081): the bands a person speaks for, and the bands a person's
searches leave out."""

from django.db.models import Q

from accounts.blocks import Party, blocked_ids, viewer_parties
from accounts.models import PartyKind

from .models import Membership


def bands_of_person(user_id: int) -> list[Party]:
    """Every band the person plays in: a block by or of the band concerns them."""
    return [
        Party(PartyKind.BAND.value, b)
        for b in Membership.objects.filter(user_id=user_id).values_list("band_id", flat=True)
    ]


def bands_hidden_from(user) -> Q:
    """The bands a search by `user` leaves out: blocked either way by the person or a band or venue they speak
    for, and bands with a member so blocked; never their own. No query for an anonymous visitor."""
    parties = viewer_parties(user)
    if not parties:
        return Q()
    hidden = blocked_ids(parties, PartyKind.BAND)
    people = blocked_ids(parties, PartyKind.USER)
    if people:
        hidden |= set(Membership.objects.filter(user_id__in=people).values_list("band_id", flat=True))
    hidden -= {p.id for p in parties if p.kind == PartyKind.BAND}
    return ~Q(pk__in=sorted(hidden)) if hidden else Q()
