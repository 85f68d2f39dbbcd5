from django.urls import path

from . import views_notifications as views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("settings/", views.notification_settings, name="settings"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read_all"),
    # HTMX
    path("bell/", views.bell, name="bell"),
]
