"""/dashboard/: a person's bands, venues and bookings on one page."""

import uuid
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from accounts.forms.profile import HERE_FOR_SKIPPED, HereForForm
from accounts.models import HereFor
from bookings.models import Booking
from core.fields.timezones import when_text
from festivals.selectors import organiser_desks
from gigs.selectors.answers import my_open_answers
from gigs.selectors.tours import person_tours
from payments.selectors import dashboard_money

from ..choices import choice_label
from ..newcomers import first_steps
from ..selectors import (
    RosterBand,
    dashboard_bookings,
    dashboard_memberships,
    dashboard_roster,
    dashboard_venue_roles,
)

# The dashboard lists this many gigs waiting for the person's "Can you play?" (soonest first).
CAN_YOU_PLAY = 10
# The dashboard lists this many of the person's tours ahead (soonest first); "All your tours" has the rest.
DASHBOARD_TOURS = 5


@dataclass(frozen=True)
class BookingRow:
    """A booking as a line of the dashboard, everything its fragment draws worked out here: what, when in
    the viewer's zone, who is to answer, where it leads (`url`: the booking, its answer or its review),
    its day sheet when booked, its kind and its state."""

    booking: Booking
    title: str
    when: str
    waiting_on: str
    url: str
    sheet_url: str
    kind_label: str
    status: str
    status_label: str


# Where a row leads, by the block it is in: its booking, its "Can you play?" answer, its review.
ROW_LINKS = {"": "bookings:detail", "answer": "gigs:gig", "review": "reviews:booking"}


class _Addresses:
    """The address of a booking's page by URL name, each name reversed once (with a stand-in uid) and the
    booking's uid put in per row: the same address as reverse() gives, without its cost per row."""

    STAND_IN = uuid.UUID(int=0)

    def __init__(self) -> None:
        self._patterns: dict[str, str] = {}

    def __call__(self, name: str, uid: uuid.UUID) -> str:
        if name not in self._patterns:
            self._patterns[name] = reverse(name, args=[self.STAND_IN])
        return self._patterns[name].replace(str(self.STAND_IN), str(uid))


class _Words:
    """The words the rows repeat (their title's pattern, a private event, a kind's and a state's label), each
    translated once per request: a request speaks one language, and gettext walks every catalogue per call."""

    def __init__(self) -> None:
        self._said: dict[str, str] = {}
        self._labels: dict[tuple[str, str], str] = {}

    def __call__(self, text: str) -> str:
        """`text` (marked with gettext_noop where it is written) in the request's language."""
        if text not in self._said:
            self._said[text] = gettext(text)
        return self._said[text]

    def label(self, booking: Booking, name: str) -> str:
        key = (name, getattr(booking, name))
        if key not in self._labels:
            self._labels[key] = choice_label(booking, name)
        return self._labels[key]


def _booking_row(booking: Booking, zone, address: _Addresses, words: _Words, kind: str = "") -> BookingRow:
    if booking.kind == Booking.Kind.REQUEST:
        event = booking.event_type or words(gettext_noop("private event"))
        title = words(gettext_noop("%(band)s – %(event)s")) % {"band": booking.band.name, "event": event}
    elif booking.role == Booking.Role.SUPPORT:
        pattern = words(gettext_noop("%(band)s (support) at %(place)s"))
        title = pattern % {"band": booking.band.name, "place": booking.place_name}
    else:
        title = words(gettext_noop("%(band)s at %(place)s")) % {"band": booking.band.name, "place": booking.place_name}
    sheet = not kind and booking.status in Booking.ON
    return BookingRow(
        booking=booking,
        title=title,
        when=when_text(booking.starts_at, booking.ends_at, zone),
        waiting_on=booking.answerer_name if booking.is_pending else "",
        url=address(ROW_LINKS[kind], booking.uid),
        sheet_url=address("documents:day_sheet", booking.uid) if sheet else "",
        kind_label=words.label(booking, "kind"),
        status=booking.status,
        status_label=words.label(booking, "status"),
    )


@dataclass(frozen=True)
class RosterEntry:
    """A band of the agent's roster as its dashboard row draws it: the band and agency, what waits on it in
    words (its counts with their plurals, worded here since Jinja2's plurals are not gathered for
    translation) and its next gigs as rows."""

    entry: RosterBand
    to_answer: str
    waiting: str
    holds: str
    gigs: list[BookingRow]


