"""The yardstick: the least a WSGI app can do, answering each path with bytes it already holds.

bench/run.py serves the site's own pages through it, under the same gunicorn settings as the
site, so the difference is what the site itself costs.
"""

import json
import os
from pathlib import Path

PAGES = {
    path: Path(file).read_bytes()
    for path, file in json.loads(os.environ["BENCH_PAGES_JSON"]).items()
}


def application(environ, start_response):
    body = PAGES.get(environ["PATH_INFO"])
    if body is None:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
