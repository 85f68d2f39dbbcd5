"""Writes of a venue's slots beyond one booking: calling a slot off, and offering it by email to a band
not on StageSlot (the link, claiming it, withdrawing it). Creating and editing slots is venues.services."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from accounts.blocks import email_side
from accounts.mail.headers import address_mail_headers
from accounts.mail.suppression import mail_suppressed
from accounts.models import User
from accounts.services import email_queue, language_for_email, lazy_text
from bands.models import ApprovalStatus, Band
from bands.selectors import band_managers
from core.fields.timezones import when_text
from venues.models import Slot

from ..errors import BookingConflict, BookingError, BookingPermissionError, ContactRefused
from ..models import Booking, OfferInvite
from ..selectors.blocks import side_parties
from ..selectors.bookings import can_manage_band, is_venue_staff, venue_team
from .asking import booking_create
from .checks import contact_check, message_check, slot_booking_check, slot_place_check, start_check
from .ending import booking_transition, slot_place_free
from .locks import band_slot_lock
from .notices import booking_notify, booking_people, booking_summary
from .webhooks import show_event_emit

Status = Booking.Status
Kind = Booking.Kind
Role = Booking.Role


OFFER_INVITE_DAYS = 14
# The same offer by email this recently is the invite already sent.
REPEAT_WINDOW = timedelta(minutes=10)


# What the bands of a cancelled slot read, by (a band's own show?, was the band booked on it?).
SLOT_CANCELLED = {
    (False, True): gettext_lazy(
        "%(canceller)s cancelled the slot %(band)s was booked for: %(gig)s. Reason: %(reason)s"
    ),
    (False, False): gettext_lazy(
        "%(canceller)s cancelled the slot %(band)s was waiting for: %(gig)s. Reason: %(reason)s"
    ),
    (True, True): gettext_lazy("%(canceller)s cancelled the show %(band)s was booked for: %(gig)s. Reason: %(reason)s"),
    (True, False): gettext_lazy(
        "%(canceller)s cancelled the show %(band)s was waiting for: %(gig)s. Reason: %(reason)s"
    ),
}


def slot_cancel(*, slot: Slot, by: User, reason: str, now=None) -> Slot:
    """Call off a slot: every pending booking on it is declined and every booked act cancelled,
    each with the reason and a notification. Venue staff only (a show a band hosts: its leaders and
    admins); a reason is required.

    Locks the bands of its bookings (in id order), then the slot, then the bookings.
    """
    now = now or timezone.now()
    reason = reason.strip()[:300]
    if slot.is_hosted:
        if not can_manage_band(slot.host_band_id, by):
            raise BookingPermissionError(_("Only the leaders and admins of the band hosting this show can cancel it."))
    elif not is_venue_staff(slot.venue_id, by):
        raise BookingPermissionError(_("Only this venue's staff can cancel its slots."))
    if not reason:
        raise ValidationError({"reason": [_("Say why the slot is cancelled; the bands will read it.")]})
    with transaction.atomic():
        band_ids = sorted(
            set(Booking.objects.filter(slot_id=slot.pk, status__in=Booking.LIVE).values_list("band_id", flat=True))
        )
        list(Band.objects.select_for_update().filter(pk__in=band_ids).order_by("pk").values_list("pk", flat=True))
        slot = Slot.objects.select_for_update(of=("self",)).select_related("venue", "host_band").get(pk=slot.pk)
        if slot.is_cancelled:
            raise BookingConflict(_("This slot is already cancelled."))
        if slot.ends_at <= now:
            raise BookingError(_("This slot is over, so it can no longer be cancelled."))
        canceller = slot.host_band.name if slot.is_hosted else slot.venue.name
        what = "show" if slot.is_hosted else "slot"
        note = f"{'The host' if slot.is_hosted else 'The venue'} cancelled the {what}: {reason}"
        live = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("band", "venue")
            .filter(slot_id=slot.pk, status__in=Booking.LIVE)
            .order_by("pk")
        )
        on_bill = []
        for booking in live:
            if booking.status == Status.BOOKED:
                on_bill.append(booking)
                booking_transition(booking, Status.CANCELLED, actor=by, note=note, now=now)
                slot_place_free(booking, None)
                people = booking_people(booking)
            else:
                booking_transition(booking, Status.DECLINED, actor=by, note=note, now=now)
                people = band_managers(booking.band_id)
            booking_notify(
                booking,
                people,
                lazy_text(
                    SLOT_CANCELLED[slot.is_hosted, booking.status == Status.CANCELLED],
                    canceller=canceller,
                    band=booking.band.name,
                    gig=booking_summary(booking),
                    reason=reason,
                ),
                actor=by,
                event="slot_cancelled",
            )
        Slot.objects.filter(pk=slot.pk).update(
            cancelled_at=now, cancel_reason=reason, headliner_booked=0, supports_booked=0, sequence=F("sequence") + 1
        )
        OfferInvite.objects.filter(slot_id=slot.pk, claimed_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        slot.refresh_from_db()
        show_event_emit(event="show.cancelled", slot=slot, bookings=on_bill)
    return slot


def offer_invite_create(
    *,
    slot: Slot,
    by: User,
    email: str,
    band_name: str = "",
    role: str,
    fee: int | None = None,
    message: str = "",
    site_url: str,
    now=None,
) -> OfferInvite:
    """Offer a slot by email to a band that is not on StageSlot. The link works for OFFER_INVITE_DAYS
    days and once; whoever opens it signs up, creates their band and finds the offer waiting. The
    same offer to the same address within REPEAT_WINDOW is the invite already sent (no second mail). An
    address whose account and the venue's side blocked one another is refused on `email` in the one contact
    check's words (checks.contact_check): nothing is written or sent."""
    now = now or timezone.now()
    if not is_venue_staff(slot.venue_id, by):
        raise BookingPermissionError(_("Only this venue's staff can offer its slots."))
    errors: dict[str, list[str]] = {}
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter the band's email address, e.g. booking@band.example.")]
    if fee is not None and fee < 0:
        errors["fee"] = [_("A fee cannot be negative.")]
    if role not in Role.values:
        errors["role"] = [_("Choose headliner or support.")]
    band_name = band_name.strip()
    if len(band_name) > OfferInvite._meta.get_field("band_name").max_length:
        errors["band_name"] = [_("That band name is too long.")]
    if errors:
        raise ValidationError(errors)
    message = message_check(message)
    try:
        contact_check(
            asking=side_parties(venue_ids=[slot.venue_id], user_ids=[by.pk]), asked=email_side(email), name=email
        )
    except ContactRefused as exc:
        raise ValidationError({"email": [str(exc)]}) from None
    with transaction.atomic():
        slot = Slot.objects.select_for_update(of=("self",)).select_related("venue").get(pk=slot.pk)
        if slot.is_cancelled:
            raise BookingConflict(_("The venue cancelled this slot."))
        start_check(slot.starts_at, now, "slot")
        if slot.venue.status != ApprovalStatus.APPROVED:
            raise BookingError(
                _("%(venue)s is not taking bookings on StageSlot right now.") % {"venue": slot.venue.name}
            )
        slot_place_check(slot, role)
        # The same offer to the same address again at once (a resent form): the one already sent.
        same = OfferInvite.objects.filter(
            slot=slot,
            email__iexact=email,
            role=role,
            fee=fee if fee is not None else slot.fee,
            message=message,
            created_by=by,
            claimed_at=None,
            revoked_at=None,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        ).first()
        if same is not None:
            return same
        invite = OfferInvite.objects.create(
            slot=slot,
            email=email,
            band_name=band_name,
            role=role,
            fee=fee if fee is not None else slot.fee,
            message=message,
            created_by=by,
            expires_at=now + timedelta(days=OFFER_INVITE_DAYS),
        )
        link = f"{site_url.rstrip('/')}/offers/{invite.token}/"
        zone = slot.zone
        context = {
            "invite": invite,
            "slot": slot,
            "venue": slot.venue,
            "inviter": by,
            "link": link,
            "zone": zone.key,
            "privacy_url": f"{site_url.rstrip('/')}{reverse('privacy_notice')}",
        }
        # In the language of the account with that address, if there is one; else the site's.
        with translation.override(language_for_email(invite.email)):
            context["when"] = when_text(slot.starts_at, slot.ends_at, zone)
            context["expires"] = date_format(timezone.localtime(invite.expires_at, zone), "MOMENT_LONG_FORMAT")
            message_ = EmailMultiAlternatives(
                subject=gettext("%(venue)s offers you a gig on StageSlot") % {"venue": slot.venue.name},
                body=render_to_string("bookings/email/offer_invite.txt", context),
                to=[invite.email],
                headers=address_mail_headers(email=invite.email),
            )
            message_.attach_alternative(render_to_string("bookings/email/offer_invite.html", context), "text/html")
        if not mail_suppressed(email=invite.email):
            email_queue(message=message_)
    return invite


