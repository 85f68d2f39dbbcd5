"""Every limit counts in one store that all processes of the site share: without Redis the database
(allauth's sign-in limits in the cache table a migration makes, ours in RateCount), so two web processes
never allow a limit twice; and simple pages never touch that store."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import LimitsCacheEntry, RateCount
from accounts.ratelimit import rate_limit_take
from bookings.tests.factories import band_with_leader
from core.checks import limits_shared

from .factories import UserFactory

pytestmark = pytest.mark.django_db

WITHOUT_REDIS = pytest.mark.skipif(
    "KEY_PREFIX" in settings.CACHES["default"], reason="with Redis every process shares the cache by nature"
)


@WITHOUT_REDIS
def test_without_redis_the_limits_live_in_the_database_and_pages_in_memory():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.CACHES["default"]["LOCATION"] == settings.LIMITS_CACHE_TABLE
    assert settings.CACHES["pages"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings.STAGESLOT_RATE_LIMIT_STORE == "database"
    assert limits_shared() == []
    assert settings.LIMITS_CACHE_TABLE in connection.introspection.table_names()  # made by migrate
    assert LimitsCacheEntry._meta.db_table == settings.LIMITS_CACHE_TABLE


def test_a_per_process_cache_for_the_limits_is_an_error(settings):
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [message.id for message in limits_shared()] == ["accounts.E002"]


def test_the_apis_call_limits_count_in_the_calls_cache_and_cost_no_query(settings):
    """Per-call limits count every read: in the "calls" cache (Redis, else this process's memory), never in
    a table, so an API read costs no query for them."""
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "api_ip": "2/m"}
    answers = [Client().get("/api/v1/bands").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
    assert not RateCount.objects.filter(key__startswith="ratelimit:api_ip:").exists()
    with CaptureQueriesContext(connection) as refused:
        assert Client().get("/api/v1/bands").status_code == 429
    assert [q["sql"] for q in refused.captured_queries] == []


_OTHER_PROCESS = """
import json, sys
import django
django.setup()
from django.test import Client
from accounts.ratelimit import rate_limit_take
answers = []
for n in range(2):
    response = Client(REMOTE_ADDR=f"10.1.0.{n}").post("/accounts/login/code/", {"email": sys.argv[1]})
    answers.append([response.status_code, "Too many failed login attempts" in response.content.decode()])
takes = [rate_limit_take(action="booking_request", who=int(sys.argv[2])) > 0 for _ in range(2)]
print(json.dumps({"codes": answers, "refused": takes}))
"""


def _database_url() -> str:
    values = connection.settings_dict
    if values["ENGINE"].endswith("sqlite3"):
        return "sqlite:///" + str(values["NAME"])
    return f"postgres://{values['USER']}:{values['PASSWORD']}@{values['HOST']}:{values['PORT']}/{values['NAME']}"


@pytest.mark.real_clock(reason="the other process counts in windows of the machine's time")
@WITHOUT_REDIS
@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_count_of_each_limit():
    """allauth's ACCOUNT_RATE_LIMITS["request_login_code"] is 3 a minute per address: two asked here and
    two in another process are four, and the fourth is refused – with a limit per process it went
    through. The same for ours: booking requests are 10 an hour, 9 here and 2 there."""
    user = UserFactory()
    for n in range(2):
        response = Client(REMOTE_ADDR=f"10.0.0.{n}").post(reverse("account_request_login_code"), {"email": user.email})
        assert response.status_code == 302
    assert settings.STAGESLOT_RATE_LIMITS["booking_request"] == "10/h"
    assert [rate_limit_take(action="booking_request", who=user.pk) for _ in range(9)] == [0] * 9
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "stageslot.settings.test"}
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run(  # noqa: S603 – our own interpreter and script
        [sys.executable, "-c", _OTHER_PROCESS, user.email, str(user.pk)],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers == {"codes": [[302, False], [200, True]], "refused": [False, True]}, done.stderr[-2000:]


def test_simple_pages_never_touch_the_limits_store(client):
    """The home page, the band search (its filter lists) and a band's widget (drawn once, then kept):
    none of them reads or writes the limits' table."""
    band, _leader = band_with_leader()
    pages = ["/", reverse("bands:search"), reverse("embeds:band", args=[band.slug])]
    for path in pages * 2:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, path
        touched = [q["sql"] for q in queries.captured_queries if settings.LIMITS_CACHE_TABLE in q["sql"]]
        assert not touched, (path, touched)
