"""Reads of a band's share links: the live link behind a token, a band's links, and what a link
shows (the month page and the calendar file). See bookings.services.share for what is shared and why."""

import datetime as dt
import zoneinfo
from dataclasses import replace

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from availability import engine
from bands.calendar import CalendarMember, GreenZone, band_availability, band_available_members
from bands.models import ApprovalStatus, Band
from core.web.site import site_url

from ..ical import FeedEvent
from ..models import Booking, ShareLink
from .public import STATES, PublicMonth, band_public_month, parse_month, shift_month

# The calendar file looks this many days ahead, today included.
AVAILABLE_DAYS = 90
# The page steps through this month and the next ones; earlier months would only show past gigs.
MONTHS_AHEAD = 12
REVOKED_SHOWN = 20
# What the share page marks a day as: no "Pending".
SHARE_STATES = {key: value for key, value in STATES.items() if key != "pending"}


def share_link_live(*, token: str) -> ShareLink:
    """The live link with `token`, its band loaded (one query). Http404 when there is none, when it
    was revoked, or when its band is suspended."""
    links = ShareLink.objects.select_related("band").exclude(band__status=ApprovalStatus.SUSPENDED)
    return get_object_or_404(links, token=token, revoked_at__isnull=True)


def share_links_of(*, band: Band) -> tuple[list[ShareLink], list[ShareLink]]:
    """The band's live links and its REVOKED_SHOWN latest revoked ones, newest first, each with the
    person who made it (two queries)."""
    links = ShareLink.objects.filter(band=band).select_related("created_by").order_by("-created_at", "-pk")
    live = list(links.filter(revoked_at__isnull=True))
    revoked = list(links.filter(revoked_at__isnull=False).order_by("-revoked_at", "-pk")[:REVOKED_SHOWN])
    return live, revoked


def share_link_url(link: ShareLink) -> str:
    """The link's page as an absolute address, to send to someone."""
    return f"{site_url()}{reverse('bookings:share', args=[link.token])}"


def share_ics_url(link: ShareLink) -> str:
    """The link's calendar file as an absolute address, to subscribe to."""
    return f"{site_url()}{reverse('bookings:share_ics', args=[link.token])}"


# ---- What the link shows --------------------------------------------------------------------------


def share_band_members(*, band: Band) -> list[CalendarMember]:
    """The band's members as the green zone needs them, without their names (one query)."""
    return band_available_members(band=band)


def share_month_start(value: str | None, *, today: dt.date) -> dt.date:
    """The month "YYYY-MM" in `value` if it is this month or one of the next MONTHS_AHEAD; else this month."""
    this_month = today.replace(day=1)
    month = parse_month(value, today=today)
    return month if share_month_in_range(month, today=today) else this_month


def share_month_in_range(month_start: dt.date, *, today: dt.date) -> bool:
    this_month = today.replace(day=1)
    return this_month <= month_start <= shift_month(this_month, MONTHS_AHEAD)


def _green_days(
    *, band: Band, members: list[CalendarMember], first: dt.date, last: dt.date, today: dt.date
) -> set[dt.date]:
    if not any(m.required for m in members):
        return set()
    zone = band_availability(band=band, members=members, first_day=first, last_day=last, today=today)
    return {d.day for d in zone.days if d.status == "green"}


def share_month(*, band: Band, members: list[CalendarMember], month_start: dt.date, today: dt.date) -> PublicMonth:
    """The band's public month as a share link shows it: Available or Booked days only, with no
    gig's venue or time. A pending day reads as it would without its booking (Available when the
    band is free that evening). Three queries (members given), five when the month has pending days;
    one more each time for gigs elsewhere when the band has a home."""
    month = band_public_month(band=band, members=members, month_start=month_start, today=today)
    pending = [d.day for d in month.days if d.state == "pending"]
    green = set()
    if pending:
        green = _green_days(band=band, members=members, first=min(pending), last=max(pending), today=today)
    days = []
    counts = {"booked": 0, "pending": 0, "available": 0}
    for d in month.days:
        state = d.state
        if state == "pending":
            state = "available" if d.day in green else ""
        if state and d.in_month and not d.is_past:
            counts[state] += 1
        days.append(replace(d, state=state, gigs=()))
    return replace(month, days=days, counts=counts)