def offer_invite_state(invite: OfferInvite, *, now=None) -> str:
    """ "open", "claimed", "revoked" or "expired"."""
    now = now or timezone.now()
    if invite.claimed_at:
        return "claimed"
    if invite.revoked_at:
        return "revoked"
    if invite.expires_at <= now:
        return "expired"
    return "open"


def offer_invite_claim(*, invite: OfferInvite, band: Band, by: User, now=None) -> Booking:
    """Turn an emailed offer into a pending OFFER for `band` (which `by` leads or administers).

    Single use: the invite row is locked and marked claimed in the same transaction. A band still
    waiting for approval may claim it (it has just been created for this offer); a suspended one not.
    """
    now = now or timezone.now()
    if not can_manage_band(band.pk, by):
        raise BookingPermissionError(
            _("Only the leaders and admins of %(band)s can take an offer for it.") % {"band": band.name}
        )
    with transaction.atomic():
        # Band, slot, then the invite: slot_cancel holds the slot while it revokes the invites.
        band, slot = band_slot_lock(band.pk, invite.slot_id)
        invite = OfferInvite.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=invite.pk)
        state = offer_invite_state(invite, now=now)
        if state != "open":
            raise BookingConflict(
                {
                    "claimed": _("This offer has already been taken."),
                    "revoked": _("The venue withdrew this offer."),
                    "expired": _("This offer has expired. Ask the venue to send it again."),
                }[state]
            )
        slot_booking_check(slot=slot, band=band, role=invite.role, now=now, new_band_ok=True, by=by)
        booking = booking_create(
            Booking(
                kind=Kind.OFFER,
                role=invite.role,
                band=band,
                slot=slot,
                venue=slot.venue,
                requested_by=invite.created_by,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                time_zone=slot.venue.time_zone,
                fee=invite.fee,
                currency=slot.currency,
                message=invite.message,
            ),
            actor=by,
            # Not the address: the history keeps no person's email (docs/decisions/0131); `by` is its actor.
            note=_("Offered by email"),
        )
        invite.claimed_at = now
        invite.booking = booking
        invite.save(update_fields=["claimed_at", "booking"])
        booking_notify(
            booking,
            venue_team(slot.venue_id),
            lazy_text(
                gettext_lazy("%(band)s joined StageSlot and has your offer to %(gig)s waiting for their answer."),
                band=band.name,
                gig=booking_summary(booking),
            ),
            actor=by,
            event="invite_claimed",
        )
    return booking


def offer_invite_revoke(*, invite: OfferInvite, by: User, now=None) -> OfferInvite:
    """Withdraw an emailed offer so its link stops working. Venue staff only.

    Revoking twice keeps the first time. Raises BookingConflict once the offer was taken (the band
    has a pending offer then: withdraw that instead).
    """
    now = now or timezone.now()
    if not is_venue_staff(invite.slot.venue_id, by):
        raise BookingPermissionError(_("Only this venue's staff can withdraw its offers."))
    with transaction.atomic():
        Slot.objects.select_for_update(of=("self",)).filter(pk=invite.slot_id).first()
        invite = OfferInvite.objects.select_for_update().get(pk=invite.pk)
        if invite.claimed_at:
            raise BookingConflict(_("The band has taken this offer already; withdraw their pending offer instead."))
        if invite.revoked_at is None:
            invite.revoked_at = now
            invite.save(update_fields=["revoked_at"])
    return invite
