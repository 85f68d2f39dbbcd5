"""Who plays which part at a gig, and the warning when a section of a gig falls below the band's minimum.

The counts are gigs.selectors.parts.gig_sections (the green zone's matching). A section is short when
the places that have not said no cannot fill it; the leaders and the section's players are told once
per shortfall: a SectionShort row is made when it falls short (only its maker tells) and removed when it
is covered again, so the next shortfall is told again. Every door that changes who can play checks:
an answer and a stand-in taking a place (gigs.services.answers), a part given here, and the hourly round
for what happens in the band below (a member who leaves, a member's sections changed).
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.models import Band, Membership, Section
from bookings.errors import BookingConflict, BookingPermissionError
from bookings.models import Booking
from bookings.services import locks

from ..models import GigAnswer, SectionShort
from ..selectors.parts import SHORT, SectionCount, TotalCount, gig_sections, gig_total, section_players
from .playing import playing_elsewhere_check

MANAGING_ROLES = (Membership.Role.LEADER, Membership.Role.ADMIN)
OPEN_STATUSES = (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS)
# How far ahead the hourly round looks, and at most how many gigs a run checks.
ROUND_AHEAD = dt.timedelta(days=120)
ROUND_LIMIT = 500


def _is_open(booking: Booking, now: dt.datetime) -> bool:
    return booking.status in OPEN_STATUSES and booking.ends_at > now


def gig_part_set(*, place: GigAnswer, by: User, section: Section | None, now: dt.datetime | None = None) -> GigAnswer:
    """Give a place of a gig the part it plays there (None: its usual sections again). Only the band's
    leaders and admins, only a section of the gig's band, only while the gig is open. Checks the gig's
    sections afterwards (a part moved may leave one short). A part for a member who plays another gig then is
    refused, naming it (answers.playing_elsewhere_check). Raises BookingPermissionError, BookingConflict."""
    now = now or timezone.now()
    with transaction.atomic():
        if section is not None:
            # A part is a place that plays: the band's lock, then the player's, before the check below.
            Band.objects.select_for_update().filter(pk=place.booking.band_id).first()
            locks.people_lock([place.member_id])
        place = (
            GigAnswer.objects.select_for_update(of=("self",))
            .select_related("booking__band", "booking__block", "member")
            .get(pk=place.pk)
        )
        booking = place.booking
        if not Membership.objects.filter(band_id=booking.band_id, user_id=by.pk, role__in=MANAGING_ROLES).exists():
            raise BookingPermissionError(_("Only the band's leaders and admins give the parts of a gig."))
        if section is not None and section.band_id != booking.band_id:
            raise BookingPermissionError(_("Choose one of the band's own sections."))
        if not _is_open(booking, now):
            raise BookingConflict(_("This gig is over or cancelled: its parts stay as they were."))
        new = section.pk if section is not None else None
        if new is not None and place.part_id != new and not place.stand_in_id:
            playing_elsewhere_check(booking=booking, member=place.member, by=by)
        if place.part_id != new:
            place.part_id = new
            place.save(update_fields=["part", "updated_at"])
            gig_shortfalls_check(booking=booking, by=by, now=now)
    return place


def gig_shortfalls_check(*, booking: Booking, by: User | None = None, now: dt.datetime | None = None) -> list[int]:
    """Mark the gig's sections that fell short since the last check – and its players in all, when they fell
    below the band's total – and tell, once each, the band's leaders and the section's players (for the
    total, the leaders), never `by`, who knows; forget those covered again. Call inside the caller's
    transaction. Returns the pks of the sections newly short (None for the total)."""
    now = now or timezone.now()
    lineup = booking.band.lineup or {}
    if not _is_open(booking, now) or not (lineup.get("sections") or lineup.get("total")):
        return []  # a band without sections or a total: nothing to read
    places = list(GigAnswer.objects.filter(booking_id=booking.pk).select_related("member"))
    if not places:
        return []  # the line-up is not open yet: nobody was asked
    counted = gig_sections(booking=booking, places=places)
    total = counted.total_count if counted is not None else gig_total(booking=booking, places=places)
    short: dict[int | None, SectionCount | TotalCount] = (
        {row.section_id: row for row in counted.short} if counted else {}
    )
    if total is not None and total.state == SHORT:
        short[None] = total
    known = set(SectionShort.objects.filter(booking_id=booking.pk).values_list("section_id", flat=True))
    gone = known - set(short)
    if gone:
        covered = SectionShort.objects.filter(booking_id=booking.pk, section_id__in=[s for s in gone if s is not None])
        if None in gone:
            covered = covered | SectionShort.objects.filter(booking_id=booking.pk, section__isnull=True)
        covered.delete()
    told = []
    for section_id, row in short.items():
        if section_id in known:
            continue
        try:
            with transaction.atomic():
                mark = SectionShort.objects.create(booking_id=booking.pk, section_id=section_id, since=now)
        except IntegrityError:
            continue  # marked meanwhile by another check, which tells
        if isinstance(row, TotalCount):
            _tell_total_short(booking, row, mark, by=by)
        else:
            _tell_short(booking, row, mark, by=by)
        told.append(section_id)
    return told


def _leader_ids(band_id: int) -> list[int]:
    return list(Membership.objects.filter(band_id=band_id, role__in=MANAGING_ROLES).values_list("user_id", flat=True))


def _tell_total_short(booking: Booking, total: TotalCount, mark: SectionShort, *, by: User | None) -> None:
    band = booking.band
    notifications_create(
        recipients=list(User.objects.filter(pk__in=_leader_ids(band.pk))),
        kind="section_short",
        text=lazy_text(
            gettext_lazy(
                "Too few players for %(band)s, {when}: %(have)s can play, the band needs at least %(need)s. Ask a "
                "stand-in?"
            ),
            band=band.name,
            have=total.could,
            need=total.need,
        ),
        link=reverse("gigs:gig", args=[booking.uid]),
        key=f"section-short:{mark.pk}",
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


def _tell_short(booking: Booking, row: SectionCount, mark: SectionShort, *, by: User | None) -> None:
    band = booking.band
    people = {*_leader_ids(band.pk), *section_players(band=band, section_id=row.section_id)}
    notifications_create(
        recipients=list(User.objects.filter(pk__in=people)),
        kind="section_short",
        text=lazy_text(
            gettext_lazy(
                "%(section)s is short for %(band)s, {when}: %(have)s of %(need)s can play. Can you help, or ask a "
                "stand-in?"
            ),
            section=row.name,
            band=band.name,
            have=row.could,
            need=row.need,
        ),
        link=reverse("gigs:gig", args=[booking.uid]),
        key=f"section-short:{mark.pk}",
        actor=by,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


def gig_shortfalls_round(*, now: dt.datetime | None = None) -> int:
    """The hourly round: check the sections (and total) of the booked gigs ahead of every band with a line-up, for what
    changed in the band itself (a member left, a member's sections changed). Returns how many sections it
    found newly short."""
    now = now or timezone.now()
    gigs = (
        Booking.objects.filter(
            # A band with a line-up keeps "sections" in its snapshot (bands.sections), with a total or not.
            status__in=OPEN_STATUSES,
            ends_at__gt=now,
            starts_at__lt=now + ROUND_AHEAD,
            band__lineup__has_key="sections",
        )
        .select_related("band")
        .order_by("starts_at", "pk")[:ROUND_LIMIT]
    )
    told = 0
    for booking in gigs:
        with transaction.atomic():
            told += len(gig_shortfalls_check(booking=booking, now=now))
    return told
