from django.urls import path

from . import views_manage

urlpatterns = [
    path("new/", views_manage.band_create, name="create"),
]
