from django.contrib import admin

from .models import Venue, VenueStaff


class VenueStaffInline(admin.TabularInline):
    model = VenueStaff
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "country", "capacity", "status")
    list_filter = ("status", "genres", "country")
    search_fields = ("name", "city", "description")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("genres",)
    inlines = [VenueStaffInline]
