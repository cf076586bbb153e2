"""Requests through the WSGI application that gunicorn serves (cms.wsgi: Django's own, as
get_wsgi_application() makes it), not Django's test client."""

from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import RequestFactory


def served(path, method="GET", **headers):
    """(status code, headers, text) of a request for path, with headers as WSGI environ keys."""
    answer = {}

    def start_response(status, response_headers):
        answer.update(status=int(status.split()[0]), headers=dict(response_headers))

    # Made for each request, so that its middleware reads the test's settings.
    application = get_wsgi_application()
    environ = RequestFactory().generic(method, path, **headers).environ
    # As Django's test client does: the test's database connection must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        text = b"".join(response).decode(errors="replace")
        if hasattr(response, "close"):
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], text
