"""Emails that come in through the mail service (django-anymail's `inbound` signal): replies to thread emails.

The receiver only stores: one InboundMail row per message (its Message-ID unique, so a message the
service posts twice is handled once), then queues by name the task of the address's purpose
(settings.MAIL_INBOUND_PURPOSES: "t" → bookings' thread reply), so accounts never imports bookings and the
webhook answers at once. A message over MAIL_INBOUND_MAX_BYTES, or to no reply address of ours, is
recorded and refused; nothing else is done with it.

Mail never answers a forger: a refusal (or a note on attachments left out) goes only to a sender the mail
service verified itself (DMARC, or SPF or DKIM for the From address's domain, read where that service puts
its own verdict: `inbound_sender_verified`, never a header the sender wrote), never to a
suppressed address, at most MAIL_INBOUND_ANSWERS_PER_DAY a day to one address, and never repeats the
message's own words (its subject): an answer carries StageSlot's words only.
"""

import datetime as dt
import email.utils
import hashlib
import logging
import re

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy
from kombu.exceptions import OperationalError

from core.queue import task_queue, task_run_here

from ..models import InboundMail
from ..services import email_queue, language_for_email, lazy_text
from .suppression import mail_suppressed
from .tokens import reply_address_purpose

logger = logging.getLogger(__name__)

# Answers (refusals, attachments left out) to one sender address within a day, at most.
MAIL_INBOUND_ANSWERS_PER_DAY = 3
_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(\w+)([^;]*)", re.IGNORECASE)
_DOMAIN_OF = re.compile(r"(?:smtp\.mailfrom|header\.d|header\.from|envelope-from|header\.i)\s*=\s*\"?([^\s;\"]+)")


def _addresses(message, header: str) -> list[str]:
    return [address for _name, address in email.utils.getaddresses(message.get_all(header, [])) if address]


def inbound_reply_address(message) -> str:
    """The first address of ours the message was sent to (To, Cc, the envelope's recipient), or ""."""
    envelope = getattr(message, "envelope_recipient", None) or ""
    candidates = [envelope, *_addresses(message, "To"), *_addresses(message, "Cc")]
    for address in candidates:
        if reply_address_purpose(address):
            return address.strip()
    return ""


def inbound_is_automatic(message) -> bool:
    """Whether the message was sent by a machine (an auto-reply, a bounce, a list): it gets no answer."""
    auto = (message.get("Auto-Submitted") or "no").strip().casefold()
    precedence = (message.get("Precedence") or "").strip().casefold()
    return (
        auto != "no"
        or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or getattr(message, "envelope_sender", None) == ""  # the null sender of a bounce
    )


def _domain(value: str) -> str:
    return value.rpartition("@")[2].strip(' <>"').casefold().rstrip(".")


def _aligned(domain: str, sender_domain: str) -> bool:
    return bool(domain) and (sender_domain == domain or sender_domain.endswith("." + domain))


def _pass_for(results: str, sender_domain: str) -> bool:
    """Whether one Authentication-Results value says dmarc=pass, or spf/dkim=pass for the From domain."""
    for method, verdict, rest in _RESULT.findall(results):
        if verdict.casefold() != "pass":
            continue
        if method.casefold() == "dmarc":
            domain = next(iter(_DOMAIN_OF.findall(rest)), sender_domain)
            if _aligned(_domain(domain), sender_domain):
                return True
        elif any(_aligned(_domain(d), sender_domain) for d in _DOMAIN_OF.findall(rest)):
            return True
    return False


def _envelope_aligned(message, sender_domain: str) -> bool:
    return _aligned(_domain(getattr(message, "envelope_sender", None) or ""), sender_domain)


def _postmark(message, sender_domain: str, esp_event) -> bool:
    """Postmark puts its own Received-SPF on top of every inbound message; it adds no Authentication-Results."""
    received_spf = (message.get("Received-SPF") or "").strip()
    if not received_spf.casefold().startswith("pass"):
        return False
    found = _DOMAIN_OF.findall(received_spf) or [getattr(message, "envelope_sender", None) or ""]
    return any(_aligned(_domain(d), sender_domain) for d in found)


def _mailgun(message, sender_domain: str, esp_event) -> bool:
    """Mailgun puts its own X-Mailgun-Spf on top of every message it forwards (a pass for the envelope sender)."""
    verdict = (message.get("X-Mailgun-Spf") or "").strip().casefold()
    return verdict == "pass" and _envelope_aligned(message, sender_domain)


