"""Views of the site's own, outside the page tree: error pages and the health check."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.defaults import server_error as django_server_error

from .database import database_health, database_unavailable

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# The health check answers within this long whatever the database does: the proxy and the
# monitoring ask it to know, at once, whether the site can serve.
HEALTH_CHECK_SECONDS = 1


def server_error(request):
    """Django's 500 page, except when the database cannot be reached: then a 503 tells the
    visitor to try again shortly (and, after a form, that nothing was stored). It renders
    without a request context, so it needs neither the database nor the session."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        database_health.failed()
        return database_unavailable()
    return django_server_error(request)


@never_cache
def health(request):
    """For the proxy and the monitoring: 200 while the database answers, 503 when it does not
    answer within a second (HEALTH_CHECK_SECONDS)."""
    if not database_health.answers_within(HEALTH_CHECK_SECONDS):
        return database_unavailable()
    return HttpResponse("ok", content_type="text/plain")
