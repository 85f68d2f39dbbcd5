from django.contrib import admin

from .models import City


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "country", "latitude", "longitude", "time_zone", "population"]
    list_filter = ["country"]
    search_fields = ["search_name", "name", "other_names"]
    ordering = ["-population"]
    show_full_result_count = False
