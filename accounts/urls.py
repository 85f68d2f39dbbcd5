from django.urls import path

from .views import notifications, profile, push, tokens

app_name = "accounts"

# The profile, at /me/profile/ (namespace "accounts")
urlpatterns = [
    path("", profile.profile, name="profile"),
]

# Notifications, at /notifications/ (namespace "notifications": stageslot/urls.py includes this list on its own)
notification_patterns = [
    path("", notifications.notification_list, name="list"),
    path("settings/", notifications.notification_settings, name="settings"),
    path("<int:pk>/open/", notifications.notification_open, name="open"),
    path("<int:pk>/read/", notifications.notification_read, name="read"),
    path("read-all/", notifications.notification_read_all, name="read_all"),
    # Web Push on this device
    path("push/subscribe/", push.push_subscribe, name="push_subscribe"),
    path("push/unsubscribe/", push.push_unsubscribe, name="push_unsubscribe"),
    # HTMX
    path("bell/", notifications.bell, name="bell"),
]

# Personal access tokens for the JSON API, at /me/tokens/ (namespace "tokens")
token_patterns = [
    path("", tokens.token_list, name="list"),
    path("<int:pk>/revoke/", tokens.token_revoke, name="revoke"),
]
