"""Writes of the accounts app."""

import datetime as dt
import hashlib
import logging
import random
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import forbid_multi_line_headers
from django.db import transaction
from django.db.models import Case, F, Min, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from kombu.exceptions import OperationalError

from core.caching.stamps import bell_stamp_key, stamp_bump
from core.fields.timezones import when_text
from core.queue import task_queue, task_run_here
from core.web.site import site_url

from .mail.headers import notification_mail_headers, thread_reply_to, unsubscribe_url
from .mail.suppression import mail_normal, mail_suppressed, mail_suppressed_among
from .mail.tokens import DIGEST
from .models import HereFor, Notification, NotificationPreference, User
from .notification_kinds import kind_of
from .people import as_kept, people_drawn, references_kept
from .push import notification_pushes_enqueue

logger = logging.getLogger(__name__)

# The tasks that send mail, queued by name (core/queue.py): tasks import services, never the reverse.
SEND_EMAIL_TASK = "accounts.tasks.send_email"
NOTIFICATION_EMAIL_TASK = "accounts.tasks.notification_email_task"
NOTIFICATION_EMAILS_TASK = "accounts.tasks.notification_emails_task"
# The emails one task sends over one connection when many people are told of one thing at once (a show to
# its followers): notifications_create_many(..., email_batches=True).
NOTIFICATION_EMAIL_BATCH = 100


def email_queue(*, message: EmailMessage) -> None:
    """Queue a rendered email for the worker once the current transaction commits.

    A broker that cannot be reached must not cost the user their email: the
    message is then sent from this process instead.
    """
    html = None
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = content
    payload = {
        "subject": message.subject,
        "body": message.body,
        "to": list(message.to),
        "from_email": message.from_email,
        "html": html,
        "headers": dict(message.extra_headers) or None,
    }

    def enqueue() -> None:
        try:
            task_queue(SEND_EMAIL_TASK, **payload)
        except OperationalError:
            logger.warning("Broker unreachable; sending %r inline", message.subject)
            task_run_here(SEND_EMAIL_TASK, **payload)

    transaction.on_commit(enqueue)


def user_profile_update(
    *,
    user: User,
    display_name: str,
    time_zone: str,
    language: str | None = None,
    avatar: ContentFile | None = None,
    remove_avatar: bool = False,
) -> User:
    """Change what others see of a user, the zone their times are shown in and (unless `language` is
    None) the language their notifications and emails are written in ("": the site's).

    `avatar` must already be validated and re-encoded (core.files.images.image_clean).
    The replaced image file is deleted only after the change commits.
    """
    old_avatar_name = user.avatar.name if user.avatar else ""
    with transaction.atomic():
        user.display_name = display_name.strip()
        user.time_zone = time_zone
        if language is not None:
            user.language = language
        user.full_clean(exclude=["password", "avatar"])
        if avatar is not None:
            user.avatar.save(avatar.name, avatar, save=False)
        elif remove_avatar:
            user.avatar = None
        user.save(update_fields=["display_name", "time_zone", "language", "avatar"])
        new_name = user.avatar.name if user.avatar else ""
        if old_avatar_name and old_avatar_name != new_name:
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(old_avatar_name))
    return user


def user_here_for_set(*, user: User, here_for: str) -> User:
    """Record what `user` came to StageSlot for (a HereFor value; "" clears it). Raises ValidationError
    for any other value, and changes nothing then."""
    if here_for and here_for not in HereFor.values:
        raise ValidationError(gettext("Pick one of the choices offered."), code="invalid_choice")
    user.here_for = here_for
    User.objects.filter(pk=user.pk).update(here_for=here_for)
    return user


def user_here_for_default(*, user: User, here_for: str) -> None:
    """Record `here_for` for a person who has not said what they came for (someone who signs up through a
    band's invite is here to play): a choice they made themselves is never changed. One UPDATE, only while
    the column is still blank."""
    if here_for not in HereFor.values:
        raise ValueError(f"not a HereFor value: {here_for!r}")
    if User.objects.filter(pk=user.pk, here_for="").update(here_for=here_for) and not user.here_for:
        user.here_for = here_for


# ---- Languages -----------------------------------------------------------------------------


def signup_language() -> str:
    """The language a new account's mail is written in, whatever the kind of sign-up (a form, an emailed code,
    Google): the one the page was read in (the browser's, or the switcher's), when the site speaks it; else ""
    (the site's). Every sign-up door asks it beside core.fields.timezones.signup_zone_name
    (accounts/tests/test_signup_language.py finds the doors)."""
    language = translation.get_language() or ""
    return language if language in dict(settings.LANGUAGES) else ""


