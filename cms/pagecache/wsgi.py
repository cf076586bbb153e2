from http import HTTPStatus

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest

from . import cache
from .middleware import CACHE_STATUS_HEADER, page_cache_key


class KeptPageApplication:
    """Answers a cached page this process holds, and knows to be current, before Django's
    request handling starts: for the crowd reading the same few pages, most of the cost of a
    hit was Django's handling around it. Everything else goes to Django, where the page cache
    middleware looks in the shared cache and stores what it renders."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if settings.PAGE_CACHE_SECONDS and environ["REQUEST_METHOD"] == "GET":
            # A copy: Django decodes the path in the environ it is given, and would do so
            # twice if this request went on to Django.
            key = page_cache_key(WSGIRequest({**environ}))
            entry = cache.kept_copy(key) if key else None
            if entry is not None:
                status, headers, content = entry
                start_response(
                    f"{status} {HTTPStatus(status).phrase}",
                    [*headers.items(), (CACHE_STATUS_HEADER, "hit")],
                )
                return [content]
        return self.application(environ, start_response)
