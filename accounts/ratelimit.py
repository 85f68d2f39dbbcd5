"""How often one person may create things others are told about: requests, applications, offers,
messages, invites. The limits live in settings.STAGESLOT_RATE_LIMITS ("10/h", "60/10m").

A fixed window per person and action: the count of what they created since the window began. The
count is taken FIRST, atomically, and the action runs only with a place taken (rate_limit_take), so a
burst of parallel requests gets exactly the limit through; an action that does not go through (a form
sent back with errors, a refusal) gives its place back (rate_limit_return).

Where the counts live (settings.STAGESLOT_RATE_LIMIT_STORE): "cache" – Redis in production, one INCR
per take; "database" – the embedded default without Redis, one conditional UPDATE (count < limit) of
a RateCount row, which PostgreSQL and SQLite both apply atomically, so every process of the site counts
in the same place. The API's per-call limits (api_token, api_ip) count in the "calls" cache: Redis, or
without it each process's memory – a database write on every read would cost more than it guards, and
a sign-in, a code or anything that creates counts in the database. When the store cannot be reached the
limiter lets everything through and logs a warning: an outage of Redis must not stop bookings.
"""

import datetime as dt
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from .models import RateCount

logger = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")

# What each action is called on the page that refuses it, for a number of them.
WHAT: dict[str, Callable[[int], str]] = {
    "booking_request": lambda n: ngettext("booking request", "booking requests", n),
    "application": lambda n: ngettext("application", "applications", n),
    "offer": lambda n: ngettext("offer", "offers", n),
    "message": lambda n: ngettext("message", "messages", n),
    "invite": lambda n: ngettext("invite", "invites", n),
    "webhook": lambda n: ngettext("webhook", "webhooks", n),
    "report": lambda n: ngettext("report", "reports", n),
    "team": lambda n: ngettext("organisation request", "organisation requests", n),
    "hold": lambda n: ngettext("hold", "holds", n),
    "follow": lambda n: ngettext("follow or ask", "follows and asks", n),
    "follow_ip": lambda n: ngettext("follow or ask", "follows and asks", n),
    "fan_join": lambda n: ngettext("sign-up", "sign-ups", n),
}


class LimitReached(Exception):
    """A service's own limit was reached (a flood of messages in one thread): the page answers 429 with
    the message and Retry-After, the API a 429 problem. Nothing was done."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(int(retry_after), 1)


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


def rate_parse(text: str) -> Rate:
    """ "10/h" → 10 per 3600 s; "60/10m" → 60 per 600 s."""
    match = RATE.match(text)
    if not match:
        raise ValueError(f"A rate limit is written like 10/h or 60/10m, not {text!r}.")
    count, amount, unit = match.groups()
    return Rate(limit=int(count), seconds=int(amount or 1) * UNITS[unit])


def _window(action: str, who: int | str) -> tuple[str, Rate, float]:
    rate = rate_parse(settings.STAGESLOT_RATE_LIMITS[action])
    now = time.time()
    start = int(now // rate.seconds) * rate.seconds
    return f"ratelimit:{action}:{who}:{start}", rate, start + rate.seconds - now


def _used(action: str, key: str) -> int:
    if _in_database(action):
        return RateCount.objects.filter(key=key).values_list("count", flat=True).first() or 0
    return _cache(action).get(key, 0)


def rate_limit_wait(*, action: str, who: int | str) -> int:
    """Seconds until `who` may do `action` again; 0 when they may now (or the store is down). A look
    only, to say so early (before a form is filled in): the action itself takes its place with
    rate_limit_take."""
    key, rate, left = _window(action, who)
    try:
        used = _used(action, key)
    except Exception:
        logger.warning("Rate limit store unreachable; letting %s through", action, exc_info=True)
        return 0
    return max(math.ceil(left), 1) if used >= rate.limit else 0


def rate_limit_left(*, action: str, who: int | str) -> int:
    """How many more `action`s `who` may do in the current window (all of them when the store is down)."""
    key, rate, _left = _window(action, who)
    try:
        used = _used(action, key)
    except Exception:
        logger.warning("Rate limit store unreachable; letting %s through", action, exc_info=True)
        return rate.limit
    return max(rate.limit - used, 0)


# Limits counted per API call: in the "calls" cache whatever the store.
CALL_LIMITS = frozenset({"api_token", "api_ip"})


def _in_database(action: str) -> bool:
    return getattr(settings, "STAGESLOT_RATE_LIMIT_STORE", "cache") == "database" and action not in CALL_LIMITS


def _cache(action: str):
    return caches["calls" if action in CALL_LIMITS else "default"]


def rate_limit_take(*, action: str, who: int | str) -> int:
    """Take one place of `who`'s limit on `action` before doing it: 0 when taken (it now counts; give
    it back with rate_limit_return if the action does not go through), else the seconds to wait, and
    nothing is counted. Atomic: of N parallel takes, exactly as many as are left succeed."""
    key, rate, left = _window(action, who)
    wait = max(math.ceil(left), 1)
    if _in_database(action):
        try:
            return 0 if _database_take(key, rate.limit, left) else wait
        except DatabaseError:
            logger.warning("Rate limit table unreachable; letting %s through", action, exc_info=True)
            return 0
    cache = _cache(action)
    try:
        cache.add(key, 0, timeout=math.ceil(left) + 1)
        try:
            used = cache.incr(key)
        except ValueError:
            # The key expired between add and incr: the next window has begun, count there.
            cache.add(key, 0, timeout=rate.seconds + 1)
            used = cache.incr(key)
        if used > rate.limit:
            cache.decr(key)
            return wait
    except Exception:
        logger.warning("Rate limit cache unreachable; letting %s through", action, exc_info=True)
    return 0


def _database_take(key: str, limit: int, left: float) -> bool:
    """One conditional UPDATE (count < limit) where the window's row exists; else the row is inserted
    (ON CONFLICT DO NOTHING, so parallel first takes make one row) and updated. At most 3 queries,
    no savepoint; the database applies each UPDATE atomically, so the count never passes the limit."""
    if RateCount.objects.filter(key=key, count__lt=limit).update(count=F("count") + 1):
        return True
    expires_at = timezone.now() + dt.timedelta(seconds=math.ceil(left) + 1)
    RateCount.objects.bulk_create([RateCount(key=key, count=0, expires_at=expires_at)], ignore_conflicts=True)
    return RateCount.objects.filter(key=key, count__lt=limit).update(count=F("count") + 1) == 1


def rate_counts_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the counts of windows that have ended (the periodic task calls this); how many."""
    deleted, _ = RateCount.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


