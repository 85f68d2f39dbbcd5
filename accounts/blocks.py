"""Who wants no new contact with whom (decision 0081): a person, band or venue blocks another.

`blocked_between` is the one read every door of new contact asks, through the one contact check
(`contact_check` here; bookings.services.checks.contact_check is the same check for the booking doors): one
indexed query, both ways, so a block holds whichever side tries. A side (`party_side`) is a band with its members
and the agents acting for it, a venue with its staff, or people on their own; who those are the apps that know
register. Parties are (kind, id) pairs by value: accounts knows nothing of bands or venues."""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from .models import Block, PartyKind, User


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


class ContactBlocked(Exception):
    """One side blocked the other: no new contact between them. `str()` is the refusal for the side that asked;
    its words never say who blocked whom (decision 0081)."""


def contact_refusal(name: str) -> str:
    """The one refusal of blocked contact, whichever side blocked: `name` is the side asked, as the asker knows
    it (a band's name, a venue's, the address or name the asker typed)."""
    return _("%(name)s can't be contacted through StageSlot. Nothing was sent.") % {"name": name}


def contact_check(*, asking: "Collection[Party] | Side", asked: "Collection[Party] | Side", name: str) -> None:
    """Refuse a new contact between two sides when either blocked the other (blocked_between: one query, both
    ways). Raises ContactBlocked with contact_refusal(name); nothing is read for a name."""
    if blocked_between(asking, asked):
        raise ContactBlocked(contact_refusal(name))


def contact_open(asking: "Collection[Party] | Side", field: str = "pk") -> Q:
    """The contact check for one side and many people at once (a show's news to its audience), as a filter of a
    queryset of people with their id at `field`: those who neither blocked a party of `asking` nor were blocked
    by one. A subquery of the people's own query: no query of its own."""
    user = PartyKind.USER.value
    blocked = Block.objects.filter(parties_q(asking, "blocker"), blocked_kind=user).values("blocked_id")
    blockers = Block.objects.filter(parties_q(asking, "blocked"), blocker_kind=user).values("blocker_id")
    return ~Q(**{f"{field}__in": blocked}) & ~Q(**{f"{field}__in": blockers})


def email_side(*emails: str) -> Side:
    """The people whose accounts have one of `emails` (an invite, a stand-in or a traveller named by address), as a
    side read inside blocked_between's one query: nobody when no account has it (an address with no account
    blocked nobody and is blocked by nobody)."""
    wanted = Q(pk__in=[])
    for email in emails:
        if email and email.strip():
            wanted |= Q(email__iexact=email.strip())
    return Side(frozenset(), ((PartyKind.USER.value, User.objects.filter(wanted).values("pk")),))


# Who speaks for a band or a venue (its members, its staff), told by the app that knows: each registers its
# kind in its AppConfig.ready, as accounts imports neither. Both readers take ids (a list or a subquery) and
# give a queryset of ids that is read inside the query that uses it, never on its own.
class PartyPeople(NamedTuple):
    parties_of: Callable[[Any], QuerySet]  # person ids -> the ids of the parties of this kind they speak for
    people_of: Callable[[Any], QuerySet]  # party ids -> the ids of the people who speak for them


_PEOPLE: dict[str, PartyPeople] = {}


def party_people_register(kind: str, model: type[Model], key: str) -> None:
    """Who speaks for the parties of `kind`: the rows of `model` (with `user_id`) that hold the party's key
    at `key` (Membership and "band_id", VenueStaff and "venue_id")."""
    _PEOPLE[kind] = PartyPeople(
        parties_of=lambda people: model.objects.filter(user_id__in=people).values(key),
        people_of=lambda ids: model.objects.filter(**{f"{key}__in": ids}).values("user_id"),
    )


def people_of(kind: str, ids: Any) -> QuerySet:
    """The ids of the people who speak for the parties of `kind` with `ids` (a band's members, a venue's staff)."""
    return _PEOPLE[kind].people_of(ids)


# Who else is on a party's side of a contact though they do not speak for it (an agency's owners and bookers for
# a band it represents: the band's asks reach their inbox), told by the app that knows (teams) in its ready.
_ALSO_ON_SIDE: dict[str, list[Callable[[Any], QuerySet]]] = {}


def side_people_register(kind: str, people_of: Callable[[Any], QuerySet]) -> None:
    """`people_of(party ids)` gives the ids of more people on the side of the parties of `kind`, as a subquery."""
    readers = _ALSO_ON_SIDE.setdefault(kind, [])
    if people_of not in readers:
        readers.append(people_of)


def party_side(*, band_ids: Iterable[int] = (), venue_ids: Iterable[int] = (), user_ids: Iterable[int] = ()) -> Side:
    """The bands and venues named with their people (members, staff, and those registered as on their side), and
    the people named, as one side for blocked_between: no query here, the people are read inside its one query."""
    named = {PartyKind.BAND.value: [b for b in band_ids if b], PartyKind.VENUE.value: [v for v in venue_ids if v]}
    parties = {Party(kind, pk) for kind, ids in named.items() for pk in ids}
    parties |= {user_party(u) for u in user_ids if u}
    more = []
    for kind, ids in named.items():
        if ids:
            more.append((PartyKind.USER.value, people_of(kind, ids)))
            more += [(PartyKind.USER.value, reader(ids)) for reader in _ALSO_ON_SIDE.get(kind, ())]
    return Side(frozenset(parties), tuple(more))


def viewer_side(user) -> Side | None:
    """The person and every band or venue they speak for, as a Side (no query); None for an anonymous visitor."""
    if not getattr(user, "is_authenticated", False):
        return None
    more = tuple((kind, people.parties_of([user.pk])) for kind, people in _PEOPLE.items())
    return Side(frozenset({user_party(user.pk)}), more)


def blocks_by(side: Side):
    """Blocks made by the side (a queryset, not yet read)."""
    return Block.objects.filter(parties_q(side, "blocker"))


def blocks_of(side: Side):
    """Blocks against the side (a queryset, not yet read)."""
    return Block.objects.filter(parties_q(side, "blocked"))


def hidden_from(user, kind: str, field: str = "pk") -> Q:
    """What a search by `user` leaves out of a queryset of bands or venues (`kind`) with the party's key at
    `field`: those blocked either way by the person or a band or venue they speak for, and those with a member
    or staff so blocked; never their own. The one rule of every search (band search, venue search, gig
    finder). Subqueries of the search's own query: no query of its own. Nothing for an anonymous visitor."""
    side = viewer_side(user)
    if side is None:
        return Q()
    by, of = blocks_by(side), blocks_of(side)
    user_kind, reader = PartyKind.USER.value, _PEOPLE[kind]
    hidden = (
        Q(**{f"{field}__in": by.filter(blocked_kind=kind).values("blocked_id")})
        | Q(**{f"{field}__in": of.filter(blocker_kind=kind).values("blocker_id")})
        | Q(**{f"{field}__in": reader.parties_of(by.filter(blocked_kind=user_kind).values("blocked_id"))})
        | Q(**{f"{field}__in": reader.parties_of(of.filter(blocker_kind=user_kind).values("blocker_id"))})
    )
    return ~hidden | Q(**{f"{field}__in": reader.parties_of([user.pk])})
