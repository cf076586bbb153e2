"""Whole-page cache for anonymous visitors, placed before sessions, CSRF and authentication.

A hit is answered from the shared cache without touching the database. Only Wagtail page
responses that are the same for every anonymous visitor are stored: never for a visitor who
carries a session or a flash message, never for a preview, and never a response that used the
CSRF token (a form) or set a cookie, since those belong to one visitor.
"""

import hashlib

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.utils.http import urlencode
from django.utils.translation import get_language_from_path
from wagtail.models import Site
from wagtail.views import serve as serve_wagtail_page

from . import cache

# Query parameters that change what a page shows (the update list's page number).
KEYED_QUERY_PARAMETERS = {"page"}
# Link tracking that social networks and newsletters append; pages ignore it, so it must not
# split the cache (every click from some networks carries its own value).
IGNORED_QUERY_PARAMETERS = {"fbclid", "gclid", "mc_cid", "mc_eid"}

CACHE_STATUS_HEADER = "X-Page-Cache"


def mark_as_page(request):
    """Called as Wagtail serves a page: only page responses may be stored."""
    request.is_wagtail_page = True


def page_cache_key(request):
    """The key for this request, or None when it must not be answered from the cache."""
    if request.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in request.META:
        return None
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None  # for the security middleware to redirect to https
    if settings.SESSION_COOKIE_NAME in request.COOKIES or CookieStorage.cookie_name in (
        request.COOKIES
    ):
        return None
    language = get_language_from_path(request.path_info)
    if not language:
        return None
    keyed = []
    for name in request.GET:
        if name in KEYED_QUERY_PARAMETERS:
            keyed += [(name, value) for value in request.GET.getlist(name)]
        elif name not in IGNORED_QUERY_PARAMETERS and not name.startswith("utm_"):
            return None
    address = f"{request.scheme}://{request.path}?{urlencode(sorted(keyed))}"
    digest = hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()
    return cache.page_key(language, digest)


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
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (user and user.is_authenticated)
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = settings.PAGE_CACHE_SECONDS
        key = page_cache_key(request) if timeout else None
        if key is None:
            return self.get_response(request)

        generation, entry = cache.lookup(key)
        if entry is not None:
            status, headers, content = entry
            response = HttpResponse(content, status=status, headers=headers)
            response[CACHE_STATUS_HEADER] = "hit"
            return response

        response = self.get_response(request)
        if is_same_for_every_visitor(request, response):
            entry = (response.status_code, dict(response.items()), response.content)
            cache.store(key, generation, entry, timeout)
            response[CACHE_STATUS_HEADER] = "miss"
        return response


def use_known_site(request):
    """Wagtail finds the request's site with a query on every request, though the answer changes
    only when a Site does, which clears the cache. The site is kept with the other parts and
    handed to Wagtail where its `Site.find_for_request()` keeps it, `request._wagtail_site`."""
    host = f"{request.get_host()}:{request.get_port()}"
    request._wagtail_site = cache.remember(f"site:{host}", lambda: Site.find_for_request(request))


class KnownSiteMiddleware:
    """The kept site for page views; the API's views ask for it themselves, and the others (the
    admin, /healthz) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is serve_wagtail_page:
            use_known_site(request)
