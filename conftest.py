"""Fixtures and skips shared by the whole suite."""

import copy
import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches

# Playwright's sync API runs an event loop in the test thread; Django's ORM must
# still be usable from it in browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    skip_services = pytest.mark.skip(reason="needs Redis and a Celery worker: set REDIS_URL=redis://…")
    skip_browser = pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "postgres" in item.keywords and engine != "django.db.backends.postgresql":
            item.add_marker(skip_pg)
        if "services" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_services)
        if "browser" in item.keywords and not CHROMIUM.exists():
            item.add_marker(skip_browser)


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path: Path) -> None:
    """Each test gets an empty cache (rate limits!) and its own media folder."""
    cache_settings = copy.deepcopy(settings.CACHES)
    if "KEY_PREFIX" in cache_settings["default"]:
        # A shared Redis is never flushed: a fresh key prefix is an empty cache.
        cache_settings["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
        settings.CACHES = cache_settings
    else:
        caches["default"].clear()
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _close_browser_contexts(request: pytest.FixtureRequest):
    """Close the pages a browser test opened: the live server outlives the test, and a page left
    open keeps polling it (the bell, threads, live calendars) into the tests that follow."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            context.close()
