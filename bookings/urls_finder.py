from django.urls import path

from . import views_finder

urlpatterns = [
    path("slots/", views_finder.gig_finder, name="gig_finder"),
    path("slots/<int:pk>/", views_finder.slot_detail, name="slot_detail"),
    path("slots/<int:pk>/apply/", views_finder.booking_apply, name="apply"),
]
