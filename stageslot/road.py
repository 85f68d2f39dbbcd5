"""On the road, offline (decision 0091): which shows a person keeps on their device, and which pages of
them. The service worker (templates/stageslot/road/sw.js) keeps only what `road_keep_list` lists for the
person signed in *and* the page marks as kept (core.web.offline.kept_offline); an address that matches no
KEEPABLE pattern is never stored, whatever the list says.

Kept per show: the gig's line-up page ("can you play?") and set list for the band's members, the day sheet
and the guest list for everyone who may read them (members, venue staff, the client), the booking's files
marked "for the road". Shows: the next three booked ones and every one in the next 14 days. Each page is
kept until a day after its show; a show cancelled, or a band or venue left, drops off the list and the
worker deletes its pages at the next sync."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db.models import Max, Min, Q
from django.urls import reverse

from accounts.models import User
from bands.models import Membership
from bookings.models import Booking, BookingFile
from gigs.models import Tour

ROAD_DAYS = 14
ROAD_AT_LEAST = 3
ROAD_MOST = 40
KEPT_AFTER_SHOW = dt.timedelta(days=1)
ROAD_STATUSES = (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS)

UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# The only addresses the worker may keep (JavaScript regular expressions, checked by a test against the
# views marked @kept_offline). Partials, forms' answers and everything else are never kept.
KEEPABLE = (
    "^/me/road/$",
    f"^/gigs/{UUID}/$",
    f"^/gigs/{UUID}/set-list/$",
    f"^/documents/bookings/{UUID}/day-sheet/$",
    f"^/documents/bookings/{UUID}/guest-list/$",
    f"^/bookings/{UUID}/files/[0-9]+/$",
    "^/gigs/tours/[0-9]+/$",
)
# The changes a device may make offline and send later (static/js/road.js): each view is @replayable.
REPLAYABLE = (
    f"^/gigs/{UUID}/$",
    f"^/gigs/{UUID}/set-list/order/$",
    f"^/documents/bookings/{UUID}/guest-list/[0-9]+/check-in/$",
    f"^/documents/bookings/{UUID}/day-sheet/comment/$",
)


@dataclass
class RoadShow:
    booking: Booking
    member: bool  # of the band: its line-up, set list and the members' contacts
    urls: list[str] = field(default_factory=list)
    files: list[BookingFile] = field(default_factory=list)
    members: list[Membership] = field(default_factory=list)

    @property
    def until(self) -> dt.datetime:
        return self.booking.ends_at + KEPT_AFTER_SHOW


def road_shows(*, user: User, now: dt.datetime, with_members: bool = False) -> list[RoadShow]:
    """The person's next shows to keep on the road: booked or playing, of a band they play in or a venue
    they staff; the next three and all that start within 14 days. Three queries (four with members)."""
    band_ids = set(Membership.objects.filter(user=user).values_list("band_id", flat=True))
    mine = Q(band_id__in=band_ids) | Q(venue__staff_roles__user=user) | Q(client=user)
    ahead = (
        Booking.objects.filter(mine, status__in=ROAD_STATUSES, ends_at__gt=now)
        .select_related("band", "venue", "client", "slot")
        .distinct()
        .order_by("starts_at", "pk")
    )
    bookings = [
        booking
        for n, booking in enumerate(ahead[:ROAD_MOST])
        if n < ROAD_AT_LEAST or booking.starts_at < now + dt.timedelta(days=ROAD_DAYS)
    ]
    files: dict[int, dict] = {}
    for row in BookingFile.objects.filter(booking__in=bookings, for_the_road=True).order_by("document", "-version"):
        files.setdefault(row.booking_id, {}).setdefault(row.document, row)  # the latest version of each
    members: dict[int, list[Membership]] = {}
    if with_members:
        played = {b.band_id for b in bookings if b.band_id in band_ids}
        for membership in Membership.objects.filter(band_id__in=played).select_related("user").order_by("pk"):
            members.setdefault(membership.band_id, []).append(membership)
    shows = []
    for booking in bookings:
        member = booking.band_id in band_ids
        show = RoadShow(
            booking=booking,
            member=member,
            files=list(files.get(booking.pk, {}).values()),
            members=members.get(booking.band_id, []) if member else [],
        )
        if member:
            show.urls += [reverse("gigs:gig", args=[booking.uid]), reverse("gigs:set_list", args=[booking.uid])]
        show.urls += [
            reverse("documents:day_sheet", args=[booking.uid]),
            reverse("documents:guest_list", args=[booking.uid]),
        ]
        show.urls += [reverse("bookings:file_download", args=[booking.uid, f.pk]) for f in show.files]
        shows.append(show)
    return shows


def road_tours(*, user: User, now: dt.datetime) -> list[tuple[int, dt.datetime]]:
    """The tours the person travels on (a band they play in, or invited to the tour) with a booked gig not
    over that starts within ROAD_DAYS: (tour id, when its last such gig ends). One query."""
    rows = (
        Tour.objects.filter(Q(band__memberships__user=user) | Q(travellers__user=user))
        .filter(tour_gigs__booking__status__in=ROAD_STATUSES, tour_gigs__booking__ends_at__gt=now)
        .annotate(first=Min("tour_gigs__booking__starts_at"), last=Max("tour_gigs__booking__ends_at"))
        .filter(first__lt=now + dt.timedelta(days=ROAD_DAYS))
        .values_list("pk", "last")
        .order_by("pk")
        .distinct()
    )
    return list(rows[:ROAD_MOST])


def road_keep_list(*, user: User, now: dt.datetime) -> dict:
    """What this person's device keeps: every address with the time it may be kept until, and a version
    that changes whenever the list (or a show on it) does. The itinerary of each tour on the road (decision
    0110) is kept until a day after its last gig."""
    shows = road_shows(user=user, now=now)
    tours = road_tours(user=user, now=now)
    road = reverse("road")
    keep = [{"url": road, "until": max((s.until for s in shows), default=now + KEPT_AFTER_SHOW).isoformat()}]
    for show in shows:
        keep += [{"url": url, "until": show.until.isoformat(), "gig": str(show.booking.uid)} for url in show.urls]
    for pk, last in tours:
        keep.append({"url": reverse("gigs:tour", args=[pk]), "until": (last + KEPT_AFTER_SHOW).isoformat()})
    basis = [str(user.pk)] + [f"{s.booking.uid}:{s.booking.sequence}:{','.join(s.urls)}" for s in shows]
    basis += [f"tour:{pk}:{last.isoformat()}" for pk, last in tours]
    version = hashlib.sha256("|".join(basis).encode()).hexdigest()[:16]
    return {"user": user.pk, "version": version, "shows": len(shows), "keep": keep}
