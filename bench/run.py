"""`make bench`: the production stack on loopback, loaded with wrk, beside yardsticks.

For each page it measures in turn, round after round: nginx serving the page's bytes as a
static file over TLS; the project's own nginx config (docs/nginx.conf, as tests/test_nginx.py
starts it) in front of the site; a minimal WSGI app serving the same bytes under the same
gunicorn settings; the site with its page cache in Redis and in files (production without
Redis); and the site without its whole-page cache. It prints requests/s, latency, queries warm
and cold, bytes, CPU per uncached render, the size of the site's cache in Redis before and after
2,000 made-up `?page=` values, and the ratios the targets are set in; then drives sign-ups
(bench/signups.py) when the site has a sign-up page.

Needs PostgreSQL and Redis, and Debian's wrk, nginx (with its cache-purge module) and openssl,
which it installs with apt-get when it can. Environment: BENCH_DATABASE_URL (a database it may
create and fill), BENCH_REDIS_URL (a Redis database it empties first), BENCH_PORT (it uses
five ports from there), BENCH_SECONDS per measurement, BENCH_ROUNDS, BENCH_CONNECTIONS.
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
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))
from tests.servers import NGINX_PURGE_MODULE, ProjectNginx  # noqa: E402

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

# wagtail/bakerydemo's home page, uncached, on this kind of machine (2 cores, SQLite, gunicorn
# with 2 sync workers), as recorded in issue 14: bakerydemo is not installable from a package.
BAKERYDEMO_HOME_PER_SECOND = 36
TARGET_CACHED_SHARE_OF_MINIMAL = 0.3
TARGET_PROXY_SHARE_OF_STATIC = 0.5
TARGET_UNCACHED_HOME_TIMES_BAKERYDEMO = 6
PAGE_NUMBERS_TRIED = 2000
TARGET_HOME_BYTES = 50 * 1000
TARGET_CPU_MS = 10

TOOLS = {"wrk": "wrk", "nginx": "nginx", "openssl": "openssl"}
PACKAGES = ["wrk", "nginx", "libnginx-mod-http-cache-purge", "openssl"]


def say(message):
    print(message, file=sys.stderr, flush=True)


def find_tool(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def require_tools():
    missing = [package for tool, package in TOOLS.items() if not find_tool(tool)]
    if not NGINX_PURGE_MODULE.exists():
        missing.append("libnginx-mod-http-cache-purge")
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
    if any(not find_tool(tool) for tool in TOOLS) or not NGINX_PURGE_MODULE.exists():
        sys.exit(f"bench: {', '.join(PACKAGES)} are still missing after apt-get install")


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
        "EMAIL_HASH_KEY": EMAIL_HASH_KEY,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": "bench",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Production refuses to start without these; Google's check is answered on this
        # machine (bench/fake_google_wsgi.py).
        "SITE_URL": "https://campaign.example.org",
        "RECAPTCHA_PUBLIC_KEY": "bench-public-key",
        "RECAPTCHA_PRIVATE_KEY": "bench-private-key",
        # Sign-ups come from many addresses through one proxy, one per supporter.
        "PROXY_COUNT": "1",
        # Emails are queued and handed to this backend; no mail server is part of the test.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # How soon the worker catches up, not the mail provider's limit, is what is measured.
        "FORMS_EMAIL_SEND_RATE": "0",
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


def static_nginx(port, tls_port, certificate, key, document_root, work_dir):
    config = work_dir / "static-nginx.conf"
    config.write_text(
        f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes {os.cpu_count() or 2};
pid {work_dir}/static-nginx.pid;
error_log {work_dir}/static-nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    default_type "text/html; charset=utf-8";
    client_body_temp_path {work_dir};
    proxy_temp_path {work_dir};
    fastcgi_temp_path {work_dir};
    uwsgi_temp_path {work_dir};
    scgi_temp_path {work_dir};
    server {{
        listen 127.0.0.1:{port};
        listen 127.0.0.1:{tls_port} ssl;
        ssl_certificate {certificate};
        ssl_certificate_key {key};
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


class ProxyServer:
    """The project's nginx config in front of a site server, addressed like the others."""

    def __init__(self, site, work_dir):
        self.name = "the project's nginx in front of the site"
        # No static or media files are measured through it.
        self.nginx = ProjectNginx(
            site.port,
            work_dir,
            PROJECT_DIR / "static_collected",
            PROJECT_DIR / "media",
            workers=os.cpu_count() or 2,
        )
        self.port = self.nginx.https_port

    def url(self, path):
        return f"https://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.nginx.stop()


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def cache_size():
    """(keys, bytes) the site holds in its Redis database."""
    client = redis_client()
    keys = list(client.scan_iter(count=1000))
    return len(keys), sum(client.memory_usage(key) or 0 for key in keys)


