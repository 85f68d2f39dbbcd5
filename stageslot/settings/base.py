"""Settings shared by every environment.

Everything that varies between machines is read from the environment through
django-environ; nothing set means the embedded local defaults (SQLite, eager
Celery, console email). See docs/configuration.md for every variable.
"""

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from stageslot.queues import BULK, DEFAULT, URGENT, task_queues, task_routes

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A site open to the public (settings.production sets it): stageslot/checks.py then refuses to start it
# without what the law asks of it. The local and test settings leave it off.
STAGESLOT_LIVE = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",
    "django_htmx",
    "template_partials",
    "ninja",
    "anymail",
    "allauth",
    "allauth.account",
    # Two-factor (TOTP, recovery codes, passkeys) and Google sign-in (docs/decisions/0043-signing-in.md).
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "stageslot",
    "core",
    "places",
    "accounts",
    "availability",
    "bands",
    "venues",
    "bookings",
    "payments",
    "gigs",
    "calendars",
    "festivals",
    "documents",
    "reviews",
    "teams",
    "holds",
    "analytics",
    "embeds",
    "fans",
    "import_export",
]

MIDDLEWARE = [
    # Each request's id on its log lines, its tasks' lines and its answer (stageslot/observability.py).
    "stageslot.observability.RequestIdMiddleware",
    # Each request's time by view, for the operator's /metrics/ (stageslot/metrics.py).
    "stageslot.metrics.MetricsMiddleware",
    # /health/, /health/ready/ and /metrics/ asked by a node's own address, as probes do (stageslot/observability.py).
    "stageslot.observability.ProbeHostMiddleware",
    # The band's website widget (/embed/…) reads no cookies and sets none, and may be framed anywhere.
    "embeds.middleware.EmbedMiddleware",
    # CSP, Permissions-Policy, X-Frame-Options on every response, WhiteNoise's too: so it comes first.
    "accounts.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After a person's write, their reads go to the primary database for a moment (core/db/replica.py).
    "core.db.replica.ReadYourWritesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Nothing of a signed-in person in a shared cache; logging out clears the device (decision 0091).
    "core.web.offline.PrivateCacheMiddleware",
    # Django's, with the message storage made only when a message is added or read (accounts/middleware.py).
    "accounts.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff open the admin and the staff pages only with two-factor on (accounts/mfa.py).
    "accounts.mfa.StaffTwoFactorMiddleware",
    # A closed account signed in during its grace period only sees the page that keeps it (decision 0082).
    "stageslot.privacy.middleware.ClosedAccountMiddleware",
    "accounts.middleware.AccountLanguageMiddleware",
    "accounts.middleware.TimezoneMiddleware",
    "core.web.site.SiteURLMiddleware",
    # A control character (NUL, …) in any field or address gets a clear 400 page, never a 500.
    "accounts.middleware.ControlCharacterMiddleware",
    # A date in an address's query past the horizon or no date at all: a 400 page saying so (core/fields/dates.py).
    "accounts.middleware.DateInputMiddleware",
    # A body a view could not read (too deep, not UTF-8) is a 400, never a 500 (core/web/json_body.py).
    "core.web.json_body.UnreadableBodyMiddleware",
]

ROOT_URLCONF = "stageslot.urls"
WSGI_APPLICATION = "stageslot.wsgi.application"
ASGI_APPLICATION = "stageslot.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stageslot.context_processors.site",
            ],
            # One way to name a time zone on every page ({{ value|zone_name }}), loaded everywhere.
            "builtins": ["accounts.templatetags.zones"],
        },
    },
    # Fragments drawn many times per page (search result cards): Jinja2 compiles them to Python, several
    # times faster than Django's engine for 24 cards (docs/decisions/0030). Pages stay Django templates.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "stageslot.jinja2.environment",
            "extensions": ["jinja2.ext.i18n"],
            "autoescape": True,
        },
    },
]

# Forms render through the project's template engine (cached loader), so widget templates of our own
# live in templates/ beside Django's (found through "django.forms" in INSTALLED_APPS).
# https://docs.djangoproject.com/en/5.2/ref/forms/renderers/#templatessetting
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database --------------------------------------------------------------
# DATABASE_URL=postgres://… switches to PostgreSQL (psycopg 3); unset means a
# SQLite file next to manage.py.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every transaction take the write lock up front, so that
    # concurrent writers queue instead of failing half-way with "database is
    # locked"; WAL lets readers carry on meanwhile.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The ledger's once-per-payment constraints treat an empty member as a value (NULLS NOT DISTINCT),
    # which SQLite cannot build: there the payment's row lock alone keeps each posting single.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost: the planner's cost grows
    # with the tables, so a page fast on a small site starts spending seconds compiling (the "free on" band
    # search: 35 s of JIT for a 40 ms query at 2,000 bands in 40 time zones, docs/decisions/0088). Pages
    # run short queries; JIT is off for the site's connections unless STAGESLOT_DB_JIT says otherwise.
    if not env.bool("STAGESLOT_DB_JIT", default=False):
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
# Behind a transaction pooler (PgBouncer with pool_mode = transaction) a connection is this process's for one
# transaction only: what outlives a transaction on the server breaks, or lands on another client's connection.
# DATABASE_TRANSACTION_POOLER=True turns off each such use (docs/decisions/0100, section "A transaction pooler"):
# server-side cursors (`.iterator()` outside a transaction), psycopg's prepared statements (made after a
# query's fifth run; PgBouncer 1.18 does not carry them across connections) and the `options` startup
# parameter (PgBouncer refuses it: jit=off is then the role's or database's own setting). The site takes only
# transaction-level advisory locks and sets nothing for a session (stageslot/tests/test_pooler.py checks).
# `check --deploy` warns when the setting is on but one of them is not off (stageslot/checks.py).
DATABASE_TRANSACTION_POOLER = env.bool("DATABASE_TRANSACTION_POOLER", default=False)


