"""A person's in-app notifications (the bell and the notifications page) and their preferences.

Notifications are written by accounts.services.notifications_create; here they are read, marked
read (each change moves the person's bell stamp, core/caching/stamps.py), and the preferences that
notifications_create applies are shown and saved.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.caching.stamps import bell_stamp_key, stamp_bump

from .mail.tokens import DIGEST
from .models import Notification, NotificationPreference, User
from .notification_kinds import GROUPS, KINDS, NotificationKind

Email = NotificationPreference.Email


# ---- The inbox ---------------------------------------------------------------------------


def notifications_unread_count(*, user: User) -> int:
    """How many of the user's in-app notifications are unread: one query on the partial index
    accounts_notif_unread_in_app."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True, in_app=True).count()


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first; only the unread ones with `unread_only`.
    Email-only rows (in_app False) are the outbox of an email, never shown in the app."""
    rows = Notification.objects.filter(recipient=user, in_app=True)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-pk")


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's in-app notifications read (a read one keeps its first read time).

    Raises Notification.DoesNotExist when it is not the user's or not shown in the app: another
    person's notification is not there for them.
    """
    note = notifications_for(user=user).get(pk=notification_id)
    if note.read_at is None:
        now = timezone.now()
        if Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=now):
            note.read_at = now
            stamp_bump(bell_stamp_key(user.pk))
        else:  # read meanwhile in another tab: that time stands
            note.refresh_from_db(fields=["read_at"])
    return note


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread in-app notification of the user read, in one update; returns how many."""
    marked = notifications_for(user=user, unread_only=True).update(read_at=timezone.now())
    if marked:
        stamp_bump(bell_stamp_key(user.pk))
    return marked


# ---- Preferences ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreferenceRow:
    """How one kind of notification reaches the user now: their choice, or the default."""

    kind: NotificationKind
    in_app: bool
    email: str  # a NotificationPreference.Email value


EMAIL_LABELS = {Email.INSTANT: _("At once"), Email.DIGEST: _("Daily digest"), Email.OFF: _("No email")}


def email_choices_for(kind: NotificationKind) -> list[tuple[str, str]]:
    """The email choices a kind offers: the daily digest only for low-priority kinds."""
    return [(value, label) for value, label in EMAIL_LABELS.items() if value != Email.DIGEST or kind.low_priority]


def notification_preferences(*, user: User) -> list[PreferenceRow]:
    """One row per kind of the catalog, grouped in the order of GROUPS, with the user's effective
    choice (no saved preference: in the app and email at once). One query."""
    saved = {p.kind: p for p in NotificationPreference.objects.filter(user=user, kind__in=list(KINDS))}
    order = {group: i for i, group in enumerate(GROUPS)}
    kinds = sorted(KINDS.values(), key=lambda k: order.get(k.group, len(GROUPS)))
    rows = []
    for kind in kinds:
        pref = saved.get(kind.key)
        email = pref.email if pref else Email.INSTANT
        if email == Email.DIGEST and not kind.low_priority:
            email = Email.INSTANT  # what notifications_create does with such a row
        rows.append(PreferenceRow(kind=kind, in_app=pref.in_app if pref else True, email=email))
    return rows


def notification_preferences_save(*, user: User, choices: dict[str, tuple[bool, str]]) -> None:
    """Save how the user wants each kind: `choices` maps a kind key to (in the app, email choice).

    Kinds left out keep their current setting. Everything is checked before anything is written,
    in one transaction: raises ValidationError (nothing saved) for an unknown kind, an unknown
    email choice, or the daily digest for a kind that cannot wait a day.
    """
    errors = []
    for key, (_in_app, email) in choices.items():
        kind = KINDS.get(key)
        if kind is None:
            errors.append(ValidationError(_("There is no kind of notification called “%(key)s”."), params={"key": key}))
        elif email not in Email.values:
            errors.append(
                ValidationError(
                    _("“%(label)s”: choose At once, Daily digest or No email."), params={"label": kind.label}
                )
            )
        elif email == Email.DIGEST and not kind.low_priority:
            errors.append(
                ValidationError(
                    _("“%(label)s” cannot wait for the daily digest: choose At once or No email."),
                    params={"label": kind.label},
                )
            )
    if errors:
        raise ValidationError(errors)
    rows = [
        NotificationPreference(user=user, kind=key, in_app=bool(in_app), email=email)
        for key, (in_app, email) in choices.items()
    ]
    if not rows:
        return
    with transaction.atomic():
        NotificationPreference.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["in_app", "email"],
        )


# ---- One-click unsubscribe (accounts/mail/headers.py puts the link in every notification email) -------------


def notification_email_is_off(*, user: User, kind: str) -> bool:
    """Whether `user` already gets no email of `kind` (DIGEST: no kind of theirs waits for the daily digest)."""
    if kind == DIGEST:
        return not NotificationPreference.objects.filter(user=user, email=Email.DIGEST).exists()
    pref = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return pref is not None and pref.email == Email.OFF


def notification_email_unsubscribe(*, user: User, kind: str) -> bool:
    """Turn off email of `kind` for `user`, and nothing else: the app keeps showing it. For DIGEST, every kind
    that waited for the daily digest sends no email any more, and what waits for it now is not sent.
    Returns whether anything changed (a second click changes nothing)."""
    with transaction.atomic():
        if kind == DIGEST:
            changed = NotificationPreference.objects.filter(user=user, email=Email.DIGEST).update(email=Email.OFF)
            Notification.objects.filter(recipient=user, email_state=Notification.Email.DIGEST).update(
                email_state=Notification.Email.SKIPPED
            )
            return bool(changed)
        pref, created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user, kind=kind, defaults={"in_app": True, "email": Email.OFF}
        )
        if created:
            return True
        if pref.email == Email.OFF:
            return False
        pref.email = Email.OFF
        pref.save(update_fields=["email"])
        return True
