from django.urls import path

from . import views

urlpatterns = [
    path("slots/", views.gig_finder, name="gig_finder"),
]
