"""/me/webhooks/: a band's leaders and admins, or a venue's staff, register https endpoints for events
about their bookings; each webhook's page shows its delivery log and sends a delivery again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.ratelimit import rate_limited

from ..forms.webhooks import WebhookForm
from ..selectors.webhooks import (
    webhook_delivery_for_manager,
    webhook_for_manager,
    webhook_log,
    webhook_owners,
    webhooks_of,
)
from ..services.webhooks import (
    SIGNATURE_HEADER,
    WebhookPermissionError,
    webhook_create,
    webhook_delete,
    webhook_delivery_resend,
)


@login_required
@rate_limited("webhook")
def webhook_list(request: HttpRequest) -> HttpResponse:
    bands, venues = webhook_owners(user=request.user)
    form = WebhookForm(request.POST or None, bands=bands, venues=venues)
    created, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                created = webhook_create(
                    by=request.user, url=form.cleaned_data["url"], events=form.cleaned_data["events"],
                    **form.owner_kwargs(),
                )  # fmt: skip
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except WebhookPermissionError as exc:
                form.add_error("owner", str(exc))
            else:
                status = 201
                form = WebhookForm(bands=bands, venues=venues)
    context = {
        "form": form,
        "has_owners": bool(bands or venues),
        "webhooks": list(webhooks_of(bands=bands, venues=venues)),
        # The secret is shown in this answer only; the page never shows it again.
        "created": created,
        "signature_header": SIGNATURE_HEADER,
    }
    return render(request, "bookings/webhooks/list.html", context, status=status)


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = webhook_for_manager(pk=pk, user=request.user)
    if webhook is None:
        raise Http404("No such webhook.")
    context = {"webhook": webhook, "deliveries": webhook_log(webhook=webhook)}
    return render(request, "bookings/webhooks/detail.html", context)


@login_required
@require_POST
def webhook_remove(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = webhook_for_manager(pk=pk, user=request.user)
    if webhook is None:
        raise Http404("No such webhook.")
    webhook_delete(webhook=webhook, by=request.user)
    messages.success(request, gettext("The webhook is removed."))
    return redirect("bookings:webhooks")


@login_required
@require_POST
@rate_limited("webhook")
def webhook_resend(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = webhook_delivery_for_manager(pk=pk, user=request.user)
    if delivery is None:
        raise Http404("No such delivery.")
    webhook_delivery_resend(delivery=delivery, by=request.user)
    messages.success(request, gettext("The %(event)s event is on its way again.") % {"event": delivery.event})
    return redirect("bookings:webhook_detail", pk=delivery.webhook_id)
