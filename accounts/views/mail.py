"""The one-click unsubscribe link of every notification email (RFC 8058, docs/decisions/0080).

A mail client's one-click POST comes without cookies or CSRF token: the POST is CSRF-exempt and the
signed token alone says whose mail of which kind to turn off. A GET (a person, or a mail scanner
following links) only shows what the button will change. The token works for its person and kind only;
a forged or outdated one is refused and changes nothing.
"""

import base64
import logging
from collections.abc import Callable
from functools import wraps

from anymail.exceptions import AnymailConfigurationError
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..links import LinkPerson, link_for_a_person, link_person_of_account
from ..mail.suppression import mail_suppressed, mail_suppression_add
from ..mail.tokens import ADDRESS, DIGEST, Unsubscribe, unsubscribe_read
from ..models import MailSuppression
from ..notification_kinds import kind_of
from ..notifications import notification_email_is_off, notification_email_unsubscribe

TEMPLATE = "accounts/mail/unsubscribe.html"
logger = logging.getLogger(__name__)


def _addressee(request: HttpRequest, token: str) -> LinkPerson | None:
    try:
        link = unsubscribe_read(token)
    except signing.BadSignature:
        return None
    return link_person_of_account(link.user.pk) if link.user else LinkPerson(name="", email=link.email)


def _label(kind: str) -> str:
    if kind == ADDRESS:
        return _("Asks, offers and invitations from StageSlot")
    return _("The daily digest") if kind == DIGEST else kind_of(kind).label


@csrf_exempt
@require_http_methods(["GET", "POST"])
@link_for_a_person(_addressee, eyebrow=_("Unsubscribe"))
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the button turns off, and the button. POST: turn it off (the mail client's one click)."""
    try:
        link: Unsubscribe = unsubscribe_read(token)
    except signing.BadSignature:
        return render(request, TEMPLATE, {"state": "invalid"}, status=400)
    if link.kind == ADDRESS:
        # Someone without an account: StageSlot's mail to the address stops (mail_suppressed holds it back).
        context = {"label": _label(link.kind), "person": {"email": link.email}, "digest": False}
        if request.method == "GET":
            state = "off" if mail_suppressed(email=link.email) else "confirm"
            return render(request, TEMPLATE, {**context, "state": state})
        changed = mail_suppression_add(email=link.email, reason=MailSuppression.Reason.UNSUBSCRIBED)
        return render(request, TEMPLATE, {**context, "state": "done" if changed else "off"})
    context = {"label": _label(link.kind), "person": link.user, "digest": link.kind == DIGEST}
    if request.method == "GET":
        state = "off" if notification_email_is_off(user=link.user, kind=link.kind) else "confirm"
        return render(request, TEMPLATE, {**context, "state": state})
    changed = notification_email_unsubscribe(user=link.user, kind=link.kind)
    return render(request, TEMPLATE, {**context, "state": "done" if changed else "off"})


def _read_a_large_reply(request: HttpRequest) -> None:
    """An inbound post larger than Django's DATA_UPLOAD_MAX_MEMORY_SIZE (a reply with attachments, base64 in
    JSON) is read here, up to what MAIL_INBOUND_MAX_BYTES allows, once its basic auth is the secret's: so
    a reply up to that size is stored, and a larger one refused with a bounce (accounts.mail.inbound),
    instead of a 400 the service retries. Anything else keeps Django's limit."""
    length = int(request.META.get("CONTENT_LENGTH") or 0) if request.META.get("CONTENT_LENGTH", "").isdigit() else 0
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    allowed = settings.MAIL_INBOUND_MAX_BYTES * 4 // 3 + 1024 * 1024  # base64 and the JSON around it
    if request.method != "POST" or limit is None or length <= limit or length > allowed:
        return
    secret = settings.ANYMAIL.get("WEBHOOK_SECRET") or ""
    expected = "Basic " + base64.b64encode(str(secret).encode()).decode()
    if secret and constant_time_compare(request.META.get("HTTP_AUTHORIZATION", ""), expected):
        request._body = request.read(allowed)


def _empty(request: HttpRequest) -> bool:
    """A post with nothing in it: an empty body, an empty JSON object or list, or a form (Mailgun's routes post
    multipart forms, read as a stream before this) with no field and no file."""
    try:
        return request.body.strip() in (b"", b"{}", b"[]")
    except RawPostDataException:
        return not request.POST and not request.FILES


def webhook_guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """anymail's webhook view, with a body it cannot read (not JSON, not the service's shape) answered 400
    instead of 500: a 500 would make the service post the same broken body again and again. Its basic auth
    is checked first, by anymail, so an unsigned post never gets this far."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _read_a_large_reply(request)
        if request.method == "POST" and _empty(request):
            return HttpResponseBadRequest("This is not an event or message of the mail service.")
        try:
            return view(request, *args, **kwargs)
        # AnymailConfigurationError: an event of another kind posted here (the service's webhook set wrong).
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, AnymailConfigurationError) as exc:
            logger.warning("A %s webhook post could not be read: %r", request.path, exc)
            return HttpResponseBadRequest("This is not an event or message of the mail service.")

    return guarded
