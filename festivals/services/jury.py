"""The jury: jurors invited by the organiser score applications on the call's criteria; the organiser
shortlists, rejects or offers; rejections are told in one batch once the organiser sends the decisions,
each at a civil hour in the band's zone (a beat task sends those due, festivals.tasks).

Blind review is by construction: jurors read a `JuryCard` built from an allow-list of fields, never the
band row, while the call is blind and the application is not shortlisted (decision 0090). A juror sees
the others' scores of an application only after scoring it (`scores_visible`)."""

import datetime as dt
import statistics
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Membership
from teams.models import OrgMember

from ..models import SCORE_MAX, SCORE_MIN, Application, Juror, OpenCall, Score
from .calls import check_organiser
from .errors import FestivalError, FestivalPermissionError

# Rejections reach a band between these local hours.
CIVIL_FROM, CIVIL_UNTIL = 9, 20
DECIDED = (Application.Status.SHORTLISTED, Application.Status.REJECTED, Application.Status.OFFERED)


def juror_add(*, call: OpenCall, user: User, by: User) -> Juror:
    """Invite a person of the call's organisation (any role) to the jury."""
    check_organiser(call.organisation_id, by)
    if not OrgMember.objects.filter(organisation_id=call.organisation_id, user=user).exists():
        raise FestivalError(_("Jurors are people of the organisation: invite them to it first."))
    juror, _created = Juror.objects.get_or_create(call=call, user=user)
    return juror


def is_juror(call: OpenCall, user: User) -> bool:
    return user.is_authenticated and Juror.objects.filter(call=call, user=user).exists()


def recused(application: Application, user: User) -> bool:
    """A juror who plays in the band scores nothing of it."""
    return Membership.objects.filter(band_id=application.band_id, user=user).exists()


def score_save(*, application: Application, juror: User, values: dict[str, int], comment: str) -> Score:
    """The juror's scores of `application`, one value from 1 to 5 per criterion (changeable until the
    organiser decides). Raises FestivalPermissionError for a non-juror or a recused one."""
    call = application.call
    if not is_juror(call, juror):
        raise FestivalPermissionError(_("Only the call's jurors score its applications."))
    if recused(application, juror):
        raise FestivalPermissionError(_("You play in this band, so you do not score it."))
    if application.status not in (Application.Status.SUBMITTED, Application.Status.SHORTLISTED):
        raise FestivalError(_("This application is decided or withdrawn; its scores no longer change."))
    errors, kept = {}, {}
    for index, criterion in enumerate(call.criteria):
        raw = values.get(criterion)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not SCORE_MIN <= value <= SCORE_MAX:
            errors[f"c{index}"] = [_("Score %(criterion)s from 1 to 5.") % {"criterion": criterion}]
        else:
            kept[criterion] = value
    if errors:
        raise ValidationError(errors)
    total = sum(kept.values()) / len(kept)
    with transaction.atomic():
        try:
            with transaction.atomic():
                score, _created = Score.objects.update_or_create(
                    application=application,
                    juror=juror,
                    defaults={"values": kept, "total": total, "comment": comment.strip()[:1000]},
                )
        except IntegrityError:  # two tabs at once: the other one's row is there now
            score = Score.objects.get(application=application, juror=juror)
            Score.objects.filter(pk=score.pk).update(values=kept, total=total, comment=comment.strip()[:1000])
    return score


# ---- What the jury reads --------------------------------------------------------------------------


@dataclass(frozen=True)
class JuryCard:
    """What a juror reads of an application: allow-listed fields; the band's name only when not blind."""

    code: str
    status: str
    status_label: str
    name: str  # "" when blind
    pitch: str
    music_link: str
    answers: list[tuple[str, str]]
    fee: int | None
    mine: Score | None
    others: list[Score]  # [] until the viewer has scored (or for the organiser: everyone's)
    mean: float | None
    median: float | None
    spread: float | None
    count: int
    can_see: bool


def names_hidden(call: OpenCall, application: Application) -> bool:
    return call.blind and application.status not in (Application.Status.SHORTLISTED, Application.Status.OFFERED)


