"""A database that stops answering is given up on within seconds.

PostgreSQL's statement_timeout (see settings) ends a statement the server is still working on,
lock waits included. A server that answers nothing at all (frozen, out of memory, behind a
proxy or network that stopped forwarding) never sends that error either, and psycopg waits for
an answer without limit: a worker so stuck holds up every visitor queued behind it, cached
pages included, until gunicorn kills it 30 s later. So while a request is answered, its
connection is watched from a thread of its own, and one left waiting for a single answer past
its deadline is shut down: the statement fails at once and the visitor gets the 503 page.
psycopg has no client-side timeout for a statement, and TCP keepalives do not help: a frozen
server's system still acknowledges every packet.

A statement's deadline has to leave room for slow work, but a server that answers nothing
should be found out sooner than that: once a request has waited a moment for one answer, the
database is asked, on a connection of its own, for the simplest thing there is (the health
probe). If that gets no answer within a second either, the database is taken to be down, and
every request waiting on it is let go at once.
"""

import os
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as ProbeTimeout
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpResponse
from django.template import loader
from psycopg.pq import TransactionStatus

POLL_SECONDS = 0.1
# How long a request waits for one answer before the watchdog asks the database, with the
# probe, whether it answers at all: longer than almost every statement a page runs.
SUSPICION_SECONDS = 0.3
# Before the first statement of its own, all a request asks of the server is to set up the
# connection or, for a kept one, Django's check that it still works: a second is plenty.
FIRST_ANSWER = 1
RETRY_AFTER_SECONDS = 30
# The probe's one statement reads one row: a second is plenty.
PROBE_DEADLINE_SECONDS = 1


@dataclass
class Watch:
    seconds: float
    probes_when_kept_waiting: bool
    statements: int = 0  # counted as they start, so each wait is timed on its own
    waiting_since: float | None = None
    statement_waited_for: int = -1
    probe: "Probe | None" = None  # asked during the current wait


class Watchdog:
    """Shuts down a watched connection that has waited `seconds` for one answer. It judges
    by polling, so it gives up between `seconds` and `seconds` + POLL_SECONDS."""

    def __init__(self):
        self.lock = threading.Lock()
        self.watches = {}
        self.thread_pid = None

    @contextmanager
    def watching(self, database, seconds, probes_when_kept_waiting=True):
        """Watch a Django database connection (`connections[alias]`) for the block's length."""
        watch = Watch(seconds, probes_when_kept_waiting)
        with self.lock:
            self.watches[database] = watch
            if self.thread_pid != os.getpid():
                # First use in this process (each gunicorn worker is a fork without threads).
                self.thread_pid = os.getpid()
                threading.Thread(target=self.run, name="database-watchdog", daemon=True).start()

        def count_statement(execute, sql, params, many, context):
            watch.statements += 1
            return execute(sql, params, many, context)

        try:
            with database.execute_wrapper(count_statement):
                yield
        finally:
            with self.lock:
                self.watches.pop(database, None)

    def run(self):
        while True:
            time.sleep(POLL_SECONDS)
            now = time.monotonic()
            with self.lock:
                for database, watch in self.watches.items():
                    self.check(database.connection, watch, now)

    @staticmethod
    def check(connection, watch, now):
        if not is_waiting_for_server(connection):
            watch.waiting_since = None
        elif watch.waiting_since is None or watch.statement_waited_for != watch.statements:
            # Seen waiting for the first time, or for a statement started since the last look.
            watch.waiting_since, watch.statement_waited_for = now, watch.statements
            watch.probe = None
        else:
            waited = now - watch.waiting_since
            if watch.probes_when_kept_waiting and waited >= SUSPICION_SECONDS:
                watch.probe = watch.probe or database_health.probe()
                if watch.probe.has_failed_within(PROBE_DEADLINE_SECONDS):
                    database_health.failed()
            if waited >= (watch.seconds if watch.statements else FIRST_ANSWER) or (
                watch.probes_when_kept_waiting and database_health.is_down
            ):
                shut_down(connection)
                watch.waiting_since = None
                database_health.failed()


