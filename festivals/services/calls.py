"""Open calls: an organisation publishes one; a band's leaders apply, edit until the deadline, withdraw.

Who may: the call's organisation's owners and bookers (teams.ACTING_ROLES) run it; a band's leaders and
admins apply for it. The deadline is checked against the `now` given; after it nothing of an
application changes. A band busy on every day of the call is refused (its green zone, read through
bands.calendar.band_availability, the one reading of a band's availability)."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from bands.calendar import CalendarDay, band_availability, band_available_members
from bands.models import ApprovalStatus, Band, Genre, Membership
from core.fields.dates import Bound, date_problem
from core.fields.form_fields import MAX_FEE, refuse_line_breaks
from core.fields.scheduling import scheduling_today
from core.fields.timezones import validate_time_zone
from teams.models import ACTING_ROLES, Organisation, OrgMember

from ..models import Application, Festival, OpenCall, Question
from .errors import FestivalError, FestivalPermissionError

MAX_CALL_DAYS = 60
MAX_QUESTIONS = 20


def acting_in(organisation_id: int, user: User) -> bool:
    """`user` runs the organisation's calls (owner or booker)."""
    return (
        user.is_authenticated
        and OrgMember.objects.filter(organisation_id=organisation_id, user=user, role__in=ACTING_ROLES).exists()
    )


def check_organiser(organisation_id: int, user: User) -> None:
    if not acting_in(organisation_id, user):
        raise FestivalPermissionError(_("Only the organisation's owners and bookers can do this."))


def check_band_manager(band: Band, user: User) -> None:
    manages = Membership.objects.filter(
        band=band, user=user, role__in=[Membership.Role.LEADER, Membership.Role.ADMIN]
    ).exists()
    if not manages:
        raise FestivalPermissionError(_("Only the band's leaders and admins can apply for it."))


def _free_slug(title: str) -> str:
    base = slugify(title)[:100] or "call"
    slug, n = base, 1
    while OpenCall.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def one_line_problem(text: str) -> str:
    """Why `text` cannot be a name or a title ("" when it can): a line break, tab or direction override."""
    try:
        refuse_line_breaks(text)
    except ValidationError as exc:
        return exc.messages[0]
    return ""


