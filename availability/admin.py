"""Staff screens for people's availability: rules, imported calendars (never their secret
addresses), and the busy intervals they expand into (read-only)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import ngettext

from . import services
from .models import BusyInterval, ExternalCalendar, Rule


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "kind", "start_date", "all_day", "rrule", "time_zone", "materialised_until"]
    list_filter = ["kind", "all_day"]
    search_fields = ["title", "user__email", "user__display_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "series"]
    readonly_fields = ["materialised_until", "created_at", "updated_at"]
    date_hierarchy = "start_date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Rules are expanded into busy intervals by the services; people manage their own.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Rule | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Rule | None = None) -> bool:
        return False


@admin.register(ExternalCalendar)
class ExternalCalendarAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "url_hint", "last_synced_at", "event_count", "failures", "last_error"]
    list_filter = ["failures"]
    search_fields = ["name", "user__email", "user__display_name"]
    list_select_related = ["user"]
    # The address is a secret of its owner: staff see only its host.
    fields = ["user", "name", "url_hint", "last_attempt_at", "last_synced_at", "event_count", "failures", "last_error"]
    readonly_fields = fields
    actions = ["refresh_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ExternalCalendar | None = None) -> bool:
        # Removing goes through the service, which also drops the calendar's busy time.
        return False

    @admin.action(description="Read the selected calendars again now")
    def refresh_now(self, request: HttpRequest, queryset: QuerySet[ExternalCalendar]) -> None:
        for calendar in queryset:
            services.calendar_refresh_request(calendar=calendar, by=calendar.user)
        count = queryset.count()
        messages.success(
            request,
            ngettext("%(count)d calendar queued for reading.", "%(count)d calendars queued for reading.", count)
            % {"count": count},
        )


@admin.register(BusyInterval)
class BusyIntervalAdmin(admin.ModelAdmin):
    list_display = ["user", "starts_at", "ends_at", "source", "source_id"]
    list_filter = ["source"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    # Titles of imported events are private to their owner.
    exclude = ["title"]
    date_hierarchy = "starts_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BusyInterval | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BusyInterval | None = None) -> bool:
        return False
