"""Demo holds: three bands held on one Friday evening at Kellerbar – the 1st by the venue's owner, the 2nd
and 3rd by Riverside Rooms' promoter – and the 2nd challenging the 1st, the clock running; Northside Agency
asking Kellerbar and The Lantern to hold a Saturday for The Night Owls. Everything goes
through holds.services, as on the venue's page. Idempotent: once Kellerbar has a hold nothing is done."""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

from accounts.models import Notification, User
from bands.models import ApprovalStatus, Band
from bookings.models import Booking
from holds.models import Hold
from holds.requests import hold_request_many
from holds.services import HoldError, HoldPermissionError, hold_challenge, hold_place
from venues.models import Venue, VenueStaff

VENUE = "kellerbar"
BANDS = ["brass-and-bones", "grey-harbour", "velours"]


def _free_friday(venue: Venue, stage_id: int, now: dt.datetime) -> dt.datetime:
    """20:00 on the first Friday at least three weeks ahead with nothing booked on the stage that evening."""
    zone = ZoneInfo(venue.time_zone)
    day = (now + dt.timedelta(days=21)).astimezone(zone).date()
    day += dt.timedelta(days=(4 - day.weekday()) % 7)
    while True:
        start = dt.datetime.combine(day, dt.time(20), tzinfo=zone)
        taken = Booking.objects.filter(
            slot__stage_id=stage_id,
            status__in=Booking.ON,
            starts_at__lt=start + dt.timedelta(hours=3),
            ends_at__gt=start,
        )
        if not taken.exists():
            return start
        day += dt.timedelta(days=7)


def seed_holds(*, now: dt.datetime) -> None:
    venue = Venue.objects.filter(slug=VENUE).first()
    if venue is None or Hold.objects.filter(venue=venue).exists():
        return
    stage = venue.stages.order_by("pk").first()
    owner = VenueStaff.objects.filter(venue=venue, role="owner", group_id=None).select_related("user").first()
    promoter = User.objects.filter(email="promoter@demo.stageslot.test").first()
    bands = {b.slug: b for b in Band.objects.filter(slug__in=BANDS, status=ApprovalStatus.APPROVED)}
    if stage is None or owner is None or promoter is None or len(bands) < len(BANDS):
        return
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    start = _free_friday(venue, stage.pk, now)
    times = {"starts_at": start, "ends_at": start + dt.timedelta(hours=3), "expires_at": start - dt.timedelta(days=5)}
    hold_place(by=owner.user, stage=stage, band=bands[BANDS[0]], note="Spring residency, night one", now=now, **times)
    second = hold_place(by=promoter, stage=stage, band=bands[BANDS[1]], note="Album release", now=now, **times)
    hold_place(by=promoter, stage=stage, band=bands[BANDS[2]], now=now, **times)
    hold_challenge(hold=second, by=promoter, now=now)
    # Northside Agency routes The Night Owls' tour: it asks Kellerbar and The Lantern to hold a Saturday.
    agent = User.objects.filter(email="agent@demo.stageslot.test").first()
    owls = Band.objects.filter(slug="the-night-owls").first()
    lantern = Venue.objects.filter(slug="the-lantern").first()
    if agent is not None and owls is not None and lantern is not None:
        saturday = start + dt.timedelta(days=8)
        # Skipped where the agency does not act for the band in this demo.
        with contextlib.suppress(HoldError, HoldPermissionError):
            hold_request_many(
                by=agent,
                band=owls,
                venues=[venue, lantern],
                starts_at=saturday,
                ends_at=saturday + dt.timedelta(hours=3),
                note="Spring tour, northern leg",
                now=now,
            )
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
