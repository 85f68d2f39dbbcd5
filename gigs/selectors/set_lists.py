"""Reads of songs and set lists: the band's library, a gig's set list by set with its lengths against the
booked set length, and the earlier gigs a set list can be copied from."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet

from bands.models import Band
from bookings.models import Booking

from ..models import SetList, SetListEntry, Song


def songs_of(*, band: Band, query: str = "") -> QuerySet[Song]:
    """The band's songs still in its library, by title; with `query`, those whose title holds it."""
    songs = Song.objects.filter(band=band, archived_at__isnull=True).order_by("title", "pk")
    # Control characters are no part of a title (PostgreSQL refuses NUL in a query): left out.
    query = "".join(ch for ch in (query or "") if ch.isprintable()).strip()[:100]
    if query:
        songs = songs.filter(title__icontains=query)
    return songs


def song_of(*, band: Band, pk: int) -> Song | None:
    """One of the band's songs in use (not archived), or None."""
    return Song.objects.filter(pk=pk, band=band, archived_at__isnull=True).first()


def length_text(seconds: int) -> str:
    """3:45, or 1:02:30 past an hour."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class SetOfSongs:
    number: int
    entries: list[SetListEntry] = field(default_factory=list)
    booked_seconds: int = 0

    @property
    def seconds(self) -> int:
        return sum(e.song.length_seconds for e in self.entries)

    @property
    def length(self) -> str:
        return length_text(self.seconds)

    @property
    def booked(self) -> str:
        return length_text(self.booked_seconds) if self.booked_seconds else ""

    @property
    def over_seconds(self) -> int:
        return self.seconds - self.booked_seconds if self.booked_seconds else 0

    @property
    def over(self) -> str:
        return length_text(abs(self.over_seconds))


@dataclass
class SetListPage:
    booking: Booking
    set_list: SetList | None
    sets: list[SetOfSongs]
    set_minutes: int | None

    @property
    def seconds(self) -> int:
        return sum(s.seconds for s in self.sets)

    @property
    def length(self) -> str:
        return length_text(self.seconds)

    @property
    def count(self) -> int:
        return sum(len(s.entries) for s in self.sets)


def booked_set_minutes(booking: Booking) -> int | None:
    """A set's booked length: the agreed terms', else the band's usual."""
    quote = booking.agreed_quote if booking.agreed_quote_id else None
    return (quote.set_minutes if quote is not None else None) or booking.band.set_length_minutes or None


def set_list_page(*, booking: Booking, extra_sets: int = 0) -> SetListPage:
    """The gig's set list by set (two queries), at least one set, and `extra_sets` empty ones after."""
    set_list = SetList.objects.filter(booking=booking).first()
    entries = (
        list(SetListEntry.objects.filter(set_list=set_list).select_related("song").order_by("set_number", "position"))
        if set_list
        else []
    )
    minutes = booked_set_minutes(booking)
    numbers = sorted({e.set_number for e in entries}) or [1]
    last = max(numbers) + extra_sets
    sets = [SetOfSongs(number=n, booked_seconds=(minutes or 0) * 60) for n in range(1, last + 1)]
    for entry in entries:
        sets[entry.set_number - 1].entries.append(entry)
    return SetListPage(booking=booking, set_list=set_list, sets=sets, set_minutes=minutes)


def earlier_gigs_with_set_lists(*, booking: Booking, now: dt.datetime, limit: int = 30) -> list[Booking]:
    """The band's other gigs that have a set list, latest first (for "copy from an earlier gig")."""
    has = SetListEntry.objects.filter(set_list__booking=OuterRef("pk"))
    return list(
        Booking.objects.filter(band_id=booking.band_id)
        .exclude(pk=booking.pk)
        .filter(Exists(has))
        .select_related("venue", "client")
        .order_by("-starts_at")[:limit]
    )
