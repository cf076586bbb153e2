"""Gunicorn's settings for `make serve`, the benchmark and production.

GUNICORN_CMD_ARGS overrides any of them, for example "--bind 0.0.0.0:8000 --workers 4".
"""

import os

# Loopback: on a server a reverse proxy (docs/nginx.conf) is the one facing the internet.
bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# Sync workers, one per core: an uncached page takes a few milliseconds of CPU and a cached
# one far less, so more workers would only add database connections (workers x instances
# must stay under PostgreSQL's max_connections).
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
# Load the site once and fork: workers share its memory and start at once.
preload_app = True
# Replace workers now and then, so that a slow leak cannot grow for ever: every 100,000
# requests, a few hours at a busy day's pace (a worker answers thousands of cached pages a
# second, so a lower count would restart workers in the middle of a crowd).
max_requests = 100_000
max_requests_jitter = 10_000
# Gunicorn's control socket sits at one path per user, which several instances on one machine
# (the benchmark runs four) would fight over; nothing here uses it.
control_socket_disable = True
