"""Demo shows: a band-hosted show looking for openers with bands applying, a venue's slot whose
headliner fills the support places, a full bill with set times and tickets on sale, a sold-out show.

Everything goes through the services (bookings.services.shows and workflow), so the places, busy time,
feeds and notifications are as real use leaves them. Runs once: skipped when a demo band hosts a show.
Each story happens whole or, when the demo calendars leave no free evening for it, not at all.
"""

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max

from accounts.models import Notification, User
from bands.models import Band, Membership
from bookings.errors import BookingError
from bookings.models import Booking
from bookings.selectors.bookings import band_free_for_gig, venue_team
from bookings.services import answering, asking, shows
from venues.models import Slot

logger = logging.getLogger(__name__)

DEMO_BANDS = (
    "the-night-owls",
    "brass-and-bones",
    "luz-de-madrugada",
    "grey-harbour",
    "the-low-end-theory",
    "brooklyn-static",
    "velours",
    "nordlys",
)


class _Skip(Exception):
    """No free evening for this story on these dates."""


def _leader(band: Band) -> User:
    return (
        Membership.objects.filter(band=band, role=Membership.Role.LEADER).select_related("user").order_by("pk").first()
    ).user


def _evening(
    bands: Iterable[Band],
    *,
    now: dt.datetime,
    zone: str,
    weeks: range,
    weekday: int,
    hours=(20, 24),
    also_free: tuple[Iterable[Band], int] = ((), 0),
):
    """The first evening in `weeks` (from this week's Monday) when every band is free and has no gig,
    and at least `also_free[1]` of the bands `also_free[0]` are free as well (to apply)."""
    tz = zoneinfo.ZoneInfo(zone)
    today = now.astimezone(tz).date()
    monday = today - dt.timedelta(days=today.weekday())
    for week in weeks:
        day = monday + dt.timedelta(weeks=week, days=weekday)
        start = dt.datetime.combine(day, dt.time(hours[0]), tzinfo=tz)
        end = start + dt.timedelta(hours=hours[1] - hours[0])
        clash = Booking.objects.filter(
            band__in=list(bands), status=Booking.Status.BOOKED, starts_at__lt=end + dt.timedelta(days=1),
            ends_at__gt=start - dt.timedelta(days=1),
        ).exists()  # fmt: skip
        if not clash and all(band_free_for_gig(band=b, start=start, end=end) for b in bands):
            others, wanted = also_free
            if len(_free_bands(others, start, end, wanted)) >= wanted:
                return start, end
    raise _Skip(f"no free evening for {', '.join(b.name for b in bands)}")


def _free_bands(candidates: Iterable[Band], start: dt.datetime, end: dt.datetime, count: int) -> list[Band]:
    """Up to `count` of the bands free then, with no gig that day or the days around it."""
    found: list[Band] = []
    if count == 0:
        return found
    for band in candidates:
        gigs = Booking.objects.filter(
            band=band,
            status=Booking.Status.BOOKED,
            starts_at__lt=end + dt.timedelta(days=1),
            ends_at__gt=start - dt.timedelta(days=1),
        )
        if band_free_for_gig(band=band, start=start, end=end) and not gigs.exists():
            found.append(band)
        if len(found) == count:
            break
    return found


def _host(band: Band, start: dt.datetime, end: dt.datetime, zone: str, now: dt.datetime, **fields) -> Slot:
    return shows.show_host(
        band=band,
        by=_leader(band),
        starts_at=start,
        ends_at=end,
        time_zone=zone,
        doors_at=start - dt.timedelta(minutes=30),
        now=now,
        **fields,
    )


