"""Reviews through the API, on the selectors and services of the review pages and the same rules.

Double-blind as on /reviews/<booking>/: a side reads the other side's review only once it is published
(both have written, or the window has closed); until then it learns only that the other side has
written. Public reads (a band's or a venue's published reviews, one review) answer without a token, as
the pages do for a visitor. Writing, replying and reporting take the "reviews" scope. Publishing sends
the `review.published` webhook event (reviews.services.review_save does, in its transaction).

Mounted by stageslot/urls.py: bookings sits below reviews, so bookings.api cannot import this module.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from bookings.api.bookings import _limited
from bookings.api.core import (
    COMMON_ERRORS,
    PAGE_DEFAULT,
    PAGE_MAX,
    PUBLIC,
    ApiProblem,
    Page,
    Problem,
    caller,
    keyset,
    public_auth,
    token_auth,
    viewer,
)
from bookings.api.schemas import utc
from bookings.models import Booking
from core.fields.api_fields import ApiText

from .models import REPLY_MAX, TEXT_MAX, Review, Side
from .selectors import (
    band_public_or_404,
    band_reviews_public,
    booking_for_review,
    booking_reviews,
    bookings_to_review,
    client_reputation,
    review_for_viewer,
    side_name,
    subject_side_of,
    venue_public_or_404,
    venue_reviews_public,
    window_closes,
)
from .services import (
    REPORT_MAX,
    ReviewError,
    ReviewInput,
    ReviewPermissionError,
    review_reply,
    review_report,
    review_save,
)

router = Router(auth=token_auth, tags=["reviews"])

PUBLIC_ERRORS = dict.fromkeys(COMMON_ERRORS, Problem) | {404: Problem}
READ_ERRORS = dict.fromkeys(COMMON_ERRORS, Problem) | {403: Problem}
ONE_ERRORS = READ_ERRORS | {404: Problem}
WRITE_ERRORS = ONE_ERRORS | {409: Problem}
SubRating = Literal["performance", "punctuality", "communication", "sound", "hospitality", "paid"]
Stars = Annotated[int, Field(ge=1, le=5)]


# ---- What a review looks like -----------------------------------------------------------------


class ReplyOut(Schema):
    text: str
    replied_at: dt.datetime


class ReviewOut(Schema):
    id: int
    author_side: str = Field(description="band, venue or client: who wrote it")
    subject_side: str = Field(description="band, venue or client: whom it is about")
    reviewer: str = Field(description="The band's or the venue's name, or a client's first name")
    band: str = Field(description="The gig's band (slug)")
    venue: str | None = Field(None, description="The gig's venue (slug); null for a private event")
    gig_date: dt.date = Field(description="The day of the gig where it happened")
    no_show: bool = Field(description="A no-show report instead of stars")
    no_show_confirmed: bool = Field(description="StageSlot staff confirmed the reported no-show")
    overall: int | None
    ratings: dict[str, int] = Field(description="The sub-ratings that fit the subject, 1 to 5 stars each")
    again: bool | None = Field(description="Would book (or play) again")
    text: str
    published_at: dt.datetime | None = Field(description="Null while it waits for the other side")
    reply: ReplyOut | None = Field(None, description="The reviewed side's one public answer")


class ReviewPage(Page):
    items: list[ReviewOut]


class MyReviewOut(ReviewOut):
    updated_at: dt.datetime
    hidden_reason: str = Field("", description="Why StageSlot staff hid it, when they did")


class BookingReviewsOut(Schema):
    """A completed booking's reviews as your side sees them."""

    booking: uuid.UUID
    booking_status: str
    side: str = Field(description="Your side: band, venue or client")
    subject_side: str = Field(description="The side you review")
    other_name: str
    closes_at: dt.datetime = Field(description="Reviews can be written until then; then both are published")
    can_write: bool = Field(description="You may write your review, or change it (until it is published)")
    mine: MyReviewOut | None
    theirs: ReviewOut | None = Field(
        description="The other side's review, only once published (double-blind); null while hidden by staff"
    )
    theirs_written: bool = Field(description="The other side has written, whether or not you may read it yet")
    theirs_hidden: bool = Field(description="StageSlot staff hid the other side's review")
    can_reply: bool = Field(description="You may answer the other side's review (once)")


