"""A member's own calendar account that StageSlot reads (and may write gigs into) by itself: a CalDAV
server (Nextcloud, Fastmail, iCloud, Radicale, …) or Google Calendar.

Its busy time becomes availability.BusyInterval rows with source CONNECTED and source_id = this row's
pk, like an imported ICS calendar's. The secret (app password, refresh token) is stored encrypted.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .crypto import secret_decrypt, secret_encrypt


class ConnectedCalendar(models.Model):
    """One connected calendar account of a member, with what the last sync said."""

    class Provider(models.TextChoices):
        CALDAV = "caldav", _("CalDAV")
        GOOGLE = "google", _("Google Calendar")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="connected_calendars",
    )
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    name = models.CharField(_("name"), max_length=80, blank=True)
    # CalDAV: the server's address (the one the member typed, normalised) and the account's user name.
    server_url = models.CharField(_("server address"), max_length=2000, blank=True)
    username = models.CharField(_("user name"), max_length=200, blank=True)
    # CalDAV: an app password; Google: the refresh token. Fernet-encrypted (calendars.crypto).
    secret_encrypted = models.TextField(_("encrypted secret"), blank=True, editable=False)
    # Google: the account the grant came from.
    account_email = models.EmailField(_("account email"), blank=True)
    # Which of the account's calendars make the member busy: a list of their addresses (CalDAV) or ids
    # (Google); empty: all of them. `calendar_names` maps each known one to its display name.
    calendars = models.JSONField(_("calendars read"), default=list, blank=True)
    calendar_names = models.JSONField(_("calendar names"), default=dict, blank=True, editable=False)
    # Where the member's gigs are written (a CalDAV calendar's address); blank: gigs are not written.
    write_calendar_url = models.CharField(_("calendar for gigs"), max_length=2000, blank=True)
    # What was written there: {uid: sequence}; and the member feed's marks stamp when it was written.
    written = models.JSONField(_("written gigs"), default=dict, blank=True, editable=False)
    written_stamp = models.CharField(_("written stamp"), max_length=64, blank=True, editable=False)
    written_at = models.DateTimeField(_("gigs written at"), null=True, blank=True, editable=False)
    write_error = models.CharField(_("write error"), max_length=500, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True, editable=False)
    last_synced_at = models.DateTimeField(_("last synced at"), null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, editable=False)
    failures = models.PositiveIntegerField(
        _("failures"), default=0, editable=False, help_text=_("Failed syncs in a row.")
    )
    event_count = models.PositiveIntegerField(_("event count"), default=0, editable=False)
    # The server refused the credentials (401) or the grant was revoked: the member must connect again.
    needs_reconnect = models.BooleanField(_("needs reconnecting"), default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("connected calendar")
        verbose_name_plural = _("connected calendars")
        ordering = ["user", "created_at", "pk"]
        indexes = [models.Index(fields=["last_attempt_at"], name="calendars_connected_attempt")]

    def __str__(self) -> str:
        return self.name or self.account_email or self.username or gettext("Connected calendar")

    @property
    def secret(self) -> str:
        """The decrypted secret (raises calendars.crypto.SecretUnreadable when the key changed)."""
        return secret_decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = secret_encrypt(value)

    @property
    def server_hint(self) -> str:
        """The server's host, enough to recognise the account."""
        from urllib.parse import urlsplit

        return urlsplit(self.server_url).hostname or "" if self.server_url else self.account_email

    @property
    def writes_gigs(self) -> bool:
        return bool(self.write_calendar_url)


class GrantRevocation(models.Model):
    """A Google grant still to be revoked at Google after its calendar was forgotten (its person closed their
    account and Google could not be told at once). Only the encrypted token: no key to the person, no
    address. The worker tries again with growing pauses and deletes the row once Google confirms or gives up."""

    provider = models.CharField(_("provider"), max_length=10, choices=ConnectedCalendar.Provider.choices)
    secret_encrypted = models.TextField(_("encrypted secret"), editable=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt at"), editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant revocation")
        verbose_name_plural = _("grant revocations")
        indexes = [models.Index(fields=["next_attempt_at"], name="calendars_revocation_due")]

    def __str__(self) -> str:
        return gettext("Grant revocation %(pk)s") % {"pk": self.pk}

    @property
    def secret(self) -> str:
        return secret_decrypt(self.secret_encrypted)
