"""A booking's message thread: its two sides write to each other in plain text.

Who is in it: every member of the band (any role, not only the ones who answer), and the venue's
staff for a slot booking or the client for a private request. Nobody else reads or writes, staff
included. Writing is open in every status, also after the gig (for the follow-ups).

The messages of one booking are written one at a time (the booking row is locked while one is
added), so their ids grow in the order they commit: "the messages after id N" (the page's poll) and
"read up to id N" (ThreadRead) never skip a message that committed late.
"""

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.ratelimit import LimitReached
from accounts.services import WHEN, lazy_text, notifications_create
from core.caching.stamps import stamp_bump

from ..errors import BookingPermissionError
from ..models import Booking, Message, ThreadRead
from ..selectors.threads import thread_participants, thread_side, thread_stamp_key, thread_standing
from . import checks
from .notices import link_of

FLOOD_LIMIT = 20
FLOOD_WINDOW = dt.timedelta(minutes=10)
SNIPPET_LENGTH = 80
# The same text from the same person this recently is the message already sent.
REPEAT_WINDOW = dt.timedelta(minutes=2)


# ---- Who is in it -------------------------------------------------------------------------


# ---- Writing ------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    """Line breaks as "\\n" (a browser sends "\\r\\n", which its own maxlength counts once), ends trimmed."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ValidationError(_("Write a message first."), code="empty")
    if len(body) > Message.MAX_LENGTH:
        raise ValidationError(
            ngettext(
                "A message can be at most %(limit)d character long; this one has %(count)d. "
                "Shorten it or send it in two parts.",
                "A message can be at most %(limit)d characters long; this one has %(count)d. "
                "Shorten it or send it in two parts.",
                Message.MAX_LENGTH,
            )
            % {"limit": Message.MAX_LENGTH, "count": len(body)},
            code="too_long",
        )
    return body


def _gig_words(booking: Booking) -> Promise:
    """ "the gig at Kellerbar on {when}", "the wedding at Gut Kleinow on {when}": the %(gig)s of a
    message's notification, read in each recipient's language."""
    if booking.venue_id:
        # Translators: the end of "Sam wrote about %(gig)s: …"; %(venue)s is the venue, %(when)s the gig's times.
        return lazy_text(gettext_lazy("the gig at %(venue)s on %(when)s"), venue=booking.venue.name, when=WHEN)
    event, place = booking.event_type.lower(), booking.location
    if event and place:
        # Translators: the end of "Sam wrote about %(gig)s: …"; %(event)s is the kind of event the client
        # typed (e.g. "wedding").
        return lazy_text(gettext_lazy("the %(event)s at %(place)s on %(when)s"), event=event, place=place, when=WHEN)
    if event:
        return lazy_text(gettext_lazy("the %(event)s on %(when)s"), event=event, when=WHEN)
    if place:
        return lazy_text(gettext_lazy("the private event at %(place)s on %(when)s"), place=place, when=WHEN)
    return lazy_text(gettext_lazy("the private event on %(when)s"), when=WHEN)


def _snippet(body: str) -> str:
    # One line, the first words; a literal "{when}" in it must stay text, not become the gig's time.
    text = Truncator(" ".join(body.split())).chars(SNIPPET_LENGTH)
    return text.replace("{when}", "(when)")


