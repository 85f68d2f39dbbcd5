"""Paper: the parties' legal details, contracts both sides sign (sealed by the platform), invoices,
receipts and credit notes numbered without a gap, and every PDF rendered, kept by its content.

Amounts are integers in minor units with their currency, as in payments. A document's parties and
lines are copied onto it when it is issued: a band that renames itself later does not change an
invoice it already sent (docs/decisions/0036-paper.md).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bands.models import Currency


class RenderedPdf(models.Model):
    """The bytes of one rendered PDF, kept by the hash of what was rendered (the template's HTML): the
    same content asked for again is served from here, never rendered twice, and a signed or sent PDF
    stays byte for byte what it was."""

    source_sha256 = models.CharField(_("SHA-256 of the rendered HTML"), max_length=64, unique=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, db_index=True)
    data = models.BinaryField(_("PDF"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    render_ms = models.PositiveIntegerField(_("render time (ms)"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rendered PDF")
        verbose_name_plural = _("rendered PDFs")

    def __str__(self) -> str:
        return self.sha256[:16]


class LegalDetails(models.Model):
    """Who a party is on paper: a band's, a venue's or a person's (a client's) legal name, address and
    tax details. Exactly one of band, venue and user."""

    band = models.OneToOneField(
        "bands.Band",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_details",
        verbose_name=_("band"),
    )
    venue = models.OneToOneField(
        "venues.Venue",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_details",
        verbose_name=_("venue"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legal_details",
        verbose_name=_("person"),
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    address = models.TextField(_("address"), max_length=600)
    email = models.EmailField(_("email for paper"), blank=True)
    tax_number = models.CharField(_("tax or VAT number"), max_length=40, blank=True)
    # Basis points: 1900 is 19 %. Zero charges no VAT (a small business, or a reverse charge).
    vat_rate_bp = models.PositiveSmallIntegerField(_("VAT rate (basis points)"), default=0)
    reverse_charge = models.BooleanField(
        _("reverse charge"),
        default=False,
        help_text=_("The customer accounts for the VAT: the invoice says so and charges none."),
    )
    invoice_note = models.CharField(_("note on every invoice"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("legal details")
        verbose_name_plural = _("legal details")
        constraints = [
            models.CheckConstraint(
                condition=Q(band__isnull=False, venue__isnull=True, user__isnull=True)
                | Q(band__isnull=True, venue__isnull=False, user__isnull=True)
                | Q(band__isnull=True, venue__isnull=True, user__isnull=False),
                name="documents_legal_details_one_owner",
                violation_error_message=_("Legal details belong to one band, one venue or one person."),
            ),
            models.CheckConstraint(
                condition=Q(vat_rate_bp__lte=10000),
                name="documents_legal_details_vat_rate",
                violation_error_message=_("A VAT rate is 0 to 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name


class ContractTemplate(models.Model):
    """A band's or a venue's own contract: our plain default clauses, as it edited them, and its own
    additions. Exactly one of band and venue."""

    band = models.OneToOneField(
        "bands.Band",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contract_template",
        verbose_name=_("band"),
    )
    venue = models.OneToOneField(
        "venues.Venue",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contract_template",
        verbose_name=_("venue"),
    )
    clauses = models.TextField(_("clauses"), max_length=20000)
    additions = models.TextField(_("additional clauses"), max_length=20000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        constraints = [
            models.CheckConstraint(
                condition=Q(band__isnull=False, venue__isnull=True) | Q(band__isnull=True, venue__isnull=False),
                name="documents_contract_template_one_owner",
                violation_error_message=_("A contract template belongs to one band or one venue."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.band or self.venue)


class Contract(models.Model):
    """A performance contract drawn from a booking's agreed terms. Its draft PDF is what both sides
    sign (its SHA-256 is kept with each signature); once both have signed, the final PDF (the draft
    plus a signature page) is sealed by the platform. A change of terms voids it; a new one is drawn."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Waiting for signatures")
        PARTLY = "partly", _("Signed by one side")
        SIGNED = "signed", _("Signed by both sides")
        VOID = "void", _("Void")

    LIVE = (Status.AWAITING, Status.PARTLY, Status.SIGNED)

    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("booking")
    )
    # The agreed terms it was drawn from; a later agreed quote voids it.
    quote = models.ForeignKey(
        "bookings.Quote",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("terms"),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.AWAITING)
    # Who signs: the band and its counterparty ("venue" or "client").
    other_side = models.CharField(_("other side"), max_length=8)
    # What the contract says, copied when it was drawn: parties, performance, terms, clauses.
    content = models.JSONField(_("content"), default=dict)
    draft = models.ForeignKey(RenderedPdf, on_delete=models.PROTECT, related_name="+", verbose_name=_("PDF to sign"))
    draft_sha256 = models.CharField(_("SHA-256 of the PDF to sign"), max_length=64)
    # What the contract depends on (the agreed terms, the times, the fee, the parties), hashed when it
    # was drawn: a booking whose terms hash differently now has a void contract.
    terms_sha256 = models.CharField(_("SHA-256 of the terms"), max_length=64, blank=True)
    # The booking's sequence when it was drawn: the periodic sweep looks again only at contracts whose
    # booking changed since.
    booking_sequence = models.PositiveIntegerField(_("booking sequence when drawn"), default=0)
    final = models.ForeignKey(
        RenderedPdf,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed and sealed PDF"),
    )
    final_sha256 = models.CharField(_("SHA-256 of the sealed PDF"), max_length=64, blank=True, db_index=True)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)
    void_reason = models.CharField(_("why it is void"), max_length=300, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["booking", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status__in=["awaiting", "partly", "signed"]),
                name="documents_one_live_contract",
                violation_error_message=_("This booking has a contract already."),
            ),
            models.UniqueConstraint(
                fields=["booking", "version"],
                name="documents_contract_version_unique",
                violation_error_message=_("This version of the contract exists already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} v{self.version} ({self.get_status_display()})"


class ContractSignature(models.Model):
    """One side's signature: the full name typed, the consent given, the password asked again, and the
    time, address, browser and SHA-256 of the exact PDF bytes signed."""

    class Side(models.TextChoices):
        BAND = "band", _("Band")
        VENUE = "venue", _("Venue")
        CLIENT = "client", _("Client")

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("contract")
    )
    side = models.CharField(_("side"), max_length=8, choices=Side.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    consent = models.BooleanField(_("consent given"), default=False)
    signed_at = models.DateTimeField(_("signed at"))
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF signed"), max_length=64)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "side"],
                name="documents_one_signature_a_side",
                violation_error_message=_("This side has signed the contract already."),
            ),
            models.CheckConstraint(
                condition=Q(consent=True),
                name="documents_signature_consent",
                violation_error_message=_("A signature needs the signer's consent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_side_display()})"


class InvoiceSeries(models.Model):
    """The running numbers of one issuer's documents of one kind: the row is locked while a number is
    taken, so two documents issued at once get the next two numbers, never the same one and no gap."""

    # "band:<id>" for a band's invoices and credit notes, "platform" for StageSlot's receipts.
    issuer_key = models.CharField(_("issuer"), max_length=40)
    kind = models.CharField(_("kind"), max_length=8)
    prefix = models.CharField(_("prefix"), max_length=20)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [
            models.UniqueConstraint(fields=["issuer_key", "kind"], name="documents_one_series_an_issuer_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.last_number}"


class Invoice(models.Model):
    """An invoice for a band's fee, a receipt for a payment, or a credit note for a refund: numbered in
    its issuer's series, its parties and lines copied when issued, its PDF kept."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        RECEIPT = "receipt", _("Receipt")
        CREDIT_NOTE = "credit", _("Credit note")

    uid = models.UUIDField(_("UID"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    series = models.ForeignKey(InvoiceSeries, on_delete=models.PROTECT, related_name="+", verbose_name=_("series"))
    sequence = models.PositiveIntegerField(_("number in its series"))
    number = models.CharField(_("number"), max_length=40)
    # The band that issues it; empty for StageSlot's own receipts.
    band = models.ForeignKey(
        "bands.Band",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by band"),
    )
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("booking")
    )
    payment = models.ForeignKey(
        "payments.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment"),
    )
    refund = models.ForeignKey(
        "payments.Refund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refund"),
    )
    # The band's invoice for what an approved settlement owes beyond what was paid (one per settlement);
    # empty on the invoice for the booking's fee.
    settlement = models.ForeignKey(
        "payments.Settlement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settlement"),
    )
    # A credit note corrects this invoice.
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("corrects"),
    )
    # Who pays it: the client or the venue's user who booked.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    # Copied when issued: {"issuer": {...}, "recipient": {...}, "lines": [...], "notes": [...]}.
    content = models.JSONField(_("content"), default=dict)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    net_minor = models.BigIntegerField(_("net (minor units)"))
    vat_minor = models.BigIntegerField(_("VAT (minor units)"), default=0)
    total_minor = models.BigIntegerField(_("total (minor units)"))
    vat_rate_bp = models.PositiveSmallIntegerField(_("VAT rate (basis points)"), default=0)
    reverse_charge = models.BooleanField(_("reverse charge"), default=False)
    issued_at = models.DateTimeField(_("issued at"))
    pdf = models.ForeignKey(
        RenderedPdf, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("PDF")
    )
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    # The worker sending it (claim, send, mark: at least once, one Message-ID), and its failed tries.
    email_claimed_at = models.DateTimeField(_("email claimed at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("email tries"), default=0)
    email_error = models.CharField(_("last email error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "sequence"],
                name="documents_invoice_number_unique",
                violation_error_message=_("This number is taken in its series."),
            ),
            models.UniqueConstraint(
                fields=["settlement"],
                condition=Q(kind="invoice", settlement__isnull=False),
                name="documents_invoice_settlement_once",
                violation_error_message=_("This settlement is invoiced already."),
            ),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(kind="receipt"),
                name="documents_one_receipt_a_payment",
                violation_error_message=_("This payment has a receipt already."),
            ),
            models.UniqueConstraint(
                fields=["refund"],
                condition=Q(kind="credit"),
                name="documents_one_credit_note_a_refund",
                violation_error_message=_("This refund has a credit note already."),
            ),
        ]
        indexes = [
            models.Index(fields=["band", "-issued_at"], name="invoice_band_issued"),
            # The paper round's sweep of documents still to email: few rows, if any.
            models.Index(fields=["issued_at"], condition=Q(emailed_at__isnull=True), name="invoice_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
