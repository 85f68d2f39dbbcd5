"""Writes to a band's sections and minimum line-up; each rebuilds the band's line-up snapshot
(Band.lineup, read by bands.lineup) in its transaction."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Band, LineupNeed, Membership, MembershipSection, Section
from .services import BandError, BandPermissionError, _lock_band, _manager_of

__all__ = ["BandPermissionError", "SectionError"]

MOST_SECTIONS = 30


class SectionError(BandError):
    """A section change that breaks a rule (a name taken, too many sections)."""


def band_lineup_refresh(band: Band) -> Band:
    """Rebuild the band's line-up snapshot from its tables (inside the caller's transaction)."""
    sections = Section.objects.filter(band=band).select_related("need")
    plays: dict[str, list[int]] = {}
    for user_id, section_id in (
        MembershipSection.objects.filter(section__band=band)
        .order_by("membership_id", "section__order", "section_id")
        .values_list("membership__user_id", "section_id")
    ):
        plays.setdefault(str(user_id), []).append(section_id)
    band.lineup = {
        "sections": [
            {"id": s.pk, "name": s.name, "need": s.need.min_players if hasattr(s, "need") else 0} for s in sections
        ],
        "plays": plays,
        "total": band.min_players or 0,
        "occasional": sorted(Membership.objects.filter(band=band, occasional=True).values_list("user_id", flat=True)),
    }
    if not band.lineup["sections"] and not band.lineup["total"]:
        band.lineup = {}
    Band.objects.filter(pk=band.pk).update(lineup=band.lineup)
    return band


def _clean_name(name: str) -> str:
    name = " ".join(name.split())[:60]
    if not name:
        raise SectionError(_("Give the section a name."), code="no_name")
    return name


def section_add(*, band: Band, by: User, name: str) -> Section:
    """Add a section at the end of the band's order."""
    name = _clean_name(name)
    with transaction.atomic():
        band = _lock_band(band)
        _manager_of(band, by)
        if Section.objects.filter(band=band).count() >= MOST_SECTIONS:
            raise SectionError(_("A band has at most %(count)s sections.") % {"count": MOST_SECTIONS}, code="many")
        if Section.objects.filter(band=band, name__iexact=name).exists():
            raise SectionError(_("The band already has a section of that name."), code="taken")
        last = Section.objects.filter(band=band).aggregate(last=Max("order"))["last"]
        section = Section.objects.create(band=band, name=name, order=0 if last is None else last + 1)
        band_lineup_refresh(band)
    return section


def section_rename(*, section: Section, by: User, name: str) -> Section:
    name = _clean_name(name)
    with transaction.atomic():
        band = _lock_band(section.band)
        _manager_of(band, by)
        if Section.objects.filter(band=band, name__iexact=name).exclude(pk=section.pk).exists():
            raise SectionError(_("The band already has a section of that name."), code="taken")
        section.name = name
        try:
            section.save(update_fields=["name"])
        except IntegrityError as exc:
            raise SectionError(_("The band already has a section of that name."), code="taken") from exc
        band_lineup_refresh(band)
    return section


def section_move(*, section: Section, by: User, up: bool) -> None:
    """Swap the section with the one before (up) or after it in the band's order."""
    with transaction.atomic():
        band = _lock_band(section.band)
        _manager_of(band, by)
        ordered = list(Section.objects.filter(band=band))
        index = next(i for i, s in enumerate(ordered) if s.pk == section.pk)
        other = index - 1 if up else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, s in enumerate(ordered):
            if s.order != position:
                Section.objects.filter(pk=s.pk).update(order=position)
        band_lineup_refresh(band)


def section_remove(*, section: Section, by: User) -> None:
    """Remove a section; its players stay in the band."""
    with transaction.atomic():
        band = _lock_band(section.band)
        _manager_of(band, by)
        section.delete()
        band_lineup_refresh(band)


def lineup_set(*, band: Band, by: User, needs: dict[int, int], total: int | None) -> Band:
    """Set the fewest players per section (0: no minimum) and in all (None: no total)."""
    with transaction.atomic():
        band = _lock_band(band)
        _manager_of(band, by)
        sections = {s.pk: s for s in Section.objects.filter(band=band)}
        for section_id, count in needs.items():
            if section_id not in sections:
                continue
            if count:
                LineupNeed.objects.update_or_create(
                    section_id=section_id, defaults={"band": band, "min_players": count}
                )
            else:
                LineupNeed.objects.filter(section_id=section_id).delete()
        band.min_players = total or None
        band.save(update_fields=["min_players"])
        band_lineup_refresh(band)
    return band


def membership_sections_set(
    *, membership: Membership, by: User, usual: int | None, doubles: Iterable[int], occasional: bool | None = None
) -> None:
    """Set the sections a member plays: their usual one and those they double in; with `occasional`,
    whether they play only now and then (a line-up that needs them is amber, not green)."""
    with transaction.atomic():
        band = _lock_band(membership.band)
        _manager_of(band, by)
        if occasional is not None:
            Membership.objects.filter(pk=membership.pk, band=band).update(occasional=occasional)
        own = set(Section.objects.filter(band=band).values_list("pk", flat=True))
        wanted = {pk for pk in doubles if pk in own}
        if usual is not None and usual in own:
            wanted.add(usual)
        else:
            usual = None
        MembershipSection.objects.filter(membership=membership).exclude(section_id__in=wanted).delete()
        MembershipSection.objects.filter(membership=membership).update(usual=False)
        for pk in wanted:
            MembershipSection.objects.update_or_create(
                membership=membership, section_id=pk, defaults={"usual": pk == usual}
            )
        band_lineup_refresh(band)
