from django.urls import path

from .views import caldav, google, pages

app_name = "calendars"

urlpatterns = [
    # The member's connected calendars
    path("", pages.calendars_page, name="page"),
    path("<int:pk>/", pages.calendar_settings, name="settings"),
    path("<int:pk>/refresh/", pages.calendar_refresh, name="refresh"),
    path("<int:pk>/disconnect/", pages.calendar_disconnect, name="disconnect"),
    # CalDAV
    path("caldav/connect/", caldav.caldav_connect, name="caldav_connect"),
    path("<int:pk>/reconnect/", caldav.caldav_reconnect, name="caldav_reconnect"),
    # Google
    path("google/connect/", google.google_connect, name="google_connect"),
    path("google/callback/", google.google_callback, name="google_callback"),
]
