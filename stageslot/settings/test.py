"""Settings for pytest. DATABASE_URL / REDIS_URL switch to the real services."""

import atexit
import os
import tempfile
import uuid
from pathlib import Path

from stageslot.queues import BULK, DEFAULT, URGENT, task_queues, task_routes

from .base import *  # noqa: F403
from .base import CACHES, DATABASE_TRANSACTION_POOLER, DATABASES, STRIPE_LOCAL_PORT, content_security_policy, env

DEBUG = False
SECRET_KEY = "test-only-key-" + "x" * 40
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FEEDS_CHECK_MARKS = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The mail service's webhooks are tested as Postmark posts them, with basic auth (docs/decisions/0080).
MAIL_ESP = "postmark"
ANYMAIL = {"WEBHOOK_SECRET": "stageslot-test:webhook-secret"}
MAIL_REPLY_DOMAIN = "reply.stageslot.test"
if env("STAGESLOT_TEST_MAIL_DIR", default=""):
    # A worker process started by a test writes its mail where the test can read it.
    EMAIL_BACKEND = "stageslot.tests.mail.FileEmailBackend"
    EMAIL_FILE_PATH = env("STAGESLOT_TEST_MAIL_DIR")
    if env("STAGESLOT_TEST_MAIL_DELAY", default=""):
        # A mail server that stores each message at once and answers late (stageslot/tests/mail.py).
        EMAIL_BACKEND = "stageslot.tests.mail.SlowFileEmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A test database on file, not SQLite's shared-cache memory database: there a second writer fails
    # at once with "database table is locked" instead of queueing, and the concurrency tests need the
    # queue. One file per run, on tmpfs where there is one.
    _shm = Path("/dev/shm")  # noqa: S108
    _folder = _shm if _shm.is_dir() and os.access(_shm, os.W_OK) else Path(tempfile.gettempdir())
    _test_db = _folder / f"stageslot-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}
    # Django removes the database file, but not the WAL files a thread's connection may leave behind.
    atexit.register(
        lambda: [_test_db.with_name(_test_db.name + end).unlink(missing_ok=True) for end in ("", "-wal", "-shm")]
    )
else:
    # A test database needs no durability: a commit does not wait for its WAL to reach the disk (an fsync of
    # about 5 ms here), which the races, the browser tests and the worker's tests paid on every commit
    # (docs/decisions/0079-suite-under-fifteen.md). What a test reads is the same: only a crash of the server
    # could lose the last commits, and the test database is thrown away.
    # Behind a transaction pooler no startup option reaches the server (PgBouncer refuses the connection): the suite
    # run through one (bin/suite_through_pooler.py) commits durably.
    if not DATABASE_TRANSACTION_POOLER:
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
# pytest-xdist runs the suite in several processes (gw0, gw1, …): each keeps its files in its own folders.

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_suffix = f"-{_WORKER}" if _WORKER else ""
MEDIA_ROOT = env.path("DJANGO_TEST_MEDIA_ROOT", default=f"/tmp/stageslot-test-media{_suffix}")  # noqa: S108
BOOKING_FILES_ROOT = env.path(
    "DJANGO_TEST_BOOKING_FILES_ROOT",
    default=f"/tmp/stageslot-test-booking-files{_suffix}",  # noqa: S108
)
STORAGES["booking_files"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": BOOKING_FILES_ROOT},
}
# Tests run tasks inline unless a test starts a real worker (stageslot/tests/worker.py); that worker
# itself hands the tasks it queues to the broker, as in production.
CELERY_TASK_ALWAYS_EAGER = env.bool("STAGESLOT_TEST_EAGER", default=True)
# Our own queue, so that a worker started by a test never meets another run's tasks.
_queue = env("STAGESLOT_TEST_QUEUE", default=f"stageslot-test-{uuid.uuid4().hex[:8]}")
CELERY_QUEUE_NAMES = {URGENT: f"{_queue}-urgent", DEFAULT: _queue, BULK: f"{_queue}-bulk"}
CELERY_TASK_DEFAULT_QUEUE = CELERY_QUEUE_NAMES[DEFAULT]
CELERY_TASK_QUEUES = task_queues(CELERY_QUEUE_NAMES)
CELERY_TASK_ROUTES = task_routes(CELERY_QUEUE_NAMES)
# A schedule of one tiny task every this many seconds instead of the real one, for the `celery beat` and
# worker processes a test starts (stageslot/tests/test_beat_twice.py); the task records each run in the file
# STAGESLOT_TEST_BEAT_RECORD names.
if _beat_every := env.float("STAGESLOT_TEST_BEAT_EVERY", default=0.0):
    CELERY_BEAT_SCHEDULE = {"test-beat-tick": {"task": "stageslot.tests.beat_tasks.beat_tick", "schedule": _beat_every}}
    CELERY_IMPORTS = ("stageslot.tests.beat_tasks",)
