"""Every route of the holds app: a venue's ladders and their moves, and where a band is held."""

from django.urls import path

from . import views

app_name = "holds"

urlpatterns = [
    path("venues/<slug:slug>/", views.venue_holds, name="venue"),
    path("venues/<slug:slug>/new/", views.hold_new, name="new"),
    path("venues/<slug:slug>/<int:pk>/<str:action>/", views.hold_action, name="action"),
    path("bands/<slug:slug>/", views.band_holds, name="band"),
    path("bands/<slug:slug>/ask/", views.hold_ask, name="ask"),
    path("requests/<int:pk>/<str:action>/", views.hold_request_action, name="request_action"),
]