def user_language_set(*, user: User, language: str) -> User:
    """Keep the language `user` reads the site, their notifications and emails in ("": their browser's
    for pages, the site's for mail). A code the site does not speak is refused."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(gettext("StageSlot does not speak that language."), code="language")
    user.language = language
    user.save(update_fields=["language"])
    return user


def language_for(user: User | None) -> str:
    """The language `user` reads notifications and emails in: their own choice, else the site's
    (also for someone who has no account yet, `None`)."""
    return (user.language if user is not None else "") or settings.LANGUAGE_CODE


def language_for_email(email: str) -> str:
    """language_for the account with this address, the site's language when there is none (an invite
    to someone new)."""
    return language_for(User.objects.filter(email__iexact=email).only("language").first())


# The value of a %(when)s placeholder in a notification's sentence: each recipient reads the event's
# times there, in their own zone (NotificationItem.starts_at, ends_at).
WHEN = "{when}"


def _interpolate(message: str | Promise, params: dict) -> str:
    # A person's name put into a sentence being kept (a notification) is kept as a reference to them.
    return str(message) % {
        key: str(value) if isinstance(value, Promise) else as_kept(value) for key, value in params.items()
    }


_interpolate_lazy = lazy(_interpolate, str)


def lazy_text(message: str | Promise, /, **params: object) -> Promise:
    """`message % params`, put together when it is read, in the language active then: a sentence
    written once for many readers (gettext_lazy with %(name)s placeholders; lazy texts among the
    values are read in the same language). notifications_create reads it once per recipient."""
    return _interpolate_lazy(message, params)


# ---- Notifications -----------------------------------------------------------------------


DEDUPE_KEY_LENGTH = Notification._meta.get_field("dedupe_key").max_length


def _dedupe_key(key: str, recipient_id: int) -> str:
    """`key:recipient`, within the column; a long key is shortened by a hash so the recipient stays in it."""
    full = f"{key}:{recipient_id}"
    if len(full) <= DEDUPE_KEY_LENGTH:
        return full
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    tail = f"~{digest}:{recipient_id}"
    return key[: DEDUPE_KEY_LENGTH - len(tail)] + tail


@dataclass(frozen=True)
class NotificationItem:
    """One event to tell people about: see notifications_create.

    `text` is read in each recipient's language (language_for): a lazy text (gettext_lazy, lazy_text)
    becomes the stored row's words in that language. It may hold "{when}": each recipient reads
    `starts_at`–`ends_at` there in their own zone, and where the event has a zone of its own (`event_zone`: a
    gig's, a festival set's) that is not theirs, in that zone too: what the clock says there.
    `actions_for(user)` gives the one-click links of that person's email, as [{"label": "Accept", "path": "/…/"}]
    (signed for them; see bookings.email_actions); it runs in the recipient's language too. `reply_thread`: the
    booking whose thread a reply to the email goes to (each recipient's email then carries their signed Reply-To).
    """

    recipients: Iterable[User]
    kind: str
    text: str | Promise
    key: str
    link: str = ""
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    actions_for: Callable[[User], list[dict]] | None = None
    reply_thread: int | None = None
    event_zone: str = ""


def notifications_create(
    *,
    recipients: Iterable[User],
    kind: str,
    text: str | Promise,
    link: str = "",
    key: str,
    actor: User | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    actions_for: Callable[[User], list[dict]] | None = None,
    reply_thread: int | None = None,
    event_zone: str = "",
) -> list[Notification]:
    """Tell each recipient (never `actor`, who knows already) about an event, in the app and by email,
    as each of them chose on their preferences page, each in their own language (see NotificationItem).

    Call inside the transaction that made the change: the rows commit or roll back with it, and
    their emails are queued only once it commits. `key` names the event; the same event notifies
    a person once however often this runs (the unique dedupe key per recipient).
    """
    item = NotificationItem(
        recipients=recipients,
        kind=kind,
        text=text,
        link=link,
        key=key,
        starts_at=starts_at,
        ends_at=ends_at,
        actions_for=actions_for,
        reply_thread=reply_thread,
        event_zone=event_zone,
    )
    return notifications_create_many(items=[item], actor=actor)


def _text_for(item: NotificationItem, user: User) -> str:
    """The item's text as `user` reads it; call it in their language."""
    text = str(item.text)
    if item.starts_at is None or "{when}" not in text:
        return text
    ends_at = item.ends_at or item.starts_at
    when = when_text(item.starts_at, ends_at, user.zone)
    if item.event_zone and item.event_zone != user.zone.key:
        try:
            there = zoneinfo.ZoneInfo(item.event_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            there = None
        moment = item.starts_at
        if there is not None and moment.astimezone(there).utcoffset() != moment.astimezone(user.zone).utcoffset():
            # Translators: a time in the reader's zone, then the same time where the event is.
            when = gettext("%(when)s; there: %(there)s") % {
                "when": when,
                "there": when_text(item.starts_at, ends_at, there),
            }
    return text.replace("{when}", when)


def _actions_for(item: NotificationItem, user: User) -> list[dict]:
    """The item's email actions for `user`, their labels read in the language active (stored as words)."""
    return [
        {**action, "label": str(action["label"])} if "label" in action else action for action in item.actions_for(user)
    ]


def notifications_create_many(
    *, items: Iterable[NotificationItem], actor: User | None = None, email_batches: bool = False
) -> list[Notification]:
    """notifications_create for many events at once: four queries and one email hand-off, whatever
    their number (an accept that declines a hundred other bookings stays quick under its locks).
    `email_batches`: the emails go NOTIFICATION_EMAIL_BATCH to a task, each batch over one connection
    (notification_emails_send), for telling many people of one thing (a show to its followers)."""
    items = list(items)
    # A sentence is the same for everyone reading it in one language and zone: put together once for them.
    texts: dict[tuple[int, str, str], str] = {}
    people: dict[int, User] = {}
    wanted: list[tuple[NotificationItem, list[User]]] = []
    for item in items:
        chosen = {u.pk: u for u in item.recipients if u is not None and (actor is None or u.pk != actor.pk)}
        people.update(chosen)
        wanted.append((item, [chosen[pk] for pk in sorted(chosen)]))
    if not people:
        return []
    # Told already (a retried event, a periodic round that finds the same reminders): left out before any
    # text is written, so a round that tells nobody costs one query, whatever it looked at.
    known = set(
        Notification.objects.filter(
            dedupe_key__in=[_dedupe_key(item.key, user.pk) for item, users in wanted for user in users]
        ).values_list("dedupe_key", flat=True)
    )
    wanted = [(item, [u for u in users if _dedupe_key(item.key, u.pk) not in known]) for item, users in wanted]
    wanted = [(item, users) for item, users in wanted if users]
    if not wanted:
        return []
    prefs = {
        (p.user_id, p.kind): p
        for p in NotificationPreference.objects.filter(
            user_id__in=list(people), kind__in={item.kind[:40] for item in items}
        )
    }
    rows = []
    for index, (item, users) in enumerate(wanted):
        kind = item.kind[:40]
        for user in users:
            pref = prefs.get((user.pk, kind))
            in_app = pref.in_app if pref else True
            email = pref.email if pref else NotificationPreference.Email.INSTANT
            if email == NotificationPreference.Email.DIGEST and not kind_of(kind).low_priority:
                email = NotificationPreference.Email.INSTANT
            if not in_app and email == NotificationPreference.Email.OFF:
                continue
            state = {
                NotificationPreference.Email.INSTANT: Notification.Email.PENDING,
                NotificationPreference.Email.DIGEST: Notification.Email.DIGEST,
            }.get(email, Notification.Email.SKIPPED)
            data = {}
            language = language_for(user)
            with_actions = item.actions_for is not None and state == Notification.Email.PENDING
            text = None if with_actions else texts.get((index, language, user.time_zone))
            if text is None:
                with translation.override(language), references_kept():
                    if with_actions:
                        data["actions"] = _actions_for(item, user)
                    text = texts[(index, language, user.time_zone)] = _text_for(item, user)
            if item.reply_thread is not None and state == Notification.Email.PENDING:
                data["reply_thread"] = item.reply_thread
            rows.append(
                Notification(
                    recipient_id=user.pk,
                    actor_id=actor.pk if actor is not None else None,
                    kind=kind,
                    text=text[:500],
                    link=item.link[:300],
                    dedupe_key=_dedupe_key(item.key, user.pk),
                    data=data,
                    in_app=in_app,
                    email_state=state,
                )
            )
    if not rows:
        return []
    keys = [r.dedupe_key for r in rows]
    # Told already (left out above): no second row, and no second email queued from here. A row another
    # writer made meanwhile is skipped by the conflict, and not read back below if it was.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(Notification.objects.filter(dedupe_key__in=keys).order_by("pk"))
    stamp_bump(bell_stamp_key(user_id) for user_id in {n.recipient_id for n in created if n.in_app})
    ids = [n.pk for n in created if n.email_state == Notification.Email.PENDING]
    if ids:
        # Pushed as the email goes: at once (accounts.push); one hand-off for both.
        transaction.on_commit(
            lambda: (notification_pushes_enqueue(ids), notification_emails_enqueue(ids, batches=email_batches))
        )
    return created


def notification_emails_enqueue(ids: Iterable[int], *, batches: bool = False) -> int:
    """Hand notification emails to the worker, one task each, or NOTIFICATION_EMAIL_BATCH to a task with
    `batches`; returns how many the broker took. A broker that cannot be reached costs nothing but time:
    the hand-off stops at the first refusal, the rows stay pending and the periodic re-queue sends them
    once it is back."""
    ids = list(ids)
    step = NOTIFICATION_EMAIL_BATCH if batches else 1
    for queued in range(0, len(ids), step):
        try:
            if batches:
                task_queue(NOTIFICATION_EMAILS_TASK, notification_ids=ids[queued : queued + step])
            else:
                task_queue(NOTIFICATION_EMAIL_TASK, notification_id=ids[queued])
        except OperationalError:
            logger.warning(
                "Broker unreachable; %d notification email(s) wait for the periodic re-queue", len(ids) - queued
            )
            return queued
    return len(ids)


# ---- Notification emails -------------------------------------------------------------------

# Tries of one email before it is marked failed; the waits between them double from 30 s (30 s,
# 1 min, 2 min … 32 min: about an hour of mail server outage in all), never more than an hour.
NOTIFICATION_EMAIL_ATTEMPTS = 8
NOTIFICATION_EMAIL_BACKOFF = dt.timedelta(seconds=30)
NOTIFICATION_EMAIL_BACKOFF_MAX = dt.timedelta(hours=1)
# Each wait grows by a random share of up to this much, so that the emails held up by one outage
# do not all hit the mail server again in the same second.
NOTIFICATION_EMAIL_JITTER = 0.2
# The daily digest leaves in the hour from 08:00 in the recipient's zone; if that hour was missed
# (no worker then), it leaves once its oldest notification has waited this long.
DIGEST_HOUR = 8
DIGEST_LATEST = dt.timedelta(hours=26)
DIGEST_LISTED = 100


class NotificationEmailFailed(Exception):
    """Sending raised; the try is counted on the rows. `given_up`: that was the last try and the rows
    are now FAILED (the admin can send them again)."""

    def __init__(self, *, notification_ids: list[int], attempts: int, given_up: bool, error: str) -> None:
        super().__init__(error)
        self.notification_ids = notification_ids
        self.attempts = attempts
        self.given_up = given_up


def notification_email_backoff(attempts: int) -> dt.timedelta:
    """The wait after `attempts` failed tries before the next one (none before the first)."""
    if attempts <= 0:
        return dt.timedelta(0)
    return min(NOTIFICATION_EMAIL_BACKOFF * 2 ** (attempts - 1), NOTIFICATION_EMAIL_BACKOFF_MAX)


def notification_email_retry_in(attempts: int) -> float:
    """Seconds from now to the next try after `attempts` failed ones: the backoff and a random share of it."""
    wait = notification_email_backoff(attempts).total_seconds()
    return wait * (1 + random.uniform(0, NOTIFICATION_EMAIL_JITTER))  # noqa: S311 – spreading load, not a secret


def _message_id(local_part: str) -> str:
    """A Message-ID of ours on the site's domain: the same for every try of one email, so that mail
    clients fold a message that arrives twice (a send repeated after a crash) into one."""
    domain = urlsplit(site_url()).hostname or "stageslot.local"
    return f"<{local_part}@{domain}>"


def notification_message_id(note: Notification) -> str:
    """The Message-ID of a notification's email, e.g. <notification-42@stageslot.example>."""
    return _message_id(f"notification-{note.pk}")


def _absolute(path: str) -> str:
    """A link that works from an inbox: the site's address before a path of ours."""
    if path.startswith("/") and not path.startswith("//"):
        return f"{site_url()}{path}"
    return path if path.startswith(("https://", "http://")) else ""


def _subject(text: str) -> str:
    """One line (a header holds no line break), short enough for an inbox list."""
    # Translators: the subject of a notification's email; %(notification)s is its text.
    return gettext("StageSlot: %(notification)s") % {"notification": Truncator(" ".join(text.split())).chars(120)}


def notification_email_footer(*, user: User, kind: str) -> dict[str, str]:
    """The links at the foot of every notification email and the digest (templates/accounts/email/_footer.*):
    the person's notification settings, one click to stop this kind, and the privacy notice. Words in the
    language being drawn."""
    return {
        "settings_url": _absolute(reverse("notifications:settings")),
        "unsubscribe_url": unsubscribe_url(user=user, kind=kind),
        "stop_label": gettext("Stop the daily digest") if kind == DIGEST else gettext("Stop emails of this kind"),
        "privacy_url": _absolute(reverse("privacy_notice")),
    }


def _notification_email(note: Notification) -> EmailMultiAlternatives:
    """The email of one notification to its recipient in their language: plain text and HTML, links
    absolute. The text was written in that language when the row was."""
    with translation.override(language_for(note.recipient)):
        return _notification_email_here(note)


def _notification_email_here(note: Notification) -> EmailMultiAlternatives:
    people_drawn([note], "text")
    actions = [
        {"label": str(action["label"]), "url": _absolute(str(action["path"]))}
        for action in (note.data or {}).get("actions") or []
        if isinstance(action, dict) and action.get("label") and str(action.get("path", "")).startswith("/")
    ]
    reply_thread = (note.data or {}).get("reply_thread")
    reply_to = thread_reply_to(user=note.recipient, booking_id=reply_thread if isinstance(reply_thread, int) else None)
    context = {
        "note": note,
        "recipient": note.recipient,
        "link": _absolute(note.link),
        "actions": actions,
        "kind": kind_of(note.kind),
        "footer": notification_email_footer(user=note.recipient, kind=note.kind),
        "reply_to": reply_to,
    }
    message = EmailMultiAlternatives(
        subject=_subject(note.text),
        body=render_to_string("accounts/email/notification.txt", context),
        to=[note.recipient.email],
        reply_to=reply_to or None,
        headers=notification_mail_headers(
            user=note.recipient, kind=note.kind, message_id=notification_message_id(note)
        ),
    )
    message.attach_alternative(render_to_string("accounts/email/notification.html", context), "text/html")
    return message


def _email_attempt_failed(
    *, ids: list[int], state: str, error: BaseException, back_to: str | None = None
) -> NotificationEmailFailed:
    """Count a failed try on the rows `ids` still in `state` and put them back to `back_to` (default:
    `state`), in a transaction of its own; at the last try they become FAILED. Returns the exception
    to raise."""
    now = timezone.now()
    text = f"{type(error).__name__}: {error}"[: Notification._meta.get_field("email_error").max_length]
    with transaction.atomic():
        # The right-hand side reads the row as it was: the try counted here is the last when
        # ATTEMPTS - 1 went before it.
        Notification.objects.filter(pk__in=ids, email_state=state).update(
            email_attempts=F("email_attempts") + 1,
            email_tried_at=now,
            email_error=text,
            email_state=Case(
                When(email_attempts__gte=NOTIFICATION_EMAIL_ATTEMPTS - 1, then=Value(Notification.Email.FAILED)),
                default=Value(back_to or state),
            ),
        )
        rows = list(Notification.objects.filter(pk__in=ids).values_list("email_attempts", "email_state"))
    attempts = max((a for a, _ in rows), default=0)
    given_up = any(s == Notification.Email.FAILED for _, s in rows)
    if given_up:
        logger.warning("Gave up emailing notification(s) %s after %d tries: %s", ids, attempts, text)
    return NotificationEmailFailed(notification_ids=ids, attempts=attempts, given_up=given_up, error=text)


def _claim_expired(now: dt.datetime) -> dt.datetime:
    """Claims made before this are taken to be lost with the worker that made them."""
    return now - dt.timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM)


def _close_quietly(connection: BaseEmailBackend) -> None:
    """Say goodbye to the mail server; what it accepted stays accepted whatever the goodbye does."""
    try:
        connection.close()
    except Exception:  # nothing to undo, only worth a line in the log
        logger.warning("Closing the mail server connection failed", exc_info=True)


def _interrupted_send_counted(note: Notification, now) -> bool:
    """A notification found SENDING was taken by a worker that stopped: that counts as a try. Returns whether it
    may be tried again; after NOTIFICATION_EMAIL_ATTEMPTS it is FAILED. The one rule for a single email and a
    batch; the caller saves."""
    note.email_attempts += 1
    note.email_tried_at = now
    note.email_error = "The worker sending it stopped before the email was marked sent."
    if note.email_attempts < NOTIFICATION_EMAIL_ATTEMPTS:
        return True
    note.email_state = Notification.Email.FAILED
    logger.warning(
        "Gave up emailing notification %s: its sending stopped %d times", note.pk, NOTIFICATION_EMAIL_ATTEMPTS
    )
    return False


def notification_email_send(*, notification_id: int) -> bool:
    """Send a notification's email: at least once, and more than once only when a worker dies in the
    moment between the mail server taking the message and the row saying so.

    1. Claim: a short transaction takes the row (locked, skipping one locked by another run) from
       PENDING – or from SENDING whose claim ran out, its worker having died – to SENDING, claimed
       now. Another run, a retry or the re-queue then leave it alone for NOTIFICATION_EMAIL_CLAIM
       seconds. A claim taken over counts as a try, so a message that kills its worker every time
       ends FAILED instead of going round for ever.
    2. Send, holding no lock and no transaction while the mail server answers.
    3. Mark it SENT as soon as the server has accepted the message, before the connection is closed.

    A worker killed between the server storing the message and step 3 leaves the row SENDING; after
    the claim runs out it is sent again with the same Message-ID (notification_message_id), which
    mail clients fold into one. Returns whether an email went out now (not for a row sent already,
    being sent by another run, or whose recipient left: SKIPPED).

    A failure to send puts the row back to PENDING, counts the try (email_attempts, email_tried_at,
    email_error) and raises NotificationEmailFailed: the task tries again after
    notification_email_retry_in(attempts); after NOTIFICATION_EMAIL_ATTEMPTS tries the row is FAILED.
    """
    now = timezone.now()
    with transaction.atomic():
        # Only the notification row: locking the recipient too would hold up every write that
        # refers to them (a booking event, a busy interval).
        note = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(
                Q(email_state=Notification.Email.PENDING)
                | Q(email_state=Notification.Email.SENDING, email_claimed_at__lt=_claim_expired(now)),
                pk=notification_id,
            )
            .first()
        )
        if note is None:
            return False
        recipient = note.recipient
        if not recipient.is_active or not recipient.email:
            note.email_state = Notification.Email.SKIPPED
            note.save(update_fields=["email_state"])
            return False
        if mail_suppressed(email=recipient.email):
            # The address bounced or complained (accounts.mail.suppression): the person's settings say why.
            note.email_state = Notification.Email.SKIPPED
            note.email_error = "The address is suppressed after a bounce or a complaint."
            note.save(update_fields=["email_state", "email_error"])
            return False
        if note.email_state == Notification.Email.SENDING and not _interrupted_send_counted(note, now):
            note.save(update_fields=["email_state", "email_attempts", "email_tried_at", "email_error"])
            return False
        note.email_state = Notification.Email.SENDING
        note.email_claimed_at = now
        note.save(update_fields=["email_state", "email_claimed_at", "email_attempts", "email_tried_at", "email_error"])

    connection = get_connection()
    try:
        message = _notification_email(note)
        connection.open()
        if connection.send_messages([message]) != 1:
            raise RuntimeError("The mail server took no message")
    except Exception as exc:
        _close_quietly(connection)
        raise _email_attempt_failed(
            ids=[note.pk], state=Notification.Email.SENDING, back_to=Notification.Email.PENDING, error=exc
        ) from exc
    Notification.objects.filter(pk=note.pk, email_state=Notification.Email.SENDING).update(
        email_state=Notification.Email.SENT, email_sent_at=timezone.now()
    )
    _close_quietly(connection)
    return True


