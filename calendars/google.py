"""The one place that talks to Google for calendars: connecting a member's Google account (OAuth 2.0
authorisation code with PKCE and `state`) and reading their busy times through the free/busy API.

StageSlot asks only for `calendar.freebusy` (when someone is busy, never what they do) plus `openid email`
(which account it is). Google gives a refresh token once, at the first consent (`access_type=offline`,
`prompt=consent` makes it give one again on a reconnect); each sync trades it for an access token, so no
access token is stored. The endpoints are settings (GOOGLE_OAUTH_*_URL, GOOGLE_CALENDAR_API_URL) so a test
can point them elsewhere; tests answer at the HTTP boundary with recorded answers (calendars/tests/).

Every failure is a GoogleError whose `str()` is a sentence for the calendar's owner. GoogleRevoked means
reconnecting is the only cure (`invalid_grant`, 401, 403 for a missing scope); any other GoogleError is
worth trying again later (time-outs, 5xx, 429, garbage). Nothing here writes to the database.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from core.transport.outbound import (
    OutboundError,
    OutboundRefused,
    OutboundSession,
    OutboundTimeout,
    Response,
    outbound_session,
)

from .clients import BusyTime, CalendarAuthError, CalendarSyncError
from .crypto import SecretUnreadable

if TYPE_CHECKING:
    from .models import ConnectedCalendar

logger = logging.getLogger(__name__)

FREEBUSY_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
SCOPES = ("openid", "email", FREEBUSY_SCOPE)
GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
# Google answers "The requested time range is too long" past 90 days: a longer window is asked in pieces.
FREEBUSY_MAX_SPAN = dt.timedelta(days=90)
# At most 50 calendars per free/busy query (calendarExpansionMax).
FREEBUSY_MAX_CALENDARS = 50
# Reasons a 403 carries that are about pace or quota, not about the grant: try again later.
_SLOW_DOWN_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"})
# Per-calendar reasons in a free/busy answer that mean "Google is unwell", not "this calendar is gone".
_CALENDAR_TEMPORARY_REASONS = frozenset({"internalError", "backendError"})

MSG_REVOKED = _("Google no longer lets StageSlot read this calendar – connect it again.")
MSG_SCOPE_MISSING = _(
    "Google did not give StageSlot permission to see when you are busy. Connect again and leave the "
    "box for your calendar ticked."
)
MSG_TIMEOUT = _("Google took longer than %(seconds)s seconds to answer; we will try again in a few minutes.")
MSG_UNREACHABLE = _("We could not reach Google; we will try again in a few minutes.")
MSG_SERVER_ERROR = _("Google had an error (HTTP %(status)s); we will try again in a few minutes.")
MSG_SLOW_DOWN = _("Google asks us to slow down; we will try again later.")
MSG_GARBLED = _("Google sent an answer we could not understand; we will try again in a few minutes.")
MSG_REFUSED = _("Google refused the request (HTTP %(status)s); we will try again later.")
MSG_KEYS_REFUSED = _("Google did not accept StageSlot's keys for Google Calendar; we have been told.")
MSG_NOT_CONFIGURED = _("Google Calendar is not set up on this StageSlot.")
MSG_CODE_REFUSED = _("Google did not accept the sign-in (it may have expired); please connect again.")
MSG_NO_REFRESH_TOKEN = _("Google did not hand over lasting access to your calendar; please connect again.")


class GoogleError(CalendarSyncError):
    """Google could not be asked or gave no usable answer: try again later. `str()` is the owner's sentence."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))


class GoogleRevoked(GoogleError, CalendarAuthError):
    """The grant is gone (revoked, expired, or the scope taken away): only connecting again helps."""

    def __init__(self, message: object = MSG_REVOKED) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Authorization:
    """Where to send the member, and what to keep in their session for the callback."""

    url: str
    state: str
    code_verifier: str


@dataclass(frozen=True)
class Grant:
    """What the token endpoint gave for an authorisation code."""

    refresh_token: str
    access_token: str
    email: str
    scopes: frozenset[str]


