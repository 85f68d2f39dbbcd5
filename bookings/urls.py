from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("slots/", views.gig_finder, name="gig_finder"),
]
