"""A band's sections and minimum line-up as the green zone and the leader's page read them
(availability.lineup.Lineup); the writes are bands.sections.

The tables (Section, MembershipSection, LineupNeed, Band.min_players) are the truth; Band.lineup is the
snapshot the green zone reads with the band itself, so a calendar costs no query more (decision 0105).
Every write (bands.sections) rebuilds it in the same transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from availability.lineup import Lineup

from .models import Band, Membership, MembershipSection, Section

# ---- Reads ------------------------------------------------------------------------------------------


def band_lineup(*, band: Band, members: Sequence) -> Lineup | None:
    """The band's line-up over `members` (CalendarMember-like: user_id, required), or None when the band
    needs only its required members (no section needs and no total): no query."""
    data = band.lineup or {}
    needs = {s["id"]: s["need"] for s in data.get("sections", ()) if s.get("need")}
    total = data.get("total") or 0
    if not needs and not total:
        return None
    ids = {m.user_id for m in members}
    plays = {int(user_id): frozenset(sections) for user_id, sections in data.get("plays", {}).items()}
    return Lineup(
        needs=needs,
        plays={user_id: plays.get(user_id, frozenset()) for user_id in ids},
        required=frozenset(m.user_id for m in members if m.required),
        total=total,
        soft=frozenset(user_id for user_id in data.get("occasional", ()) if user_id in ids),
    )


def band_section_names(*, band: Band) -> dict[int, str]:
    """Section names by pk from the band's snapshot, in the band's order: no query."""
    return {s["id"]: s["name"] for s in (band.lineup or {}).get("sections", ())}


@dataclass(frozen=True)
class SectionRow:
    section: Section
    need: int
    players: list[Membership]


def band_sections(*, band: Band) -> list[SectionRow]:
    """The band's sections in order, each with its minimum and who plays in it (three queries)."""
    sections = list(Section.objects.filter(band=band).select_related("need"))
    links = MembershipSection.objects.filter(section__band=band).select_related("membership__user")
    players: dict[int, list[Membership]] = {s.pk: [] for s in sections}
    for link in links.order_by("-usual", "membership__joined_at"):
        players[link.section_id].append(link.membership)
    out = []
    for s in sections:
        need = getattr(s, "need", None)
        out.append(SectionRow(section=s, need=need.min_players if need else 0, players=players[s.pk]))
    return out


def membership_sections(*, band: Band) -> dict[int, tuple[int | None, set[int]]]:
    """For each membership pk of the band: its usual section pk and every section pk it plays (one query)."""
    out: dict[int, tuple[int | None, set[int]]] = {}
    for membership_id, section_id, usual in MembershipSection.objects.filter(section__band=band).values_list(
        "membership_id", "section_id", "usual"
    ):
        current, plays = out.get(membership_id, (None, set()))
        plays.add(section_id)
        out[membership_id] = (section_id if usual else current, plays)
    return out


def band_section_of(*, band: Band, pk: int) -> Section:
    """The band's section `pk`; 404 for another band's."""
    return get_object_or_404(Section, band=band, pk=pk)
