from django.urls import path

from . import views_manage

urlpatterns = [
    path("new/", views_manage.venue_create, name="create"),
]
