"""The deploy check of Web Push: a production site signs its pushes with its own VAPID key, not with the
development one made on first use (browsers' subscriptions belong to the key they were made with)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def vapid_key_set(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or settings.WEBPUSH_VAPID_PRIVATE_KEY:
        return []
    return [
        checks.Warning(
            "WEBPUSH_VAPID_PRIVATE_KEY is not set, so pushes are signed with a development key made on this machine.",
            hint="Run manage.py make_vapid_keys /path/vapid.pem and set WEBPUSH_VAPID_PRIVATE_KEY to that path "
            "(see docs/decisions/0039-web-push.md).",
            id="accounts.W001",
        )
    ]