def local_deadline(day: dt.date, time: dt.time, zone: str) -> dt.datetime:
    """The deadline entered as a local day and time in the call's zone, in UTC. A time skipped by a
    clock change is read as the moment after it (fold=0)."""
    return dt.datetime.combine(day, time, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


@dataclass(frozen=True)
class CallInput:
    title: str
    first_day: dt.date
    last_day: dt.date
    time_zone: str
    deadline_day: dt.date
    deadline_time: dt.time
    description: str = ""
    stages: str = ""
    fee_min: int | None = None
    fee_max: int | None = None
    fee_on_offer: bool = False
    currency: str = "EUR"
    travel_paid: bool = False
    blind: bool = False
    criteria: tuple[str, ...] = ()
    genres: tuple[Genre, ...] = ()
    festival: Festival | None = None


def _call_errors(data: CallInput, now: dt.datetime, organisation_id: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.festival is not None and data.festival.organisation_id != organisation_id:
        errors["festival"] = [_("Choose a festival of the call's organisation.")]
    if not data.title.strip():
        errors["title"] = [_("Give the call a title.")]
    elif problem := one_line_problem(data.title):
        errors["title"] = [problem]
    # The call's days and deadline are new and ahead, within the site's horizon (core.fields.dates): counted from today
    # where its festival is held, if it has one (a day further on there, past its midnight, than in a zone behind).
    today = scheduling_today(zoneinfo.ZoneInfo(data.festival.time_zone)) if data.festival is not None else None
    for name in ("first_day", "last_day", "deadline_day"):
        if problem := date_problem(getattr(data, name), bound=Bound.AHEAD, today=today):
            errors[name] = [problem]
    for name in ("fee_min", "fee_max"):
        fee = getattr(data, name)
        if fee is not None and not 0 <= fee <= MAX_FEE:
            errors[name] = [_("Enter a fee from 0 to %(max)s.") % {"max": number_format(MAX_FEE, force_grouping=True)}]
    if errors:
        return errors
    try:
        validate_time_zone(data.time_zone)
    except ValidationError:
        errors["time_zone"] = [_("Choose a time zone from the list.")]
        return errors
    if data.last_day < data.first_day:
        errors["last_day"] = [_("The last day cannot be before the first.")]
    elif (data.last_day - data.first_day).days >= MAX_CALL_DAYS:
        errors["last_day"] = [_("A call covers at most %(days)d days.") % {"days": MAX_CALL_DAYS}]
    deadline = local_deadline(data.deadline_day, data.deadline_time, data.time_zone)
    if deadline <= now:
        errors["deadline_day"] = [_("The deadline must be in the future.")]
    elif deadline.astimezone(zoneinfo.ZoneInfo(data.time_zone)).date() > data.first_day:
        errors["deadline_day"] = [_("The deadline must be before the call's first day.")]
    if data.fee_min is not None and data.fee_max is not None and data.fee_min > data.fee_max:
        errors["fee_max"] = [_("The fee range's upper end is below its lower end.")]
    if not [c for c in data.criteria if c.strip()]:
        errors["criteria"] = [_("Name at least one criterion the jury scores.")]
    return errors


def call_create(*, organisation: Organisation, by: User, data: CallInput, now: dt.datetime) -> OpenCall:
    """A draft call of `organisation` (its owners and bookers). Raises ValidationError per field."""
    check_organiser(organisation.pk, by)
    errors = _call_errors(data, now, organisation.pk)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        call = OpenCall.objects.create(
            organisation=organisation, slug=_free_slug(data.title), created_by=by, **_call_fields(data)
        )
        call.genres.set(data.genres)
    return call


def _call_fields(data: CallInput) -> dict:
    return {
        "festival": data.festival,
        "title": data.title.strip()[:120],
        "description": data.description.strip()[:5000],
        "first_day": data.first_day,
        "last_day": data.last_day,
        "stages": data.stages.strip()[:300],
        "fee_min": data.fee_min,
        "fee_max": data.fee_max,
        "fee_on_offer": data.fee_on_offer,
        "currency": data.currency,
        "travel_paid": data.travel_paid,
        "time_zone": data.time_zone,
        "deadline": local_deadline(data.deadline_day, data.deadline_time, data.time_zone),
        "blind": data.blind,
        "criteria": [c.strip()[:60] for c in data.criteria if c.strip()][:8],
    }


def call_update(*, call: OpenCall, by: User, data: CallInput, now: dt.datetime) -> OpenCall:
    """Change a draft call (its owners and bookers); a published call keeps what bands applied to.
    Raises FestivalError for a published call, ValidationError per field."""
    check_organiser(call.organisation_id, by)
    if call.status != OpenCall.Status.DRAFT:
        raise FestivalError(_("The call is published: what bands applied to no longer changes."))
    errors = _call_errors(data, now, call.organisation_id)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        fields = _call_fields(data)
        OpenCall.objects.filter(pk=call.pk, status=OpenCall.Status.DRAFT).update(**fields)
        for name, value in fields.items():
            setattr(call, name, value)
        call.genres.set(data.genres)
    return call


def call_festival_set(*, call: OpenCall, festival: Festival | None, by: User) -> OpenCall:
    """Tie a call (draft or published) to a festival of its organisation, or untie it: its shortlisted
    acts appear in that festival's timetable builder. Raises FestivalError for another's festival."""
    check_organiser(call.organisation_id, by)
    if festival is not None and festival.organisation_id != call.organisation_id:
        raise FestivalError(_("Choose a festival of the call's organisation."))
    OpenCall.objects.filter(pk=call.pk).update(festival=festival)
    call.festival = festival
    return call


def question_add(*, call: OpenCall, by: User, kind: str, text: str, choices: list[str], required: bool) -> Question:
    """Add a question to a draft call. Choice questions need two choices or more."""
    check_organiser(call.organisation_id, by)
    if call.status != OpenCall.Status.DRAFT:
        raise FestivalError(_("The call is published: its questions no longer change."))
    errors = {}
    if kind not in Question.Kind.values:
        errors["kind"] = [_("Choose text, choice or link.")]
    if not text.strip():
        errors["text"] = [_("Write the question.")]
    choices = [c.strip()[:100] for c in choices if c.strip()]
    if kind == Question.Kind.CHOICE and len(choices) < 2:
        errors["choices"] = [_("A choice question needs at least two choices, one a line.")]
    if call.questions.count() >= MAX_QUESTIONS:
        errors["text"] = [_("A call has at most %(n)d questions.") % {"n": MAX_QUESTIONS}]
    if errors:
        raise ValidationError(errors)
    return Question.objects.create(
        call=call,
        kind=kind,
        text=text.strip()[:300],
        choices=choices if kind == Question.Kind.CHOICE else [],
        required=required,
        position=call.questions.count(),
    )


def call_publish(*, call: OpenCall, by: User, now: dt.datetime) -> OpenCall:
    """Open the call to applications (listed at /calls/) until its deadline."""
    check_organiser(call.organisation_id, by)
    if call.deadline <= now:
        raise FestivalError(_("The deadline has passed; set a new one before publishing."))
    OpenCall.objects.filter(pk=call.pk).update(status=OpenCall.Status.OPEN)
    call.status = OpenCall.Status.OPEN
    return call


# ---- The band's side -----------------------------------------------------------------------------


def call_green_days(*, call: OpenCall, band: Band, today: dt.date) -> list[CalendarDay]:
    """The band's green zone on each day of the call (band_availability: three queries and members); none for a
    call stored with days past what calendars show (before the bounds of core.fields.dates held)."""
    if date_problem(call.first_day, bound=Bound.BROWSE) or date_problem(call.last_day, bound=Bound.BROWSE):
        return []
    zone = band_availability(
        band=band,
        members=band_available_members(band=band),
        first_day=call.first_day,
        last_day=call.last_day,
        today=today,
        time_zone=call.time_zone,
    )
    return [day for day in zone.days if call.first_day <= day.day <= call.last_day]


def _answers(call: OpenCall, answers: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    kept, errors = {}, {}
    for question in call.questions.all():
        key = f"q{question.pk}"
        value = (answers.get(key) or "").strip()[:2000]
        if not value:
            if question.required:
                errors[key] = [_("Please answer this question.")]
            continue
        if question.kind == Question.Kind.CHOICE and value not in question.choices:
            errors[key] = [_("Choose one of the answers offered.")]
        elif question.kind == Question.Kind.LINK and not value.startswith(("https://", "http://")):
            errors[key] = [_("Give a web address starting with https://.")]
        kept[key] = value
    return kept, errors


def _open_check(call: OpenCall, now: dt.datetime) -> None:
    if call.status != OpenCall.Status.OPEN:
        raise FestivalError(_("This call is not open."))
    if now >= call.deadline:
        raise FestivalError(_("The deadline of this call has passed, so nothing can be sent or changed."))


def application_submit(
    *,
    call: OpenCall,
    band: Band,
    by: User,
    pitch: str,
    answers: dict[str, str],
    now: dt.datetime,
    blind_text: str = "",
    music_link: str = "",
    fee: int | None = None,
) -> Application:
    """Apply for `call` as `band` (its leaders and admins), or change the application until the deadline.
    Refused after the deadline, for a band not approved, and for a band busy on every day of the call.
    A withdrawn application is sent again. Raises ValidationError per answer."""
    check_band_manager(band, by)
    _open_check(call, now)
    if band.status != ApprovalStatus.APPROVED:
        raise FestivalError(_("%(band)s can apply once StageSlot staff have approved it.") % {"band": band.name})
    kept, errors = _answers(call, answers)
    if call.blind and not blind_text.strip():
        errors["blind_text"] = [_("This call is blind: describe your music without your band's name.")]
    if fee is not None and fee < 0:
        errors["fee"] = [_("A fee cannot be negative.")]
    if music_link and not music_link.startswith(("https://", "http://")):
        errors["music_link"] = [_("Give a web address starting with https://.")]
    if errors:
        raise ValidationError(errors)
    days = call_green_days(call=call, band=band, today=now.date())
    if days and not any(day.status == "green" for day in days):
        raise FestivalError(
            _("%(band)s is busy on every day of this call (its green zone has no free day), so it cannot apply.")
            % {"band": band.name}
        )
    values = {
        "pitch": pitch.strip()[:2000],
        "blind_text": blind_text.strip()[:2000],
        "music_link": music_link.strip()[:300],
        "fee": fee,
        "answers": kept,
        "status": Application.Status.SUBMITTED,
        "submitted_by": by,
    }
    with transaction.atomic():
        existing = Application.objects.select_for_update().filter(call=call, band=band).first()
        if existing is not None:
            if existing.status not in (Application.Status.SUBMITTED, Application.Status.WITHDRAWN):
                raise FestivalError(_("The jury has decided on this application; it no longer changes."))
            for field, value in values.items():
                setattr(existing, field, value)
            existing.save()
            return existing
        try:
            with transaction.atomic():
                return Application.objects.create(call=call, band=band, **values)
        except IntegrityError as exc:  # a second click at the same moment
            raise FestivalError(_("%(band)s has applied already.") % {"band": band.name}) from exc


def application_withdraw(*, application: Application, by: User, now: dt.datetime) -> Application:
    """The band takes its application back (until the deadline)."""
    check_band_manager(application.band, by)
    _open_check(application.call, now)
    updated = Application.objects.filter(pk=application.pk, status=Application.Status.SUBMITTED).update(
        status=Application.Status.WITHDRAWN
    )
    if not updated:
        raise FestivalError(_("This application is not waiting for the jury, so it cannot be withdrawn."))
    application.status = Application.Status.WITHDRAWN
    return application
