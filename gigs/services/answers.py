"""Who plays a gig: each member's answer to "Can you play?", the line-up's summary and reminders.

A booked gig's line-up is opened here (bookings sits below and never calls up): by the beat task every
minute and by every gigs page of the gig before it reads. Each answer recomputes the summary that the gig's
block carries for the calendars and feeds (bands.services.band_gig_lineup_set, decision 0038).
"""

import datetime as dt
import logging
import zoneinfo

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Band, Membership
from bands.services import band_gig_lineup_set
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking, FeedMark, Webhook
from bookings.services import locks
from bookings.services.webhooks import webhook_events_emit
from core.fields.timezones import zone_name

from ..models import Answer, GigAnswer, GigDeadline
from ..selectors.answers import answer_by_moment, sitting_out
from .parts import gig_shortfalls_check
from .playing import playing_elsewhere_check

logger = logging.getLogger(__name__)

Status = Booking.Status
MANAGING_ROLES = (Membership.Role.LEADER, Membership.Role.ADMIN)
# Gigs whose line-up still changes: booked and not over.
OPEN_STATUSES = (Status.BOOKED, Status.IN_PROGRESS)
# A member is reminded at most once per gig, and not before a day has passed since they were asked.
REMIND_AFTER_ASKED = dt.timedelta(days=1)
# How far ahead the round looks for line-ups to open (the feeds' horizon).
HORIZON = dt.timedelta(days=400)
# The answers that say "I play": the gig takes the member's time, so nobody gives two of them at once.
PLAYING = (Answer.DEFINITELY, Answer.PROBABLY)

ANSWER_LINK_SALT = "gigs.answer-link"
# The buttons of the "Can you play?" email and push notification, read in the recipient's language.
ANSWER_BUTTONS = {
    Answer.DEFINITELY: pgettext_lazy("answer button", "Definitely"),
    Answer.PROBABLY: pgettext_lazy("answer button", "Probably"),
    Answer.DONT_KNOW: pgettext_lazy("answer button", "Don't know"),
    Answer.PROBABLY_NOT: pgettext_lazy("answer button", "Probably not"),
    Answer.CANT: pgettext_lazy("answer button", "Can't"),
}


# ---- Signed one-click links --------------------------------------------------------------------


def answer_link_token(*, booking: Booking, member_id: int, answer: str) -> str:
    """A member's personal link that saves `answer` for the gig (valid until the gig ends)."""
    return signing.dumps({"b": str(booking.uid), "m": member_id, "a": answer}, salt=ANSWER_LINK_SALT, compress=True)


def answer_link_read(token: str) -> tuple[str, int, str]:
    """(booking uid, member id, answer) of a link we sent; raises signing.BadSignature for anything else."""
    data = signing.loads(token, salt=ANSWER_LINK_SALT)
    try:
        uid, member_id, answer = str(data["b"]), int(data["m"]), str(data["a"])
    except (KeyError, TypeError, ValueError) as exc:
        raise signing.BadSignature("Malformed answer link") from exc
    if answer not in Answer.values:
        raise signing.BadSignature("Unknown answer")
    return uid, member_id, answer


def _answer_actions(booking: Booking):
    def actions(user: User) -> list[dict]:
        return [
            {
                "label": label,
                "answer": str(value),
                "path": reverse(
                    "gigs:answer_link", args=[answer_link_token(booking=booking, member_id=user.pk, answer=value)]
                ),
            }
            for value, label in ANSWER_BUTTONS.items()
        ]

    return actions


# ---- The line-up ---------------------------------------------------------------------------------


