"""Blocks as venues see them (decision 0081): the venues a person speaks for, and the venues a person's
searches leave out."""

from django.db.models import Q

from accounts.blocks import Party, blocked_ids, viewer_parties
from accounts.models import PartyKind

from .models import VenueStaff


def venues_of_person(user_id: int) -> list[Party]:
    """Every venue the person is on the staff of."""
    return [
        Party(PartyKind.VENUE.value, v)
        for v in VenueStaff.objects.filter(user_id=user_id).values_list("venue_id", flat=True)
    ]


def venues_hidden_from(user, field: str = "pk") -> Q:
    """The venues a search by `user` leaves out (`field`: the venue's key in the searched rows): blocked
    either way by the person or a band or venue they speak for, and venues with staff so blocked; never
    their own. No query for an anonymous visitor."""
    parties = viewer_parties(user)
    if not parties:
        return Q()
    hidden = blocked_ids(parties, PartyKind.VENUE)
    people = blocked_ids(parties, PartyKind.USER)
    if people:
        hidden |= set(VenueStaff.objects.filter(user_id__in=people).values_list("venue_id", flat=True))
    hidden -= {p.id for p in parties if p.kind == PartyKind.VENUE}
    return ~Q(**{f"{field}__in": sorted(hidden)}) if hidden else Q()
