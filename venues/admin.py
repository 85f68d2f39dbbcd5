"""Staff screens for venues: review, approve, suspend; staff and stages inline."""

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from bands.admin import PhotoInline, StatusActionsMixin, StatusWords
from bands.selectors import count_of
from core.admin_export import StaffExportMixin

from .models import Slot, Stage, Venue, VenuePhoto, VenueStaff
from .resources import SlotResource
from .services import venue_set_status, venues_place_match


class VenueStaffInline(admin.TabularInline):
    model = VenueStaff
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "joined_at")
    readonly_fields = ("joined_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[VenueStaff]:
        return super().get_queryset(request).select_related("user")


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ("name", "capacity", "notes")


class VenuePhotoInline(PhotoInline):
    model = VenuePhoto


@admin.register(Venue)
class VenueAdmin(StatusActionsMixin, admin.ModelAdmin):
    set_status = staticmethod(venue_set_status)
    places_match = staticmethod(venues_place_match)
    thing = "venue"
    words = StatusWords(
        approved=ngettext_lazy(
            "Approved %(count)s venue: it is listed publicly now.",
            "Approved %(count)s venues: they are listed publicly now.",
            "count",
        ),
        suspended=ngettext_lazy("Suspended %(count)s venue.", "Suspended %(count)s venues.", "count"),
        returned=ngettext_lazy("Returned %(count)s venue to review.", "Returned %(count)s venues to review.", "count"),
        matched=ngettext_lazy("Matched the city of %(count)s venue.", "Matched the city of %(count)s venues.", "count"),
        unmatched=ngettext_lazy(
            # Translators: %(names)s lists the venues, each with the city name typed on it.
            "%(count)s venue stays unmatched: its city names no single city in the gazetteer. "
            "Pick the city on it: %(names)s.",
            "%(count)s venues stay unmatched: their city names no single city in the gazetteer. "
            "Pick the city on each: %(names)s.",
            "count",
        ),
        suspend_title=_("Suspend venues"),
        suspend_intro=_("These venues disappear from public pages; their people still see them, with your reason."),
    )
    list_display = (
        "name",
        "status_display",
        "city",
        "country",
        "place_display",
        "capacity",
        "stage_count",
        "created_at",
    )
    inlines = [VenueStaffInline, StageInline, VenuePhotoInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Venue]:
        return super().get_queryset(request).annotate(stage_total=count_of(Stage, "venue"))

    @admin.display(description=_("Stages"), ordering="stage_total")
    def stage_count(self, venue: Venue) -> int:
        return venue.stage_total


# ---- Slots --------------------------------------------------------------------------------


class SlotStatusFilter(admin.SimpleListFilter):
    """The derived public status (open, need support, booked, cancelled), as the pages show it."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(Slot.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Slot]) -> QuerySet[Slot]:
        if self.value() in Slot.Status.values:
            return queryset.filter(Slot.status_q(self.value()))
        return queryset


@admin.register(Slot)
class SlotAdmin(StaffExportMixin, admin.ModelAdmin):
    """Watch the venues' slots. Times, places and the places taken change only through the venue's
    pages and the booking workflow (which keep bookings and counters in step), so they are read-only;
    a slot is cancelled by its venue, never deleted."""

    resource_classes = [SlotResource]

    list_display = ("slot_title", "venue", "stage_name", "starts_at", "status_display", "places_display", "visibility")
    list_filter = (SlotStatusFilter, "visibility", ("starts_at", admin.DateFieldListFilter))
    search_fields = ("title", "venue__name", "venue__slug", "stage__name")
    list_select_related = ("venue", "stage")
    date_hierarchy = "starts_at"
    list_per_page = 50
    autocomplete_fields = ("genres",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = (
        "venue",
        "stage",
        "starts_at",
        "ends_at",
        "title",
        "genres",
        "fee",
        "currency",
        "support_places",
        "headliner_booked",
        "supports_booked",
        "visibility",
        "ticket_url",
        "notes",
        "cancelled_at",
        "cancel_reason",
        "series",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = (
        "venue",
        "stage",
        "starts_at",
        "ends_at",
        "support_places",
        "headliner_booked",
        "supports_booked",
        "cancelled_at",
        "cancel_reason",
        "series",
        "created_by",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Venues post slots on their own pages, where times are read in the venue's zone and checked.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Slot | None = None) -> bool:
        return False

    @admin.display(description=_("Slot"), ordering="title")
    def slot_title(self, slot: Slot) -> str:
        return slot.title or gettext("Slot")

    @admin.display(description=_("Stage"), ordering="stage__name")
    def stage_name(self, slot: Slot) -> str:
        return slot.stage.name

    @admin.display(description=_("Status"))
    def status_display(self, slot: Slot) -> str:
        return slot.get_status_display()

    @admin.display(description=_("Places taken"))
    def places_display(self, slot: Slot) -> str:
        # Translators: places taken of the slot's places, e.g. "2 of 3".
        return gettext("%(taken)s of %(places)s") % {"taken": slot.places_taken, "places": slot.places}