if "KEY_PREFIX" in CACHES["default"]:
    # Keep test runs apart from each other and from a dev server on the same Redis.
    _run = uuid.uuid4().hex[:8]
    CACHES["default"]["KEY_PREFIX"] = f"test-{_run}"
    CACHES["pages"]["KEY_PREFIX"] = f"test-{_run}-pages"
    CACHES["calls"]["KEY_PREFIX"] = f"test-{_run}"
    CACHES["stamps"]["KEY_PREFIX"] = f"test-{_run}-stamps"
# Serve static files straight from static/ (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# A webhook listener a test starts on this machine, for the worker process it starts too (the test's
# own process sets WEBHOOK_ALLOW_HOSTS through the settings fixture).
WEBHOOK_ALLOW_HOSTS = tuple(env.list("STAGESLOT_TEST_WEBHOOK_ALLOW_HOSTS", default=[]))
# No test fetches a map tile: an address that never resolves (RFC 2606), let through the CSP as
# the real tile server is. The browser tests also refuse every request to it.
MAP_TILE_URL = "https://tiles.stageslot.invalid/{z}/{x}/{y}.png"
# Tests never talk to Stripe itself, whatever keys the environment holds: they talk to localstripe, which
# the `localstripe` fixture (payments/testing.py) starts on a free port and points these settings at.
STRIPE_LOCAL = True
STRIPE_SECRET_KEY = "sk_test_localstripe"  # noqa: S105
STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
STRIPE_WEBHOOK_SECRET = "whsec_localstripe"  # noqa: S105
STRIPE_API_BASE = f"http://127.0.0.1:{STRIPE_LOCAL_PORT}"
STRIPE_JS_URL = f"{STRIPE_API_BASE}/js.stripe.com/v3/"
STAGESLOT_CSP, STAGESLOT_CSP_ADMIN = content_security_policy(
    tile_url=MAP_TILE_URL, stripe_js_url=STRIPE_JS_URL, stripe_api_base=STRIPE_API_BASE
)

# A local push service a test starts, for the worker process it starts too (the test's own process sets
# WEBPUSH_ALLOW_HOSTS through the settings fixture).
WEBPUSH_ALLOW_HOSTS = tuple(env.list("STAGESLOT_TEST_WEBPUSH_ALLOW_HOSTS", default=[]))

# Passkeys over the live server's http://127.0.0.1 (Chromium's virtual authenticator in the browser tests).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# The many admin tests sign staff in with force_login; the staff two-factor rule has its own tests, which
# turn it on (accounts/tests/test_mfa.py, stageslot/tests/test_abuse.py's staff login).
STAGESLOT_STAFF_REQUIRE_MFA = False
# Everyone the factories make joined a moment ago: the new-account limit (decision 0081) would count every
# test's people as new. Its own tests turn it on (bookings/tests/test_new_accounts.py).
NEW_ACCOUNT_DAYS = env.int("STAGESLOT_NEW_ACCOUNT_DAYS", default=0)
# No erasure ledger unless a test names one (stageslot/privacy/ledger.py): tests erase thousands of accounts.
STAGESLOT_ERASURE_LEDGER = env("STAGESLOT_ERASURE_LEDGER", default="")
