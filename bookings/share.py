"""A band's public share link: its availability (green zone and booked days, nothing private).

A leader or admin makes a link for the promoters they talk to; the page at /share/<token>/ and its
calendar file show when the band can play and which days are booked, never where, for whom, for how
much, who in the band is busy or why. Pending bookings are no one else's business either: a day with
one reads Available when the band is free that evening, as it would without it. A band awaiting
approval can share (the link is private to whoever got it); a suspended band's links answer 404.
"""

import datetime as dt
import zoneinfo
from dataclasses import replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from availability import engine
from bands.calendar import CalendarMember, GreenZone, band_green_zone
from bands.models import ApprovalStatus, Band
from bands.selectors import band_members

from .feeds import FeedEvent
from .models import Booking, ShareLink
from .public import PUBLIC_HOURS, STATES, PublicMonth, band_public_month, parse_month, shift_month
from .services import BookingError, BookingPermissionError, can_manage_band

# The calendar file looks this many days ahead, today included.
AVAILABLE_DAYS = 90
# The page steps through this month and the next ones; earlier months would only show past gigs.
MONTHS_AHEAD = 12
LIVE_LINKS_MAX = 20
REVOKED_SHOWN = 20
# What the share page marks a day as: no "Pending".
SHARE_STATES = {key: value for key, value in STATES.items() if key != "pending"}

NOT_A_MANAGER = "Only the band's leaders and admins can share its availability."


# ---- Links --------------------------------------------------------------------------------------


def share_link_create(*, band: Band, by: User, label: str = "") -> ShareLink:
    """A new live share link for `band`, made by one of its leaders or admins.

    Raises BookingPermissionError for anyone else, ValidationError (on "label") for a label longer
    than the model allows, and BookingError when the band is suspended or already has LIVE_LINKS_MAX
    live links. The band row is locked while counting, so two clicks at once cannot pass the limit.
    """
    label = label.strip()
    max_length = ShareLink._meta.get_field("label").max_length
    if len(label) > max_length:
        raise ValidationError({"label": f"Keep the label to {max_length} characters or fewer."})
    if not can_manage_band(band.pk, by):
        raise BookingPermissionError(NOT_A_MANAGER)
    with transaction.atomic():
        band = Band.objects.select_for_update().get(pk=band.pk)
        if band.status == ApprovalStatus.SUSPENDED:
            raise BookingError(
                f"StageSlot staff have suspended {band.name}, so its availability cannot be shared until they lift it."
            )
        if ShareLink.objects.filter(band=band, revoked_at__isnull=True).count() >= LIVE_LINKS_MAX:
            raise BookingError(
                f"{band.name} already has {LIVE_LINKS_MAX} share links that work. "
                "Revoke one that is no longer needed, then create the new one."
            )
        return ShareLink.objects.create(band=band, label=label, created_by=by)


def share_link_revoke(*, link: ShareLink, by: User) -> ShareLink:
    """Stop `link` from working: its page and calendar file answer 404 from now on.

    Only the band's leaders and admins may (BookingPermissionError otherwise). Revoking a revoked
    link changes nothing and keeps its first revocation time.
    """
    if not can_manage_band(link.band_id, by):
        raise BookingPermissionError(NOT_A_MANAGER)
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    link.refresh_from_db(fields=["revoked_at"])
    return link


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
    return f"{settings.SITE_URL.rstrip('/')}{reverse('bookings:share', args=[link.token])}"


def share_ics_url(link: ShareLink) -> str:
    """The link's calendar file as an absolute address, to subscribe to."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('bookings:share_ics', args=[link.token])}"


# ---- What the link shows --------------------------------------------------------------------------


def share_band_members(*, band: Band) -> list[CalendarMember]:
    """The band's members as the green zone needs them, without their names (one query)."""
    return [
        CalendarMember(user_id=m.user_id, name="", full_name="", required=m.required, membership=m)
        for m in band_members(band=band)
    ]


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
    zone = band_green_zone(
        members=members,
        first_day=first,
        last_day=last,
        time_zone=band.time_zone,
        min_length=dt.timedelta(minutes=band.min_gig_minutes),
        today=today,
        day_start=PUBLIC_HOURS.start,
        day_end=PUBLIC_HOURS.end,
    )
    return {d.day for d in zone.days if d.status == "green"}


def share_month(*, band: Band, members: list[CalendarMember], month_start: dt.date, today: dt.date) -> PublicMonth:
    """The band's public month as a share link shows it: Available or Booked days only, with no
    gig's venue or time. A pending day reads as it would without its booking (Available when the
    band is free that evening). Two queries (members given), three when the month has pending days."""
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


def _available_windows(zone: GreenZone) -> list[tuple[dt.datetime, dt.datetime]]:
    """The free windows that make a day green, each within its local day, except that a short tail
    past midnight (less than the shortest gig) stays with the evening before it: free 18:00–02:00 is
    one window, as band_find_dates counts it."""
    out: list[list] = []
    for day in zone.days:
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
    is Available when it makes its day green as on the share page (every needed member free for the
    band's shortest gig in the evening); it is transparent, with sequence 0 and the start of the UTC
    day as its last change. A booked (or played) gig is opaque, with its booking's uid, sequence and
    last change. Sorted by start, then uid. Three queries: members, busy time, bookings.
    """
    tz = zoneinfo.ZoneInfo(band.time_zone)
    today = now.astimezone(tz).date()
    last_day = today + dt.timedelta(days=AVAILABLE_DAYS - 1)
    stamp = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
    members = share_band_members(band=band)
    events = []
    if any(m.required for m in members):
        zone = band_green_zone(
            members=members,
            first_day=today,
            last_day=last_day,
            time_zone=band.time_zone,
            min_length=dt.timedelta(minutes=band.min_gig_minutes),
            today=today,
            day_start=PUBLIC_HOURS.start,
            day_end=PUBLIC_HOURS.end,
            detail=True,
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
            for start, end in _available_windows(zone)
        ]
    if booked:
        start, end = engine.day_bounds(today, tz)[0], engine.day_bounds(last_day, tz)[1]
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
            for row in band_gigs_between(band=band, start=start, end=end)
        ]
    return sorted(events, key=lambda e: (e.starts_at, e.uid))


def band_gigs_between(*, band: Band, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """The band's booked and played gigs overlapping [start, end), with nothing but their times and
    versions (one query)."""
    return (
        Booking.objects.filter(
            band=band,
            status__in=(Booking.Status.BOOKED, Booking.Status.COMPLETED),
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .order_by("starts_at", "pk")
        .values("uid", "sequence", "starts_at", "ends_at", "status_changed_at", "updated_at")
    )
