"""Reads of the reviews app that its views, its services and the dashboard share."""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from bands.models import Band, Membership
from bands.selectors import band_managers
from bookings.models import Booking
from bookings.selectors.bookings import side_of, venue_team
from venues.models import Venue, VenueStaff

from .models import REVIEW_WINDOW, Review, Side, public_q

MANAGING = (Membership.Role.LEADER, Membership.Role.ADMIN)
REVIEWS_PER_PAGE = 10
LATEST_SHOWN = 3


def window_closes(booking: Booking) -> dt.datetime:
    """When reviews of this gig can no longer be written or edited, and whatever was written is published."""
    return booking.ends_at + REVIEW_WINDOW


def subject_side_of(booking: Booking, author_side: str) -> str:
    """Whom `author_side` reviews: the band for a venue or a client; the venue or the client for the band."""
    if author_side != Side.BAND:
        return Side.BAND
    return Side.VENUE if booking.venue_id else Side.CLIENT


def other_side_of(booking: Booking, side: str) -> str:
    return subject_side_of(booking, side)


def side_people(booking: Booking, side: str) -> list[User]:
    """Who acts for `side` of the booking: the band's leaders and admins, the venue's staff, or the client."""
    if side == Side.BAND:
        return band_managers(booking.band_id)
    if side == Side.VENUE:
        return venue_team(booking.venue_id) if booking.venue_id else []
    return [booking.client] if booking.client_id else []


def side_name(booking: Booking, side: str) -> str:
    """The name a side goes by on the booking: the band's, the venue's, or the client's."""
    if side == Side.BAND:
        return booking.band.name
    if side == Side.VENUE:
        return booking.venue.name
    return booking.client.name if booking.client_id else _("the client")


@dataclass(frozen=True)
class BookingReviews:
    """A completed booking as one of its sides sees its reviews."""

    booking: Booking
    side: str  # the viewer's side
    mine: Review | None
    theirs: Review | None  # only once published: double-blind until then
    theirs_written: bool  # the other side has written (without saying what)
    closes_at: dt.datetime

    def is_open(self, now: dt.datetime) -> bool:
        return self.booking.status == Booking.Status.COMPLETED and now < self.closes_at

    def can_write(self, now: dt.datetime) -> bool:
        return self.is_open(now) and (self.mine is None or self.mine.published_at is None)


