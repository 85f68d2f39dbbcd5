"""Settings for pytest. DATABASE_URL / REDIS_URL switch to the real services."""

import uuid

from .base import *  # noqa: F403
from .base import CACHES, env

DEBUG = False
SECRET_KEY = "test-only-key-" + "x" * 40
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_TEST_MEDIA_ROOT", default="/tmp/stageslot-test-media")  # noqa: S108
# Tests run tasks inline unless a test starts a real worker (see conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
if "KEY_PREFIX" in CACHES["default"]:
    # Keep test runs apart from each other and from a dev server on the same Redis.
    CACHES["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:8]}"
