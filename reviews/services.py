"""Writes of the reviews app: writing and editing a review, publishing, replying, reporting, moderating,
the periodic requests and reminders, and the rating columns of bands and venues.

What must hold:
- only the people who act for a side of a COMPLETED booking write that side's review, once, within
  REVIEW_WINDOW of the gig's end, and may edit it until it is published;
- a review is hidden from the other side until both sides have written or the window has closed; then
  both are published in one transaction and frozen;
- the rating columns of the band and the venue (bands.models.RatingColumns) always match their public
  reviews: every service that publishes, hides or restores recomputes them in its own transaction.

Locks are taken band, then venue, then booking, then review rows (the booking workflow locks band, slot,
booking in that order), so a review, a publishing run and a moderation queue instead of deadlocking;
publishing twice at once publishes once.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import NotificationItem, lazy_text, notifications_create_many
from bands.models import Band
from bands.selectors import bands_managers
from bookings.errors import ContactRefused
from bookings.models import Booking
from bookings.selectors.bookings import side_of, venue_teams
from bookings.services.checks import booking_contact_check
from bookings.services.notices import booking_summary
from bookings.services.webhooks import webhook_events_emit
from venues.models import Venue

from .models import (
    REPLY_MAX,
    REPLY_MIN,
    REVIEW_REMINDER_AFTER,
    REVIEW_WINDOW,
    SUB_RATINGS,
    TEXT_MAX,
    TEXT_MIN,
    ModerationLog,
    RequestsMark,
    Review,
    ReviewReport,
    Side,
    public_q,
)
from .ratings import bayesian_score
from .selectors import has_other_side, other_side_of, side_name, side_people, subject_side_of, window_closes

# A day in a notification's sentence, read in each recipient's language.
date_text_lazy = lazy(date_format, str)

REPORT_MIN, REPORT_MAX = 10, 500


class ReviewError(Exception):
    """A refusal with a message for the person who asked; `str()` is the message (HTTP 400)."""


class ReviewPermissionError(ReviewError):
    """The person may not do this (HTTP 403)."""


@dataclass(frozen=True)
class ReviewInput:
    """What a side says about the other: stars 1–5 (overall and the sub-ratings that fit the subject),
    a text, would book/play again; or, instead of stars, a no-show report with its text."""

    text: str
    overall: int | None = None
    ratings: dict[str, int] = field(default_factory=dict)
    again: bool | None = None
    no_show: bool = False


def review_link(booking: Booking) -> str:
    return f"/reviews/{booking.uid}/"


def _length_message(least: int, most: int) -> str:
    return _("Write between %(least)s and %(most)s characters.") % {
        "least": number_format(least, force_grouping=True),
        "most": number_format(most, force_grouping=True),
    }


def _check_input(data: ReviewInput, subject_side: str) -> None:
    text = data.text.strip()
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise ReviewError(_length_message(TEXT_MIN, TEXT_MAX))
    if data.no_show:
        return
    allowed = {name for name, _label in SUB_RATINGS[subject_side]}
    stars = {"overall": data.overall, **data.ratings}
    for name, value in stars.items():
        if name != "overall" and name not in allowed:
            sentence = {
                Side.BAND: _("A review of a band has no “%(rating)s” rating."),
                Side.VENUE: _("A review of a venue has no “%(rating)s” rating."),
                Side.CLIENT: _("A review of a client has no “%(rating)s” rating."),
            }[subject_side]
            raise ReviewError(sentence % {"rating": name})
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise ReviewError(_("Stars go from 1 to 5."))
    if set(data.ratings) != allowed:
        raise ReviewError(_("Rate every part of the gig."))
    if data.again is None:
        raise ReviewError(_("Say whether you would book or play with them again."))


def _lock_parties(booking: Booking) -> Booking:
    """Lock the band, the venue and the booking, in that order; return the booking fresh."""
    Band.objects.select_for_update().filter(pk=booking.band_id).first()
    if booking.venue_id:
        Venue.objects.select_for_update().filter(pk=booking.venue_id).first()
    return Booking.objects.select_for_update(of=("self",)).select_related("band", "venue", "client").get(pk=booking.pk)


def review_save(*, booking: Booking, by: User, data: ReviewInput, now: dt.datetime | None = None) -> Review:
    """Write or edit `by`'s side's review of a completed booking; publishes both reviews when the other
    side has written theirs.

    Raises ReviewPermissionError when `by` acts for neither side; ReviewError when the gig has not taken
    place, the window has closed, the review is published already, the input does not hold, or one side
    blocked the other.
    """
    now = now or timezone.now()
    side = side_of(booking, by)
    if side not in Side.values:
        raise ReviewPermissionError(_("Only the people who played or hosted this gig can review it."))
    if not has_other_side(booking):
        raise ReviewPermissionError(_("This gig has nobody to review: it was on a show a band hosted, with no venue."))
    if booking.status != Booking.Status.COMPLETED:
        raise ReviewError(_("You can review a gig once it has taken place."))
    if now >= window_closes(booking):
        raise ReviewError(_("Reviews of this gig closed 14 days after it."))
    subject = subject_side_of(booking, side)
    _check_input(data, subject)
    try:  # a review is written to the other side, who is told of it: the contact check (decision 0096)
        booking_contact_check(booking=booking, band_side_asks=side == Side.BAND)
    except ContactRefused as exc:
        raise ReviewError(str(exc)) from exc
    with transaction.atomic():
        booking = _lock_parties(booking)
        reviews = {r.author_side: r for r in Review.objects.select_for_update().filter(booking=booking)}
        review = reviews.get(side)
        if review is not None and review.published_at is not None:
            raise ReviewError(_("Your review is published and can no longer be changed."))
        created = review is None
        if created:
            review = Review(
                booking=booking,
                author_side=side,
                subject_side=subject,
                band_id=booking.band_id,
                venue_id=booking.venue_id,
                client_id=booking.client_id,
            )
        review.author = by
        review.no_show = data.no_show
        review.text = data.text.strip()
        review.overall = None if data.no_show else data.overall
        for name in ("performance", "punctuality", "communication", "sound", "hospitality", "paid"):
            setattr(review, name, None if data.no_show else data.ratings.get(name))
        review.again = None if data.no_show else data.again
        review.save()
        other = reviews.get(other_side_of(booking, side))
        if other is not None and other.published_at is None:
            _publish(booking, [review, other], now=now)
        elif created:
            _tell(
                booking,
                other_side_of(booking, side),
                kind="review_written",
                text=lazy_text(
                    gettext_lazy(
                        "%(name)s has reviewed your gig (%(gig)s). "
                        "Write yours to read theirs: both are published together."
                    ),
                    name=side_name(booking, side),
                    gig=booking_summary(booking),
                ),
                key=f"review_written:{booking.uid}:{side}",
            )
    return review


def _tell(booking: Booking, side: str, *, kind: str, text: str | Promise, key: str, actor: User | None = None) -> None:
    notifications_create_many(
        items=[
            NotificationItem(
                recipients=side_people(booking, side),
                kind=kind,
                text=text,
                key=key,
                link=review_link(booking),
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
            )
        ],
        actor=actor,
    )


def _publish(booking: Booking, reviews: list[Review], *, now: dt.datetime) -> None:
    """Publish the booking's unpublished reviews (locked by the caller, with the band, venue and booking),
    bring the rating columns up to date and tell both sides."""
    fresh = [r for r in reviews if r.published_at is None]
    if not fresh:
        return
    Review.objects.filter(pk__in=[r.pk for r in fresh]).update(published_at=now)
    for review in fresh:
        review.published_at = now
    ratings_refresh(
        band_ids=[booking.band_id] if any(r.subject_side == Side.BAND for r in fresh) else [],
        venue_ids=[booking.venue_id] if any(r.subject_side == Side.VENUE for r in fresh) else [],
    )
    for side in (Side.BAND, Side.VENUE if booking.venue_id else Side.CLIENT):
        _tell(
            booking,
            side,
            kind="review_published",
            text=lazy_text(
                gettext_lazy("The reviews of your gig (%(gig)s) are published."), gig=booking_summary(booking)
            ),
            key=f"review_published:{booking.uid}",
        )
    # The band's and the venue's webhooks hear of it in the same transaction (sent after commit).
    webhook_events_emit(
        event="review.published",
        bookings=[booking],
        now=now,
        extra={
            "reviews": [
                {
                    "id": r.pk,
                    "author_side": r.author_side,
                    "subject_side": r.subject_side,
                    "overall": r.overall,
                    "no_show": r.no_show,
                    "published_at": now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                }
                for r in fresh
            ]
        },
    )


def reviews_publish_due(*, now: dt.datetime | None = None) -> int:
    """Periodic: publish the reviews whose window has closed (the other side never wrote). Idempotent, and
    safe to run twice at once: each booking is published under its locks, and only what is still
    unpublished then. Returns how many reviews were published."""
    now = now or timezone.now()
    due = (
        Review.objects.filter(published_at__isnull=True, booking__ends_at__lte=now - REVIEW_WINDOW)
        .order_by("booking_id")
        .values_list("booking_id", flat=True)
        .distinct()
    )
    done = 0
    for booking_id in list(due):
        with transaction.atomic():
            booking = _lock_parties(Booking.objects.get(pk=booking_id))
            waiting = list(Review.objects.select_for_update().filter(booking=booking, published_at__isnull=True))
            _publish(booking, waiting, now=now)
            done += len(waiting)
    return done


# ---- Asking for reviews ---------------------------------------------------------------------------


def review_requests_send(*, now: dt.datetime | None = None) -> int:
    """Periodic: "How was the gig?" to each side of every gig completed within the review window, and one
    reminder REVIEW_REMINDER_AFTER the gig to the sides that have not written. Each is sent once per side
    (the notification's dedupe key), so any number of runs, even at once, tells everyone once. A run reads
    only the gigs that fell due since the last one (RequestsMark): someone who joins a side later is not
    asked about the gigs asked for already. Returns how many notifications were written now."""
    now = now or timezone.now()
    since = _asked_through(now)
    recent = (
        Booking.objects.filter(status=Booking.Status.COMPLETED, ends_at__gt=now - REVIEW_WINDOW, ends_at__lte=now)
        # Only the gigs whose request (they ended since the mark) or reminder (they ended a week before it)
        # fell due since the last run: the index on (status, ends_at) reads just those.
        .filter(
            Q(ends_at__gte=since)
            | Q(ends_at__gte=since - REVIEW_REMINDER_AFTER, ends_at__lte=now - REVIEW_REMINDER_AFTER)
        )
        .select_related("band", "venue", "client")
        .annotate(
            **{
                f"wrote_{side}": Exists(Review.objects.filter(booking_id=OuterRef("pk"), author_side=side))
                for side in Side.values
            }
        )
        .order_by("ends_at", "pk")
    )
    items = []
    people = _people_of(list(recent))
    for booking in recent:
        for side in (Side.BAND, Side.VENUE if booking.venue_id else Side.CLIENT):
            if getattr(booking, f"wrote_{side}"):
                continue
            other = side_name(booking, other_side_of(booking, side))
            closes = date_text_lazy(timezone.localdate(window_closes(booking), dt.UTC), "DAY_FORMAT")
            base = {
                "recipients": people[(booking.pk, side)],
                "link": review_link(booking),
                "starts_at": booking.starts_at,
                "ends_at": booking.ends_at,
            }
            items.append(
                NotificationItem(
                    kind="review_request",
                    text=lazy_text(
                        # Translators: %(other)s is the other side of the gig, %(closes)s the last day for reviews.
                        gettext_lazy("How was the gig? Review %(other)s (%(gig)s) by %(closes)s."),
                        other=other,
                        gig=booking_summary(booking),
                        closes=closes,
                    ),
                    key=f"review_request:{booking.uid}:{side}",
                    **base,
                )
            )
            if booking.ends_at <= now - REVIEW_REMINDER_AFTER:
                items.append(
                    NotificationItem(
                        kind="review_reminder",
                        text=lazy_text(
                            gettext_lazy("A week left to review %(other)s (%(gig)s): reviews close on %(closes)s."),
                            other=other,
                            gig=booking_summary(booking),
                            closes=closes,
                        ),
                        key=f"review_reminder:{booking.uid}:{side}",
                        **base,
                    )
                )
    made = 0
    if items:
        with transaction.atomic():
            made = len(notifications_create_many(items=items))
    _asked_through_set(now)
    return made


def _asked_through(now: dt.datetime) -> dt.datetime:
    """The moment up to which every gig has been asked for (RequestsMark); the whole window before any run,
    or when the mark is later than `now` (a run for a past moment reads as before)."""
    mark = RequestsMark.objects.values_list("asked_through", flat=True).first()
    if mark is None or mark > now:
        return now - REVIEW_WINDOW
    return mark


def _asked_through_set(now: dt.datetime) -> None:
    """Move the mark to `now`, or to the end of the first gig that ended but is not COMPLETED yet (the periodic
    `bookings_complete` has not reached it, or its transaction has not committed): that gig is asked for by a
    later run. Only after the run's notifications are written, so a failed run leaves the mark where it was."""
    late = (
        Booking.objects.filter(status__in=Booking.ON, ends_at__lte=now)
        .order_by("ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )
    through = min(now, late) if late is not None else now
    if not RequestsMark.objects.update(asked_through=through):
        RequestsMark.objects.get_or_create(defaults={"asked_through": through})


def _people_of(bookings: list[Booking]) -> dict[tuple[int, str], list[User]]:
    """Per (booking, side): who acts for it, in two queries for any number of bookings."""
    managers = bands_managers({b.band_id for b in bookings})
    teams = venue_teams({b.venue_id for b in bookings if b.venue_id})
    found: dict[tuple[int, str], list[User]] = defaultdict(list)
    for b in bookings:
        found[(b.pk, Side.BAND)] = managers[b.band_id]
        if b.venue_id:
            found[(b.pk, Side.VENUE)] = teams[b.venue_id]
        elif b.client_id:
            found[(b.pk, Side.CLIENT)] = [b.client]
    return found


# ---- Replies and reports --------------------------------------------------------------------------


def review_reply(*, review: Review, by: User, text: str, now: dt.datetime | None = None) -> Review:
    """The reviewed side's one public answer to a published review. Raises ReviewPermissionError for anyone
    else, ReviewError for a second reply, a review not (or no longer) shown, a text out of bounds, or one side
    blocked the other."""
    now = now or timezone.now()
    if side_of(review.booking, by) != review.subject_side:
        raise ReviewPermissionError(_("Only the side that was reviewed can reply."))
    text = text.strip()
    if not REPLY_MIN <= len(text) <= REPLY_MAX:
        raise ReviewError(_length_message(REPLY_MIN, REPLY_MAX))
    try:
        booking_contact_check(booking=review.booking, band_side_asks=review.subject_side == Side.BAND)
    except ContactRefused as exc:
        raise ReviewError(str(exc)) from exc
    with transaction.atomic():
        review = (
            Review.objects.select_for_update(of=("self",))
            .select_related("booking__band", "booking__venue")
            .get(pk=review.pk)
        )
        if not review.is_public:
            raise ReviewError(_("This review is not shown, so it cannot be answered."))
        if review.reply_at is not None:
            raise ReviewError(_("You have replied to this review already; a review has one reply."))
        review.reply_text, review.reply_at, review.reply_author = text, now, by
        review.save(update_fields=["reply_text", "reply_at", "reply_author", "updated_at"])
        booking = review.booking
        _tell(
            booking,
            review.author_side,
            kind="review_reply",
            text=lazy_text(
                gettext_lazy("%(name)s replied to your review."), name=side_name(booking, review.subject_side)
            ),
            key=f"review_reply:{review.pk}",
            actor=by,
        )
    return review


def review_report(*, review: Review, by: User, reason: str) -> ReviewReport:
    """Ask staff to look at a published review. Raises ReviewError for one's own side's review, a second
    report by the same person, or a reason out of bounds."""
    if not getattr(by, "is_authenticated", False):
        raise ReviewPermissionError(_("Log in to report a review."))
    if side_of(review.booking, by) == review.author_side:
        raise ReviewError(_("You cannot report your own review."))
    reason = reason.strip()
    if not REPORT_MIN <= len(reason) <= REPORT_MAX:
        raise ReviewError(
            _("Say in %(least)d to %(most)d characters what is wrong with it.")
            % {"least": REPORT_MIN, "most": REPORT_MAX}
        )
    with transaction.atomic():
        if ReviewReport.objects.filter(review=review, reporter=by).exists():
            raise ReviewError(_("You have reported this review already; staff will look at it."))
        return ReviewReport.objects.create(review=review, reporter=by, reason=reason)


# ---- Moderation (staff) ---------------------------------------------------------------------------


def _moderate(review: Review, by: User, action: str, reason: str, change) -> Review:
    if not getattr(by, "is_staff", False):
        raise ReviewPermissionError(_("Only StageSlot staff moderate reviews."))
    with transaction.atomic():
        booking = _lock_parties(review.booking)
        review = Review.objects.select_for_update().get(pk=review.pk)
        review.booking = booking
        change(review)
        review.save()
        ModerationLog.objects.create(review=review, staff=by, action=action, reason=reason[:500])
        if review.published_at is not None:
            ratings_refresh(
                band_ids=[review.band_id] if review.subject_side == Side.BAND else [],
                venue_ids=[review.venue_id] if review.subject_side == Side.VENUE else [],
            )
    return review


def review_hide(*, review: Review, by: User, reason: str, now: dt.datetime | None = None) -> Review:
    """Staff hide a review: the public no longer sees it, its author's side sees why, the ratings recompute,
    its open reports are resolved. Raises ReviewError without a reason or when it is hidden already."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ReviewError(_("Give the reason the author will read."))
    if review.hidden_at is not None:
        raise ReviewError(_("This review is hidden already."))

    def change(r: Review) -> None:
        r.hidden_at, r.hidden_reason = now, reason[:500]

    review = _moderate(review, by, ModerationLog.Action.HIDE, reason, change)
    ReviewReport.objects.filter(review=review, resolved_at__isnull=True).update(resolved_at=now)
    with transaction.atomic():
        _tell(
            review.booking,
            review.author_side,
            kind="review_hidden",
            text=lazy_text(gettext_lazy("StageSlot staff hid your review: %(reason)s"), reason=reason),
            key=f"review_hidden:{review.pk}:{now:%Y%m%dT%H%M%S}",
        )
    return review


def review_restore(*, review: Review, by: User, reason: str = "", now: dt.datetime | None = None) -> Review:
    """Staff show a hidden review again; the ratings recompute. Raises ReviewError when it is not hidden."""
    now = now or timezone.now()
    if review.hidden_at is None:
        raise ReviewError(_("This review is not hidden."))

    def change(r: Review) -> None:
        r.hidden_at, r.hidden_reason, r.no_show_dismissed_at = None, "", None

    review = _moderate(review, by, ModerationLog.Action.RESTORE, reason, change)
    ReviewReport.objects.filter(review=review, resolved_at__isnull=True).update(resolved_at=now)
    return review


def no_show_confirm(*, review: Review, by: User, reason: str = "", now: dt.datetime | None = None) -> Review:
    """Staff confirm a reported no-show: the review then shows it. Raises ReviewError for a review that
    reports none, or one decided already."""
    now = now or timezone.now()
    if not review.no_show or review.no_show_confirmed_at or review.no_show_dismissed_at:
        raise ReviewError(_("This review has no no-show report waiting for staff."))

    def change(r: Review) -> None:
        r.no_show_confirmed_at = now

    return _moderate(review, by, ModerationLog.Action.NO_SHOW_CONFIRM, reason, change)


def no_show_dismiss(*, review: Review, by: User, reason: str, now: dt.datetime | None = None) -> Review:
    """Staff find a reported no-show unfounded: the report stays hidden, its author's side reads why."""
    now = now or timezone.now()
    reason = reason.strip()
    if not review.no_show or review.no_show_confirmed_at or review.no_show_dismissed_at:
        raise ReviewError(_("This review has no no-show report waiting for staff."))
    if not reason:
        raise ReviewError(_("Give the reason the author will read."))

    def change(r: Review) -> None:
        r.no_show_dismissed_at, r.hidden_at, r.hidden_reason = now, now, reason[:500]

    return _moderate(review, by, ModerationLog.Action.NO_SHOW_DISMISS, reason, change)


def reports_dismiss(*, review: Review, by: User, reason: str = "", now: dt.datetime | None = None) -> Review:
    """Staff find a review's reports unfounded: it stays as it is, its open reports are resolved."""
    now = now or timezone.now()
    review = _moderate(review, by, ModerationLog.Action.REPORTS_DISMISS, reason, lambda r: None)
    ReviewReport.objects.filter(review=review, resolved_at__isnull=True).update(resolved_at=now)
    return review


# ---- The rating columns of bands and venues -------------------------------------------------------


def _totals(qs, key: str, subject_side: str) -> dict[int, dict]:
    subs = [name for name, _label in SUB_RATINGS[subject_side]]
    rows = (
        qs.filter(public_q(), no_show=False, subject_side=subject_side)
        .order_by()
        .values(key)
        .annotate(
            n=Count("pk"),
            total=Sum("overall"),
            again=Count("pk", filter=Q(again=True)),
            **{f"sub_{name}": Avg(name) for name in subs},
            **{f"stars_{i}": Count("pk", filter=Q(overall=i)) for i in range(1, 6)},
        )
    )
    found = {}
    for row in rows:
        found[row[key]] = {
            "rating_count": row["n"],
            "rating_average": round(row["total"] / row["n"], 2),
            "rating_score": bayesian_score(total=row["total"], count=row["n"]),
            "rating_again_count": row["again"],
            "rating_details": {
                "sub": {name: round(row[f"sub_{name}"], 2) for name in subs if row[f"sub_{name}"] is not None},
                "stars": {str(i): row[f"stars_{i}"] for i in range(1, 6)},
            },
        }
    return found


EMPTY = {
    "rating_count": 0,
    "rating_average": None,
    "rating_score": 0.0,
    "rating_again_count": 0,
    "rating_details": {},
}
COLUMNS = list(EMPTY)


def ratings_refresh(*, band_ids: Iterable[int] = (), venue_ids: Iterable[int] = ()) -> None:
    """Recompute the rating columns of these bands and venues from their public reviews (no-show reports
    carry no stars). Call inside the transaction that changed the reviews, with the rows locked; one
    grouped query and one batched update per kind of subject."""
    for model, ids, key, side in (
        (Band, band_ids, "band_id", Side.BAND),
        (Venue, venue_ids, "venue_id", Side.VENUE),
    ):
        ids = sorted(set(ids))
        if not ids:
            continue
        totals = _totals(Review.objects.filter(**{f"{key}__in": ids}), key, side)
        rows = [model(pk=pk, **totals.get(pk, EMPTY)) for pk in ids]
        model.objects.bulk_update(rows, COLUMNS, batch_size=500)


def ratings_refresh_all(*, band_ids: Collection[int] | None = None, venue_ids: Collection[int] | None = None) -> None:
    """ratings_refresh for every band and venue with a review (or the ones given): demo data, benchmarks."""
    if band_ids is None:
        band_ids = list(Review.objects.filter(subject_side=Side.BAND).values_list("band_id", flat=True).distinct())
    if venue_ids is None:
        venue_ids = list(Review.objects.filter(subject_side=Side.VENUE).values_list("venue_id", flat=True).distinct())
    for start in range(0, len(band_ids), 2000):
        ratings_refresh(band_ids=list(band_ids)[start : start + 2000])
    for start in range(0, len(venue_ids), 2000):
        ratings_refresh(venue_ids=list(venue_ids)[start : start + 2000])
