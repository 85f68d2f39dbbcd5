from django.contrib import admin

from .models import EmbedStyle


@admin.register(EmbedStyle)
class EmbedStyleAdmin(admin.ModelAdmin):
    list_display = ("band", "accent", "background", "updated_at")
    search_fields = ("band__name", "band__slug")
    raw_id_fields = ("band",)
