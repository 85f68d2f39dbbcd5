"""The band's songs and a gig's set list: any member of the band writes them; the set list changes while the
gig is booked and not over, under its row's lock, so two members reordering at once never interleave."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Band, Membership
from bookings.errors import BookingConflict, BookingPermissionError, StaleEdit
from bookings.models import Booking

from ..models import SetList, SetListEntry, Song

OPEN_STATUSES = (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS)
MOST_SETS = 9
MOST_ENTRIES = 200
LENGTH = re.compile(r"^\s*(?:(\d{1,3})\s*:\s*([0-5]?\d)|(\d{1,3}(?:[.,]\d+)?))\s*$")


def _must_be_member(band_id: int, user: User) -> None:
    if not Membership.objects.filter(band_id=band_id, user_id=user.pk).exists():
        raise BookingPermissionError(_("Only the band's members write its songs and set lists."))


def song_length_parse(value: str) -> int:
    """Seconds from "3:45" (minutes and seconds) or "4" / "3.5" (minutes). Raises ValidationError."""
    match = LENGTH.match(value or "")
    if not match:
        raise ValidationError({"length": [_("Give the length as minutes and seconds, e.g. 3:45.")]})
    if match.group(3) is not None:
        seconds = round(float(match.group(3).replace(",", ".")) * 60)
    else:
        seconds = int(match.group(1)) * 60 + int(match.group(2))
    if not 1 <= seconds <= 3 * 3600:
        raise ValidationError({"length": [_("A song lasts from one second to three hours.")]})
    return seconds


def _clean_links(links: str) -> str:
    lines = [line.strip() for line in (links or "").splitlines() if line.strip()]
    check = URLValidator(schemes=["http", "https"])
    for line in lines:
        try:
            check(line)
        except ValidationError:
            raise ValidationError({"links": [_("Each line is one web address starting with https://.")]}) from None
    if len(lines) > 10:
        raise ValidationError({"links": [_("At most ten links a song.")]})
    return "\n".join(lines)


def _song_fields(*, title: str, key: str, length: str, notes: str, links: str) -> dict:
    errors: dict[str, list[str]] = {}
    fields: dict = {"title": (title or "").strip(), "key": (key or "").strip(), "notes": (notes or "").strip()}
    if not fields["title"]:
        errors["title"] = [_("Give the song's title.")]
    elif len(fields["title"]) > 200:
        errors["title"] = [_("Keep the title to 200 characters.")]
    if len(fields["key"]) > 12:
        errors["key"] = [_("Write the key short, e.g. A minor or F#.")]
    if len(fields["notes"]) > 2000:
        errors["notes"] = [_("Keep the notes to 2,000 characters.")]
    for name, call in (("length_seconds", lambda: song_length_parse(length)), ("links", lambda: _clean_links(links))):
        try:
            fields[name] = call()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return fields


def song_create(
    *, band: Band, by: User, title: str, length: str, key: str = "", notes: str = "", links: str = ""
) -> Song:
    """Add a song to the band's library. Raises BookingPermissionError (not a member), ValidationError (no
    title, a length that is not m:ss, a link that is not a web address, a title the band has already)."""
    _must_be_member(band.pk, by)
    fields = _song_fields(title=title, key=key, length=length, notes=notes, links=links)
    if Song.objects.filter(band=band, title__iexact=fields["title"]).exists():
        raise ValidationError({"title": [_("The band has a song of this title already.")]})
    try:
        with transaction.atomic():
            return Song.objects.create(band=band, **fields)
    except IntegrityError:
        raise ValidationError({"title": [_("The band has a song of this title already.")]}) from None


def song_update(
    *, song: Song, by: User, title: str, length: str, key: str = "", notes: str = "", links: str = ""
) -> Song:
    """Change a song of the band's library (set lists that hold it follow)."""
    _must_be_member(song.band_id, by)
    fields = _song_fields(title=title, key=key, length=length, notes=notes, links=links)
    if Song.objects.filter(band_id=song.band_id, title__iexact=fields["title"]).exclude(pk=song.pk).exists():
        raise ValidationError({"title": [_("The band has a song of this title already.")]})
    for name, value in fields.items():
        setattr(song, name, value)
    song.save()
    return song


def song_archive(*, song: Song, by: User) -> Song:
    """Take a song out of the library's list (set lists that hold it keep it)."""
    _must_be_member(song.band_id, by)
    if song.archived_at is None:
        song.archived_at = timezone.now()
        song.save(update_fields=["archived_at", "updated_at"])
    return song


