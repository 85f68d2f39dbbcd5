"""Every kind of notification: what people see on the preferences page and how it is sent by default.

A kind is "low priority" when waiting a day costs nothing; only those can go into the daily digest.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str
    group: str
    low_priority: bool = False


GROUPS = ("Bookings", "Reviews", "Messages", "Bands and venues", "Calendars")

KINDS: dict[str, NotificationKind] = {
    k.key: k
    for k in (
        NotificationKind("booking_created", "A new application, offer or request", "Bookings"),
        NotificationKind("booking_booked", "A booking is accepted", "Bookings"),
        NotificationKind("booking_declined", "A booking is declined", "Bookings"),
        NotificationKind("booking_withdrawn", "An application, offer or request is withdrawn", "Bookings", True),
        NotificationKind("booking_cancelled", "A booked gig is cancelled", "Bookings"),
        NotificationKind("booking_slot_cancelled", "A venue cancels a slot", "Bookings"),
        NotificationKind("booking_expired", "A request ran out before anyone answered", "Bookings", True),
        NotificationKind("booking_invite_claimed", "An offer sent by email is taken", "Bookings"),
        NotificationKind("booking_waiting", "A request has waited too long for your answer", "Bookings"),
        NotificationKind("show_support_asked", "Who fills the support places of a show", "Bookings"),
        NotificationKind("show_alert", "A new slot or support call matches a saved search", "Bookings", True),
        NotificationKind("show_bill", "The running order of a show you play changes", "Bookings"),
        NotificationKind("booking_disputed", "A gig is disputed", "Bookings"),
        NotificationKind("booking_dispute_resolved", "StageSlot staff resolve a dispute", "Bookings"),
        NotificationKind("booking_reschedule", "New times are proposed for a gig", "Bookings"),
        NotificationKind("booking_rescheduled", "A proposal of new times is accepted or declined", "Bookings"),
        NotificationKind("booking_file", "A file is shared on a booking", "Bookings", True),
        NotificationKind("gig_reminder", "Reminder two days before a gig", "Bookings"),
        NotificationKind("review_request", "How was the gig? A gig to review", "Reviews"),
        NotificationKind("review_reminder", "A gig still to review, a week before reviews close", "Reviews"),
        NotificationKind("review_written", "The other side has reviewed your gig", "Reviews", True),
        NotificationKind("review_published", "The reviews of your gig are published", "Reviews", True),
        NotificationKind("review_reply", "A reply to your review", "Reviews", True),
        NotificationKind("review_hidden", "Staff hid your review", "Reviews"),
        NotificationKind("message", "A new message in a booking thread", "Messages", True),
        NotificationKind("bill_message", "A new message in the thread of a bill", "Messages", True),
        NotificationKind("invite_accepted", "Someone joins your band through an invite", "Bands and venues", True),
        NotificationKind("band_status", "Your band is approved or suspended", "Bands and venues"),
        NotificationKind("venue_status", "Your venue is approved or suspended", "Bands and venues"),
        NotificationKind("calendar_failing", "An imported calendar keeps failing", "Calendars", True),
    )
}


def kind_of(key: str) -> NotificationKind:
    """The kind named `key`; an unknown one reads as a plain, high-priority notification."""
    return KINDS.get(key) or NotificationKind(key, key.replace("_", " ").capitalize(), "Bookings")
