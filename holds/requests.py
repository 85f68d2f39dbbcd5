"""An agency asks venues to hold a date for a band it represents (docs/decisions/0041-holds.md): the same
date of several venues at once while it routes a tour. Each venue's staff hold it on one of their stages at
the next free level (an ordinary hold from then on, naming the agency), or say no; the agency may take an
open question back. Who may ask is checked here: an owner or booker of an agency that represents the band
now."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Band
from bookings.errors import ContactRefused
from bookings.selectors.blocks import side_parties
from bookings.services.checks import contact_check
from teams.selectors import agency_acting_for, agency_holding_for, organisation_people
from venues.models import Stage, Venue, VenueStaff

from .models import Hold, HoldRequest
from .services import NOTIFY_KIND, HoldError, HoldPermissionError, hold_place

MAX_VENUES = 10
Status = HoldRequest.Status


def _day(request: HoldRequest) -> str:
    return date_format(request.starts_at.astimezone(ZoneInfo(request.venue.time_zone)), "WEEKDAY_FORMAT")


def _tell(recipients: list[User], text, *, link: str, key: str, actor: User) -> None:
    notifications_create(recipients=recipients, kind=NOTIFY_KIND, text=text, link=link, key=key, actor=actor)


def hold_request_many(
    *,
    by: User,
    band: Band,
    venues: list[Venue],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    note: str = "",
    now: dt.datetime | None = None,
) -> list[HoldRequest]:
    """Ask each of `venues` to hold the date for `band`. Raises HoldPermissionError unless `by` acts for the
    band through an agency that the band lets ask for holds (Representation.may_hold); HoldError for times
    out of order or past, no venue, too many, a venue asked already for that date, or one that the band's
    side and the venue's blocked one another (bookings.services.checks.contact_check; nothing is asked
    then)."""
    now = now or timezone.now()
    agency = agency_acting_for(band_id=band.pk, user=by)
    if agency is None:
        raise HoldPermissionError(_("Only the bookers of an agency that represents the band ask venues for holds."))
    agency = agency_holding_for(band_id=band.pk, user=by)
    if agency is None:
        raise HoldPermissionError(
            _(
                "%(band)s has not let your agency ask venues for holds. Its leaders can allow it on the band's "
                "agencies page."
            )
            % {"band": band.name}
        )
    if ends_at <= starts_at or ends_at - starts_at > dt.timedelta(hours=24):
        raise HoldError(_("The end must be after the start, at most 24 hours later."), code="times")
    if starts_at <= now:
        raise HoldError(_("The date has begun or passed; ask for a date ahead."), code="past")
    venues = list({v.pk: v for v in venues}.values())
    if not venues:
        raise HoldError(_("Name at least one venue."), code="no_venue")
    if len(venues) > MAX_VENUES:
        raise HoldError(_("Ask at most %(max)s venues at once.") % {"max": MAX_VENUES}, code="too_many")
    note = " ".join(note.split())[:300]
    band_side = side_parties(band_ids=[band.pk], user_ids=[by.pk])
    for venue in venues:
        try:
            contact_check(asking=band_side, asked=side_parties(venue_ids=[venue.pk]), name=venue.name)
        except ContactRefused as exc:
            raise HoldError(str(exc), code="contact") from None
    asked = []
    try:
        with transaction.atomic():
            for venue in venues:
                asked.append(
                    HoldRequest.objects.create(
                        organisation=agency,
                        band=band,
                        venue=venue,
                        date=starts_at.astimezone(ZoneInfo(venue.time_zone)).date(),
                        starts_at=starts_at,
                        ends_at=ends_at,
                        note=note,
                        asked_by=by,
                    )
                )
    except IntegrityError:
        raise HoldError(
            _("One of these venues has been asked to hold this date for %(band)s already.") % {"band": band.name},
            code="asked",
        ) from None
    for request in asked:
        staff = [s.user for s in VenueStaff.objects.filter(venue=request.venue).select_related("user")]
        _tell(
            staff,
            lazy_text(
                gettext_lazy("%(agency)s asks %(venue)s to hold %(day)s for %(band)s."),
                agency=agency.name,
                venue=request.venue.name,
                day=_day(request),
                band=band.name,
            ),
            link=reverse("holds:venue", args=[request.venue.slug]) + f"?date={request.date.isoformat()}",
            key=f"hold-request:{request.pk}:asked",
            actor=by,
        )
    return asked


def _open(request: HoldRequest) -> HoldRequest:
    """The request again under its row lock, refused unless still open."""
    request = (
        HoldRequest.objects.select_for_update(of=("self",))
        .select_related("venue", "band", "organisation")
        .get(pk=request.pk)
    )
    if request.status != Status.ASKED:
        raise HoldError(_("This request has been answered or taken back already."), code="answered")
    return request


def _tell_agency(request: HoldRequest, text, *, by: User, what: str) -> None:
    _tell(
        organisation_people(organisation_id=request.organisation_id, acting=True),
        text,
        link=reverse("holds:band", args=[request.band.slug]),
        key=f"hold-request:{request.pk}:{what}",
        actor=by,
    )


def hold_request_answer(
    *,
    request: HoldRequest,
    by: User,
    accept: bool,
    stage: Stage | None = None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> HoldRequest:
    """The venue's answer: hold the date on `stage` at the next free level until `expires_at`, or say no.
    Venue staff only; the hold's own checks apply (a booked show then, the band held already …)."""
    now = now or timezone.now()
    if not VenueStaff.objects.filter(venue_id=request.venue_id, user_id=by.pk).exists():
        raise HoldPermissionError(_("Only the venue's staff answer the holds it is asked for."))
    with transaction.atomic():
        request = _open(request)
        hold: Hold | None = None
        if accept:
            if stage is None or stage.venue_id != request.venue_id:
                raise HoldError(_("Pick one of the venue's stages."), code="stage")
            hold = hold_place(
                by=by,
                stage=stage,
                band=request.band,
                starts_at=request.starts_at,
                ends_at=request.ends_at,
                expires_at=expires_at or min(request.starts_at, now + dt.timedelta(days=14)),
                note=_("Asked by %(agency)s") % {"agency": request.organisation.name},
                now=now,
            )
        request.status = Status.HELD if accept else Status.DECLINED
        request.hold = hold
        request.answered_by, request.answered_at = by, now
        request.save(update_fields=["status", "hold", "answered_by", "answered_at"])
        names = {"venue": request.venue.name, "day": _day(request), "band": request.band.name}
        if hold is not None:
            text = lazy_text(
                gettext_lazy("%(venue)s holds %(day)s for %(band)s: %(level)s hold."), level=hold.level_name, **names
            )
        else:
            text = lazy_text(gettext_lazy("%(venue)s cannot hold %(day)s for %(band)s."), **names)
        _tell_agency(request, text, by=by, what=request.status)
    return request


def hold_request_withdraw(*, request: HoldRequest, by: User) -> HoldRequest:
    """The agency takes an open question back (any owner or booker of the agency that asked)."""
    if by.pk not in {u.pk for u in organisation_people(organisation_id=request.organisation_id, acting=True)}:
        raise HoldPermissionError(_("Only the bookers of the agency that asked take a request back."))
    with transaction.atomic():
        request = _open(request)
        request.status = Status.WITHDRAWN
        request.answered_by, request.answered_at = by, timezone.now()
        request.save(update_fields=["status", "answered_by", "answered_at"])
    return request
