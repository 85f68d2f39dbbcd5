"""Writes of connected calendars: connecting one, choosing what it reads and where gigs go, the sync
pipeline every provider shares (busy time in, gigs out), and disconnecting.

The busy time a provider reports replaces the calendar's availability.BusyInterval rows (source
CONNECTED) through availability's own busy_replace, exactly as an imported ICS calendar's do: the
database triggers then copy it per band (bands.BandBusyInterval), so green zones and the free-date
search see it at once. A failed read keeps the busy time of the last good one.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from availability.models import BusyInterval
from availability.services import busy_replace, horizon
from bookings.ical import feed_render
from core.queue import task_queue

from . import caldav_client, google
from .clients import CalendarAuthError, CalendarSyncError, provider_client
from .crypto import SecretUnreadable
from .models import ConnectedCalendar, GrantRevocation
from .selectors import gigs_to_write, member_gigs_stamp

logger = logging.getLogger(__name__)

CONNECTED_LIMIT = 5
REFRESH_EVERY = dt.timedelta(minutes=5)
BACKOFF_MAX = dt.timedelta(hours=6)
# Gigs are written again at least this often even when nothing seems changed (times move the window).
WRITE_AT_LEAST_EVERY = dt.timedelta(hours=20)
MAX_BUSY_ROWS = 20000
# A grant Google could not be told to forget is tried again after 5 minutes, then twice as long each time
# (at most a day apart); after this many tries (about a week) our copy of the token is deleted and it is logged.
REVOKE_TRIES = 14
REVOKE_FIRST_PAUSE = dt.timedelta(minutes=5)
REVOKE_LONGEST_PAUSE = dt.timedelta(days=1)


class CalendarPermissionError(Exception):
    """Someone else's connected calendar; `str()` is the message."""


def _own(calendar: ConnectedCalendar, by: User) -> None:
    if calendar.user_id != by.pk:
        raise CalendarPermissionError(_("You can only change your own calendars."))


def _queue(task: str, calendar_id: int) -> None:
    # By name (core/queue.py): tasks import services, never the reverse.
    task_queue(f"calendars.tasks.{task}", calendar_id=calendar_id)


def _limit_check(user: User) -> None:
    if ConnectedCalendar.objects.filter(user=user).count() >= CONNECTED_LIMIT:
        raise ValidationError(
            ngettext(
                "You can connect at most %(count)d calendar account.",
                "You can connect at most %(count)d calendar accounts.",
                CONNECTED_LIMIT,
            )
            % {"count": CONNECTED_LIMIT}
        )


# ---- connecting -----------------------------------------------------------------------------


def caldav_calendar_connect(
    *, user: User, server_url: str, username: str, password: str, name: str = ""
) -> ConnectedCalendar:
    """Connect a CalDAV account after testing it: the server is asked for the account's calendars.

    Raises ValidationError by field ("server_url", "password") and saves nothing when the address is
    not one we call, the server refuses the user name or app password, cannot be reached or answers
    garbage, or the member has CONNECTED_LIMIT accounts. Every calendar found is read (the member may
    narrow it down); no gigs are written until the member picks a calendar for them. The first read
    is queued after commit.
    """
    try:
        server_url = caldav_client.server_address(server_url)
    except CalendarSyncError as e:
        raise ValidationError({"server_url": [str(e)]}) from e
    username = username.strip()
    if ConnectedCalendar.objects.filter(
        user=user, provider=ConnectedCalendar.Provider.CALDAV, server_url=server_url, username=username
    ).exists():
        raise ValidationError({"server_url": [_("You have already connected this account.")]})
    _limit_check(user)
    found = _discover(server_url, username, password)
    calendar = ConnectedCalendar(
        user=user,
        provider=ConnectedCalendar.Provider.CALDAV,
        name=name.strip()[:80],
        server_url=server_url,
        username=username[:200],
        calendar_names={remote.url: remote.name for remote in found},
    )
    calendar.secret = password
    with transaction.atomic():
        calendar.save()
        transaction.on_commit(lambda: _queue("connected_calendar_refresh_task", calendar.pk))
    return calendar


def _discover(server_url: str, username: str, password: str) -> list[caldav_client.RemoteCalendar]:
    try:
        return caldav_client.discover(server_url, username, password)
    except CalendarAuthError as e:
        raise ValidationError({"password": [str(e)]}) from e
    except CalendarSyncError as e:
        raise ValidationError({"server_url": [str(e)]}) from e