# Stand-ins for what differs between two people's emails of one notification, drawn once per language,
# kind and link and filled in per person (letters and digits: escaping leaves them as they are).
_MARKS = {"name": "ssmark7name", "text": "ssmark7text", "unsubscribe": "ssmark7unsubscribe"}
_MARK_RE = re.compile("|".join(_MARKS.values()))


@lru_cache(maxsize=512)
def _subject_header(subject: str, encoding: str) -> str:
    """The Subject header as Django's mail writes it (RFC 2047 for words beyond ASCII). Python's encoder
    takes some milliseconds for a long subject with a dash in it; a show's subject is the same for everyone
    reading it in one language and zone, so it is encoded once for them."""
    return forbid_multi_line_headers("Subject", subject, encoding)[1]


class _BatchEmail(EmailMultiAlternatives):
    """An email of a batch: the very message Django writes, its Subject header encoded once per subject."""

    def message(self):
        subject, self.subject = self.subject, "-"
        try:
            msg = super().message()
        finally:
            self.subject = subject
        msg.replace_header("Subject", _subject_header(subject, self.encoding or settings.DEFAULT_CHARSET))
        return msg


def _filled(drawn: str, values: dict[str, str]) -> str:
    """`drawn` with each mark replaced by its value, in one pass (a value holding a mark stays as it is)."""
    return _MARK_RE.sub(lambda m: values[m.group(0)], drawn)