def jury_cards(*, call: OpenCall, viewer: User, organiser: bool) -> list[JuryCard]:
    """Every application sent to `call` as `viewer` may read it, ranked by median score for the organiser
    (and for a juror among the ones they scored), in a per-viewer order otherwise. Three queries."""
    questions = {f"q{q.pk}": q.text for q in call.questions.all()}
    applications = list(
        call.applications.exclude(status=Application.Status.WITHDRAWN).select_related("band").order_by("pk")
    )
    scores: dict[int, list[Score]] = {}
    for score in Score.objects.filter(application__call=call).select_related("juror").order_by("pk"):
        scores.setdefault(score.application_id, []).append(score)
    cards = []
    for application in applications:
        rows = scores.get(application.pk, [])
        mine = next((s for s in rows if s.juror_id == viewer.pk), None)
        can_see = organiser or mine is not None
        totals = [s.total for s in rows]
        hidden = names_hidden(call, application)
        cards.append(
            JuryCard(
                code=application.code,
                status=application.status,
                status_label=application.get_status_display(),
                name="" if hidden else application.band.name,
                pitch=application.blind_text if hidden else application.pitch,
                music_link="" if hidden else application.music_link,
                answers=[(questions[k], v) for k, v in application.answers.items() if k in questions],
                fee=application.fee,
                mine=mine,
                others=[s for s in rows if s.juror_id != viewer.pk] if can_see else [],
                mean=round(statistics.fmean(totals), 2) if can_see and totals else None,
                median=round(statistics.median(totals), 2) if can_see and totals else None,
                spread=round(max(totals) - min(totals), 2) if can_see and totals else None,
                count=len(totals) if can_see else 0,
                can_see=can_see,
            )
        )
    # Scored ones by median (the median: one harsh juror cannot sink an act); unscored ones after, in an
    # order of their own for each viewer so that no act is always read first.
    seen = sorted((c for c in cards if c.median is not None), key=lambda c: (-c.median, c.code))
    unseen = sorted((c for c in cards if c.median is None), key=lambda c: hash((viewer.pk, c.code)))
    return seen + unseen


# ---- Decisions ------------------------------------------------------------------------------------


def application_decide(
    *, application: Application, by: User, decision: str, message: str = "", now: dt.datetime
) -> Application:
    """Shortlist, reject (with an optional kind message, sent with the decisions) or offer. Only after
    the deadline; a shortlisted application can still be rejected or offered."""
    call = application.call
    check_organiser(call.organisation_id, by)
    if now < call.deadline:
        raise FestivalError(_("Decide after the deadline: bands can still change their applications."))
    if decision not in DECIDED:
        raise FestivalError(_("Choose shortlist, reject or offer."))
    allowed_from = {
        Application.Status.SHORTLISTED: (Application.Status.SUBMITTED,),
        Application.Status.REJECTED: (Application.Status.SUBMITTED, Application.Status.SHORTLISTED),
        Application.Status.OFFERED: (Application.Status.SUBMITTED, Application.Status.SHORTLISTED),
    }[decision]
    updated = Application.objects.filter(pk=application.pk, status__in=allowed_from).update(
        status=decision, reject_message=message.strip()[:1000] if decision == Application.Status.REJECTED else ""
    )
    if not updated:
        raise FestivalError(_("This application is decided already, so nothing was changed."))
    application.refresh_from_db()
    return application


def civil_moment(now: dt.datetime, zone: str) -> dt.datetime:
    """`now`, or the next 09:00 in `zone` when it is night there (20:00–09:00)."""
    tz = zoneinfo.ZoneInfo(zone)
    local = now.astimezone(tz)
    if CIVIL_FROM <= local.hour < CIVIL_UNTIL:
        return now
    day = local.date() if local.hour < CIVIL_FROM else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(CIVIL_FROM), tzinfo=tz).astimezone(dt.UTC)


def decisions_send(*, call: OpenCall, by: User, now: dt.datetime) -> int:
    """Release the call's rejections: each band is told at the next civil hour in its zone (the beat task
    festivals.tasks.call_notices_task sends those due). Returns how many are queued."""
    check_organiser(call.organisation_id, by)
    if now < call.deadline:
        raise FestivalError(_("Decisions go out after the deadline."))
    queued = 0
    with transaction.atomic():
        rows = Application.objects.select_for_update().filter(
            call=call, status=Application.Status.REJECTED, notice_due_at__isnull=True
        )
        for application in rows.select_related("band"):
            application.notice_due_at = civil_moment(now, application.band.time_zone)
            application.save(update_fields=["notice_due_at", "updated_at"])
            queued += 1
        OpenCall.objects.filter(pk=call.pk).update(decisions_sent_at=now)
    return queued


def notices_due_send(*, now: dt.datetime, limit: int = 200) -> int:
    """Tell each band whose rejection is due (its civil hour has come), once: the managers of the band read
    the call's words and the organiser's message. Returns how many bands were told."""
    sent = 0
    with transaction.atomic():
        due = (
            Application.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(notice_due_at__lte=now, notice_sent_at__isnull=True)
            .select_related("call", "band")[:limit]
        )
        for application in due:
            managers = User.objects.filter(
                memberships__band_id=application.band_id,
                memberships__role__in=[Membership.Role.LEADER, Membership.Role.ADMIN],
            )
            text = lazy_text(
                gettext_lazy("%(band)s was not chosen for “%(call)s”. %(message)s"),
                band=application.band.name,
                call=application.call.title,
                message=application.reject_message,
            )
            notifications_create(
                recipients=managers,
                kind="call_decision",
                text=text,
                link=f"/calls/{application.call.slug}/",
                key=f"call-decision:{application.pk}",
            )
            application.notice_sent_at = now
            application.save(update_fields=["notice_sent_at", "updated_at"])
            sent += 1
    return sent
