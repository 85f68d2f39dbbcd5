"""A web worker is ready before its first request: loading stageslot.wsgi imports every view and builds
the URL map, with no database or cache in reach (gunicorn's --preload runs it before the fork)."""

import json
import os
import subprocess
import sys
from pathlib import Path

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
started = time.process_time()
reverse("bookings:accept", args=["00000000-0000-4000-8000-000000000000"])
resolver.resolve("/bookings/00000000-0000-4000-8000-000000000000/accept/")
first = time.process_time() - started
print(json.dumps({
    "views": views,
    "languages": sorted(resolver._reverse_dict),
    "connected": any(c.connection is not None for c in connections.all(initialized_only=True)),
    "first_ms": first * 1000,
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
    assert probe["languages"] == ["de", "en", "en-gb"]
    assert not probe["connected"]
    assert probe["first_ms"] < 50, "the first reverse and resolve found the map built"