def caldav_calendar_reconnect(*, calendar: ConnectedCalendar, by: User, password: str) -> ConnectedCalendar:
    """Give a CalDAV account a new app password (after the old one was refused); tested first.

    Raises ValidationError ("password") and changes nothing when the server refuses it too.
    """
    _own(calendar, by)
    found = _discover(calendar.server_url, calendar.username, password)
    with transaction.atomic():
        calendar = ConnectedCalendar.objects.select_for_update().get(pk=calendar.pk)
        calendar.secret = password
        calendar.needs_reconnect = False
        calendar.failures = 0
        calendar.last_error = ""
        calendar.calendar_names = {remote.url: remote.name for remote in found}
        calendar.save()
        transaction.on_commit(lambda: _queue("connected_calendar_refresh_task", calendar.pk))
    return calendar


def connected_calendar_choose(
    *, calendar: ConnectedCalendar, by: User, read: list[str], write_calendar_url: str
) -> ConnectedCalendar:
    """Choose which of the account's calendars make the member busy (all of them when every one is
    ticked) and which one gets their gigs ("" for none; CalDAV only). Raises ValidationError for a
    calendar the account does not have, an empty choice, or gigs written into a Google account. Queues a
    read (and a write of the gigs) after commit."""
    _own(calendar, by)
    known = list(calendar.calendar_names)
    if not read:
        raise ValidationError({"read": [_("Pick at least one calendar to read, or disconnect the account.")]})
    if any(url not in known for url in read):
        raise ValidationError({"read": [_("Pick calendars of this account.")]})
    if write_calendar_url and calendar.provider != ConnectedCalendar.Provider.CALDAV:
        raise ValidationError({"write_calendar_url": [_("Gigs can only be written into a CalDAV calendar.")]})
    if write_calendar_url and write_calendar_url not in known:
        raise ValidationError({"write_calendar_url": [_("Pick a calendar of this account.")]})
    with transaction.atomic():
        calendar = ConnectedCalendar.objects.select_for_update().get(pk=calendar.pk)
        calendar.calendars = [] if set(read) == set(known) else [url for url in known if url in read]
        if calendar.write_calendar_url != write_calendar_url:
            # Gigs written into the old calendar stay there (the page says so); the new one gets them all.
            calendar.written, calendar.written_stamp, calendar.written_at = {}, "", None
            calendar.write_error = ""
        calendar.write_calendar_url = write_calendar_url
        calendar.save()
        transaction.on_commit(lambda: _queue("connected_calendar_refresh_task", calendar.pk))
    return calendar


def connected_calendar_refresh_request(*, calendar: ConnectedCalendar, by: User) -> None:
    """Queue a read now (the "Refresh now" button)."""
    _own(calendar, by)
    transaction.on_commit(lambda: _queue("connected_calendar_refresh_task", calendar.pk))


def connected_calendar_disconnect(*, calendar: ConnectedCalendar, by: User) -> None:
    """Forget the account and its secret; its busy time goes. Gigs written into it stay there."""
    _own(calendar, by)
    if calendar.provider == ConnectedCalendar.Provider.GOOGLE:
        _google_revoke(calendar)
    with transaction.atomic():
        BusyInterval.objects.filter(source=BusyInterval.Source.CONNECTED, source_id=calendar.pk).delete()
        calendar.delete()


# ---- Google ---------------------------------------------------------------------------------


def google_calendar_connect(*, user: User, grant: google.Grant) -> ConnectedCalendar:
    """Keep a Google grant (the callback's refresh token, encrypted) as the member's connected calendar.

    Connecting the same Google account again (after a revoke, or to renew) replaces its token on the
    existing row and clears needs_reconnect, keeping its busy time until the next read. Raises
    ValidationError and saves nothing when it would be a new account past CONNECTED_LIMIT. The first
    read is queued after commit.
    """
    with transaction.atomic():
        calendar = (
            ConnectedCalendar.objects.select_for_update()
            .filter(user=user, provider=ConnectedCalendar.Provider.GOOGLE, account_email=grant.email)
            .first()
        )
        if calendar is None:
            _limit_check(user)
            calendar = ConnectedCalendar(
                user=user, provider=ConnectedCalendar.Provider.GOOGLE, account_email=grant.email
            )
        calendar.secret = grant.refresh_token
        calendar.needs_reconnect = False
        calendar.failures = 0
        calendar.last_error = ""
        calendar.save()
        transaction.on_commit(lambda: _queue("connected_calendar_refresh_task", calendar.pk))
    return calendar


