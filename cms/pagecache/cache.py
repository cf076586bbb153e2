"""The shared store behind the page cache: one generation token for all cached pages.

Every cached page is stored with the token that was current when its rendering started, and
is served only while that token is still current. Replacing the token therefore invalidates
every cached page at once, in every app instance sharing the cache, and a page rendered from
content that changed while it was being rendered is never served.
"""

import uuid

from django.core.cache import cache

GENERATION_KEY = "pagecache:generation"


def page_key(language, address_digest):
    return f"pagecache:page:{language}:{address_digest}"


def lookup(key):
    """Return the current generation token and the page stored under key, if still valid."""
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        # Another instance may have added its token first; theirs is the one to use.
        return cache.get(GENERATION_KEY), None
    entry = found.get(key)
    if entry is None or entry[0] != generation:
        return generation, None
    return generation, entry[1:]


def store(key, generation, entry, timeout):
    cache.set(key, (generation, *entry), timeout=timeout)


def invalidate_all_pages():
    """Stop serving every cached page; call after anything a public page shows has changed."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def remember(name, compute):
    """compute()'s value, worked out once per content change and shared by every instance.

    For what many pages show but few pages change, like the site menu. Kept under the same
    token as cached pages, so whatever clears them clears this too.
    """
    generation, entry = lookup(f"pagecache:part:{name}")
    if entry is not None:
        return entry[0]
    value = compute()
    store(f"pagecache:part:{name}", generation, (value,), timeout=None)
    return value
