"""A reply to a thread email becomes a message in that booking's thread (docs/decisions/0080).

The inbound webhook stored the email (accounts.mail.inbound) and queued mail_reply_apply by name. Here it
is checked and posted through the thread's own message_post, so who may write, the length and the flood
limit are the web's. Each refusal is answered with a bounce that says why, and nothing is posted:

- an address that is not one of ours, altered, or sent before its person changed their address;
- a sender other than the person the address names (their login or a verified address of theirs);
- a sender the mail service did not verify (InboundMail.sender_verified: SPF, DKIM or DMARC passed for the
  From address's domain): a From address is only words anyone can write. Such a refusal is never answered;
- a thread that is closed: its person no longer takes part, or the gig ended REPLY_WINDOW ago;
- a reply with nothing of its own once quoted text and signature are cut, or one too long;
- a reply between two sides one of which blocked the other (the thread's contact check, decision 0081).

Its attachments become files of the booking under the limits of an upload; those that cannot (a type we do
not take, too large, the booking full) are left out and the sender told which and why.

An automatic message (an out-of-office, a bounce) is refused without an answer, so two machines never
answer each other.
"""

import datetime as dt

from anymail.inbound import AnymailInboundMessage
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.links import LinkPerson, is_named_person
from accounts.mail.inbound import inbound_is_automatic, mail_inbound_applied, mail_inbound_refuse
from accounts.mail.replies import reply_text
from accounts.mail.tokens import BadReplyAddress, reply_address_read
from accounts.models import InboundMail
from accounts.ratelimit import LimitReached

from ..errors import BookingError, BookingPermissionError, ContactRefused
from ..models import Booking, BookingFile
from ..selectors.bookings import side_of
from ..selectors.threads import thread_can_read
from .checks import booking_contact_check
from .files import booking_file_add
from .threads import message_post

# How long after a gig's end a reply by email still reaches its thread.
REPLY_WINDOW = dt.timedelta(days=90)


def mail_reply_apply(*, inbound_id: int) -> str:
    """Post the reply stored as InboundMail `inbound_id` to its thread, or refuse it with a bounce that says
    why. Once: a row already handled (a task run twice) is left alone. Returns "posted", "refused" or ""."""
    with transaction.atomic():
        inbound = (
            InboundMail.objects.select_for_update().filter(pk=inbound_id, state=InboundMail.State.RECEIVED).first()
        )
        if inbound is None:
            return ""
        message = AnymailInboundMessage.parse_raw_mime_bytes(bytes(inbound.raw))
        automatic = inbound_is_automatic(message)

        def refuse(reason) -> str:
            mail_inbound_refuse(inbound=inbound, reason=reason, automatic=automatic)
            return "refused"

        try:
            target = reply_address_read(inbound.recipient)
        except BadReplyAddress:
            return refuse(
                _(
                    "The address you replied to is not valid: it was changed, or it was sent before the "
                    "account's email address changed."
                )
            )
        booking = Booking.objects.select_related("slot", "venue").filter(pk=target.thread_id).first()
        if booking is None:
            return refuse(_("The booking this reply was for does not exist."))
        if not is_named_person(user=target.user, person=LinkPerson(name="", email=inbound.sender)):
            return refuse(
                _(
                    "It came from another address than the one the notification was sent to. Reply from that "
                    "address, or write on the booking's page."
                )
            )
        if not inbound.sender_verified:
            # Anyone can write a member's address in From: only the mail service's verdict (SPF, DKIM or DMARC
            # passed for its domain) says the member sent it. Kept refused, never answered (_may_answer).
            return refuse(
                _(
                    "The mail service could not verify that it came from the address it names, so it was not "
                    "posted. Write on the booking's page."
                )
            )
        if automatic:
            return refuse(_("It is an automatic reply."))
        if booking.ends_at < timezone.now() - REPLY_WINDOW:
            return refuse(_("This booking's thread is closed to replies by email: its gig ended long ago."))
        body = reply_text(message.text or "", message.html or "")
        attachments = list(message.attachments)
        if not body and not attachments:
            return refuse(_("Nothing was left of it once the quoted message and signature were cut."))
        try:
            if body:
                message_post(booking=booking, by=target.user, body=body)
            elif not thread_can_read(booking=booking, user=target.user):
                raise BookingPermissionError("")
            else:
                booking_contact_check(booking=booking, band_side_asks=side_of(booking, target.user) == "band")
        except ContactRefused as exc:
            return refuse(str(exc))
        except BookingPermissionError:
            return refuse(_("This booking's thread is closed to you: you no longer take part in it."))
        except (ValidationError, LimitReached) as exc:
            return refuse(_words(exc))
        left_out = _files_add(booking=booking, by=target.user, attachments=attachments)
        mail_inbound_applied(inbound=inbound, left_out=left_out)
    return "posted"


def _words(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def _files_add(*, booking: Booking, by, attachments: list) -> list[tuple[str, str]]:
    """Each attachment as a file of the booking, under the limits of an upload (type, size, files per
    booking: booking_file_add). Returns those left out, with why."""
    left_out = []
    for attachment in attachments:
        name = (attachment.get_filename() or "attachment")[-200:]
        upload = SimpleUploadedFile(name, attachment.get_content_bytes() or b"")
        try:
            booking_file_add(booking=booking, by=by, upload=upload, title=name[:120], kind=BookingFile.Kind.OTHER)
        except (ValidationError, BookingError) as exc:
            left_out.append((name, _words(exc)))
    return left_out
