"""Reads of a client's request: which bands take requests, whether they are free at given times, and a
request sent to several bands with each band's latest terms side by side."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, OuterRef, Subquery
from django.shortcuts import get_object_or_404

from accounts.models import User
from bands.models import ApprovalStatus, Band, Membership

from ..models import Booking, Quote, RequestGroup
from .bookings import band_free_between
from .quotes import deal_text


def requestable_band_or_404(*, slug: str) -> Band:
    """Approved bands take requests; any other band does not exist here."""
    return get_object_or_404(Band, slug=slug, status=ApprovalStatus.APPROVED)


def plays_in(*, band: Band, user: User) -> bool:
    """Whether `user` is a member of `band` (a member cannot request their own band)."""
    return user.is_authenticated and Membership.objects.filter(band=band, user_id=user.pk).exists()


def band_request_state(*, band: Band, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """ "free", "booked" (a gig: it cannot be asked) or "busy" for those times. Never who is busy or why."""
    if band_free_between(band_id=band.pk, start=starts_at, end=ends_at):
        return "free"
    booked = Booking.objects.filter(
        band_id=band.pk, status__in=Booking.ON, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists()
    return "booked" if booked else "busy"


def requestable_bands(*, slugs: Sequence[str]) -> list[Band]:
    """The approved bands among `slugs`, in the order given, a slug given twice twice (a slug of no such
    band is left out). One query."""
    found = {band.slug: band for band in Band.objects.filter(slug__in=list(slugs), status=ApprovalStatus.APPROVED)}
    return [found[slug] for slug in slugs if slug in found]


def bands_played_in(*, bands: Sequence[Band], user: User) -> set[int]:
    """The ids of those `bands` that `user` plays in (they cannot request them). One query, none for a visitor."""
    if not user.is_authenticated or not bands:
        return set()
    return set(
        Membership.objects.filter(band_id__in=[band.pk for band in bands], user_id=user.pk).values_list(
            "band_id", flat=True
        )
    )


def bands_request_states(
    *, bands: Sequence[Band], starts_at: dt.datetime, ends_at: dt.datetime
) -> list[tuple[Band, str]]:
    """Each band with band_request_state for those times ("free", "busy" or "booked")."""
    return [(band, band_request_state(band=band, starts_at=starts_at, ends_at=ends_at)) for band in bands]


# ---- A request sent to several bands ----------------------------------------------------------


def request_group_for_client(*, uid, user: User) -> RequestGroup | None:
    """The request group if `user` is the client who sent it; to anyone else it does not exist."""
    if not user.is_authenticated:
        return None
    return RequestGroup.objects.filter(uid=uid, client_id=user.pk).first()


@dataclass(frozen=True)
class GroupRow:
    """One band's booking of a request group beside the others: its latest terms, in words."""

    booking: Booking
    quote: Quote | None  # the latest version of its terms (open, accepted, declined or lapsed), or None
    deal: str  # that quote's deal in a phrase ("a fee of 800 EUR"), or ""
    current: bool  # the booking whose page shows the comparison


def request_group_rows(*, group_id: int, current_id: int | None = None) -> list[GroupRow]:
    """Every booking of the group (its band and client read with it, the group's uid as `group_uid`) and its latest
    quote, in the order they were made. Two queries, however many bands and quotes."""
    latest = Quote.objects.filter(booking_id=OuterRef("pk")).order_by("-version").values("pk")[:1]
    bookings = list(
        Booking.objects.filter(request_group_id=group_id)
        .select_related("band", "client")
        .annotate(latest_quote_id=Subquery(latest), group_uid=F("request_group__uid"))
        .order_by("pk")
    )
    ids = [booking.latest_quote_id for booking in bookings if booking.latest_quote_id]
    quotes = Quote.objects.select_related("proposed_by", "answered_by").in_bulk(ids) if ids else {}
    rows = []
    for booking in bookings:
        quote = quotes.get(booking.latest_quote_id)
        rows.append(
            GroupRow(
                booking=booking,
                quote=quote,
                deal=deal_text(quote) if quote is not None else "",
                current=booking.pk == current_id,
            )
        )
    return rows
