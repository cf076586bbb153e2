"""Django's Redis cache made to fail soft (while Redis cannot be reached, reads miss and writes
are dropped, so the site serves everything from the database instead of failing) and to reuse
its clients."""

import logging
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# After a failure, Redis is left alone for this long, so that a dead or hung Redis costs one
# timeout now and then rather than one on every cache call.
RETRY_AFTER_SECONDS = 5
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis-py client for every cache call, which costs about as much as
    answering a cached page; one client per connection pool serves every call just as well
    (redis-py clients are thread-safe and take their connections from the pool)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            pool = self._get_connection_pool(write)
            self._clients[index] = self._client(connection_pool=pool)
        return self._clients[index]


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._unreachable_until = 0.0

    def _attempt(self, operation, fallback, *args):
        if time.monotonic() < self._unreachable_until:
            return fallback
        try:
            return operation(*args)
        except UNREACHABLE as error:
            self._unreachable_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "Redis unreachable (%s); serving without the cache for %s s",
                type(error).__name__,
                RETRY_AFTER_SECONDS,
            )
            return fallback

    def get(self, key, default=None, version=None):
        return self._attempt(super().get, default, key, default, version)

    def get_many(self, keys, version=None):
        return self._attempt(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._attempt(super().has_key, False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(super().add, True, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(super().set, None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(super().set_many, [], data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._attempt(super().delete, False, key, version)

    def delete_many(self, keys, version=None):
        return self._attempt(super().delete_many, None, keys, version)

    def incr(self, key, delta=1, version=None):
        # As if the counter had just been created: a rate limit starts again, nothing crashes.
        return self._attempt(super().incr, delta, key, delta, version)

    def clear(self):
        return self._attempt(super().clear, False)
