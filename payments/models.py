"""Money: payments through Stripe (or recorded as paid outside StageSlot), refunds, the append-only
ledger, payouts to bands, a gig's settlement, and the Stripe events applied once.

Amounts are integers in minor units (cents) with their currency, never floats. The ledger is only ever
appended to: a balance is a sum of its entries (docs/decisions/0033-payments.md).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bands.models import Currency
from bookings.models_quotes import CostKind


class Checkout(models.Model):
    """A client at the pay page of an instant booking: what they chose, nothing held yet. Paid (the
    card authorised), the booking is made through bookings' own instant booking under its locks; if the
    time was taken meanwhile, the authorisation is cancelled and the client told."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for payment")
        BOOKED = "booked", _("Booked")
        LOST = "lost", _("Taken meanwhile: nothing charged")
        ENDED = "ended", _("Not paid in time")

    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkouts", verbose_name=_("client")
    )
    band = models.ForeignKey("bands.Band", on_delete=models.PROTECT, related_name="+", verbose_name=_("band"))
    package = models.ForeignKey("bands.Package", on_delete=models.PROTECT, related_name="+", verbose_name=_("package"))
    starts_at = models.DateTimeField(_("starts at"))
    minutes = models.PositiveIntegerField(_("length (minutes)"))
    # The price shown, in the package's units (whole currency units) as bookings keep it.
    price = models.PositiveIntegerField(_("price"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    guests = models.PositiveIntegerField(_("guests"), null=True, blank=True)
    setting = models.CharField(_("indoors or outdoors"), max_length=8, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("note"), max_length=300, blank=True)
    booking = models.OneToOneField(
        "bookings.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkout",
        verbose_name=_("booking"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="checkout_status_expiry")]

    def __str__(self) -> str:
        return f"{self.band} {self.starts_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"


class Payment(models.Model):
    """One payment of a booking for one purpose: the row is stored before Stripe is called, and its
    idempotency key and PaymentIntent are reused, so two clicks on Pay never charge twice."""

    class Purpose(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        BALANCE = "balance", _("Balance")
        FULL = "full", _("Full fee")
        SETTLEMENT = "settlement", _("Settlement")

    class Status(models.TextChoices):
        CREATED = "created", _("Not paid yet")
        PROCESSING = "processing", _("Processing")
        REQUIRES_ACTION = "requires_action", _("Waiting for the bank's confirmation")
        AUTHORIZED = "authorized", _("Authorised")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        # Sent to Stripe and no answer came back (a timeout, a lost connection, a worker that died): the
        # money may have moved. Only Stripe's own answer, asked again, moves it on (payment_resolve).
        UNKNOWN = "unknown", _("Being confirmed with the bank")

    class Method(models.TextChoices):
        CARD = "card", _("Card, through StageSlot")
        OUTSIDE = "outside", _("Paid outside StageSlot")

    # A payment on its way: one at a time per purpose (and per checkout); a second attempt reuses it.
    OPEN = (Status.CREATED, Status.PROCESSING, Status.REQUIRES_ACTION, Status.AUTHORIZED, Status.UNKNOWN)
    # A payment that holds or may hold money.
    LIVE = (*OPEN, Status.SUCCEEDED)
    # Forward only: an event that arrives late never moves a payment back (out of UNKNOWN, Stripe's
    # answer moves it anywhere).
    RANK = {
        Status.CREATED: 0,
        Status.UNKNOWN: 1,
        Status.PROCESSING: 1,
        Status.REQUIRES_ACTION: 2,
        Status.FAILED: 3,
        Status.AUTHORIZED: 4,
        Status.SUCCEEDED: 5,
        Status.CANCELLED: 5,
    }

    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("booking"),
    )
    # An instant booking's payment before the booking exists.
    checkout = models.ForeignKey(
        Checkout,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("checkout"),
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CREATED)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default=Method.CARD)
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    platform_fee_minor = models.PositiveBigIntegerField(_("platform fee (minor units)"), default=0)
    refunded_minor = models.PositiveBigIntegerField(_("refunded (minor units)"), default=0)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payer"),
    )
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    intent_id = models.CharField(_("Stripe PaymentIntent"), max_length=255, blank=True)
    customer_id = models.CharField(_("Stripe customer"), max_length=255, blank=True)
    payment_method_id = models.CharField(_("Stripe payment method"), max_length=255, blank=True)
    # Taken by the worker with a saved card, nobody at the page.
    off_session = models.BooleanField(_("charged off-session"), default=False)
    # Authorised first and captured only once the booking is made (an instant booking's checkout).
    manual_capture = models.BooleanField(_("captured after booking"), default=False)
    failure = models.CharField(_("why it failed"), max_length=300, blank=True)
    # The PaymentIntent's create as it was first sent, written (with the key) before it is sent: a retry
    # after a lost answer sends exactly this again under the same key, so Stripe answers with the intent
    # it made the first time, never a second one.
    stripe_params = models.JSONField(_("Stripe request"), default=dict, blank=True)
    # The same request as the exact bytes sent (payments.stripe_api.form_body): a JSON column keeps no key
    # order on PostgreSQL, and Stripe refuses a retry whose body differs. Empty on rows from before it:
    # rebuilt from stripe_params in the order they were first sent (services.payments._sent_body).
    stripe_body = models.TextField(_("Stripe request as sent"), blank=True, default="", db_default="")
    sent_at = models.DateTimeField(_("sent to Stripe at"), null=True, blank=True)
    # Set by the claim itself (one UPDATE): a request that took the payment and died frees it after a minute.
    claimed_at = models.DateTimeField(_("being processed since"), null=True, blank=True)
    # Paid outside StageSlot: the bank transfer's or receipt's reference.
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # When both sides were told of the payment (and our webhooks sent): the worker does it right after the
    # payment is applied; the money round tells whoever is still waiting (an outbox: nobody goes untold).
    told_at = models.DateTimeField(_("told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["created_at", "pk"]
        constraints = [
            # One payment on its way per part; a part paid and then raised is paid again for the difference.
            models.UniqueConstraint(
                fields=["booking", "purpose"],
                condition=Q(status__in=["created", "processing", "requires_action", "authorized", "unknown"]),
                name="payment_one_open_per_purpose",
            ),
            models.UniqueConstraint(
                fields=["checkout"],
                condition=Q(
                    status__in=["created", "processing", "requires_action", "authorized", "unknown", "succeeded"]
                ),
                name="payment_one_live_per_checkout",
            ),
            models.CheckConstraint(
                condition=Q(booking__isnull=False) | Q(checkout__isnull=False), name="payment_of_booking_or_checkout"
            ),
            models.UniqueConstraint(fields=["intent_id"], condition=~Q(intent_id=""), name="payment_intent_unique"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_minor__lte=models.F("amount_minor")), name="payment_refund_within_amount"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "purpose"], name="payment_status_purpose"),
            # The money round's sweep of payments whose people are still to be told: few rows, if any.
            models.Index(
                fields=["paid_at"], condition=Q(status="succeeded", told_at__isnull=True), name="payment_untold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.amount_minor} {self.currency} ({self.get_status_display()})"

    @property
    def kept_minor(self) -> int:
        return self.amount_minor - self.refunded_minor if self.status == self.Status.SUCCEEDED else 0


class Refund(models.Model):
    """Money given back from a card payment. The row, its key and the request to Stripe are written before
    Stripe is called; it counts against what is left to refund from then on, and stops counting only
    when Stripe says it failed."""

    class Status(models.TextChoices):
        CREATED = "created", _("Requested")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")
        # Sent and no answer came back: Stripe is asked again, never a second refund made.
        UNKNOWN = "unknown", _("Being confirmed with the bank")

    # A refund that holds money back from what can still be refunded.
    COUNTED = (Status.CREATED, Status.UNKNOWN, Status.SUCCEEDED)

    class Reason(models.TextChoices):
        CLIENT_CANCELLED = "payer_cancelled", _("Cancelled by the payer, by the agreed terms")
        BAND_CANCELLED = "band_cancelled", _("Cancelled by the band: everything back")
        DISPUTE = "dispute", _("A dispute resolved by StageSlot's staff")
        LOST_RACE = "lost_race", _("The time was taken meanwhile")
        OTHER = "other", _("Other")

    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment"))
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CREATED)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    refund_id = models.CharField(_("Stripe refund"), max_length=255, blank=True)
    failure = models.CharField(_("why it failed"), max_length=300, blank=True)
    stripe_params = models.JSONField(_("Stripe request"), default=dict, blank=True)
    # The exact bytes sent, as on Payment.stripe_body.
    stripe_body = models.TextField(_("Stripe request as sent"), blank=True, default="", db_default="")
    sent_at = models.DateTimeField(_("sent to Stripe at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(fields=["refund_id"], condition=~Q(refund_id=""), name="refund_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} ({self.get_status_display()})"


class Payout(models.Model):
    """Money StageSlot sent a band (a bank transfer), recorded by staff with its reference."""

    band = models.ForeignKey("bands.Band", on_delete=models.PROTECT, related_name="payouts", verbose_name=_("band"))
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    reference = models.CharField(_("bank reference"), max_length=120)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payout_amount_positive")]

    def __str__(self) -> str:
        return f"{self.band} {self.amount_minor} {self.currency} ({self.reference})"


class LedgerEntry(models.Model):
    """One line of the append-only ledger. Signed amounts in minor units:
    PAYMENT (+, money in from the payer), REFUND (-, money back to the payer), PLATFORM_FEE (+ / - on a
    refund), AGENCY_COMMISSION (+ / - on a refund: what the band's agency earns of the band's part, at
    its commission), BAND_SHARE (+ / - on a refund: what the band earns), MEMBER_SHARE (a band share split
    among the members who play; its rows add up to the band share they split), PAYOUT (-, sent to the
    band), OUTSIDE (+, paid to the band directly, outside StageSlot), SETTLEMENT (the door deal's
    result, for the record), MEMBER_PAYOUT (-, what the band paid one of its members or stand-ins; + when
    such a payout is reversed). A booking's paid total and a band's "owed to you" are sums of these."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")
        PLATFORM_FEE = "platform_fee", _("Platform fee")
        AGENCY_COMMISSION = "commission", _("Agency's commission")
        BAND_SHARE = "band_share", _("Band's share")
        MEMBER_SHARE = "member_share", _("Member's share")
        PAYOUT = "payout", _("Payout")
        OUTSIDE = "outside", _("Paid outside StageSlot")
        SETTLEMENT = "settlement", _("Settlement")
        MEMBER_PAYOUT = "member_payout", _("Paid to a member")

    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("booking"),
    )
    band = models.ForeignKey(
        "bands.Band",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("band"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("member"),
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("payment")
    )
    refund = models.ForeignKey(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("refund")
    )
    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("payout")
    )
    member_payout = models.ForeignKey(
        "payments.MemberPayout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("payout to a member"),
    )
    # The agency an AGENCY_COMMISSION is owed to.
    organisation = models.ForeignKey(
        "teams.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("agency"),
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["band", "kind", "currency"], name="ledger_band_kind"),
            models.Index(fields=["member", "kind"], name="ledger_member_kind"),
        ]
        constraints = [
            # One posting of a kind per payment, refund and payout (and member): applying twice is refused.
            models.UniqueConstraint(
                fields=["payment", "kind", "member"],
                condition=Q(payment__isnull=False, refund__isnull=True),
                name="ledger_once_per_payment",
                nulls_distinct=False,
            ),
            models.UniqueConstraint(
                fields=["refund", "kind", "member"],
                condition=Q(refund__isnull=False),
                name="ledger_once_per_refund",
                nulls_distinct=False,
            ),
            models.UniqueConstraint(
                fields=["member_payout"],
                condition=Q(member_payout__isnull=False),
                name="ledger_once_per_member_payout",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_minor} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The ledger is append-only: an entry is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The ledger is append-only: an entry is never deleted.")


class MemberSplit(models.Model):
    """A gig's share of the band's fee for one member, in per cent (equal among the playing members
    unless the band's leaders set it for this gig)."""

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="member_splits", verbose_name=_("booking")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("member's share")
        verbose_name_plural = _("members' shares")
        constraints = [
            models.UniqueConstraint(fields=["booking", "member"], name="member_split_once"),
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="member_split_percent_range"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.percent} %"


class MemberPayout(models.Model):
    """Money the band paid one of its members (or a stand-in) of what their shares of its gigs earned them,
    recorded by the band's leaders. Never changed nor deleted: a mistake is undone by a reversing row
    (`reverses`), and each row has its entry in the ledger (docs/decisions/0071-the-treasurers-year.md)."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank", _("Bank transfer")
        CASH = "cash", _("Cash")
        OTHER = "other", _("Other")

    band = models.ForeignKey(
        "bands.Band", on_delete=models.PROTECT, related_name="member_payouts", verbose_name=_("band")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("paid to")
    )
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=5, choices=Method.choices, default=Method.BANK_TRANSFER)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Paid ahead of what the member's shares have earned them so far, knowingly.
    advance = models.BooleanField(_("advance payment"), default=False)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payout to a member")
        verbose_name_plural = _("payouts to members")
        ordering = ["paid_on", "pk"]
        indexes = [models.Index(fields=["band", "member", "currency"], name="member_payout_band_member")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="member_payout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.signed_minor} {self.currency} ({self.paid_on})"

    @property
    def signed_minor(self) -> int:
        """What this row paid the member: the amount, or less the amount for a reversal."""
        return -self.amount_minor if self.reverses_id else self.amount_minor


class Settlement(models.Model):
    """A door deal's result after the gig: the side that ran the door (the venue, or the client of a
    private event) enters the tickets sold, the takings and the agreed costs; the band's amount is
    computed from the agreed terms (door: its share of the net; versus: the guarantee or its share of
    the net, whichever is higher). Both sides approve it; then the ledger records it and what is owed
    beyond what was paid becomes due (payments.selectors.settlement_part)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Waiting for approval")
        DISPUTED = "disputed", _("Questioned by the band")
        APPROVED = "approved", _("Approved by both sides")

    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.PROTECT, related_name="settlement", verbose_name=_("booking")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    # Grows with every entry of the figures: an approval names the version it read, so figures changed
    # meanwhile are never approved unseen.
    version = models.PositiveIntegerField(_("version"), default=1)
    tickets_sold = models.PositiveIntegerField(_("tickets sold"))
    # The takings at the door: tickets × the agreed ticket price unless the door side entered another.
    gross_minor = models.PositiveBigIntegerField(_("takings (minor units)"))
    gross_entered = models.BooleanField(_("takings entered by hand"), default=False)
    costs_minor = models.PositiveBigIntegerField(_("agreed costs (minor units)"), default=0)
    net_minor = models.PositiveBigIntegerField(_("net (minor units)"))
    band_amount_minor = models.PositiveBigIntegerField(_("the band's amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    # The deal as it was computed (copied from the agreed quote, so a reader sees the sum).
    deal = models.CharField(_("deal"), max_length=8)
    door_percent = models.PositiveSmallIntegerField(_("door split (%)"))
    guarantee_minor = models.PositiveBigIntegerField(_("guarantee (minor units)"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("entered by")
    )
    entered_at = models.DateTimeField(_("entered at"))
    payer_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved for the venue or client by"),
    )
    payer_approved_at = models.DateTimeField(_("approved for the venue or client at"), null=True, blank=True)
    band_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved for the band by"),
    )
    band_approved_at = models.DateTimeField(_("approved for the band at"), null=True, blank=True)
    # The bonus reached (the highest tier whose ticket count was reached), in the band's amount.
    bonus_minor = models.PositiveBigIntegerField(_("bonus reached (minor units)"), default=0, db_default=0)
    bonus_tickets = models.PositiveIntegerField(_("bonus tier reached (tickets)"), null=True, blank=True)
    # Merchandise the band sold at the show, and the venue's cut of it: the band owes the venue its cut,
    # so it is taken off what the door side pays (payable_minor).
    merch_gross_minor = models.PositiveBigIntegerField(_("merchandise sold (minor units)"), default=0, db_default=0)
    merch_venue_percent = models.PositiveSmallIntegerField(
        _("the venue's merchandise cut (%)"), default=0, db_default=0
    )
    merch_cut_minor = models.PositiveBigIntegerField(
        _("the venue's merchandise cut (minor units)"), default=0, db_default=0
    )
    # The band's approval of a version with costs the terms never agreed said it accepts them.
    unagreed_accepted = models.BooleanField(
        _("costs not in the terms accepted by the band"), default=False, db_default=False
    )
    # Why the band questioned it (the door side reads it and enters the figures again).
    dispute_note = models.CharField(_("why it was questioned"), max_length=500, blank=True)
    approved_at = models.DateTimeField(_("approved by both at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.CheckConstraint(
                condition=Q(net_minor__lte=models.F("gross_minor")), name="settlement_net_within_gross"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(payer_approved_at__isnull=False, band_approved_at__isnull=False, approved_at__isnull=False),
                name="settlement_approved_by_both",
            ),
            models.CheckConstraint(
                condition=Q(door_percent__gte=1, door_percent__lte=100), name="settlement_door_percent_range"
            ),
            models.CheckConstraint(condition=Q(merch_venue_percent__lte=100), name="settlement_merch_percent_range"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.band_amount_minor} {self.currency} ({self.status})"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def payable_minor(self) -> int:
        """What the door side pays the band for the show: the band's amount less the venue's merch cut."""
        return max(self.band_amount_minor - self.merch_cut_minor, 0)

    @property
    def band_owes_minor(self) -> int:
        """What the band owes the venue when its merch cut is more than the band's amount."""
        return max(self.merch_cut_minor - self.band_amount_minor, 0)


class SettlementCost(models.Model):
    """One cost the door side takes off the takings before the split. `agreed`: named in the agreed
    terms (copied from them when the settlement is first entered); a cost added at settlement is not,
    and the band's approval of it says so (Settlement.unagreed_accepted)."""

    Kind = CostKind

    settlement = models.ForeignKey(
        Settlement, on_delete=models.CASCADE, related_name="costs", verbose_name=_("settlement")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    label = models.CharField(_("what it is"), max_length=100, blank=True)
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    agreed = models.BooleanField(_("in the agreed terms"), default=False)
    # Who added it at settlement; empty for a cost copied from the agreed terms.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("settlement cost")
        verbose_name_plural = _("settlement costs")
        ordering = ["settlement", "-agreed", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_minor}"


class SettlementBonus(models.Model):
    """A bonus tier: at `tickets` sold or more, the band's amount grows by `amount_minor`. Only the
    highest tier reached counts (tiers do not add up: docs/decisions/0069-settlements-itemised.md)."""

    settlement = models.ForeignKey(
        Settlement, on_delete=models.CASCADE, related_name="bonuses", verbose_name=_("settlement")
    )
    tickets = models.PositiveIntegerField(_("at tickets sold"))
    amount_minor = models.PositiveBigIntegerField(_("bonus (minor units)"))
    agreed = models.BooleanField(_("in the agreed terms"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("settlement bonus")
        verbose_name_plural = _("settlement bonuses")
        ordering = ["settlement", "tickets", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(tickets__gte=1), name="settlement_bonus_tickets_positive"),
            models.UniqueConstraint(
                fields=["settlement", "tickets"],
                name="settlement_bonus_tier_unique",
                violation_error_message=_("This settlement has a bonus at that ticket count already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tickets}: +{self.amount_minor}"


class StripeEvent(models.Model):
    """A Stripe event applied: its id is kept, so the same event twice changes nothing twice."""

    event_id = models.CharField(_("event"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    object_id = models.CharField(_("object"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    # An event that did not match what Stripe holds or what we asked for (amount, currency, our
    # payment): nothing was changed; staff look at it.
    problem = models.BooleanField(_("needs a look"), default=False)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["received_at"], condition=Q(problem=True), name="stripe_event_problem")]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