def lineup_summary(answers: list[GigAnswer]) -> dict:
    """What the calendars show of a line-up: how many places are sure (a "definitely", or a stand-in who
    took the place) of how many, whether a required member can't with nobody in their place, and each
    member's answer."""
    return {
        "in": sum(1 for a in answers if a.stand_in_id or a.answer == Answer.DEFINITELY),
        "of": len(answers),
        "at_risk": any(a.required and a.answer == Answer.CANT and not a.stand_in_id for a in answers),
        "answers": {str(a.member_id): a.answer for a in answers},
        # Whose time the gig takes by the line-up (bands.services.gig_sitting_out): "out" do not play it (they
        # can't, or a stand-in plays for them); "plays" said they do, though the booking may have left them out.
        "out": sorted(a.member_id for a in answers if a.answer == Answer.CANT or a.stand_in_id),
        "plays": sorted(a.member_id for a in answers if a.answer in PLAYING and not a.stand_in_id),
    }


def _leaders(band_id: int) -> list[User]:
    return [m.user for m in Membership.objects.filter(band_id=band_id, role__in=MANAGING_ROLES).select_related("user")]


def _store(booking: Booking) -> dict:
    """Recompute the line-up's summary onto the gig's block, and leave the band's feeds a mark (the block
    is not one of the rows whose triggers mark them) so that they are built again."""
    answers = list(GigAnswer.objects.filter(booking_id=booking.pk))
    summary = lineup_summary(answers)
    if booking.block_id:
        band_gig_lineup_set(block_id=booking.block_id, lineup=summary)
        FeedMark.objects.create(band_id=booking.band_id)
    return summary


def _is_open(booking: Booking, now: dt.datetime) -> bool:
    return booking.status in OPEN_STATUSES and booking.ends_at > now


def gig_lineup_open(*, booking: Booking, now: dt.datetime | None = None) -> int:
    """Give every member of the gig's band a place in its line-up (the instrument and "required" copied
    from the membership) and ask each new one "Can you play?" by notification, with the five one-click
    answers; a member who sits the gig out (busy then, selectors.answers.sitting_out) gets a place, unasked.
    Only for a booked gig that is not over; a member who joined later gets a place too. Safe to call again
    and at once from two places (the unique place per member). Returns how many were added."""
    now = now or timezone.now()
    if not _is_open(booking, now):
        return 0
    placed = GigAnswer.objects.filter(booking_id=booking.pk).values("member_id")
    missing = list(
        Membership.objects.filter(band_id=booking.band_id).exclude(user_id__in=placed).select_related("user")
    )
    if not missing:
        return 0
    with transaction.atomic():
        # The band's lock first, as every writer of a line-up takes it (bookings.services.locks): two pages
        # opening the same line-up at once (the booking card's poll beside the gig page) wait for each other
        # instead of writing the block and its people's busy time in crossed order (a deadlock under load).
        Band.objects.select_for_update().filter(pk=booking.band_id).first()
        GigAnswer.objects.bulk_create(
            [
                GigAnswer(booking_id=booking.pk, member_id=m.user_id, instrument=m.instrument, required=m.required)
                for m in missing
            ],
            ignore_conflicts=True,
        )
        band = booking.band
        # Members who sit the gig out (busy then, the line-up does without them) get a place but no question.
        out = sitting_out(booking)
        notifications_create(
            recipients=[m.user for m in missing if m.user_id not in out],
            kind="rsvp_asked",
            text=lazy_text(
                gettext_lazy("Can you play? %(band)s, {when}"),
                band=band.name,
            ),
            link=reverse("gigs:gig", args=[booking.uid]),
            key=f"rsvp-asked:{booking.pk}",
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            actions_for=_answer_actions(booking),
        )
        _store(booking)
    return len(missing)


def gigs_without_lineup(*, now: dt.datetime) -> QuerySet[Booking]:
    """Booked gigs ahead with a member of their band who has no place in the line-up yet (one query)."""
    placed = GigAnswer.objects.filter(booking_id=OuterRef(OuterRef("pk"))).values("member_id")
    someone_missing = Membership.objects.filter(band_id=OuterRef("band_id")).exclude(user_id__in=placed)
    return Booking.objects.filter(
        Exists(someone_missing), status__in=OPEN_STATUSES, ends_at__gt=now, starts_at__lt=now + HORIZON
    )