def booking_for_review(*, uid: Any, user: User) -> tuple[Booking, str]:
    """The booking with this uid and the side `user` acts for; 404 when there is none or it is not theirs
    (whether a booking exists is nobody else's business)."""
    booking = (
        Booking.objects.select_related("band", "venue", "client").filter(uid=uid).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    side = side_of(booking, user) if booking is not None else None
    if side not in Side.values:  # the headliner that picks a support act is no side of the act's reviews
        raise Http404
    if not has_other_side(booking):  # an act on a show a band hosts without a venue: nobody to review
        raise Http404
    return booking, side


def has_other_side(booking: Booking) -> bool:
    """Whether the booking has a second party to review: a venue or a client (a show a band hosts
    without a venue has neither, for its own place and for its support acts)."""
    return booking.venue_id is not None or booking.client_id is not None


def booking_reviews(*, booking: Booking, side: str) -> BookingReviews:
    """The viewer's own review of the booking and, once published, the other side's. One query."""
    reviews = {
        r.author_side: r
        for r in Review.objects.filter(booking=booking).select_related("author", "booking", "band", "venue", "client")
    }
    mine = reviews.get(side)
    other = reviews.get(other_side_of(booking, side))
    return BookingReviews(
        booking=booking,
        side=side,
        mine=mine,
        theirs=other if other is not None and other.published_at is not None else None,
        theirs_written=other is not None,
        closes_at=window_closes(booking),
    )


def review_for_viewer(*, pk: int, user: User) -> tuple[Review, str | None]:
    """A published review `user` may read (404 otherwise) and the side they act for on its booking.

    Everyone may read a public review of a band or a venue; a band's review of a client only its
    two sides; a hidden one only its author's side.
    """
    review = (
        Review.objects.select_related(
            "booking", "booking__band", "booking__venue", "booking__client", "band", "venue", "client"
        )
        .filter(pk=pk, published_at__isnull=False)
        .first()
    )
    if review is None:
        raise Http404
    side = side_of(review.booking, user)
    if review.hidden_at is not None or (review.no_show and review.no_show_confirmed_at is None):
        if side != review.author_side:
            raise Http404
    elif review.subject_side == Side.CLIENT and side is None:
        raise Http404
    return review, side


def _listed(qs: QuerySet[Review]) -> QuerySet[Review]:
    return qs.select_related("booking", "venue", "client", "band").order_by("-published_at", "-pk")


def band_reviews_public(*, band: Band) -> QuerySet[Review]:
    """What venues and clients wrote about the band, newest first, as its public pages show it."""
    return _listed(Review.objects.filter(public_q(), band_id=band.pk, subject_side=Side.BAND))


def venue_reviews_public(*, venue: Venue) -> QuerySet[Review]:
    """What bands wrote about the venue, newest first."""
    return _listed(Review.objects.filter(public_q(), venue_id=venue.pk, subject_side=Side.VENUE))


def reviews_page(qs: QuerySet[Review], number: Any) -> Page:
    """One page of reviews (a page number that does not parse or is past the end gives the nearest page)."""
    return Paginator(qs, REVIEWS_PER_PAGE).get_page(number)


def band_public_or_404(*, slug: str, user: User) -> Band:
    """The band at `slug` if its reviews may be read: approved, or the viewer is a member or staff."""
    band = Band.objects.filter(slug=slug).first()
    if band is None:
        raise Http404
    if not band.is_public and not (
        getattr(user, "is_staff", False)
        or (user.is_authenticated and Membership.objects.filter(band=band, user=user).exists())
    ):
        raise Http404
    return band


def venue_public_or_404(*, slug: str, user: User) -> Venue:
    """The venue at `slug` if its reviews may be read: approved, or the viewer is its staff or StageSlot's."""
    venue = Venue.objects.filter(slug=slug).first()
    if venue is None:
        raise Http404
    if not venue.is_public and not (
        getattr(user, "is_staff", False)
        or (user.is_authenticated and VenueStaff.objects.filter(venue=venue, user=user).exists())
    ):
        raise Http404
    return venue


@dataclass(frozen=True)
class ClientReputation:
    """What bands wrote about a client, for the leaders of a band the client asks to play."""

    count: int
    average: float | None
    again: int
    latest: list[Review]


def client_reputation(*, client_id: int) -> ClientReputation:
    """The published, visible reviews bands wrote about a client: their average and the latest three.
    Two queries."""
    qs = Review.objects.filter(public_q(), client_id=client_id, subject_side=Side.CLIENT)
    totals = qs.aggregate(count=Count("pk"), average=Avg("overall"), again=Count("pk", filter=Q(again=True)))
    latest = list(qs.select_related("band", "booking").order_by("-published_at", "-pk")[:LATEST_SHOWN])
    return ClientReputation(count=totals["count"], average=totals["average"], again=totals["again"], latest=latest)


def bookings_to_review(*, user: User, now: dt.datetime) -> QuerySet[Booking]:
    """The completed bookings whose review `user`'s side may still write and nobody of that side has
    (to_write_q, for the person's managed bands, their venues and their own requests), with their
    parties and `review_side`, the side the person writes for; the caller orders them. Two queries for
    the person's roles, then the list's own."""
    managed = Membership.objects.filter(user_id=user.pk, role__in=MANAGING).values_list("band_id", flat=True)
    venue_ids = VenueStaff.objects.filter(user_id=user.pk).values_list("venue_id", flat=True)
    venue_ids = list(venue_ids)
    q = to_write_q(user_id=user.pk, managed_band_ids=list(managed), venue_ids=venue_ids, now=now)
    # The side the person writes for, in side_of's order (the client, the venue, the band).
    side = Case(
        When(client_id=user.pk, then=Value(Side.CLIENT)),
        When(venue_id__in=venue_ids or [0], then=Value(Side.VENUE)),
        default=Value(Side.BAND),
    )
    return Booking.objects.filter(q).annotate(review_side=side).select_related("band", "venue", "client")


def to_write_q(
    *,
    user_id: int,
    managed_band_ids: Collection[int],
    venue_ids: Collection[int],
    now: dt.datetime | None = None,
    ended_after: dt.datetime | None = None,
) -> Q:
    """Bookings (as a filter on Booking) whose review `user` may still write and nobody of their side has:
    completed, the window still open at `now` (ended after `ended_after`: now less REVIEW_WINDOW), and no
    review of that side yet."""
    if ended_after is None:
        ended_after = now - REVIEW_WINDOW

    def unwritten(side: str) -> Exists:
        return ~Exists(Review.objects.filter(booking_id=OuterRef("pk"), author_side=side))

    mine = Q(client_id=user_id) & unwritten(Side.CLIENT)
    if venue_ids:
        mine |= Q(venue_id__in=list(venue_ids)) & unwritten(Side.VENUE)
    if managed_band_ids:
        mine |= Q(band_id__in=list(managed_band_ids)) & unwritten(Side.BAND)
    # A gig with neither a venue nor a client (a show a band hosts without a venue) has nobody to review.
    two_sides = Q(venue_id__isnull=False) | Q(client_id__isnull=False)
    return Q(status=Booking.Status.COMPLETED, ends_at__gt=ended_after) & two_sides & mine