def _google_revoke(calendar: ConnectedCalendar, *, now: dt.datetime | None = None) -> None:
    """Tell Google to forget the grant of a calendar being forgotten. The member's choice stands even when
    Google cannot be told now: the token is kept encrypted (no key to the person) and the worker tries again
    (`grant_revocations_retry`). Google forgets the whole grant of a Google account, so it is kept while
    another row still uses it."""
    others = ConnectedCalendar.objects.filter(provider=calendar.provider, account_email=calendar.account_email)
    if calendar.account_email and others.exclude(pk=calendar.pk).exists():
        return
    try:
        token = calendar.secret
    except SecretUnreadable:
        logger.warning("The Google grant of connected calendar %s cannot be decrypted to revoke it", calendar.pk)
        return
    if not google.token_revoke(token=token):
        now = now or timezone.now()
        GrantRevocation.objects.create(
            provider=calendar.provider,
            secret_encrypted=calendar.secret_encrypted,
            attempts=1,
            next_attempt_at=now + _revoke_pause(1),
        )
        logger.warning(
            "Google could not be told to forget the grant of connected calendar %s: tried again later", calendar.pk
        )


def _revoke_pause(attempts: int) -> dt.timedelta:
    return min(REVOKE_FIRST_PAUSE * 2 ** (attempts - 1), REVOKE_LONGEST_PAUSE)


def connected_calendars_forget(*, user: User, now: dt.datetime | None = None) -> int:
    """Every connected calendar of a person goes with its credentials and busy time (closing the account, and
    its erasure again): Google's grants are revoked at Google, now or later by the worker; a CalDAV app
    password is deleted with its row (a CalDAV server offers no way to revoke it from outside). A failure at
    Google never holds this back. Returns how many calendars went."""
    calendars = list(ConnectedCalendar.objects.filter(user=user))
    for calendar in calendars:
        if calendar.provider == ConnectedCalendar.Provider.GOOGLE:
            _google_revoke(calendar, now=now)
    ids = [calendar.pk for calendar in calendars]
    with transaction.atomic():
        BusyInterval.objects.filter(source=BusyInterval.Source.CONNECTED, source_id__in=ids).delete()
        ConnectedCalendar.objects.filter(pk__in=ids).delete()
    return len(ids)


