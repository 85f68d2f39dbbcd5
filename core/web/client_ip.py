"""The address a request came from, as our own proxies saw it: the key of every per-address limit
(allauth's login, failed-login, signup and password-reset limits, through AccountAdapter, and with
them the staff login, which is the site's login).

Behind N proxies of ours, REMOTE_ADDR is the innermost proxy and every proxy appends the address it
saw to X-Forwarded-For; the N-th entry from the right is the one the outermost proxy saw, the
visitor. Whatever stands left of it came from the visitor and may be made up, so it is never read.
N is settings.ALLAUTH_TRUSTED_PROXY_COUNT (env STAGESLOT_TRUSTED_PROXIES; docs/decisions/0016).
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address; REMOTE_ADDR without trusted proxies, or when X-Forwarded-For is
    missing, holds fewer entries than there are trusted proxies, or is no address where the outermost
    proxy's entry should be. None only when REMOTE_ADDR is no address either."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("X-Forwarded-For", "")
    if proxies <= 0:
        return remote
    entries = forwarded.split(",")
    found = _address(entries[-proxies]) if len(entries) >= proxies else None
    if found is None:
        # Our proxies always append a valid address: the count is set too high, a proxy does not
        # append, or this request did not come through them. It shares the limits of its sender.
        logger.warning(
            "X-Forwarded-For %r does not fit %d trusted proxies; using REMOTE_ADDR %s", forwarded[:200], proxies, remote
        )
        return remote
    return found


def _address(text: str) -> str | None:
    """An IP address in its normal form, without a port ("203.0.113.5:4711", "[2001:db8::1]:443");
    None for anything else."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
