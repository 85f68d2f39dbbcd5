"""Personal access tokens for the JSON API: made, listed, revoked at /me/tokens/, and checked on every call.

A token is `ss_` and 43 random URL-safe characters, shown once. Only its SHA-256 is stored: a token
carries 256 random bits, so a fast hash cannot be guessed back (as GitHub and Stripe keep theirs),
and looking one up is a single indexed query.
"""

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .mfa import step_up_token_expiry_refusal
from .models import ApiToken, User

PREFIX = "ss_"
SHOWN_PREFIX = 10  # "ss_" and 7 characters: enough to tell tokens apart, never enough to use one
MAX_ACTIVE = 20
# last_used_at is written at most this often per token, so a busy script does not write on every call.
LAST_USED_EVERY = dt.timedelta(minutes=1)
EXPIRY_CHOICES = {"30": 30, "90": 90, "365": 365, "never": None}


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too: the page shows them greyed)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_of(*, user: User, pk: int) -> ApiToken | None:
    """Token `pk` if it is `user`'s (revoked or expired too), else None: someone else's token is not
    there for them. One query."""
    return api_tokens_of(user=user).filter(pk=pk).first()


def api_token_create(
    *,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: dt.datetime | None,
    second_factor_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it and its secret text, which is never stored or shown again.
    `second_factor_at` is when the session making it gave its second factor, if it did just now: a token
    with a money scope needs it to move money for an account with two-factor on (accounts/mfa.py).

    Raises ValidationError by field: no name, no scope or an unknown one, an expiry in the past, a money
    scope without an expiry within STEP_UP_TOKEN_DAYS, or more than MAX_ACTIVE live tokens.
    """
    now = now or timezone.now()
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the token a name, such as the tool that will use it.")]
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = [_("At most 80 characters, please.")]
    scopes = list(dict.fromkeys(scopes))
    if not scopes:
        errors["scopes"] = [_("Choose at least one scope.")]
    elif unknown := [s for s in scopes if s not in ApiToken.Scope.values]:
        errors["scopes"] = [_("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(unknown)}]
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = [_("The expiry must be in the future.")]
    elif refusal := step_up_token_expiry_refusal(scopes=scopes, expires_at=expires_at, now=now):
        errors["expires_at"] = [refusal]
    live = api_tokens_of(user=user).filter(revoked_at__isnull=True).exclude(expires_at__lte=now).count()
    if live >= MAX_ACTIVE:
        errors["name"] = [
            _("You have %(count)s live tokens, the most there can be; revoke one first.") % {"count": live}
        ]
    if errors:
        raise ValidationError(errors)
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scopes=[s for s in ApiToken.Scope.values if s in scopes],
        prefix=raw[:SHOWN_PREFIX],
        digest=token_digest(raw),
        expires_at=expires_at,
        second_factor_at=second_factor_at,
    )
    return token, raw


def api_token_revoke(*, token: ApiToken, by: User, now: dt.datetime | None = None) -> ApiToken:
    """Revoke one of `by`'s tokens at once (a revoked token stays listed). Raises ApiToken.DoesNotExist
    for someone else's token: it is not there for them."""
    if token.user_id != by.pk:
        raise ApiToken.DoesNotExist
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=token.revoked_at)
    return token


def api_token_check(raw: str, *, now: dt.datetime | None = None) -> ApiToken | None:
    """The live token whose secret is `raw`, with its user; None for an unknown, revoked or expired one,
    or one whose user can no longer log in. Notes the time of use (at most once a minute)."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    now = now or timezone.now()
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
    if token is None or not token.is_active(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
