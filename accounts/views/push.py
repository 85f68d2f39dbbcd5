"""Web Push on a device: turning push on for this browser, and off for one of the person's devices. The
service worker that shows the notifications is the site's one worker (stageslot/views/road.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.web.htmx import HtmxHttpRequest
from core.web.json_body import BodyUnreadable, json_body

from ..push import push_subscription_delete, push_subscription_save


@login_required
@require_POST
def push_subscribe(request: HtmxHttpRequest) -> JsonResponse:
    """The browser's PushSubscription as JSON ({endpoint, keys: {p256dh, auth}}): push on for this device."""
    try:
        body = json_body(request) or {}
        keys = body.get("keys") or {}
        endpoint, p256dh, auth = str(body.get("endpoint", "")), str(keys.get("p256dh", "")), str(keys.get("auth", ""))
    except (BodyUnreadable, AttributeError):
        return JsonResponse({"error": _("The browser sent no subscription we can read.")}, status=400)
    label = request.headers.get("User-Agent", "")[:120]
    try:
        subscription = push_subscription_save(
            user=request.user, endpoint=endpoint, p256dh=p256dh, auth=auth, label=label
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages), "fields": exc.message_dict}, status=400)
    return JsonResponse({"id": subscription.pk, "message": _("Push is on for this device.")}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HtmxHttpRequest) -> HttpResponse:
    """Push off for one of the person's devices: by id (the settings page) or by its endpoint (this browser)."""
    pk = request.POST.get("id", "")
    endpoint = request.POST.get("endpoint", "")[:1000]
    removed = push_subscription_delete(
        user=request.user, subscription_id=int(pk) if pk.isdigit() else None, endpoint=endpoint
    )
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"removed": removed}, status=200 if removed else 404)
    if removed:
        messages.success(request, _("Push is off for that device."))
    else:
        messages.error(request, _("That device has no push to turn off."))
    return redirect("notifications:settings")