def behind_transaction_pooler(database: dict) -> dict:
    """The database's settings made safe behind a transaction pooler (PostgreSQL only)."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        return database
    options = dict(database.get("OPTIONS", {}))
    options["prepare_threshold"] = None
    options.pop("server_side_binding", None)
    startup = options.pop("options", "").replace("-c jit=off", "").strip()
    if startup:
        options["options"] = startup
    return {**database, "OPTIONS": options, "DISABLE_SERVER_SIDE_CURSORS": True}


if DATABASE_TRANSACTION_POOLER:
    DATABASES["default"] = behind_transaction_pooler(DATABASES["default"])
# A streaming replica of the PostgreSQL database (docs/decisions/0106-reads-from-a-replica.md): DATABASE_REPLICA_URL
# adds the `replica` alias, which serves only the reads of views marked `reads_from_replica` (public pages, feeds,
# What's on, search: what may be a moment old) through core.db.replica.ReplicaRouter; everything else, and
# anything in a transaction, reads the primary. Unset: no replica, every read on the primary.
# After a person's write their reads go to the primary for DATABASE_REPLICA_PIN_SECONDS (a signed cookie, so
# whatever node answers next); with the replica's replay more than DATABASE_REPLICA_MAX_LAG seconds behind,
# or unreachable, every read goes to the primary. The pin must not be shorter than the bound (stageslot.W003).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)
DATABASE_ROUTERS = ["core.db.replica.ReplicaRouter"]


def replica_database(url: str, primary: dict) -> dict:
    """The `replica` alias: the replica's address with the primary's connection settings (the pooler's, JIT's),
    a short connect timeout (an unreachable replica sends reads to the primary, not into a wait) and, in tests,
    the primary's test database (a replica is never created or migrated: it follows its primary)."""
    database = env.db_url_config(url)
    if database["ENGINE"] != primary["ENGINE"] or primary["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL is a PostgreSQL replica of DATABASE_URL's PostgreSQL database."
        )
    options = {**primary.get("OPTIONS", {}), **database.get("OPTIONS", {})}
    options.setdefault("connect_timeout", 2)
    return {
        **{key: value for key, value in primary.items() if key not in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        **database,
        "OPTIONS": options,
        "TEST": {"MIRROR": "default"},
    }


if DATABASE_REPLICA_URL:
    DATABASES["replica"] = replica_database(DATABASE_REPLICA_URL, DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker -----------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# The site's name in Redis: every key the site writes there begins with it – the caches' (`<prefix>:`,
# `<prefix>-pages:`, `<prefix>-stamps:`), Celery's queues and their bookkeeping (`<prefix>-celery:`: the queue,
# the unacknowledged messages, the workers' broadcasts) and the metrics' counts (`<prefix>-metrics:`) – so two
# sites on one Redis database each run only their own tasks, and clearing a cache never touches the queue
# (docs/decisions/0085). DJANGO_CACHE_PREFIX is its former name, read when it is not set.
SITE_PREFIX = env("STAGESLOT_SITE_PREFIX", default="") or env("DJANGO_CACHE_PREFIX", default="stageslot")
if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", SITE_PREFIX):
    raise ImproperlyConfigured(
        f"STAGESLOT_SITE_PREFIX is up to 64 letters, digits and ._- (e.g. stageslot-staging), not {SITE_PREFIX!r}."
    )


def redis_cache(location: str, key_prefix: str) -> dict:
    """The cache on Redis. It fails open (core/caching/cache.py): with Redis down, login and password
    reset keep working unthrottled and the log warns, instead of a 500; short timeouts so a Redis
    that hangs does not hang every request."""
    return {
        "BACKEND": "core.caching.cache.FailOpenRedisCache",
        "LOCATION": location,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


def trusted_proxies(default: int) -> int:
    """STAGESLOT_TRUSTED_PROXIES: how many proxies of ours stand in front of the app, 0 or more."""
    text = env("STAGESLOT_TRUSTED_PROXIES", default=str(default))
    if not (text.strip().isascii() and text.strip().isdigit()):
        raise ImproperlyConfigured(f"STAGESLOT_TRUSTED_PROXIES is a count of proxies (0, 1, 2, …), not {text!r}.")
    return int(text)


# The cache table of the limits without Redis (accounts.models.LimitsCacheEntry, made by migrate).
LIMITS_CACHE_TABLE = "stageslot_limits_cache"
# "default" holds the limits: allauth's (sign-in, codes, password resets) and the site's per-call
# ones. Every process of the site must count in one place, or each gunicorn worker would allow the
# limit again: Redis when there is one, else a table in the database. "pages" holds what pages keep to
# draw faster (search filter lists, drawn widgets): Redis too, else each process's memory, so a
# simple page never touches the database for it (docs/decisions/0054-bodies-pdfs-limits.md).
# "calls" counts the API's per-call limits (api_token, api_ip): Redis too, else each process's memory, since a
# database write on every read would cost more than the limit guards; the limits on actions (sign-in, codes,
# requests, messages…) count in the database (accounts/ratelimit.py).
# "stamps" holds the change stamps that let a poll answer "nothing changed" without a query
# (core/caching/stamps.py): Redis, shared by every process, else each process's memory for a minute at most,
# so that a change made by another process (a command, a second worker) shows within that minute.
STAMPS_SECONDS = 3600
if REDIS_URL:
    CACHES = {
        "default": redis_cache(REDIS_URL, SITE_PREFIX),
        "pages": redis_cache(REDIS_URL, SITE_PREFIX + "-pages"),
        "calls": redis_cache(REDIS_URL, SITE_PREFIX),
        "stamps": {
            **redis_cache(REDIS_URL, SITE_PREFIX + "-stamps"),
            "TIMEOUT": STAMPS_SECONDS,
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": LIMITS_CACHE_TABLE},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
        "calls": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "calls"},
        "stamps": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "stamps", "TIMEOUT": 60},
    }
# Rendered page fragments keyed by a digest of everything they show (a band's press kit): each
# process keeps its own, so a key never outlives the code and templates that drew it, and a
# change to the data is a new key, never a stale page (docs/decisions/0025).
FRAGMENTS_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "TIMEOUT": 24 * 3600,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
CACHES["fragments"] = FRAGMENTS_CACHE


def broker_transport(url: str) -> str | None:
    """kombu's Redis transport with a guard that keeps a worker alive when Redis goes away mid-task
    (stageslot/broker.py) for redis:// brokers; kombu's own choice for the rest (rediss:// keeps
    kombu's check that TLS options are given)."""
    return "stageslot.broker:Transport" if url.startswith("redis://") else None


CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # a host named: kombu warns without one
CELERY_BROKER_TRANSPORT = broker_transport(CELERY_BROKER_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker waits for Redis however long it is away (Celery's default gives up after 100 tries).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task running when the broker goes away runs to its end: a notification email then is sent and
# marked sent in the database, instead of being cut off mid-SMTP and sent again later (the default
# from Celery 6 on is to cancel). docs/decisions/0015-mail-through-broker-outages.md
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A broker that is down must not hang a web request for long.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


def broker_options(site_prefix: str) -> dict:
    """The broker's transport options. socket_keepalive: a broker that went silent (no reset) is noticed by
    the kernel too. global_keyprefix: every key and channel of the broker in Redis begins with the site's
    prefix (kombu's Redis transport; others ignore it); not the caches' own `<prefix>:`, which a cache's
    clear() deletes."""
    return {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "socket_keepalive": True,
        "global_keyprefix": f"{site_prefix}-celery:",
    }


CELERY_BROKER_TRANSPORT_OPTIONS = broker_options(SITE_PREFIX)
# Three queues by what waiting costs, so that a sign-in code never waits behind a fan alert to thousands:
# each task's tier is in stageslot/queues.py; the Procfile's `worker` consumes all three, `worker-urgent`
# only the first (docs/decisions/0100-queues-by-what-waiting-costs.md). The default tier keeps Celery's
# own queue name, so that what was queued before the split is still consumed.
CELERY_QUEUE_NAMES = {URGENT: "urgent", DEFAULT: "celery", BULK: "bulk"}
CELERY_TASK_DEFAULT_QUEUE = CELERY_QUEUE_NAMES[DEFAULT]
CELERY_TASK_QUEUES = task_queues(CELERY_QUEUE_NAMES)
CELERY_TASK_ROUTES = task_routes(CELERY_QUEUE_NAMES)
# Notification emails still unsent this many seconds after their change are queued again, checked
# this often (seconds); a broker outage delays mail by about this much once it is back.
NOTIFICATION_REQUEUE_AFTER = env.int("STAGESLOT_NOTIFICATION_REQUEUE_AFTER", default=60)
NOTIFICATION_REQUEUE_EVERY = env.float("STAGESLOT_NOTIFICATION_REQUEUE_EVERY", default=30.0)
# A notification email being sent for longer than this (seconds) was lost with its worker and is sent
# again. Longer than any live send can take: the task stops a send after half of it, EMAIL_TIMEOUT
# bounds each wait on the mail server.
NOTIFICATION_EMAIL_CLAIM = env.int("STAGESLOT_NOTIFICATION_EMAIL_CLAIM", default=300)
# Each periodic task runs once per period however many beats send it (two nodes, a rolling deploy): beat
# stamps each send with its period, the task claims the period in the database first (docs/decisions/0060).
CELERY_BEAT_SCHEDULER = "stageslot.celery_app:PeriodStampingScheduler"
# Where beat keeps its schedule file: its working directory by default; the container image names a
# writable place, its code being read-only to the user it runs as (docs/decisions/0086).
CELERY_BEAT_SCHEDULE_FILENAME = env("STAGESLOT_BEAT_SCHEDULE_FILE", default="celerybeat-schedule")
# Periodic work, sent by `celery -A stageslot beat` (one or more: each entry's period runs once). One entry
# per task: a task's periods are claimed by its name.
CELERY_BEAT_SCHEDULE: dict = {
    # An open call's rejections, released by its organiser, reach each band at a civil hour in its zone.
    "festivals-call-notices": {
        "task": "festivals.tasks.call_notices_task",
        "schedule": 300.0,
    },
    # Booked gigs get their line-up (each member asked "Can you play?"); silent members are reminded.
    # Holds past their expiry, and 1st holds that let a challenge lapse, let go: the ladder moves up.
    "holds-settle-round": {
        "task": "holds.tasks.holds_settle_task",
        "schedule": 60.0,
    },
    # Fans: shows newly public and booked, moved or cancelled, told to their audience in chunks (decision 0089).
    "fans-show-alerts-round": {
        "task": "fans.tasks.show_alerts_round_task",
        "schedule": 60.0,
    },
    # Fans: every band's demand counted again, people who came of age joining the counts in one step (0130).
    "fans-demand-refresh": {
        "task": "fans.tasks.demand_refresh_task",
        "schedule": crontab(hour=3, minute=17),
    },
    "fans-weekly-round": {
        "task": "fans.tasks.weekly_round_task",
        "schedule": crontab(minute=7),
    },
    "gigs-lineups-round": {
        "task": "gigs.tasks.lineups_round_task",
        "schedule": 60.0,
    },
    # A gig's section that a change in the band left short: its leaders and players told once (decision 0111).
    "gigs-sections-round": {
        "task": "gigs.tasks.sections_round_task",
        "schedule": crontab(minute=35),
    },
    # Day sheet items due within two days or late: their owner side is reminded once each (decision 0070).
    "gigs-advance-reminders": {
        "task": "gigs.tasks.advance_reminders_task",
        "schedule": crontab(minute=25),
    },
    # Invoices, receipts and credit notes still missing are issued and their unsent emails queued.
    "documents-paper-round": {
        "task": "documents.tasks.paper_round_task",
        "schedule": 60.0,
    },
    "availability-horizon-extend": {
        "task": "availability.tasks.horizon_extend_task",
        "schedule": crontab(hour=3, minute=15),
    },
    "bands-blocks-extend": {
        "task": "bands.tasks.band_blocks_extend_task",
        "schedule": crontab(hour=3, minute=30),
    },
    "availability-calendars-refresh": {
        "task": "availability.tasks.calendars_refresh",
        "schedule": crontab(minute="*/10"),
    },
    # Connected calendars (CalDAV, Google): busy time read every few minutes, gigs written when they change.
    "calendars-connected-round": {
        "task": "calendars.tasks.connected_calendars_round",
        "schedule": 60.0,
    },
    # Google grants that Google could not be told to forget when their calendar went, tried again.
    "calendars-grant-revocations": {
        "task": "calendars.tasks.grant_revocations_task",
        "schedule": crontab(minute="*/5"),
    },
    # Mail the broker never took (it was down) or a worker dropped: at most a minute late.
    "accounts-notification-emails-requeue": {
        "task": "accounts.tasks.notification_emails_requeue_task",
        "schedule": NOTIFICATION_REQUEUE_EVERY,
    },
    # Pushes a push service did not take (no answer, 429, 5xx) or the broker never got, after their wait.
    "accounts-notification-pushes-requeue": {
        "task": "accounts.tasks.notification_pushes_requeue_task",
        "schedule": NOTIFICATION_REQUEUE_EVERY,
    },
    # Rate-limit counts of ended windows (the table only holds counts where no Redis does).
    "accounts-rate-counts-prune": {
        "task": "accounts.tasks.rate_counts_prune_task",
        "schedule": crontab(minute=40),
    },
    # The keys of changes sent from devices (offline, replayed), kept 30 days (docs/decisions/0091).
    "accounts-idempotency-keys-purge": {
        "task": "accounts.tasks.idempotency_keys_purge_task",
        "schedule": crontab(hour=3, minute=45),
    },
    # Closed accounts past their grace period are erased, a few each run (docs/decisions/0082).
    "privacy-erasures-round": {
        "task": "stageslot.tasks.account_erasures_task",
        "schedule": crontab(minute=50),
    },
    # What the site no longer needs (old notifications, ended sessions, expired archives…) goes, nightly.
    "privacy-retention-nightly": {
        "task": "stageslot.tasks.retention_task",
        "schedule": crontab(hour=4, minute=10),
    },
    # Each person's daily digest goes out at 08:00 in their own zone: an hourly look.
    "accounts-notification-digests": {
        "task": "accounts.tasks.notification_digests_task",
        "schedule": crontab(minute=5),
    },
    # A band's saved searches: new slots and support calls that fit them, a few minutes after posting.
    "bookings-saved-search-alerts": {
        "task": "bookings.tasks.saved_search_alerts_task",
        "schedule": crontab(minute="*/5"),
    },
    "bookings-gig-reminders": {
        "task": "bookings.tasks.gig_reminders_task",
        "schedule": crontab(minute=20),
    },
    "bookings-waiting-reminders": {
        "task": "bookings.tasks.waiting_reminders_task",
        "schedule": crontab(minute=40),
    },
    "bookings-expire": {
        "task": "bookings.tasks.bookings_expire_task",
        "schedule": crontab(minute="*/5"),
    },
    "bookings-feed-marks-prune": {
        "task": "bookings.tasks.feed_marks_prune_task",
        "schedule": crontab(hour=4, minute=40),
    },
    "bookings-losers-sweep": {
        "task": "bookings.tasks.booking_losers_sweep_task",
        "schedule": crontab(minute="2-59/5"),
    },
    "bookings-webhook-deliveries-requeue": {
        "task": "bookings.tasks.webhook_deliveries_requeue_task",
        "schedule": 60.0,
    },
    # Quotes past their time lapse; both sides are told.
    "payments-money-round": {
        "task": "payments.tasks.money_round_task",
        "schedule": crontab(minute="*/5"),
    },
    # Live contracts whose booking changed since they were drawn are checked, the stale ones voided.
    "documents-contracts-round": {
        "task": "documents.tasks.contracts_round_task",
        "schedule": crontab(minute="*/10"),
    },
    "bookings-quotes-lapse": {
        "task": "bookings.tasks.quotes_lapse_task",
        "schedule": crontab(minute="3-59/5"),
    },
    "bookings-complete": {
        "task": "bookings.tasks.bookings_complete_task",
        "schedule": crontab(minute="*/5"),
    },
    # "How was the gig?" soon after a gig completes, the reminder a week on, publishing at 14 days.
    "reviews-due": {
        "task": "reviews.tasks.reviews_due_task",
        "schedule": crontab(minute="2-59/5"),
    },
    "bookings-start": {
        "task": "bookings.tasks.bookings_start_task",
        "schedule": crontab(minute="*/5"),
    },
}
# Test settings let the import reach a local server; everywhere else private hosts are refused.
ICS_IMPORT_ALLOW_HOSTS: tuple[str, ...] = ()
# Connected calendars (CalDAV, Google): the Fernet key(s) their stored secrets are encrypted with, comma-separated,
# the first one encrypting (rotation); empty: a key derived from SECRET_KEY. docs/decisions/0044
CALENDAR_SECRETS_KEY = env("CALENDAR_SECRETS_KEY", default="")
# Exact "host:port" CalDAV servers let through the private-address guard: the tests' and `make run`'s Radicale.
CALDAV_ALLOW_HOSTS: tuple[str, ...] = tuple(env.list("STAGESLOT_CALDAV_ALLOW_HOSTS", default=[]))
# The port on 127.0.0.1 of the Radicale (CalDAV) `make run` starts for the demo (stageslot/local_run.py):
# when it is taken, `make run` takes the next free one and hands it on to the server it starts.
RADICALE_PORT = env.int("STAGESLOT_RADICALE_PORT", default=5232)
# Seconds a CalDAV server may take per wait (and twice that per request); concurrent connections per host.
CALDAV_TIMEOUT = env.float("STAGESLOT_CALDAV_TIMEOUT", default=10.0)
CALDAV_CONNECTIONS_PER_HOST = env.int("STAGESLOT_CALDAV_CONNECTIONS_PER_HOST", default=8)
# Google Calendar (calendars.google) uses the GOOGLE_CLIENT_ID/SECRET of "Sign in with Google" below. Its
# endpoints are settings so a test can point them elsewhere; seconds Google may take per request.
GOOGLE_OAUTH_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_OAUTH_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - an address, not a secret
GOOGLE_OAUTH_REVOKE_URL = "https://oauth2.googleapis.com/revoke"
GOOGLE_CALENDAR_API_URL = "https://www.googleapis.com/calendar/v3"
GOOGLE_CALENDAR_TIMEOUT = env.float("STAGESLOT_GOOGLE_CALENDAR_TIMEOUT", default=10.0)
# Exact "host:port" webhook targets let through the private-address guard, over plain http too: a local
# listener in tests and on a developer's machine (STAGESLOT_WEBHOOK_ALLOW_HOSTS, read by local.py
# only). Never in production (production.py refuses it).
WEBHOOK_ALLOW_HOSTS: tuple[str, ...] = ()
# The wait after a webhook delivery's first failed attempt; it doubles with each further one, up to 6 h.
WEBHOOK_RETRY_FIRST_SECONDS = env.float("STAGESLOT_WEBHOOK_RETRY_FIRST_SECONDS", default=30.0)

# --- Auth --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: email is the login, verified before first use.
# https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Neither signup nor password reset says whether an address has an account: the owner of a taken
# address gets a mail instead (docs/decisions/0002-account-emails.md).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.profile.SignupForm"
ACCOUNT_FORMS = {"login": "accounts.forms.login.LoginForm"}
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[StageSlot] "
ACCOUNT_PRESERVE_USERNAME_CASING = False
# allauth's defaults are on; written out so they are visible and tunable.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# --- Signing in without a password, two-factor, Google (docs/decisions/0043-signing-in.md) -------
# A code (or its link) by email beside the password. A code lives 5 minutes and takes 3 tries; asking
# for one answers the same for known and unknown addresses (ACCOUNT_PREVENT_ENUMERATION).
# https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
ACCOUNT_RATE_LIMITS["request_login_code"] = "20/m/ip,3/m/key"
# Asking again for the password or the second factor (allauth's reauthentication, and ours before money
# and contracts: accounts/mfa.py) holds this many seconds.
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("STAGESLOT_REAUTHENTICATION_SECONDS", default=300)
# allauth.mfa: an authenticator app with recovery codes, and passkeys (also to sign in without a
# password). Wrong codes count against the "login_failed" limit above, per account.
# https://docs.allauth.org/en/latest/mfa/configuration.html
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Staff open the admin and staff pages only with two-factor on (accounts/mfa.py StaffTwoFactorMiddleware).
STAGESLOT_STAFF_REQUIRE_MFA = True
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "StageSlot"
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
# A passkey answer that is not one at all is refused like a wrong one, never a 500 (accounts/forms/passkeys.py).
MFA_FORMS = {
    "add_webauthn": "accounts.forms.passkeys.AddPasskeyForm",
    "authenticate_webauthn": "accounts.forms.passkeys.AuthenticatePasskeyForm",
    "login_webauthn": "accounts.forms.passkeys.LoginPasskeyForm",
    "reauthenticate_webauthn": "accounts.forms.passkeys.ReauthenticatePasskeyForm",
}
# WebAuthn over plain http (http://127.0.0.1 while developing and in tests); local.py and test.py set it.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
# Google: the button shows only when both keys are set (the same OAuth client as Google Calendar).
GOOGLE_CLIENT_ID = env("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env("GOOGLE_CLIENT_SECRET", default="")
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS: dict = {
    "google": {
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
        # An address Google says it verified (its email_verified claim) signs in the account that has it,
        # and connects Google to it; an address Google has not verified never does (allauth's rule).
        "EMAIL_AUTHENTICATION": True,
    }
}
if GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET:
    SOCIALACCOUNT_PROVIDERS["google"]["APP"] = {"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET}
# Sign-up through Google asks nothing more than our signup form would (its name and zone come later).
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
# How many proxies of ours stand in front of the app (each appends to X-Forwarded-For): the per-address
# limits above key on the address the outermost one saw (core/web/client_ip.py). 0 means REMOTE_ADDR,
# and the header is ignored. https://docs.allauth.org/en/latest/common/configuration.html
ALLAUTH_TRUSTED_PROXY_COUNT = trusted_proxies(default=0)
# What one person may create per time window, for everyone else's inboxes (accounts/ratelimit.py):
# "N/h", "N/10m". Over the limit is a 429 page saying when to try again.
# Tour routes measure the straight line between places; roads are longer by about this much
# (docs/decisions/0024-tour-routing.md).
TOUR_ROAD_FACTOR = env.float("STAGESLOT_TOUR_ROAD_FACTOR", default=1.25)
# Where the per-person counts live: Redis (one INCR) when it is there, else a table counted up by
# an atomic conditional UPDATE; both count before the action, so a parallel burst gets the limit
# exactly (accounts/ratelimit.py).
STAGESLOT_RATE_LIMIT_STORE = env("STAGESLOT_RATE_LIMIT_STORE", default="cache" if REDIS_URL else "database")
STAGESLOT_RATE_LIMITS = {
    "booking_request": "10/h",
    "application": "30/h",
    "offer": "30/h",
    "message": "120/h",
    "invite": "30/h",
    "webhook": "20/h",
    "report": "20/h",
    # New organisations, and an organisation's requests to act for a band or run a venue.
    "team": "20/h",
    # Holds placed on a venue's dates, per person.
    "hold": "120/h",
    # The public contract verification page: uploads per address.
    "contract_verify": "30/h",
    # Connected calendars: each connect (tested at the server) and each "Refresh now" calls another server.
    "calendar_connect": "20/h",
    "calendar_refresh": "60/h",
    # Fans (decision 0089): follows and asks (and taking them back) per account and per address, and
    # "email me a code" of the fans' sign-up per address.
    "follow": env("STAGESLOT_FOLLOW_RATE", default="120/h"),
    "follow_ip": env("STAGESLOT_FOLLOW_RATE_PER_IP", default="600/h"),
    "fan_join": env("STAGESLOT_FAN_JOIN_RATE_PER_IP", default="20/h"),
    # The JSON API: calls per personal access token, and per address (anonymous reads included).
    "api_token": env("STAGESLOT_API_RATE_PER_TOKEN", default="600/m"),
    "api_ip": env("STAGESLOT_API_RATE_PER_IP", default="1200/m"),
}
# How far ahead anyone can schedule anything – a slot or a series of slots, a private request, busy
# time and the last date of a repeating rule, a band's rehearsal or hold – counted in days from
# today: three years and a leap day. Every form names the last date allowed (core/fields/scheduling.py,
# docs/decisions/0014-abuse-and-faults.md).
STAGESLOT_SCHEDULING_HORIZON_DAYS = env.int("STAGESLOT_SCHEDULING_HORIZON_DAYS", default=3 * 365 + 1)
# People own their data (docs/decisions/0082): a closed account can be kept for this many days, then the
# worker erases it. Invoices and signed contracts keep the names on them for this many years after they
# were made (German law asks up to 10 years for accounting records: confirm with counsel).
STAGESLOT_ACCOUNT_GRACE_DAYS = env.int("STAGESLOT_ACCOUNT_GRACE_DAYS", default=30)
# Who runs this site, for the imprint and the privacy notice (German DDG §5 asks for name, address, a quick
# way to reach you besides email, register and VAT id where there are some). Set them before going live.
# Production refuses to start while name, address or email is unset or a placeholder (stageslot.E001).
STAGESLOT_OPERATOR_PLACEHOLDERS = {"name": "The operator of this StageSlot site", "email": "privacy@stageslot.local"}
STAGESLOT_OPERATOR = {
    "name": env("STAGESLOT_OPERATOR_NAME", default=STAGESLOT_OPERATOR_PLACEHOLDERS["name"]),
    "address": env("STAGESLOT_OPERATOR_ADDRESS", default=""),
    "email": env("STAGESLOT_OPERATOR_EMAIL", default=STAGESLOT_OPERATOR_PLACEHOLDERS["email"]),
    "phone": env("STAGESLOT_OPERATOR_PHONE", default=""),
    "representative": env("STAGESLOT_OPERATOR_REPRESENTATIVE", default=""),
    "register": env("STAGESLOT_OPERATOR_REGISTER", default=""),
    "vat_id": env("STAGESLOT_OPERATOR_VAT_ID", default=""),
}
# The version of the privacy notice and terms: change it when their text changes, and everyone signed in is
# asked once to read the new one (accounts/policy.py). A sign-up records the version it accepted.
STAGESLOT_POLICY_VERSION = env("STAGESLOT_POLICY_VERSION", default="1")
# What the site no longer needs goes after this many days (stageslot/privacy/retention.py, nightly).
STAGESLOT_RETENTION_DAYS = {
    "notifications_read": env.int("STAGESLOT_KEEP_READ_NOTIFICATIONS_DAYS", default=180),
    "notifications_unread": env.int("STAGESLOT_KEEP_UNREAD_NOTIFICATIONS_DAYS", default=365),
    "tokens_revoked": env.int("STAGESLOT_KEEP_REVOKED_TOKENS_DAYS", default=90),
    "push_dead": env.int("STAGESLOT_KEEP_DEAD_PUSH_DAYS", default=60),
}
# How long backups keep what was deleted, as the privacy notice says (the operator's backup rotation).
STAGESLOT_BACKUP_DAYS = env.int("STAGESLOT_BACKUP_DAYS", default=30)
# The erasure ledger: one line (an account's id, the time) per erasure, in a file outside the database, so
# that bin/restore.py erases again whoever a restored backup brings back (stageslot/privacy/ledger.py). Keep
# it on a disk that outlives the database and is not itself restored from the backup.
STAGESLOT_ERASURE_LEDGER = env("STAGESLOT_ERASURE_LEDGER", default=str(BASE_DIR / ".cache" / "erasure-ledger.jsonl"))
STAGESLOT_LEGAL_HOLD_YEARS = {
    "invoices": env.int("STAGESLOT_INVOICE_HOLD_YEARS", default=10),
    "contracts": env.int("STAGESLOT_CONTRACT_HOLD_YEARS", default=10),
}
# How long a quote (proposed deal terms) stays open for the other side's answer.
QUOTE_DAYS = env.int("STAGESLOT_QUOTE_DAYS", default=7)

# --- Payments (docs/decisions/0033-payments.md) ------------------------------------------
# Stripe's keys. Unset: the embedded default, localstripe (a fake Stripe server on this machine,
# started by `make run` and by the tests), on STRIPE_LOCAL_PORT (`make run` takes the next free one when it
# is taken, and hands it on to the server it starts); the pay page says it is a test.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_LOCAL = not STRIPE_SECRET_KEY
STRIPE_LOCAL_PORT = env.int("STAGESLOT_LOCALSTRIPE_PORT", default=8420)
if STRIPE_LOCAL:
    STRIPE_SECRET_KEY = "sk_test_localstripe"  # noqa: S105 (localstripe takes any sk_… key)
    STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET or "whsec_localstripe"
    STRIPE_API_BASE = f"http://127.0.0.1:{STRIPE_LOCAL_PORT}"
    STRIPE_JS_URL = f"{STRIPE_API_BASE}/js.stripe.com/v3/"
else:
    STRIPE_API_BASE = "https://api.stripe.com"
    STRIPE_JS_URL = "https://js.stripe.com/v3/"
# Seconds to wait for Stripe before saying "payments are unavailable, nothing was charged".
STRIPE_TIMEOUT = env.float("STAGESLOT_STRIPE_TIMEOUT", default=20.0)
# The platform's fee, recorded on each payment, in per cent of it.
PLATFORM_FEE_PERCENT = env.int("STAGESLOT_PLATFORM_FEE_PERCENT", default=15)
# A client's booked request waits this long for its deposit, its time taken; unpaid, it lapses.
DEPOSIT_HOLD_HOURS = env.int("STAGESLOT_DEPOSIT_HOLD_HOURS", default=48)
# A challenged 1st hold confirms or lets go within this many hours; silence lets it go.
HOLD_CHALLENGE_HOURS = env.int("STAGESLOT_HOLD_CHALLENGE_HOURS", default=48)
# Stop being bothered (docs/decisions/0081-block-and-report.md): how many reports one person may send a day;
# and an account younger than NEW_ACCOUNT_DAYS may ask or write to at most NEW_ACCOUNT_NEW_CONTACTS_PER_DAY
# bands, venues or people it has never dealt with in a day, so a fresh account cannot spam a hundred bands.
REPORTS_PER_DAY = env.int("STAGESLOT_REPORTS_PER_DAY", default=10)
NEW_ACCOUNT_DAYS = env.int("STAGESLOT_NEW_ACCOUNT_DAYS", default=7)
NEW_ACCOUNT_NEW_CONTACTS_PER_DAY = env.int("STAGESLOT_NEW_ACCOUNT_NEW_CONTACTS_PER_DAY", default=5)
# An instant booking's checkout (the client at the pay page, nothing held yet) ends unpaid after this.
CHECKOUT_MINUTES = env.int("STAGESLOT_CHECKOUT_MINUTES", default=30)

# --- Documents (docs/decisions/0036-paper.md) --------------------------------------------
# The platform's seal on signed contracts (PEM key and certificate). Unset: a development key and
# self-signed certificate are made under BASE_DIR/.cache/seal/ on first use (`manage.py
# make_seal_certificate` writes them too); a production site without them gets the deploy warning
# documents.W001.
DOCUMENTS_SEAL_KEY_FILE = env("DOCUMENTS_SEAL_KEY_FILE", default="")
DOCUMENTS_SEAL_CERT_FILE = env("DOCUMENTS_SEAL_CERT_FILE", default="")
DOCUMENTS_SEAL_KEY_PASSWORD = env("DOCUMENTS_SEAL_KEY_PASSWORD", default="")
# Who issues StageSlot's own receipts (for card payments taken on a band's behalf).
PAPER_PLATFORM_NAME = env("STAGESLOT_PAPER_NAME", default="StageSlot")
PAPER_PLATFORM_ADDRESS = env("STAGESLOT_PAPER_ADDRESS", default="")
PAPER_PLATFORM_TAX_NUMBER = env("STAGESLOT_PAPER_TAX_NUMBER", default="")

# --- Web Push (docs/decisions/0039-web-push.md) ------------------------------------------
# The VAPID key that signs our pushes: a PEM file's path or the PEM itself. Unset: a development key is
# made under BASE_DIR/.cache/webpush/ on first use (`manage.py make_vapid_keys` writes one); a production
# site without one gets the deploy warning accounts.W001, since browsers' subscriptions belong to the key.
WEBPUSH_VAPID_PRIVATE_KEY = env("WEBPUSH_VAPID_PRIVATE_KEY", default="")
# Who push services contact about our pushes (mailto: or https:).
WEBPUSH_VAPID_SUBJECT = env("WEBPUSH_VAPID_SUBJECT", default="mailto:push@stageslot.example")
# Exact "host:port" push services let through the private-address guard, over plain http too: the tests'
# and the benchmark's local push service (accounts/tests/push_endpoint.py). Never in production.
WEBPUSH_ALLOW_HOSTS: tuple[str, ...] = ()

# --- Email -------------------------------------------------------------------
# EMAIL_URL=smtp+tls://user:pass@host:587 for real mail; unset prints to the console.
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds to wait on the mail server per step (connect, each command): none would let a silent server
# hold a worker for ever. https://docs.djangoproject.com/en/5.2/ref/settings/#email-timeout
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="StageSlot <noreply@stageslot.local>")
# A transactional mail service through django-anymail instead of EMAIL_URL: "postmark", "mailgun",
# "amazon_ses", "brevo", "sendgrid", … (a module of anymail.backends). Its delivery events and inbound
# replies come back to /mail/anymail/<esp>/tracking/ and …/inbound/ (docs/decisions/0080).
# https://anymail.dev/en/stable/esps/
MAIL_ESP = env("STAGESLOT_MAIL_ESP", default="")
# The API key of that service, under the name anymail gives it for each (Amazon SES reads boto3's own).
_MAIL_ESP_KEY_NAMES = {
    "postmark": "POSTMARK_SERVER_TOKEN",
    "mailgun": "MAILGUN_API_KEY",
    "brevo": "BREVO_API_KEY",
    "sendgrid": "SENDGRID_API_KEY",
    "sparkpost": "SPARKPOST_API_KEY",
    "resend": "RESEND_API_KEY",
    "mailersend": "MAILERSEND_API_TOKEN",
    "mailjet": "MAILJET_API_KEY",
}
ANYMAIL: dict[str, object] = {
    # "user:password" the service sends as basic auth with every event and inbound message; the webhooks
    # are not mounted without it (stageslot/urls.py), so nobody can post unsigned events.
    "WEBHOOK_SECRET": env("STAGESLOT_MAIL_WEBHOOK_SECRET", default=""),
}
if MAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{MAIL_ESP}.EmailBackend"
    if MAIL_ESP in _MAIL_ESP_KEY_NAMES:
        ANYMAIL[_MAIL_ESP_KEY_NAMES[MAIL_ESP]] = env("STAGESLOT_MAIL_API_KEY", default="")
    # Mailgun, SendGrid, Resend, Mailersend … also sign their webhooks with a key of their own.
    if env("STAGESLOT_MAIL_WEBHOOK_SIGNING_KEY", default=""):
        ANYMAIL[f"{MAIL_ESP.upper()}_WEBHOOK_SIGNING_KEY"] = env("STAGESLOT_MAIL_WEBHOOK_SIGNING_KEY")
# The domain of the reply addresses on thread emails (t-…@this domain); its MX points at the mail
# service's inbound route. Unset: thread emails carry no reply address.
MAIL_REPLY_DOMAIN = env("STAGESLOT_MAIL_REPLY_DOMAIN", default="")
# The receiving server of a mail service (or relay) that writes its own Authentication-Results on top of each
# inbound message, by the name it writes first ("mx.example.net"): that header is then read as its verdict.
# Postmark, Mailgun, Amazon SES and SendGrid are read from their own fields without it (accounts/mail/inbound.py).
MAIL_INBOUND_AUTHSERV_ID = env("STAGESLOT_MAIL_INBOUND_AUTHSERV_ID", default="")
# What an inbound reply address does, by its first letter: the task (queued by name) that applies it.
MAIL_INBOUND_PURPOSES = {"t": "bookings.tasks.mail_reply_apply_task"}
# The largest inbound email kept (bytes, with its attachments); a larger one is refused with a bounce.
MAIL_INBOUND_MAX_BYTES = env.int("STAGESLOT_MAIL_INBOUND_MAX_BYTES", default=25 * 1024 * 1024)
# Soft bounces (a full mailbox, "try again later") forgiven: this many to one address within this many days,
# with no delivery to it since, stop notification mail to it as one hard bounce does (accounts/mail/events.py).
MAIL_SOFT_BOUNCE_LIMIT = env.int("STAGESLOT_MAIL_SOFT_BOUNCES", default=4)
MAIL_SOFT_BOUNCE_DAYS = env.int("STAGESLOT_MAIL_SOFT_BOUNCE_DAYS", default=30)
# Where links in emails, feeds and share pages point. Unset: the address a request came to, or
# http://127.0.0.1:8000 outside a request (core.web.site.site_url). `make run` sets it from HOST.
SITE_URL = env("STAGESLOT_SITE_URL", default="")
# Tests set it: every 304 a calendar feed answers from its change marks is checked against the
# fingerprint of its rows (bookings.views.feeds), so a write that leaves no mark fails a test.
FEEDS_CHECK_MARKS = False
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n / time ---------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# English (American dates in forms), British English and German. The language follows the browser
# (LocaleMiddleware), the switcher in every page's footer (accounts.views.language) and, once signed
# in, the account's own choice (accounts.middleware.AccountLanguageMiddleware). Emails and
# notifications go out in their recipient's language (accounts.services.language_for).
LANGUAGES = [
    ("en", _("English")),
    ("en-gb", _("British English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
]
# The English catalogue (`make messages`) is where translations start; locale/de/ holds the German one,
# compiled to .mo files by `make messages-compile` (which `make run` and `make test` call).
LOCALE_PATHS = [BASE_DIR / "locale"]
# The dates and times StageSlot names (DAY_FORMAT, CLOCK_FORMAT…), per language: stageslot/formats/<lang>/.
FORMAT_MODULE_PATH = ["stageslot.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# Files shared on a booking (riders, contracts…): never under MEDIA_ROOT, served only by the
# access-checking view. Local disk by default; S3-compatible storage through django-storages when a
# bucket is named (docs/decisions/0021-client-journey.md).
BOOKING_FILES_ROOT = env.path("BOOKING_FILES_ROOT", default=BASE_DIR / "private" / "booking-files")
BOOKING_FILES_S3_BUCKET = env("BOOKING_FILES_S3_BUCKET", default="")
BOOKING_FILES_S3_ENDPOINT_URL = env("BOOKING_FILES_S3_ENDPOINT_URL", default=None)
BOOKING_FILES_S3_REGION = env("BOOKING_FILES_S3_REGION", default=None)
BOOKING_FILES_S3_ACCESS_KEY = env("BOOKING_FILES_S3_ACCESS_KEY", default=None)
BOOKING_FILES_S3_SECRET_KEY = env("BOOKING_FILES_S3_SECRET_KEY", default=None)
# How long a signed address of a booking file works, in seconds; only the access-checking view ever asks
# for one (docs/decisions/0063-files-in-a-bucket.md).
BOOKING_FILES_S3_URL_EXPIRY = env.int("BOOKING_FILES_S3_URL_EXPIRY", default=300)
# Public media (band and venue photos, avatars, the demo's pictures): the disk under MEDIA_ROOT by default;
# an S3-compatible bucket when MEDIA_S3_BUCKET is named, so that every node behind the proxy serves the same
# files. Its connection settings default to the booking files' (docs/decisions/0063-files-in-a-bucket.md).
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", default="")
MEDIA_S3_ENDPOINT_URL = env("MEDIA_S3_ENDPOINT_URL", default=None) or BOOKING_FILES_S3_ENDPOINT_URL
MEDIA_S3_REGION = env("MEDIA_S3_REGION", default=None) or BOOKING_FILES_S3_REGION
MEDIA_S3_ACCESS_KEY = env("MEDIA_S3_ACCESS_KEY", default=None) or BOOKING_FILES_S3_ACCESS_KEY
MEDIA_S3_SECRET_KEY = env("MEDIA_S3_SECRET_KEY", default=None) or BOOKING_FILES_S3_SECRET_KEY
# The host (and path) the bucket's objects are read from by browsers, e.g. a CDN: "media.example.org".
# Empty: the bucket's own address at its endpoint.
MEDIA_S3_CUSTOM_DOMAIN = env("MEDIA_S3_CUSTOM_DOMAIN", default=None)


def media_backend(*, bucket: str, endpoint_url, region, access_key, secret_key, custom_domain) -> dict:
    """STORAGES["default"]: public media on the disk under MEDIA_ROOT, or in the bucket when one is named.

    In the bucket each object is read at its own unsigned address (the bucket, or its custom domain, lets
    anyone read), and an upload never replaces another file of the same name.
    """
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "custom_domain": custom_domain or None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }


def booking_files_backend(*, bucket: str, root, endpoint_url, region, access_key, secret_key, url_expiry: int) -> dict:
    """STORAGES["booking_files"]: private, on the disk under `root` or in the bucket when one is named.

    In the bucket nothing is public: an object is read only with the keys, or by a signed address that
    works for `url_expiry` seconds.
    """
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": url_expiry,
            # Signature version 4: the signed address carries its lifetime (X-Amz-Expires); every provider
            # takes it.
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }


def media_origin(*, bucket: str, endpoint_url, custom_domain) -> str:
    """Where browsers fetch public media from when it is not this site: the scheme and host the CSP lets
    images come from. Empty for the disk (the site itself serves it)."""
    if not bucket:
        return ""
    if custom_domain:
        return "https://" + custom_domain.split("/", 1)[0]
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        return f"{parts.scheme}://{parts.netloc}"
    return f"https://{bucket}.s3.amazonaws.com"


BOOKING_FILES_STORAGE: dict = booking_files_backend(
    bucket=BOOKING_FILES_S3_BUCKET,
    root=BOOKING_FILES_ROOT,
    endpoint_url=BOOKING_FILES_S3_ENDPOINT_URL,
    region=BOOKING_FILES_S3_REGION,
    access_key=BOOKING_FILES_S3_ACCESS_KEY,
    secret_key=BOOKING_FILES_S3_SECRET_KEY,
    url_expiry=BOOKING_FILES_S3_URL_EXPIRY,
)
MEDIA_STORAGE: dict = media_backend(
    bucket=MEDIA_S3_BUCKET,
    endpoint_url=MEDIA_S3_ENDPOINT_URL,
    region=MEDIA_S3_REGION,
    access_key=MEDIA_S3_ACCESS_KEY,
    secret_key=MEDIA_S3_SECRET_KEY,
    custom_domain=MEDIA_S3_CUSTOM_DOMAIN,
)
MEDIA_ORIGIN = media_origin(
    bucket=MEDIA_S3_BUCKET, endpoint_url=MEDIA_S3_ENDPOINT_URL, custom_domain=MEDIA_S3_CUSTOM_DOMAIN
)
STORAGES = {
    "default": MEDIA_STORAGE,
    # WhiteNoise's compressed, hashed files; each address looked up once per process (stageslot/static_files.py).
    "staticfiles": {"BACKEND": "stageslot.static_files.StaticFilesStorage"},
    "booking_files": BOOKING_FILES_STORAGE,
}
BOOKING_FILE_MAX_BYTES = 25 * 1024 * 1024
# Uploads larger than this are refused before they are read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security defaults valid everywhere ---------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, their read compiled once (core/web/sessions.py).
SESSION_ENGINE = "core.web.sessions"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Where HTTP is sent to HTTPS (production's SECURE_SSL_REDIRECT), a load balancer's /health/ and /health/ready/
# and Prometheus's /metrics/, asked straight at a node over plain http, are answered instead (each pattern
# is matched against the path without its first slash).
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^health/ready/$", r"^metrics/$"]


# --- Maps (docs/decisions/0023-maps.md) ------------------------------------------------
# Leaflet draws the tiles of this server: OpenStreetMap's own by default (its usage policy asks for
# the attribution and a fair load: https://operations.osmfoundation.org/policies/tiles/). Point it at
# a tile service of your own or a paid one for real traffic. {s} stands for a subdomain.
MAP_TILE_URL = env("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
# Shown in the map's corner, as HTML (a link to the copyright page).
MAP_TILE_ATTRIBUTION = env(
    "MAP_TILE_ATTRIBUTION",
    default='© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)


def tile_source(url: str) -> str:
    """The CSP source of a tile address: its scheme and host (a {s} subdomain becomes *), and port."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].replace("{s}", "*")
    if scheme not in {"http", "https"} or not host or "{" in host or any(c in host for c in " ;,'\""):
        raise ImproperlyConfigured(f"MAP_TILE_URL must be an http(s) address with a plain host, not {url!r}.")
    return f"{scheme}://{host}"


def stripe_sources(*, js_url: str, api_base: str) -> dict[str, list[str]]:
    """The CSP sources the pay page's Stripe.js needs: its script and its frames from its own host, its calls
    to the API, and at Stripe the 3-D Secure pages it frames from hooks.stripe.com. localstripe serves all of
    it from one address on this machine (docs/decisions/0034-localstripe.md).
    https://docs.stripe.com/security/guide#content-security-policy
    """
    script, api = (urlsplit(url)._replace(path="", query="", fragment="").geturl() for url in (js_url, api_base))
    frames = [script, "https://hooks.stripe.com"] if script == "https://js.stripe.com" else [script]
    return {"script-src": [script], "frame-src": frames, "connect-src": [api]}


def content_security_policy(
    *, tile_url: str, stripe_js_url: str, stripe_api_base: str, media_origin: str = ""
) -> tuple[str, str]:
    """The CSP of the site's pages and of the Django admin.

    No inline scripts, style attributes or eval anywhere (stageslot.js does what they did); players
    of the embeds bands add; no framing; images from the map's tile server, and Stripe.js (script,
    frames, API calls) from Stripe's hosts or localstripe's, public media from its bucket's address when
    it is in one, and nothing else from outside. The Django
    admin sets style attributes from its widgets; its scripts are files too, and it loads no Stripe.js.
    https://developer.mozilla.org/docs/Web/HTTP/CSP
    """
    stripe = stripe_sources(js_url=stripe_js_url, api_base=stripe_api_base)
    # "Connect Google Calendar" and "Sign in with Google" are forms whose answer redirects to Google's
    # consent page; form-action covers that redirect too.
    google_consent = urlsplit(GOOGLE_OAUTH_AUTHORIZE_URL)._replace(path="", query="", fragment="").geturl()

    def policy(styles: str, stripe: dict[str, list[str]]) -> str:
        media = f" {media_origin}" if media_origin else ""
        script, connect, frames = (
            "".join(f" {s}" for s in stripe.get(n, [])) for n in ("script-src", "connect-src", "frame-src")
        )
        return (
            f"default-src 'self'; script-src 'self'{script}; style-src {styles}; "
            f"img-src 'self' data: {tile_source(tile_url)}{media}; font-src 'self'; "
            f"connect-src 'self'{connect}; media-src 'self'; object-src 'none'; base-uri 'self'; "
            f"form-action 'self' {google_consent}; "
            "frame-src https://open.spotify.com https://w.soundcloud.com https://www.youtube-nocookie.com "
            f"https://bandcamp.com{frames}; frame-ancestors 'none'"
        )

    return policy("'self'", stripe), policy("'self' 'unsafe-inline'", {})


STAGESLOT_CSP, STAGESLOT_CSP_ADMIN = content_security_policy(
    tile_url=MAP_TILE_URL, stripe_js_url=STRIPE_JS_URL, stripe_api_base=STRIPE_API_BASE, media_origin=MEDIA_ORIGIN
)
STAGESLOT_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

MESSAGE_TAGS = {}

# The admin's lists export through django-import-export (docs/decisions/0037-exports.md): only staff
# who may view a model may export it, and a cell a spreadsheet would run as a formula is escaped.
# https://django-import-export.readthedocs.io/en/latest/installation.html#settings
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Each line names the request (or the task, and the request that queued it) it was written for:
# stageslot/observability.py. DJANGO_LOG_FORMAT=json writes one JSON object a line (production's default).
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "stageslot.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "stageslot.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs each step of every PDF at INFO; its warnings (a CSS rule it skips) still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# The worker writes through the same logging as the web processes (its lines carry the request id).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The operator's networks: /metrics/ and the full /health/ready/ answer a request made straight to a node
# from them, or one with the bearer token, and nobody else (stageslot.observability.asked_by_operator).
# STAGESLOT_METRICS_ALLOW is its former name, read when it is not set.
OPERATOR_ALLOW = env.list(
    "STAGESLOT_OPERATOR_ALLOW", default=env.list("STAGESLOT_METRICS_ALLOW", default=["127.0.0.0/8", "::1/128"])
)
for _network in OPERATOR_ALLOW:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"STAGESLOT_OPERATOR_ALLOW lists networks (127.0.0.0/8, 10.1.2.3, fd00::/8), not {_network!r}."
        ) from None
METRICS_TOKEN = env("STAGESLOT_METRICS_TOKEN", default="")

# Errors to Sentry when SENTRY_DSN is set; nothing is sent otherwise (stageslot/observability.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from stageslot.observability import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=None),
        traces=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
