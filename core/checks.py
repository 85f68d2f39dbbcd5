"""The deploy check of Web Push: a production site signs its pushes with its own VAPID key, not with the
development one made on first use (browsers' subscriptions belong to the key they were made with); and
the check that every limit counts in a store all processes share."""

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


# Cache backends that keep their keys in one process: each gunicorn worker would count its own limits.
PER_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


@checks.register(checks.Tags.caches)
def limits_shared(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every limit (allauth's in the "default" cache, ours in STAGESLOT_RATE_LIMIT_STORE) counts in a store
    all processes share (docs/decisions/0054-bodies-pdfs-limits.md)."""
    problems = []
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        problems.append(
            checks.Error(
                "The default cache, where the sign-in limits count, is kept per process: several web processes "
                "would each allow the whole limit.",
                hint="Use Redis (REDIS_URL) or the database cache (settings.LIMITS_CACHE_TABLE).",
                id="accounts.E002",
            )
        )
    if settings.STAGESLOT_RATE_LIMIT_STORE not in ("cache", "database"):
        problems.append(
            checks.Error(
                f"STAGESLOT_RATE_LIMIT_STORE is {settings.STAGESLOT_RATE_LIMIT_STORE!r}; it is cache or database.",
                id="accounts.E003",
            )
        )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def mail_webhooks_signed(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A mail service without a webhook secret sends its bounces, complaints and replies nowhere: the webhooks
    are mounted only with one (stageslot/urls.py, docs/decisions/0080-mail-in-and-out.md)."""
    if not settings.MAIL_ESP or settings.ANYMAIL.get("WEBHOOK_SECRET"):
        return []
    return [
        checks.Warning(
            f"STAGESLOT_MAIL_ESP is {settings.MAIL_ESP!r} but STAGESLOT_MAIL_WEBHOOK_SECRET is not set, so bounces, "
            "complaints and email replies are not received.",
            hint="Set STAGESLOT_MAIL_WEBHOOK_SECRET to user:password and give the mail service "
            f"https://user:password@<host>/mail/anymail/{settings.MAIL_ESP}/tracking/ and …/inbound/.",
            id="accounts.W003",
        )
    ]