class ToReviewOut(Schema):
    booking: uuid.UUID
    side: str = Field(description="Your side: band, venue or client")
    subject_side: str
    band: str
    band_name: str
    venue: str | None
    other_name: str = Field(description="Whom you review")
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    closes_at: dt.datetime
    url: str


class ToReviewPage(Page):
    items: list[ToReviewOut]


def review_out(review: Review, *, schema: type[ReviewOut] = ReviewOut) -> ReviewOut:
    extra = {}
    if schema is MyReviewOut:
        extra = {"updated_at": utc(review.updated_at), "hidden_reason": review.hidden_reason}
    return schema(
        id=review.pk,
        author_side=review.author_side,
        subject_side=review.subject_side,
        reviewer=review.reviewer_name,
        band=review.band.slug,
        venue=review.venue.slug if review.venue_id else None,
        gig_date=review.gig_date,
        no_show=review.no_show,
        no_show_confirmed=review.no_show_confirmed_at is not None,
        overall=review.overall,
        ratings={name: stars for name in SubRating.__args__ if (stars := getattr(review, name)) is not None},
        again=review.again,
        text=review.text,
        published_at=utc(review.published_at),
        reply=ReplyOut(text=review.reply_text, replied_at=utc(review.reply_at)) if review.reply_at else None,
        **extra,
    )


@contextmanager
def _refusals() -> Iterator[None]:
    """The review services' refusals, with the statuses the pages give them: 403 not yours, 400 otherwise."""
    try:
        yield
    except ReviewPermissionError as exc:
        raise ApiProblem(403, str(exc)) from exc
    except ReviewError as exc:
        raise ApiProblem(400, str(exc)) from exc


def _limit(limit: int) -> int:
    return max(1, min(limit, PAGE_MAX))


# ---- Public reads -----------------------------------------------------------------------------


