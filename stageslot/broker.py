"""The Redis broker transport, with one guard: a channel left over from a closed connection fails as a
lost connection (which Celery recovers from) instead of an AttributeError (which stops the worker).

How a worker stopped for good (kombu 5.7.0, celery 5.7.0, redis 8.1.0; kombu#970 and kombu#582 are
the same fault on older paths): Redis goes away while a task runs in a pool process and the worker
waits on a BRPOP for more. The loss shows first on another connection (remote control, gossip), so
Celery's `collect()` closes the task channel while its BRPOP is pending; draining that BRPOP fails
before the channel counts as closed, and `collect()` drops the transport's `client` anyway. Celery
then closes the connection again: the channel, still open, throws its connection pool away and
restores its unacknowledged task ("Restoring 1 unacknowledged message(s)"), which needs a new pool,
whose parameters `Channel._connparams` reads from `transport.client` – now None. The AttributeError
is no connection error, so `celery worker` logs "Unrecoverable error" and exits. The same happens
when the task finishes later and its acknowledgement reaches that channel.

Raised as redis' ConnectionError here, the restore and the acknowledgement fail like any other call
to a broker that is gone: the worker logs it and reconnects. The task's message went with Redis (or
Redis gives it out again after its visibility timeout); the notification outbox re-queues what was
not sent (docs/decisions/0015-mail-through-broker-outages.md).
"""

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("The broker connection of this channel was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
