"""Staff screens for day sheets: read-only (the side running the day writes them on the day sheet page,
through gigs.services), to answer "what did the venue confirm, and when?"."""

from django.contrib import admin
from django.http import HttpRequest

from .models import AdvanceComment, AdvanceItem, DaySheet, GuestEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(DaySheet)
class DaySheetAdmin(ReadOnlyAdmin):
    list_display = ("booking", "venue_contact_name", "doors_at", "updated_by", "updated_at")
    list_select_related = ("booking", "updated_by")
    search_fields = ("booking__uid", "booking__band__name", "venue_contact_name", "band_contact_name")
    date_hierarchy = "updated_at"
    raw_id_fields = ("booking", "updated_by")


@admin.register(AdvanceItem)
class AdvanceItemAdmin(ReadOnlyAdmin):
    list_display = ("booking", "item", "advanced_at", "advanced_by", "note")
    list_filter = ("item", ("advanced_at", admin.EmptyFieldListFilter))
    list_select_related = ("booking", "advanced_by")
    search_fields = ("booking__uid", "booking__band__name", "note")
    raw_id_fields = ("booking", "advanced_by")


@admin.register(AdvanceComment)
class AdvanceCommentAdmin(ReadOnlyAdmin):
    list_display = ("booking", "item", "author", "created_at")
    list_filter = ("item",)
    list_select_related = ("booking", "author")
    search_fields = ("booking__uid", "text")
    raw_id_fields = ("booking", "author")


@admin.register(GuestEntry)
class GuestEntryAdmin(ReadOnlyAdmin):
    list_display = ("name", "booking", "side", "plus_ones", "checked_in_at")
    list_filter = ("side",)
    list_select_related = ("booking",)
    search_fields = ("booking__uid", "name")
    raw_id_fields = ("booking", "added_by")
