"""Reads of stand-ins: a band's pool, a place to fill with who was asked, an ask by its link, a stand-in's gigs."""

from django.db.models import QuerySet

from bands.models import Band

from ..models import GigAnswer, StandIn, StandInAsk, StandInRequest

ASK_RELATED = (
    "stand_in__band",
    "request__place__member",
    "request__booking__band",
    "request__booking__venue",
    "request__booking__client",
    "request__booking__slot__place_venue",
    "request__booking__agreed_quote",
)


def stand_in_pool(*, band: Band) -> list[StandIn]:
    """The band's stand-ins still in its pool, by instrument and name (one query)."""
    return list(StandIn.objects.filter(band=band, archived_at__isnull=True).order_by("instrument", "name", "pk"))


def stand_in_of(*, band: Band, pk: int) -> StandIn | None:
    """One of the band's stand-ins still in its pool, or None."""
    return StandIn.objects.filter(pk=pk, band=band, archived_at__isnull=True).first()


def place_of_gig(*, booking_id: int, place_id: int) -> GigAnswer | None:
    return (
        GigAnswer.objects.filter(pk=place_id, booking_id=booking_id)
        .select_related("member", "stand_in", "booking__band")
        .first()
    )


def place_requests(*, place: GigAnswer) -> list[StandInRequest]:
    """Who was asked for a place, and what they said (two queries)."""
    return list(
        StandInRequest.objects.filter(place=place)
        .select_related("filled_by", "created_by")
        .prefetch_related("asks__stand_in")
        .order_by("-created_at")
    )


def ask_by_token(*, token: str) -> StandInAsk | None:
    if not token or len(token) > 64:
        return None
    return StandInAsk.objects.filter(token=token).select_related(*ASK_RELATED).first()


def stand_in_by_token(*, token: str) -> StandIn | None:
    if not token or len(token) > 64:
        return None
    return StandIn.objects.filter(token=token).select_related("band").first()


def places_of_stand_in(*, stand_in: StandIn) -> QuerySet[GigAnswer]:
    """The places a stand-in took, soonest gig first, with what their page shows of each gig."""
    return (
        GigAnswer.objects.filter(stand_in=stand_in)
        .select_related(
            "booking__band",
            "booking__venue",
            "booking__client",
            "booking__slot__place_venue",
            "booking__day_sheet__venue_contact_person",
            "member",
        )
        .order_by("booking__starts_at")
    )
