"""Clearing the Redis cache empties the cache, not the Redis database it shares with the Celery broker."""

import uuid

import pytest
import redis
from django.core.cache import cache

from core.caching.cache import glob_escape


@pytest.mark.services
def test_clearing_the_cache_keeps_the_brokers_queue_and_other_caches_keys(settings):
    client = redis.Redis.from_url(settings.REDIS_URL)
    tag = uuid.uuid4().hex[:8]
    queue, other = f"test-queue-{tag}", f"other-{tag}:1:rate"
    client.lpush(queue, "a task nobody may lose")
    client.set(other, "7")
    try:
        cache.set("rate", 3)
        cache.set_many({f"key-{i}": i for i in range(1500)})  # more than one batch of deletes
        cache.clear()
        assert cache.get("rate") is None and cache.get("key-1499") is None
        assert client.llen(queue) == 1 and client.get(other) == b"7"
    finally:
        client.delete(queue, other)


def test_a_prefix_is_matched_as_itself():
    assert glob_escape("stageslot") == "stageslot"
    assert glob_escape("a*b?c[d]e\\f") == "a\\*b\\?c\\[d\\]e\\\\f"
