"""Staff screens for bookings: watch them and their audit trail, read-only.

Every change of a booking goes through bookings.services (locks, the audit row, the members' busy
time, notifications), so nothing here writes, and nothing is ever deleted.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Booking, BookingEvent, OfferInvite
from .services.venue_slots import offer_invite_state
from .services.workflow import when_text


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
    verbose_name = "change"
    verbose_name_plural = "History (who changed what, and why)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[BookingEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("short_uid", "kind", "role", "status", "band", "where", "when", "sequence", "updated_at")
    list_filter = ("status", "kind", "role", "shortlisted")
    search_fields = ("uid", "band__name", "band__slug", "venue__name", "venue__slug", "client__email")
    list_select_related = ("band", "venue", "client")
    date_hierarchy = "starts_at"
    list_per_page = 50
    inlines = [BookingEventInline]
    fieldsets = (
        (None, {"fields": ("uid", "kind", "role", "status", "status_note", "status_changed_at", "sequence")}),
        ("Who", {"fields": ("band", "slot", "venue", "client", "requested_by")}),
        ("When and what", {"fields": ("when", "starts_at", "ends_at", "time_zone", "fee", "currency", "message")}),
        ("Private event", {"fields": ("event_type", "location", "guests"), "classes": ("collapse",)}),
        ("Record", {"fields": ("shortlisted", "block", "created_at", "updated_at")}),
    )
    readonly_fields = tuple(f for section in fieldsets for f in section[1]["fields"])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Booking]:
        return super().get_queryset(request).select_related("band", "venue", "client", "slot", "requested_by")

    @admin.display(description="Booking", ordering="uid")
    def short_uid(self, booking: Booking) -> str:
        return str(booking.uid)[:8]

    @admin.display(description="Where", ordering="venue__name")
    def where(self, booking: Booking) -> str:
        if booking.venue_id:
            return booking.venue.name
        return f"Private: {booking.client.email}" if booking.client_id else "Private"

    @admin.display(description="When (the event's zone)", ordering="starts_at")
    def when(self, booking: Booking) -> str:
        return when_text(booking.starts_at, booking.ends_at, booking.zone)


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

    @admin.display(description="State")
    def state(self, invite: OfferInvite) -> str:
        return offer_invite_state(invite)
