"""Reads of songs and set lists: the band's library, a gig's set list by set with each set's length and their
total against the booked set length, and the earlier gigs a set list can be copied from."""

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
    """One set: its songs and how long they play. The booked length is for all sets together (the page's)."""

    number: int
    entries: list[SetListEntry] = field(default_factory=list)

    @property
    def seconds(self) -> int:
        return sum(e.song.length_seconds for e in self.entries)

    @property
    def length(self) -> str:
        return length_text(self.seconds)


@dataclass
class SetListPage:
    """A gig's sets, and all of them together against the booked set length: the booked length is what the
    band plays in the whole gig, so the sets' total is measured against it, never each set on its own."""

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

    @property
    def booked_seconds(self) -> int:
        return (self.set_minutes or 0) * 60

    @property
    def booked(self) -> str:
        """The booked length as written ("1:15:00"), or "" when none is booked."""
        return length_text(self.booked_seconds) if self.booked_seconds else ""

    @property
    def over_seconds(self) -> int:
        """How much longer all sets are than the booked length (negative: still to fill; 0 with none booked)."""
        return self.seconds - self.booked_seconds if self.booked_seconds else 0

    @property
    def is_over(self) -> bool:
        return self.over_seconds > 0

    @property
    def over(self) -> str:
        """The time over the booked length ("15:00"), or "" when not over."""
        return length_text(self.over_seconds) if self.over_seconds > 0 else ""

    @property
    def to_fill(self) -> str:
        """The time still to fill up to the booked length ("15:00"), or "" when there is none to fill."""
        return length_text(-self.over_seconds) if self.over_seconds < 0 else ""

    def last_entry_of(self, set_number: int) -> int | None:
        """The id of the last song in set `set_number` (where a song just added lands), or None."""
        if not 1 <= set_number <= len(self.sets) or not self.sets[set_number - 1].entries:
            return None
        return self.sets[set_number - 1].entries[-1].pk


def booked_set_minutes(booking: Booking) -> int | None:
    """The booked set length in minutes (all the gig's sets together): the agreed terms', else the band's usual."""
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
    sets = [SetOfSongs(number=n) for n in range(1, last + 1)]
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