def rate_limit_take_many(*, action: str, who: int | str, wanted: int) -> int:
    """Take up to `wanted` places one by one (each atomic); how many were taken. Give back the ones
    not used with rate_limit_return."""
    taken = 0
    while taken < wanted and rate_limit_take(action=action, who=who) == 0:
        taken += 1
    return taken


def rate_limit_return(*, action: str, who: int | str, count: int = 1) -> None:
    """Give back places taken for actions that did not go through (never below zero)."""
    if count <= 0:
        return
    key, _rate, _left = _window(action, who)
    try:
        if _in_database(action):
            RateCount.objects.filter(key=key, count__gte=count).update(count=F("count") - count)
        else:
            _cache(action).decr(key, count)
    except ValueError:
        pass  # the window ended meanwhile: nothing to give back
    except Exception:
        logger.warning("Rate limit store unreachable; %s not given back", action, exc_info=True)


def rate_limit_hit(*, action: str, who: int | str) -> None:
    """Count one `action` by `who` in the current window, whatever the limit (tests and per-call
    counters that refuse on their own)."""
    key, rate, left = _window(action, who)
    if _in_database(action):
        rate_limit_take(action=action, who=who)
        return
    cache = _cache(action)
    try:
        cache.add(key, 0, timeout=math.ceil(left) + 1)
        cache.incr(key)
    except ValueError:
        # The key expired between add and incr: the next window has begun, count there.
        cache.add(key, 1, timeout=rate.seconds)
    except Exception:
        logger.warning("Rate limit cache unreachable; %s not counted", action, exc_info=True)


def rate_limited_response(request: HttpRequest, *, action: str, wait: int) -> HttpResponse:
    """The 429 page: what was limited, how many, and when to try again."""
    rate = rate_parse(settings.STAGESLOT_RATE_LIMITS[action])
    context = {
        "what": WHAT[action](rate.limit) if action in WHAT else gettext("of these"),
        "limit": rate.limit,
        "per": _duration(rate.seconds),
        "wait": _duration(wait),
        "again_at": timezone.localtime(timezone.now() + dt.timedelta(seconds=wait)),
    }
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(wait)
    # An HTMX form shows the page's message in place of the page's main part (stageslot.js swaps 429s).
    response["HX-Retarget"] = "#main"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Reselect"] = "#main > *"
    return response


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return gettext("hour") if hours == 1 else ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    if seconds >= 60:
        minutes = math.ceil(seconds / 60)
        return (
            gettext("minute") if minutes == 1 else ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
        )
    return gettext("second") if seconds == 1 else ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds}


def rate_limited(action: str) -> Callable:
    """A view decorator: a signed-in person's POST takes a place of the limit first (atomically, so a
    parallel burst gets exactly the limit through); over the limit it gets the 429 page and the view is
    not called. A POST the view answers with an error (400 and up) gives its place back."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = getattr(request, "user", None)
            if request.method != "POST" or user is None or not user.is_authenticated:
                return view(request, *args, **kwargs)
            wait = rate_limit_take(action=action, who=user.pk)
            if wait:
                return rate_limited_response(request, action=action, wait=wait)
            try:
                response = view(request, *args, **kwargs)
            except BaseException:
                rate_limit_return(action=action, who=user.pk)
                raise
            if response.status_code >= 400:
                rate_limit_return(action=action, who=user.pk)
            return response

        return wrapped

    return decorator