def _roster_entry(entry: RosterBand, gigs: list[BookingRow]) -> RosterEntry:
    return RosterEntry(
        entry=entry,
        to_answer=ngettext("%(n)s to answer", "%(n)s to answer", entry.to_answer) % {"n": entry.to_answer},
        waiting=ngettext("%(n)s waiting for a venue", "%(n)s waiting for venues", entry.waiting) % {"n": entry.waiting},
        holds=ngettext("%(n)s hold", "%(n)s holds", entry.holds) % {"n": entry.holds},
        gigs=gigs,
    )


def _roles(
    *, memberships: list, venue_roles: list, client_bookings: int, roster: list | None = None, tours: bool = False
) -> list[str]:
    """The sections of the page, the person's main job first: an agent's roster, a client's events (also
    for someone with no band, venue, agency or tour yet), a musician's bands, a venue's slots; for crew who
    only travel with a band (a driver, a sound engineer), their tours."""
    roles = ["agent"] if roster else []
    roles += ["client"] if client_bookings or not (memberships or venue_roles or roster or tours) else []
    roles += ["musician"] * bool(memberships) + ["venue"] * bool(venue_roles)
    return roles or ["crew"]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    zone = request.user.zone
    memberships = dashboard_memberships(user=request.user)
    venue_roles = dashboard_venue_roles(user=request.user)
    now = timezone.now()
    bookings = dashboard_bookings(user=request.user, now=now, memberships=memberships, venue_roles=venue_roles)
    managed = [m for m in memberships if m.can_manage]
    money = dashboard_money(
        user=request.user,
        managed_band_ids=[m.band_id for m in managed],
        member=bool(memberships),
        venue_ids=[r.venue_id for r in venue_roles],
        client=bool(bookings.counts["as_client"]),
        booked=bool(bookings.counts["upcoming"]),
        now=now,
    )

    address = _Addresses()
    words = _Words()

    def rows(items: list[Booking], kind: str = "") -> list[BookingRow]:
        return [_booking_row(b, zone, address, words, kind) for b in items]

    # "Can you play?": the gigs ahead the person has not answered for yet (members only).
    open_answers = my_open_answers(user=request.user, now=now, limit=CAN_YOU_PLAY + 1) if memberships else []
    # The bands the person's agencies act for, each with its next gigs: an agent's first job.
    roster = dashboard_roster(user=request.user, now=now)
    my_tours = person_tours(user=request.user, now=now, zone=zone, limit=DASHBOARD_TOURS)
    # The calls and festivals of the organisations the person runs: what they can start and what runs.
    desks = organiser_desks(user=request.user, running_only=True)
    roles = _roles(
        memberships=memberships,
        venue_roles=venue_roles,
        client_bookings=bookings.counts["as_client"],
        roster=roster,
        tours=bool(my_tours),
    )
    # What the person came for leads a newcomer to its first steps; someone with nothing yet who never said
    # is asked (unless they skipped it in this session).
    steps = first_steps(
        user=request.user,
        memberships=memberships,
        venue_roles=venue_roles,
        counts=bookings.counts,
        desks=desks,
        roster=roster,
    )
    if steps and steps.lead and steps.here_for != HereFor.BOOK:
        roles = [role for role in roles if role != "client"]
    ask = (
        not request.user.here_for
        and roles == ["client"]
        and not bookings.counts["as_client"]
        and not desks
        and not my_tours  # a traveller's first job is the tour (crew, issue 81)
    )

    context = {
        "memberships": memberships,
        "venue_roles": venue_roles,
        "roles": roles,
        "first_steps": steps,
        "here_for_form": HereForForm() if ask and not request.session.get(HERE_FOR_SKIPPED) else None,
        "roster": [_roster_entry(entry, rows(entry.next_gigs)) for entry in roster],
        "upcoming": rows(bookings.upcoming),
        "needs_answer": rows(bookings.needs_answer),
        "waiting": rows(bookings.waiting),
        "past": rows(bookings.past),
        "cancelled": rows(bookings.cancelled),
        "to_review": rows(bookings.to_review, "review"),
        "can_you_play": rows([a.booking for a in open_answers[:CAN_YOU_PLAY]], "answer"),
        "can_you_play_more": len(open_answers) > CAN_YOU_PLAY,
        "counts": bookings.counts,
        "money": money,
        "managed": managed,
        "time_zone": zone.key,
        "desks": desks,
        # The tours the person travels on from today, whatever else they do (a driver with no band too), in
        # one query; on a tour day, today's page of the itinerary comes first (decision 0110).
        "my_tours": my_tours,
        "tours_today": [row.tour for row in my_tours if row.today],
        "today": now.astimezone(zone).date(),
    }
    return render(request, "stageslot/dashboard.html", context)