def is_configured() -> bool:
    """Whether Google's keys are set (the Connect button shows only then)."""
    return bool(settings.GOOGLE_CLIENT_ID and settings.GOOGLE_CLIENT_SECRET)


def _seconds(value: float) -> str:
    whole = float(value).is_integer()
    return number_format(int(value) if whole else value, decimal_pos=None if whole else 1)


# ---- connecting ------------------------------------------------------------------------------------------


def authorization_start(*, redirect_uri: str, login_hint: str = "") -> Authorization:
    """A fresh `state` and PKCE verifier (S256), and Google's consent page address carrying them."""
    if not is_configured():
        raise GoogleError(MSG_NOT_CONFIGURED)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-], within RFC 7636's 43..128
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    params = {
        "client_id": settings.GOOGLE_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        # A refresh token, and again on a reconnect (Google gives one only with consent shown).
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "false",
    }
    if login_hint:
        params["login_hint"] = login_hint
    return Authorization(
        url=f"{settings.GOOGLE_OAUTH_AUTHORIZE_URL}?{urlencode(params)}", state=state, code_verifier=verifier
    )


def code_exchange(*, code: str, code_verifier: str, redirect_uri: str) -> Grant:
    """Trade the callback's code for tokens. Raises GoogleRevoked for a code Google refuses, GoogleError for
    a missing scope, a missing refresh token and anything else that went wrong."""
    answer = _token_call(
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": code_verifier,
            "redirect_uri": redirect_uri,
        },
        refused=MSG_CODE_REFUSED,
    )
    scopes = frozenset(str(answer.get("scope", "")).split())
    if FREEBUSY_SCOPE not in scopes:
        raise GoogleError(MSG_SCOPE_MISSING)
    refresh_token = answer.get("refresh_token")
    access_token = answer.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise GoogleError(MSG_GARBLED)
    if not isinstance(refresh_token, str) or not refresh_token:
        raise GoogleError(MSG_NO_REFRESH_TOKEN)
    return Grant(
        refresh_token=refresh_token,
        access_token=access_token,
        email=_id_token_email(answer.get("id_token")),
        scopes=scopes,
    )


def access_token_for(*, refresh_token: str) -> str:
    """A fresh access token (valid about an hour). Raises GoogleRevoked when the grant is gone."""
    answer = _token_call({"grant_type": "refresh_token", "refresh_token": refresh_token}, refused=MSG_REVOKED)
    scopes = answer.get("scope")
    if isinstance(scopes, str) and scopes and FREEBUSY_SCOPE not in scopes.split():
        raise GoogleRevoked(MSG_SCOPE_MISSING)
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise GoogleError(MSG_GARBLED)
    return token


def token_revoke(*, token: str) -> bool:
    """Ask Google to forget the grant (on disconnect). Best effort: False when Google could not be told;
    a token Google no longer knows counts as revoked."""
    if not token:
        return True
    try:
        response = _session().post(
            settings.GOOGLE_OAUTH_REVOKE_URL, data={"token": token}, timeout=settings.GOOGLE_CALENDAR_TIMEOUT
        )
    except (OutboundError, OutboundRefused) as exc:
        logger.info("Revoking a Google grant failed: %s", exc)
        return False
    if response.status_code == 200:
        return True
    return response.status_code == 400 and _json(response).get("error") == "invalid_token"


def _token_call(data: dict[str, str], *, refused: object) -> dict[str, Any]:
    if not is_configured():
        raise GoogleError(MSG_NOT_CONFIGURED)
    body = {**data, "client_id": settings.GOOGLE_CLIENT_ID, "client_secret": settings.GOOGLE_CLIENT_SECRET}
    response = _post(settings.GOOGLE_OAUTH_TOKEN_URL, data=body)
    answer = _json(response)
    if response.status_code == 200:
        if not answer:
            raise GoogleError(MSG_GARBLED)
        return answer
    error = answer.get("error") if isinstance(answer.get("error"), str) else ""
    if error == "invalid_grant":
        raise GoogleRevoked(refused)
    if error in ("invalid_client", "unauthorized_client"):
        logger.error("Google refused StageSlot's client keys: %s", error)
        raise GoogleError(MSG_KEYS_REFUSED)
    raise _http_error(response, answer)


