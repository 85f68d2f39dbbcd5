"""Staff screens for venues: review, approve, suspend; staff and stages inline."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from bands.admin import PhotoInline, StatusActionsMixin
from bands.selectors import count_of

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


class VenuePhotoInline(PhotoInline):
    model = VenuePhoto


@admin.register(Venue)
class VenueAdmin(StatusActionsMixin, admin.ModelAdmin):
    set_status = staticmethod(venue_set_status)
    thing = "venue"
    list_display = ("name", "status_display", "city", "country", "capacity", "stage_count", "created_at")
    inlines = [VenueStaffInline, StageInline, VenuePhotoInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Venue]:
        return super().get_queryset(request).annotate(stage_total=count_of(Stage, "venue"))

    @admin.display(description="Stages", ordering="stage_total")
    def stage_count(self, venue: Venue) -> int:
        return venue.stage_total