def is_waiting_for_server(connection):
    """Whether a psycopg connection has sent something and awaits the answer."""
    try:
        return (
            isinstance(connection, psycopg.Connection)
            and not connection.closed
            and connection.pgconn.transaction_status == TransactionStatus.ACTIVE
        )
    except psycopg.Error:  # closed by its own thread meanwhile
        return False


def shut_down(connection):
    """Ends the connection's socket under it: its thread's wait returns with an error at once.
    The descriptor stays libpq's to close; only a duplicate is closed here."""
    try:
        descriptor = os.dup(connection.pgconn.socket)
    except (psycopg.Error, OSError):
        return
    with socket.socket(fileno=descriptor) as duplicate:
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


watchdog = Watchdog()


def statement_deadline():
    """How long a request waits for one answer: a second more than the server's own limit,
    so that a server that is merely slow ends the statement itself, cleanly."""
    return settings.DATABASE_STATEMENT_TIMEOUT + 1


class Probe:
    """One question to the database: `future` ends when it has answered or failed."""

    def __init__(self, future: Future):
        self.future = future
        self.started = time.monotonic()

    def has_failed_within(self, seconds):
        """Whether the database failed to answer, or gave no answer in `seconds`. Never waits."""
        if self.future.done():
            return self.future.exception() is not None
        return time.monotonic() - self.started >= seconds

    def answers_within(self, seconds):
        """Whether the database answers in `seconds` from when it was asked; waits until then."""
        try:
            self.future.result(timeout=max(0.0, self.started + seconds - time.monotonic()))
        except (DatabaseError, ProbeTimeout):
            return False
        return True


class DatabaseHealth:
    """Whether the database answers, as this process last found out, and a probe that finds
    out again: it reads the table every page is found through, in a thread and a connection of
    its own, so that nobody waits on it longer than they choose (connecting alone may take
    DATABASE_CONNECT_TIMEOUT, at least 2 s). While one probe is running, everyone waits on
    that one rather than starting another."""

    def __init__(self):
        self.lock = threading.Lock()
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="database-probe")
        self.running = None
        self.is_down = False
        self.probing = threading.local()

    def failed(self):
        self.is_down = True

    def refuses_connections(self):
        """Whether a new connection is refused without trying: while the database is down,
        for everyone but the probe."""
        return self.is_down and not getattr(self.probing, "active", False)

    def probe(self):
        with self.lock:
            if self.running is None or self.running.future.done():
                self.running = Probe(self.thread.submit(self.read))
            return self.running

    def answers_within(self, seconds):
        """Whether the database answers within `seconds` of being asked: a probe already
        running was asked earlier, so an answer it has not had in time is known at once."""
        if self.probe().answers_within(seconds):
            return True
        self.is_down = True
        return False

    def read(self):
        from wagtail.models import Site

        database = connections[DEFAULT_DB_ALIAS]
        self.probing.active = True
        try:
            # The watchdog frees this thread from a server that never answers.
            with watchdog.watching(
                database, PROBE_DEADLINE_SECONDS, probes_when_kept_waiting=False
            ):
                Site.objects.exists()
        except DatabaseError:
            self.is_down = True
            raise
        finally:
            self.probing.active = False
            database.close()
        self.is_down = False


database_health = DatabaseHealth()


class DatabaseDeadlineMiddleware:
    """Gives up on a database that stops answering (see the module's text), and once it has,
    answers 503 at once, without trying it, until a probe finds it answering again: a worker
    kept waiting would hold up every visitor queued behind it, cached pages included. Placed
    before the page cache, which reads the content version from the database once a second;
    the 503 comes only when a view is about to run, so a cached page is still answered."""

    def __init__(self, get_response):
        if (
            connections[DEFAULT_DB_ALIAS].vendor != "postgresql"
            or not settings.DATABASE_STATEMENT_TIMEOUT
        ):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        with watchdog.watching(connections[DEFAULT_DB_ALIAS], statement_deadline()):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The health check asks the database itself, and so finds it back at once.
        if database_health.is_down and request.resolver_match.url_name != "health":
            database_health.probe()  # so that a later request finds the database back
            return database_unavailable()
        return None


def database_unavailable():
    """The 503 page: it renders without a request context, so it needs neither the database
    nor the session."""
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
