"""Reads of one booking's page: who the viewer is in it, what they may do, its title and lineup."""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from accounts.people import people_drawn
from bands.calendar import length_label
from bands.models import BandBlock, Membership
from bands.services import gig_busy_window
from core.fields.timezones import when_text
from venues.models import VenueStaff

from ..models import Booking, BookingEvent
from .bookings import can_manage_band, standing_of

Kind = Booking.Kind


@dataclass
class Viewer:
    """What the viewer is in this booking, and so what they may do."""

    booking: Booking
    user: User
    membership: Membership | None
    venue_staff: bool
    picks_support: bool = False  # the viewer leads the headliner that answers this support application
    agent: bool = False  # the viewer acts for the band through an agency that represents it (teams)

    @property
    def is_client(self) -> bool:
        return self.booking.client_id == self.user.pk

    @property
    def sides(self) -> set[str]:
        """Every side the viewer may act for: services.side_of names one, but a venue's booker may lead the band."""
        sides = set()
        if self.is_client:
            sides.add("client")
        if self.venue_staff:
            sides.add("venue")
        if (self.membership is not None and self.membership.can_manage) or self.agent:
            sides.add("band")
        if self.picks_support:
            sides.add("headliner")
        return sides

    @property
    def role(self) -> str:
        booking = self.booking
        if self.is_client:
            return gettext("You asked for this gig.")
        parts = []
        if self.venue_staff:
            parts.append(gettext("You are on the staff of %(venue)s.") % {"venue": booking.venue.name})
        if self.picks_support:
            parts.append("Your band headlines this show and picks its support acts.")
        if self.membership is not None:
            role = self.membership.get_role_display().lower()
            parts.append(gettext("You play in %(band)s (%(role)s).") % {"band": booking.band.name, "role": role})
        elif self.agent:
            parts.append(gettext("You act for %(band)s through its agency.") % {"band": booking.band.name})
        return " ".join(parts)

    @property
    def watching_only(self) -> bool:
        """A plain band member: sees everything, but the band's leaders and admins act."""
        return not self.sides

    def can_answer(self) -> bool:
        booking = self.booking
        mine = self.user.pk in (booking.requested_by_id, booking.client_id)
        return booking.is_pending and booking.answering_side in self.sides and not mine

    def can_accept(self, now: dt.datetime) -> bool:
        return self.can_answer() and self.booking.starts_at > now

    def can_withdraw(self) -> bool:
        return self.booking.is_pending and self.booking.asking_side in self.sides

    def can_cancel(self, now: dt.datetime) -> bool:
        return self.booking.is_booked and bool(self.sides) and self.booking.ends_at > now


def booking_viewer(*, booking: Booking, user: User) -> Viewer:
    """Where `user` stands in `booking`: their membership of its band, whether they staff its venue, whether
    they pick its support acts for the headliner."""
    standing = standing_of(booking, user)
    if standing is not None:
        role = standing.band_role
        membership = None if role is None else Membership(band_id=booking.band_id, user_id=user.pk, role=role)
        return Viewer(
            booking=booking,
            user=user,
            membership=membership,
            venue_staff=standing.venue_staff,
            picks_support=standing.picks_support,
            agent=standing.agent,
        )
    membership = Membership.objects.filter(band_id=booking.band_id, user_id=user.pk).first()
    staff = bool(booking.venue_id) and VenueStaff.objects.filter(venue_id=booking.venue_id, user_id=user.pk).exists()
    picks = (
        bool(booking.picker_band_id)
        and Membership.objects.filter(
            band_id=booking.picker_band_id, user_id=user.pk, role__in=(Membership.Role.LEADER, Membership.Role.ADMIN)
        ).exists()
    )
    agent = membership is None and can_manage_band(booking.band_id, user)
    return Viewer(
        booking=booking, user=user, membership=membership, venue_staff=staff, picks_support=picks, agent=agent
    )


def booking_fee_label(booking: Booking) -> str:
    """What the booking's fee is called from where it started: asked, offered, or the client's budget."""
    return {
        Kind.APPLICATION: gettext("Fee asked"),
        Kind.OFFER: gettext("Fee offered"),
        Kind.REQUEST: gettext("Budget"),
        Kind.HOST: gettext("Fee"),
    }[booking.kind]


