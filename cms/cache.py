"""Django's Redis cache made to fail soft (while Redis cannot be reached, reads miss and writes
are dropped, so the site serves everything from the database instead of failing), to reuse
its clients, and to tell every process sharing it when what they keep from it may be out of
date (`announce_change()` and `changes_announced()`)."""

import logging
import os
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# After a failure, Redis is left alone for this long, so that a dead or hung Redis costs one
# timeout now and then rather than one on every cache call.
RETRY_AFTER_SECONDS = 5
SUBSCRIBE_TIMEOUT_SECONDS = 1
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
        self._subscription = None
        self._subscriber_pid = None
        self._subscribe_after = 0.0
        self._resubscribed = False

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
        cleared = self._attempt(super().clear, False)
        self.announce_change()
        return cleared

    @property
    def _change_channel(self):
        # Channels belong to the whole Redis server, not to one of its databases.
        database = self._cache.get_client(write=True).connection_pool.connection_kwargs.get("db", 0)
        return f"{self.make_key('changes')}:db{database}"

    def announce_change(self):
        """Tell every process that asks changes_announced() that something changed."""
        client = self._cache.get_client(write=True)
        self._attempt(client.publish, 0, self._change_channel, b"")

    def changes_announced(self):
        """Whether announce_change() may have been called, here or in any process sharing this
        Redis, since this process last asked: True the first time, after an announcement, and
        whenever the subscription that hears them is not working; otherwise False."""
        if self._subscriber_pid != os.getpid():
            # A forked process (gunicorn's workers) needs a connection of its own.
            self._subscriber_pid = os.getpid()
            self._subscription = None
        if self._subscription is None:
            now = time.monotonic()
            if now >= max(self._unreachable_until, self._subscribe_after):
                try:
                    self._subscription = self._subscribe_to_changes()
                except redis.exceptions.RedisError as error:
                    # Unreachable, or refused (a Redis whose access rules forbid SUBSCRIBE):
                    # the cache still works, asking Redis for the token every time.
                    self._subscribe_after = now + RETRY_AFTER_SECONDS
                    logger.warning("No subscription to cache changes (%s)", type(error).__name__)
            return True
        try:
            announced = False
            while (message := self._subscription.get_message(timeout=0)) is not None:
                announced = announced or message["type"] == "message"
        except UNREACHABLE:
            # Subscribed again on the next call; if Redis itself is gone, that attempt finds
            # out and leaves it alone for a while.
            self._subscription.close()
            self._subscription = None
            return True
        # Reading may have reconnected.
        announced, self._resubscribed = announced or self._resubscribed, False
        return announced

    def _subscribe_to_changes(self):
        subscription = self._cache.get_client(write=True).pubsub()
        try:
            subscription.subscribe(self._change_channel)
            # Only once Redis has confirmed is every later announcement sure to arrive.
            if subscription.get_message(timeout=SUBSCRIBE_TIMEOUT_SECONDS) is None:
                raise redis.exceptions.TimeoutError("no confirmation of the subscription")
        except redis.exceptions.RedisError:
            subscription.close()
            raise
        # redis-py reconnects a lost subscription by itself, and what was announced meanwhile
        # never arrives.
        self._resubscribed = False
        subscription.connection.register_connect_callback(self._subscription_reconnected)
        return subscription

    def _subscription_reconnected(self, connection):
        self._resubscribed = True
