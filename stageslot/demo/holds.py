"""Demo holds: three bands held for an early show on one Friday at Kellerbar, before its Friday Late Show – the
1st by the venue's owner, the 2nd and 3rd by Riverside Rooms' promoter – and the 2nd challenging the 1st, the
clock running, and the 1st free to confirm (no slot on the stage then); Northside Agency
asking Kellerbar and The Lantern to hold a Saturday for The Night Owls. Everything goes
through holds.services, as on the venue's page. Idempotent: once Kellerbar has a hold nothing is done."""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

from accounts.models import Notification, User
from bands.models import ApprovalStatus, Band
from bookings.selectors.bookings import band_free_for_gig
from holds.models import Hold
from holds.requests import hold_request_many
from holds.services import HoldError, HoldPermissionError, hold_challenge, hold_place, venue_day_close
from venues.models import Stage, Venue, VenueStaff
from venues.selectors import stage_slot_clashes

VENUE = "kellerbar"
BANDS = ["brass-and-bones", "grey-harbour", "velours"]


# An early show on a Friday, before Kellerbar's own Friday Late Show (21:00): a hold must not sit on a slot
# the stage already has, or it could never be confirmed.
EARLY_SHOW = (dt.time(17, 30), dt.timedelta(hours=3))
FIRST_WEEK, LAST_WEEK = 3, 12  # within the ladder page's first 92 days


def _free_friday(venue: Venue, stage: Stage, band: Band, now: dt.datetime) -> dt.datetime | None:
    """The early show's start on the first Friday at least three weeks ahead when the stage has no slot
    then (by the rule confirming a hold applies) and the 1st hold's band is free for a gig; None if none."""
    zone = ZoneInfo(venue.time_zone)
    at, length = EARLY_SHOW
    day = (now + dt.timedelta(weeks=FIRST_WEEK)).astimezone(zone).date()
    day += dt.timedelta(days=(4 - day.weekday()) % 7)
    for week in range(LAST_WEEK - FIRST_WEEK + 1):
        start = dt.datetime.combine(day + dt.timedelta(weeks=week), at, tzinfo=zone)
        span = (start, start + length)
        stage_free = not stage_slot_clashes(stage=stage, times=[span])
        if stage_free and band_free_for_gig(band=band, start=span[0], end=span[1]):
            return start
    return None


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
    start = _free_friday(venue, stage, bands[BANDS[0]], now)
    if start is None:
        return
    times = {"starts_at": start, "ends_at": start + EARLY_SHOW[1], "expires_at": start - dt.timedelta(days=5)}
    hold_place(by=owner.user, stage=stage, band=bands[BANDS[0]], note="Spring residency, night one", now=now, **times)
    second = hold_place(by=promoter, stage=stage, band=bands[BANDS[1]], note="Album release", now=now, **times)
    hold_place(by=promoter, stage=stage, band=bands[BANDS[2]], now=now, **times)
    hold_challenge(hold=second, by=promoter, now=now)
    # Kellerbar is closed on the Monday after the held Friday (a private hire), unless something is on then.
    with contextlib.suppress(HoldError):
        venue_day_close(
            venue_id=venue.pk, by=owner.user, date=start.date() + dt.timedelta(days=3), note="Private hire", now=now
        )
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