def _notification_emails(notes: list[Notification]) -> list[tuple[Notification, EmailMultiAlternatives | Exception]]:
    """The email of each notification (or what went wrong building it), as _notification_email builds it,
    the same bytes: those without actions or a reply thread from one drawing of the templates per
    language, kind and link, with the recipient's name, the text and their unsubscribe link filled in."""
    drawn: dict[tuple[str, str, str], tuple[str, str]] = {}
    out: list[tuple[Notification, EmailMultiAlternatives | Exception]] = []
    people_drawn(notes, "text")
    for note in notes:
        language = language_for(note.recipient)
        data = note.data or {}
        try:
            if data.get("actions") or data.get("reply_thread") is not None:
                out.append((note, _notification_email(note)))
                continue
            with translation.override(language):
                key = (language, note.kind, note.link)
                if key not in drawn:
                    context = {
                        "note": {"text": _MARKS["text"]},
                        "recipient": {"name": _MARKS["name"]},
                        "link": _absolute(note.link),
                        "actions": [],
                        "kind": kind_of(note.kind),
                        "footer": {
                            **notification_email_footer(user=note.recipient, kind=note.kind),
                            "unsubscribe_url": _MARKS["unsubscribe"],
                        },
                        "reply_to": [],
                    }
                    drawn[key] = (
                        render_to_string("accounts/email/notification.txt", context),
                        render_to_string("accounts/email/notification.html", context),
                    )
                text, html = drawn[key]
                headers = notification_mail_headers(
                    user=note.recipient, kind=note.kind, message_id=notification_message_id(note)
                )
                plain = {
                    _MARKS["name"]: note.recipient.name,
                    _MARKS["text"]: note.text,
                    _MARKS["unsubscribe"]: headers["List-Unsubscribe"][1:-1],
                }
                message = _BatchEmail(
                    subject=_subject(note.text), body=_filled(text, plain), to=[note.recipient.email], headers=headers
                )
                message.attach_alternative(_filled(html, {k: escape(v) for k, v in plain.items()}), "text/html")
            out.append((note, message))
        except Exception as exc:  # one email that cannot be built must not hold up the others
            out.append((note, exc))
    return out


