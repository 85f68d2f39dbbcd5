"""Reads of the band's website widget: the band (with its colours and the stamp of its feed marks, in
one query) and what the widget shows – the next weeks as the public band page shows them
(bookings.selectors.public.band_public_days) and the next public shows (band_shows_next).

Nothing private leaves here: days are Booked, Pending, Available or nothing, as on the band page.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import BigIntegerField, F, Func, OuterRef, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from bands.calendar import calendar_members
from bands.models import ApprovalStatus, Band, BandPhoto
from bands.packages import band_packages
from bands.selectors import band_photos
from bookings.models import FeedMark
from bookings.selectors.public import PublicDay, band_public_days
from bookings.selectors.shows import band_shows_next
from core.fields.timezones import when_text
from core.web.site import site_url

from .colours import DEFAULT_ACCENT, DEFAULT_BACKGROUND
from .models import EmbedStyle

WEEKS_DEFAULT, WEEKS_MAX = 4, 12
SHOWS_DEFAULT, SHOWS_MAX = 5, 20


def _marks(function: str) -> Subquery:
    """COUNT or SUM over the ids of the feed marks the band's widget reads: its own (bookings and
    slots it plays) and everyone's (names of bands, venues, stages). No GROUP BY: one row."""
    everyone = Q(band_id__isnull=True, venue_id__isnull=True, user_id__isnull=True)
    marks = FeedMark.objects.filter(Q(band_id=OuterRef("pk")) | everyone).order_by()
    value = Func(F("pk"), function=function, output_field=BigIntegerField())
    return Subquery(marks.annotate(v=value).values("v")[:1], output_field=BigIntegerField())


def embed_band_or_404(*, slug: str) -> Band:
    """The approved band at `slug` with its colours (`embed_style`, maybe missing) and `marks_n`,
    `marks_s`: the count and sum of its feed marks' ids, which change whenever a booking or show it
    plays changes (bookings.models.FeedMark). A band in review or suspended is a 404 for everyone:
    the widget is drawn for nobody in particular. One query."""
    band = (
        Band.objects.filter(slug=slug, status=ApprovalStatus.APPROVED)
        .select_related("embed_style")
        .annotate(marks_n=_marks("COUNT"), marks_s=_marks("SUM"))
        .order_by()  # one row by its unique slug: no sort by name
        .first()
    )
    if band is None:
        raise Http404("No such band.")
    return band


def band_colours(band: Band) -> tuple[str, str]:
    """(accent, background) the band chose, ours where it chose none."""
    try:
        style = band.embed_style
    except Band.embed_style.RelatedObjectDoesNotExist:
        return DEFAULT_ACCENT, DEFAULT_BACKGROUND
    return style.accent, style.background


@dataclass(frozen=True)
class EmbedShow:
    title: str
    place: str
    when: str  # "Fri 5 Dec 2026, 20:00–23:00 (Europe/Berlin)"
    starts_at: dt.datetime
    url: str  # the show's page on StageSlot


@dataclass(frozen=True)
class EmbedContent:
    band: Band
    photo: BandPhoto | None
    weeks: list[list[PublicDay]]
    shows: list[EmbedShow]
    zone: str  # the zone the shows' times are in
    band_zone: str  # the zone the days are in
    book_url: str
    instant: bool  # book_url books an instant package (else it is the request form)


def band_embed_content(*, band: Band, weeks: int, shows: int, zone: str, now: dt.datetime) -> EmbedContent:
    """The widget's band: its cover photo, `weeks` weeks from this Monday (in its zone) as the band
    page shows them, its next `shows` public shows with their times in `zone`, and where its Book
    button goes (its first instant package, else a request). Seven queries whatever the number of shows
    or days."""
    tz = zoneinfo.ZoneInfo(band.time_zone)
    today = timezone.localtime(now, tz).date()
    first = today - dt.timedelta(days=today.weekday())
    members, _ = calendar_members(band=band, user=AnonymousUser())
    days = band_public_days(
        band=band, members=members, first_day=first, last_day=first + dt.timedelta(days=7 * weeks - 1), today=today
    )
    viewer = zoneinfo.ZoneInfo(zone)
    site = site_url()
    listed = [
        EmbedShow(
            title=slot.title or slot.place_label,
            place=slot.place_label,
            when=when_text(slot.starts_at, slot.ends_at, viewer),
            starts_at=slot.starts_at,
            url=site + reverse("bookings:show_detail", args=[slot.pk]),
        )
        for slot in band_shows_next(band=band, now=now, limit=shows)
    ]
    package = band_packages(band=band).filter(instant=True).first()
    if package is not None:
        book_url = f"{site}{reverse('bookings:book', args=[band.slug])}?package={package.pk}"
    else:
        book_url = site + reverse("bookings:request", args=[band.slug])
    return EmbedContent(
        band=band,
        photo=band_photos(band=band).first(),
        weeks=[days[i : i + 7] for i in range(0, len(days), 7)],
        shows=listed,
        zone=viewer.key,
        band_zone=tz.key,
        book_url=book_url,
        instant=package is not None,
    )


def embed_colours_of(*, band: Band) -> tuple[str, str]:
    """(accent, background) the band chose for its widget, ours where it chose none. One query."""
    style = EmbedStyle.objects.filter(band_id=band.pk).first()
    return (style.accent, style.background) if style else (DEFAULT_ACCENT, DEFAULT_BACKGROUND)
