from django.urls import include, path

from . import views

app_name = "venues"

urlpatterns = [
    path("", views.venue_search_page, name="search"),
    # /venues/new/ and /venues/<slug>/manage/… (owners and bookers)
    path("", include("venues.urls_manage")),
    path("<slug:slug>/", views.venue_detail, name="detail"),
]