def booking_title(booking: Booking) -> str:
    """ "The Night Owls at Kellerbar", or "The Night Owls for Ana: wedding" for a private request."""
    if booking.kind == Kind.REQUEST:
        event = (booking.event_type or gettext("private event")).lower()
        return gettext("%(band)s for %(client)s: %(event)s") % {
            "band": booking.band.name,
            "client": booking.client.name,
            "event": event,
        }
    return gettext("%(band)s at %(place)s") % {"band": booking.band.name, "place": booking.place_name}


def booking_lineup(*, booking: Booking) -> list[Booking]:
    """The other acts booked on the booking's slot, headliner first (none for a private request)."""
    if not booking.slot_id:
        return []
    return list(
        Booking.objects.filter(slot_id=booking.slot_id, status=Booking.Status.BOOKED)
        .exclude(pk=booking.pk)
        .select_related("band")
        .order_by("role", "pk")
    )


@dataclass(frozen=True)
class GigTimes:
    """The time a booked gig takes from the band's members, as its band sees it on the booking page."""

    busy_label: str  # "Sat 5 Dec 2026, 19:00–00:00 (Europe/Berlin)"
    load_in_minutes: int
    pack_down_minutes: int
    own: bool  # the booking has its own load-in or pack-down (else the band's usual ones)
    can_change: bool  # the viewer leads or runs the band and the gig is not over
    busy_from: dt.datetime | None = None  # the members' busy time: load-in before the gig
    busy_until: dt.datetime | None = None  # to pack-down after it

    @property
    def summary(self) -> str:
        none = gettext("no time")
        before = length_label(dt.timedelta(minutes=self.load_in_minutes)) if self.load_in_minutes else none
        after = length_label(dt.timedelta(minutes=self.pack_down_minutes)) if self.pack_down_minutes else none
        values = {"before": before, "after": after}
        if self.own:
            # Translators: before and after are lengths of time ("2 h", "45 min") or "no time".
            return (
                gettext("%(before)s before for load-in and soundcheck, %(after)s after for pack-down (this gig's own)")
                % values
            )
        return (
            gettext("%(before)s before for load-in and soundcheck, %(after)s after for pack-down (the band's usual)")
            % values
        )


def booking_gig_times(*, booking: Booking, viewer: Viewer, zone, now: dt.datetime) -> GigTimes | None:
    """For the band's members: when the booked gig makes them busy (gig_busy_window) and whether the
    viewer may change it; None for anyone else or a booking without a gig block. One query."""
    if viewer.membership is None or not booking.block_id:
        return None
    block = BandBlock.objects.filter(pk=booking.block_id, kind=BandBlock.Kind.GIG).first()
    if block is None or block.gig_starts_at is None:
        return None
    band = booking.band
    start, end = gig_busy_window(block, band=band)
    return GigTimes(
        busy_label=when_text(start, end, zone),
        load_in_minutes=band.load_in_minutes if block.load_in_minutes is None else block.load_in_minutes,
        pack_down_minutes=band.pack_down_minutes if block.pack_down_minutes is None else block.pack_down_minutes,
        own=block.load_in_minutes is not None or block.pack_down_minutes is not None,
        can_change=viewer.membership.can_manage and booking.is_booked and booking.ends_at > now,
        busy_from=start,
        busy_until=end,
    )


@dataclass(frozen=True)
class EventRow:
    """A line of a booking's history in plain words: "Requested by Ana", "Accepted by Mara",
    "Declined automatically: …", with the reason given (if any) as its note."""

    event: BookingEvent
    what: str
    note: str


