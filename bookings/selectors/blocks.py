"""The parties a contact is between, for accounts.blocks (decisions 0081, 0083).

A band's side is the band, its members and the agents who act for it; a venue's side is the venue and its
staff (a venue group's bookers are on its staff): an ask or a message to a band reaches every member's inbox
and its agency's, so a block by any of them, or by the band itself, holds against it. A person acting on
their own (a client) is their side alone."""

from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import Q

from accounts.blocks import Party, Side, parties_q, party_side, user_party
from accounts.models import Block, PartyKind, User
from bands.models import Band, Membership
from teams.selectors import acting_band_ids_query, owned_links_query
from venues.models import Venue, VenueStaff

from ..models import Booking


def band_party(band_id: int) -> Party:
    return Party(PartyKind.BAND.value, band_id)


def venue_party(venue_id: int) -> Party:
    return Party(PartyKind.VENUE.value, venue_id)


def side_parties(*, band_ids: Iterable[int] = (), venue_ids: Iterable[int] = (), user_ids: Iterable[int] = ()) -> Side:
    """The bands and venues named with their members and staff (and a band's agents), and the people named, as one
    side for accounts.blocks.blocked_between: accounts.blocks.party_side, the one definition of a side."""
    return party_side(band_ids=band_ids, venue_ids=venue_ids, user_ids=user_ids)


def booking_sides(booking: Booking) -> tuple[Side, Side]:
    """(the band's side, the other side: the venue, the hosting band that picks, or the client)."""
    band_side = side_parties(band_ids=[booking.band_id])
    other = side_parties(
        venue_ids=[booking.venue_id] if booking.venue_id else [],
        band_ids=[booking.picker_band_id] if booking.picker_band_id and not booking.venue_id else [],
        user_ids=[booking.client_id] if booking.client_id else [],
    )
    return band_side, other


# ---- Who may block for whom, and what a block names ----------------------------------------------------


class BlockTarget(NamedTuple):
    party: Party
    name: str


def block_voices(user: User) -> list[BlockTarget]:
    """Who `user` may block for: themselves, the bands they lead or run, the venues they own, and the bands
    and venues an agency or venue group they own acts for now."""
    voices = [BlockTarget(user_party(user.pk), user.name)]
    agency_bands, group_venues = owned_links_query(user=user)
    led = Membership.objects.filter(user_id=user.pk, role__in=(Membership.Role.LEADER, Membership.Role.ADMIN))
    bands = Band.objects.filter(Q(pk__in=led.values("band_id")) | Q(pk__in=agency_bands)).order_by("name", "pk")
    voices += [BlockTarget(band_party(b.pk), b.name) for b in bands]
    owned = VenueStaff.objects.filter(user_id=user.pk, role=VenueStaff.Role.OWNER).values("venue_id")
    venues = Venue.objects.filter(Q(pk__in=owned) | Q(pk__in=group_venues)).order_by("name", "pk")
    voices += [BlockTarget(venue_party(v.pk), v.name) for v in venues]
    return voices


def party_names(parties: Iterable[Party]) -> dict[Party, str]:
    """The name of each party (a person's display name, a band's or venue's name). One query per kind."""
    by_kind: dict[str, list[int]] = {}
    for party in parties:
        by_kind.setdefault(party.kind, []).append(party.id)
    names: dict[Party, str] = {}
    for kind, model in ((PartyKind.USER, User), (PartyKind.BAND, Band), (PartyKind.VENUE, Venue)):
        if kind in by_kind:
            for row in model.objects.filter(pk__in=by_kind[kind]):
                names[Party(kind.value, row.pk)] = row.name
    return names


def blocks_made_by(user: User) -> list[tuple[Block, str, str]]:
    """The blocks `user` may lift: made for themselves or for a band or venue they may block for, newest
    first, each with (the block, the blocker's name, the blocked party's name)."""
    voices = block_voices(user)
    rows = list(
        Block.objects.filter(parties_q([v.party for v in voices], "blocker")).order_by("-created_at", "-pk")[:200]
    )
    names = {v.party: v.name for v in voices} | party_names(Party(r.blocked_kind, r.blocked_id) for r in rows)
    return [
        (
            row,
            names.get(Party(row.blocker_kind, row.blocker_id), ""),
            names.get(Party(row.blocked_kind, row.blocked_id), ""),
        )
        for row in rows
    ]


def block_targets_of_booking(booking: Booking, user: User) -> list[BlockTarget]:
    """What `user` may block from a booking's page: the other side of it as they see it (the band, the venue,
    the hosting band or the client). Empty when they are on neither side. An agent acting for the band is on
    its side (decision 0083)."""
    in_band = (
        Membership.objects.filter(band_id=booking.band_id, user_id=user.pk).exists()
        or acting_band_ids_query(user=user).filter(band_id=booking.band_id).exists()
    )
    if (
        booking.client_id == user.pk
        or (booking.venue_id and VenueStaff.objects.filter(venue_id=booking.venue_id, user_id=user.pk).exists())
        or (
            booking.picker_band_id
            and Membership.objects.filter(band_id=booking.picker_band_id, user_id=user.pk).exists()
        )
    ):
        return [BlockTarget(band_party(booking.band_id), booking.band.name)]
    if not in_band:
        return []
    if booking.venue_id:
        return [BlockTarget(venue_party(booking.venue_id), booking.venue.name)]
    if booking.picker_band_id:
        return [BlockTarget(band_party(booking.picker_band_id), booking.picker_band.name)]
    if booking.client_id:
        return [BlockTarget(user_party(booking.client_id), booking.client.name)]
    return []


def block_liftable(*, pk: int, user: User) -> tuple[Block, str] | None:
    """The block `pk` with the blocked party's name, if `user` may lift it (made for them or for a band or
    venue they may block for); None otherwise."""
    block = Block.objects.filter(pk=pk).first()
    if block is None or Party(block.blocker_kind, block.blocker_id) not in {v.party for v in block_voices(user)}:
        return None
    blocked = Party(block.blocked_kind, block.blocked_id)
    return block, party_names([blocked]).get(blocked, "")