def message_post(*, booking: Booking, by: User, body: str) -> Message:
    """Add a message by `by` to the booking's thread, mark the thread read up to it for them, and
    notify every other participant (kind "message", once per message and person).

    Allowed in any status, unless one side blocked the other (checks.contact_check: ContactRefused, nothing
    saved; a booked gig stays booked). Raises ValidationError for an empty or too long text, LimitReached when `by`
    sent FLOOD_LIMIT messages to this thread within FLOOD_WINDOW (nothing is saved); raises
    BookingPermissionError when `by` is not in the thread. The same text by `by` again within
    REPEAT_WINDOW returns the message already sent (no second message, no second notice).
    """
    in_band, in_venue = thread_standing(booking, by)
    if booking.client_id != by.pk and not (in_band or in_venue):
        raise BookingPermissionError(_("Only the people of a booking write in its thread."))
    side = thread_side(booking, user_id=by.pk, in_band=in_band, in_venue=in_venue)
    body = _clean_body(body)
    checks.booking_contact_check(booking=booking, band_side_asks=side.key == "band")
    with transaction.atomic():
        # One writer per thread at a time: ids in commit order (see the module docstring), exact flood count.
        list(Booking.objects.select_for_update(no_key=True).filter(pk=booking.pk).values_list("pk", flat=True))
        now = timezone.now()
        # Theirs within the flood window (at most FLOOD_LIMIT rows): one query for both checks.
        recent = list(
            Message.objects.filter(booking_id=booking.pk, author_id=by.pk, created_at__gte=now - FLOOD_WINDOW)
        )
        # The same text again at once (a double click, a resent form): the message already there.
        for same in reversed(recent):
            if same.body == body and same.created_at >= now - REPEAT_WINDOW:
                return same
        if len(recent) >= FLOOD_LIMIT:
            minutes = int(FLOOD_WINDOW.total_seconds() // 60)
            # The next one may go when the oldest of the window's messages leaves it.
            oldest = min(message.created_at for message in recent)
            raise LimitReached(
                ngettext(
                    "You sent %(count)d message in this thread in the last %(minutes)d minutes. "
                    "Wait a few minutes before you send the next one.",
                    "You sent %(count)d messages in this thread in the last %(minutes)d minutes. "
                    "Wait a few minutes before you send the next one.",
                    FLOOD_LIMIT,
                )
                % {"count": FLOOD_LIMIT, "minutes": minutes},
                retry_after=math.ceil((oldest + FLOOD_WINDOW - now).total_seconds()),
            )
        message = Message.objects.create(booking=booking, author=by, body=body)
        stamp_bump(thread_stamp_key(booking.uid))  # the open threads' polls fetch it
        thread_mark_read(booking=booking, user=by, up_to_id=message.pk)
        if side.key and side.name:
            # The writer by reference, drawn when read (docs/decisions/0131).
            who = lazy_text("%(name)s (%(side)s)", name=by.name, side=side.name)
        elif side.key:
            # Translators: the writer of a message in a booking's thread, who is the client.
            who = lazy_text(gettext_lazy("%(name)s (client)"), name=by.name)
        else:
            who = by.name
        notifications_create(
            recipients=thread_participants(booking),
            kind="message",
            text=lazy_text(
                # Translators: a new message in a booking's thread; %(message)s is its first words.
                gettext_lazy("%(who)s wrote about %(gig)s: “%(message)s”"),
                who=who,
                gig=_gig_words(booking),
                message=_snippet(body),
            ),
            link=f"{link_of(booking)}#thread",
            key=f"message:{message.pk}",
            actor=by,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            reply_thread=booking.pk,  # a reply to the email comes back here (services/mail_replies.py)
        )
    return message


# ---- Reading ------------------------------------------------------------------------------


def thread_mark_read(*, booking: Booking, user: User, up_to_id: int) -> None:
    """Remember that `user` has read the thread up to message `up_to_id`. Never moves backwards:
    a later mark with a smaller id (an older tab's poll) changes nothing."""
    if up_to_id <= 0:
        return
    ahead = ThreadRead.objects.filter(booking_id=booking.pk, user_id=user.pk, last_read_id__lt=up_to_id)
    if ahead.update(last_read_id=up_to_id, read_at=timezone.now()):
        return
    # No row yet, or one that is ahead already. A row made meanwhile by another request with an older
    # mark keeps the insert from happening; the second update then moves it on.
    ThreadRead.objects.bulk_create(
        [ThreadRead(booking_id=booking.pk, user_id=user.pk, last_read_id=up_to_id)], ignore_conflicts=True
    )
    ahead.update(last_read_id=up_to_id, read_at=timezone.now())
