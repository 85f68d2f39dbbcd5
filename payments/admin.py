"""Staff screens for money: payments, refunds, the ledger, Stripe's events and checkouts, read-only;
payouts recorded through payouts.payout_record, and a payment refunded (a dispute resolved) through
refunds.refund_create. Nothing here writes but through those services, and the ledger is never changed.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.mfa import second_factor_required
from bookings.errors import BookingError
from bookings.selectors.quotes import money_text
from core.admin_export import StaffExportMixin

from .forms import PayoutForm, StaffRefundForm
from .models import (
    Checkout,
    LedgerEntry,
    MemberPayout,
    Payment,
    Payout,
    Refund,
    Settlement,
    SettlementBonus,
    SettlementCost,
    StripeEvent,
)
from .resources import LedgerEntryResource, PaymentResource
from .selectors import bands_owed
from .services.payouts import payout_record
from .services.refunds import refund_create
from .stripe_api import PaymentsUnavailable


class ReadOnlyAdminMixin:
    """View only: no add, no change, no delete (and so no delete action)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@admin.register(Checkout)
class CheckoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("short_uid", "band", "client", "starts_at", "status", "price", "currency", "expires_at", "booking")
    list_filter = ("status", "currency")
    search_fields = ("uid", "band__name", "client__email")
    list_select_related = ("band", "client", "booking")
    date_hierarchy = "created_at"
    raw_id_fields = ("client", "band", "package", "booking")

    @admin.display(description=_("Checkout"), ordering="uid")
    def short_uid(self, checkout: Checkout) -> str:
        return str(checkout.uid)[:8]


class RefundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Refund
    extra = 0
    max_num = 0
    fields = ("created_at", "amount_minor", "currency", "status", "reason", "note", "by", "refund_id", "failure")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Refund]:
        return super().get_queryset(request).select_related("by")


class LedgerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LedgerEntry
    fk_name = "payment"
    extra = 0
    max_num = 0
    fields = ("created_at", "kind", "amount_minor", "currency", "member", "refund", "memo")
    readonly_fields = fields
    verbose_name_plural = _("Ledger entries of this payment")

    def get_queryset(self, request: HttpRequest) -> QuerySet[LedgerEntry]:
        return super().get_queryset(request).select_related("member", "refund")


