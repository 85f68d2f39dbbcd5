"""Stand-ins: a band's pool of musicians who can take a member's place, and asking several of them at once
for one place at one gig, where the first yes takes it.

Every reply locks the place (the member's GigAnswer row) before it looks, so thirty stand-ins answering at
once queue on one row and exactly one fills it; the partial unique index "one filled request per place"
is the last line (decision 0038). A yes of a stand-in with an account takes their time: it first takes the
gig's locks with the stand-in among the people locked (bookings.services.locks, band → slot → people →
booking, then the place), refuses a stand-in who plays another gig then, and makes them busy for the gig
(BandBlock.guests), so two bands never book one person twice at once (decision 0072).
"""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.blocks import Side, email_side, user_party
from accounts.mail.headers import address_mail_headers
from accounts.mail.suppression import mail_suppressed
from accounts.models import User
from accounts.services import email_queue, lazy_text, notifications_create
from bands.models import Band, Membership
from bands.services import band_contact_check, band_gig_guest_add
from bookings.errors import BookingConflict, BookingPermissionError, ContactRefused
from bookings.models import Booking, Webhook
from bookings.selectors.blocks import side_parties
from bookings.services import checks, locks
from bookings.services.webhooks import webhook_events_emit
from core.fields.timezones import when_text
from core.web.site import site_url
from payments.services.splits import member_split_stand_in

from ..models import Answer, GigAnswer, StandIn, StandInAsk, StandInRequest
from .answers import MANAGING_ROLES, OPEN_STATUSES, gig_lineup_refresh

Reply = StandInAsk.Reply
# The answers that leave a place to fill.
NEEDS_STAND_IN = (Answer.CANT, Answer.PROBABLY_NOT)
MOST_ASKED = 30


class PlaceFilled(BookingConflict):
    """Another stand-in said yes first: the place is taken."""


def _leads(band_id: int, user: User) -> bool:
    return Membership.objects.filter(band_id=band_id, user_id=user.pk, role__in=MANAGING_ROLES).exists()


def _must_lead(band_id: int, user: User) -> None:
    if not _leads(band_id, user):
        raise BookingPermissionError(_("Only the band's leaders and admins manage its stand-ins."))


# ---- The pool -----------------------------------------------------------------------------------------


def stand_in_add(*, band: Band, by: User, name: str, email: str, instrument: str, notes: str = "") -> StandIn:
    """Add a musician to the band's pool for an instrument (an account with that email is linked, so they
    see their gigs when signed in). Raises BookingPermissionError (not a leader or admin), ValidationError
    (a missing name, instrument or valid email; the same email already in the pool for that instrument; on
    `email`, the account of that address and the band's side blocked one another: bands.services.
    band_contact_check, the one contact check, and nothing is written)."""
    _must_lead(band.pk, by)
    name, instrument, notes = name.strip(), instrument.strip(), notes.strip()
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the musician's name.")]
    if not instrument:
        errors["instrument"] = [_("Say which instrument they would play.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Give an email address we can ask them at.")]
    if errors:
        raise ValidationError(errors)
    band_contact_check(band_id=band.pk, by=by, email=email)
    existing = StandIn.objects.filter(band=band, email=email, instrument__iexact=instrument).first()
    if existing is not None and existing.archived_at is None:
        raise ValidationError({"email": [_("This musician is already in the pool for this instrument.")]})
    user = User.objects.filter(email__iexact=email).first()
    if existing is not None:  # removed before: back in the pool
        existing.name, existing.notes, existing.user, existing.archived_at = name, notes, user, None
        existing.save(update_fields=["name", "notes", "user", "archived_at"])
        return existing
    return StandIn.objects.create(
        band=band, name=name[:120], email=email, instrument=instrument[:60], notes=notes[:300], user=user, created_by=by
    )


def stand_in_remove(*, stand_in: StandIn, by: User) -> StandIn:
    """Take a musician out of the pool (the places they took stay theirs)."""
    _must_lead(stand_in.band_id, by)
    if stand_in.archived_at is None:
        stand_in.archived_at = timezone.now()
        stand_in.save(update_fields=["archived_at"])
    return stand_in


