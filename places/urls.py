from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    # ---- Picking a place in forms
    path("cities/", views.city_suggestions, name="cities"),
    path("time-zone/", views.time_zone_at, name="time_zone"),
]