# ---- A gig's set list -----------------------------------------------------------------------------------


def _locked_set_list(booking: Booking, by: User, now: dt.datetime) -> SetList:
    _must_be_member(booking.band_id, by)
    booking = Booking.objects.select_for_update(of=("self",)).select_related("band").get(pk=booking.pk)
    if booking.status not in OPEN_STATUSES or booking.ends_at <= now:
        raise BookingConflict(_("This gig is over or cancelled: its set list stays as it was."))
    set_list, _created = SetList.objects.get_or_create(booking=booking)
    return SetList.objects.select_for_update().get(pk=set_list.pk)


def _write(set_list: SetList, rows: list[tuple[int, int, str]], by: User) -> None:
    SetListEntry.objects.filter(set_list=set_list).delete()
    SetListEntry.objects.bulk_create(
        SetListEntry(set_list=set_list, song_id=song_id, set_number=set_number, position=n, note=note)
        for n, (song_id, set_number, note) in enumerate(rows, start=1)
    )
    set_list.updated_by = by
    set_list.save(update_fields=["updated_by", "updated_at"])


def set_list_revision(set_list: SetList | None) -> str:
    """The version of a set list a page shows, sent back with a reorder ("" before it has any row)."""
    return set_list.updated_at.isoformat() if set_list is not None and set_list.pk else ""


def _order_words(rows: list[tuple[int, int]]) -> str:
    titles = dict(Song.objects.filter(pk__in={song for song, _set in rows}).values_list("pk", "title"))
    sets: dict[int, list[str]] = {}
    for song, set_number in rows:
        sets.setdefault(set_number, []).append(titles.get(song, "?"))
    return " | ".join(
        _("Set %(n)s: %(songs)s") % {"n": n, "songs": ", ".join(songs)} for n, songs in sorted(sets.items())
    )


def _rows(set_list: SetList) -> list[tuple[int, int, str, int]]:
    return list(
        SetListEntry.objects.filter(set_list=set_list)
        .order_by("set_number", "position")
        .values_list("song_id", "set_number", "note", "pk")
    )


