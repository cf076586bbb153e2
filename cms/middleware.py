"""The site's own middleware: which Content Security Policy a response gets, the
Permissions-Policy header that Django does not set by itself, and Django's locale redirects
kept away from the API."""

from csp.constants import HEADER, SELF
from csp.decorators import csp_update
from csp.middleware import CSPMiddleware
from csp.utils import default_config
from django.conf import settings
from django.middleware import locale
from django.urls import reverse


def allow_captcha(response):
    """Widens one response's policy to the captcha's hosts; form pages call it on their own
    responses so that every other page keeps a policy with nothing from another site. Through
    django-csp's own `csp_update`, made for views, since a Wagtail page's response is made in
    its `serve` method."""
    return csp_update(settings.CAPTCHA_CONTENT_SECURITY_POLICY)(lambda: response)()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy for public pages, the admin's own policy under the admin, and a
    sandbox for uploaded documents."""

    def process_response(self, request, response):
        if _url_name(request) == "wagtaildocs_serve":
            response[HEADER] = settings.DOCUMENT_CONTENT_SECURITY_POLICY
        return super().process_response(request, response)

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and _is_admin(request):
            parts.config = default_config(settings.ADMIN_CONTENT_SECURITY_POLICY)
            # Wagtail's preview opts into same-origin framing; the policy follows its choice.
            if response.get("X-Frame-Options") == "SAMEORIGIN":
                parts.replace = {"frame-ancestors": [SELF]}
        return parts


def permissions_policy_middleware(get_response):
    def middleware(request):
        response = get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's, except under /api/: an API client asked for an exact address, so a missing
    item stays a JSON 404 instead of a redirect to a language-prefixed HTML page."""

    def process_response(self, request, response):
        if request.path_info.startswith("/api/"):
            return response
        return super().process_response(request, response)


def _is_admin(request):
    return request.path_info.startswith(reverse("wagtailadmin_home"))


def _url_name(request):
    match = getattr(request, "resolver_match", None)
    return match.url_name if match else None