def _id_token_email(id_token: object) -> str:
    """The account's address from the ID token. It came straight from Google's token endpoint over TLS,
    so its signature need not be checked (OpenID Connect Core 3.1.3.7); its audience and issuer are."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        raise GoogleError(MSG_GARBLED)
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        raise GoogleError(MSG_GARBLED) from None
    if not isinstance(claims, dict):
        raise GoogleError(MSG_GARBLED)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if settings.GOOGLE_CLIENT_ID not in audiences or claims.get("iss") not in GOOGLE_ISSUERS:
        raise GoogleError(MSG_GARBLED)
    email = claims.get("email")
    return email[:254] if isinstance(email, str) else ""


# ---- reading busy time -----------------------------------------------------------------------------------


def free_busy(
    *, access_token: str, start: dt.datetime, end: dt.datetime, calendar_ids: Sequence[str] = ("primary",)
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The busy stretches of the given calendars between two aware datetimes, merged, in UTC.

    A window longer than Google takes is asked in 90-day pieces, up to 50 calendars at a time. A listed
    calendar Google no longer knows is left out; the primary one must answer. Raises GoogleRevoked on 401
    or a 403 about permission, GoogleError for everything else.
    """
    ids = list(dict.fromkeys(calendar_ids or ("primary",)))
    busy: list[tuple[dt.datetime, dt.datetime]] = []
    for piece_start, piece_end in _pieces(start, end, FREEBUSY_MAX_SPAN):
        for index in range(0, len(ids), FREEBUSY_MAX_CALENDARS):
            group = ids[index : index + FREEBUSY_MAX_CALENDARS]
            busy += _free_busy_piece(access_token, piece_start, piece_end, group)
    return merge(busy)


def busy_between(calendar: ConnectedCalendar, start: dt.datetime, end: dt.datetime) -> list[BusyTime]:
    """The provider call of the sync pipeline (calendars.clients): a fresh access token from the stored
    refresh token, then the busy time of the primary calendar and any listed in `calendar.calendars`.
    Google's free/busy answer has no titles. Raises GoogleRevoked (a CalendarAuthError) or GoogleError."""
    try:
        refresh_token = calendar.secret
    except SecretUnreadable:
        raise GoogleRevoked() from None
    if not refresh_token:
        raise GoogleRevoked()
    access_token = access_token_for(refresh_token=refresh_token)
    listed = [str(i) for i in calendar.calendars or () if i]
    busy = free_busy(access_token=access_token, start=start, end=end, calendar_ids=["primary", *listed])
    return [BusyTime(start=s, end=e) for s, e in busy]


def _pieces(start: dt.datetime, end: dt.datetime, span: dt.timedelta) -> Iterable[tuple[dt.datetime, dt.datetime]]:
    while start < end:
        piece_end = min(start + span, end)
        yield start, piece_end
        start = piece_end


