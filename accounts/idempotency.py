"""Changes that may be sent more than once: a change made offline is kept on the device and replayed later,
perhaps twice (a lost answer, two tabs). Such a request carries an `Idempotency-Key` header; the view that
takes it is wrapped in `@replayable`, which runs it once per person and key and answers the same key again
with the first answer (IETF draft-ietf-httpapi-idempotency-key-header):

- a new key: the view runs in one transaction with the key's row; a 5xx (or an exception) rolls both back,
  so the device may send it again;
- the same key and body again: the kept answer, nothing changes;
- the same key with another body: 422;
- `X-StageSlot-As` naming another person than the one signed in: 409, no change lands under another
  person's sign-in.

A change the services refuse as stale (someone changed it since the version the device saw) is answered by
the view with `stale_response`: 409 with both versions, never applied."""

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyKey

KEY_HEADER = "Idempotency-Key"
AS_HEADER = "X-StageSlot-As"
KEPT_DAYS = 30
KEPT_BODY_CHARS = 200_000


def _hash(request: HttpRequest) -> str:
    """The change's fingerprint: its address and its fields (each field's values in the order sent; the
    CSRF token left out, since a replay carries a fresh one)."""
    fields = [(name, values) for name, values in sorted(request.POST.lists()) if name != "csrfmiddlewaretoken"]
    return hashlib.sha256(json.dumps([request.method, request.path, fields]).encode()).hexdigest()


def _answer(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(row.body, status=row.status, content_type=row.content_type or "text/html")
    if row.location:
        response["Location"] = row.location
    response["Idempotent-Replayed"] = "true"
    return response


def replayable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run `view` once per (person, Idempotency-Key); without the header the view runs as always. Goes
    inside @login_required (an anonymous request never reaches it)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = request.headers.get(KEY_HEADER, "")
        if not key or request.method != "POST":
            return view(request, *args, **kwargs)
        if len(key) > 64 or not key.isascii():
            return JsonResponse({"error": _("The change's key is not one we can read.")}, status=400)
        sent_as = request.headers.get(AS_HEADER, "")
        if sent_as and sent_as != str(request.user.pk):
            return JsonResponse({"error": _("This change was made under another sign-in; it is not sent.")}, status=409)
        body_hash = _hash(request)
        kept = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if kept is not None:
            return _answer(kept) if kept.body_hash == body_hash else _other_body()
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                    return response
                IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    body_hash=body_hash,
                    path=request.path[:300],
                    status=response.status_code,
                    content_type=response.get("Content-Type", "")[:100],
                    location=response.get("Location", "")[:500],
                    body=_text(response),
                )
        except IntegrityError:
            # The same key arrived twice at once: the other one ran it.
            kept = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if kept is None:
                raise
            return _answer(kept) if kept.body_hash == body_hash else _other_body()
        return response

    wrapped.replayable = True  # type: ignore[attr-defined]
    return wrapped


def _text(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(response.charset or "utf-8", "replace")[:KEPT_BODY_CHARS]


def _other_body() -> HttpResponse:
    return JsonResponse({"error": _("This key was sent before with another change.")}, status=422)


def stale_response(request: HttpRequest, *, message: str, theirs: str, yours: str) -> HttpResponse | None:
    """The 409 of a replayed change that is stale: both versions, for the device to show. None for a
    click on the page (no key): the page shows its own message then."""
    if not request.headers.get(KEY_HEADER):
        return None
    return JsonResponse({"conflict": {"message": message, "theirs": theirs, "yours": yours}}, status=409)


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Forget keys older than 30 days (a device offline longer sends its changes as new ones)."""
    now = now or timezone.now()
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=now - dt.timedelta(days=KEPT_DAYS)).delete()
    return deleted
