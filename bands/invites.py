"""Invite links shared by bands and venues.

The database keeps a random token per invite; the link carries it signed, so a
link that was altered is told apart from one that never existed. Expiry, uses
and revocation live on the row, so an invite can be revoked at any time.
"""

import zoneinfo
from datetime import timedelta

from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.mail.headers import address_mail_headers
from accounts.mail.suppression import mail_suppressed
from accounts.models import User
from accounts.services import email_queue, language_for_email
from core.web.site import site_url

from .models import InviteBase

SALT = "stageslot.invite"
DEFAULT_VALID_FOR = timedelta(days=14)
USED_UP = gettext_lazy("This invite link has been used as many times as it allows. Ask for a new one.")


class InviteError(Exception):
    """Why an invite link cannot be used; `str()` is the message for the person holding it."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def invite_link_token(*, kind: str, invite: InviteBase) -> str:
    """The token that goes into /join/<token>/ (kind is "band" or "venue")."""
    return signing.dumps({"k": kind, "t": invite.token}, salt=SALT, compress=True)


def invite_link_parse(signed: str) -> tuple[str, str]:
    """(kind, token) from a link token. Raises InviteError("tampered") when it was altered."""
    try:
        data = signing.loads(signed, salt=SALT)
        return str(data["k"]), str(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InviteError(
            _("This invite link is damaged or incomplete. Ask for the link again and copy all of it."),
            code="tampered",
        ) from exc


def invite_check_usable(invite: InviteBase, *, now=None) -> None:
    """Raise InviteError saying exactly why an invite cannot be used (revoked, expired, used up)."""
    now = now or timezone.now()
    if invite.revoked_at is not None:
        raise InviteError(_("This invite link was withdrawn by the person who sent it."), code="revoked")
    if invite.expires_at <= now:
        expired = timezone.localtime(invite.expires_at)
        raise InviteError(
            _("This invite link expired on %(day)s at %(time)s. Ask for a new one.")
            % {"day": date_format(expired, "d M Y"), "time": date_format(expired, "H:i")},
            code="expired",
        )
    if invite.uses >= invite.max_uses:
        raise InviteError(USED_UP, code="used_up")


def invite_withdraw(*, invites: QuerySet, pk: int) -> InviteBase:
    """Lock the invite `pk` of `invites` and mark it revoked; revoking twice keeps the first time.

    Call it inside a transaction. Raises the model's DoesNotExist for an unknown invite.
    """
    invite = invites.select_for_update().get(pk=pk)
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])
    return invite


def invite_use(invite: InviteBase) -> None:
    """Count one use of an invite the caller has locked. Raises InviteError("used_up") when none is left.

    With the row lock the check in invite_check_usable already holds; the guarded update still
    refuses on a database that ignores the lock, and the caller's transaction then rolls back.
    """
    counted = type(invite).objects.filter(pk=invite.pk, uses__lt=F("max_uses")).update(uses=F("uses") + 1)
    if not counted:
        raise InviteError(USED_UP, code="used_up")


def invite_email_queue(
    *,
    invite: InviteBase,
    by: User,
    name: str,
    time_zone: str,
    link: str,
    subject_template: str,
    pitch: str | Promise = "",
) -> None:
    """Email the invite to `invite.email` once the transaction commits (the address must be set).

    `name` is the band or venue to join, `time_zone` its zone (the expiry is shown in it) and
    `pitch` an optional line on what joining brings.
    """
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    # In the language of the account with that address, if there is one; else the site's.
    with translation.override(language_for_email(invite.email)):
        context = {
            "invite": invite,
            "name": name,
            "inviter": by,
            "role": invite.get_role_display(),
            "link": link,
            # Formatted here: the template's date filter would convert to the sender's zone.
            "expires": date_format(timezone.localtime(invite.expires_at, zone), "MOMENT_LONG_FORMAT"),
            "zone": zone.key,
            "pitch": pitch,
            "privacy_url": f"{site_url()}{reverse('privacy_notice')}",
        }
        message = EmailMultiAlternatives(
            subject=" ".join(render_to_string(subject_template, context).split()),
            body=render_to_string("stageslot/email/invite_message.txt", context),
            to=[invite.email],
            headers=address_mail_headers(email=invite.email),
        )
        message.attach_alternative(render_to_string("stageslot/email/invite_message.html", context), "text/html")
    if not mail_suppressed(email=invite.email):
        email_queue(message=message)
