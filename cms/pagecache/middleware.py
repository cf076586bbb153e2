"""Whole pages for anonymous visitors, kept in the "pages" cache under the content version, and
marked for the proxy or CDN in front (`Cache-Control: public, s-maxage`), which Wagtail's
frontend cache purges on the same events (signals.py).

Placed right after Django's SecurityMiddleware: a hit has been through its redirect to https
and gets its headers, and the key is made with `request.get_host()`, which refuses a host
outside ALLOWED_HOSTS. Only Wagtail page responses that are the same for every anonymous
visitor are stored: never for a visitor who carries a session or a flash message, never a
preview, never a response that sets a cookie (a form's CSRF token) or says it is private.
"""

import hashlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language_from_path

from .cache import MIRROR_KEY, content_version, page_cache

# The one query parameter that changes what a page shows (the update list's page number; the
# page answers 404 outside its real range, so the values are as many as the pages).
KEYED_QUERY_PARAMETER = "page"
# Link tracking that social networks and newsletters append; pages ignore it, so it must not
# split the cache (every click from some networks carries its own value).
IGNORED_QUERY_PARAMETERS = {"fbclid", "gclid", "mc_cid", "mc_eid"}

# "hit" or "miss", for tests and the benchmark; the proxy in front (docs/nginx.conf) hides it.
CACHE_STATUS_HEADER = "X-Page-Cache"


def mark_as_page(request):
    """Called as Wagtail serves a page: only page responses may be stored."""
    request.is_wagtail_page = True


def page_cache_key(request):
    """The key for this request, or None when it must not be answered from the cache."""
    if request.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in request.META:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or CookieStorage.cookie_name in (
        request.COOKIES
    ):
        return None
    if not get_language_from_path(request.path_info):
        return None
    page_number = ""
    for name, values in request.GET.lists():
        if name == KEYED_QUERY_PARAMETER and len(values) == 1:
            page_number = values[0]
        elif name not in IGNORED_QUERY_PARAMETERS and not name.startswith("utm_"):
            return None
    address = f"{request.scheme}://{request.get_host()}{request.path}?{page_number}"
    return "page:" + hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()


def is_same_for_every_visitor(request, response):
    user = getattr(request, "user", None)
    cache_control = response.get("Cache-Control", "")
    return (
        getattr(request, "is_wagtail_page", False)
        and not getattr(request, "is_preview", False)
        and request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (user and user.is_authenticated)
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = settings.PAGE_CACHE_SECONDS
        key = page_cache_key(request) if timeout else None
        if key is None:
            return self.get_response(request)

        # One round trip for the page and the version it must have been stored with.
        found = page_cache().get_many([MIRROR_KEY, key])
        version = content_version(mirrored=found.get(MIRROR_KEY))
        stored = found.get(key)
        if stored is not None and stored[0] == version:
            status, headers, content = stored[1]
            response = HttpResponse(content, status=status, headers=headers)
            response[CACHE_STATUS_HEADER] = "hit"
            return response

        response = self.get_response(request)
        if is_same_for_every_visitor(request, response):
            # Browsers ask again each time; a shared cache keeps the page for a short while,
            # and serves it a little longer while it fetches the new one.
            patch_cache_control(
                response,
                public=True,
                max_age=0,
                s_maxage=settings.PROXY_CACHE_SECONDS,
                stale_while_revalidate=settings.PROXY_CACHE_SECONDS,
            )
            entry = (response.status_code, dict(response.items()), response.content)
            page_cache().set(key, (version, entry), timeout)
            response[CACHE_STATUS_HEADER] = "miss"
        return response
