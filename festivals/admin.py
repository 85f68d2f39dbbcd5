"""Staff screens for calls, applications and festivals (read and search; the services change them)."""

from django.contrib import admin
from django.db import models

from .models import Application, Festival, OpenCall, Placement


@admin.register(OpenCall)
class OpenCallAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "status", "deadline", "blind")
    list_filter = ("status", "blind")
    search_fields = ("title", "organisation__name")


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("code", "call", "band", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("code", "band__name", "call__title")
    raw_id_fields = ("call", "band", "submitted_by")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Festival)
class FestivalAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "venue", "first_day", "last_day", "published")
    search_fields = ("name",)


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ("festival", "band", "festival_stage", "starts_at", "ends_at", "cancelled_at")
    raw_id_fields = ("festival", "festival_stage", "band", "booking", "application", "created_by")