@admin.register(Payment)
class PaymentAdmin(StaffExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    resource_classes = [PaymentResource]
    list_display = (
        "short_uid",
        "booking_link",
        "purpose",
        "status",
        "method",
        "amount",
        "refunded",
        "payer",
        "created_at",
        "paid_at",
    )
    list_filter = ("status", "purpose", "method", "currency", "off_session")
    search_fields = ("uid", "intent_id", "reference", "booking__uid", "booking__band__name", "payer__email")
    list_select_related = ("booking", "booking__band", "payer")
    date_hierarchy = "created_at"
    inlines = [RefundInline, LedgerInline]
    fieldsets = (
        (None, {"fields": ("uid", "booking", "checkout", "purpose", "status", "method", "refund_button")}),
        (
            _("Amounts (minor units)"),
            {"fields": ("amount_minor", "currency", "platform_fee_minor", "refunded_minor")},
        ),
        (_("Who"), {"fields": ("payer", "recorded_by", "reference")}),
        (
            _("Stripe"),
            {
                "fields": (
                    "intent_id",
                    "customer_id",
                    "payment_method_id",
                    "idempotency_key",
                    "off_session",
                    "manual_capture",
                    "failure",
                )
            },
        ),
        (_("Times"), {"fields": ("created_at", "updated_at", "paid_at")}),
    )
    readonly_fields = tuple(f for section in fieldsets for f in section[1]["fields"])

    def get_urls(self):
        refund = self.admin_site.admin_view(self.refund_view)
        return [path("<int:pk>/refund/", refund, name="payments_payment_refund"), *super().get_urls()]

    @admin.display(description=_("Payment"), ordering="uid")
    def short_uid(self, payment: Payment) -> str:
        return str(payment.uid)[:8]

    @admin.display(description=_("Booking"), ordering="booking__starts_at")
    def booking_link(self, payment: Payment) -> str:
        if not payment.booking_id:
            return "–"
        url = reverse("admin:bookings_booking_change", args=[payment.booking_id])
        return format_html('<a href="{}">{} · {}</a>', url, payment.booking.band.name, str(payment.booking.uid)[:8])

    @admin.display(description=_("Amount"), ordering="amount_minor")
    def amount(self, payment: Payment) -> str:
        return money_text(payment.amount_minor, payment.currency)

    @admin.display(description=_("Refunded"), ordering="refunded_minor")
    def refunded(self, payment: Payment) -> str:
        return money_text(payment.refunded_minor, payment.currency) if payment.refunded_minor else "–"

    @admin.display(description=_("Refund"))
    def refund_button(self, payment: Payment) -> str:
        if not _refundable(payment):
            return "–"
        url = reverse("admin:payments_payment_refund", args=[payment.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("Refund part or all of it"))

    @second_factor_required
    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Staff resolving a dispute give back any amount up to what is left of a card payment."""
        if not request.user.has_perm("payments.add_refund"):
            raise PermissionDenied
        payment = get_object_or_404(Payment.objects.select_related("booking", "booking__band", "payer"), pk=pk)
        left = payment.amount_minor - payment.refunded_minor
        form = StaffRefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refund = refund_create(
                    payment=payment,
                    amount_minor=form.amount_minor(),
                    reason=Refund.Reason.DISPUTE,
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except (BookingError, PaymentsUnavailable) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    gettext("Refunded %(amount)s; the payer and the band have been told.")
                    % {"amount": money_text(refund.amount_minor, refund.currency)},
                )
                return redirect("admin:payments_payment_change", payment.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Refund a payment"),
            "payment": payment,
            "paid": money_text(payment.amount_minor, payment.currency),
            "left": money_text(left, payment.currency),
            "refundable": _refundable(payment),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/refund.html", context)


def _refundable(payment: Payment) -> bool:
    return (
        payment.status == Payment.Status.SUCCEEDED
        and payment.method == Payment.Method.CARD
        and payment.refunded_minor < payment.amount_minor
    )


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("short_uid", "payment", "amount", "status", "reason", "by", "refund_id", "created_at")
    list_filter = ("status", "reason", "currency")
    search_fields = ("uid", "refund_id", "payment__uid", "payment__intent_id", "payment__booking__uid", "note")
    list_select_related = ("payment", "by")
    date_hierarchy = "created_at"

    @admin.display(description=_("Refund"), ordering="uid")
    def short_uid(self, refund: Refund) -> str:
        return str(refund.uid)[:8]

    @admin.display(description=_("Amount"), ordering="amount_minor")
    def amount(self, refund: Refund) -> str:
        return money_text(refund.amount_minor, refund.currency)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(StaffExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The append-only ledger: read, filtered and searched; never added to, changed or deleted here."""

    resource_classes = [LedgerEntryResource]

    list_display = ("created_at", "kind", "amount", "booking", "band", "member", "payment", "refund", "payout", "memo")
    list_filter = ("kind", "currency")
    search_fields = ("booking__uid", "band__name", "band__slug", "member__email", "memo", "payment__intent_id")
    list_select_related = ("booking", "band", "member", "payment", "refund", "payout")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    list_per_page = 100

    @admin.display(description=_("Amount"), ordering="amount_minor")
    def amount(self, entry: LedgerEntry) -> str:
        return money_text(entry.amount_minor, entry.currency)


@admin.register(MemberPayout)
class MemberPayoutAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What bands paid their members, as their leaders recorded it (and its reversals). Read-only: the band
    records and reverses them on its statements page."""

    list_display = ("paid_on", "band", "member", "amount", "method", "reference", "advance", "reverses", "recorded_by")
    list_filter = ("method", "currency", "advance")
    search_fields = ("band__name", "band__slug", "member__email", "reference")
    list_select_related = ("band", "member", "recorded_by", "reverses")
    date_hierarchy = "paid_on"
    ordering = ("-paid_on", "-pk")

    @admin.display(description=_("Amount"), ordering="amount_minor")
    def amount(self, payout: MemberPayout) -> str:
        return money_text(payout.signed_minor, payout.currency)


class SettlementCostInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SettlementCost
    extra = 0
    fields = ("kind", "label", "amount_minor", "agreed", "added_by", "added_at")
    raw_id_fields = ("added_by",)


class SettlementBonusInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SettlementBonus
    extra = 0
    fields = ("tickets", "amount_minor", "agreed", "added_by", "added_at")
    raw_id_fields = ("added_by",)


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Door deals settled after the gig: the figures entered, their costs and bonus tiers, who approved
    them, a band's question. Read-only: both sides enter and approve them on the settlement page."""

    inlines = (SettlementCostInline, SettlementBonusInline)

    list_display = ("booking", "status", "version", "tickets_sold", "net", "band_amount", "approved_at")
    list_filter = ("status", "deal", "currency")
    search_fields = ("booking__uid", "booking__band__name", "note", "dispute_note")
    list_select_related = ("booking", "booking__band")
    date_hierarchy = "entered_at"
    raw_id_fields = ("booking", "entered_by", "payer_approved_by", "band_approved_by")

    @admin.display(description=_("Net"), ordering="net_minor")
    def net(self, settlement: Settlement) -> str:
        return money_text(settlement.net_minor, settlement.currency)

    @admin.display(description=_("The band's amount"), ordering="band_amount_minor")
    def band_amount(self, settlement: Settlement) -> str:
        return money_text(settlement.band_amount_minor, settlement.currency)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("event_id", "type", "object_id", "outcome", "problem", "received_at")
    list_filter = ("problem", "type")
    search_fields = ("event_id", "object_id", "outcome")
    date_hierarchy = "received_at"


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    """Payouts sent to bands. Recording one (the add page) goes through payout_record, which refuses more
    than the band is owed; a payout is never changed or deleted (the ledger keeps it)."""

    list_display = ("created_at", "band", "amount", "reference", "recorded_by")
    list_filter = ("currency",)
    search_fields = ("band__name", "band__slug", "reference")
    list_select_related = ("band", "recorded_by")
    date_hierarchy = "created_at"
    readonly_fields = ("band", "amount_minor", "currency", "reference", "note", "recorded_by", "created_at")
    fields = readonly_fields

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("Amount"), ordering="amount_minor")
    def amount(self, payout: Payout) -> str:
        return money_text(payout.amount_minor, payout.currency)

    @second_factor_required
    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None) -> HttpResponse:
        """Record a bank transfer to a band, with what each band is owed beside the form."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {}
        if request.GET.get("band", "").isdigit():
            initial["band"] = int(request.GET["band"])
        if request.GET.get("currency"):
            initial["currency"] = request.GET["currency"]
        form = PayoutForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                payout = payout_record(
                    band=data["band"],
                    amount_minor=form.amount_minor(),
                    currency=data["currency"],
                    reference=data["reference"],
                    note=data["note"],
                    by=request.user,
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except BookingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    gettext("Payout of %(amount)s to %(band)s recorded; the band's leaders and admins have been told.")
                    % {"amount": money_text(payout.amount_minor, payout.currency), "band": payout.band.name},
                )
                return redirect("admin:payments_payout_changelist")
        owed = [
            {
                "band": row["band__name"],
                "owed": money_text(row["owed"], row["currency"]),
                "url": f"{reverse('admin:payments_payout_add')}?band={row['band_id']}&currency={row['currency']}",
            }
            for row in bands_owed()[:50]
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Record a payout"),
            "form": form,
            "owed": owed,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/payout_record.html", context)
