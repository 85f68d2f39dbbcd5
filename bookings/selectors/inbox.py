"""Reads of the inbox: where the viewer stands (bands, venues, requests), the tabs' counts and rows."""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from bands.models import Membership
from core.fields.timezones import when_text, zone_name
from teams.models import ACTING_ROLES, LinkStatus, Representation
from venues.models import VenueStaff

from ..models import Booking
from .bookings import bookings_of
from .threads import thread_unread_counts

Status = Booking.Status
Kind = Booking.Kind

HISTORY = (Status.DECLINED, Status.WITHDRAWN, Status.CANCELLED, Status.COMPLETED, Status.DISPUTED)
TABS = {
    "answer": gettext_lazy("Waiting for your answer"),
    "waiting": gettext_lazy("Waiting for others"),
    "upcoming": gettext_lazy("Upcoming gigs"),
    "history": gettext_lazy("History"),
}
# Never true, but plain SQL: an empty `__in` would make a whole filtered count fail to compile.
NOTHING = Q(pk__isnull=True)


@dataclass
class InboxRow:
    booking: Booking
    when: str
    side: str  # the viewer's part in it: "Band: …", "Venue: …", "Your request"
    needs_you: bool
    unread: int = 0  # messages in its thread the viewer has not read

    @property
    def waiting_for(self) -> str:
        """Whose answer a pending booking waits for, in the viewer's words."""
        if self.needs_you:
            return gettext("Waiting for your answer")
        b = self.booking
        return gettext("Waiting for %(name)s") % {"name": b.answerer_name}

    @property
    def last_change(self) -> dt.datetime:
        return self.booking.status_changed_at or self.booking.created_at


@dataclass
class Roles:
    """Where the viewer stands: the bands they play in, the ones they manage, the venues they run, and the
    bands they act for through an agency (as the band's leaders do, on the booking side)."""

    user: User
    memberships: list[Membership]
    staff: list[VenueStaff]
    represented: list[Representation] = field(default_factory=list)

    @cached_property
    def agency_of(self) -> dict[int, Representation]:
        """The agency link of each band the viewer acts for and does not play in, by band id."""
        own = {m.band_id for m in self.memberships}
        return {r.band_id: r for r in self.represented if r.band_id not in own}

    @cached_property
    def band_ids(self) -> set[int]:
        return {m.band_id for m in self.memberships} | set(self.agency_of)

    @cached_property
    def managed_ids(self) -> set[int]:
        return {m.band_id for m in self.memberships if m.can_manage} | set(self.agency_of)

    @cached_property
    def venue_ids(self) -> set[int]:
        return {s.venue_id for s in self.staff}

    def answer_q(self) -> Q:
        """Pending bookings this person may accept or decline (never their own asking)."""
        answerable = NOTHING
        if self.venue_ids:
            answerable |= Q(kind=Kind.APPLICATION, venue_id__in=self.venue_ids)
        if self.managed_ids:
            answerable |= Q(kind__in=(Kind.OFFER, Kind.REQUEST), band_id__in=self.managed_ids)
        return Q(status=Status.PENDING) & answerable & ~Q(requested_by_id=self.user.pk)

    def tab_q(self, tab: str) -> Q:
        return {
            "answer": self.answer_q(),
            "waiting": Q(status=Status.PENDING) & ~self.answer_q(),
            "upcoming": Q(status__in=Booking.ON),
            "history": Q(status__in=HISTORY),
        }[tab]

    def show_choices(self) -> list[tuple[str, str]]:
        bands = [(f"band:{m.band_id}", gettext("Band: %(name)s") % {"name": m.band.name}) for m in self.memberships]
        bands += [(f"band:{band_id}", self._agency_label(r)) for band_id, r in self.agency_of.items()]
        venues = [(f"venue:{s.venue_id}", gettext("Venue: %(name)s") % {"name": s.venue.name}) for s in self.staff]
        return [*bands, *venues, ("client", gettext("My private requests"))]

    def show_q(self, show: str | None) -> Q:
        if not show:
            return Q()
        if show == "client":
            return Q(client_id=self.user.pk)
        kind, _, pk = show.partition(":")
        return Q(band_id=int(pk)) if kind == "band" else Q(venue_id=int(pk))

    def side_label(self, booking: Booking) -> str:
        if booking.client_id == self.user.pk:
            return gettext("Your request")
        if booking.venue_id in self.venue_ids:
            return gettext("Venue: %(name)s") % {"name": booking.venue.name}
        if booking.band_id in self.agency_of:
            return self._agency_label(self.agency_of[booking.band_id])
        return gettext("Band: %(name)s") % {"name": booking.band.name}

    @staticmethod
    def _agency_label(link: Representation) -> str:
        # Translators: the inbox's side of a booking the viewer handles for a band, e.g.
        # "Band: The Night Owls (through Northside Agency)".
        return gettext("Band: %(band)s (through %(agency)s)") % {
            "band": link.band.name,
            "agency": link.organisation.name,
        }


