from django.urls import path

from . import views_public

# The live public calendars: loaded into the band's and the venue's pages and polled by them.
urlpatterns = [
    path("bands/<slug:slug>/availability/", views_public.band_calendar, name="band_calendar"),
    path("venues/<slug:slug>/slots/", views_public.venue_slots_live, name="venue_slots_live"),
]