CREATED_WORDS = {"Applied", "Offered", "Requested"}
# Notes that only repeat what the line already says.
PLAIN_NOTES = {
    *CREATED_WORDS,
    "Accepted",
    "Declined",
    "Withdrawn",
    "Cancelled",
    "The gig took place",
    "The gig has started",
}
# The services store these words in English as keys (the history and the venue's list of applications
# read them back); a reader gets them in their own language: (alone, with who did it).
SAID = {
    "Applied": (gettext_lazy("Applied"), gettext_lazy("Applied by %(who)s")),
    "Offered": (gettext_lazy("Offered"), gettext_lazy("Offered by %(who)s")),
    "Requested": (gettext_lazy("Requested"), gettext_lazy("Requested by %(who)s")),
    "Created": (gettext_lazy("Created"), gettext_lazy("Created by %(who)s")),
    "Booked instantly": (gettext_lazy("Booked instantly"), gettext_lazy("Booked instantly by %(who)s")),
    "Accepted": (gettext_lazy("Accepted"), gettext_lazy("Accepted by %(who)s")),
    "Declined": (gettext_lazy("Declined"), gettext_lazy("Declined by %(who)s")),
    "Withdrawn": (gettext_lazy("Withdrawn"), gettext_lazy("Withdrawn by %(who)s")),
    "Cancelled": (gettext_lazy("Cancelled"), gettext_lazy("Cancelled by %(who)s")),
    "The gig started": (gettext_lazy("The gig started"), gettext_lazy("The gig started by %(who)s")),
    "Disputed": (gettext_lazy("Disputed"), gettext_lazy("Disputed by %(who)s")),
    "Proposed new times": (gettext_lazy("Proposed new times"), gettext_lazy("Proposed new times by %(who)s")),
    "Terms proposed": (gettext_lazy("Terms proposed"), gettext_lazy("Terms proposed by %(who)s")),
    "Terms countered": (gettext_lazy("Terms countered"), gettext_lazy("Terms countered by %(who)s")),
    "Terms agreed": (gettext_lazy("Terms agreed"), gettext_lazy("Terms agreed by %(who)s")),
    "Terms declined": (gettext_lazy("Terms declined"), gettext_lazy("Terms declined by %(who)s")),
    "Terms lapsed": (gettext_lazy("Terms lapsed"), gettext_lazy("Terms lapsed")),
    "Declined automatically": (gettext_lazy("Declined automatically"), gettext_lazy("Declined automatically")),
    "The gig took place": (gettext_lazy("The gig took place"), gettext_lazy("The gig took place")),
    "Marked as played": (gettext_lazy("Marked as played"), gettext_lazy("Marked as played by %(who)s")),
    "Settlement entered": (gettext_lazy("Settlement entered"), gettext_lazy("Settlement entered by %(who)s")),
    "Settlement approved": (gettext_lazy("Settlement approved"), gettext_lazy("Settlement approved by %(who)s")),
    "Settlement questioned": (
        gettext_lazy("Settlement questioned"),
        gettext_lazy("Settlement questioned by %(who)s"),
    ),
    "Settlement changed": (gettext_lazy("Settlement changed"), gettext_lazy("Settlement changed by %(who)s")),
    "Stand-in planned": (
        gettext_lazy("A stand-in is planned if needed"),
        gettext_lazy("A stand-in is planned if needed, by %(who)s"),
    ),
    "Rescheduled": (gettext_lazy("Rescheduled"), gettext_lazy("Rescheduled by %(who)s")),
    "New times declined": (gettext_lazy("New times declined"), gettext_lazy("New times declined by %(who)s")),
    "New times withdrawn": (gettext_lazy("New times withdrawn"), gettext_lazy("New times withdrawn by %(who)s")),
}
# Notes the services store as they are, beside a line of their own ("Cancelled").
NOTES = {
    "The deposit was not paid in time": gettext_lazy("The deposit was not paid in time"),
}
# Lines stored in English sentences before they were stored as keys: read as the keys they now are.
OLD_LINES = [
    (re.compile(r"^.+ will find a stand-in if needed: Nobody is busy right now\.$", re.S), "Stand-in planned"),
    (re.compile(r"^.+ will find a stand-in if needed: (?P<rest>.*)\.$", re.S), "Stand-in planned: {rest}"),
    (re.compile(r"^Rescheduled from (?P<old>.+) to (?P<new>.+)$", re.S), "Rescheduled: {old} → {new}"),
    (
        re.compile(r"^New times (?P<word>declined|withdrawn) \((?P<rest>.*)\); the gig stays on its times\.$", re.S),
        "New times {word}: {rest}",
    ),
    (re.compile(r"^New times (?P<word>declined|withdrawn); the gig stays on its times\.$", re.S), "New times {word}"),
]


