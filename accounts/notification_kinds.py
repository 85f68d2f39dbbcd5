"""Every kind of notification: what people see on the preferences page and how it is sent by default.

A kind is "low priority" when waiting a day costs nothing; only those can go into the daily digest.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str | Promise
    group: str | Promise
    low_priority: bool = False


BOOKINGS, REVIEWS, MESSAGES = _("Bookings"), _("Reviews"), _("Messages")
BANDS_AND_VENUES, CALENDARS = _("Bands and venues"), _("Calendars")
LINE_UPS = _("Who plays")
TOURS = _("Tours")
FANS = _("Shows you follow")
GROUPS = (BOOKINGS, LINE_UPS, TOURS, REVIEWS, MESSAGES, BANDS_AND_VENUES, CALENDARS, FANS)

KINDS: dict[str, NotificationKind] = {
    k.key: k
    for k in (
        NotificationKind("booking_created", _("A new application, offer or request"), BOOKINGS),
        NotificationKind("booking_booked", _("A booking is accepted"), BOOKINGS),
        NotificationKind("booking_declined", _("A booking is declined"), BOOKINGS),
        NotificationKind("booking_withdrawn", _("An application, offer or request is withdrawn"), BOOKINGS, True),
        NotificationKind("booking_cancelled", _("A booked gig is cancelled"), BOOKINGS),
        NotificationKind("booking_slot_cancelled", _("A venue cancels a slot"), BOOKINGS),
        NotificationKind("booking_expired", _("A request ran out before anyone answered"), BOOKINGS, True),
        NotificationKind("booking_invite_claimed", _("An offer sent by email is taken"), BOOKINGS),
        NotificationKind("booking_waiting", _("A request has waited too long for your answer"), BOOKINGS),
        NotificationKind("show_support_asked", _("Who fills the support places of a show"), BOOKINGS),
        NotificationKind("show_alert", _("A new slot or support call matches a saved search"), BOOKINGS, True),
        NotificationKind("show_bill", _("The running order of a show you play changes"), BOOKINGS),
        NotificationKind("call_decision", _("An open call's decision on your application"), BOOKINGS),
        NotificationKind("booking_played", _("A band marks a gig as played"), BOOKINGS, True),
        NotificationKind("booking_disputed", _("A gig is disputed"), BOOKINGS),
        NotificationKind("booking_dispute_resolved", _("StageSlot staff resolve a dispute"), BOOKINGS),
        NotificationKind("booking_reschedule", _("New times are proposed for a gig"), BOOKINGS),
        NotificationKind("booking_quote", _("Terms of a booking are proposed or answered"), BOOKINGS),
        NotificationKind("booking_payment", _("A booking is paid, a payment fails or money is refunded"), BOOKINGS),
        NotificationKind("booking_rescheduled", _("A proposal of new times is accepted or declined"), BOOKINGS),
        NotificationKind("booking_file", _("A file is shared on a booking"), BOOKINGS, True),
        NotificationKind("booking_contract", _("A contract is ready to sign, signed, sealed or void"), BOOKINGS),
        NotificationKind("gig_reminder", _("Reminder two days before a gig"), BOOKINGS),
        NotificationKind("gig_advanced", _("Every item of a day sheet is confirmed"), BOOKINGS, True),
        NotificationKind("advance_due", _("An item of a day sheet is yours to confirm soon, or late"), BOOKINGS),
        NotificationKind("advance_comment", _("A comment on an item of a day sheet"), BOOKINGS, True),
        NotificationKind("rsvp_asked", _("A new gig of your band: can you play?"), LINE_UPS),
        NotificationKind("rsvp_reminder", _("A reminder to say whether you can play a gig"), LINE_UPS),
        NotificationKind("rsvp_answered", _("A member says whether they can play (for leaders)"), LINE_UPS, True),
        NotificationKind("rsvp_at_risk", _("A required member can't play a gig (for leaders)"), LINE_UPS),
        NotificationKind(
            "section_short", _("A section of a gig falls below the band's minimum (leaders and its players)"), LINE_UPS
        ),
        NotificationKind("stand_in_asked", _("You are asked to stand in at a gig"), LINE_UPS),
        NotificationKind(
            "stand_in_filled", _("A stand-in takes a place, or a place you were asked for is filled"), LINE_UPS
        ),
        NotificationKind("set_list", _("The set list of a gig you play changes"), LINE_UPS, True),
        NotificationKind("tour_party", _("You are added to a tour's touring party, or taken off it"), TOURS),
        NotificationKind(
            "hold", _("A date is held for your band or venue, challenged, moved up or let go"), BANDS_AND_VENUES
        ),
        NotificationKind(
            "team_link", _("An agency or venue group asks to act for you, or its access changes"), BANDS_AND_VENUES
        ),
        NotificationKind("review_request", _("How was the gig? A gig to review"), REVIEWS),
        NotificationKind("review_reminder", _("A gig still to review, a week before reviews close"), REVIEWS),
        NotificationKind("review_written", _("The other side has reviewed your gig"), REVIEWS, True),
        NotificationKind("review_published", _("The reviews of your gig are published"), REVIEWS, True),
        NotificationKind("review_reply", _("A reply to your review"), REVIEWS, True),
        NotificationKind("review_hidden", _("Staff hid your review"), REVIEWS),
        NotificationKind("message", _("A new message in a booking thread"), MESSAGES, True),
        NotificationKind("bill_message", _("A new message in the thread of a bill"), MESSAGES, True),
        NotificationKind("invite_accepted", _("Someone joins your band through an invite"), BANDS_AND_VENUES, True),
        NotificationKind("band_status", _("Your band is approved or suspended"), BANDS_AND_VENUES),
        NotificationKind("venue_status", _("Your venue is approved or suspended"), BANDS_AND_VENUES),
        NotificationKind("report_outcome", _("What staff did about a report you sent"), BANDS_AND_VENUES),
        NotificationKind(
            "account_warning", _("Staff warn you, your band or your venue after a report"), BANDS_AND_VENUES
        ),
        NotificationKind("calendar_failing", _("An imported calendar keeps failing"), CALENDARS, True),
        NotificationKind("fan_show_new", _("A new show of a band or venue you follow"), FANS, True),
        NotificationKind("fan_show_changed", _("A show you heard of moves or is cancelled"), FANS),
        NotificationKind("fan_week", _("This week near you: the shows of the week ahead"), FANS, True),
        NotificationKind("fan_ask_met", _("A band you asked to come books a show in your city"), FANS),
    )
}


def kind_of(key: str) -> NotificationKind:
    """The kind named `key`; an unknown one reads as a plain, high-priority notification."""
    return KINDS.get(key) or NotificationKind(key, key.replace("_", " ").capitalize(), BOOKINGS)
