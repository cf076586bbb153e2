"""Queries and CPU time per uncached page or API answer, in one process (run by bench/run.py).

The request goes straight into Django's WSGI handler, as gunicorn hands it over, so the CPU
time is the site's own work per request, without a network or a test client around it. Queries
are counted warm (what the site keeps between requests is kept) and cold (right after a page
is published, when it is not). Prints JSON:
{path: {"queries": n, "cold_queries": n, "cpu_ms": x, "bytes": n}}.
"""

import io
import json
import os
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_without_page_cache"
django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from wagtail.models import Page  # noqa: E402
from wagtail.signals import page_published  # noqa: E402

WARM_UP_RENDERS = 10


def environ_for(address):
    path, _, query = address.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        # As the TLS-terminating proxy in front says.
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }


def render(handler, path):
    statuses = []
    body = b"".join(handler(environ_for(path), lambda status, headers: statuses.append(status)))
    if not statuses[0].startswith("200"):
        raise SystemExit(f"{path} answered {statuses[0]}")
    return body


def queries_for(handler, path):
    queries = []
    # Counted at the driver, since every request start empties Django's own query log.
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        body = render(handler, path)
    return len(queries), body


def measure(handler, path, renders):
    for _ in range(WARM_UP_RENDERS):
        render(handler, path)
    # As when an organiser publishes: everything kept for the pages is out of date.
    root = Page.objects.filter(depth=2).first().specific
    page_published.send(sender=type(root), instance=root, revision=None)
    cold_queries, _ = queries_for(handler, path)
    queries, body = queries_for(handler, path)
    started = time.process_time()
    for _ in range(renders):
        render(handler, path)
    cpu_seconds = (time.process_time() - started) / renders
    return {
        "queries": queries,
        "cold_queries": cold_queries,
        "cpu_ms": cpu_seconds * 1000,
        "bytes": len(body),
    }


if __name__ == "__main__":
    renders = int(sys.argv[1])
    handler = WSGIHandler()
    print(json.dumps({path: measure(handler, path, renders) for path in sys.argv[2:]}))
