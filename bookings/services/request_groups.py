"""What the workflow does for a client's request sent to several bands (a RequestGroup): at most one of
its bookings is ever booked, and booking one withdraws the others.

- book.booking_book asks `request_group_taken` under its locks (band, slot, booking, then the group row),
  so two bands accepting at the same moment queue on the group and the second is refused; a partial
  unique constraint (one booked booking per group) stands behind it.
- Right after the winner's commit, in the transaction that declines what it made impossible
  (losers._decline_losers), `request_group_rivals_withdraw` withdraws the group's other pending
  bookings, closes their open quotes and tells their bands. The client, who chose, is not told again.
- `request_groups_sweep` (periodic) catches up with a group whose withdrawals were lost.

This module is below the booking services: it imports neither book, answering, losers nor quotes.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import NotificationItem, lazy_text, notifications_create_many
from bands.selectors import bands_managers

from ..models import Booking, BookingEvent, Quote, RequestGroup
from .ending import booking_status_stamps_bump
from .notices import booking_summary, link_of
from .webhooks import webhook_events_emit

Status = Booking.Status

# The audit log's line on each withdrawn rival (stored in English, read in the reader's language:
# selectors.detail.SENTENCES).
WITHDRAWN_NOTE = "Withdrawn automatically: the client chose another band."


def request_group_taken(booking: Booking) -> str:
    """Under an accept's locks (band, slot, booking): lock `booking`'s request group and say why it
    cannot be booked – another band of the group is booked already – or "" when nothing is in the way."""
    RequestGroup.objects.select_for_update().filter(pk=booking.request_group_id).values_list("pk", flat=True).first()
    taken = (
        Booking.objects.filter(request_group_id=booking.request_group_id, status__in=Booking.PLAYED)
        .exclude(pk=booking.pk)
        .exists()
    )
    if not taken:
        return ""
    # Which band stays unsaid: the band that accepts must not learn who the client chose.
    return _(
        "%(client)s has already booked another band for this event, so this request can no longer be accepted."
    ) % {"client": booking.client.name}


def request_group_rivals_withdraw(*, winner: Booking, now: dt.datetime) -> list[Booking]:
    """Withdraw the pending bookings of `winner`'s request group (`winner` is booked and committed), in
    the caller's transaction: each row locked first, an audit line each, their open quotes lapsed, and
    their bands' leaders and admins told. Returns the bookings withdrawn. A fixed number of queries."""
    if not winner.request_group_id:
        return []
    rivals = list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("band", "client")
        .filter(request_group_id=winner.request_group_id, status=Status.PENDING)
        .exclude(pk=winner.pk)
        .order_by("pk")
    )
    if not rivals:
        return []
    ids = [rival.pk for rival in rivals]
    events = [
        BookingEvent(
            booking=rival, actor=None, from_status=Status.PENDING, to_status=Status.WITHDRAWN, note=WITHDRAWN_NOTE
        )
        for rival in rivals
    ]
    quoted = list(
        Quote.objects.filter(booking_id__in=ids, status=Quote.Status.OPEN).values_list("booking_id", flat=True)
    )
    if quoted:
        Quote.objects.filter(booking_id__in=ids, status=Quote.Status.OPEN).update(
            status=Quote.Status.LAPSED, answered_at=now
        )
        events += [
            BookingEvent(
                booking_id=pk, actor=None, from_status=Status.WITHDRAWN, to_status=Status.WITHDRAWN, note="Terms lapsed"
            )
            for pk in quoted
        ]
    BookingEvent.objects.bulk_create(events)
    Booking.objects.filter(pk__in=ids).update(
        status=Status.WITHDRAWN,
        status_note=WITHDRAWN_NOTE,
        status_changed_at=now,
        updated_at=now,
        sequence=F("sequence") + 1,
    )
    managers = bands_managers({rival.band_id for rival in rivals})
    items = []
    for rival in rivals:
        rival.status, rival.status_note, rival.status_changed_at, rival.updated_at = (
            Status.WITHDRAWN,
            WITHDRAWN_NOTE,
            now,
            now,
        )
        rival.sequence += 1
        items.append(
            NotificationItem(
                recipients=managers.get(rival.band_id, []),
                kind="booking_withdrawn",
                text=lazy_text(
                    # Translators: %(gig)s is what the band was asked ("play a wedding at Gut Kleinow on …").
                    gettext_lazy("%(client)s chose another band to %(gig)s, so the request to %(band)s is withdrawn."),
                    client=rival.client.name,
                    gig=booking_summary(rival),
                    band=rival.band.name,
                ),
                link=link_of(rival),
                key=f"booking:{rival.uid}:withdrawn:{rival.sequence}",
                starts_at=rival.starts_at,
                ends_at=rival.ends_at,
            )
        )
    booking_status_stamps_bump(rivals)
    notifications_create_many(items=items, actor=None)
    webhook_events_emit(event="booking.withdrawn", bookings=rivals, now=now)
    return rivals


def request_groups_sweep(*, now: dt.datetime | None = None) -> int:
    """Periodic: withdraw the pending bookings of every request group that has a booked booking (their
    withdrawal right after the accept was lost). Each group in a short transaction of its own. Returns
    how many bookings were withdrawn."""
    now = now or timezone.now()
    played = Booking.objects.filter(request_group_id=OuterRef("request_group_id"), status__in=Booking.PLAYED)
    stuck = Booking.objects.filter(status=Status.PENDING, request_group__isnull=False).filter(Exists(played))
    done = 0
    for group_id in sorted(set(stuck.values_list("request_group_id", flat=True))):
        winner = Booking.objects.filter(request_group_id=group_id, status__in=Booking.PLAYED).order_by("pk").first()
        if winner is None:
            continue
        with transaction.atomic():
            done += len(request_group_rivals_withdraw(winner=winner, now=now))
    return done
