"""The user: email is the login; display name, time zone, language and avatar for people."""

import uuid
import zoneinfo

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.db import prepared
from core.fields.timezones import validate_time_zone

from .people import PersonName


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get(self, *args, **kwargs) -> "User":
        """As QuerySet.get; a get by primary key alone – the signed-in person, read by every request's
        authentication – runs SQL compiled once (core/db/prepared.py)."""
        if args or kwargs.keys() != {"pk"} or self._db or self._hints:
            return super().get(*args, **kwargs)
        return prepared.one(_USER_BY_PK, kwargs["pk"], missing=lambda: self.model.DoesNotExist("No such user."))

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


def avatar_path(instance: "User", filename: str) -> str:
    # The file name is ours, never the uploader's; the extension follows the re-encoding.
    return f"avatars/{instance.pk or 'new'}/{filename}"


# An erased account's email is erased-<pk>@ this domain (stageslot/privacy/erasure.py; .invalid never delivers).
ERASED_EMAIL_DOMAIN = "erased.invalid"


class HereFor(models.TextChoices):
    """What a person said they came to StageSlot for (the dashboard leads each to its first steps). Blank:
    not asked yet, or they skipped the question."""

    BAND = "band", _("Play in a band")
    VENUE = "venue", _("Run a venue")
    BOOK = "book", _("Book music")
    FESTIVAL = "festival", _("Organise a festival")
    FAN = "fan", _("Follow bands")


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("How other people on StageSlot see you, e.g. “Sam Rivera”."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Times are shown to you in this zone."),
    )
    # Blank: the site's language (settings.LANGUAGE_CODE). Notifications and emails are written in it
    # (accounts.services.language_for), whatever language the person who caused them was using.
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Pages, notifications and emails reach you in this language."),
    )
    avatar = models.ImageField(_("avatar"), upload_to=avatar_path, blank=True)
    # Closing an account ends it at once and erases it after a grace period (docs/decisions/0082): closed,
    # the person can only keep it; erased, the row stays as a tombstone ("Former member") so that what
    # others keep (bookings, contracts, invoices) still points somewhere.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    # The version of the privacy notice and terms the person accepted at sign-up or last said they read, and
    # when (accounts/policy.py); blank: none yet (they signed up before versions were kept).
    policy_version = models.CharField(
        _("privacy notice version read"), max_length=40, blank=True, editable=False, db_default=""
    )
    policy_accepted_at = models.DateTimeField(_("privacy notice read at"), null=True, blank=True, editable=False)
    # What the person came for, as they said on their first page or in their profile (accounts.HereFor), or as
    # the invite they signed up through says: their dashboard's first steps follow it.
    here_for = models.CharField(
        _("here for"), max_length=16, blank=True, choices=HereFor.choices, default="", db_default=""
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> PersonName:
        """What to call this person on a page: their display name; an erased account is a "Former member";
        someone who gave no name "A StageSlot member" – never a part of their email, which is not for others
        to read. Read from the name and email alone (an erased account's email is at ERASED_EMAIL_DOMAIN), so
        a row loaded with only those fields draws its name without another query. A PersonName: a text others
        keep holds a reference to the person instead (accounts/people.py)."""
        if self.display_name:
            return PersonName(self.display_name, self.pk)
        _local, _at, domain = self.email.partition("@")
        if domain == ERASED_EMAIL_DOMAIN:
            return PersonName(gettext("Former member"), self.pk)
        return PersonName(gettext("A StageSlot member"), self.pk)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's hash of the password, which every session carries; a closed account's also covers when
        it was closed, so no session from before (or of another closing) is valid (docs/decisions/0082)."""
        if self.closed_at is None:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "stageslot.accounts.User.closed_session_hash",
            f"{self.password}|{self.closed_at.isoformat()}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class Notification(models.Model):
    """Something a person should know of, shown in the app and sent by email.

    The row is written in the transaction of the change it reports, so it is also the outbox of
    its email: `dedupe_key` makes the same event notify a person once, however often it is retried.
    """

    class Email(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        DIGEST = "digest", _("Waiting for the daily digest")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not wanted")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    # Who caused it, when someone did: the text names them by reference (accounts/people.py), drawn as
    # their name now; an erasure of the actor changes nothing in other people's notifications.
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("text"), max_length=500)
    link = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    # Extra for the email, e.g. {"actions": [{"label": "Accept", "path": "/bookings/act/…/"}]}.
    data = models.JSONField(_("data"), default=dict, blank=True)
    # False when the person wants this kind by email only: the row is then just the outbox.
    in_app = models.BooleanField(_("in app"), default=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(_("email state"), max_length=10, choices=Email.choices, default=Email.PENDING)
    email_sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_tried_at = models.DateTimeField(_("email tried at"), null=True, blank=True)
    email_error = models.CharField(_("email error"), max_length=300, blank=True)
    # When a worker took the email to send it (SENDING): a claim older than NOTIFICATION_EMAIL_CLAIM
    # means that worker died, and the email is sent again (accounts.services.notification_email_send).
    email_claimed_at = models.DateTimeField(_("email claimed at"), null=True, blank=True)
    # Web Push follows the email's "at once": "" (not pushed), pending (to push, or to try again), sent, failed.
    push_state = models.CharField(_("push state"), max_length=8, blank=True, default="")
    push_attempts = models.PositiveSmallIntegerField(_("push attempts"), default=0)
    push_tried_at = models.DateTimeField(_("push tried at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="accounts_notif_recipient"),
            models.Index(
                fields=["recipient"],
                name="accounts_notif_unread_in_app",
                condition=models.Q(read_at__isnull=True, in_app=True),
            ),
            models.Index(
                fields=["created_at"],
                name="accounts_notif_email_waiting",
                condition=models.Q(email_state__in=["pending", "sending", "digest"]),
            ),
        ]

    def __str__(self) -> str:
        # Translators: a notification in the staff screens: its kind code, the recipient's id and its text's start.
        return gettext("%(kind)s for %(recipient)s: %(text)s") % {
            "kind": self.kind,
            "recipient": self.recipient_id,
            "text": self.text[:40],
        }


class PushSubscription(models.Model):
    """One browser (device) of a person that receives Web Push notifications: the push service's address
    for it and the keys the browser gave to encrypt for it (RFC 8291). The push service answering 404 or
    410 means the browser dropped it: the row is then deleted."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("browser key"), max_length=100)
    auth = models.CharField(_("auth secret"), max_length=40)
    label = models.CharField(_("device"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    # Why the last push to this device did not arrive ("" after one that did): one device's trouble is
    # kept here, never raised to the others or to the request that notified.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["user", "-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.label or self.endpoint[:40]}"


class IdempotencyKey(models.Model):
    """A change a person's device sent with an `Idempotency-Key` (a change made offline and replayed, or
    sent twice): the first answer is kept, so the same key again gets that answer and changes nothing.
    Written in the transaction of the change itself (accounts/idempotency.py); purged after 30 days."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=64)
    body_hash = models.CharField(_("body hash"), max_length=64)
    path = models.CharField(_("address"), max_length=300)
    status = models.PositiveSmallIntegerField(_("status"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    location = models.CharField(_("location"), max_length=500, blank=True)
    body = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                name="accounts_idempotency_user_key",
                violation_error_message=_("This change was sent already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key}"


class NotificationPreference(models.Model):
    """How one person wants one kind of notification; no row means the default (app and instant email)."""

    class Email(models.TextChoices):
        INSTANT = "instant", _("Email at once")
        DIGEST = "digest", _("In the daily digest")
        OFF = "off", _("No email")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=40)
    in_app = models.BooleanField(_("in app"), default=True)
    email = models.CharField(_("email"), max_length=8, choices=Email.choices, default=Email.INSTANT)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="accounts_notif_pref_unique"),
        ]

    def __str__(self) -> str:
        # Translators: a person's wish for one kind of notification: user id, kind code, in the app
        # (True/False) and by email (a frequency code).
        return gettext("%(user)s %(kind)s: app=%(in_app)s email=%(email)s") % {
            "user": self.user_id,
            "kind": self.kind,
            "in_app": self.in_app,
            "email": self.email,
        }


class ApiToken(models.Model):
    """A personal access token for the JSON API (/api/v1/). Only its SHA-256 is kept: the token is
    shown once, when it is made. It reaches what its user reaches, narrowed by its scopes."""

    class Scope(models.TextChoices):
        READ = "read", _("Read: bookings, notifications, busy time and feeds")
        BOOKINGS = "bookings", _("Bookings: apply, offer, request, answer, cancel; mark notifications read")
        AVAILABILITY = "availability", _("Availability: add, change and delete busy rules and connected calendars")
        PACKAGES = "packages", _("Packages: add, change and withdraw the packages of bands you lead")
        SHOWS = "shows", _("Shows: host shows, post support calls, apply to them and pick the line-up")
        REVIEWS = "reviews", _("Reviews: write, answer and report reviews")
        MESSAGES = "messages", _("Messages and files: write in booking threads and share files")
        PLANS = "plans", _("Plans: saved alerts and tour plans")
        PAYMENTS = "payments", _("Payments: pay for gigs, record payments made outside StageSlot, cancel with a refund")
        FOLLOWS = "follows", _("Follows: follow bands and venues, ask bands to come to your city")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    scopes = models.JSONField(_("scopes"), default=list)
    # The first characters of the token, so a person can tell their tokens apart; never enough to use one.
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # When the session that made it had given its second factor (accounts/mfa.py): a token with a money scope
    # moves money for an account with two-factor on only if this is set.
    second_factor_at = models.DateTimeField(_("second factor given at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RateCount(models.Model):
    """How many of one action one person did in one window of a rate limit, where no Redis keeps the
    counts (accounts/ratelimit.py): one row per window, counted up by an atomic conditional UPDATE so
    that a burst of parallel requests never gets past the limit."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("rate count")
        verbose_name_plural = _("rate counts")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class LimitsCacheEntry(models.Model):
    """A row of the limits' cache where no Redis keeps them: Django's DatabaseCache reads and writes this
    table (settings.CACHES["default"], LOCATION settings.LIMITS_CACHE_TABLE) with its own SQL, in the
    shape its createcachetable makes. A model only so that migrate makes the table and a test's flush
    empties it; nothing reads it through the ORM."""

    cache_key = models.CharField(_("key"), max_length=255, primary_key=True)
    value = models.TextField(_("value"))
    expires = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        db_table = "stageslot_limits_cache"
        verbose_name = _("limit count")
        verbose_name_plural = _("limit counts")

    def __str__(self) -> str:
        return self.cache_key


class TwoFactorMethod(Authenticator):
    """allauth's two-factor methods (an authenticator app, recovery codes, a passkey) as staff see them in
    the admin, named in the reader's language: a member who lost their phone is helped by deleting it."""

    class Meta:
        proxy = True
        verbose_name = _("two-factor method")
        verbose_name_plural = _("two-factor methods")


_USER_BY_PK = prepared.PreparedRead(User, ["pk"])


class MailSuppression(models.Model):
    """An address we send no more notification mail to: it bounced hard, or its owner marked our mail as
    spam (accounts.mail.events). Security mail (sign-in codes, password reset) still goes; the person sees
    why on their notification settings and lifts it by confirming the address or changing it."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("The address bounced")
        COMPLAINED = "complained", _("Marked as spam")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed from mail to an address without an account")

    # Lower case; a changed address is a new one and is not suppressed.
    email = models.EmailField(_("email address"), unique=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    # What the mail service said (e.g. "550 5.1.1 no such user"), for the person and for staff.
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    esp = models.CharField(_("mail service"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email


class MailEvent(models.Model):
    """A delivery event from the mail service, recorded before it has any effect: `key` (its id at the
    service, else a digest of what it says) is unique, so an event posted twice is applied once."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    esp = models.CharField(_("mail service"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20)  # anymail's event_type: delivered, bounced, complained …
    # A digest of the recipient, never the address itself (accounts.mail.tokens.address_mark).
    recipient_mark = models.CharField(_("recipient mark"), max_length=10, blank=True)
    message_id = models.CharField(_("message id"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    problem = models.CharField(_("problem"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("mail event")
        verbose_name_plural = _("mail events")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.esp} {self.kind} {self.key[:20]}"


class InboundMail(models.Model):
    """An email that came in through the mail service (a reply to a thread email), stored before anything
    is done with it: `message_key` (its Message-ID, else the service's id) is unique, so a message posted
    twice is handled once. The task of its address's purpose handles it (settings.MAIL_INBOUND_PURPOSES)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        APPLIED = "applied", _("Handled")
        REFUSED = "refused", _("Refused")

    message_key = models.CharField(_("message key"), max_length=200, unique=True)
    esp = models.CharField(_("mail service"), max_length=40)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    # The message as it came (RFC 5322 bytes), read by the task; empty when it was over the size limit.
    raw = models.BinaryField(_("raw message"), blank=True, default=b"")
    size = models.PositiveIntegerField(_("size"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVED)
    problem = models.CharField(_("problem"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    # Whether the mail service vouched for the sender (SPF or DKIM passed for the From domain): only such a
    # sender is ever answered (accounts/mail/inbound.py), so a forged From never draws mail to its victim.
    sender_verified = models.BooleanField(_("sender verified"), default=False, db_default=False)
    # When StageSlot answered it (a refusal, attachments left out): answers per address per day are capped.
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient}: {self.subject[:40]}"


class PartyKind(models.TextChoices):
    """Who can block or be blocked, report or be reported, named by value (no key up to bands or venues)."""

    USER = "user", _("Person")
    BAND = "band", _("Band")
    VENUE = "venue", _("Venue")


class Block(models.Model):
    """`blocker` (a person, or a band or venue its leaders or owners speak for) wants no new contact with
    `blocked`. Read both ways by accounts.blocks.blocked_between at every door of new contact; it cancels
    nothing already booked. Parties are named by kind and id, as BusyInterval names its source."""

    blocker_kind = models.CharField(_("blocker kind"), max_length=8, choices=PartyKind.choices)
    blocker_id = models.PositiveBigIntegerField(_("blocker"))
    blocked_kind = models.CharField(_("blocked kind"), max_length=8, choices=PartyKind.choices)
    blocked_id = models.PositiveBigIntegerField(_("blocked"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(
                fields=["blocker_kind", "blocker_id", "blocked_kind", "blocked_id"],
                name="accounts_block_once",
                violation_error_message=_("This block is already in place."),
            ),
            models.CheckConstraint(
                condition=~models.Q(blocker_kind=models.F("blocked_kind"), blocker_id=models.F("blocked_id")),
                name="accounts_block_not_self",
                violation_error_message=_("Nobody blocks themselves."),
            ),
        ]
        # The other way round: "who blocked me" is the same indexed read as "whom did I block".
        indexes = [models.Index(fields=["blocked_kind", "blocked_id"], name="accounts_block_blocked")]

    def __str__(self) -> str:
        return f"{self.blocker_kind}:{self.blocker_id} → {self.blocked_kind}:{self.blocked_id}"


class Report(models.Model):
    """A report to staff about a message, a booking, a profile or a show. `subject_kind` + `subject_id`
    name what was reported; `account_kind` + `account_id` the party answerable for it (the queue ranks by
    how many open reports that party has). `evidence` keeps what the reporter saw when they reported, so
    staff judge it without opening a thread that is closed to them."""

    class Subject(models.TextChoices):
        MESSAGE = "message", _("Message")
        BOOKING = "booking", _("Request or booking")
        BAND = "band", _("Band profile")
        VENUE = "venue", _("Venue profile")
        SHOW = "show", _("Show")
        USER = "user", _("Person")

    class Category(models.TextChoices):
        SPAM = "spam", _("Spam or unwanted advertising")
        HARASSMENT = "harassment", _("Harassment or abuse")
        FRAUD = "fraud", _("Fraud or a scam")
        FAKE = "fake", _("A fake profile or impersonation")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WARNED = "warned", _("Warned")
        SUSPENDED = "suspended", _("Suspended")
        DISMISSED = "dismissed", _("Dismissed")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made", verbose_name=_("reporter")
    )
    subject_kind = models.CharField(_("what"), max_length=10, choices=Subject.choices)
    subject_id = models.CharField(_("which"), max_length=40)
    account_kind = models.CharField(_("account kind"), max_length=8, choices=PartyKind.choices)
    account_id = models.PositiveBigIntegerField(_("account"))
    account_name = models.CharField(_("reported account"), max_length=200)
    category = models.CharField(_("reason"), max_length=12, choices=Category.choices)
    text = models.TextField(_("what happened"), max_length=1000, blank=True)
    evidence = models.JSONField(_("what the reporter saw"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("outcome"), max_length=1000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("report", "claimed by"),
    )
    claimed_at = models.DateTimeField(pgettext_lazy("report", "claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "subject_kind", "subject_id"],
                condition=models.Q(status="open"),
                name="accounts_report_one_open",
                violation_error_message=_("You have reported this already; staff are looking at it."),
            ),
        ]
        indexes = [models.Index(fields=["account_kind", "account_id", "status"], name="accounts_report_account")]

    def __str__(self) -> str:
        return f"{self.get_subject_kind_display()} {self.subject_id}: {self.get_category_display()}"


class AccountClosure(models.Model):
    """A person's request to close their account: closed at once, erased by the worker once `due_at` has
    passed and nothing blocks it (stageslot/privacy/erasure.py). `steps_done` names the erasure's steps
    already run, so an interrupted erasure carries on where it stopped."""

    user = models.OneToOneField(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="closure")
    requested_at = models.DateTimeField(_("requested at"))
    due_at = models.DateTimeField(_("erased from"), db_index=True)
    steps_done = models.JSONField(_("steps done"), default=list, blank=True)
    # Why the erasure waits (money still owed, a band to hand over), as the worker last found it.
    waiting_for = models.CharField(_("waiting for"), max_length=500, blank=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account closure")
        verbose_name_plural = _("account closures")

    def __str__(self) -> str:
        return gettext("Closure of account %(id)s") % {"id": self.user_id}


def private_files_storage():
    """The private storage (settings.STORAGES["booking_files"]): never MEDIA_ROOT, never served directly."""
    from django.core.files.storage import storages

    return storages["booking_files"]


def data_export_path(instance: "DataExport", filename: str) -> str:
    # A random name: the archive's address says nothing of whose it is.
    return f"exports/{uuid.uuid4().hex}.zip"


class DataExport(models.Model):
    """One archive of everything StageSlot holds about a person, built by the worker
    (stageslot/privacy/export.py), downloaded by that person alone until `expires_at`."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        BUILDING = "building", _("Being built")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="data_exports")
    # Staff who asked for it on the person's behalf (a request by letter); blank when they asked themselves.
    requested_by = models.ForeignKey(
        User, verbose_name=_("asked by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    claimed_at = models.DateTimeField(pgettext_lazy("report", "claimed at"), null=True, blank=True)
    file = models.FileField(
        _("archive"), upload_to=data_export_path, storage=private_files_storage, max_length=200, blank=True
    )
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("Data export %(id)s") % {"id": self.pk}
