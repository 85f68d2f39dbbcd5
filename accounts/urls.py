from django.urls import URLPattern, path

from .views import mail, notifications, profile, push, tokens

app_name = "accounts"

# The profile, at /me/profile/ (namespace "accounts")
urlpatterns = [
    path("", profile.profile, name="profile"),
    path("here-for/", profile.here_for, name="here_for"),
]

# Notifications, at /notifications/ (namespace "notifications": stageslot/urls.py includes this list on its own)
notification_patterns = [
    path("", notifications.notification_list, name="list"),
    path("settings/", notifications.notification_settings, name="settings"),
    path("settings/mail-resume/", notifications.notification_mail_resume, name="mail_resume"),
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

# Mail, at /mail/ (namespace "mail"): the one-click unsubscribe of notification emails, and the mail
# service's signed webhooks (delivery events, inbound replies) of the service chosen by STAGESLOT_MAIL_ESP.
mail_patterns = [
    path("unsubscribe/<str:token>/", mail.unsubscribe, name="unsubscribe"),
]


def mail_webhook_patterns(esp: str) -> list:
    """anymail's tracking and inbound webhooks of one mail service (e.g. /mail/anymail/postmark/tracking/)."""
    from anymail.urls import urlpatterns as anymail_patterns

    return [
        URLPattern(pattern.pattern, mail.webhook_guarded(pattern.callback), name=pattern.name)
        for pattern in anymail_patterns
        if pattern.name.startswith(f"{esp}_")
    ]
