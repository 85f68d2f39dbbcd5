"""Who wants no new contact with whom (decision 0081): a person, band or venue blocks another.

`blocked_between` is the one read every door of new contact asks (bookings.services.checks.contact_check):
one indexed query, both ways, so a block holds whichever side tries. Parties are (kind, id) pairs by value:
accounts knows nothing of bands or venues."""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q, QuerySet

from .models import Block, PartyKind


class Party(NamedTuple):
    kind: str  # a PartyKind value
    id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def user_party(user_id: int) -> Party:
    return Party(PartyKind.USER.value, user_id)


@dataclass(frozen=True)
class Side:
    """One side of a contact: its parties, and (kind, queryset of ids) pairs of parties read inside the one
    query of blocked_between: a band's members (`("user", Membership….values("user_id"))`), a venue's staff,
    the bands a person plays in."""

    parties: frozenset[Party]
    more: tuple[tuple[str, QuerySet], ...] = ()


def parties_q(parties: "Iterable[Party] | Side", field: str) -> Q:
    """Rows whose `field` ("blocker" or "blocked") is one of `parties` (or one of a Side's people)."""
    more: tuple[tuple[str, QuerySet], ...] = ()
    if isinstance(parties, Side):
        parties, more = parties.parties, parties.more
    by_kind: dict[str, set[int]] = {}
    for party in parties:
        if party.id:
            by_kind.setdefault(party.kind, set()).add(party.id)
    q = Q(pk__in=[])
    for kind, ids in by_kind.items():
        q |= Q(**{f"{field}_kind": kind, f"{field}_id__in": sorted(ids)})
    for kind, ids in more:
        q |= Q(**{f"{field}_kind": kind, f"{field}_id__in": ids})
    return q


def blocked_between(asking: "Collection[Party] | Side", asked: "Collection[Party] | Side") -> bool:
    """Whether any party of `asking` blocked any party of `asked`, or the other way round. One query."""
    one_way = parties_q(asking, "blocker") & parties_q(asked, "blocked")
    other_way = parties_q(asked, "blocker") & parties_q(asking, "blocked")
    return Block.objects.filter(one_way | other_way).exists()


# Who a person speaks for (the bands they play in, the venues they staff), told by the apps that know:
# each registers a reader in its AppConfig.ready, as accounts imports neither of them. A reader gives
# (kind, queryset of ids) pairs and runs no query itself.
_SPEAKS_FOR: list[Callable[[int], Iterable[tuple[str, QuerySet]]]] = []


def speaks_for_register(reader: Callable[[int], Iterable[tuple[str, QuerySet]]]) -> None:
    if reader not in _SPEAKS_FOR:
        _SPEAKS_FOR.append(reader)


def viewer_side(user) -> Side | None:
    """The person and every band or venue they speak for, as a Side (no query); None for an anonymous visitor."""
    if not getattr(user, "is_authenticated", False):
        return None
    more = tuple(pair for reader in _SPEAKS_FOR for pair in reader(user.pk))
    return Side(frozenset({user_party(user.pk)}), more)


def blocks_by(side: Side):
    """Blocks made by the side (a queryset, not yet read)."""
    return Block.objects.filter(parties_q(side, "blocker"))


def blocks_of(side: Side):
    """Blocks against the side (a queryset, not yet read)."""
    return Block.objects.filter(parties_q(side, "blocked"))