def inbox_roles(*, user: User) -> Roles:
    """The viewer's memberships, venue roles and the bands they act for through an agency, with their band,
    venue and agency (three queries)."""
    represented = (
        Representation.objects.filter(
            status=LinkStatus.ACTIVE,
            organisation__members__user=user,
            organisation__members__role__in=ACTING_ROLES,
        )
        .select_related("band", "organisation")
        .order_by("band__name", "pk")
    )
    return Roles(
        user=user,
        memberships=list(Membership.objects.filter(user=user).select_related("band").order_by("band__name", "pk")),
        staff=list(VenueStaff.objects.filter(user=user).select_related("venue").order_by("venue__name", "pk")),
        represented=list(represented),
    )


def _mine(roles: Roles) -> Q:
    return bookings_of(user_id=roles.user.pk, band_ids=roles.band_ids, venue_ids=roles.venue_ids)


def inbox_counts(*, roles: Roles, show: str | None) -> dict[str, int]:
    """How many bookings each tab holds under the `show` filter, and the viewer's own requests: one query."""
    return Booking.objects.filter(_mine(roles)).aggregate(
        **{tab: Count("pk", filter=roles.show_q(show) & roles.tab_q(tab)) for tab in TABS},
        requests=Count("pk", filter=Q(client_id=roles.user.pk)),
    )


def inbox_bookings(*, roles: Roles, show: str | None, tab: str) -> QuerySet[Booking]:
    """The tab's bookings, soonest first (history: latest change first), with what a row shows."""
    order = ("-status_changed_at", "-created_at", "-pk") if tab == "history" else ("starts_at", "pk")
    return (
        Booking.objects.filter(_mine(roles), roles.show_q(show), roles.tab_q(tab))
        .select_related("band", "venue", "slot", "client")
        .order_by(*order)
    )


def inbox_rows(*, roles: Roles, bookings: list[Booking], zone, tab: str) -> list[InboxRow]:
    """One page of rows with their local times (the zone named once, in the heading) and unread counts."""
    needs_you = tab == "answer"
    unread = thread_unread_counts(user=roles.user, booking_ids=[b.pk for b in bookings])
    return [
        InboxRow(
            b,
            when_text(b.starts_at, b.ends_at, zone).removesuffix(f" ({zone_name(zone)})"),
            roles.side_label(b),
            needs_you,
            unread.get(b.pk, 0),
        )
        for b in bookings
    ]


# ---- The same bookings by role and status (the JSON API) ---------------------------------------

SIDES = ("band", "venue", "client")


def role_q(roles: Roles, role: str | None) -> Q:
    """The bookings where the viewer takes part as `role`: "band" (a band they play in), "venue" (a
    venue they staff), "client" (their own private requests); None: every one of them."""
    if not role:
        return Q()
    if role == "band":
        band_ids = sorted(roles.band_ids)
        return Q(band_id__in=band_ids) if band_ids else NOTHING
    if role == "venue":
        return Q(venue_id__in=sorted(roles.venue_ids)) if roles.venue_ids else NOTHING
    return Q(client_id=roles.user.pk)


def bookings_mine(*, roles: Roles, role: str | None, status: str | None, tab: str | None) -> QuerySet[Booking]:
    """Every booking the viewer is part of (as the inbox shows them), narrowed by role, status and tab,
    with what a booking's summary shows."""
    qs = Booking.objects.filter(_mine(roles), role_q(roles, role))
    if status:
        qs = qs.filter(status=status)
    if tab:
        qs = qs.filter(roles.tab_q(tab))
    return qs.select_related("band", "venue", "slot__stage", "client")


def bookings_mine_counts(*, roles: Roles, role: str | None) -> dict[str, dict[str, int]]:
    """How many of the viewer's bookings (in `role`) are in each status and each inbox tab: one query."""
    counts = Booking.objects.filter(_mine(roles), role_q(roles, role)).aggregate(
        **{f"status_{s}": Count("pk", filter=Q(status=s)) for s in Booking.Status.values},
        **{f"tab_{tab}": Count("pk", filter=roles.tab_q(tab)) for tab in TABS},
    )
    return {
        "by_status": {s: counts[f"status_{s}"] for s in Booking.Status.values},
        "by_tab": {tab: counts[f"tab_{tab}"] for tab in TABS},
    }
