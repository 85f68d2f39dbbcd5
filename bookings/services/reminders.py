"""Reminders nobody clicks for: a booked gig two days ahead, and a booking that waits too long for its answer.

Both run hourly (see CELERY_BEAT_SCHEDULE) and are safe to run as often as anyone likes: each
reminder has its dedupe key, so a person hears of the same gig, or the same wait, once. Each run
costs the same few queries however many bookings are due (the people are read per band and per
venue in one query each, the notifications written in one batch).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, ngettext_lazy

from accounts.models import User
from accounts.services import NotificationItem, lazy_text, notifications_create_many
from bands.models import Membership
from venues.models import VenueStaff

from ..models import Booking, live_starts_at
from .email_actions import email_actions_for
from .marks import job_mark, job_mark_set
from .notices import booking_summary, link_of

Status = Booking.Status
Kind = Booking.Kind

GIG_REMINDER_AHEAD = timedelta(hours=48)
GIG_REMINDERS_JOB = "bookings-gig-reminders"
GIG_REMINDERS_OVERLAP = timedelta(minutes=10)
# The wait after which the answering side is reminded, and the second, last reminder.
WAITING_STEPS = (7, 3)


def _band_people(band_ids: Iterable[int], *, managers_only: bool = False) -> dict[int, list[User]]:
    """Per band: its members (or only its leaders and admins), in one query."""
    memberships = Membership.objects.filter(band_id__in=set(band_ids)).select_related("user").order_by("user_id")
    if managers_only:
        memberships = memberships.filter(role__in=(Membership.Role.LEADER, Membership.Role.ADMIN))
    people: dict[int, list[User]] = defaultdict(list)
    for membership in memberships:
        people[membership.band_id].append(membership.user)
    return people


def _venue_people(venue_ids: Iterable[int]) -> dict[int, list[User]]:
    """Per venue: its staff, in one query."""
    people: dict[int, list[User]] = defaultdict(list)
    for staff in VenueStaff.objects.filter(venue_id__in=set(venue_ids)).select_related("user").order_by("user_id"):
        people[staff.venue_id].append(staff.user)
    return people


def gig_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind both sides of every booked gig that starts within the next 48 hours: every band member,
    and the venue's staff or the client.

    Once per booking and start time: a gig moved to another time reminds again. Returns how many
    people were reminded now (0 when everyone due had heard already).

    After its first run it reads only the gigs that came within the 48 hours since its mark (GIG_REMINDERS_JOB)
    and those booked, moved or otherwise changed since (less GIG_REMINDERS_OVERLAP, for a change whose
    transaction committed after the last run read): with nothing new, no gig is read. Someone who joins a band
    later is not reminded of a gig the band was reminded of already. A run for a moment before the mark reads
    every gig in the window, as the first (decision 0092).
    """
    now = now or timezone.now()
    window = Booking.objects.filter(status=Status.BOOKED, starts_at__gt=now, starts_at__lte=now + GIG_REMINDER_AHEAD)
    mark = job_mark(GIG_REMINDERS_JOB, now=now)
    if mark is not None:
        # Two reads, each one index serves (bookings_live_starts_at, bookings_live_updated), where one read with OR
        # reads every live booking.
        near = (
            window.alias(live_start=live_starts_at())
            .filter(live_start__gt=mark + GIG_REMINDER_AHEAD, live_start__lte=now + GIG_REMINDER_AHEAD)
            .order_by()
            .values_list("pk", flat=True)
        )
        changed = window.filter(updated_at__gte=mark - GIG_REMINDERS_OVERLAP).order_by().values_list("pk", flat=True)
        window = window.filter(pk__in={*near, *changed})
    gigs = list(window.select_related("band", "venue", "client").order_by("starts_at", "pk"))
    if not gigs:
        job_mark_set(GIG_REMINDERS_JOB, now)
        return 0
    players = _band_people(b.band_id for b in gigs)
    teams = _venue_people(b.venue_id for b in gigs if b.venue_id)
    items = []
    for gig in gigs:
        other_side = teams[gig.venue_id] if gig.venue_id else [gig.client]
        starts = gig.starts_at.astimezone(dt.UTC)
        items.append(
            NotificationItem(
                recipients=[*players[gig.band_id], *other_side],
                kind="gig_reminder",
                text=lazy_text(
                    gettext_lazy("Reminder: %(band)s will %(gig)s."), band=gig.band.name, gig=booking_summary(gig)
                ),
                link=link_of(gig),
                key=f"gig_reminder:{gig.uid}:{starts:%Y%m%dT%H%M}",
                starts_at=gig.starts_at,
                ends_at=gig.ends_at,
            )
        )
    with transaction.atomic():
        made = len(notifications_create_many(items=items))
    job_mark_set(GIG_REMINDERS_JOB, now)
    return made