def gig_lineups_open(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """The round: open the line-up of every booked gig ahead that lacks one (see gig_lineup_open).
    Returns how many places were added."""
    now = now or timezone.now()
    added = 0
    for booking in gigs_without_lineup(now=now).select_related("band").order_by("starts_at")[:limit]:
        added += gig_lineup_open(booking=booking, now=now)
    return added


def gig_lineup_refresh(*, booking: Booking, by: User | None = None) -> dict:
    """Recompute the gig's line-up summary after a place changed hands (a stand-in took it) and tell the
    leaders when the gig is no longer at risk. Call inside the caller's transaction. Returns the summary."""
    before = _at_risk(booking)
    summary = _store(booking)
    if before and not summary["at_risk"]:
        _tell_covered(booking, by=by)
    gig_shortfalls_check(booking=booking, by=by)
    return summary


def _at_risk(booking: Booking) -> bool:
    block = booking.block if booking.block_id else None
    if block is not None:
        block.refresh_from_db(fields=["lineup"])
        return bool(block.lineup.get("at_risk"))
    return lineup_summary(list(GigAnswer.objects.filter(booking_id=booking.pk)))["at_risk"]


def _tell_covered(booking: Booking, *, by: User | None) -> None:
    notifications_create(
        recipients=_leaders(booking.band_id),
        kind="rsvp_at_risk",
        text=lazy_text(gettext_lazy("Every required place is covered again: %(band)s, {when}"), band=booking.band.name),
        link=reverse("gigs:gig", args=[booking.uid]),
        key=f"rsvp-covered:{booking.pk}:{timezone.now().isoformat()}",
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )
    webhook_events_emit(event=Webhook.Event.RSVP_AT_RISK, bookings=[booking], extra={"at_risk": False}, band_only=True)


# ---- Answering ------------------------------------------------------------------------------------


def gig_answer_set(
    *, booking: Booking, member: User, by: User, answer: str, comment: str = "", now: dt.datetime | None = None
) -> GigAnswer:
    """Save a member's answer to "Can you play?" (and their comment) for a gig, until the gig ends.

    Only the member answers for themself. A required member's "can't" with nobody in their place marks
    the gig at risk and tells the band's leaders at once; every answer tells them too (a low-priority
    notification) and the band's webhooks (rsvp.answered, rsvp.at_risk). Raises BookingPermissionError
    (someone answers for another member, or is not in the band), BookingConflict (the gig is over,
    cancelled or not booked, or its answers are locked: gig_answers_lock), ValidationError (an answer that is
    not one of the five, a comment too long). A yes ("definitely", "probably") takes the member's time: it is
    refused while they play another gig then (playing_elsewhere_check, BookingConflict naming it); a "can't"
    gives the time back (bands.services.gig_sitting_out).
    """
    now = now or timezone.now()
    if by.pk != member.pk:
        raise BookingPermissionError(_("Each member answers for themself."))
    if answer not in Answer.values:
        raise ValidationError({"answer": [_("Choose one of the five answers.")]})
    comment = (comment or "").strip()
    if len(comment) > 300:
        raise ValidationError({"comment": [_("Keep the comment to 300 characters.")]})
    gig_lineup_open(booking=booking, now=now)
    with transaction.atomic():
        booking = Booking.objects.select_related("band", "block").get(pk=booking.pk)
        if answer in PLAYING:
            # A yes takes the member's time: the band's lock, then the person's (the order every door that
            # gives someone a place keeps, bookings.services.locks), so the check below stays true.
            Band.objects.select_for_update().filter(pk=booking.band_id).first()
            locks.people_lock([member.pk])
        place = (
            GigAnswer.objects.select_for_update(of=("self",)).filter(booking_id=booking.pk, member_id=member.pk).first()
        )
        if place is None:
            raise BookingPermissionError(_("Only the band's members answer whether they can play its gigs."))
        if booking.status == Status.CANCELLED:
            raise BookingConflict(_("This gig is cancelled: nobody needs to answer any more."))
        if not _is_open(booking, now):
            raise BookingConflict(_("This gig is over: its answers stay as they were."))
        if GigDeadline.objects.filter(booking_id=booking.pk, locked=True).exists():
            raise BookingConflict(
                _(
                    "The band's leaders have locked the answers for this gig, so yours stays as it is. "
                    "Tell them if your plans change."
                )
            )
        if place.answer == answer and place.comment == comment:
            return place
        if answer in PLAYING and place.answer not in PLAYING:
            playing_elsewhere_check(booking=booking, member=member)
        was_at_risk = bool(booking.block.lineup.get("at_risk")) if booking.block_id else False
        changed_answer = place.answer != answer
        place.answer, place.comment = answer, comment
        if changed_answer or place.answered_at is None:
            place.answered_at = now
        place.save(update_fields=["answer", "comment", "answered_at", "updated_at"])
        summary = _store(booking)
        _tell(booking, place, summary, was_at_risk=was_at_risk, by=by, changed_answer=changed_answer, now=now)
        gig_shortfalls_check(booking=booking, by=by, now=now)
    return place


def _tell(
    booking: Booking, place: GigAnswer, summary: dict, *, was_at_risk: bool, by: User, changed_answer: bool, now
) -> None:
    band = booking.band
    link = reverse("gigs:gig", args=[booking.uid])
    leaders = _leaders(booking.band_id)
    stamp = now.isoformat()
    label = Answer(place.answer).label
    if changed_answer:
        notifications_create(
            recipients=leaders,
            kind="rsvp_answered",
            text=lazy_text(
                gettext_lazy("%(member)s: %(answer)s for %(band)s, {when} (%(in)s of %(of)s confirmed)"),
                member=by.name,
                answer=label,
                band=band.name,
                **{"in": summary["in"], "of": summary["of"]},
            ),
            link=link,
            key=f"rsvp-answered:{place.pk}:{stamp}",
            actor=by,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
        )
    if changed_answer and place.answer == Answer.CANT and place.required and not place.stand_in_id:
        notifications_create(
            recipients=leaders,
            kind="rsvp_at_risk",
            text=lazy_text(
                gettext_lazy("%(member)s can't play %(band)s, {when}: the gig is at risk. Ask a stand-in?"),
                member=by.name,
                band=band.name,
            ),
            link=link,
            key=f"rsvp-cant:{place.pk}:{stamp}",
            actor=by,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
        )
    if was_at_risk and not summary["at_risk"]:
        _tell_covered(booking, by=by)
    extra = {"member": {"id": place.member_id, "name": by.name}, "answer": place.answer, "lineup": _public(summary)}
    webhook_events_emit(event=Webhook.Event.RSVP_ANSWERED, bookings=[booking], extra=extra, band_only=True, now=now)
    if summary["at_risk"] and not was_at_risk:
        webhook_events_emit(
            event=Webhook.Event.RSVP_AT_RISK, bookings=[booking], extra={"at_risk": True}, band_only=True, now=now
        )


def _public(summary: dict) -> dict:
    return {"in": summary["in"], "of": summary["of"], "at_risk": summary["at_risk"]}


# ---- Reminders ------------------------------------------------------------------------------------


def gig_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the members who have not answered a gig that is now within their band's reminder days
    (Band.rsvp_reminder_days; 0: never), once per member and gig, and not in the first day after they were
    asked. Members who sit the gig out (selectors.answers.sitting_out) are not reminded. Returns how many
    were reminded."""
    now = now or timezone.now()
    places = list(
        GigAnswer.objects.filter(
            answer="",
            reminded_at__isnull=True,
            created_at__lte=now - REMIND_AFTER_ASKED,
            booking__status=Status.BOOKED,
            booking__starts_at__gt=now,
            booking__starts_at__lte=now + dt.timedelta(days=60),
            booking__band__rsvp_reminder_days__gt=0,
        ).select_related("booking__band", "booking__block", "member")
    )
    due = [
        p
        for p in places
        if p.booking.starts_at <= now + dt.timedelta(days=p.booking.band.rsvp_reminder_days)
        and p.member_id not in sitting_out(p.booking)
    ]
    for place in due:
        booking = place.booking
        with transaction.atomic():
            if not GigAnswer.objects.filter(pk=place.pk, answer="", reminded_at__isnull=True).update(reminded_at=now):
                continue
            notifications_create(
                recipients=[place.member],
                kind="rsvp_reminder",
                text=lazy_text(
                    gettext_lazy("Can you play? %(band)s, {when}: the band is still waiting for your answer."),
                    band=booking.band.name,
                ),
                link=reverse("gigs:gig", args=[booking.uid]),
                key=f"rsvp-reminder:{place.pk}",
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                actions_for=_answer_actions(booking),
            )
    return len(due)


# ---- Answer by a date ------------------------------------------------------------------------------

# The reminder before the answer-by date goes within this time of it, to each place asked at least an hour ago.
REMIND_BEFORE_ANSWER_BY = dt.timedelta(days=2)
ASKED_BEFORE_ANSWER_BY_REMINDER = dt.timedelta(hours=1)


def _band_day(moment: dt.datetime, booking: Booking) -> dt.date:
    return moment.astimezone(zoneinfo.ZoneInfo(booking.band.time_zone)).date()


def _leader_check(booking: Booking, by: User) -> None:
    if not Membership.objects.filter(band_id=booking.band_id, user_id=by.pk, role__in=MANAGING_ROLES).exists():
        raise BookingPermissionError(
            _("Only the band's leaders and admins set the answer-by date and lock the answers.")
        )


def gig_answer_by_set(
    *, booking: Booking, by: User, answer_by: dt.date | None, now: dt.datetime | None = None
) -> GigDeadline:
    """Set (or, with None, clear) the day by which the members answer "Can you play?" for a gig: a day in
    the band's zone from today up to the gig's own day. A new day sends its reminder again (once per place
    and day). Raises BookingPermissionError (not the band's leader or admin), BookingConflict (the gig is
    over or not booked; its answers are locked: unlock them first), ValidationError on "answer_by" (a day
    that has passed or is after the gig). Changes nothing unless it succeeds."""
    now = now or timezone.now()
    _leader_check(booking, by)
    with transaction.atomic():
        booking = Booking.objects.select_for_update(of=("self",)).select_related("band").get(pk=booking.pk)
        if not _is_open(booking, now):
            raise BookingConflict(_("This gig is over or not booked, so it takes no answer-by date."))
        if answer_by is not None:
            today, gig_day = _band_day(now, booking), _band_day(booking.starts_at, booking)
            if answer_by < today:
                raise ValidationError({"answer_by": [_("That day has passed: choose today or a later day.")]})
            if answer_by > gig_day:
                raise ValidationError(
                    {
                        "answer_by": [
                            _("That day is after the gig: choose a day up to the gig's own, %(day)s.")
                            % {"day": formats.date_format(gig_day, "DATE_FORMAT")}
                        ]
                    }
                )
        deadline, _created = GigDeadline.objects.select_for_update().get_or_create(booking_id=booking.pk)
        if deadline.locked:
            raise BookingConflict(_("The answers are locked: unlock them before you change the answer-by date."))
        if deadline.answer_by != answer_by:
            deadline.answer_by = answer_by
            deadline.save(update_fields=["answer_by", "updated_at"])
            GigAnswer.objects.filter(booking_id=booking.pk).update(answer_by_reminded_at=None)
    return deadline


def gig_answers_lock(*, booking: Booking, by: User, locked: bool, now: dt.datetime | None = None) -> GigDeadline:
    """Lock a gig's answers once its answer-by date has passed, so no member changes theirs
    (gig_answer_set refuses), or unlock them (`locked` false) at any time. Safe to repeat. Raises
    BookingPermissionError (not the band's leader or admin), BookingConflict (no answer-by date yet, or it
    has not passed; the gig is over or not booked)."""
    now = now or timezone.now()
    _leader_check(booking, by)
    with transaction.atomic():
        booking = Booking.objects.select_for_update(of=("self",)).select_related("band").get(pk=booking.pk)
        if not _is_open(booking, now):
            raise BookingConflict(_("This gig is over or not booked: its answers stay as they were."))
        deadline, _created = GigDeadline.objects.select_for_update().get_or_create(booking_id=booking.pk)
        if deadline.locked == locked:
            return deadline
        if locked:
            if deadline.answer_by is None:
                raise BookingConflict(_("Set an answer-by date first: the answers can be locked once it has passed."))
            if now < answer_by_moment(booking=booking, answer_by=deadline.answer_by):
                raise BookingConflict(
                    _("The answers can be locked once the answer-by date, %(day)s, has passed.")
                    % {"day": formats.date_format(deadline.answer_by, "DATE_FORMAT")}
                )
        deadline.locked, deadline.locked_at = locked, now if locked else None
        deadline.save(update_fields=["locked", "locked_at", "updated_at"])
    return deadline


def _lazy_day(day: dt.date):
    """The day in the reader's language, read when the notification is written for each recipient."""
    return lazy(lambda: formats.date_format(day, "DATE_FORMAT"), str)()


def gig_answer_by_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind each member who has not answered a booked gig (nobody stands in for them) within two days
    before its answer-by date, once per place and date: the place is marked in the same transaction as its
    notification, whose dedupe key names the place and the date, so two rounds at once send it once. Locked
    answers, and members who sit the gig out (busy then: selectors.answers.sitting_out), are not reminded.
    Returns how many were reminded."""
    now = now or timezone.now()
    deadlines = GigDeadline.objects.filter(
        answer_by__isnull=False,
        answer_by__gte=now.date() - dt.timedelta(days=1),
        answer_by__lte=now.date() + REMIND_BEFORE_ANSWER_BY + dt.timedelta(days=1),
        locked=False,
        booking__status=Status.BOOKED,
        booking__starts_at__gt=now,
    ).select_related("booking__band", "booking__block")
    sent = 0
    for deadline in deadlines:
        booking = deadline.booking
        moment = answer_by_moment(booking=booking, answer_by=deadline.answer_by)
        if not moment - REMIND_BEFORE_ANSWER_BY <= now < moment:
            continue
        places = (
            GigAnswer.objects.filter(
                booking_id=booking.pk,
                answer="",
                stand_in__isnull=True,
                answer_by_reminded_at__isnull=True,
                created_at__lte=now - ASKED_BEFORE_ANSWER_BY_REMINDER,
            )
            .exclude(member_id__in=sitting_out(booking))
            .select_related("member")
        )
        for place in places:
            with transaction.atomic():
                marked = GigAnswer.objects.filter(pk=place.pk, answer="", answer_by_reminded_at__isnull=True).update(
                    answer_by_reminded_at=now
                )
                if not marked:
                    continue
                notifications_create(
                    recipients=[place.member],
                    kind="rsvp_reminder",
                    text=lazy_text(
                        gettext_lazy("Please answer by %(day)s (%(zone)s) whether you can play: %(band)s, {when}."),
                        day=_lazy_day(deadline.answer_by),
                        zone=zone_name(booking.band.time_zone),
                        band=booking.band.name,
                    ),
                    link=reverse("gigs:gig", args=[booking.uid]),
                    key=f"rsvp-answer-by:{place.pk}:{deadline.answer_by.isoformat()}",
                    starts_at=booking.starts_at,
                    ends_at=booking.ends_at,
                    actions_for=_answer_actions(booking),
                )
            sent += 1
    return sent
