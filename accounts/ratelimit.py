"""How often one person may create things others are told about: requests, applications, offers,
messages, invites. The limits live in settings.STAGESLOT_RATE_LIMITS ("10/h", "60/10m"); the counts
in the cache (Redis in production, local memory on one machine).

A fixed window per person and action: the count of what they created since the window began. Only
what went through counts (a form sent back with errors does not). When the cache cannot be reached
the limiter lets everything through and logs a warning: an outage of Redis must not stop bookings.
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
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")

# What each action is called on the page that refuses it (one, several).
WHAT = {
    "booking_request": ("booking request", "booking requests"),
    "application": ("application", "applications"),
    "offer": ("offer", "offers"),
    "message": ("message", "messages"),
    "invite": ("invite", "invites"),
}


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


def rate_limit_wait(*, action: str, who: int | str) -> int:
    """Seconds until `who` may do `action` again; 0 when they may now (or the cache is down)."""
    key, rate, left = _window(action, who)
    try:
        used = cache.get(key, 0)
    except Exception:
        logger.warning("Rate limit cache unreachable; letting %s through", action, exc_info=True)
        return 0
    return math.ceil(left) if used >= rate.limit else 0


def rate_limit_left(*, action: str, who: int | str) -> int:
    """How many more `action`s `who` may do in the current window (all of them when the cache is down)."""
    key, rate, _left = _window(action, who)
    try:
        used = cache.get(key, 0)
    except Exception:
        logger.warning("Rate limit cache unreachable; letting %s through", action, exc_info=True)
        return rate.limit
    return max(rate.limit - used, 0)


def rate_limit_hit(*, action: str, who: int | str) -> None:
    """Count one `action` by `who` in the current window."""
    key, rate, left = _window(action, who)
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
        "what": WHAT.get(action, ("of these", "of these"))[rate.limit != 1],
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
        return "hour" if hours == 1 else f"{hours} hours"
    if seconds >= 60:
        minutes = math.ceil(seconds / 60)
        return "minute" if minutes == 1 else f"{minutes} minutes"
    return "second" if seconds == 1 else f"{seconds} seconds"


def rate_limited(action: str) -> Callable:
    """A view decorator: a signed-in person's POST over the limit gets the 429 page and the view is
    not called; a POST the view answers with success (below 400) counts one."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = getattr(request, "user", None)
            if request.method != "POST" or user is None or not user.is_authenticated:
                return view(request, *args, **kwargs)
            wait = rate_limit_wait(action=action, who=user.pk)
            if wait:
                return rate_limited_response(request, action=action, wait=wait)
            response = view(request, *args, **kwargs)
            if response.status_code < 400:
                rate_limit_hit(action=action, who=user.pk)
            return response

        return wrapped

    return decorator