@router.get(
    "/bands/{slug}/reviews", response={200: ReviewPage, **PUBLIC_ERRORS}, auth=public_auth, openapi_extra=PUBLIC
)
def band_reviews(request: HttpRequest, slug: str, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """What venues and clients wrote about a band, newest first: published reviews only, as its reviews
    page lists them (hidden ones and unconfirmed no-show reports are left out)."""
    try:
        band = band_public_or_404(slug=slug, user=viewer(request) or AnonymousUser())
    except Http404:
        raise Http404(_("No such band.")) from None
    rows, next_url = keyset(
        request, band_reviews_public(band=band), order=("-published_at", "-pk"), cursor=cursor, limit=_limit(limit)
    )
    return {"items": [review_out(r) for r in rows], "next": next_url}


@router.get(
    "/venues/{slug}/reviews", response={200: ReviewPage, **PUBLIC_ERRORS}, auth=public_auth, openapi_extra=PUBLIC
)
def venue_reviews(request: HttpRequest, slug: str, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """What bands wrote about a venue, newest first: published reviews only."""
    try:
        venue = venue_public_or_404(slug=slug, user=viewer(request) or AnonymousUser())
    except Http404:
        raise Http404(_("No such venue.")) from None
    rows, next_url = keyset(
        request, venue_reviews_public(venue=venue), order=("-published_at", "-pk"), cursor=cursor, limit=_limit(limit)
    )
    return {"items": [review_out(r) for r in rows], "next": next_url}


def _readable(request: HttpRequest, review_id: int, user) -> tuple[Review, str | None]:
    try:
        return review_for_viewer(pk=review_id, user=user)
    except Http404:
        raise Http404(_("No such review.")) from None


@router.get(
    "/reviews/{int:review_id}", response={200: ReviewOut, **PUBLIC_ERRORS}, auth=public_auth, openapi_extra=PUBLIC
)
def review_detail(request: HttpRequest, review_id: int):
    """One published review: anyone may read a shown review of a band or a venue; a band's review of a
    client only the gig's two sides; a hidden one only its author's side. A review still waiting for the
    other side is not found, even by its author (read it with GET /bookings/{uid}/reviews)."""
    review, _side = _readable(request, review_id, viewer(request) or AnonymousUser())
    return review_out(review)


# ---- A booking's reviews ----------------------------------------------------------------------


def _booking_state(request: HttpRequest, uid: uuid.UUID, user) -> BookingReviewsOut:
    try:
        booking, side = booking_for_review(uid=uid, user=user)
    except Http404:
        raise Http404(_("No such booking.")) from None
    state = booking_reviews(booking=booking, side=side)
    now = timezone.now()
    theirs = state.theirs
    hidden = theirs is not None and theirs.hidden_at is not None
    return BookingReviewsOut(
        booking=booking.uid,
        booking_status=booking.status,
        side=side,
        subject_side=subject_side_of(booking, side),
        other_name=side_name(booking, subject_side_of(booking, side)),
        closes_at=utc(state.closes_at),
        can_write=state.can_write(now),
        mine=review_out(state.mine, schema=MyReviewOut) if state.mine is not None else None,
        theirs=review_out(theirs) if theirs is not None and not hidden else None,
        theirs_written=state.theirs_written,
        theirs_hidden=hidden,
        can_reply=theirs is not None and theirs.is_public and theirs.reply_at is None,
    )


@router.get("/bookings/{uuid:uid}/reviews", response={200: BookingReviewsOut, **ONE_ERRORS})
def booking_reviews_read(request: HttpRequest, uid: uuid.UUID):
    """Where the reviews of a gig you played or hosted stand: your side's review (also before it is
    published) and the other side's only once it is published. Anyone else: 404."""
    user = caller(request, ApiToken.Scope.READ)
    return _booking_state(request, uid, user)


class ReviewIn(Schema):
    """Stars 1–5 (overall and every sub-rating that fits the side you review: a band's performance,
    punctuality, communication; a venue's sound, hospitality, paid, communication; a client's
    communication, paid), whether you would book or play again, and a text; or, instead of stars,
    `no_show: true` with a text."""

    overall: Stars | None = None
    ratings: dict[SubRating, Stars] = Field(default_factory=dict)
    again: bool | None = None
    text: ApiText(TEXT_MAX) = Field()
    no_show: bool = False


@router.post("/bookings/{uuid:uid}/reviews", response={200: BookingReviewsOut, 201: BookingReviewsOut, **WRITE_ERRORS})
def booking_review_write(request: HttpRequest, uid: uuid.UUID, body: ReviewIn):
    """Write your side's review of a completed gig (201), or change it while it waits for the other side
    (200). The other side cannot read it until they have written theirs or the window closes; when
    theirs is in, both are published at once (and the `review.published` webhook event goes out). 400
    with the reason when the gig has not taken place, the window has closed, your review is published,
    or the stars do not fit."""
    user = caller(request, ApiToken.Scope.REVIEWS)
    try:
        booking, side = booking_for_review(uid=uid, user=user)
    except Http404:
        raise Http404(_("No such booking.")) from None
    existed = booking_reviews(booking=booking, side=side).mine is not None
    data = ReviewInput(
        text=body.text,
        overall=body.overall,
        ratings={} if body.no_show else dict(body.ratings),
        again=body.again,
        no_show=body.no_show,
    )
    with _refusals():
        review_save(booking=booking, by=user, data=data)
    state = _booking_state(request, uid, user)
    return Answer(200, state) if existed else Answer(201, state)


@router.get("/reviews/to-write", response={200: ToReviewPage, **READ_ERRORS})
def reviews_to_write(request: HttpRequest, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """The gigs your side has still to review (for your bands as leader or admin, your venues, your
    private events), the one closing soonest first; as the dashboard lists them."""
    user = caller(request, ApiToken.Scope.READ)
    now = timezone.now()
    rows, next_url = keyset(
        request, bookings_to_review(user=user, now=now), order=("ends_at", "pk"), cursor=cursor, limit=_limit(limit)
    )
    items = []
    for booking in rows:
        side = booking.review_side
        subject = subject_side_of(booking, side)
        items.append(
            ToReviewOut(
                booking=booking.uid,
                side=side,
                subject_side=subject,
                band=booking.band.slug,
                band_name=booking.band.name,
                venue=booking.venue.slug if booking.venue_id else None,
                other_name=side_name(booking, subject),
                starts_at=utc(booking.starts_at),
                ends_at=utc(booking.ends_at),
                time_zone=booking.time_zone,
                closes_at=utc(window_closes(booking)),
                url=request.build_absolute_uri(f"/reviews/{booking.uid}/"),
            )
        )
    return {"items": items, "next": next_url}


# ---- Replies and reports ----------------------------------------------------------------------


class ReplyIn(Schema):
    text: ApiText(REPLY_MAX) = Field(min_length=1, description="Shown under the review; it cannot be changed")


@router.post("/reviews/{int:review_id}/reply", response={200: ReviewOut, **WRITE_ERRORS})
def review_reply_write(request: HttpRequest, review_id: int, body: ReplyIn):
    """The reviewed side answers a published review, once, in public. 403 for anyone else who may read
    it; 400 for a second reply or a review not shown."""
    user = caller(request, ApiToken.Scope.REVIEWS)
    review, _side = _readable(request, review_id, user)
    with _refusals():
        review_reply(review=review, by=user, text=body.text)
    return review_out(_readable(request, review_id, user)[0])


class ReportIn(Schema):
    reason: ApiText(REPORT_MAX) = Field(min_length=1, description="What is wrong with it; staff read it")


class ReportOut(Schema):
    review_id: int
    reason: str
    created_at: dt.datetime


@router.post("/reviews/{int:review_id}/report", response={201: ReportOut, **WRITE_ERRORS})
def review_report_write(request: HttpRequest, review_id: int, body: ReportIn):
    """Ask StageSlot staff to look at a published review you may read (not your own side's), once. The
    author does not learn who reported it. Counts against the same limit as the report page."""
    user = caller(request, ApiToken.Scope.REVIEWS)
    review, side = _readable(request, review_id, user)
    if side == review.author_side:
        raise ApiProblem(400, _("You cannot report your own review."))
    with _limited("report", user), _refusals():
        report = review_report(review=review, by=user, reason=body.reason)
    return Answer(201, ReportOut(review_id=review.pk, reason=report.reason, created_at=utc(report.created_at)))


# ---- A client's reputation ------------------------------------------------------------------------


class ReputationOut(Schema):
    booking: uuid.UUID
    count: int = Field(description="How many shown reviews bands wrote about the client")
    average: float | None = Field(description="Their average overall stars; null without any")
    again: int = Field(description="How many of those bands would play for the client again")
    latest: list[ReviewOut] = Field(description="The newest three")


@router.get("/bookings/{uuid:uid}/client-reputation", response={200: ReputationOut, **ONE_ERRORS})
def booking_client_reputation(request: HttpRequest, uid: uuid.UUID):
    """What bands wrote about the client of a private request, for the leaders and admins of the band it
    asks (as its request page shows them); 404 for anyone else and for other bookings."""
    user = caller(request, ApiToken.Scope.READ)
    try:
        booking, side = booking_for_review(uid=uid, user=user)
    except Http404:
        raise Http404(_("No such booking.")) from None
    if side != Side.BAND or booking.kind != Booking.Kind.REQUEST or booking.client_id is None:
        raise Http404(_("No such booking."))
    found = client_reputation(client_id=booking.client_id)
    return ReputationOut(
        booking=booking.uid,
        count=found.count,
        average=round(found.average, 2) if found.average is not None else None,
        again=found.again,
        latest=[review_out(r) for r in found.latest],
    )
