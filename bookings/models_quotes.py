"""Quotes: the deal terms one side of a booking proposes and the other accepts, counters or declines.

Every version is a row of its own and is never edited after it is answered; a counter is a new row
pointing at the one it answers. Amounts are integers in minor units (cents) with their currency, so
a later payment reads them as they are (docs/decisions/0032-quotes-and-deal-terms.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bands.models import Currency

# A fee above this (in minor units: 10,000,000.00) is a typing slip, not a deal.
FEE_CAP_MINOR = 1_000_000_000
# The most cancellation windows a quote has.
MAX_WINDOWS = 5


class CostKind(models.TextChoices):
    """What a cost taken off the door is for (the terms' door_costs, a settlement's costs)."""

    SOUND = "sound", _("Sound")
    LIGHTS = "lights", _("Lights")
    HOSPITALITY = "hospitality", _("Hospitality")
    MARKETING = "marketing", _("Marketing")
    SECURITY = "security", _("Security")
    STAGEHANDS = "stagehands", _("Stagehands")
    BACKLINE = "backline", _("Backline")
    OTHER = "other", _("Other")


class Quote(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        COUNTERED = "countered", _("Countered")
        DECLINED = "declined", _("Declined")
        LAPSED = "lapsed", _("Lapsed")

    class Deal(models.TextChoices):
        FLAT = "flat", _("Flat guarantee")
        DOOR = "door", _("Door split")
        VERSUS = "versus", _("Guarantee versus door split, whichever is higher")

    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="quotes", verbose_name=_("booking")
    )
    version = models.PositiveSmallIntegerField(_("version"))
    # "band" | "venue" | "client" | "headliner": the side that proposed these terms.
    side = models.CharField(_("side"), max_length=10)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    # The version this one counters (None for the first).
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("counters")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    deal = models.CharField(_("deal"), max_length=8, choices=Deal.choices, default=Deal.FLAT)
    # The guarantee (flat, versus); empty for a door split alone.
    fee_minor = models.PositiveBigIntegerField(_("fee (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.EUR)
    door_percent = models.PositiveSmallIntegerField(_("door split (%)"), null=True, blank=True)
    ticket_price_minor = models.PositiveBigIntegerField(_("ticket price (minor units)"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    deposit_percent = models.PositiveSmallIntegerField(_("deposit (%)"), default=0)
    # Days before the gig the balance is due; 0 is on the day.
    balance_due_days = models.PositiveSmallIntegerField(_("balance due (days before the gig)"), default=0)
    set_minutes = models.PositiveSmallIntegerField(_("set length (minutes)"), null=True, blank=True)
    sound = models.BooleanField(_("sound provided"), default=False)
    backline = models.BooleanField(_("backline provided"), default=False)
    hospitality = models.BooleanField(_("hospitality"), default=False)
    accommodation = models.BooleanField(_("accommodation"), default=False)
    travel = models.BooleanField(_("travel paid"), default=False)
    included_note = models.CharField(_("what is included, in words"), max_length=300, blank=True)
    # [{"kind": "sound", "label": "PA hire", "amount_minor": 15000}, …]: what the door side may take off
    # the takings before a door split (kinds: CostKind).
    door_costs = models.JSONField(_("costs taken off the door"), default=list, db_default=[], blank=True)
    # [{"tickets": 200, "amount_minor": 10000}, …]: at that many tickets sold, the band gets that much more.
    bonus_tiers = models.JSONField(_("bonuses at tickets sold"), default=list, db_default=[], blank=True)
    # [{"days": 30, "refund_percent": 100}, …]: cancelled `days` or more before the gig refunds that
    # much; the windows run from the most days to the fewest, and closer to the gig refunds no more.
    cancel_windows = models.JSONField(_("cancellation windows"), default=list, blank=True)
    cancel_preset = models.CharField(_("cancellation terms"), max_length=10, blank=True)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answer_note = models.CharField(_("answer note"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["booking", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(status="open"),
                name="bookings_one_open_quote",
                violation_error_message=_("This booking already has an open quote."),
            ),
            models.UniqueConstraint(
                fields=["booking", "version"],
                name="bookings_quote_version_unique",
                violation_error_message=_("This version of the quote exists already."),
            ),
            models.CheckConstraint(
                condition=Q(deposit_percent__lte=100),
                name="bookings_quote_deposit_percent",
                violation_error_message=_("A deposit is 0 to 100 %."),
            ),
            models.CheckConstraint(
                condition=Q(door_percent__isnull=True) | Q(door_percent__gte=1, door_percent__lte=100),
                name="bookings_quote_door_percent",
                violation_error_message=_("A door split is 1 to 100 %."),
            ),
            models.CheckConstraint(
                condition=Q(fee_minor__isnull=True) | Q(fee_minor__gte=1, fee_minor__lte=FEE_CAP_MINOR),
                name="bookings_quote_fee_range",
                violation_error_message=_("A fee is more than nothing and at most 10,000,000."),
            ),
            models.CheckConstraint(
                condition=Q(deal="door", door_percent__isnull=False)
                | Q(deal="flat", fee_minor__isnull=False)
                | Q(deal="versus", fee_minor__isnull=False, door_percent__isnull=False),
                name="bookings_quote_deal_complete",
                violation_error_message=_("A guarantee needs a fee and a door split its percentage."),
            ),
        ]

    def __str__(self) -> str:
        # Translators: a quote's version and its status, e.g. "Quote 3 (Open)".
        return gettext("Quote %(version)s (%(status)s)") % {
            "version": self.version,
            "status": self.get_status_display(),
        }

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
