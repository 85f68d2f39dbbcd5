"""A web worker is ready before its first request: loading stageslot.wsgi imports every view, builds
the URL map, compiles every template and makes the cache backends, with no database or cache in reach
(gunicorn's --preload runs it before the fork); a worker's own warm-up starts with neither answering; and
its first feed request costs what a warm one does."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from bookings.models import CalendarFeed
from bookings.services import answering
from bookings.services.feeds import feed_create
from bookings.tests.test_detail_views import make_world

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys, time
from stageslot.wsgi import application
views = "bookings.views.detail" in sys.modules
from django.db import connections
from django.urls import get_resolver, reverse
from django.utils import translation
resolver = get_resolver()
translation.activate("en-gb")
built_before = sorted(resolver._reverse_dict)
started = time.process_time()
reverse("bookings:accept", args=["00000000-0000-4000-8000-000000000000"])
resolver.resolve("/bookings/00000000-0000-4000-8000-000000000000/accept/")
first = time.process_time() - started
from django.template import engines
from stageslot.warm import worker_warm_up
worker_warm_up()
from stageslot.warm import _named_classes
named = _named_classes()
LOCALES = ("stageslot.formats.", "django.conf.locale.")
print(json.dumps({
    # template_partials' loader wraps Django's cached one.
    "django_templates": sorted(engines["django"].engine.template_loaders[0].loaders[0].get_template_cache),
    "jinja2_templates": sorted(name for _, name in engines["jinja2"].env.cache),
    "redis": "redis" in sys.modules,
    "views": views,
    "languages": sorted(resolver._reverse_dict),
    "built_before": built_before,
    "connected": any(c.connection is not None for c in connections.all(initialized_only=True)),
    "first_ms": first * 1000,
    "named": named,
    "named_missing": [path for path in named if path.rsplit(".", 1)[0] not in sys.modules],
    "formats": sorted(m for m in sys.modules if m.startswith(LOCALES) and m.endswith(".formats")),
    "context_processors": "stageslot.context_processors" in sys.modules,
}))
"""


def test_loading_the_wsgi_application_readies_the_worker_without_a_database():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.test",
        # Nobody listens there: a warm-up that touched the database would fail or hang here.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere",
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["views"], "the URLconf (every view) is imported while the worker boots"
    spoken = sorted(code for code, _name in settings.LANGUAGES)
    assert probe["languages"] == spoken
    assert not probe["connected"]
    # The first reverse and resolve found the map built, in every language (their CPU time is printed; the
    # figure belongs to benchmarks/first_request.py, not to a bound a busy machine can miss).
    assert probe["built_before"] == spoken, "the URL map was built by the first request, not by the warm-up"
    print(f"first reverse and resolve: {probe['first_ms']:.1f} ms of CPU")
    assert {"bands/detail.html", "bands/search.html", "stageslot/dashboard.html"} <= set(probe["django_templates"])
    assert {"stageslot/partials/result_cards.html", "bookings/public/band_month.html"} <= set(probe["jinja2_templates"])
    assert probe["redis"], "the Redis cache backend's module is imported (0.6 s on a first request)"
    # What a first sign-in page or any first page imported after all that: allauth's adapters and forms the
    # settings name, each language's format modules, the template engine's context processors.
    assert "accounts.adapters.AccountAdapter" in probe["named"] and probe["named_missing"] == []
    assert {"django.conf.locale.de.formats", "django.conf.locale.en_GB.formats"} <= set(probe["formats"])
    assert probe["context_processors"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("asked", [[], ["--gzip"]], ids=["plain", "gzip"])
def test_a_fresh_workers_first_feed_request_finds_everything_loaded(asked):
    """The first feed a new worker serves finds the feed modules, icalendar, the templates and, for a
    calendar app that accepts gzip, the compressor loaded: it imports no module the warm-up left out and
    answers 200. What it costs against a warm request is a figure, not a verdict of this test (issue 86: a
    busy machine moved it): benchmarks/first_request.py prints it, and this test prints what it saw."""
    world = make_world()
    answering.booking_accept(booking=world.application, by=world.owner)
    feed = feed_create(by=world.member, scope=CalendarFeed.Scope.MEMBER)
    path = reverse("bookings:feed", args=[feed.token])
    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        url = f"sqlite:///{database['NAME']}"
    else:
        host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        url = f"postgres://{database['USER']}@{host}/{database['NAME']}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "stageslot.settings.test", "DATABASE_URL": url}
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "benchmarks" / "first_request.py"), path, "--runs", "3", *asked],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])["paths"][path]
    print(f"first feed request {figures['first_ms']} ms CPU, warm {figures['warm_ms']} ms")
    assert figures["statuses"] == [200]
    assert figures["imported_on_first"] == [], "the first request loaded what the warm-up should have"