# ---- Asking for a place ----------------------------------------------------------------------------------


def stand_in_request_create(
    *, place: GigAnswer, by: User, stand_ins: Iterable[StandIn], message: str = "", now: dt.datetime | None = None
) -> StandInRequest:
    """Ask one or several stand-ins of the band's pool at once to take a member's place at a gig: each gets
    their own link (by email; in the app too when they have an account). Only for a place whose member can't
    (or probably can't) play, not filled yet, at a gig ahead. Raises BookingPermissionError (not a leader or
    admin), BookingConflict (the gig is over or cancelled; the place is filled; the member can play),
    ValidationError (no stand-in chosen, one not in the band's pool, more than 30, a message too long),
    ContactRefused (a stand-in asked and the band's side blocked one another: the one contact check, naming
    that stand-in; nobody is asked, nothing is written)."""
    now = now or timezone.now()
    booking = place.booking
    _must_lead(booking.band_id, by)
    chosen = {s.pk: s for s in stand_ins}
    message = (message or "").strip()
    if not chosen:
        raise ValidationError({"stand_ins": [_("Choose at least one stand-in to ask.")]})
    if len(chosen) > MOST_ASKED:
        raise ValidationError({"stand_ins": [_("Ask at most 30 stand-ins at once.")]})
    if len(message) > 500:
        raise ValidationError({"message": [_("Keep the message to 500 characters.")]})
    pool = set(
        StandIn.objects.filter(band_id=booking.band_id, archived_at__isnull=True, pk__in=chosen).values_list(
            "pk", flat=True
        )
    )
    if pool != set(chosen):
        raise ValidationError({"stand_ins": [_("Only the band's own stand-ins can be asked.")]})
    _asked_contact_check(band_id=booking.band_id, by=by, stand_ins=list(chosen.values()))
    with transaction.atomic():
        place = (
            GigAnswer.objects.select_for_update(of=("self",)).select_related("booking__band", "member").get(pk=place.pk)
        )
        booking = place.booking
        if booking.status not in OPEN_STATUSES or booking.ends_at <= now:
            raise BookingConflict(_("This gig is over or cancelled: nobody can stand in any more."))
        if place.stand_in_id:
            raise PlaceFilled(_("This place is filled already."))
        if place.answer not in NEEDS_STAND_IN:
            raise BookingConflict(_("Stand-ins are asked only for a member who can't play."))
        request = StandInRequest.objects.create(place=place, booking=booking, message=message, created_by=by)
        asks = StandInAsk.objects.bulk_create(StandInAsk(request=request, stand_in_id=pk) for pk in sorted(chosen))
        asks = list(StandInAsk.objects.filter(request=request).select_related("stand_in__user"))
        for ask in asks:
            _ask_send(ask, booking, place, by=by)
        webhook_events_emit(
            event=Webhook.Event.RSVP_STAND_IN_ASKED,
            bookings=[booking],
            extra={"member": place.member_id, "instrument": place.instrument, "asked": len(asks)},
            band_only=True,
            now=now,
        )
    return request


def _stand_ins_side(stand_ins: list[StandIn]) -> Side:
    """The people behind stand-ins: their linked accounts and any account with their address (one made after
    they joined the pool), read inside blocked_between's query."""
    by_email = email_side(*(s.email for s in stand_ins))
    return Side(frozenset(user_party(s.user_id) for s in stand_ins if s.user_id), by_email.more)


def _asked_contact_check(*, band_id: int, by: User, stand_ins: list[StandIn]) -> None:
    """The one contact check (checks.contact_check) between the band's side with `by` and every stand-in asked:
    one query for all; only when it refuses, one more a stand-in to name the one in the way."""
    band_side = side_parties(band_ids=[band_id], user_ids=[by.pk])
    try:
        checks.contact_check(asking=band_side, asked=_stand_ins_side(stand_ins), name="")
    except ContactRefused:
        for stand_in in sorted(stand_ins, key=lambda s: (s.name, s.pk)):
            checks.contact_check(asking=band_side, asked=_stand_ins_side([stand_in]), name=stand_in.name)
        raise


