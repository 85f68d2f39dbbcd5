from django.urls import include, path

from . import views, views_calendar

app_name = "bands"

urlpatterns = [
    path("", views.band_search_page, name="search"),
    # /bands/new/ and /bands/<slug>/manage/… (leaders and admins)
    path("", include("bands.urls_manage")),
    # The band calendar (members only)
    path("<slug:slug>/calendar/", views_calendar.band_calendar, name="calendar"),
    path("<slug:slug>/calendar/find/", views_calendar.band_find_dates_page, name="calendar_find"),
    path("<slug:slug>/calendar/min/", views_calendar.band_calendar_min, name="calendar_min"),
    path("<slug:slug>/calendar/blocks/", views_calendar.band_block_create, name="block_create"),
    path("<slug:slug>/calendar/blocks/<int:pk>/delete/", views_calendar.band_block_delete, name="block_delete"),
    path("<slug:slug>/", views.band_detail, name="detail"),
]
