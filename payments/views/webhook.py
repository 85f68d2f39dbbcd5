"""Stripe's webhook: one endpoint, the signature verified (a bad one is a 400 and changes nothing),
each event applied once; when it cannot be applied now (Stripe unreachable to read the object again,
a failure of ours), a 503, and Stripe sends it again."""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..services.stripe_events import BadEvent, stripe_event_receive

logger = logging.getLogger(__name__)

# Stripe's events are small; anything far larger is not one.
MAX_BODY = 256 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        outcome = stripe_event_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except BadEvent as exc:
        logger.warning("A Stripe webhook with a bad signature or body was refused: %s", exc)
        return JsonResponse({"error": "bad signature"}, status=400)
    except Exception:
        logger.exception("A Stripe webhook could not be applied now; Stripe sends it again")
        return JsonResponse({"error": "not applied, send it again"}, status=503)
    return JsonResponse({"outcome": outcome})