def _amazon_ses(message, sender_domain: str, esp_event) -> bool:
    """Amazon SES gives its verdicts in the notification's receipt, outside the message: DMARC (aligned with
    the From domain by definition), or SPF for an envelope sender of the From domain."""
    receipt = esp_event.get("receipt", {}) if isinstance(esp_event, dict) else {}

    def status(name: str) -> str:
        verdict = receipt.get(name) or {}
        return str(verdict.get("status", "") if isinstance(verdict, dict) else "").upper()

    if status("dmarcVerdict") == "PASS":
        return True
    return status("spfVerdict") == "PASS" and _envelope_aligned(message, sender_domain)


_SENDGRID_DKIM = re.compile(r"@([^\s:{},]+)\s*:\s*(\w+)")


def _sendgrid(message, sender_domain: str, esp_event) -> bool:
    """SendGrid posts its verdicts as form fields beside the message: SPF ("pass", for the envelope sender) and
    dkim ("{@example.com : pass}", per signing domain)."""
    form = getattr(esp_event, "POST", None)
    if form is None:
        return False
    if (form.get("SPF") or "").strip().casefold() == "pass" and _envelope_aligned(message, sender_domain):
        return True
    return any(
        verdict.casefold() == "pass" and _aligned(_domain(domain), sender_domain)
        for domain, verdict in _SENDGRID_DKIM.findall(form.get("dkim") or "")
    )


# Where each mail service puts the verdict it reached itself (docs/configuration.md, "Replies by email"). A
# service not named here vouches for nobody, unless STAGESLOT_MAIL_INBOUND_AUTHSERV_ID names its receiving
# server: then the topmost Authentication-Results, if that server wrote it, is read.
# Keyed by anymail's esp_name.
SERVICE_VERDICTS = {"Postmark": _postmark, "Mailgun": _mailgun, "Amazon SES": _amazon_ses, "SendGrid": _sendgrid}


def _own_authentication_results(message, sender_domain: str) -> bool:
    authserv_id = (getattr(settings, "MAIL_INBOUND_AUTHSERV_ID", "") or "").strip().casefold()
    if not authserv_id:
        return False
    top = (message.get("Authentication-Results") or "").strip()
    server, _semicolon, results = top.partition(";")
    if server.split() and server.split()[0].casefold() == authserv_id:
        return _pass_for(results, sender_domain)
    return False


def inbound_sender_verified(message, sender: str, *, esp: str = "", esp_event=None) -> bool:
    """Whether the mail service `esp` vouched for `sender` (the From address), by the verdict it reached
    itself: the field or header SERVICE_VERDICTS reads for it, or the topmost Authentication-Results written by
    the receiving server named in settings.MAIL_INBOUND_AUTHSERV_ID. Never a header the sender could have
    written: an Authentication-Results or Received-SPF in the message is only read where the service always
    puts its own on top of it, so the first one is the service's."""
    sender_domain = _domain(sender)
    if not sender_domain:
        return False
    reader = SERVICE_VERDICTS.get(esp)
    if reader is not None and reader(message, sender_domain, esp_event):
        return True
    return _own_authentication_results(message, sender_domain)


def mail_inbound_store(*, message, esp: str, event_id: str | None = None, esp_event=None) -> InboundMail | None:
    """Record one inbound message and queue what its address asks for. `esp_event`: what the mail service
    posted (where its verdicts on the sender may be, inbound_sender_verified). Returns the row, or None for a
    message already recorded (posted again)."""
    raw = message.as_bytes()
    sender = (_addresses(message, "From") or [""])[0][:254]
    recipient = inbound_reply_address(message)
    key = (message.get("Message-ID") or "").strip() or (f"{esp}:{event_id}" if event_id else "")
    key = key[:200] or "sha256:" + hashlib.sha256(raw).hexdigest()
    too_big = len(raw) > settings.MAIL_INBOUND_MAX_BYTES
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = InboundMail.objects.create(
                    message_key=key,
                    esp=esp[:40],
                    recipient=recipient[:254],
                    sender=sender,
                    subject=" ".join(str(message.get("Subject", "")).split())[:200],
                    raw=b"" if too_big else raw,
                    size=len(raw),
                    sender_verified=inbound_sender_verified(message, sender, esp=esp, esp_event=esp_event),
                )
        except IntegrityError:
            return None
        if too_big:
            limit = settings.MAIL_INBOUND_MAX_BYTES // (1024 * 1024)
            mail_inbound_refuse(
                inbound=row,
                reason=lazy_text(
                    gettext_lazy("Your email is larger than %(limit)d MB, with its attachments."), limit=limit
                ),
                automatic=inbound_is_automatic(message),
            )
        elif not recipient:
            mail_inbound_refuse(
                inbound=row,
                reason=gettext_lazy("It was not sent to a reply address of StageSlot."),
                automatic=inbound_is_automatic(message),
            )
        else:
            task = settings.MAIL_INBOUND_PURPOSES[reply_address_purpose(recipient)]
            transaction.on_commit(lambda: _queue(task, row.pk))
    return row


