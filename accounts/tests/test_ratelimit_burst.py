"""Per-person limits count first, atomically: a parallel burst gets exactly the limit through, in
the database (the embedded default) and in Redis (production)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import Client, override_settings

from accounts.models import RateCount
from accounts.ratelimit import (
    rate_counts_prune,
    rate_limit_left,
    rate_limit_return,
    rate_limit_take,
    rate_limit_take_many,
    rate_limit_wait,
)

LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "message": "10/h"}


@pytest.fixture(params=["database", "cache"])
def store(request, settings):
    settings.STAGESLOT_RATE_LIMIT_STORE = request.param
    settings.STAGESLOT_RATE_LIMITS = LIMITS
    cache.clear()
    return request.param


@pytest.mark.django_db
def test_takes_stop_at_the_limit_and_a_return_gives_a_place_back(store):
    taken = [rate_limit_take(action="message", who=1) for _ in range(12)]
    assert taken[:10] == [0] * 10
    assert all(0 < wait <= 3600 for wait in taken[10:])
    assert rate_limit_left(action="message", who=1) == 0
    assert rate_limit_wait(action="message", who=1) > 0
    rate_limit_return(action="message", who=1)
    assert rate_limit_left(action="message", who=1) == 1
    assert rate_limit_take(action="message", who=1) == 0
    # Someone else's count is their own.
    assert rate_limit_take(action="message", who=2) == 0


@pytest.mark.django_db
def test_taking_many_takes_what_is_left(store):
    assert rate_limit_take_many(action="message", who=3, wanted=4) == 4
    assert rate_limit_take_many(action="message", who=3, wanted=9) == 6
    assert rate_limit_take_many(action="message", who=3, wanted=1) == 0
    rate_limit_return(action="message", who=3, count=2)
    assert rate_limit_left(action="message", who=3) == 2


@pytest.mark.django_db
def test_ended_windows_are_pruned(settings):
    settings.STAGESLOT_RATE_LIMIT_STORE = "database"
    rate_limit_take(action="message", who=4)
    assert RateCount.objects.count() == 1
    from django.utils import timezone

    assert rate_counts_prune(now=timezone.now()) == 0
    assert rate_counts_prune(now=timezone.now() + timezone.timedelta(hours=2)) == 1


def _burst(n: int, work) -> list:
    gate = threading.Barrier(n)

    def one(i: int):
        try:
            gate.wait(timeout=30)
            return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", [15, 60])
def test_a_parallel_burst_in_the_database_gets_exactly_the_limit(settings, n):
    settings.STAGESLOT_RATE_LIMIT_STORE = "database"
    settings.STAGESLOT_RATE_LIMITS = LIMITS
    results = _burst(n, lambda _i: rate_limit_take(action="message", who=42))
    assert results.count(0) == 10
    assert RateCount.objects.get().count == 10


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("n", [15, 60])
def test_a_parallel_burst_in_redis_gets_exactly_the_limit(settings, n):
    settings.STAGESLOT_RATE_LIMIT_STORE = "cache"
    settings.STAGESLOT_RATE_LIMITS = LIMITS
    cache.clear()
    results = _burst(n, lambda _i: rate_limit_take(action="message", who=43))
    assert results.count(0) == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_messages_over_http_gets_exactly_the_limit_and_429s_with_retry_after(settings):
    from bookings.tests.test_threads import make_world, url

    settings.STAGESLOT_RATE_LIMIT_STORE = "cache" if settings.REDIS_URL else "database"
    settings.STAGESLOT_RATE_LIMITS = LIMITS
    cache.clear()
    world = make_world()

    def send(i: int):
        client = Client()
        client.force_login(world.leader)
        response = client.post(url("message_post", world.application), {"body": f"Hello {i}", "after": "0"})
        return response.status_code, response.headers.get("Retry-After")

    with override_settings(STAGESLOT_RATE_LIMITS=LIMITS):
        results = _burst(20, send)
    statuses = [status for status, _ in results]
    assert statuses.count(429) == 10, statuses
    assert all(retry and int(retry) > 0 for status, retry in results if status == 429)
    assert world.application.messages.count() == 10