def _as_key(note: str) -> str:
    for pattern, key in OLD_LINES:
        if found := pattern.match(note):
            return key.format(**found.groupdict())
    return note


# Whole sentences the services store as they are.
SENTENCES = {
    "Declined automatically: the headliner place went to another band.": gettext_lazy(
        "Declined automatically: the headliner place went to another band."
    ),
    "Declined automatically: every support place has been filled.": gettext_lazy(
        "Declined automatically: every support place has been filled."
    ),
    "Declined automatically: the date passed without an answer.": gettext_lazy(
        "Declined automatically: the date passed without an answer."
    ),
    # A request sent to several bands, one of which the client booked (services.request_groups).
    "Withdrawn automatically: the client chose another band.": gettext_lazy(
        "Withdrawn automatically: the client chose another band."
    ),
}


def _said(what: str, actor: User | None) -> str:
    """`what` in the reader's language, with who did it: "Accepted by Mara". Words stored with data in
    them (a name, a time) stay as they were stored."""
    if what in SAID:
        alone, with_who = SAID[what]
        return str(with_who) % {"who": actor.name} if actor else str(alone)
    if what in SENTENCES:
        return str(SENTENCES[what])
    # Translators: what is a line of a booking's history as it was stored; who is a person's name.
    return gettext("%(what)s by %(who)s") % {"what": what, "who": actor.name} if actor else what


@dataclass(frozen=True)
class _Acting:
    name: str


def _actor(event: BookingEvent):
    """Who did it, and for whom when they acted through an organisation: "Ana, Northside Agency, for The
    Night Owls"."""
    if event.actor is None or not event.acting_org:
        return event.actor
    # Translators: who acted on a booking for a band or a venue through an agency or venue group.
    words = gettext("%(person)s, %(organisation)s, for %(party)s")
    return _Acting(words % {"person": event.actor.name, "organisation": event.acting_org, "party": event.acting_for})


def booking_event_rows(events: list[BookingEvent]) -> list[EventRow]:
    """Each change of a booking as a sentence saying what happened and who did it (and for whom); people its
    notes refer to drawn by the names they have now."""
    rows = []
    for event in people_drawn(events, "note"):
        actor = _actor(event)
        stored = _as_key(event.note)
        note = "" if stored in PLAIN_NOTES else str(NOTES.get(stored, stored))
        to = event.to_status
        if not event.from_status and event.note.startswith("Booked instantly"):
            what, note = _said("Booked instantly", actor), event.note.partition(": ")[2]
        elif not event.from_status:
            what = _said(event.note if event.note in CREATED_WORDS else "Created", actor)
        elif event.from_status == to:
            # Not a change of state: new times proposed, answered or taken.
            head, _sep, rest = stored.partition(": ")
            what, note = _said(head, actor), rest
        elif (to == Booking.Status.DECLINED and event.note.startswith("Declined automatically")) or (
            to == Booking.Status.WITHDRAWN and not actor and event.note in SENTENCES
        ):
            what, note = _said(event.note, None), ""
        elif to == Booking.Status.DECLINED and not actor:
            what = _said("Declined automatically", None)
        elif to == Booking.Status.COMPLETED and actor is not None and event.from_status in Booking.ON:
            what = _said("Marked as played", actor)
        elif to == Booking.Status.COMPLETED:
            what = _said("The gig took place", None)
        else:
            verbs = {
                Booking.Status.BOOKED: "Accepted",
                Booking.Status.DECLINED: "Declined",
                Booking.Status.WITHDRAWN: "Withdrawn",
                Booking.Status.CANCELLED: "Cancelled",
                Booking.Status.IN_PROGRESS: "The gig started",
                Booking.Status.DISPUTED: "Disputed",
            }
            what = _said(verbs.get(to, event.get_to_status_display()), actor)
        rows.append(EventRow(event=event, what=what, note=note))
    return rows