def _available_windows(zone: GreenZone, booked: set[dt.date]) -> list[tuple[dt.datetime, dt.datetime]]:
    """The free windows that make a day green, each within its local day, except that a short tail
    past midnight (less than the shortest gig) stays with the evening before it: free 18:00–02:00 is
    one window, as band_find_dates counts it. Days in `booked` offer none."""
    out: list[list] = []
    for day in zone.days:
        if day.day in booked:
            if out:
                out[-1][2] = False
            continue
        for window in day.windows:
            if window.counts:
                out.append([window.start, window.end, window.continues])
            elif window.continued and window.length < zone.min_length and out and out[-1][2]:
                out[-1][1:] = [window.end, False]
    return [(start.astimezone(dt.UTC), end.astimezone(dt.UTC)) for start, end, _ in out]


def band_availability_events(*, band: Band, now: dt.datetime, booked: bool = True) -> list[FeedEvent]:
    """The band's green-zone windows as "Available" events (and, with `booked`, its booked gigs as
    plain "Booked" events without any detail), from today on; the same state gives the same events.

    Today is the band's local day at `now`, and the events cover AVAILABLE_DAYS days from it. A window
    is Available when it makes its day green as on the share page (bands.calendar.band_availability:
    every needed member free for the band's shortest gig in its gig hours); it is transparent, with
    sequence 0 and the start of the UTC day as its last change. A day on which a booked gig starts
    offers no window unless the band takes two gigs a day, as the share page reads it Booked. A booked
    (or played) gig is opaque, with its booking's uid, sequence and last change. Sorted by start, then
    uid. Four queries: members, busy time, the band's gigs, bookings (five with gigs elsewhere when the
    band has a home).
    """
    tz = zoneinfo.ZoneInfo(band.time_zone)
    today = now.astimezone(tz).date()
    last_day = today + dt.timedelta(days=AVAILABLE_DAYS - 1)
    stamp = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
    members = share_band_members(band=band)
    gigs = []
    if booked or not band.two_gigs_a_day:
        start, end = engine.day_bounds(today, tz)[0], engine.day_bounds(last_day, tz)[1]
        gigs = list(band_gigs_between(band=band, start=start, end=end))
    gig_days = set() if band.two_gigs_a_day else {row["starts_at"].astimezone(tz).date() for row in gigs}
    events = []
    if any(m.required for m in members):
        zone = band_availability(
            band=band, members=members, first_day=today, last_day=last_day, today=today, detail=True
        )
        events += [
            FeedEvent(
                uid=f"avail-{band.pk}-{start:%Y%m%dT%H%M}@stageslot",
                summary=f"{band.name} available",
                starts_at=start,
                ends_at=end,
                status="CONFIRMED",
                sequence=0,
                modified_at=stamp,
                transparent=True,
            )
            for start, end in _available_windows(zone, gig_days)
        ]
    if booked:
        events += [
            FeedEvent(
                uid=f"busy-{row['uid']}@stageslot",
                summary=f"{band.name} booked",
                starts_at=row["starts_at"].astimezone(dt.UTC),
                ends_at=row["ends_at"].astimezone(dt.UTC),
                status="CONFIRMED",
                sequence=row["sequence"],
                modified_at=(row["status_changed_at"] or row["updated_at"]).astimezone(dt.UTC),
            )
            for row in gigs
        ]
    return sorted(events, key=lambda e: (e.starts_at, e.uid))


def band_gigs_between(*, band: Band, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """The band's booked and played gigs overlapping [start, end), with nothing but their times and
    versions (one query)."""
    return (
        Booking.objects.filter(
            band=band,
            status__in=Booking.PLAYED,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .order_by("starts_at", "pk")
        .values("uid", "sequence", "starts_at", "ends_at", "status_changed_at", "updated_at")
    )