def _tell(booking: Booking, by: User, now: dt.datetime) -> None:
    members = [m.user for m in Membership.objects.filter(band_id=booking.band_id).select_related("user")]
    notifications_create(
        recipients=members,
        kind="set_list",
        text=lazy_text(
            gettext_lazy("%(who)s changed the set list of %(band)s, {when}."), who=by.name, band=booking.band.name
        ),
        link=reverse("gigs:set_list", args=[booking.uid]),
        key=f"set-list:{booking.pk}:{now:%Y%m%d%H}",  # one a gig an hour: an evening of edits is one notice
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


def set_list_save(
    *,
    booking: Booking,
    by: User,
    entries: list[tuple[int, int, str]],
    base: str | None = None,
    now: dt.datetime | None = None,
) -> SetList:
    """Replace the gig's set list with `entries` (song id, set number 1–9, note), in order. Raises
    BookingPermissionError (not a member), BookingConflict (the gig is over or cancelled), ValidationError
    (a song not the band's or archived, a set number out of 1–9, more than 200 entries). `base`: the
    revision (set_list_revision) the person reordered; when the list changed since, nothing is written and
    StaleEdit names both orders."""
    now = now or timezone.now()
    if len(entries) > MOST_ENTRIES:
        raise ValidationError({"entries": [_("A set list holds at most 200 songs.")]})
    if any(not 1 <= set_number <= MOST_SETS for _song, set_number, _note in entries):
        raise ValidationError({"entries": [_("Sets are numbered from 1 to 9.")]})
    if any(len(note or "") > 200 for _song, _set, note in entries):
        raise ValidationError({"entries": [_("Keep each note to 200 characters.")]})
    song_ids = {song_id for song_id, _set, _note in entries}
    known = set(
        Song.objects.filter(band_id=booking.band_id, archived_at__isnull=True, pk__in=song_ids).values_list(
            "pk", flat=True
        )
    )
    if known != song_ids:
        raise ValidationError({"entries": [_("Only the band's own songs go on its set list.")]})
    with transaction.atomic():
        set_list = _locked_set_list(booking, by, now)
        if base is not None and base != set_list_revision(set_list):
            raise StaleEdit(
                _("The set list was changed by someone else meanwhile."),
                theirs=_order_words([(s, n) for s, n, _note, _pk in _rows(set_list)]),
                yours=_order_words([(s, n) for s, n, _note in entries]),
            )
        # Sets keep their order; a song's place within its set follows the order given.
        ordered = sorted(enumerate(entries), key=lambda pair: (pair[1][1], pair[0]))
        _write(set_list, [(s, n, note or "") for _i, (s, n, note) in ordered], by)
        _tell(booking, by, now)
    return set_list


def set_list_add(
    *, booking: Booking, by: User, song: Song, set_number: int = 1, now: dt.datetime | None = None
) -> SetList:
    """Put a song at the end of a set."""
    now = now or timezone.now()
    if song.band_id != booking.band_id or song.archived_at is not None:
        raise ValidationError({"song": [_("Only the band's own songs go on its set list.")]})
    if not 1 <= set_number <= MOST_SETS:
        raise ValidationError({"set_number": [_("Sets are numbered from 1 to 9.")]})
    with transaction.atomic():
        set_list = _locked_set_list(booking, by, now)
        rows = [(s, n, note) for s, n, note, _pk in _rows(set_list)]
        if len(rows) >= MOST_ENTRIES:
            raise ValidationError({"song": [_("A set list holds at most 200 songs.")]})
        rows.append((song.pk, set_number, ""))
        rows.sort(key=lambda r: r[1])  # stable: the new song ends its set
        _write(set_list, rows, by)
        _tell(booking, by, now)
    return set_list


def set_list_move(
    *, booking: Booking, by: User, entry_id: int, direction: str, now: dt.datetime | None = None
) -> tuple[SetList, int, int]:
    """Move one entry: "up" / "down" within its set (across into the next set at its edge), "remove", or
    "set-N" to the end of set N. Returns the set list, and the entry's new set and place in it (0 when
    removed). Raises ValidationError for an entry not on this set list or a direction we do not know."""
    now = now or timezone.now()
    with transaction.atomic():
        set_list = _locked_set_list(booking, by, now)
        rows = _rows(set_list)
        index = next((i for i, row in enumerate(rows) if row[3] == entry_id), None)
        if index is None:
            raise ValidationError({"entry": [_("That song is no longer on the set list: the page was old.")]})
        rows = [[s, n, t, p == entry_id] for s, n, t, p in rows]
        set_number = rows[index][1]
        if direction == "remove":
            del rows[index]
            _write(set_list, [(s, n, t) for s, n, t, _m in rows], by)
            _tell(booking, by, now)
            return set_list, set_number, 0
        if direction == "up":
            if index > 0 and rows[index - 1][1] == set_number:
                rows[index - 1], rows[index] = rows[index], rows[index - 1]
            elif set_number > 1:
                rows[index][1] = set_number - 1  # to the end of the set before
        elif direction == "down":
            if index + 1 < len(rows) and rows[index + 1][1] == set_number:
                rows[index + 1], rows[index] = rows[index], rows[index + 1]
            elif set_number < MOST_SETS:
                rows[index][1] = set_number + 1
                rows.insert(0, rows.pop(index))  # to the start of the set after
        elif direction.startswith("set-") and direction[4:].isdigit() and 1 <= int(direction[4:]) <= MOST_SETS:
            rows[index][1] = int(direction[4:])
            rows.append(rows.pop(index))  # to the end of that set
        else:
            raise ValidationError({"direction": [_("Move a song up, down or to another set.")]})
        rows.sort(key=lambda r: r[1])  # stable: the order within each set stays
        _write(set_list, [(s, n, t) for s, n, t, _m in rows], by)
        _tell(booking, by, now)
        final = next(i for i, r in enumerate(rows) if r[3])
        moved_set = rows[final][1]
        return set_list, moved_set, sum(1 for r in rows[: final + 1] if r[1] == moved_set)


def set_list_copy(*, booking: Booking, source: Booking, by: User, now: dt.datetime | None = None) -> SetList:
    """Start the gig's set list from an earlier gig's of the same band (its songs still in the library).
    Raises ValidationError when the other gig is not the band's or has no set list."""
    if source.band_id != booking.band_id or source.pk == booking.pk:
        raise ValidationError({"source": [_("Copy from another gig of the same band.")]})
    rows = list(
        SetListEntry.objects.filter(set_list__booking=source, song__archived_at__isnull=True)
        .order_by("set_number", "position")
        .values_list("song_id", "set_number", "note")
    )
    if not rows:
        raise ValidationError({"source": [_("That gig has no set list to copy.")]})
    return set_list_save(booking=booking, by=by, entries=rows, now=now)