def try_page_numbers(server, path):
    """Ask for PAGE_NUMBERS_TRIED made-up page numbers of a list, as someone filling the cache
    would; returns how many were answered 200."""
    answered = 0
    for number in range(PAGE_NUMBERS_TRIED):
        request = urllib.request.Request(
            server.url(f"{path}?page={number + 1000}"), headers=PROXY_HEADERS
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answered += response.status == 200
        except urllib.error.HTTPError:
            pass
    return answered


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
    redis_client().flushdb()
    say("Preparing the database and static files (production settings)")
    manage("migrate", "--no-input", "-v0")
    manage("collectstatic", "--no-input", "-v0")
    # Adds whatever part of the campaign's content is missing, changes nothing else.
    manage("load_campaign_content")
    addresses = json.loads(manage("shell", "-c", PAGES_SCRIPT).strip().splitlines()[-1])
    pages, api = addresses["pages"], addresses["api"]

    work_dir = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    servers = []
    try:
        site = "bench.fake_google_wsgi:application"
        cached = gunicorn("site, cached in Redis", FIRST_PORT, site, PAGE_CACHE_SECONDS="3600")
        servers.append(cached)
        uncached = gunicorn(
            "site without its page cache",
            FIRST_PORT + 1,
            site,
            DJANGO_SETTINGS_MODULE="bench.settings_without_page_cache",
            PAGE_CACHE_SECONDS="3600",
        )
        servers.append(uncached)
        in_files = gunicorn(
            "site, cached in files",
            FIRST_PORT + 4,
            site,
            PAGE_CACHE_SECONDS="3600",
            REDIS_URL="",
            CACHE_DIR=str(work_dir / "django-cache"),
        )
        servers.append(in_files)
        proxy = ProxyServer(cached, work_dir / "proxy")
        servers.append(proxy)

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
        static = static_nginx(
            FIRST_PORT + 3,
            FIRST_PORT + 5,
            proxy.nginx.certificate,
            proxy.nginx.key,
            document_root,
            work_dir,
        )
        servers.append(static)
        static_tls = f"https://127.0.0.1:{FIRST_PORT + 5}"
        for _, path in pages:
            for server in (uncached, in_files, minimal, static):
                if fetch(server.url(path)) != bodies[path]:
                    sys.exit(f"bench: {server.name} does not serve the same bytes for {path}")

        say("Queries and CPU per uncached render")
        api_paths = [path for _, path in api]
        renders = json.loads(
            run_python("bench/measure_renders.py", str(RENDERS_FOR_CPU), *bodies, *api_paths)
        )

        results = {}
        for page_type, path in pages:
            say(f"Loading {path} ({page_type}): {ROUNDS} rounds of 6 x {SECONDS} s")
            runs = {name: [] for name in RUN_NAMES}
            for _ in range(ROUNDS):
                runs["nginx"].append(wrk(static_tls + path))
                runs["proxy"].append(wrk(proxy.url(path)))
                runs["minimal"].append(wrk(minimal.url(path)))
                runs["cached"].append(wrk(cached.url(path)))
                runs["in_files"].append(wrk(in_files.url(path)))
                runs["uncached"].append(wrk(uncached.url(path)))
            results[path] = {name: median_run(measured) for name, measured in runs.items()}
        for name, path in api:
            say(f"Loading {path} (API, {name}): {ROUNDS} rounds of {SECONDS} s")
            results[path] = median_run([wrk(uncached.url(path)) for _ in range(ROUNDS)])

        home_path = pages[0][1]
        home_weight = home_page_weight(cached, home_path, bodies[home_path])
        update_list = next(path for page_type, path in pages if page_type == "UpdateIndexPage")
        say(f"Cache size, then {PAGE_NUMBERS_TRIED} made-up page numbers of {update_list}")
        sizes = {"before": cache_size()}
        sizes["answered"] = try_page_numbers(cached, update_list)
        sizes["after"] = cache_size()
        signups = run_signups(cached)
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)

    report(pages, api, results, renders, home_path, home_weight, sizes, signups, postgres_version)


RUN_NAMES = ["nginx", "proxy", "minimal", "cached", "in_files", "uncached"]