def ask_url(ask: StandInAsk) -> str:
    return reverse("gigs:stand_in_ask", args=[ask.token])


def _where(booking: Booking) -> str:
    if booking.venue_id:
        return booking.venue.name
    if booking.slot_id and booking.slot.place_venue_id:
        return booking.slot.place_venue.name
    if booking.slot_id and booking.slot.place_name:
        return booking.slot.place_name
    return booking.location


def _email(stand_in: StandIn, *, subject: str, template: str, context: dict, message_id: str) -> None:
    """An email to a stand-in without an account (in the site's language), queued after the commit; none to an
    address that unsubscribed or bounced. It carries a one-click unsubscribe, as notification mail does."""
    if mail_suppressed(email=stand_in.email):
        return
    body = render_to_string(f"gigs/stand_ins/email/{template}.txt", context)
    headers = {"Message-ID": f"<{message_id}@stageslot>", **address_mail_headers(email=stand_in.email)}
    message = EmailMultiAlternatives(subject=subject, body=body, to=[stand_in.email], headers=headers)
    message.attach_alternative(render_to_string(f"gigs/stand_ins/email/{template}.html", context), "text/html")
    email_queue(message=message)


def _ask_send(ask: StandInAsk, booking: Booking, place: GigAnswer, *, by: User) -> None:
    stand_in = ask.stand_in
    link = ask_url(ask)
    if stand_in.user_id:
        notifications_create(
            recipients=[stand_in.user],
            kind="stand_in_asked",
            text=lazy_text(
                gettext_lazy("%(band)s asks you to stand in on %(instrument)s, {when}. First yes takes the place."),
                band=booking.band.name,
                instrument=place.instrument or stand_in.instrument,
            ),
            link=link,
            key=f"stand-in-ask:{ask.pk}",
            actor=by,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
        )
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "band": booking.band.name,
            "name": stand_in.name,
            "instrument": place.instrument or stand_in.instrument,
            "when": when_text(booking.starts_at, booking.ends_at, booking.zone),
            "where": _where(booking),
            "message": ask.request.message,
            "link": site_url() + link,
            "asked_by": by.name,
        }
        subject = _("%(band)s asks you to stand in, %(when)s") % {"band": context["band"], "when": context["when"]}
        _email(stand_in, subject=subject, template="ask", context=context, message_id=f"stand-in-ask-{ask.pk}")


# ---- Replying --------------------------------------------------------------------------------------------


