"""`make bench`: the production stack on loopback, loaded with wrk, beside two yardsticks.

For each page it measures in turn, round after round: nginx serving the page's bytes as a
static file, a minimal WSGI app serving the same bytes under the same gunicorn settings, the
site with its page cache, and the site with the page cache off. It prints requests/s, p50 and
p99 latency, queries, bytes, CPU per uncached render and the ratios the targets are set in,
then drives sign-ups (bench/signups.py) when the site has a sign-up page.

Needs PostgreSQL and Redis, and Debian's wrk and nginx, which it installs with apt-get when it
can. Environment: BENCH_DATABASE_URL (a database it may create and fill),
BENCH_REDIS_URL, BENCH_PORT (it uses four ports from there), BENCH_SECONDS per measurement,
BENCH_ROUNDS, BENCH_CONNECTIONS.
"""

import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN_CONFIG = str(PROJECT_DIR / "gunicorn.conf.py")

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campaign_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
FIRST_PORT = int(os.environ.get("BENCH_PORT", "8700"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
RENDERS_FOR_CPU = 200

# What the production proxy in front says; production settings redirect plain http otherwise.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}

# Yardsticks from the issue, measured on this kind of machine (2 cores, 2 sync workers):
# wagtail/bakerydemo's home page uncached.
BAKERYDEMO_HOME_PER_SECOND = 35
TARGET_CACHED_SHARE_OF_MINIMAL = 0.5
TARGET_UNCACHED_HOME_TIMES_BAKERYDEMO = 3
TARGET_HOME_BYTES = 50 * 1000
TARGET_CPU_MS = 10

TOOLS = {"wrk": "wrk", "nginx": "nginx"}


def say(message):
    print(message, file=sys.stderr, flush=True)


def find_tool(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def require_tools():
    missing = [package for tool, package in TOOLS.items() if not find_tool(tool)]
    if not missing:
        return
    as_root = [] if os.geteuid() == 0 else (["sudo"] if shutil.which("sudo") else None)
    if as_root is None or not shutil.which("apt-get"):
        sys.exit(f"bench: install {' '.join(missing)} (Debian packages) and run it again")
    say(f"Installing {' '.join(missing)} from Debian's packages")
    subprocess.run([*as_root, "apt-get", "update", "-qq"], check=True)
    subprocess.run(
        [*as_root, "apt-get", "install", "-y", "-qq", *missing],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    if any(not find_tool(tool) for tool in TOOLS):
        sys.exit("bench: wrk and nginx are still missing after apt-get install")


def ensure_database():
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    try:
        with psycopg.connect(server, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
            return connection.execute("SHOW server_version").fetchone()[0]
    except psycopg.OperationalError as error:
        sys.exit(f"bench: PostgreSQL is needed at {DATABASE_URL}: {error}")


def site_environment(**extra):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "bench",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Sign-ups come from many addresses through one proxy, one per supporter.
        "PROXY_COUNT": "1",
        # Emails are queued and handed to this backend; no mail server is part of the test.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        **extra,
    }


def run_python(*args):
    result = subprocess.run(
        [PYTHON, *args], cwd=PROJECT_DIR, env=site_environment(), capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"bench: {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def manage(*args):
    return run_python("manage.py", *args)


PAGES_SCRIPT = """
import json
from home.models import HomePage, UpdatePage
home = HomePage.objects.live().filter(locale__language_code="en").first()
update = UpdatePage.objects.live().descendant_of(home).first()
pages = [home, *home.get_children().live().specific(), update]
api = [
    ["updates, every field", "/api/v2/pages/?type=home.UpdatePage&fields=*"],
    ["home page", f"/api/v2/pages/{home.pk}/"],
    ["sponsors", "/api/v2/sponsors/"],
]
print(json.dumps({"pages": [[type(page).__name__, page.url] for page in pages], "api": api}))
"""


class Server:
    """A process serving HTTP on a loopback port, stopped at the end."""

    def __init__(self, name, port, command, environment=None, cwd=PROJECT_DIR):
        self.name, self.port = name, port
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command, cwd=cwd, env=environment, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                sys.exit(f"bench: {name} stopped:\n{self.log.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"bench: {name} did not start on port {port}")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def gunicorn(name, port, app, **environment):
    return Server(
        name,
        port,
        [PYTHON, "-m", "gunicorn", "-c", GUNICORN_CONFIG, app],
        environment=site_environment(PORT=str(port), **environment),
    )


def nginx(port, document_root, work_dir):
    config = work_dir / "nginx.conf"
    config.write_text(
        f"""
worker_processes {os.cpu_count() or 2};
pid {work_dir}/nginx.pid;
error_log {work_dir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type "text/html; charset=utf-8";
    client_body_temp_path {work_dir};
    proxy_temp_path {work_dir};
    fastcgi_temp_path {work_dir};
    uwsgi_temp_path {work_dir};
    scgi_temp_path {work_dir};
    server {{
        listen 127.0.0.1:{port};
        root {document_root};
        location / {{ try_files $uri/index.html $uri =404; }}
    }}
}}
"""
    )
    return Server(
        "nginx",
        port,
        [find_tool("nginx"), "-c", str(config), "-p", str(work_dir), "-g", "daemon off;"],
    )


def fetch(url, with_headers=False):
    request = urllib.request.Request(url, headers=PROXY_HEADERS)
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        return (response.headers, body) if with_headers else body


def in_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def wrk(url):
    headers = [arg for name, value in PROXY_HEADERS.items() for arg in ("-H", f"{name}: {value}")]
    output = subprocess.run(
        [find_tool("wrk"), "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", *headers, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors or "Socket errors" in output and "timeout" in output:
        say(f"  wrk reported errors for {url}:\n{output}")
    return {
        "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": in_ms(*re.match(r"([\d.]+)(\w+)", latency["50"]).groups()),
        "p99_ms": in_ms(*re.match(r"([\d.]+)(\w+)", latency["99"]).groups()),
    }


def median_run(runs):
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def home_page_weight(server, home_path, home_bytes):
    html = home_bytes.decode()
    loaded = re.findall(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"', html)
    return len(home_bytes) + sum(len(fetch(server.url(url))) for url in loaded)


def machine():
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found.group(1).strip() if found else cpu
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"load average {load} at the end"
    )


def ratio(numerator, denominator):
    return numerator / denominator if denominator else float("nan")


def main():
    require_tools()
    postgres_version = ensure_database()
    say("Preparing the database and static files (production settings)")
    # Checks skipped: with no reCAPTCHA keys (nothing may call Google from here) they refuse
    # production settings.
    manage("migrate", "--no-input", "-v0", "--skip-checks")
    manage("collectstatic", "--no-input", "-v0")
    # Adds whatever part of the campaign's content is missing, changes nothing else.
    manage("load_campaign_content", "--skip-checks")
    addresses = json.loads(manage("shell", "-c", PAGES_SCRIPT).strip().splitlines()[-1])
    pages, api = addresses["pages"], addresses["api"]

    work_dir = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    servers = []
    try:
        cached = gunicorn("site, cached", FIRST_PORT, "cms.wsgi", PAGE_CACHE_SECONDS="3600")
        servers.append(cached)
        uncached = gunicorn("site, uncached", FIRST_PORT + 1, "cms.wsgi", PAGE_CACHE_SECONDS="0")
        servers.append(uncached)

        document_root = work_dir / "pages"
        bodies = {}
        for page_type, path in list(pages):
            fetch(cached.url(path))
            headers, body = fetch(cached.url(path), with_headers=True)
            if headers.get("X-Page-Cache") != "hit":
                # Form pages: each answer carries its visitor's tokens, so none is cached.
                say(f"Not cached by design, left out: {path}")
                pages.remove([page_type, path])
                continue
            bodies[path] = body
            page_file = document_root / path.strip("/") / "index.html"
            page_file.parent.mkdir(parents=True, exist_ok=True)
            page_file.write_bytes(bodies[path])
        page_files = {path: str(document_root / path.strip("/") / "index.html") for path in bodies}
        minimal = Server(
            "minimal WSGI app",
            FIRST_PORT + 2,
            [PYTHON, "-m", "gunicorn", "-c", GUNICORN_CONFIG, "minimal_wsgi:application"],
            environment={
                **os.environ,
                "PORT": str(FIRST_PORT + 2),
                "BENCH_PAGES_JSON": json.dumps(page_files),
            },
            cwd=PROJECT_DIR / "bench",
        )
        servers.append(minimal)
        static = nginx(FIRST_PORT + 3, document_root, work_dir)
        servers.append(static)
        for _, path in pages:
            for server in (uncached, minimal, static):
                if fetch(server.url(path)) != bodies[path]:
                    sys.exit(f"bench: {server.name} does not serve the same bytes for {path}")

        say("Queries and CPU per uncached render")
        api_paths = [path for _, path in api]
        renders = json.loads(
            run_python("bench/measure_renders.py", str(RENDERS_FOR_CPU), *bodies, *api_paths)
        )

        results = {}
        for page_type, path in pages:
            say(f"Loading {path} ({page_type}): {ROUNDS} rounds of 4 x {SECONDS} s")
            runs = {"nginx": [], "minimal": [], "cached": [], "uncached": []}
            for _ in range(ROUNDS):
                runs["nginx"].append(wrk(static.url(path)))
                runs["minimal"].append(wrk(minimal.url(path)))
                runs["cached"].append(wrk(cached.url(path)))
                runs["uncached"].append(wrk(uncached.url(path)))
            results[path] = {name: median_run(measured) for name, measured in runs.items()}
        for name, path in api:
            say(f"Loading {path} (API, {name}): {ROUNDS} rounds of {SECONDS} s")
            results[path] = median_run([wrk(uncached.url(path)) for _ in range(ROUNDS)])

        home_path = pages[0][1]
        home_weight = home_page_weight(cached, home_path, bodies[home_path])
        signups = run_signups(cached)
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)

    report(pages, api, results, renders, home_path, home_weight, signups, postgres_version)


def run_signups(server):
    signup_driver = PROJECT_DIR / "bench" / "signups.py"
    if not signup_driver.exists():
        return None
    say("Driving sign-ups, with the email worker sending beside the site as in production")
    worker = subprocess.Popen(
        # As `make serve` runs it: below the web workers, so a crowd is answered first.
        ["nice", "-n", "10", PYTHON, "manage.py", "db_worker", "--backend", "email"]
        + ["--no-startup-delay"],
        cwd=PROJECT_DIR,
        env=site_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        output = run_python(str(signup_driver), server.url(""))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return json.loads(output.strip().splitlines()[-1])


def report(pages, api, results, renders, home_path, home_weight, signups, postgres_version):
    print(f"# make bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print()
    print(f"Machine: {machine()}; Python {platform.python_version()}; PostgreSQL")
    workers = os.environ.get("WEB_CONCURRENCY", os.cpu_count())
    print(f"{postgres_version}; gunicorn.conf.py ({workers} sync workers); wrk -t2")
    print(f"-c{CONNECTIONS}, {SECONDS} s per measurement, median of {ROUNDS} interleaved rounds.")
    print()
    print(
        "| page | bytes | queries | CPU ms/render | uncached req/s | p50 ms | p99 ms "
        "| cached req/s | p50 ms | p99 ms | minimal WSGI req/s | nginx static req/s "
        "| cached / minimal | cached / nginx | uncached / bakerydemo home |"
    )
    print("|" + " --- |" * 15)
    for page_type, path in pages:
        measured, render = results[path], renders[path]
        uncached, cached = measured["uncached"], measured["cached"]
        minimal, static = measured["minimal"], measured["nginx"]
        print(
            f"| {page_type} `{path}` | {render['bytes']} | {render['queries']} "
            f"| {render['cpu_ms']:.1f} | {uncached['per_second']:.0f} "
            f"| {uncached['p50_ms']:.1f} | {uncached['p99_ms']:.1f} "
            f"| {cached['per_second']:.0f} | {cached['p50_ms']:.2f} | {cached['p99_ms']:.1f} "
            f"| {minimal['per_second']:.0f} | {static['per_second']:.0f} "
            f"| {ratio(cached['per_second'], minimal['per_second']):.2f} "
            f"| {ratio(cached['per_second'], static['per_second']):.3f} "
            f"| {ratio(uncached['per_second'], BAKERYDEMO_HOME_PER_SECOND):.1f} |"
        )
    print()
    print("The API, which the page cache leaves alone (a proxy may keep its answers briefly):")
    print()
    print("| API | bytes | queries | CPU ms/answer | req/s | p50 ms | p99 ms |")
    print("|" + " --- |" * 7)
    for name, path in api:
        measured, render = results[path], renders[path]
        print(
            f"| {name} `{path}` | {render['bytes']} | {render['queries']} "
            f"| {render['cpu_ms']:.1f} | {measured['per_second']:.0f} "
            f"| {measured['p50_ms']:.1f} | {measured['p99_ms']:.1f} |"
        )
    print()
    cached_shares = {
        path: ratio(results[path]["cached"]["per_second"], results[path]["minimal"]["per_second"])
        for _, path in pages
    }
    home_times = ratio(results[home_path]["uncached"]["per_second"], BAKERYDEMO_HOME_PER_SECOND)
    worst_cpu = max(render["cpu_ms"] for render in renders.values())
    most_queries = max(render["queries"] for render in renders.values())
    targets = [
        (
            f"cached pages >= {TARGET_CACHED_SHARE_OF_MINIMAL} x minimal WSGI app",
            min(cached_shares.values()) >= TARGET_CACHED_SHARE_OF_MINIMAL,
            f"lowest {min(cached_shares.values()):.2f}",
        ),
        (
            f"uncached home >= {TARGET_UNCACHED_HOME_TIMES_BAKERYDEMO} x bakerydemo's "
            f"{BAKERYDEMO_HOME_PER_SECOND}/s",
            home_times >= TARGET_UNCACHED_HOME_TIMES_BAKERYDEMO,
            f"{home_times:.1f} x",
        ),
        (
            f"home page with what it loads <= {TARGET_HOME_BYTES} bytes",
            home_weight <= TARGET_HOME_BYTES,
            f"{home_weight} bytes",
        ),
        (
            f"CPU per uncached page or API answer < {TARGET_CPU_MS} ms",
            worst_cpu < TARGET_CPU_MS,
            f"worst {worst_cpu:.1f} ms",
        ),
        ("queries per page or API answer <= 12", most_queries <= 12, f"most {most_queries}"),
    ]
    if signups:
        targets.append(
            (
                "sign-ups >= 100/s on PostgreSQL, none lost",
                signups["per_second"] >= 100
                and signups["sent"] == signups["accepted"] == signups["stored"],
                f"{signups['per_second']:.0f}/s, p99 {signups['p99_ms']:.0f} ms, "
                f"{signups['sent']} sent, {signups['accepted']} accepted, "
                f"{signups['stored']} stored; the email worker had sent "
                f"{signups['emails_sent']} confirmations {signups['emails_sent_after_s']:.1f} s "
                "after the last sign-up",
            )
        )
    else:
        targets.append(("sign-ups", False, "not measured: the site has no sign-up page"))
    print("| target | met | measured |")
    print("| --- | --- | --- |")
    for name, met, measured in targets:
        print(f"| {name} | {'yes' if met else 'NO'} | {measured} |")


SECRET_KEY = secrets.token_urlsafe(64)

if __name__ == "__main__":
    main()
