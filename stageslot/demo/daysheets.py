"""Demo day sheets: one booked gig at a venue fully advanced (every item confirmed, the band told), and
another one half done, both with their details written, a few guests on each list and a question from the
band on its hospitality.

Everything goes through gigs.services, as on the day sheet page, by a person of the side that runs the
day. The notifications' emails are marked as not wanted, as the demo people have no real mailboxes.
Idempotent: a gig that has a day sheet already is left as it is, and once both exist nothing is done.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db.models import Max

from accounts.models import Notification, User
from bands.models import Membership
from bookings.errors import BookingError
from bookings.models import Booking
from gigs.models import DaySheet
from gigs.selectors.day_sheets import ITEMS, SHEET_RELATED, runs_the_day
from gigs.services.day_sheets import advance_comment_post, advance_item_set, day_sheet_update
from gigs.services.guest_lists import guest_entry_add
from venues.models import VenueStaff

logger = logging.getLogger(__name__)

# The first half of the checklist is advanced on the half-done sheet.
HALF = len(ITEMS) // 2


def _runner(booking: Booking) -> User | None:
    """Someone on the side that runs the gig's day: the venue's first staff member."""
    staff = VenueStaff.objects.filter(venue_id=booking.venue_id).select_related("user").order_by("pk")
    return next((s.user for s in staff if runs_the_day(booking, s.user)), None)


def _details(booking: Booking, runner: User) -> dict:
    start = booking.set_starts_at or booking.starts_at
    return {
        "venue_contact_name": runner.name,
        "venue_contact_phone": "+49 30 5550 1234",
        "venue_contact_email": runner.email,
        "band_contact_name": booking.band.name,
        "load_in_at": start - dt.timedelta(hours=3),
        "soundcheck_at": start - dt.timedelta(hours=2),
        "doors_at": start - dt.timedelta(minutes=30),
        "curfew_at": (booking.set_ends_at or booking.ends_at) + dt.timedelta(minutes=30),
        "backline": "Drum kit (shells, hardware, no cymbals), bass amp 8×10, two guitar combos, four DI boxes.",
        "hospitality": "Dinner for the band at 18:30, two drinks each, five guest list places.",
        "accommodation": "Two double rooms at the Hotel am Park, five minutes' walk; keys at the bar.",
        "parking": "Loading bay in the back yard (gate code 4711), free until 02:00.",
        "notes": "Merch table by the door. Please send the set list by the day before.",
    }


def _guests_and_a_comment(booking: Booking, runner: User, *, now: dt.datetime) -> None:
    """A few names on the gig's guest list from each side, and a question on the hospitality item."""
    leader = Membership.objects.filter(band=booking.band, role=Membership.Role.LEADER).select_related("user").first()
    try:
        for name, plus_ones in (("Press: Kiez Radio", 1), ("Promoter's partner", 0)):
            guest_entry_add(booking=booking, by=runner, side="venue", name=name, plus_ones=plus_ones, now=now)
        if leader is not None:
            for name, plus_ones in (("Mara's parents", 1), ("Photographer", 0)):
                guest_entry_add(booking=booking, by=leader.user, side="band", name=name, plus_ones=plus_ones, now=now)
            advance_comment_post(
                booking=booking, item="hospitality", by=leader.user, text="Could one of the meals be vegan?", now=now
            )
    except (BookingError, ValidationError) as exc:
        logger.warning("Demo guest list: %s for booking %s", exc, booking.pk)


def seed_day_sheets(*, now: dt.datetime) -> dict[str, int]:
    """A fully advanced day sheet and a half-done one on booked demo gigs to come; {plan: booking pk}."""
    done: dict[str, int] = {}
    plans = ["fully advanced", "half done"]
    if DaySheet.objects.count() >= len(plans):
        return done
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    gigs = (
        Booking.objects.filter(status=Booking.Status.BOOKED, venue__isnull=False, starts_at__gt=now)
        .exclude(day_sheet__isnull=False)
        .select_related(*SHEET_RELATED)
        .order_by("starts_at", "pk")
    )
    for booking in gigs:
        if not plans:
            break
        runner = _runner(booking)
        if runner is None:
            continue
        plan = plans[0]
        items = ITEMS if plan == "fully advanced" else ITEMS[:HALF]
        try:
            day_sheet_update(booking=booking, by=runner, now=now, **_details(booking, runner))
            for item in items:
                advance_item_set(booking=booking, item=item.value, by=runner, advanced=True, now=now)
        except (BookingError, ValidationError) as exc:
            logger.warning("Demo day sheets: %s for booking %s", exc, booking.pk)
            continue
        done[plans.pop(0)] = booking.pk
        _guests_and_a_comment(booking, runner, now=now)
    if plans:
        logger.warning("Demo day sheets: not enough booked gigs at venues for %s", ", ".join(plans))
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
    return done
