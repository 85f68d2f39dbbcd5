"""Joining a band and becoming required: doors that give a person places at gigs (decision 0094).

A person who joins a band (an invite accepted) or is made required in it gets a place in each of its gigs
ahead. Where one of those gigs overlaps another gig they play already (with another band, or as a
stand-in), the earlier commitment stands: they join, and they are marked out of the overlapping gig of the
band they join – their answer "can't", with why, and not required there – and they, the leaders of the band
they join and the leaders of the band whose gig they play are told. Nothing leaves a person shown as
playing two places at once.

Every such door takes the band's lock, then the person's (bookings.services.locks.people_lock, the order
every booking door keeps: band → people), and asks checks.person_gig_clash for each gig ahead, the
question a stand-in's yes asks too (gigs.services.stand_ins). A new door that writes a membership or a
gig's guests without it fails gigs/tests/test_joins.py, which finds the writers in every services module.
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import lazy_text, notifications_create
from bands.invites import invite_check_usable
from bands.models import Band, BandInvite, Membership
from bands.services import band_invite_accept, membership_update
from bookings.models import Booking
from bookings.services import checks, locks
from core.fields.timezones import when_text

from ..models import Answer, GigAnswer
from .answers import MANAGING_ROLES, OPEN_STATUSES, gig_lineup_refresh
from .playing import other_gig


def _leaders(band_id: int) -> list[User]:
    return [m.user for m in Membership.objects.filter(band_id=band_id, role__in=MANAGING_ROLES).select_related("user")]


def member_time_settle(*, band: Band, user: User, now: dt.datetime | None = None) -> list[Booking]:
    """Mark `user` out of every gig of `band` ahead that overlaps another gig they play (checks.person_gig_clash):
    their place's answer "can't" with the reason, not required there, and tell them, `band`'s leaders and the
    other gig's band's leaders. Call inside the door's transaction holding `band`'s lock and the person's
    (locks.people_lock). Returns the gigs they were marked out of (none: nothing changed)."""
    now = now or timezone.now()
    membership = Membership.objects.filter(band_id=band.pk, user_id=user.pk).first()
    if membership is None:
        return []
    gigs = Booking.objects.filter(band_id=band.pk, status__in=OPEN_STATUSES, ends_at__gt=now).select_related(
        "band", "block"
    )
    out = []
    for booking in gigs.order_by("starts_at"):
        clash = checks.person_gig_clash(user_id=user.pk, booking=booking)
        if clash is None:
            continue
        other = other_gig(clash.source_id)
        if other is not None and other.band_id == band.pk:
            continue  # the band's own gig next to this one: the band's line-up, not two places
        place, _created = GigAnswer.objects.get_or_create(
            booking_id=booking.pk,
            member_id=user.pk,
            defaults={"instrument": membership.instrument, "required": False},
        )
        if place.answer == Answer.CANT and not place.required:
            continue
        reason = _("Plays %(other)s then (%(when)s).") % {
            "other": other.band.name if other is not None else _("another gig"),
            "when": when_text(clash.starts_at, clash.ends_at, booking.zone),
        }
        place.answer, place.required, place.comment, place.answered_at = Answer.CANT, False, reason[:300], now
        place.save(update_fields=["answer", "required", "comment", "answered_at", "updated_at"])
        gig_lineup_refresh(booking=booking)
        _tell_out(booking=booking, user=user, other=other)
        out.append(booking)
    return out


def _tell_out(*, booking: Booking, user: User, other: Booking | None) -> None:
    leaders = _leaders(booking.band_id) + (_leaders(other.band_id) if other is not None else [])
    notifications_create(
        recipients=[user, *{p.pk: p for p in leaders}.values()],
        kind="rsvp_at_risk",
        text=lazy_text(
            gettext_lazy(
                "%(member)s plays %(other)s at the same time, so they are marked out of %(band)s, {when}: "
                "their earlier gig stands."
            ),
            member=user.name,
            other=other.band.name if other is not None else gettext_lazy("another gig"),
            band=booking.band.name,
        ),
        link=reverse("gigs:gig", args=[booking.uid]),
        key=f"two-places:{booking.pk}:{user.pk}",
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )


def band_invite_join(*, invite: BandInvite, user: User) -> tuple[Membership, list[Booking]]:
    """`user` joins the invite's band (bands.services.band_invite_accept) under the band's lock and their own,
    and is marked out of the band's gigs that overlap a gig they play already (member_time_settle). Returns
    the membership and those gigs. Raises InviteError as band_invite_accept does."""
    invite_check_usable(invite)
    with transaction.atomic():
        band = Band.objects.select_for_update().get(pk=invite.band_id)
        locks.people_lock([user.pk])
        membership = band_invite_accept(invite=invite, user=user)
        return membership, member_time_settle(band=band, user=user)


def band_member_change(
    *, membership: Membership, by: User, role: str, instrument: str, required: bool
) -> tuple[Membership, list[Booking]]:
    """Change a member's role, instrument and "required" (bands.services.membership_update) under the band's
    lock and the member's; a member made required is marked out of the band's gigs that overlap a gig they
    play already (member_time_settle). Returns the membership and those gigs. Raises what
    membership_update raises."""
    with transaction.atomic():
        band = Band.objects.select_for_update().get(pk=membership.band_id)
        locks.people_lock([membership.user_id])
        membership = membership_update(
            membership=membership, by=by, role=role, instrument=instrument, required=required
        )
        out = member_time_settle(band=band, user=membership.user) if membership.required else []
        return membership, out