def run_signups(server):
    signup_driver = PROJECT_DIR / "bench" / "signups.py"
    if not signup_driver.exists():
        return None
    say("Driving sign-ups, with the email worker sending beside the site as in production")
    worker = subprocess.Popen(
        # As `make serve` runs it: below the web workers, so a crowd is answered first.
        ["nice", "-n", "10", PYTHON, "manage.py", "mail_worker"],
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


def report(pages, api, results, renders, home_path, home_weight, sizes, signups, postgres):
    print(f"# make bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print()
    print(f"Machine: {machine()}; Python {platform.python_version()}; PostgreSQL")
    workers = os.environ.get("WEB_CONCURRENCY", os.cpu_count())
    print(f"{postgres}; gunicorn.conf.py ({workers} sync workers); wrk -t2")
    print(f"-c{CONNECTIONS}, {SECONDS} s per measurement, median of {ROUNDS} interleaved rounds.")
    print()
    print("Requests per second (p99 latency in ms):")
    print()
    print(
        "| page | nginx static (TLS) | through docs/nginx.conf | minimal WSGI "
        "| cached, Redis | cached, files | uncached |"
    )
    print("|" + " --- |" * 7)
    for page_type, path in pages:
        measured = results[path]
        cells = " | ".join(
            f"{measured[name]['per_second']:.0f} ({measured[name]['p99_ms']:.1f})"
            for name in RUN_NAMES
        )
        print(f"| {page_type} `{path}` | {cells} |")
    print()
    print(
        "| page | bytes | queries warm | queries cold | CPU ms/render | proxy / static "
        "| Redis / minimal | files / minimal | uncached / bakerydemo home |"
    )
    print("|" + " --- |" * 9)
    for page_type, path in pages:
        measured, render = results[path], renders[path]
        print(
            f"| {page_type} `{path}` | {render['bytes']} | {render['queries']} "
            f"| {render.get('cold_queries', '')} | {render['cpu_ms']:.1f} "
            f"| {share(measured, 'proxy', 'nginx'):.2f} "
            f"| {share(measured, 'cached', 'minimal'):.2f} "
            f"| {share(measured, 'in_files', 'minimal'):.2f} "
            f"| {measured['uncached']['per_second'] / BAKERYDEMO_HOME_PER_SECOND:.1f} |"
        )
    print()
    print("The API, which the page cache leaves alone (a proxy may keep its answers briefly):")
    print()
    print("| API | bytes | queries warm | queries cold | CPU ms/answer | req/s | p50 ms | p99 ms |")
    print("|" + " --- |" * 8)
    for name, path in api:
        measured, render = results[path], renders[path]
        print(
            f"| {name} `{path}` | {render['bytes']} | {render['queries']} "
            f"| {render.get('cold_queries', '')} | {render['cpu_ms']:.1f} "
            f"| {measured['per_second']:.0f} "
            f"| {measured['p50_ms']:.1f} | {measured['p99_ms']:.1f} |"
        )
    print()
    (keys_before, bytes_before), (keys_after, bytes_after) = sizes["before"], sizes["after"]
    print(
        f"The site's cache in Redis after the run: {keys_before} keys, "
        f"{bytes_before / 1000:.0f} kB; "
        f"after {PAGE_NUMBERS_TRIED} made-up `?page=` values of the update list "
        f"({sizes['answered']} answered 200): {keys_after} keys, {bytes_after / 1000:.0f} kB."
    )
    print()
    lowest = {
        name: min(share(results[path], name, base) for _, path in pages)
        for name, base in [("proxy", "nginx"), ("cached", "minimal"), ("in_files", "minimal")]
    }
    home_times = results[home_path]["uncached"]["per_second"] / BAKERYDEMO_HOME_PER_SECOND
    worst_cpu = max(render["cpu_ms"] for render in renders.values())
    most_queries = max(
        max(render["queries"], render.get("cold_queries", 0)) for render in renders.values()
    )
    targets = [
        (
            f"through docs/nginx.conf >= {TARGET_PROXY_SHARE_OF_STATIC} x nginx static",
            lowest["proxy"] >= TARGET_PROXY_SHARE_OF_STATIC,
            f"lowest {lowest['proxy']:.2f}",
        ),
        (
            f"cached pages >= {TARGET_CACHED_SHARE_OF_MINIMAL} x minimal WSGI app, Redis",
            lowest["cached"] >= TARGET_CACHED_SHARE_OF_MINIMAL,
            f"lowest {lowest['cached']:.2f}",
        ),
        (
            f"cached pages >= {TARGET_CACHED_SHARE_OF_MINIMAL} x minimal WSGI app, files",
            lowest["in_files"] >= TARGET_CACHED_SHARE_OF_MINIMAL,
            f"lowest {lowest['in_files']:.2f}",
        ),
        (
            f"uncached home >= {TARGET_UNCACHED_HOME_TIMES_BAKERYDEMO} x bakerydemo's "
            f"{BAKERYDEMO_HOME_PER_SECOND}/s (recorded)",
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
        (
            "queries per page or API answer, warm and cold, <= 12",
            most_queries <= 12,
            f"most {most_queries}",
        ),
        (
            "made-up page numbers add nothing to the cache",
            keys_after <= keys_before,
            f"{keys_after - keys_before} keys, {(bytes_after - bytes_before) / 1000:.0f} kB",
        ),
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


def share(measured, name, base):
    return ratio(measured[name]["per_second"], measured[base]["per_second"])


SECRET_KEY = secrets.token_urlsafe(64)
EMAIL_HASH_KEY = secrets.token_urlsafe(48)

if __name__ == "__main__":
    main()
