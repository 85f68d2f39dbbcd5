"""Every route of the holds app: a venue's ladders and their moves, where a band is held, and the bookers'
calendar of a venue or a venue group."""

from django.urls import path

from .views import calendar, ladders

app_name = "holds"

urlpatterns = [
    path("venues/<slug:slug>/", ladders.venue_holds, name="venue"),
    path("venues/<slug:slug>/new/", ladders.hold_new, name="new"),
    path("venues/<slug:slug>/band-options/", ladders.band_options, name="band_options"),
    path("venues/<slug:slug>/<int:pk>/move/", calendar.hold_move, name="move"),
    path("venues/<slug:slug>/<int:pk>/<str:action>/", ladders.hold_action, name="action"),
    path("bands/<slug:slug>/", ladders.band_holds, name="band"),
    path("bands/<slug:slug>/ask/", ladders.hold_ask, name="ask"),
    path("requests/<int:pk>/<str:action>/", ladders.hold_request_action, name="request_action"),
    # The bookers' calendar
    path("venues/<slug:slug>/calendar/", calendar.venue_calendar, name="calendar"),
    path("venues/<slug:slug>/calendar/closed/", calendar.day_close, name="day_close"),
    path("groups/<slug:slug>/calendar/", calendar.group_calendar, name="group_calendar"),
]
