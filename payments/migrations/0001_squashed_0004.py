"""The payments migrations 0001–0004 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.

Left out, being data only: 0003's marking of existing payments as told.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("payments", "0001_payments"),
        ("payments", "0002_settlement"),
        ("payments", "0003_payment_told_at"),
        ("payments", "0004_ledger_agency_commission"),
    ]

    dependencies = [
        ("accounts", "__first__"),
        ("bands", "0017_names_for_translation"),
        ("bookings", "0015_payments_fields"),
        ("teams", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="StripeEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event_id", models.CharField(max_length=255, unique=True, verbose_name="event")),
                ("type", models.CharField(max_length=100, verbose_name="type")),
                ("object_id", models.CharField(blank=True, max_length=255, verbose_name="object")),
                ("received_at", models.DateTimeField(auto_now_add=True, verbose_name="received at")),
                ("outcome", models.CharField(blank=True, max_length=200, verbose_name="outcome")),
            ],
            options={
                "verbose_name": "Stripe event",
                "verbose_name_plural": "Stripe events",
                "ordering": ["-received_at"],
            },
        ),
        migrations.CreateModel(
            name="Checkout",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="UID")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("minutes", models.PositiveIntegerField(verbose_name="length (minutes)")),
                ("price", models.PositiveIntegerField(verbose_name="price")),
                (
                    "currency",
                    models.CharField(
                        choices=[
                            ("EUR", "EUR – Euro"),
                            ("GBP", "GBP – Pound sterling"),
                            ("USD", "USD – US dollar"),
                            ("CHF", "CHF – Swiss franc"),
                            ("DKK", "DKK – Danish krone"),
                            ("SEK", "SEK – Swedish krona"),
                            ("NOK", "NOK – Norwegian krone"),
                            ("PLN", "PLN – Polish złoty"),
                            ("CZK", "CZK – Czech koruna"),
                            ("CAD", "CAD – Canadian dollar"),
                            ("AUD", "AUD – Australian dollar"),
                        ],
                        max_length=3,
                        verbose_name="currency",
                    ),
                ),
                ("guests", models.PositiveIntegerField(blank=True, null=True, verbose_name="guests")),
                ("setting", models.CharField(blank=True, max_length=8, verbose_name="indoors or outdoors")),
                ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Waiting for payment"),
                            ("booked", "Booked"),
                            ("lost", "Taken meanwhile: nothing charged"),
                            ("ended", "Not paid in time"),
                        ],
                        default="open",
                        max_length=8,
                        verbose_name="status",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "booking",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="checkout",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="checkouts",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="client",
                    ),
                ),
                (
                    "package",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="bands.package",
                        verbose_name="package",
                    ),
                ),
            ],
            options={
                "verbose_name": "checkout",
                "verbose_name_plural": "checkouts",
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["status", "expires_at"], name="checkout_status_expiry")],
            },
        ),
        migrations.CreateModel(
            name="MemberSplit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("percent", models.DecimalField(decimal_places=2, max_digits=5, verbose_name="share (%)")),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="member_splits",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="member",
                    ),
                ),
            ],
            options={
                "verbose_name": "member's share",
                "verbose_name_plural": "members' shares",
                "constraints": [
                    models.UniqueConstraint(fields=("booking", "member"), name="member_split_once"),
                    models.CheckConstraint(
                        condition=models.Q(("percent__gte", 0), ("percent__lte", 100)),
                        name="member_split_percent_range",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Payment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="UID")),
                (
                    "purpose",
                    models.CharField(
                        choices=[
                            ("deposit", "Deposit"),
                            ("balance", "Balance"),
                            ("full", "Full fee"),
                            ("settlement", "Settlement"),
                        ],
                        max_length=10,
                        verbose_name="purpose",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("created", "Not paid yet"),
                            ("processing", "Processing"),
                            ("requires_action", "Waiting for the bank's confirmation"),
                            ("authorized", "Authorised"),
                            ("succeeded", "Paid"),
                            ("failed", "Failed"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="created",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[("card", "Card, through StageSlot"), ("outside", "Paid outside StageSlot")],
                        default="card",
                        max_length=8,
                        verbose_name="method",
                    ),
                ),
                ("amount_minor", models.PositiveBigIntegerField(verbose_name="amount (minor units)")),
                (
                    "currency",
                    models.CharField(
                        choices=[
                            ("EUR", "EUR – Euro"),
                            ("GBP", "GBP – Pound sterling"),
                            ("USD", "USD – US dollar"),
                            ("CHF", "CHF – Swiss franc"),
                            ("DKK", "DKK – Danish krone"),
                            ("SEK", "SEK – Swedish krona"),
                            ("NOK", "NOK – Norwegian krone"),
                            ("PLN", "PLN – Polish złoty"),
                            ("CZK", "CZK – Czech koruna"),
                            ("CAD", "CAD – Canadian dollar"),
                            ("AUD", "AUD – Australian dollar"),
                        ],
                        max_length=3,
                        verbose_name="currency",
                    ),
                ),
                (
                    "platform_fee_minor",
                    models.PositiveBigIntegerField(default=0, verbose_name="platform fee (minor units)"),
                ),
                ("refunded_minor", models.PositiveBigIntegerField(default=0, verbose_name="refunded (minor units)")),
                (
                    "idempotency_key",
                    models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="idempotency key"),
                ),
                ("intent_id", models.CharField(blank=True, max_length=255, verbose_name="Stripe PaymentIntent")),
                ("customer_id", models.CharField(blank=True, max_length=255, verbose_name="Stripe customer")),
                (
                    "payment_method_id",
                    models.CharField(blank=True, max_length=255, verbose_name="Stripe payment method"),
                ),
                ("off_session", models.BooleanField(default=False, verbose_name="charged off-session")),
                ("manual_capture", models.BooleanField(default=False, verbose_name="captured after booking")),
                ("failure", models.CharField(blank=True, max_length=300, verbose_name="why it failed")),
                ("reference", models.CharField(blank=True, max_length=120, verbose_name="reference")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("paid_at", models.DateTimeField(blank=True, null=True, verbose_name="paid at")),
                (
                    "booking",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="payments",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "checkout",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="payments",
                        to="payments.checkout",
                        verbose_name="checkout",
                    ),
                ),
                (
                    "payer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="payer",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                ("told_at", models.DateTimeField(blank=True, null=True, verbose_name="told at")),
            ],
            options={
                "verbose_name": "payment",
                "verbose_name_plural": "payments",
                "ordering": ["created_at", "pk"],
                "indexes": [
                    models.Index(fields=["status", "purpose"], name="payment_status_purpose"),
                    models.Index(
                        condition=models.Q(("status", "succeeded"), ("told_at__isnull", True)),
                        fields=["paid_at"],
                        name="payment_untold",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(
                            ("status__in", ["created", "processing", "requires_action", "authorized", "succeeded"])
                        ),
                        fields=("booking", "purpose"),
                        name="payment_one_live_per_purpose",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(
                            ("status__in", ["created", "processing", "requires_action", "authorized", "succeeded"])
                        ),
                        fields=("checkout",),
                        name="payment_one_live_per_checkout",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("booking__isnull", False), ("checkout__isnull", False), _connector="OR"),
                        name="payment_of_booking_or_checkout",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("intent_id", ""), _negated=True),
                        fields=("intent_id",),
                        name="payment_intent_unique",
                    ),
                    models.CheckConstraint(condition=models.Q(("amount_minor__gt", 0)), name="payment_amount_positive"),
                    models.CheckConstraint(
                        condition=models.Q(("refunded_minor__lte", models.F("amount_minor"))),
                        name="payment_refund_within_amount",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Payout",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("amount_minor", models.PositiveBigIntegerField(verbose_name="amount (minor units)")),
                (
                    "currency",
                    models.CharField(
                        choices=[
                            ("EUR", "EUR – Euro"),
                            ("GBP", "GBP – Pound sterling"),
                            ("USD", "USD – US dollar"),
                            ("CHF", "CHF – Swiss franc"),
                            ("DKK", "DKK – Danish krone"),
                            ("SEK", "SEK – Swedish krona"),
                            ("NOK", "NOK – Norwegian krone"),
                            ("PLN", "PLN – Polish złoty"),
                            ("CZK", "CZK – Czech koruna"),
                            ("CAD", "CAD – Canadian dollar"),
                            ("AUD", "AUD – Australian dollar"),
                        ],
                        max_length=3,
                        verbose_name="currency",
                    ),
                ),
                ("reference", models.CharField(max_length=120, verbose_name="bank reference")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="recorded at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="payouts",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
            ],
            options={
                "verbose_name": "payout",
                "verbose_name_plural": "payouts",
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("amount_minor__gt", 0)), name="payout_amount_positive")
                ],
            },
        ),
        migrations.CreateModel(
            name="Refund",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="UID")),
                ("amount_minor", models.PositiveBigIntegerField(verbose_name="amount (minor units)")),
                (
                    "currency",
                    models.CharField(
                        choices=[
                            ("EUR", "EUR – Euro"),
                            ("GBP", "GBP – Pound sterling"),
                            ("USD", "USD – US dollar"),
                            ("CHF", "CHF – Swiss franc"),
                            ("DKK", "DKK – Danish krone"),
                            ("SEK", "SEK – Swedish krona"),
                            ("NOK", "NOK – Norwegian krone"),
                            ("PLN", "PLN – Polish złoty"),
                            ("CZK", "CZK – Czech koruna"),
                            ("CAD", "CAD – Canadian dollar"),
                            ("AUD", "AUD – Australian dollar"),
                        ],
                        max_length=3,
                        verbose_name="currency",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("created", "Requested"), ("succeeded", "Refunded"), ("failed", "Failed")],
                        default="created",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("payer_cancelled", "Cancelled by the payer, by the agreed terms"),
                            ("band_cancelled", "Cancelled by the band: everything back"),
                            ("dispute", "A dispute resolved by StageSlot's staff"),
                            ("lost_race", "The time was taken meanwhile"),
                            ("other", "Other"),
                        ],
                        max_length=16,
                        verbose_name="reason",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                (
                    "idempotency_key",
                    models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="idempotency key"),
                ),
                ("refund_id", models.CharField(blank=True, max_length=255, verbose_name="Stripe refund")),
                ("failure", models.CharField(blank=True, max_length=300, verbose_name="why it failed")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "payment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refunds",
                        to="payments.payment",
                        verbose_name="payment",
                    ),
                ),
            ],
            options={
                "verbose_name": "refund",
                "verbose_name_plural": "refunds",
                "ordering": ["created_at", "pk"],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("amount_minor__gt", 0)), name="refund_amount_positive"),
                    models.UniqueConstraint(
                        condition=models.Q(("refund_id", ""), _negated=True),
                        fields=("refund_id",),
                        name="refund_id_unique",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="LedgerEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("payment", "Payment"),
                            ("refund", "Refund"),
                            ("platform_fee", "Platform fee"),
                            ("commission", "Agency's commission"),
                            ("band_share", "Band's share"),
                            ("member_share", "Member's share"),
                            ("payout", "Payout"),
                            ("outside", "Paid outside StageSlot"),
                            ("settlement", "Settlement"),
                        ],
                        max_length=14,
                        verbose_name="kind",
                    ),
                ),
                ("amount_minor", models.BigIntegerField(verbose_name="amount (minor units)")),
                (
                    "currency",
                    models.CharField(
                        choices=[
                            ("EUR", "EUR – Euro"),
                            ("GBP", "GBP – Pound sterling"),
                            ("USD", "USD – US dollar"),
                            ("CHF", "CHF – Swiss franc"),
                            ("DKK", "DKK – Danish krone"),
                            ("SEK", "SEK – Swedish krona"),
                            ("NOK", "NOK – Norwegian krone"),
                            ("PLN", "PLN – Polish złoty"),
                            ("CZK", "CZK – Czech koruna"),
                            ("CAD", "CAD – Canadian dollar"),
                            ("AUD", "AUD – Australian dollar"),
                        ],
                        max_length=3,
                        verbose_name="currency",
                    ),
                ),
                ("memo", models.CharField(blank=True, max_length=200, verbose_name="memo")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at")),
                (
                    "band",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger_entries",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "booking",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger_entries",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger_entries",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="member",
                    ),
                ),
                (
                    "payment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="payments.payment",
                        verbose_name="payment",
                    ),
                ),
                (
                    "payout",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="payments.payout",
                        verbose_name="payout",
                    ),
                ),
                (
                    "refund",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="payments.refund",
                        verbose_name="refund",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger_entries",
                        to="teams.organisation",
                        verbose_name="agency",
                    ),
                ),
            ],
            options={
                "verbose_name": "ledger entry",
                "verbose_name_plural": "ledger entries",
                "ordering": ["created_at", "pk"],
                "indexes": [
                    models.Index(fields=["band", "kind", "currency"], name="ledger_band_kind"),
                    models.Index(fields=["member", "kind"], name="ledger_member_kind"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("payment__isnull", False), ("refund__isnull", True)),
                        fields=("payment", "kind", "member"),
                        name="ledger_once_per_payment",
                        nulls_distinct=False,
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("refund__isnull", False)),
                        fields=("refund", "kind", "member"),
                        name="ledger_once_per_refund",
                        nulls_distinct=False,
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Settlement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Waiting for approval"),
                            ("disputed", "Questioned by the band"),
                            ("approved", "Approved by both sides"),
                        ],
                        default="draft",
                        max_length=8,
                        verbose_name="status",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, verbose_name="version")),
                ("tickets_sold", models.PositiveIntegerField(verbose_name="tickets sold")),
                ("gross_minor", models.PositiveBigIntegerField(verbose_name="takings (minor units)")),
                ("gross_entered", models.BooleanField(default=False, verbose_name="takings entered by hand")),
                ("costs_minor", models.PositiveBigIntegerField(default=0, verbose_name="agreed costs (minor units)")),
                ("net_minor", models.PositiveBigIntegerField(verbose_name="net (minor units)")),
                ("band_amount_minor", models.PositiveBigIntegerField(verbose_name="the band's amount (minor units)")),
                (
                    "currency",
                    models.CharField(
                        choices=[
                            ("EUR", "EUR – Euro"),
                            ("GBP", "GBP – Pound sterling"),
                            ("USD", "USD – US dollar"),
                            ("CHF", "CHF – Swiss franc"),
                            ("DKK", "DKK – Danish krone"),
                            ("SEK", "SEK – Swedish krona"),
                            ("NOK", "NOK – Norwegian krone"),
                            ("PLN", "PLN – Polish złoty"),
                            ("CZK", "CZK – Czech koruna"),
                            ("CAD", "CAD – Canadian dollar"),
                            ("AUD", "AUD – Australian dollar"),
                        ],
                        max_length=3,
                        verbose_name="currency",
                    ),
                ),
                ("deal", models.CharField(max_length=8, verbose_name="deal")),
                ("door_percent", models.PositiveSmallIntegerField(verbose_name="door split (%)")),
                ("guarantee_minor", models.PositiveBigIntegerField(default=0, verbose_name="guarantee (minor units)")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="note")),
                ("entered_at", models.DateTimeField(verbose_name="entered at")),
                (
                    "payer_approved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="approved for the venue or client at"),
                ),
                (
                    "band_approved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="approved for the band at"),
                ),
                ("dispute_note", models.CharField(blank=True, max_length=500, verbose_name="why it was questioned")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="approved by both at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "band_approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="approved for the band by",
                    ),
                ),
                (
                    "booking",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="settlement",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "entered_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="entered by",
                    ),
                ),
                (
                    "payer_approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="approved for the venue or client by",
                    ),
                ),
            ],
            options={
                "verbose_name": "settlement",
                "verbose_name_plural": "settlements",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("net_minor__lte", models.F("gross_minor"))),
                        name="settlement_net_within_gross",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "approved"), _negated=True),
                            models.Q(
                                ("approved_at__isnull", False),
                                ("band_approved_at__isnull", False),
                                ("payer_approved_at__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="settlement_approved_by_both",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("door_percent__gte", 1), ("door_percent__lte", 100)),
                        name="settlement_door_percent_range",
                    ),
                ],
            },
        ),
    ]
