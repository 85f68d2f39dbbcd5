"""Reports to staff and what staff do with them (decision 0081).

Anyone may report a message, a request or booking, a band's or venue's profile or a show they can see
(selectors.reports.report_subject), once while their report is open, and a few a day. Staff resolve a report
in the admin: one claims it (decision 0083), so that two do not act on it at once, then warns the account (its
people are told why), suspends it (a person signed out and unable to sign in; a band or venue suspended with the
reason), or dismisses it; the reporter is told the outcome."""

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import PartyKind, Report, User
from accounts.services import lazy_text, notifications_create
from bands.models import ApprovalStatus, Band
from bands.selectors import band_managers
from bands.services import band_set_status
from venues.models import Venue, VenueStaff
from venues.services import venue_set_status

from ..selectors.reports import ReportSubject

Status = Report.Status
TEXT_LIMIT = Report._meta.get_field("text").max_length
# A claim lapses after this long untouched, so a report whose staff member left it comes back to everyone.
CLAIM_LAPSES = dt.timedelta(hours=2)


class ReportClaimed(ValidationError):
    """Another member of staff holds the report (or it is resolved already); nothing was changed."""


def report_create(
    *, reporter: User, subject: ReportSubject, category: str, text: str = "", now: dt.datetime | None = None
) -> Report:
    """`reporter` reports `subject` to staff, with a reason (`category`) and what happened (at most 1,000
    characters). Keeps what the reporter saw (`subject.evidence`) so staff judge it as it was.

    Raises ValidationError by field: an unknown reason, too long a text; and without a field when the
    reporter's report of this subject is still open, or they sent REPORTS_PER_DAY reports in the last day
    (nothing is added either way)."""
    now = now or timezone.now()
    text = text.strip()
    errors: dict[str, list[str]] = {}
    if category not in Report.Category.values:
        errors["category"] = [_("Choose a reason.")]
    if len(text) > TEXT_LIMIT:
        errors["text"] = [
            _("At most %(limit)d characters, please (this has %(count)d).") % {"limit": TEXT_LIMIT, "count": len(text)}
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The reporter's row, locked: two reports sent at once count one after the other.
        User.objects.select_for_update().filter(pk=reporter.pk).values_list("pk", flat=True).get()
        if Report.objects.filter(
            reporter=reporter, subject_kind=subject.kind, subject_id=subject.ref, status=Status.OPEN
        ).exists():
            raise ValidationError(_("You have reported this already; staff are looking at it."), code="again")
        if Report.objects.filter(reporter=reporter, created_at__gte=now - dt.timedelta(days=1)).count() >= (
            settings.REPORTS_PER_DAY
        ):
            raise ValidationError(
                _("You have sent %(count)d reports today, the most for one day. Try again tomorrow.")
                % {"count": settings.REPORTS_PER_DAY},
                code="limit",
            )
        try:
            with transaction.atomic():
                return Report.objects.create(
                    reporter=reporter,
                    subject_kind=subject.kind,
                    subject_id=subject.ref,
                    account_kind=subject.account.kind,
                    account_id=subject.account.id,
                    account_name=subject.account_name[:200],
                    category=category,
                    text=text,
                    evidence=subject.evidence,
                )
        except IntegrityError:
            raise ValidationError(_("You have reported this already; staff are looking at it."), code="again") from None


def _account_people(report: Report) -> list[User]:
    """Who answers for the reported account: the person, the band's leaders and admins, the venue's owners."""
    if report.account_kind == PartyKind.USER:
        return list(User.objects.filter(pk=report.account_id))
    if report.account_kind == PartyKind.BAND:
        return band_managers(report.account_id)
    owners = VenueStaff.objects.filter(venue_id=report.account_id, role=VenueStaff.Role.OWNER).values("user_id")
    return list(User.objects.filter(pk__in=owners))


def _suspend(report: Report, *, by: User, reason: str) -> None:
    if report.account_kind == PartyKind.USER:
        User.objects.filter(pk=report.account_id).update(is_active=False)
        # Signed out everywhere: every session of theirs ends now (an inactive user signs in nowhere after).
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if session.get_decoded().get("_auth_user_id") == str(report.account_id):
                session.delete()
    elif report.account_kind == PartyKind.BAND:
        band = Band.objects.filter(pk=report.account_id).first()
        if band is not None:
            band_set_status(band=band, status=ApprovalStatus.SUSPENDED, reason=reason, by=by)
    else:
        venue = Venue.objects.filter(pk=report.account_id).first()
        if venue is not None:
            venue_set_status(venue=venue, status=ApprovalStatus.SUSPENDED, reason=reason, by=by)


OUTCOME_WORDS = {
    Status.WARNED: gettext_lazy("Staff looked at your report about %(name)s and warned them."),
    Status.SUSPENDED: gettext_lazy("Staff looked at your report about %(name)s and suspended the account."),
    Status.DISMISSED: gettext_lazy(
        "Staff looked at your report about %(name)s and found nothing against the rules, so nothing was changed."
    ),
}


def _held_by_another(report: Report, by: User, now: dt.datetime) -> bool:
    return report.claimed_by_id not in (None, by.pk) and report.claimed_at > now - CLAIM_LAPSES


def _claim_check(report: Report, by: User, now: dt.datetime) -> None:
    """Refuse `by` acting on a report (locked) that another member of staff claimed, and says who and when."""
    if _held_by_another(report, by, now):
        raise ReportClaimed(
            _(
                "%(person)s claimed the report about %(name)s %(ago)s ago and is acting on it, so nothing was "
                "changed. Ask them, or wait until they release it."
            )
            % {"person": report.claimed_by.name, "name": report.account_name, "ago": timesince(report.claimed_at, now)}
        )


def report_claim(*, report: Report, by: User, now: dt.datetime | None = None) -> Report:
    """Staff (`by`) claim an open report before acting on it: the queue shows who holds it, and another member
    of staff's warn, suspend or dismiss of it is refused until they release it or CLAIM_LAPSES pass. Claiming
    one's own claim again renews it. Raises ReportClaimed when another holds it or it is resolved."""
    now = now or timezone.now()
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("claimed_by").get(pk=report.pk)
        if report.status != Status.OPEN:
            raise ReportClaimed(
                _("The report about %(name)s is resolved already; nothing was changed.") % {"name": report.account_name}
            )
        _claim_check(report, by, now)
        report.claimed_by, report.claimed_at = by, now
        report.save(update_fields=["claimed_by", "claimed_at"])
    return report


def report_release(*, report: Report, by: User, now: dt.datetime | None = None) -> Report:
    """`by` gives back a report they claimed (a lapsed or absent claim: nothing to do). Raises ReportClaimed
    when another member of staff holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("claimed_by").get(pk=report.pk)
        _claim_check(report, by, now)
        if report.claimed_by_id is not None:
            report.claimed_by, report.claimed_at = None, None
            report.save(update_fields=["claimed_by", "claimed_at"])
    return report


def report_resolve(*, report: Report, by: User, outcome: str, note: str = "", now: dt.datetime | None = None) -> Report:
    """Staff (`by`) resolve an open report: WARNED (the account's people are told, with `note` as the reason),
    SUSPENDED (a person can no longer sign in and is signed out; a band or venue is suspended with `note`)
    or DISMISSED. The reporter is told the outcome, never the note. A report already resolved (by another
    member of staff meanwhile) is returned unchanged. A report nobody holds is claimed by `by` in the same
    locked step; one another member of staff claimed raises ReportClaimed (report_claim). Raises ValueError
    for another outcome."""
    if outcome not in OUTCOME_WORDS:
        raise ValueError(outcome)
    note = note.strip()[:1000]
    now = now or timezone.now()
    with transaction.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("claimed_by").get(pk=report.pk)
        if report.status != Status.OPEN:
            return report
        _claim_check(report, by, now)
        report.status, report.outcome = outcome, note
        report.resolved_by, report.resolved_at = by, now
        if report.claimed_by_id != by.pk:
            report.claimed_by, report.claimed_at = by, now
        report.save(update_fields=["status", "outcome", "resolved_by", "resolved_at", "claimed_by", "claimed_at"])
        if outcome == Status.WARNED:
            notifications_create(
                recipients=_account_people(report),
                kind="account_warning",
                text=lazy_text(
                    gettext_lazy(
                        "StageSlot staff warn %(name)s after a report: %(reason)s Another breach of the rules can "
                        "suspend the account."
                    ),
                    name=report.account_name,
                    reason=note or gettext_lazy("the way it contacted others broke the rules."),
                ),
                key=f"report:{report.pk}:warned",
            )
        elif outcome == Status.SUSPENDED:
            _suspend(report, by=by, reason=note or _("Suspended after a report."))
        notifications_create(
            recipients=[report.reporter],
            kind="report_outcome",
            text=lazy_text(OUTCOME_WORDS[outcome], name=report.account_name),
            key=f"report:{report.pk}:outcome",
        )
    return report