def notification_emails_send(*, notification_ids: Iterable[int]) -> int:
    """notification_email_send for many notifications, with the same promise (at least once; twice only
    when a worker dies between the mail server taking a message and its row saying so; one Message-ID
    each), for less: one short transaction claims every row that may go (PENDING, or SENDING whose claim
    ran out; rows locked by another run are skipped, rows of people gone or suppressed SKIPPED); the
    emails are built with one drawing of the templates per language (_notification_emails) and sent over
    one connection with no lock held; those the server took are marked SENT together.

    An email that cannot be built counts a try on its row alone. A send that fails stops the batch: what
    was taken is marked SENT, the rest go back to PENDING with a try counted, and NotificationEmailFailed
    is raised (the task tries the batch again later; rows sent meanwhile are not sent twice). Returns how
    many emails went out."""
    now = timezone.now()
    ids = sorted(set(notification_ids))
    with transaction.atomic():
        notes = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(
                Q(email_state=Notification.Email.PENDING)
                | Q(email_state=Notification.Email.SENDING, email_claimed_at__lt=_claim_expired(now)),
                pk__in=ids,
            )
            .order_by("pk")
        )
        suppressed = mail_suppressed_among(emails=[n.recipient.email for n in notes if n.recipient.email])
        gone, held, claimed = [], [], []
        for note in notes:
            recipient = note.recipient
            if not recipient.is_active or not recipient.email:
                gone.append(note.pk)
            elif mail_normal(recipient.email) in suppressed:
                held.append(note.pk)
            elif note.email_state == Notification.Email.SENDING:
                # Taken over from a worker that stopped: a try, as notification_email_send counts it (rare).
                if _interrupted_send_counted(note, now):
                    note.email_state = Notification.Email.SENDING
                    note.email_claimed_at = now
                    claimed.append(note)
                note.save(update_fields=["email_state", "email_claimed_at", "email_attempts", "email_tried_at",
                                         "email_error"])  # fmt: skip
            else:
                claimed.append(note)
        Notification.objects.filter(pk__in=gone).update(email_state=Notification.Email.SKIPPED)
        Notification.objects.filter(pk__in=held).update(
            email_state=Notification.Email.SKIPPED,
            email_error="The address is suppressed after a bounce or a complaint.",
        )
        Notification.objects.filter(pk__in=[n.pk for n in claimed], email_state=Notification.Email.PENDING).update(
            email_state=Notification.Email.SENDING, email_claimed_at=now
        )
    if not claimed:
        return 0
    built = _notification_emails(claimed)
    for note, message in built:
        if isinstance(message, Exception):
            logger.warning("Could not build the email of notification %s", note.pk, exc_info=message)
            _email_attempt_failed(
                ids=[note.pk], state=Notification.Email.SENDING, back_to=Notification.Email.PENDING, error=message
            )
    to_send = [(note, message) for note, message in built if not isinstance(message, Exception)]
    sent: list[int] = []
    connection = get_connection()
    try:
        if to_send:
            connection.open()
        for note, message in to_send:
            if connection.send_messages([message]) != 1:
                raise RuntimeError("The mail server took no message")
            sent.append(note.pk)
    except Exception as exc:
        _close_quietly(connection)
        _emails_mark_sent(sent)
        raise _email_attempt_failed(
            ids=[note.pk for note, _message in to_send[len(sent) :]],
            state=Notification.Email.SENDING,
            back_to=Notification.Email.PENDING,
            error=exc,
        ) from exc
    _emails_mark_sent(sent)
    _close_quietly(connection)
    return len(sent)


