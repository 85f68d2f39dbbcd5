"""Reads of the venue's booking pages: its slot list, one slot's bookings and emailed offers, the
applications inbox, offering a slot from a band's page and the link in an emailed offer."""

import datetime as dt

from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts.models import User
from bands.models import ApprovalStatus, Band, BandPhoto, Membership
from bands.selectors import genres_all
from venues.models import Slot, Stage, Venue
from venues.selectors import venue_stages

from ..models import Booking, OfferInvite
from .bookings import bookings_with_band_free

Status = Booking.Status
MANAGER_ROLES = (Membership.Role.LEADER, Membership.Role.ADMIN)


# ---- Slots ------------------------------------------------------------------------------------


def venue_slot_or_404(*, venue: Venue, pk: int) -> Slot:
    """One of the venue's slots with its stage and genres; a slot of another venue does not exist here."""
    slot = get_object_or_404(
        Slot.objects.select_related("stage").prefetch_related(Prefetch("genres", queryset=genres_all())),
        pk=pk,
        venue=venue,
    )
    slot.venue = venue
    return slot


def venue_first_stage(*, venue: Venue) -> Stage | None:
    """The stage a new slot's form starts on: the venue's first one."""
    return venue_stages(venue=venue).first()


def venue_tab_counts(*, venue: Venue, now: dt.datetime) -> dict[str, int]:
    """How many of the venue's slots each tab of its slot list holds, in one query."""
    upcoming = Q(ends_at__gt=now)
    live = upcoming & Q(cancelled_at__isnull=True)
    return Slot.objects.filter(venue=venue).aggregate(
        upcoming=Count("pk", filter=live),
        open=Count("pk", filter=upcoming & Slot.status_q(Slot.Status.OPEN)),
        need_support=Count("pk", filter=upcoming & Slot.status_q(Slot.Status.NEED_SUPPORT)),
        booked=Count("pk", filter=upcoming & Slot.status_q(Slot.Status.BOOKED)),
        cancelled=Count("pk", filter=upcoming & Slot.status_q(Slot.Status.CANCELLED)),
        past=Count("pk", filter=~upcoming),
    )


