"""Releases of a festival's timetable (decision 0103): the organiser publishes release N when the builder
is ready; it freezes the booked sets (act, stage, day, start, end) that the public page, its calendars and
the schedule export show, and tells each act whose set changed since the last release what changed."""

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Membership

from .. import selectors
from ..models import Festival, Release
from .calls import check_organiser
from .timetable import festival_day_of

NOTE_MAX = Release._meta.get_field("note").max_length


def release_sets(festival: Festival) -> list[dict]:
    """The festival's booked sets as a release keeps them, in time order (one query, through the
    timetable's own reading of its placements)."""
    sets = []
    for placement in selectors.timetable_query(festival=festival):
        placement.festival_stage.festival = festival
        day = festival_day_of(placement.festival_stage, placement.starts_at, placement.ends_at)
        sets.append(
            {
                "placement": placement.pk,
                "band": placement.band_id,
                "act": placement.band.name,
                "slug": placement.band.slug,
                "stage": placement.festival_stage_id,
                "stage_name": placement.festival_stage.stage.name,
                "day": (day or placement.starts_at.date()).isoformat(),
                "starts_at": placement.starts_at.astimezone(dt.UTC).isoformat(),
                "ends_at": placement.ends_at.astimezone(dt.UTC).isoformat(),
                "sequence": placement.sequence,
                "changed_at": placement.updated_at.astimezone(dt.UTC).isoformat(),
            }
        )
    return sets


def _times(entries: list[dict], zone: zoneinfo.ZoneInfo) -> str:
    """An act's sets in one release, in the festival's zone ("Main 2026-12-05 18:00–18:45")."""
    return "; ".join(
        "{stage} {start:%Y-%m-%d %H:%M}–{end:%H:%M}".format(
            stage=e["stage_name"],
            start=dt.datetime.fromisoformat(e["starts_at"]).astimezone(zone),
            end=dt.datetime.fromisoformat(e["ends_at"]).astimezone(zone),
        )
        for e in entries
    )


def _by_band(sets: list[dict]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for entry in sets:
        out.setdefault(entry["band"], []).append(entry)
    return out


def _where(entries: list[dict]) -> list[tuple]:
    return sorted((e["stage"], e["starts_at"], e["ends_at"]) for e in entries)


def release_changes(before: list[dict], after: list[dict]) -> dict[int, tuple[list[dict], list[dict]]]:
    """The acts whose sets differ between two releases (added, moved, removed): band id → (old, new)."""
    old, new = _by_band(before), _by_band(after)
    return {
        band: (old.get(band, []), new.get(band, []))
        for band in sorted(old.keys() | new.keys())
        if _where(old.get(band, [])) != _where(new.get(band, []))
    }


def release_publish(*, festival: Festival, by: User, note: str = "", now: dt.datetime) -> Release:
    """Publish the next release of `festival`'s timetable (its organisation's owners and bookers only): the
    booked sets are frozen in it, the timetable is public from now on, and the leaders of each act whose set
    was added, moved or removed since the last release are told the old and the new times (the notices are
    rows of this transaction; their emails leave once it commits)."""
    check_organiser(festival.organisation_id, by)
    note = " ".join(note.split())
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Keep the note under %(max)d characters.") % {"max": NOTE_MAX}})
    zone = zoneinfo.ZoneInfo(festival.time_zone)
    with transaction.atomic():
        # One release at a time per festival: its number is the last one's plus one.
        Festival.objects.select_for_update().filter(pk=festival.pk).first()
        last = Release.objects.filter(festival=festival).order_by("-number").first()
        sets = release_sets(festival)
        release = Release.objects.create(
            festival=festival, number=(last.number + 1) if last else 1, note=note, sets=sets, published_at=now
        )
        if not festival.published:
            Festival.objects.filter(pk=festival.pk).update(published=True)
            festival.published = True
        changes = release_changes(last.sets if last else [], sets)
        leaders: dict[int, list[User]] = {}
        for member in Membership.objects.filter(
            band_id__in=list(changes), role__in=[Membership.Role.LEADER, Membership.Role.ADMIN]
        ).select_related("user"):
            leaders.setdefault(member.band_id, []).append(member.user)
        link = f"/festivals/{festival.slug}/releases/{release.number}/"
        for band_id, (old, new) in changes.items():
            act = (new or old)[0]["act"]
            params = {"festival": festival.name, "number": release.number, "band": act}
            if not old:
                text = lazy_text(
                    gettext_lazy("%(festival)s, release %(number)s: %(band)s plays %(new)s."),
                    new=_times(new, zone),
                    **params,
                )
            elif not new:
                text = lazy_text(
                    gettext_lazy("%(festival)s, release %(number)s: %(band)s no longer plays (was %(old)s)."),
                    old=_times(old, zone),
                    **params,
                )
            else:
                text = lazy_text(
                    gettext_lazy("%(festival)s, release %(number)s: %(band)s now plays %(new)s (was %(old)s)."),
                    new=_times(new, zone),
                    old=_times(old, zone),
                    **params,
                )
            notifications_create(
                recipients=leaders.get(band_id, []),
                kind="show_bill",
                text=text,
                link=link,
                key=f"festival-release:{release.pk}:{band_id}",
                actor=by,
            )
    return release
