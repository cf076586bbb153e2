"""The shared store behind the page cache: one generation token for all cached pages.

Every cached page is stored with the token that was current when its rendering started, and
is served only while that token is still current. Replacing the token therefore invalidates
every cached page at once, in every app instance sharing the cache, and a page rendered from
content that changed while it was being rendered is never served.

Each process also keeps copies of the pages and parts it has served, and answers from them
while it knows the token is unchanged: with Redis it hears of every change through a
subscription (`GenerationWatch`), so a cached page costs no round trip to Redis at all.
"""

import threading
import time
import uuid

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache

GENERATION_KEY = "pagecache:generation"
# In the name of every stored page and part, and changed with the layout of what is stored, so
# that during a rolling deploy two versions of the code sharing one Redis never read each
# other's entries (neither could unpack them).
ENTRY_LAYOUT = "v2"
# Copies kept per process: a page is about 10 KB, so at most about 5 MB.
KEPT_COPIES_MAX = 500
# A subscription can be lost without a word (a connection dropped by a firewall); the token is
# read again at least this often, so that a missed change cannot be hidden for longer.
CONFIRM_EVERY_SECONDS = 1.0


def page_key(language, address_digest):
    return f"pagecache:{ENTRY_LAYOUT}:page:{language}:{address_digest}"


class GenerationWatch(threading.local):
    """The current generation token, known in this process without asking the shared cache.

    With Redis (cms/cache.py) it reads the token again only after an announced change, when
    it cannot hear announcements, and at least every CONFIRM_EVERY_SECONDS. With Django's
    local-memory cache, which lives in this process, it reads the token there. With any other
    cache it knows nothing and every lookup asks the cache.
    """

    def __init__(self):
        self._generation = None
        self._confirm_at = 0.0

    def current(self):
        """The current token, or None when it cannot be known without asking the cache."""
        backend = caches["default"]
        if isinstance(backend, LocMemCache):
            return backend.get(GENERATION_KEY)
        if not hasattr(backend, "changes_announced"):
            return None
        now = time.monotonic()
        if backend.changes_announced() or self._generation is None or now >= self._confirm_at:
            self._generation = backend.get(GENERATION_KEY)
            self._confirm_at = now + CONFIRM_EVERY_SECONDS
        return self._generation


class KeptCopies:
    """The pages and parts this process has served, with the token each was made under."""

    def __init__(self):
        self._lock = threading.Lock()
        self._copies = {}

    def get(self, key, generation):
        copy = self._copies.get(key)
        if copy is not None and copy[0] == generation and copy[1] > time.time():
            return copy[2]
        return None

    def keep(self, key, generation, expires_at, entry):
        with self._lock:
            if len(self._copies) >= KEPT_COPIES_MAX:
                self._copies.clear()
            self._copies[key] = (generation, expires_at, entry)


watch = GenerationWatch()
kept_copies = KeptCopies()


def kept_copy(key):
    """The entry stored under key when this process holds it and knows it is current."""
    generation = watch.current()
    return None if generation is None else kept_copies.get(key, generation)


def lookup(key):
    """Return the current generation token and the entry stored under key, if still valid."""
    generation = watch.current()
    if generation is not None:
        entry = kept_copies.get(key, generation)
        if entry is not None:
            return generation, entry
        stored = cache.get(key)
    else:
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        stored = found.get(key)
    if generation is None:
        if cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None):
            announce_change()
        # Another instance may have added its token first; theirs is the one to use.
        return cache.get(GENERATION_KEY), None
    if stored is None or stored[0] != generation:
        return generation, None
    stored_generation, expires_at, entry = stored
    kept_copies.keep(key, generation, expires_at, entry)
    return generation, entry


def store(key, generation, entry, timeout):
    expires_at = time.time() + timeout if timeout else float("inf")
    cache.set(key, (generation, expires_at, entry), timeout=timeout)
    kept_copies.keep(key, generation, expires_at, entry)


def announce_change():
    if hasattr(cache, "announce_change"):
        cache.announce_change()


def invalidate_all_pages():
    """Stop serving every cached page; call after anything a public page shows has changed."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    announce_change()


def remember(name, compute):
    """compute()'s value, worked out once per content change and shared by every instance.

    For what many pages show but few pages change, like the site menu. Kept under the same
    token as cached pages, so whatever clears them clears this too.
    """
    key = f"pagecache:{ENTRY_LAYOUT}:part:{name}"
    generation, entry = lookup(key)
    if entry is not None:
        return entry[0]
    value = compute()
    store(key, generation, (value,), timeout=None)
    return value