def _pending_count(kind: str) -> Coalesce:
    """A correlated count of a slot's pending bookings of `kind`: one subquery on the list, not one query per row."""
    rows = (
        Booking.objects.filter(slot=OuterRef("pk"), kind=kind, status=Status.PENDING)
        .order_by()
        .values("slot")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def venue_slot_rows(*, venue: Venue, show: str, now: dt.datetime) -> QuerySet[Slot]:
    """The venue's slots in the tab `show`, each with its stage and its counts of pending applications and offers."""
    slots = Slot.objects.filter(venue=venue).select_related("stage")
    if show == "past":
        slots = slots.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    else:
        slots = slots.filter(ends_at__gt=now).order_by("starts_at", "pk")
        slots = slots.filter(cancelled_at__isnull=True) if show == "upcoming" else slots.filter(Slot.status_q(show))
    return slots.annotate(
        pending_applications=_pending_count(Booking.Kind.APPLICATION),
        pending_offers=_pending_count(Booking.Kind.OFFER),
    )


# ---- A slot's bookings and emailed offers ------------------------------------------------------


def _inbox_rows(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Bookings with what an inbox row shows: the band's press kit summary and whether its green zone covers them."""
    return (
        bookings.select_related("band", "slot__stage")
        .annotate(band_free=bookings_with_band_free())
        .prefetch_related(
            Prefetch("band__genres", queryset=genres_all()),
            Prefetch("band__photos", queryset=BandPhoto.objects.order_by("position", "id")[:1], to_attr="cover_photos"),
        )
    )


def slot_bookings(*, slot: Slot) -> list[Booking]:
    """The slot's live bookings as inbox rows, newest first."""
    return list(_inbox_rows(Booking.objects.filter(slot=slot, status__in=Booking.LIVE)).order_by("-created_at", "-pk"))


def slot_has_live_bookings(*, slot: Slot) -> bool:
    """Whether a band is booked or waiting for the slot (its time and stage are then fixed)."""
    return slot.bookings.filter(status__in=Booking.LIVE).exists()


def slot_live_booking_count(*, slot: Slot) -> int:
    """How many bands are booked or waiting for the slot."""
    return Booking.objects.filter(slot=slot, status__in=Booking.LIVE).count()


def slot_booking_or_404(*, slot: Slot, uid) -> Booking:
    """One of the slot's bookings, with its band."""
    return get_object_or_404(Booking.objects.select_related("band"), uid=uid, slot=slot)


def slot_offer_invites(*, slot: Slot, limit: int) -> list[OfferInvite]:
    """The slot's emailed offers (at most `limit`), each with the booking and band it turned into."""
    return list(OfferInvite.objects.filter(slot=slot).select_related("booking__band")[:limit])


AUTO_DECLINED = "Declined automatically"


def venue_application_rows(*, venue: Venue, now: dt.datetime) -> QuerySet[Booking]:
    """The applications inbox of the venue's upcoming slots as inbox rows, grouped by slot: the pending
    applications, and the competitors declined automatically when another band got the place (so the venue
    still sees who lost out and why). Slots whose latest application is newest come first; in a slot,
    pending first, then newest first."""
    shown = Q(status=Status.PENDING) | Q(status=Status.DECLINED, status_note__startswith=AUTO_DECLINED)
    rows = Booking.objects.filter(shown, venue=venue, kind=Booking.Kind.APPLICATION, slot__starts_at__gt=now)
    latest = (
        Booking.objects.filter(shown, slot=OuterRef("slot"), kind=Booking.Kind.APPLICATION)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    pending_first = Case(When(status=Status.PENDING, then=0), default=1, output_field=IntegerField())
    return (
        _inbox_rows(rows)
        .annotate(slot_latest=Subquery(latest), pending_first=pending_first)
        .order_by("-slot_latest", "slot_id", "pending_first", "-created_at", "-pk")
    )


def venue_application_counts(*, rows: QuerySet[Booking]) -> dict[str, int]:
    """How many rows of the applications inbox there are, and how many of them wait for an answer (one query)."""
    return rows.order_by().aggregate(all=Count("pk"), pending=Count("pk", filter=Q(status=Status.PENDING)))


# ---- Offers to bands -------------------------------------------------------------------------


def band_suggestions(*, text: str, limit: int = 8) -> QuerySet[Band]:
    """Approved bands for the offer form's suggestions: the name contains `text`, or the address starts with it."""
    text = text.strip()[:60]
    if len(text) < 2:
        return Band.objects.none()
    return (
        Band.objects.filter(status=ApprovalStatus.APPROVED)
        .filter(Q(name__icontains=text) | Q(slug__istartswith=text))
        .order_by("name", "pk")[:limit]
    )


def offerable_band_or_404(*, slug: str) -> Band:
    """An approved band; any other band does not exist here."""
    return get_object_or_404(Band.objects.filter(status=ApprovalStatus.APPROVED), slug=slug)


def staff_venues(*, user: User) -> list[Venue]:
    """The venues `user` is an owner or booker of, by name."""
    return list(Venue.objects.filter(staff_roles__user=user).order_by("name"))


def offerable_slots(*, venue_ids: list[int], now: dt.datetime) -> QuerySet[Slot]:
    """Upcoming slots of these venues that are not cancelled and still have a place open."""
    return (
        Slot.objects.filter(venue_id__in=venue_ids, cancelled_at__isnull=True, starts_at__gt=now)
        .filter(Q(headliner_booked=0) | Q(supports_booked__lt=F("support_places")))
        .select_related("venue", "stage")
        .order_by("starts_at", "pk")
    )


def has_offerable_slots(*, venue_ids: list[int], now: dt.datetime) -> bool:
    """Whether any of these venues has a slot to offer (one EXISTS query)."""
    return offerable_slots(venue_ids=venue_ids, now=now).exists()


# ---- Emailed offers --------------------------------------------------------------------------


def offer_invite_for_token(*, token: str) -> OfferInvite | None:
    """The emailed offer behind a link's token, with its slot, venue, stage and booking; None if there is none."""
    return OfferInvite.objects.select_related("slot__venue", "slot__stage", "booking").filter(token=token[:64]).first()


def managed_bands(*, user: User) -> QuerySet[Band]:
    """The bands `user` leads or administers (who may take an offer for them), by name."""
    return Band.objects.filter(memberships__user=user, memberships__role__in=MANAGER_ROLES).order_by("name", "pk")


def has_managed_bands(*, user: User) -> bool:
    """Whether `user` leads or administers any band (one EXISTS query)."""
    return managed_bands(user=user).exists()


def only_managed_band(*, user: User) -> Band | None:
    """The band `user` manages when there is exactly one, else None (reads at most two rows)."""
    first_two = list(managed_bands(user=user)[:2])
    return first_two[0] if len(first_two) == 1 else None