def _emails_mark_sent(ids: list[int]) -> None:
    if ids:
        Notification.objects.filter(pk__in=ids, email_state=Notification.Email.SENDING).update(
            email_state=Notification.Email.SENT, email_sent_at=timezone.now()
        )


def notification_emails_requeue(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue again the emails still pending NOTIFICATION_REQUEUE_AFTER seconds after their change (the
    broker was down when they were written, or a worker died holding them), and those whose sending
    stopped (SENDING, claimed more than NOTIFICATION_EMAIL_CLAIM seconds ago), oldest first, at most
    `limit`. A row being sent, or whose last failed try is still within its backoff, is left alone.
    Returns how many the broker took: a broker still down stops the run, the rest wait for the next."""
    now = now or timezone.now()
    retry_due = Q(email_tried_at__isnull=True)
    for attempts in range(1, NOTIFICATION_EMAIL_ATTEMPTS):
        latest_retry = notification_email_backoff(attempts) * (1 + NOTIFICATION_EMAIL_JITTER)
        retry_due |= Q(email_attempts=attempts, email_tried_at__lt=now - latest_retry)
    ids = list(
        Notification.objects.filter(
            (retry_due & Q(email_state=Notification.Email.PENDING))
            | Q(email_state=Notification.Email.SENDING, email_claimed_at__lt=_claim_expired(now)),
            created_at__lt=now - dt.timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER),
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return notification_emails_enqueue(ids)


@transaction.atomic
def notification_emails_resend(*, ids: Iterable[int]) -> int:
    """Send the emails of these notifications again from a fresh start (tries back to 0), those that
    failed or are still pending; sent, skipped and digest rows stay as they are. Queued once this
    commits; returns how many."""
    chosen = list(
        Notification.objects.select_for_update(of=("self",))
        .filter(pk__in=list(ids), email_state__in=[Notification.Email.FAILED, Notification.Email.PENDING])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=chosen).update(
        email_state=Notification.Email.PENDING, email_attempts=0, email_tried_at=None, email_error=""
    )
    if chosen:
        transaction.on_commit(lambda: notification_emails_enqueue(chosen))
    return len(chosen)


# ---- The daily digest -----------------------------------------------------------------------


def _digest_due(zone: zoneinfo.ZoneInfo, oldest: dt.datetime, now: dt.datetime) -> bool:
    return now.astimezone(zone).hour == DIGEST_HOUR or oldest <= now - DIGEST_LATEST


def notification_digest_recipients(*, now: dt.datetime) -> list[int]:
    """The ids of the people whose daily digest is due at `now`: it is 08:xx in their zone, or their
    oldest waiting notification has waited DIGEST_LATEST. One query, whatever their number."""
    waiting = (
        Notification.objects.filter(email_state=Notification.Email.DIGEST)
        .values("recipient_id", "recipient__time_zone")
        .annotate(oldest=Min("created_at"))
        .order_by("recipient_id")
    )
    return [
        row["recipient_id"]
        for row in waiting
        if _digest_due(User(time_zone=row["recipient__time_zone"]).zone, row["oldest"], now)
    ]


def notification_digest_send(*, user_id: int, now: dt.datetime | None = None) -> int:
    """Send `user_id` one email listing every notification waiting for their daily digest, if it is
    due at `now` (see notification_digest_recipients). Returns how many it listed (0: nothing sent).

    The rows are locked (skip locked) and marked sent in the transaction that sends, so a second or
    concurrent run sends none of them again, and a failure sends nothing and leaves them waiting
    (the try counted on them; raises NotificationEmailFailed). A recipient who left: SKIPPED.
    """
    now = now or timezone.now()
    ids: list[int] = []
    try:
        with transaction.atomic():
            notes = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(recipient_id=user_id, email_state=Notification.Email.DIGEST)
                .order_by("created_at", "pk")
            )
            if not notes:
                return 0
            user = User.objects.get(pk=user_id)
            if not _digest_due(user.zone, notes[0].created_at, now):
                return 0
            if not user.is_active or not user.email or mail_suppressed(email=user.email):
                Notification.objects.filter(pk__in=[n.pk for n in notes]).update(email_state=Notification.Email.SKIPPED)
                return 0
            ids = [n.pk for n in notes]
            _digest_email(user, notes).send()
            Notification.objects.filter(pk__in=ids).update(
                email_state=Notification.Email.SENT, email_sent_at=timezone.now()
            )
    except Exception as exc:
        if not ids:
            raise
        raise _email_attempt_failed(ids=ids, state=Notification.Email.DIGEST, error=exc) from exc
    return len(ids)


def _digest_email(user: User, notes: list[Notification]) -> EmailMultiAlternatives:
    """The daily digest listing `notes`, in `user`'s language."""
    with translation.override(language_for(user)):
        return _digest_email_here(user, notes)


def _digest_email_here(user: User, notes: list[Notification]) -> EmailMultiAlternatives:
    listed = people_drawn(notes[:DIGEST_LISTED], "text")
    context = {
        "recipient": user,
        "items": [{"note": n, "link": _absolute(n.link), "kind": kind_of(n.kind)} for n in listed],
        "more": len(notes) - len(listed),
        "list_url": _absolute(reverse("notifications:list")),
        "footer": notification_email_footer(user=user, kind=DIGEST),
    }
    count = len(notes)
    # The same rows make the same Message-ID: a digest sent again after a crash folds into the first.
    listed_ids = hashlib.sha256(",".join(str(n.pk) for n in notes).encode()).hexdigest()[:16]
    message = EmailMultiAlternatives(
        subject=ngettext(
            "StageSlot: your daily digest, %(count)s notification",
            "StageSlot: your daily digest, %(count)s notifications",
            count,
        )
        % {"count": count},
        body=render_to_string("accounts/email/digest.txt", context),
        to=[user.email],
        headers=notification_mail_headers(
            user=user, kind=DIGEST, message_id=_message_id(f"digest-{user.pk}-{listed_ids}")
        ),
    )
    message.attach_alternative(render_to_string("accounts/email/digest.html", context), "text/html")
    return message