def _waiting_text(booking: Booking, days: int) -> Promise:
    """ "An application from The Night Owls to headline at Kellerbar on {when} has waited 3 days for your answer."
    No possessive made in English: each language writes who asked as its grammar wants."""
    band = booking.band.name
    if booking.kind == Kind.APPLICATION:
        asker = band
        # Translators: %(asker)s is the band that applied; %(gig)s what it applied for.
        message = ngettext_lazy(
            "An application from %(asker)s to %(gig)s has waited %(count)s day for your answer.",
            "An application from %(asker)s to %(gig)s has waited %(count)s days for your answer.",
            days,
        )
    elif booking.kind == Kind.OFFER:
        asker = booking.venue.name
        # Translators: %(asker)s is the venue that made the offer, %(band)s the band.
        message = ngettext_lazy(
            "An offer from %(asker)s for %(band)s to %(gig)s has waited %(count)s day for your answer.",
            "An offer from %(asker)s for %(band)s to %(gig)s has waited %(count)s days for your answer.",
            days,
        )
    else:
        asker = booking.client.name
        # Translators: %(asker)s is the client who asked, %(band)s the band.
        message = ngettext_lazy(
            "A request from %(asker)s for %(band)s to %(gig)s has waited %(count)s day for your answer.",
            "A request from %(asker)s for %(band)s to %(gig)s has waited %(count)s days for your answer.",
            days,
        )
    return lazy_text(message, asker=asker, band=band, gig=booking_summary(booking), count=days)


def waiting_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the side that must answer (the venue's staff for an application, the band's leaders
    and admins for an offer or a request) of a pending booking asked more than 3 days ago, and once
    more after 7 days, while its gig is still ahead. Their emails carry the one-click Accept and
    Decline links.

    The person who asked is never reminded to answer themselves. Returns how many people were
    reminded now.
    """
    now = now or timezone.now()
    waiting = list(
        Booking.objects.filter(
            status=Status.PENDING, created_at__lte=now - timedelta(days=min(WAITING_STEPS)), starts_at__gt=now
        )
        .select_related("band", "venue", "client")
        .order_by("created_at", "pk")
    )
    if not waiting:
        return 0
    managers = _band_people(
        [b.band_id for b in waiting if b.answering_side == "band"]
        + [b.picker_band_id for b in waiting if b.answering_side == "headliner"],
        managers_only=True,
    )
    teams = _venue_people(b.venue_id for b in waiting if b.answering_side == "venue")
    items = []
    for booking in waiting:
        # The longest wait reached: a booking found late (8 days old) is reminded once, not twice.
        days = next(d for d in WAITING_STEPS if booking.created_at <= now - timedelta(days=d))
        side = booking.answering_side
        if side == "venue":
            answering = teams[booking.venue_id]
        elif side == "headliner":
            answering = managers[booking.picker_band_id]
        else:
            answering = managers[booking.band_id]
        asked = {booking.requested_by_id, booking.client_id}
        items.append(
            NotificationItem(
                recipients=[u for u in answering if u.pk not in asked],
                kind="booking_waiting",
                text=_waiting_text(booking, days),
                link=link_of(booking),
                key=f"booking_waiting:{booking.uid}:{days}d",
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                actions_for=email_actions_for(booking),
            )
        )
    with transaction.atomic():
        return len(notifications_create_many(items=items))