def stand_in_ask_reply(*, ask: StandInAsk, reply: str, now: dt.datetime | None = None) -> StandInAsk:
    """A stand-in's yes or no to an ask. A yes takes the place if it is still free, under the place's lock:
    the others asked for it are told it is filled, the leaders and the member that it is taken, and the
    line-up is covered again. A second yes of the winner changes nothing. Raises PlaceFilled (someone else
    said yes first: the ask is marked so), BookingConflict (the gig is over or cancelled, the request was
    withdrawn), ValidationError (a reply other than yes or no)."""
    now = now or timezone.now()
    if reply not in (Reply.YES, Reply.NO):
        raise ValidationError({"reply": [_("Answer yes or no.")]})
    with transaction.atomic():
        player = StandInAsk.objects.filter(pk=ask.pk).values_list("stand_in__user_id", flat=True).get()
        if reply == Reply.YES and player is not None:
            # A yes takes the stand-in's time: the gig's locks first, as every door that takes someone's time
            # (band, slot, its players and this stand-in, booking: bookings.services.locks), then the place.
            locks.booking_lock(Booking.objects.get(pk=ask.request.booking_id), also=[player])
        place = (
            GigAnswer.objects.select_for_update(of=("self",))
            .select_related("booking__band", "booking__block", "member")
            .get(pk=ask.request.place_id)
        )
        ask = StandInAsk.objects.select_related("request", "stand_in__user").get(pk=ask.pk)
        booking = place.booking
        if ask.reply == Reply.YES and place.stand_in_id == ask.stand_in_id:
            return ask  # the winner's second click
        if booking.status not in OPEN_STATUSES or booking.ends_at <= now:
            raise BookingConflict(_("This gig is over or cancelled: nobody needs to stand in any more."))
        if ask.request.closed_at is not None or ask.reply == Reply.CLOSED:
            raise BookingConflict(_("The band no longer needs a stand-in for this place."))
        if place.stand_in_id:
            if ask.reply == "":
                ask.reply, ask.replied_at = Reply.FILLED, now
                ask.save(update_fields=["reply", "replied_at"])
            raise PlaceFilled(_("Someone else took the place first. Thank you for answering!"))
        if reply == Reply.NO:
            ask.reply, ask.replied_at = Reply.NO, now
            ask.save(update_fields=["reply", "replied_at"])
            return ask
        if ask.stand_in.user_id:
            # Never two gigs at once: checked under the stand-in's lock, and their time is the gig's from now on.
            checks.stand_in_free_check(user_id=ask.stand_in.user_id, booking=booking, zone=booking.zone)
            if booking.block_id:
                band_gig_guest_add(block_id=booking.block_id, user_id=ask.stand_in.user_id)
        ask.reply, ask.replied_at = Reply.YES, now
        ask.save(update_fields=["reply", "replied_at"])
        request = ask.request
        request.filled_by, request.filled_at = ask.stand_in, now
        request.save(update_fields=["filled_by", "filled_at"])
        place.stand_in = ask.stand_in
        place.save(update_fields=["stand_in", "updated_at"])
        if ask.stand_in.user_id:  # a share of the fee needs an account to be paid to
            member_split_stand_in(booking=booking, member_id=place.member_id, stand_in_user_id=ask.stand_in.user_id)
        _tell_filled(booking, place, ask, now=now)
        gig_lineup_refresh(booking=booking)
    return ask


def _tell_filled(booking: Booking, place: GigAnswer, winner: StandInAsk, *, now: dt.datetime) -> None:
    others = list(
        StandInAsk.objects.filter(request__place=place, reply="").exclude(pk=winner.pk).select_related("stand_in__user")
    )
    StandInAsk.objects.filter(pk__in=[a.pk for a in others]).update(reply=Reply.FILLED, replied_at=now)
    for ask in others:
        if ask.stand_in.user_id:
            notifications_create(
                recipients=[ask.stand_in.user],
                kind="stand_in_filled",
                text=lazy_text(
                    gettext_lazy("The place at %(band)s, {when}, is filled. Thank you!"), band=booking.band.name
                ),
                link=ask_url(ask),
                key=f"stand-in-filled:{ask.pk}",
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
            )
        else:
            with translation.override(settings.LANGUAGE_CODE):
                context = {
                    "band": booking.band.name,
                    "name": ask.stand_in.name,
                    "when": when_text(booking.starts_at, booking.ends_at, booking.zone),
                }
                subject = _("The place at %(band)s is filled") % {"band": booking.band.name}
                _email(
                    ask.stand_in,
                    subject=subject,
                    template="filled",
                    context=context,
                    message_id=f"stand-in-filled-{ask.pk}",
                )
    leaders = [
        m.user
        for m in Membership.objects.filter(band_id=booking.band_id, role__in=MANAGING_ROLES).select_related("user")
    ]
    notifications_create(
        recipients=[*leaders, place.member],
        kind="stand_in_filled",
        text=lazy_text(
            gettext_lazy("%(stand_in)s stands in for %(member)s at %(band)s, {when}."),
            stand_in=winner.stand_in.name,
            member=place.member.name,
            band=booking.band.name,
        ),
        link=reverse("gigs:gig", args=[booking.uid]),
        key=f"stand-in-took:{place.pk}:{winner.pk}",
        actor=winner.stand_in.user if winner.stand_in.user_id else None,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
    )
    webhook_events_emit(
        event=Webhook.Event.RSVP_STAND_IN_FILLED,
        bookings=[booking],
        extra={"member": place.member_id, "instrument": place.instrument, "stand_in": winner.stand_in.name},
        band_only=True,
        now=now,
    )
