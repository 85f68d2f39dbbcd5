"""Whether a person can take a playing place at a gig: nobody plays two gigs at once (issue 81).

Every door that gives a member a place that plays – their own yes (answers.gig_answer_set), a part given
(parts.gig_part_set), joining or becoming required (joins.member_time_settle), a stand-in's yes
(stand_ins, through checks.stand_in_free_check) – asks bookings.services.checks.person_gig_clash under the
band's and the person's locks; bookings/tests/test_gig_moves.py finds the doors and fails on one that asks
without the locks.
"""

from django.utils.translation import gettext as _

from accounts.models import User
from bookings.errors import BookingConflict
from bookings.models import Booking
from bookings.services import checks
from core.fields.timezones import when_text

# Gigs whose line-up still changes: booked and not over.
OPEN_STATUSES = (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS)


def other_gig(block_id: int) -> Booking | None:
    """The booking whose gig block took a person's time (a busy interval's source)."""
    return (
        Booking.objects.filter(block_id=block_id, status__in=OPEN_STATUSES)
        .select_related("band")
        .order_by("pk")
        .first()
    )


def playing_elsewhere_check(*, booking: Booking, member: User, by: User | None = None) -> None:
    """Refuse to give `member` a playing place at `booking` while they play another gig then (the one
    question every door asks, bookings.services.checks.person_gig_clash): their earlier gig stands. Raises
    BookingConflict naming the other gig's band and times, to the member (`by` None or themself) or to the
    leader who acts. Call holding the band's and the person's locks."""
    clash = checks.person_gig_clash(user_id=member.pk, booking=booking)
    if clash is None:
        return
    other = other_gig(clash.source_id)
    values = {
        "other": other.band.name if other is not None else _("another gig"),
        "when": when_text(clash.starts_at, clash.ends_at, booking.zone),
        "member": member.name,
    }
    if by is not None and by.pk != member.pk:
        raise BookingConflict(
            _(
                "%(member)s plays %(other)s %(when)s, which overlaps this gig with its load-in and pack-down: "
                "their earlier gig stands, so they cannot play a part in this one."
            )
            % values
        )
    raise BookingConflict(
        _(
            "You play %(other)s %(when)s, which overlaps this gig with its load-in and pack-down: your earlier "
            "gig stands, so you cannot play this one too. To play here instead, answer “can't” for that gig first."
        )
        % values
    )