class _Stories:
    def __init__(self, *, now: dt.datetime) -> None:
        self.now = now
        self.bands = {b.slug: b for b in Band.objects.filter(slug__in=DEMO_BANDS, status="approved")}

    def others(self, *exclude: str) -> list[Band]:
        return [b for slug, b in sorted(self.bands.items()) if slug not in exclude]

    def openers_wanted(self) -> None:
        """Velours hosts a release night on a boat in Paris and looks for two openers; two bands applied."""
        velours = self.bands["velours"]
        others = self.others("velours")
        start, end = _evening(
            [velours], now=self.now, zone="Europe/Paris", weeks=range(5, 12), weekday=4, also_free=(others, 2)
        )
        show = _host(
            velours, start, end, "Europe/Paris", self.now,
            title="Velours – release night", place_name="La Péniche Bleue", place_address="Quai de la Loire 12",
            place_city="Paris", support_places=2, support_terms="Door split 60/40 after costs",
            currency="EUR",
        )  # fmt: skip
        for band in _free_bands(others, show.starts_at, show.ends_at, 2):
            asking.booking_apply(
                slot=show, band=band, by=_leader(band), role=Booking.Role.SUPPORT,
                message=f"{band.name} would love to open for you – we can bring our own backline.",
            )  # fmt: skip
        shows.show_tickets_set(
            slot=show, by=_leader(velours), entry="tickets", sold_out=False,
            tickets=[shows.TicketLine("Presale", "https://tickets.example.com/velours-release", Decimal("12"),
                                      Decimal("15"))],
        )  # fmt: skip

    def headliner_fills_support(self) -> None:
        """At a venue's slot the headliner asked to pick its support act, and the venue let it."""
        slot = (
            Slot.objects.filter(
                venue__isnull=False, starts_at__gt=self.now, cancelled_at__isnull=True, headliner_booked=1,
                supports_booked__lt=F("support_places"),
            )
            .select_related("venue")
            .order_by("starts_at")
            .first()
        )  # fmt: skip
        if slot is None:
            raise _Skip("no venue slot with its headliner and an open support place")
        headliner = Booking.objects.get(slot=slot, role=Booking.Role.HEADLINER, status=Booking.Status.BOOKED)
        shows.show_support_ask(slot=slot, by=_leader(headliner.band), places=1, now=self.now)
        shows.show_support_picker_set(slot=slot, by=venue_team(slot.venue_id)[0], picker="headliner", now=self.now)
        live = Booking.objects.filter(slot=slot, status__in=Booking.LIVE).values("band_id")
        taken = {r["band_id"] for r in live}
        for band in _free_bands([b for b in self.others() if b.pk not in taken], slot.starts_at, slot.ends_at, 1):
            asking.booking_apply(slot=slot, band=band, by=_leader(band), role=Booking.Role.SUPPORT)

    def full_bill(self) -> None:
        """Nordlys & friends in Copenhagen: a support act picked, the running order set, tickets on sale."""
        nordlys = self.bands["nordlys"]
        candidates = self.others("nordlys")
        start, end = _evening(
            [nordlys], now=self.now, zone="Europe/Copenhagen", weeks=range(3, 10), weekday=5, also_free=(candidates, 1)
        )
        show = _host(
            nordlys, start, end, "Europe/Copenhagen", self.now,
            title="Nordlys & friends", place_name="Huset", place_address="Rådhusstræde 13", place_city="Copenhagen",
            support_places=1, fee=2000, currency="DKK",
        )  # fmt: skip
        free = _free_bands(candidates, show.starts_at, show.ends_at, 1)
        if not free:
            raise _Skip("no band free to open for Nordlys")
        support_band = free[0]
        support = asking.booking_apply(slot=show, band=support_band, by=_leader(support_band), role="support")
        answering.booking_accept(booking=support, by=_leader(nordlys), now=self.now)
        own = Booking.objects.get(slot=show, kind=Booking.Kind.HOST)
        h = dt.timedelta(hours=1)
        shows.show_running_order_set(
            slot=show, by=_leader(nordlys), doors_at=start - h / 2, curfew_at=end, now=self.now,
            acts=[
                shows.ActTimes(support.pk, start - 2 * h, start, start + h * 3 / 4),
                shows.ActTimes(own.pk, start - 3 * h, start + h + h / 4, start + 2 * h + h * 3 / 4),
            ],
        )  # fmt: skip
        shows.show_tickets_set(
            slot=show, by=_leader(nordlys), entry="tickets", sold_out=False,
            tickets=[
                shows.TicketLine("Billetto", "https://tickets.example.com/nordlys-huset", Decimal("150"),
                                 Decimal("180")),
                shows.TicketLine("At the door", "https://huset.example.com/nordlys", Decimal("200"), Decimal("200")),
            ],
        )  # fmt: skip

    def sold_out(self) -> None:
        """A venue's show with its headliner that is sold out."""
        slot = (
            Slot.objects.filter(
                venue__isnull=False, starts_at__gt=self.now, cancelled_at__isnull=True, headliner_booked=1,
                visibility=Slot.Visibility.PUBLIC,
            )
            .exclude(support_picker=Slot.SupportPicker.HEADLINER)
            .order_by("-starts_at")
            .first()
        )  # fmt: skip
        if slot is None:
            raise _Skip("no venue show with its headliner")
        shows.show_tickets_set(
            slot=slot, by=venue_team(slot.venue_id)[0], entry="tickets", sold_out=True,
            tickets=[shows.TicketLine("Tickets", "https://tickets.example.com/sold-out-night", Decimal("18"),
                                      Decimal("22"))],
        )  # fmt: skip

    def all(self) -> list[Callable[[], None]]:
        return [self.openers_wanted, self.headliner_fills_support, self.full_bill, self.sold_out]


def seed_shows(*, now: dt.datetime) -> None:
    """Tell the demo show stories once (skipped when a demo band already hosts a show)."""
    if Slot.objects.filter(host_band__slug__in=DEMO_BANDS).exists():
        return
    stories = _Stories(now=now)
    if len(stories.bands) < len(DEMO_BANDS):
        logger.warning("Demo shows: skipped, some demo bands are missing")
        return
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    for story in stories.all():
        try:
            with transaction.atomic():
                story()
        except (_Skip, BookingError, ValidationError) as exc:
            logger.warning("Demo shows: skipped %s: %s", story.__name__, exc)
    # The demo people have no real mailboxes: their notifications stay in the app.
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
