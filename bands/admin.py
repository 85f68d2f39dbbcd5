from django.contrib import admin

from .models import Band, Genre, Membership


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Band)
class BandAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "country", "status", "created_at")
    list_filter = ("status", "genres", "country")
    search_fields = ("name", "city", "bio")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("genres",)
    inlines = [MembershipInline]
