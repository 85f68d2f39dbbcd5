"""The clock's part of a booking's life: booked gigs start (IN PROGRESS) and complete, pending
bookings whose date passed unanswered are declined.

Locks: each booking row on its own, in a transaction per booking. Checks: the booking is still in
the state it was found in."""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import Booking, live_starts_at
from .ending import booking_transition
from .notices import (
    answering_people,
    asking_people,
    booking_notify,
    booking_summary,
    kind_text,
)
from .webhooks import webhook_events_emit

Status = Booking.Status


def _move_each_still_due(
    due: QuerySet[Booking], *, statuses: Iterable[str], related: tuple[str, ...], move: Callable[[Booking], None]
) -> int:
    """`move` each booking of `due` that is still in one of `statuses`, locked, in a transaction of its own
    (a booking another request moved meanwhile is passed over). Returns how many were moved."""
    statuses = list(statuses)
    done = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(of=("self",))
                .select_related(*related)
                .filter(pk=pk, status__in=statuses)
                .first()
            )
            if booking is None:
                continue
            move(booking)
            done += 1
    return done


def bookings_start(*, now=None) -> int:
    """Periodic: every BOOKED gig whose start has passed and whose end has not is IN PROGRESS (both
    sides see it so). Returns how many."""
    now = now or timezone.now()

    def start(booking: Booking) -> None:
        booking_transition(booking, Status.IN_PROGRESS, actor=None, note="The gig has started", now=now)
        webhook_events_emit(event="booking.in_progress", bookings=[booking], now=now)

    # By the live bookings' start (bookings_live_starts_at): with nothing due, no row is read.
    due = Booking.objects.alias(live_start=live_starts_at()).filter(
        live_start__lte=now, status=Status.BOOKED, ends_at__gt=now
    )
    return _move_each_still_due(due, statuses=[Status.BOOKED], related=("band", "venue"), move=start)


def bookings_complete(*, now=None) -> int:
    """Periodic: every BOOKED or IN PROGRESS gig whose end has passed becomes COMPLETED. Returns how many."""
    now = now or timezone.now()

    def complete(booking: Booking) -> None:
        booking_transition(booking, Status.COMPLETED, actor=None, note="The gig took place", now=now)
        webhook_events_emit(event="booking.completed", bookings=[booking], now=now)

    due = Booking.objects.filter(status__in=Booking.ON, ends_at__lte=now)
    return _move_each_still_due(due, statuses=Booking.ON, related=("band", "venue"), move=complete)


def bookings_expire(*, now=None) -> int:
    """Periodic: a pending booking whose start has passed can never be accepted; it is declined,
    with the reason, and both sides are told. Returns how many."""
    now = now or timezone.now()

    def expire(booking: Booking) -> None:
        note = "Declined automatically: the date passed without an answer."
        booking_transition(booking, Status.DECLINED, actor=None, note=note, now=now)
        booking_notify(
            booking,
            asking_people(booking) + answering_people(booking),
            kind_text(
                booking,
                application=gettext_lazy("%(band)s: the application to %(gig)s was never answered and has lapsed."),
                offer=gettext_lazy("%(band)s: the offer to %(gig)s was never answered and has lapsed."),
                request=gettext_lazy("%(band)s: the private request to %(gig)s was never answered and has lapsed."),
                band=booking.band.name,
                gig=booking_summary(booking),
            ),
            actor=None,
            event="expired",
        )

    due = Booking.objects.alias(live_start=live_starts_at()).filter(live_start__lte=now, status=Status.PENDING)
    return _move_each_still_due(due, statuses=[Status.PENDING], related=("band", "venue", "client"), move=expire)
