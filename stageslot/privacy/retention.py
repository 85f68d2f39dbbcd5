"""What the site no longer needs goes on a schedule (docs/decisions/0082): run nightly by beat, once per
night (OncePerPeriodTask), each rule's period a setting (STAGESLOT_RETENTION_DAYS) that the privacy notice
reads too. Deletes in batches, so a big backlog never holds a long lock on a busy table."""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import ApiToken, Notification, PushSubscription

from .export import data_exports_expire
from .holds import legal_holds_end

BATCH = 1000


def _days(rule: str) -> dt.timedelta:
    return dt.timedelta(days=settings.STAGESLOT_RETENTION_DAYS[rule])


def _delete(rows: QuerySet, *, batch: int) -> int:
    """Delete the rows a batch of primary keys at a time. Returns how many."""
    done = 0
    while ids := list(rows.values_list("pk", flat=True)[:batch]):
        rows.model._base_manager.filter(pk__in=ids).delete()
        done += len(ids)
    return done


def _notifications(now: dt.datetime, batch: int) -> int:
    old = Q(read_at__isnull=False, created_at__lt=now - _days("notifications_read")) | Q(
        read_at__isnull=True, created_at__lt=now - _days("notifications_unread")
    )
    return _delete(Notification.objects.filter(old).order_by(), batch=batch)


def _tokens(now: dt.datetime, batch: int) -> int:
    cutoff = now - _days("tokens_revoked")
    gone = Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    return _delete(ApiToken.objects.filter(gone).order_by(), batch=batch)


def _push(now: dt.datetime, batch: int) -> int:
    cutoff = now - _days("push_dead")
    dead = Q(failures__gt=0) & (Q(last_success_at__lt=cutoff) | Q(last_success_at__isnull=True, created_at__lt=cutoff))
    return _delete(PushSubscription.objects.filter(dead).order_by(), batch=batch)


def _sessions(now: dt.datetime, batch: int) -> int:
    # An ended session still names who signed in and when: it goes once it expires.
    return _delete(Session.objects.filter(expire_date__lt=now).order_by(), batch=batch)


def _exports(now: dt.datetime, batch: int) -> int:
    return data_exports_expire(now=now)


def _legal_holds(now: dt.datetime, batch: int) -> int:
    return legal_holds_end(now=now, batch=batch)


RULES: dict[str, Callable[[dt.datetime, int], int]] = {
    "notifications": _notifications,
    "tokens": _tokens,
    "push": _push,
    "sessions": _sessions,
    "exports": _exports,
    "legal_holds": _legal_holds,
}


def retention_run(*, now: dt.datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Apply every retention rule as of `now`. Returns how many rows each rule removed."""
    now = now or timezone.now()
    return {name: rule(now, batch) for name, rule in RULES.items()}
