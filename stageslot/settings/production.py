"""Production: refuses to start without its secrets and services."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DATABASE_REPLICA_URL,
    DATABASE_TRANSACTION_POOLER,
    DATABASES,
    FRAGMENTS_CACHE,
    LOGGING,
    SITE_PREFIX,
    STAMPS_SECONDS,
    behind_transaction_pooler,
    broker_transport,
    env,
    redis_cache,
    replica_database,
    trusted_proxies,
)

DEBUG = False
# The checks that hold back a half-configured live site (stageslot/checks.py) apply.
STAGESLOT_LIVE = True
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS to the site's host names.")
# Links in emails: the first host name over HTTPS unless told otherwise.
SITE_URL = env("STAGESLOT_SITE_URL", default=f"https://{ALLOWED_HOSTS[0].lstrip('.')}")
DATABASES["default"] = env.db("DATABASE_URL")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs PostgreSQL: DATABASE_URL=postgres://…")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASE_TRANSACTION_POOLER:
    DATABASES["default"] = behind_transaction_pooler(DATABASES["default"])
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = replica_database(DATABASE_REPLICA_URL, DATABASES["default"])
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": redis_cache(REDIS_URL, SITE_PREFIX),
    "pages": redis_cache(REDIS_URL, SITE_PREFIX + "-pages"),
    "calls": redis_cache(REDIS_URL, SITE_PREFIX),
    "stamps": {
        **redis_cache(REDIS_URL, SITE_PREFIX + "-stamps"),
        "TIMEOUT": STAMPS_SECONDS,
    },
    "fragments": FRAGMENTS_CACHE,
}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT = broker_transport(REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
# Webhooks to private addresses stay refused: the allowance for a local listener is for tests only.
WEBHOOK_ALLOW_HOSTS: tuple[str, ...] = ()
CALDAV_ALLOW_HOSTS: tuple[str, ...] = ()
ICS_IMPORT_ALLOW_HOSTS: tuple[str, ...] = ()
WEBPUSH_ALLOW_HOSTS: tuple[str, ...] = ()
if env("STAGESLOT_CALDAV_ALLOW_HOSTS", default=""):
    raise ImproperlyConfigured("STAGESLOT_CALDAV_ALLOW_HOSTS is for a local CalDAV server; production never sets it.")
if env("STAGESLOT_WEBHOOK_ALLOW_HOSTS", default=""):
    raise ImproperlyConfigured("STAGESLOT_WEBHOOK_ALLOW_HOSTS is for a local listener; production never sets it.")

# HTTPS behind a proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# That one proxy appends the visitor's address to X-Forwarded-For: the per-address login limits key on
# it, not on the proxy's address that everyone shares (docs/decisions/0016-client-address-behind-proxies.md).
ALLAUTH_TRUSTED_PROXY_COUNT = trusted_proxies(default=1)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# One JSON object a line unless DJANGO_LOG_FORMAT=plain.
LOGGING["handlers"]["console"]["formatter"] = "plain" if env("DJANGO_LOG_FORMAT", default="json") == "plain" else "json"
