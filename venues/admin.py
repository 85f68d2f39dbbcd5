"""Staff screens for venues: review, approve, suspend; staff and stages inline."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django_countries.filters import CountryFilter

from bands.admin import StatusActionsMixin, count_of, status_badge

from .models import Stage, Venue, VenuePhoto, VenueStaff
from .services import venue_set_status


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


class VenuePhotoInline(admin.TabularInline):
    """Staff can caption, reorder or remove photos; uploads go through the venue's page, which re-encodes them."""

    model = VenuePhoto
    extra = 0
    fields = ("preview", "caption", "position")
    readonly_fields = ("preview",)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Photo")
    def preview(self, photo: VenuePhoto) -> str:
        return format_html('<img src="{}" alt="" style="max-height:80px;border-radius:4px">', photo.image.url)


@admin.register(Venue)
class VenueAdmin(StatusActionsMixin, admin.ModelAdmin):
    set_status = staticmethod(venue_set_status)
    thing = "venue"
    list_display = ("name", "status_display", "city", "country", "capacity", "stage_count", "created_at")
    list_filter = ("status", "genres", ("country", CountryFilter), "city")
    search_fields = ("name", "city")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("genres",)
    readonly_fields = ("status", "status_reason", "status_changed_at", "created_at", "updated_at")
    inlines = [VenueStaffInline, StageInline, VenuePhotoInline]
    actions = ["approve", "suspend", "return_to_review"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Venue]:
        return super().get_queryset(request).annotate(stage_total=count_of(Stage, "venue"))

    @admin.display(description="Status", ordering="status")
    def status_display(self, venue: Venue) -> str:
        return status_badge(venue.status, venue.get_status_display())

    @admin.display(description="Stages", ordering="stage_total")
    def stage_count(self, venue: Venue) -> int:
        return venue.stage_total