def _queue(task: str, inbound_id: int) -> None:
    try:
        task_queue(task, inbound_id=inbound_id)
    except OperationalError:
        logger.warning("Broker unreachable; handling inbound mail %s here", inbound_id)
        task_run_here(task, inbound_id=inbound_id)


def _may_answer(inbound: InboundMail) -> bool:
    """Whether StageSlot may write to this message's sender: verified by the mail service, not suppressed,
    and answered fewer than MAIL_INBOUND_ANSWERS_PER_DAY times in the last day. Marks it answered if so (the
    caller holds the transaction the answer is queued in)."""
    if not inbound.sender or not inbound.sender_verified or mail_suppressed(email=inbound.sender):
        return False
    now = timezone.now()
    answered = InboundMail.objects.filter(
        sender__iexact=inbound.sender, answered_at__gt=now - dt.timedelta(days=1)
    ).count()
    if answered >= MAIL_INBOUND_ANSWERS_PER_DAY:
        return False
    InboundMail.objects.filter(pk=inbound.pk).update(answered_at=now)
    return True


def mail_inbound_refuse(*, inbound: InboundMail, reason: str | Promise, automatic: bool = False) -> None:
    """Mark an inbound message refused with `reason` (words for its sender), and answer the sender with a
    bounce that says why, once the transaction commits – unless the message came from a machine, which
    would answer back, or StageSlot may not answer it (`_may_answer`). A lazy `reason` is read in the
    sender's language; the bounce never repeats the message's subject or text."""
    InboundMail.objects.filter(pk=inbound.pk).update(
        state=InboundMail.State.REFUSED, problem=str(reason)[:300], handled_at=timezone.now()
    )
    if automatic or not _may_answer(inbound):
        return
    with translation.override(language_for_email(inbound.sender)):
        context = {"reason": str(reason)}
        message = EmailMessage(
            subject=gettext("Not delivered: your email to StageSlot"),
            body=render_to_string("accounts/email/inbound_refused.txt", context),
            to=[inbound.sender],
            headers={"Auto-Submitted": "auto-replied"},
        )
    email_queue(message=message)


def mail_inbound_applied(*, inbound: InboundMail, left_out: list[tuple[str, str | Promise]] = ()) -> None:
    """Mark an inbound message handled (its purpose's service did what it asked). `left_out`: the attachments
    (name, why) that were not taken; the sender is told which and why, once the transaction commits (only a
    sender StageSlot may answer: `_may_answer`)."""
    problem = "; ".join(f"{name}: {why}" for name, why in left_out)[:300]
    InboundMail.objects.filter(pk=inbound.pk).update(
        state=InboundMail.State.APPLIED, problem=problem, handled_at=timezone.now()
    )
    if not left_out or not _may_answer(inbound):
        return
    with translation.override(language_for_email(inbound.sender)):
        context = {"left_out": [(name, str(why)) for name, why in left_out]}
        message = EmailMessage(
            subject=gettext("Attachments not added to your reply"),
            body=render_to_string("accounts/email/inbound_left_out.txt", context),
            to=[inbound.sender],
            headers={"Auto-Submitted": "auto-replied"},
        )
    email_queue(message=message)


def mail_inbound_received(sender, event, esp_name: str, **kwargs) -> None:
    """anymail's `inbound` signal: one call per message, after the webhook's basic auth passed."""
    mail_inbound_store(message=event.message, esp=esp_name, event_id=event.event_id, esp_event=event.esp_event)
