"""The site while its database hangs: how many requests are answered, and how fast /healthz
says so.

Serves the site with gunicorn (gunicorn.conf.py, production settings) on a PostgreSQL database
reached through a relay on loopback, and keeps clients busy with a cached page and an uncached
one (the sign-up form, never cached), while a monitor asks /healthz twice a second, as a load
balancer would. Then, for HANG_SECONDS each:
  1. the relay stops forwarding, keeping every connection open and accepting new ones: the
     database hangs as a frozen server, or a proxy in front of it, does;
  2. another session holds ACCESS EXCLUSIVE locks on the tables every page and the health
     check read: PostgreSQL itself makes every reader wait.
It prints, per phase, the requests answered by kind and status and their latencies.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench python bench/hung_database.py

The database is migrated and given the campaign's content if it has none. REDIS_URL, if set,
gives the page cache that both workers share. Environment: HANG_SECONDS (30), CLIENTS (8).
"""

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.servers import GunicornSite, TcpRelay  # noqa: E402

HANG_SECONDS = int(os.environ.get("HANG_SECONDS", "30"))
CLIENTS = int(os.environ.get("CLIENTS", "8"))
CALM_SECONDS = 5
# What the TLS-terminating proxy in front says; production settings redirect plain http.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def production_environment(database_url, static_root):
    return {
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(64),
        "EMAIL_HASH_KEY": os.environ.get("EMAIL_HASH_KEY") or secrets.token_urlsafe(48),
        "SITE_URL": "https://campaign.example.org",
        # Production refuses Google's test keys; nothing here posts a form.
        "RECAPTCHA_PUBLIC_KEY": "bench-public-key",
        "RECAPTCHA_PRIVATE_KEY": "bench-private-key",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(static_root),
        "PAGE_CACHE_SECONDS": "3600",
        "CACHE_KEY_PREFIX": f"bench-hung-{secrets.token_hex(3)}",
        "LOG_LEVEL": "CRITICAL",
    }


def prepare(environment):
    """Migrated, with content and collected static files, as `make serve` leaves it."""
    for command in (
        ["migrate", "--no-input", "--verbosity", "0"],
        ["load_campaign_content", "--if-empty", "--verbosity", "0"],
        ["collectstatic", "--no-input", "--verbosity", "0"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=PROJECT_DIR,
            env={**os.environ, **environment},
            check=True,
        )


def get(url, timeout=60):
    request = urllib.request.Request(url, headers=PROXY_HEADERS)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = "no answer"
    return status, time.monotonic() - started


class Load:
    """CLIENTS threads asking for each kind of request in turn, as fast as answers come."""

    def __init__(self, base_url, paths):
        self.base_url = base_url
        self.paths = paths
        self.records = []  # (finished at, kind, status, seconds)
        self.running = True
        self.threads = [threading.Thread(target=self.client, args=(n,)) for n in range(CLIENTS)]
        for thread in self.threads:
            thread.start()

    def client(self, number):
        kinds = list(self.paths)
        turn = number
        while self.running:
            kind = kinds[turn % len(kinds)]
            turn += 1
            status, seconds = get(self.base_url + self.paths[kind])
            self.records.append((time.monotonic(), kind, status, seconds))

    def stop(self):
        self.running = False
        for thread in self.threads:
            thread.join()

    def between(self, start, end):
        return [record for record in self.records if start <= record[0] < end]


def summary(records, seconds):
    lines = []
    for kind in ("cached page", "uncached page"):
        mine = [record for record in records if record[1] == kind]
        if not mine:
            lines.append(f"    {kind:14} none answered")
            continue
        statuses = Counter(str(record[2]) for record in mine)
        times = sorted(record[3] for record in mine)
        by_status = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
        lines.append(
            f"    {kind:14} {len(mine):6} answered ({len(mine) / seconds:7.1f}/s): {by_status}; "
            f"p50 {statistics.median(times) * 1000:6.0f} ms, max {times[-1] * 1000:6.0f} ms"
        )
    return "\n".join(lines)


class HealthMonitor:
    """Asks /healthz twice a second, as a load balancer or the monitoring would."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.records = []  # (asked at, status, seconds)
        self.running = True
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while self.running:
            asked = time.monotonic()
            status, seconds = get(self.base_url + "/healthz")
            self.records.append((asked, status, seconds))
            time.sleep(max(0, 0.5 - seconds))

    def stop(self):
        self.running = False
        self.thread.join()

    def report(self, start, end):
        mine = [record for record in self.records if start <= record[0] < end]
        times = sorted(record[2] for record in mine)
        statuses = Counter(str(record[1]) for record in mine)
        by_status = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
        first_503 = next((record for record in mine if record[1] == 503), None)
        told = f"{first_503[0] + first_503[2] - start:.1f} s" if first_503 else "never"
        return (
            f"    /healthz, asked twice a second: {by_status}; p50 "
            f"{statistics.median(times) * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms; "
            f"first 503 answered {told} in"
        )


def phase(load, monitor, name, hang, release):
    started = time.monotonic()
    hang()
    time.sleep(HANG_SECONDS)
    ended = time.monotonic()
    release()
    time.sleep(CALM_SECONDS)
    print(f"{name}, {HANG_SECONDS} s:")
    print(summary(load.between(started, ended), HANG_SECONDS))
    print(monitor.report(started, ended))
    print(f"  the {CALM_SECONDS} s after:")
    print(summary(load.between(ended, ended + CALM_SECONDS), CALM_SECONDS))
    print(monitor.report(ended, ended + CALM_SECONDS))


def main():
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is migrated if needed).")
    database = urlsplit(database_url)
    relay = TcpRelay(database.hostname or "127.0.0.1", database.port or 5432)
    relayed_url = database._replace(
        netloc=f"{database.username or 'postgres'}"
        f"{':' + database.password if database.password else ''}@127.0.0.1:{relay.port}"
    ).geturl()
    with tempfile.TemporaryDirectory() as static_root:
        environment = production_environment(relayed_url, static_root)
        prepare({**environment, "DATABASE_URL": database_url})
        site = GunicornSite(**environment)
        try:
            paths = {"cached page": "/en/", "uncached page": "/en/sign-up/"}
            for _ in range(10):  # each worker keeps its own copy of the cached page
                assert get(site.url + paths["cached page"])[0] == 200
            assert get(site.url + paths["uncached page"])[0] == 200
            load = Load(site.url, paths)
            monitor = HealthMonitor(site.url)
            time.sleep(CALM_SECONDS)
            calm = load.between(0, time.monotonic())
            print(f"Before, {CALM_SECONDS} s:\n{summary(calm, CALM_SECONDS)}")
            print(monitor.report(0, time.monotonic()))

            phase(
                load,
                monitor,
                "Database hung (a relay that stops forwarding)",
                relay.freeze,
                relay.thaw,
            )

            locker = psycopg.connect(database_url)
            lock = "LOCK TABLE wagtailcore_site, wagtailcore_page IN ACCESS EXCLUSIVE MODE"
            phase(
                load,
                monitor,
                "Tables locked (ACCESS EXCLUSIVE held by another session)",
                lambda: locker.execute(lock),
                locker.rollback,
            )
            locker.close()
            load.stop()
            monitor.stop()
        finally:
            relay.thaw()
            site.stop()
            relay.cut()
    print(
        f"{CLIENTS} clients, each asking for the cached page and the uncached page in turn; "
        "gunicorn.conf.py's workers; DATABASE_STATEMENT_TIMEOUT "
        f"{os.environ.get('DATABASE_STATEMENT_TIMEOUT', '5')} s."
    )


if __name__ == "__main__":
    main()
