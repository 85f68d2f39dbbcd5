"""Who wants no new contact with whom (decision 0081): a person, band or venue blocks another.

`blocked_between` is the one read every door of new contact asks (bookings.services.checks.contact_check):
one indexed query, both ways, so a block holds whichever side tries. Parties are (kind, id) pairs by value:
accounts knows nothing of bands or venues."""

from collections.abc import Callable, Collection, Iterable
from typing import NamedTuple

from django.db.models import Q

from .models import Block, PartyKind


class Party(NamedTuple):
    kind: str  # a PartyKind value
    id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def user_party(user_id: int) -> Party:
    return Party(PartyKind.USER.value, user_id)


def parties_q(parties: Iterable[Party], field: str) -> Q:
    """Rows whose `field` ("blocker" or "blocked") is one of `parties`."""
    by_kind: dict[str, set[int]] = {}
    for party in parties:
        by_kind.setdefault(party.kind, set()).add(party.id)
    q = Q(pk__in=[])
    for kind, ids in by_kind.items():
        q |= Q(**{f"{field}_kind": kind, f"{field}_id__in": sorted(ids)})
    return q


def blocked_between(asking: Collection[Party], asked: Collection[Party]) -> bool:
    """Whether any party of `asking` blocked any party of `asked`, or the other way round. One query."""
    asking, asked = [p for p in asking if p.id], [p for p in asked if p.id]
    if not asking or not asked:
        return False
    one_way = parties_q(asking, "blocker") & parties_q(asked, "blocked")
    other_way = parties_q(asked, "blocker") & parties_q(asking, "blocked")
    return Block.objects.filter(one_way | other_way).exists()


def blocked_ids(parties: Collection[Party], kind: str) -> set[int]:
    """The ids of every party of `kind` that blocked one of `parties` or that one of them blocked: what a
    search by `parties` leaves out. At most two indexed reads."""
    parties = [p for p in parties if p.id]
    if not parties:
        return set()
    theirs = Block.objects.filter(parties_q(parties, "blocker"), blocked_kind=kind).values_list("blocked_id", flat=True)
    ours = Block.objects.filter(parties_q(parties, "blocked"), blocker_kind=kind).values_list("blocker_id", flat=True)
    return set(theirs) | set(ours)


# Who a person speaks for (the bands they play in, the venues they staff), told by the apps that know:
# each registers a reader in its AppConfig.ready, as accounts imports neither of them.
_SPEAKS_FOR: list[Callable[[int], Iterable[Party]]] = []


def speaks_for_register(reader: Callable[[int], Iterable[Party]]) -> None:
    if reader not in _SPEAKS_FOR:
        _SPEAKS_FOR.append(reader)


def viewer_parties(user) -> set[Party]:
    """The person and every band or venue they speak for; empty for an anonymous visitor."""
    if not getattr(user, "is_authenticated", False):
        return set()
    parties = {user_party(user.pk)}
    for reader in _SPEAKS_FOR:
        parties |= set(reader(user.pk))
    return parties
