"""Every route of the analytics app."""

from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("bands/<slug:slug>/", views.band_analytics, name="band"),
    path("venues/<slug:slug>/", views.venue_analytics, name="venue"),
    path("teams/<slug:slug>/", views.organisation_analytics, name="organisation"),
    path("platform/", views.platform_analytics, name="platform"),
]