def grant_revocations_retry(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Ask Google again to forget the grants it could not be told about before. A confirmed (or unknown)
    token's row goes; a failure waits twice as long; after REVOKE_TRIES the row goes and it is logged as an
    error (the grant then ends only when the person removes it in their Google account). Returns how many
    Google confirmed."""
    now = now or timezone.now()
    confirmed = 0
    for revocation in GrantRevocation.objects.filter(next_attempt_at__lte=now).order_by("next_attempt_at")[:limit]:
        try:
            token = revocation.secret
        except SecretUnreadable:
            token = ""
        if token and not google.token_revoke(token=token):
            revocation.attempts += 1
            if revocation.attempts < REVOKE_TRIES:
                revocation.next_attempt_at = now + _revoke_pause(revocation.attempts)
                revocation.save(update_fields=["attempts", "next_attempt_at"])
                logger.warning(
                    "Google could not be told to forget grant revocation %s (try %s)",
                    revocation.pk,
                    revocation.attempts,
                )
                continue
            logger.error(
                "Google was not told to forget grant revocation %s after %s tries; our copy is deleted",
                revocation.pk,
                revocation.attempts,
            )
        elif not token:
            logger.error("Grant revocation %s cannot be decrypted; our copy is deleted", revocation.pk)
        else:
            confirmed += 1
        revocation.delete()
    return confirmed


# ---- the sync pipeline ----------------------------------------------------------------------


def connected_calendar_refresh(*, calendar_id: int, now: dt.datetime | None = None) -> ConnectedCalendar | None:
    """Read one connected calendar's busy time through its provider's client and replace its busy intervals.

    A failure keeps the busy time of the last good read and records the reason in words; a refused
    credential (401, revoked grant) also marks the calendar as needing to be connected again, and it
    is not read again until it is. After a good read, the member's gigs are written into their chosen
    calendar if they changed. Returns None when the calendar was disconnected meanwhile.
    """
    calendar = ConnectedCalendar.objects.select_related("user").filter(pk=calendar_id).first()
    if calendar is None:
        return None
    now = now or timezone.now()
    start, end = horizon(now)
    error, reconnect, busy = "", False, None
    try:
        busy = provider_client(calendar.provider).busy_between(calendar, start, end)
    except CalendarAuthError as e:
        error, reconnect = str(e), True
    except CalendarSyncError as e:
        error = str(e)
    except SecretUnreadable:
        error, reconnect = str(caldav_client.MSG_SECRET_LOST), True
    except Exception:
        # One calendar we cannot read must not stop the others; the member gets words, we the traceback.
        logger.exception("Connected calendar %s could not be read", calendar_id)
        error = _("Something went wrong reading this calendar; we will try again later.")
    if busy is not None and len(busy) > MAX_BUSY_ROWS:
        error, busy = _("This calendar has more busy times than we read; choose fewer calendars."), None
    with transaction.atomic():
        calendar = ConnectedCalendar.objects.select_for_update().filter(pk=calendar_id).first()
        if calendar is None:
            return None
        calendar.last_attempt_at = now
        if error:
            calendar.last_error = error[:500]
            calendar.failures += 1
            calendar.needs_reconnect = calendar.needs_reconnect or reconnect
        else:
            rows = sorted({(calendar.user_id, b.start, b.end, (b.title or "")[:200]) for b in busy if b.start < b.end})
            calendar.event_count = busy_replace(source=BusyInterval.Source.CONNECTED, source_id=calendar.pk, rows=rows)
            calendar.last_error, calendar.failures, calendar.last_synced_at = "", 0, now
            calendar.needs_reconnect = False
        calendar.save()
    if not error and _write_due(calendar, now):
        return connected_calendar_write_gigs(calendar_id=calendar.pk, now=now) or calendar
    return calendar


def connected_calendars_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of connected calendars due for a read: every REFRESH_EVERY, backing off after failures (up to
    BACKOFF_MAX), never one that needs connecting again."""
    now = now or timezone.now()
    due = []
    rows = ConnectedCalendar.objects.filter(needs_reconnect=False).values_list("pk", "last_attempt_at", "failures")
    for pk, last, failures in rows:
        wait = min(REFRESH_EVERY * (2 ** min(failures, 8)), BACKOFF_MAX)
        if last is None or now - last >= wait - dt.timedelta(seconds=30):
            due.append(pk)
    return due


# ---- writing gigs ---------------------------------------------------------------------------


def _write_due(calendar: ConnectedCalendar, now: dt.datetime) -> bool:
    if not calendar.write_calendar_url or calendar.needs_reconnect:
        return False
    if calendar.written_at is None or now - calendar.written_at >= WRITE_AT_LEAST_EVERY:
        return True
    return member_gigs_stamp(user_id=calendar.user_id) != calendar.written_stamp


def connected_calendars_to_write(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of calendars that take gigs and whose member's gigs changed since they were last written
    (bookings' feed marks say so: one query each), or were written long ago."""
    now = now or timezone.now()
    writing = ConnectedCalendar.objects.exclude(write_calendar_url="").filter(needs_reconnect=False)
    return [
        calendar.pk
        for calendar in writing.only(
            "pk", "user_id", "write_calendar_url", "written_stamp", "written_at", "needs_reconnect"
        )
        if _write_due(calendar, now)
    ]


def connected_calendar_write_gigs(*, calendar_id: int, now: dt.datetime | None = None) -> ConnectedCalendar | None:
    """Make the member's chosen calendar hold exactly their confirmed gigs (selectors.gigs_to_write):
    each one PUT under its feed UID when new or changed, each one no longer there (cancelled, not
    playing, out of the window) deleted. Only CalDAV accounts take gigs.

    At least once and idempotent: what was written is kept per UID with its body's digest, so a retry
    sends only what is still missing, and a repeated PUT or DELETE changes nothing. A failure keeps
    what was done and says why in `write_error`; the next round tries again.
    """
    calendar = ConnectedCalendar.objects.select_related("user").filter(pk=calendar_id).first()
    if calendar is None or not calendar.write_calendar_url or calendar.provider != ConnectedCalendar.Provider.CALDAV:
        return calendar
    now = now or timezone.now()
    # The stamp before the events: a change made in between is seen by the next round.
    stamp = member_gigs_stamp(user_id=calendar.user_id)
    bodies = {
        event.uid: feed_render(name="StageSlot", events=[event]) for event in gigs_to_write(user=calendar.user, now=now)
    }
    digests = {uid: caldav_client.body_digest(body) for uid, body in bodies.items()}
    written = dict(calendar.written or {})
    put = {uid: body for uid, body in bodies.items() if written.get(uid) != digests[uid]}
    delete = [uid for uid in written if uid not in bodies]
    error = ""
    try:
        done_put, done_delete = caldav_client.gigs_write(calendar, put=put, delete=delete)
    except CalendarSyncError as e:
        done_put, done_delete = getattr(e, "done", ([], []))
        error = str(e)
    for uid in done_put:
        written[uid] = digests[uid]
    for uid in done_delete:
        written.pop(uid, None)
    with transaction.atomic():
        calendar = ConnectedCalendar.objects.select_for_update().filter(pk=calendar_id).first()
        if calendar is None:
            return None
        calendar.written = written
        calendar.write_error = error[:500]
        if not error:
            calendar.written_stamp, calendar.written_at = stamp, now
        calendar.save(update_fields=["written", "write_error", "written_stamp", "written_at"])
    return calendar
