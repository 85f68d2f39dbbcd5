"""Staff screens for bookings: watch them and their audit trail, read-only.

Every change of a booking goes through bookings.services (locks, the audit row, the members' busy
time, notifications), so nothing here writes but through them – resolving a dispute is one such
service call (services.life.booking_dispute_resolve) – and nothing is ever deleted.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.mfa import second_factor_required
from accounts.models import Block, Report
from accounts.people import people_drawn
from bands.admin import action_with_form
from core.admin_export import StaffExportMixin
from core.fields.timezones import when_text

from .errors import BookingError
from .models import (
    Booking,
    BookingEvent,
    BookingFile,
    OfferInvite,
    Quote,
    RequestGroup,
    RescheduleProposal,
    Webhook,
    WebhookDelivery,
)
from .resources import BookingResource
from .selectors.reports import QUEUE_ORDER, report_queue
from .services.life import booking_dispute_resolve
from .services.reports import ReportClaimed, report_claim, report_release, report_resolve
from .services.venue_slots import offer_invite_state

# An emailed offer's state, as offer_invite_state names it.
INVITE_STATES = {
    "open": pgettext_lazy("emailed offer", "open"),
    "claimed": pgettext_lazy("emailed offer", "claimed"),
    "revoked": pgettext_lazy("emailed offer", "revoked"),
    "expired": pgettext_lazy("emailed offer", "expired"),
}


class ReadOnlyAdminMixin:
    """View only: no add, no change, no delete (and so no delete action)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class BookingEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BookingEvent
    extra = 0
    fields = ("created_at", "actor", "from_status", "to_status", "note")
    readonly_fields = fields
    ordering = ("created_at", "pk")
    verbose_name = _("change")
    verbose_name_plural = _("History (who changed what, and why)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[BookingEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Booking)
class BookingAdmin(StaffExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    resource_classes = [BookingResource]
    list_display = ("short_uid", "kind", "role", "status", "band", "where", "when", "sequence", "updated_at")
    list_filter = ("status", "kind", "role", "shortlisted")
    search_fields = ("uid", "band__name", "band__slug", "venue__name", "venue__slug", "client__email")
    list_select_related = ("band", "venue", "client")
    date_hierarchy = "starts_at"
    list_per_page = 50
    inlines = [BookingEventInline]
    fieldsets = (
        (None, {"fields": ("uid", "kind", "role", "status", "status_note", "status_changed_at", "sequence")}),
        (_("Who"), {"fields": ("band", "slot", "venue", "client", "requested_by")}),
        (_("When and what"), {"fields": ("when", "starts_at", "ends_at", "time_zone", "fee", "currency", "message")}),
        (
            _("Private event"),
            {"fields": ("event_type", "location", "guests", "request_group"), "classes": ("collapse",)},
        ),
        (
            pgettext_lazy("section of a booking's page: its bookkeeping", "Record"),
            {"fields": ("shortlisted", "block", "created_at", "updated_at")},
        ),
        (
            _("Client booking"),
            {
                "fields": (
                    "instant",
                    "package",
                    "setting",
                    "power_notes",
                    "load_in_notes",
                    "cancel_terms",
                    "cancel_free_until",
                    "dispute",
                )
            },
        ),
    )
    readonly_fields = tuple(f for section in fieldsets for f in section[1]["fields"])

    def get_urls(self):
        resolve = self.admin_site.admin_view(self.resolve_dispute)
        return [path("<int:pk>/resolve/", resolve, name="bookings_booking_resolve"), *super().get_urls()]

    @admin.display(description=_("Dispute"))
    def dispute(self, booking: Booking) -> str:
        if booking.status != Booking.Status.DISPUTED:
            return "–"
        url = reverse("admin:bookings_booking_resolve", args=[booking.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("Resolve this dispute"))

    @second_factor_required
    def resolve_dispute(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Staff decide a disputed gig: completed or cancelled, with a note both sides read."""
        if not request.user.is_staff:
            raise PermissionDenied
        booking = get_object_or_404(Booking.objects.select_related("band", "venue", "client"), pk=pk)
        form = ResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                booking_dispute_resolve(booking=booking, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            except BookingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("The dispute is resolved; both sides have been told."))
                return redirect("admin:bookings_booking_change", booking.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Resolve the dispute about %(booking)s") % {"booking": booking},
            "booking": booking,
            "form": form,
            "events": people_drawn(booking.events.all(), "note"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/bookings/resolve_dispute.html", context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return super().get_queryset(request).select_related("band", "venue", "client", "slot", "requested_by")

    @admin.display(description=_("Booking"), ordering="uid")
    def short_uid(self, booking: Booking) -> str:
        return str(booking.uid)[:8]

    @admin.display(description=_("Where"), ordering="venue__name")
    def where(self, booking: Booking) -> str:
        if booking.venue_id:
            return booking.venue.name
        if booking.client_id:
            # Translators: a private event's booking, by the client's email address.
            return gettext("Private: %(email)s") % {"email": booking.client.email}
        return gettext("Private")

    @admin.display(description=_("When (the event's zone)"), ordering="starts_at")
    def when(self, booking: Booking) -> str:
        return when_text(booking.starts_at, booking.ends_at, booking.zone)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Booking.Status.COMPLETED, _("Completed: the gig counts as played")),
            (Booking.Status.CANCELLED, _("Cancelled")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), max_length=400, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Both sides read it.")
    )


@admin.register(RescheduleProposal)
class RescheduleProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("booking", "side", "status", "starts_at", "ends_at", "created_at")
    list_filter = ("status",)
    list_select_related = ("booking",)


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every version of every booking's terms, for staff settling a dispute over what was agreed."""

    list_display = ("booking", "version", "side", "status", "deal", "fee_minor", "currency", "expires_at", "created_at")
    list_filter = ("status", "deal", "currency")
    list_select_related = ("booking",)
    search_fields = ("booking__uid",)
    ordering = ("-created_at", "-pk")
    raw_id_fields = ("booking", "proposed_by", "answered_by", "replaces")


@admin.register(RequestGroup)
class RequestGroupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests clients sent to several bands at once; each band's booking is listed under Bookings."""

    list_display = ("uid", "client", "created_at")
    list_select_related = ("client",)
    search_fields = ("uid", "client__email")
    ordering = ("-created_at", "-pk")
    raw_id_fields = ("client",)


@admin.register(BookingFile)
class BookingFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "version", "kind", "content_type", "size", "side", "booking", "created_at")
    list_filter = ("kind", "content_type")
    list_select_related = ("booking",)
    exclude = ("file",)  # served only through the booking's access-checking view


@admin.register(OfferInvite)
class OfferInviteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Slots offered by email. The token is the link's secret: it is never shown."""

    list_display = ("email", "band_name", "slot", "role", "state", "expires_at", "created_at")
    search_fields = ("email", "band_name", "slot__venue__name")
    list_select_related = ("slot__venue",)
    fields = (
        "slot",
        "email",
        "band_name",
        "role",
        "fee",
        "message",
        "created_by",
        "created_at",
        "expires_at",
        "claimed_at",
        "revoked_at",
        "booking",
    )
    readonly_fields = fields

    @admin.display(description=_("State"))
    def state(self, invite: OfferInvite) -> str:
        return INVITE_STATES[offer_invite_state(invite)]


class WebhookDeliveryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookDelivery
    fields = ("event", "state", "attempts", "last_status", "last_ms", "last_error", "created_at", "delivered_at")
    readonly_fields = fields
    ordering = ("-created_at",)
    extra = 0
    max_num = 0


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """A band's or venue's webhooks and their latest deliveries (the secret is never shown)."""

    list_display = ("url", "band", "venue", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "band__name", "venue__name")
    fields = ("band", "venue", "url", "events", "active", "created_by", "created_at")
    readonly_fields = ("band", "venue", "url", "events", "created_by", "created_at")
    inlines = [WebhookDeliveryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# ---- Reports and blocks (decision 0081) --------------------------------------------------------------


class ReportNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("The reported side reads this, so say which rule was broken. The reporter does not see it."),
    )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The staff queue: open reports first, the account with the most open reports on top, then the oldest."""

    list_display = [
        "created_at",
        "account_name",
        "account_kind",
        "open_against_count",
        "subject_kind",
        "category",
        "status",
        "claimed_by",
    ]
    list_filter = ["status", "category", "subject_kind", "account_kind"]
    search_fields = ["account_name", "text", "reporter__email"]
    actions = ["claim", "release", "warn", "suspend", "dismiss"]
    readonly_fields = [f.name for f in Report._meta.fields]
    ordering = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return report_queue()

    def get_ordering(self, request: HttpRequest):
        return list(QUEUE_ORDER)

    @admin.display(description=_("open reports against it"), ordering="open_against")
    def open_against_count(self, obj: Report) -> int:
        return obj.open_against

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def _each(self, request: HttpRequest, queryset: QuerySet, act, said=None) -> None:
        """Apply `act` to each open report chosen; one held by another member of staff is left as it is, and
        the staff member reads who holds it (decision 0083). `said(n)`: the words for the n acted on."""
        done = 0
        for report in queryset.filter(status=Report.Status.OPEN):
            try:
                done += bool(act(report))
            except ReportClaimed as refusal:
                self.message_user(request, " ".join(refusal.messages), messages.WARNING)
        if done and said is not None:
            self.message_user(request, said(done), messages.SUCCESS)

    def _resolve(self, request: HttpRequest, queryset: QuerySet, outcome: str, note: str = "") -> None:
        self._each(
            request,
            queryset,
            lambda report: report_resolve(report=report, by=request.user, outcome=outcome, note=note).status == outcome,
            lambda done: (
                ngettext(
                    "%(count)d report resolved; the reporter is told.",
                    "%(count)d reports resolved; each reporter is told.",
                    done,
                )
                % {"count": done}
            ),
        )

    @admin.action(description=_("Claim: I am looking at these"), permissions=["change"])
    def claim(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            lambda report: report_claim(report=report, by=request.user),
            lambda done: (
                ngettext(
                    "%(count)d report claimed: other staff cannot act on it until you release it or act on it.",
                    "%(count)d reports claimed: other staff cannot act on them until you release them or act on them.",
                    done,
                )
                % {"count": done}
            ),
        )

    @admin.action(description=_("Release my claim"), permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, lambda report: report_release(report=report, by=request.user))

    def _with_note(self, request, queryset, *, outcome: str, action: str, title: str, intro: str):
        return action_with_form(
            self,
            request,
            queryset,
            form_class=ReportNoteForm,
            action=action,
            title=title,
            intro=intro,
            submit_label=title,
            apply=lambda form: self._resolve(request, queryset, outcome, form.cleaned_data["note"]),
        )

    @admin.action(description=_("Warn the reported account…"), permissions=["change"])
    def warn(self, request: HttpRequest, queryset: QuerySet):
        return self._with_note(
            request,
            queryset,
            outcome=Report.Status.WARNED,
            action="warn",
            title=gettext("Warn"),
            intro=gettext("The reported person, or the band's leaders or the venue's owners, read your reason."),
        )

    @admin.action(description=_("Suspend the reported account…"), permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet):
        return self._with_note(
            request,
            queryset,
            outcome=Report.Status.SUSPENDED,
            action="suspend",
            title=gettext("Suspend"),
            intro=gettext(
                "A person is signed out and can no longer sign in; a band or venue is hidden and cannot be booked. "
                "They read your reason."
            ),
        )

    @admin.action(description=_("Dismiss: nothing against the rules"), permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._resolve(request, queryset, Report.Status.DISMISSED)


@admin.register(Block)
class BlockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "blocker_kind", "blocker_id", "blocked_kind", "blocked_id", "created_by"]
    list_filter = ["blocker_kind", "blocked_kind"]
