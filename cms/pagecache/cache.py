"""The content version that every cached page and part is stored with (see models.py).

The version lives in the database, so an invalidation cannot be lost: a change made while the
cache is unreachable is committed with its new version, and whatever the cache still holds
(even a Redis restarted from an old dump) was stored with an older one, which no request takes.
The cache keeps a copy of the version for MIRROR_SECONDS, so that a cached page costs no query;
a copy that could not be dropped after a change (the cache was unreachable) is out of date for
at most that long. Each page and part has one entry, replaced when it is made again under a new
version, so the cache holds at most one copy of each, whatever the number of changes.
"""

import logging
import threading
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, transaction

from .models import ContentVersion

logger = logging.getLogger(__name__)

CACHE_ALIAS = "pages"
MIRROR_KEY = "content-version"
MIRROR_SECONDS = 1


class VersionRead(threading.local):
    """The version read for the request being handled (kept from request_started to
    request_finished; outside a request, as in a management command, it is read every time),
    and the one this process last read from the database: used, with a warning, while the
    database does not answer, so that cached pages are still served."""

    in_request = False
    for_this_request = None
    from_database = None


version_read = VersionRead()


def page_cache():
    return caches[CACHE_ALIAS]


def version_from_database():
    try:
        token = ContentVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    except DatabaseError:
        if version_read.from_database is None:
            raise
        logger.warning("Database unreachable: cached pages kept under the last version read")
        return version_read.from_database
    version_read.from_database = token.hex if token else "initial"
    page_cache().set(MIRROR_KEY, version_read.from_database, MIRROR_SECONDS)
    return version_read.from_database


def content_version(mirrored=None):
    """The current version, read once per request; mirrored is the cache's copy when the
    caller has just read it."""
    if version_read.for_this_request is not None:
        return version_read.for_this_request
    version = mirrored or page_cache().get(MIRROR_KEY) or version_from_database()
    if version_read.in_request:
        version_read.for_this_request = version
    return version


def request_started(**kwargs):
    version_read.in_request, version_read.for_this_request = True, None


def request_finished(**kwargs):
    version_read.in_request, version_read.for_this_request = False, None


def content_changed():
    """Record a change to what public pages show, in the current transaction: once it commits,
    every cached page and part is out of date in every instance."""
    if not ContentVersion.objects.filter(pk=1).update(token=uuid.uuid4()):
        ContentVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4()})
    version_read.for_this_request = None
    transaction.on_commit(lambda: page_cache().delete(MIRROR_KEY))


def cached_part(name, compute):
    """compute()'s value, shared by every instance until content changes, and for no more than
    PAGE_CACHE_SECONDS (which bounds how long an edit made outside the admin stays unseen)."""
    if not settings.PAGE_CACHE_SECONDS:
        return compute()
    version = content_version()
    key = f"part:{name}"
    stored = page_cache().get(key)
    if stored is not None and stored[0] == version:
        return stored[1]
    value = compute()
    page_cache().set(key, (version, value), settings.PAGE_CACHE_SECONDS)
    return value
