"""What a booking's notifications say and whom they reach: the words for a gig, its link, the
people on each side, and one call that tells them (accounts.services writes the rows)."""

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import WHEN, lazy_text, notifications_create
from bands.selectors import band_managers

from ..models import Booking
from ..selectors.bookings import band_players, venue_team
from .email_actions import email_actions_for
from .webhooks import notice_emit

Kind = Booking.Kind
Role = Booking.Role


def where_text(booking: Booking) -> str:
    """The venue's name, or the private event's place."""
    if booking.venue_id:
        return booking.venue.name
    return booking.location or "a private event"


def link_of(booking: Booking) -> str:
    """The booking's page, as notifications link to it."""
    return f"/bookings/{booking.uid}/"


def booking_summary(booking: Booking) -> Promise:
    """ "headline at Kellerbar on {when}": the gig in a notification's sentence (its %(gig)s), read in
    each recipient's language, whose "{when}" each recipient reads in their own zone (see
    accounts.services.NotificationItem)."""
    if booking.kind == Kind.REQUEST:
        event, place = booking.event_type.lower(), booking.location
        if event and place:
            return lazy_text(
                # Translators: what a band is asked to do, the end of sentences such as "Sam asks The Band to
                # %(gig)s."; %(event)s is the kind of event the client typed (e.g. "wedding"), %(when)s its times.
                gettext_lazy("play %(event)s at %(place)s on %(when)s"),
                event=event,
                place=place,
                when=WHEN,
            )
        if event:
            return lazy_text(gettext_lazy("play %(event)s on %(when)s"), event=event, when=WHEN)
        if place:
            return lazy_text(gettext_lazy("play a private event at %(place)s on %(when)s"), place=place, when=WHEN)
        return lazy_text(gettext_lazy("play a private event on %(when)s"), when=WHEN)
    place = where_text(booking)
    if booking.role == Role.HEADLINER:
        # Translators: the part a band plays, the end of sentences such as "The Band applied to %(gig)s.";
        # %(place)s is the venue, %(when)s the gig's times.
        return lazy_text(gettext_lazy("headline at %(place)s on %(when)s"), place=place, when=WHEN)
    return lazy_text(gettext_lazy("support at %(place)s on %(when)s"), place=place, when=WHEN)


def kind_text(booking: Booking, *, application: Promise, offer: Promise, request: Promise, **params: object) -> Promise:
    """One of three sentences, as the booking is an application, an offer or a request (each its own
    msgid: "the application"/"the offer" change the words around them in other languages). A host's own
    show is never withdrawn nor left unanswered: it takes the request's words."""
    message = {Kind.APPLICATION: application, Kind.OFFER: offer}.get(booking.kind, request)
    return lazy_text(message, **params)


def booking_notify(
    booking: Booking,
    recipients: Iterable[User],
    text: str | Promise,
    *,
    actor: User | None,
    event: str,
    actions: bool = False,
    links: tuple[dict, ...] = (),
) -> None:
    """Tell `recipients` of a change of `booking`; `actions` adds signed Accept/Decline links to
    their emails (for the side that must answer a new booking), `links` plain links after them
    ({"label": …, "path": "/…"}, e.g. an offer's letter)."""
    actions_for = email_actions_for(booking) if actions else None
    if links:
        signed = actions_for

        def actions_for(user: User) -> list[dict]:
            return [*(signed(user) if signed is not None else []), *links]

    notifications_create(
        recipients=recipients,
        kind=f"booking_{event}",
        text=text,
        link=link_of(booking),
        key=f"booking:{booking.uid}:{event}:{booking.sequence}",
        actor=actor,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        actions_for=actions_for,
        event_zone=booking.time_zone,
    )
    # The band's and the venue's webhooks hear of it in the same transaction (sent after commit).
    notice_emit(booking, event)


def asking_people(booking: Booking) -> list[User]:
    """Who speaks for the side that asked: the band's leaders and admins, the venue's staff, or the client."""
    side = booking.asking_side
    if side == "band":
        return band_managers(booking.band_id)
    if side == "venue":
        return venue_team(booking.venue_id)
    return [booking.client]


def answering_people(booking: Booking) -> list[User]:
    """Who may answer: the venue's staff for an application (the headliner's leaders and admins when it
    picks the support acts), the band's leaders and admins otherwise."""
    if booking.answering_side == "headliner":
        return band_managers(booking.picker_band_id)
    if booking.answering_side == "venue":
        return venue_team(booking.venue_id)
    return band_managers(booking.band_id)


def booking_people(booking: Booking) -> list[User]:
    """Both sides of a booked gig: every band member, the venue's staff or the client, and the
    headliner's leaders and admins when it picked this support act."""
    people = band_players(booking.band_id)
    if booking.venue_id:
        people += venue_team(booking.venue_id)
    elif booking.client_id:
        people.append(booking.client)
    if booking.picker_band_id:
        people += [p for p in band_managers(booking.picker_band_id) if p not in people]
    return people
