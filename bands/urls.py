from django.urls import include, path

from . import views

app_name = "bands"

urlpatterns = [
    path("", views.band_search_page, name="search"),
    # /bands/new/ and /bands/<slug>/manage/… (leaders and admins)
    path("", include("bands.urls_manage")),
    path("<slug:slug>/", views.band_detail, name="detail"),
]