def _free_busy_piece(
    access_token: str, start: dt.datetime, end: dt.datetime, ids: list[str]
) -> list[tuple[dt.datetime, dt.datetime]]:
    response = _post(
        f"{settings.GOOGLE_CALENDAR_API_URL.rstrip('/')}/freeBusy",
        json={"timeMin": _rfc3339(start), "timeMax": _rfc3339(end), "items": [{"id": i} for i in ids]},
        headers={"Authorization": f"Bearer {access_token}"},
    )
    answer = _json(response)
    if response.status_code != 200:
        raise _http_error(response, answer)
    calendars = answer.get("calendars")
    if not isinstance(calendars, dict):
        raise GoogleError(MSG_GARBLED)
    busy = []
    for calendar_id in ids:
        entry = calendars.get(calendar_id)
        if not isinstance(entry, dict):
            raise GoogleError(MSG_GARBLED)
        reasons = {e.get("reason") for e in entry.get("errors") or () if isinstance(e, dict)}
        if reasons & _CALENDAR_TEMPORARY_REASONS or (reasons and calendar_id == "primary"):
            raise GoogleError(MSG_SERVER_ERROR % {"status": response.status_code})
        if reasons:
            logger.info("Google left out a listed calendar: %s", sorted(map(str, reasons)))
            continue
        stretches = entry.get("busy", [])
        if not isinstance(stretches, list):
            raise GoogleError(MSG_GARBLED)
        for stretch in stretches:
            pair = _stretch(stretch)
            if pair is None:
                raise GoogleError(MSG_GARBLED)
            clipped = (max(pair[0], start), min(pair[1], end))
            if clipped[0] < clipped[1]:
                busy.append(clipped)
    return busy


def _stretch(stretch: object) -> tuple[dt.datetime, dt.datetime] | None:
    if not isinstance(stretch, dict):
        return None
    try:
        start = dt.datetime.fromisoformat(stretch["start"])
        end = dt.datetime.fromisoformat(stretch["end"])
    except (KeyError, TypeError, ValueError):
        return None
    if start.tzinfo is None or end.tzinfo is None or end < start:
        return None
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def merge(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Sorted, with overlapping and touching stretches joined (pieces meet at their seams)."""
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- HTTP ------------------------------------------------------------------------------------------------

_local = threading.local()


def _session() -> OutboundSession:
    """One session per thread, so a worker reuses its connections to Google across calendars. The endpoints
    are settings, not a person's input, but they go through the one outbound guard all the same: public
    addresses only, pinned, and no redirect followed."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = outbound_session(max_redirects=0, timeout=settings.GOOGLE_CALENDAR_TIMEOUT)
        session.headers["User-Agent"] = "StageSlot calendar sync"
    return session


def _post(url: str, **kwargs: Any) -> Response:
    timeout = settings.GOOGLE_CALENDAR_TIMEOUT
    try:
        return _session().post(url, timeout=timeout, allow_redirects=False, **kwargs)
    except OutboundTimeout:
        raise GoogleError(MSG_TIMEOUT % {"seconds": _seconds(timeout)}) from None
    except OutboundRefused as exc:
        if exc.code == "timeout":
            raise GoogleError(MSG_TIMEOUT % {"seconds": _seconds(timeout)}) from None
        logger.warning("The outbound guard refused a Google endpoint: %s", exc)
        raise GoogleError(MSG_UNREACHABLE) from None
    except OutboundError as exc:
        logger.info("Google could not be reached: %s", exc)
        raise GoogleError(MSG_UNREACHABLE) from None


def _json(response: Response) -> dict[str, Any]:
    """The answer's JSON object, or {} when it is not one (an HTML error page, cut-off bytes)."""
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _http_error(response: Response, answer: dict[str, Any]) -> GoogleError:
    status = response.status_code
    if status == 401:
        return GoogleRevoked()
    if status == 429:
        return GoogleError(MSG_SLOW_DOWN)
    if status == 403:
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        reasons = {e.get("reason") for e in error.get("errors") or () if isinstance(e, dict)}
        reasons |= {d.get("reason") for d in error.get("details") or () if isinstance(d, dict)}
        if reasons & _SLOW_DOWN_REASONS:
            return GoogleError(MSG_SLOW_DOWN)
        if reasons & {"accessNotConfigured", "SERVICE_DISABLED"}:
            logger.error("The Google Calendar API is not enabled for StageSlot's Google project")
            return GoogleError(MSG_REFUSED % {"status": status})
        return GoogleRevoked()
    if status >= 500:
        return GoogleError(MSG_SERVER_ERROR % {"status": status})
    if status == 200 or not answer:
        return GoogleError(MSG_GARBLED)
    logger.warning("Google answered HTTP %s: %s", status, str(answer)[:300])
    return GoogleError(MSG_REFUSED % {"status": status})
