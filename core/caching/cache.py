"""The Redis cache, failing open: when Redis cannot be reached, reads miss and writes are dropped,
with a warning in the log, instead of a 500.

What the site keeps in the cache are rate-limit counts (allauth's login and password-reset limits,
accounts.ratelimit's) and nothing that must not be lost: while Redis is down logins and password
resets keep working, unthrottled, and the log says so on every request that touches the cache.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _fail_open(name: str, fallback: Callable[..., Any]) -> Callable[..., Any]:
    method = getattr(RedisCache, name)

    @wraps(method)
    def wrapped(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError):
            logger.warning("Cache unreachable (%s); carrying on without it", name, exc_info=True)
            return fallback(*args, **kwargs)

    return wrapped


class FailOpenRedisCache(RedisCache):
    """RedisCache whose every call answers as if the key were missing when Redis is down. `add`
    answers True so a lock taken through the cache (allauth's) does not wait for a second."""

    get = _fail_open("get", lambda key, default=None, version=None: default)
    get_many = _fail_open("get_many", lambda keys, version=None: {})
    has_key = _fail_open("has_key", lambda key, version=None: False)
    add = _fail_open("add", lambda *args, **kwargs: True)
    set = _fail_open("set", lambda *args, **kwargs: None)
    set_many = _fail_open("set_many", lambda *args, **kwargs: [])
    touch = _fail_open("touch", lambda *args, **kwargs: False)
    delete = _fail_open("delete", lambda *args, **kwargs: False)
    delete_many = _fail_open("delete_many", lambda *args, **kwargs: None)
    incr = _fail_open("incr", lambda key, delta=1, version=None: delta)
    decr = _fail_open("decr", lambda key, delta=1, version=None: -delta)

    def clear(self) -> None:
        """Delete this cache's keys, and only these: the Celery broker (and, in tests, every other test
        process's cache) share the Redis database, and RedisCache.clear() would empty all of it (FLUSHDB),
        queued tasks included. The cache's keys are `<prefix>:<version>:<key>` (Django's key function), so
        with no prefix too they are told from the broker's by their first colon."""
        try:
            client = self._cache.get_client(write=True)
            pattern = f"{glob_escape(self.key_prefix)}:*"
            batch = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    client.delete(*batch)
                    batch = []
            if batch:
                client.delete(*batch)
        except (RedisError, OSError):
            logger.warning("Cache unreachable (clear); carrying on without it", exc_info=True)


def glob_escape(text: str) -> str:
    """`text` matched as itself in a Redis SCAN pattern (*, ?, [ and \\ escaped)."""
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)
