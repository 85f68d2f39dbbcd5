"""Local development: `make run`. Embedded defaults, DEBUG on."""

from .base import *  # noqa: F403
from .base import BOOKING_FILES_STORAGE, MEDIA_STORAGE, RADICALE_PORT, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# runserver serves static files from the app folders; no collectstatic needed. Media on the disk unless
# MEDIA_S3_BUCKET names a bucket.
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STORAGES["booking_files"] = BOOKING_FILES_STORAGE
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Without EMAIL_URL, each email is one line in the terminal ("Email to x: subject – its first link").
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "stageslot.email_backends.SummaryConsoleEmailBackend"

# A calm terminal: no line per eager Celery task, no "watching for file changes".
LOGGING = {
    **LOGGING,  # noqa: F405
    "loggers": {
        **LOGGING["loggers"],  # noqa: F405
        "celery": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
    },
}

# A webhook listener on this machine (docs/api.md's script): "127.0.0.1:8471". Never in production.
WEBHOOK_ALLOW_HOSTS = tuple(env.list("STAGESLOT_WEBHOOK_ALLOW_HOSTS", default=[]))

# Passkeys on http://127.0.0.1 while developing (browsers treat it as a secure context; fido2 wants https).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# The CalDAV server `make run` starts (Radicale, calendars/testing.py) on this machine. Never in production.
CALDAV_ALLOW_HOSTS = tuple(env.list("STAGESLOT_CALDAV_ALLOW_HOSTS", default=[f"127.0.0.1:{RADICALE_PORT}"]))
# The demo world's people all joined when it was seeded: no new-account limit here unless asked for
# (decision 0081).
NEW_ACCOUNT_DAYS = env.int("STAGESLOT_NEW_ACCOUNT_DAYS", default=0)
