"""The site's public address where the site names itself outside a page it is serving: links in
emails, and the Wagtail Site, from which canonical, share, feed and sitemap links are built."""

from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

# Without SITE_URL (in development): the address the request being answered came in on.
request_address = ContextVar("request_address", default=None)


def absolute_url(path):
    """The full address of a path on this site, for a link that leaves it, as in an email."""
    return site_address() + path


def site_address():
    """SITE_URL; without it, the address of the request being answered, else the default
    Wagtail Site's (an email sent from a command, in development)."""
    if settings.SITE_URL:
        return settings.SITE_URL
    address = request_address.get()
    if address is None:
        from wagtail.models import Site

        site = Site.objects.filter(is_default_site=True).first()
        address = site.root_url if site else "http://localhost"
    return address


def site_host_and_port():
    """The Wagtail Site's hostname and port for SITE_URL (localhost:80 without one)."""
    if not settings.SITE_URL:
        return "localhost", 80
    address = urlsplit(settings.SITE_URL)
    return address.hostname, address.port or (443 if address.scheme == "https" else 80)


def keep_default_site_in_step(verbosity=1, stdout=None, using=None, **kwargs):
    """After `migrate`: the default Wagtail Site's hostname and port are SITE_URL's. Saved
    through the model, so that everything kept about the site is cleared."""
    from wagtail.models import Site

    if not settings.SITE_URL:
        return
    hostname, port = site_host_and_port()
    site = Site.objects.using(using).filter(is_default_site=True).first()
    if site is None or (site.hostname, site.port) == (hostname, port):
        return
    site.hostname, site.port = hostname, port
    site.save(update_fields=["hostname", "port"])
    if verbosity and stdout:
        stdout.write(f"The default site's address is now {site.root_url} (SITE_URL).\n")


class RequestAddressMiddleware:
    """Without SITE_URL, as in development, links in emails sent while answering a request use
    the address that request came in on, port included, so they work on any port. With
    SITE_URL set, Django leaves this middleware out at startup."""

    def __init__(self, get_response):
        if settings.SITE_URL:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        token = request_address.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            request_address.reset(token)
