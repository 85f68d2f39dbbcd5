from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from . import views, views_join

admin.site.site_header = "StageSlot staff"
admin.site.site_title = "StageSlot staff"
admin.site.index_title = "Run StageSlot"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("health/", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("me/profile/", include("accounts.urls")),
    path("me/availability/", include("availability.urls")),
    path("notifications/", include("accounts.urls_notifications")),
    path("bands/", include("bands.urls")),
    path("venues/", include("venues.urls")),
    path("join/<str:token>/", views_join.join, name="join"),
    path("", include("bookings.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
