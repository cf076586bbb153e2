"""Real servers on loopback for the fault tests: the site or a management command in its own
process, a TCP relay that can cut a connection to PostgreSQL, and a listener that accepts and
never answers."""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]

# Django in a separate process, so that it has its own database settings, under the test
# settings with the test's own changes (argv[1], JSON), as pytest-django's `settings` makes them.
DJANGO_WITH_SETTINGS = """
import json, sys
import django
from django.conf import settings

django.setup()
for name, value in json.loads(sys.argv[1]).items():
    setattr(settings, name, value)
"""

# The site as a WSGI server on port argv[2], a thread per request (as `runserver`), so that
# requests sent together reach the database together.
SERVE_SCRIPT = (
    DJANGO_WITH_SETTINGS
    + """
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from cms.wsgi import application

class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args):
        pass

class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True

make_server(
    "127.0.0.1",
    int(sys.argv[2]),
    application,
    server_class=ThreadingWSGIServer,
    handler_class=QuietHandler,
).serve_forever()
"""
)

# A management command: argv[2:] are its name and arguments.
COMMAND_SCRIPT = (
    DJANGO_WITH_SETTINGS
    + """
from django.core.management import call_command

call_command(*sys.argv[2:])
"""
)


def process_environment(**environment):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "PYTHONUNBUFFERED": "1",
        **environment,
    }


def database_url(connection, port=None, **options):
    """The URL of the database `connection` uses (the test database, under pytest), for a
    process of its own; through another port (a TcpRelay) if given."""
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    query = "?" + "&".join(f"{name}={value}" for name, value in options.items()) if options else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:"
        f"{port or database['PORT'] or 5432}/{database['NAME']}{query}"
    )


def management_command(*arguments, settings=None, **environment):
    """Starts `manage.py <arguments>` in its own process; returns the Popen."""
    return subprocess.Popen(
        [sys.executable, "-c", COMMAND_SCRIPT, json.dumps(settings or {}), *arguments],
        cwd=PROJECT_DIR,
        env=process_environment(**environment),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def free_port():
    """A port the system has just handed out as free: CI runs two test passes side by side, so a
    port picked from a fixed range could be picked by both."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, seconds=30, process=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server stopped: {process.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} after {seconds} s")


@contextmanager
def site_server(settings=None, **environment):
    """The site under the test settings (changed by `settings`) in its own process; yields its
    base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT, json.dumps(settings or {}), str(port)],
        cwd=PROJECT_DIR,
        env=process_environment(**environment),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(port, process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


class GunicornSite:
    """The site under gunicorn and gunicorn.conf.py, as `make serve` runs it, on a port the
    system picks; `environment` adds to this process's own."""

    def __init__(self, **environment):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cms.wsgi", "--bind", "127.0.0.1:0"],
            cwd=PROJECT_DIR,
            env={**os.environ, **environment},
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in self.process.stderr:
            listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if listening:
                self.url = f"http://127.0.0.1:{listening.group(1)}"
                break
        else:
            raise RuntimeError("gunicorn stopped before listening")
        # Keep reading its log, or a full pipe would stop it.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def fetch(url, data=None, timeout=15):
    """(status, body) of a request; an HTTP error status is an answer, not an exception."""
    try:
        with urllib.request.urlopen(url, data=data, timeout=timeout) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


class Mailbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 Message accepted for delivery"

    def recipients(self):
        return [recipient for recipients, _content in self.messages for recipient in recipients]


@contextmanager
def mail_server(handler):
    """A real SMTP server (aiosmtpd) on loopback with this handler; yields its port."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


class MailWorker:
    """`manage.py mail_worker` in its own process, sending to the SMTP server on `smtp_port`
    with no send rate, on the test database unless given another `database_url`; `settings`
    change the test settings further. Keeps its log in `log`."""

    def __init__(self, smtp_port, database_url, **settings):
        self.process = management_command(
            "mail_worker",
            settings={
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": smtp_port,
                "EMAIL_QUEUE": "database",
                "FORMS_EMAIL_SEND_RATE": 0,
                **settings,
            },
            DATABASE_URL=database_url,
        )
        self.log = []
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self):
        for line in self.process.stderr:
            self.log.append(line)

    @property
    def is_running(self):
        return self.process.poll() is None

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        """SIGTERM, as a supervisor stops it; returns its exit code."""
        if self.is_running:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


class SilentListener:
    """Accepts connections and never says a word: a hung database or Redis."""

    def __init__(self):
        self.port = free_port()
        self.server = socket.create_server(("127.0.0.1", self.port))
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.held.append(self.server.accept()[0])
            except OSError:
                return

    def close(self):
        self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        for connection in self.held:
            connection.close()


def wait_until(condition, seconds=60, what="the condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {seconds} s")


class TcpRelay:
    """Forwards a local port to a real server; `cut()` drops every connection and refuses new
    ones (the server has gone away), `restore()` listens again. `freeze()` keeps every
    connection open and accepts new ones, but forwards nothing either way (the server is hung:
    its system still accepts and acknowledges, nothing answers), until `thaw()`."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.connections = []
        self.forwarding = threading.Event()
        self.forwarding.set()
        self.restore()

    def freeze(self):
        self.forwarding.clear()

    def thaw(self):
        self.forwarding.set()

    def restore(self):
        self.server = socket.create_server(("127.0.0.1", self.port), reuse_port=True)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def cut(self):
        # shutdown() first: close() alone leaves a thread blocked in accept() still accepting.
        self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()
        self.connections = []

    def _accept(self, server):
        while True:
            try:
                client = server.accept()[0]
                upstream = socket.create_connection(self.target, 3)
            except OSError:
                return
            upstream.settimeout(None)  # a connection may wait for its answer for ever
            self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                self.forwarding.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


# The production stack: gunicorn under production settings, and the project's nginx config.


def production_environment(database_url, static_root, **extra):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "EMAIL_HASH_KEY": secrets.token_urlsafe(48),
        "SITE_URL": "https://campaign.example.org",
        # Production refuses Google's test keys; a test that posts a form fakes Google's check.
        "RECAPTCHA_PUBLIC_KEY": "operator-public-key",
        "RECAPTCHA_PRIVATE_KEY": "operator-private-key",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "STATIC_ROOT": str(static_root),
        **extra,
    }


def collect_static_files(environment):
    """Production pages name their stylesheet by its hashed name, which collectstatic makes."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=PROJECT_DIR,
        env=environment,
        check=True,
    )


class Gunicorn:
    """The site under gunicorn (gunicorn.conf.py), on a port the system picks."""

    def __init__(self, environment, workers=1):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cms.wsgi", "--bind", "127.0.0.1:0"]
            + ["--workers", str(workers), "--log-level", "info"],
            cwd=PROJECT_DIR,
            env=environment,
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in self.process.stderr:
            listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if listening:
                self.port = int(listening.group(1))
                break
        else:
            raise RuntimeError("gunicorn stopped before listening")
        # Keep reading its log, or a full pipe would stop it.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def get(self, path):
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        # As the TLS-terminating proxy in front would say: the site's one public name, and https
        # so that production settings do not redirect.
        client.request("GET", path, headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
        response = client.getresponse()
        body = response.read().decode()
        client.close()
        return response, body

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


NGINX_CONFIG = PROJECT_DIR / "docs" / "nginx.conf"
NGINX_PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")


def find_nginx():
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


class ProjectNginx:
    """docs/nginx.conf as it is, with Debian's nginx, on loopback ports in front of app_port:
    only the values an operator replaces are replaced (the host name, ports, paths, and a
    certificate made for the run)."""

    def __init__(self, app_port, work_dir, static_root, media_root, workers=1):
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.cache_dir = self.work_dir / "cache"
        self.https_port, self.http_port, self.purge_port = free_port(), free_port(), free_port()
        self.certificate = certificate = self.work_dir / "certificate.pem"
        self.key = key = self.work_dir / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
            + ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
            + ["-keyout", str(key), "-out", str(certificate)],
            check=True,
            capture_output=True,
        )
        site = NGINX_CONFIG.read_text()
        for operator_value, local_value in [
            ("/etc/letsencrypt/live/example.org/fullchain.pem", str(certificate)),
            ("/etc/letsencrypt/live/example.org/privkey.pem", str(key)),
            ("server_name example.org;", "server_name localhost;"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
            ("listen [::]:443 ssl http2;", ""),
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("listen [::]:80;", ""),
            ("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{self.purge_port};"),
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
            ("/var/cache/nginx/campaign", str(self.cache_dir)),
            ("/srv/campaign/static_collected/", f"{static_root}/"),
            ("/srv/campaign/media/", f"{media_root}/"),
        ]:
            assert operator_value in site, f"docs/nginx.conf no longer says {operator_value}"
            site = site.replace(operator_value, local_value)
        temp_paths = "\n".join(
            f"    {kind}_temp_path {self.work_dir}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        config = self.work_dir / "nginx.conf"
        # Started by root (as CI is), nginx's workers would run as nobody, who cannot use the
        # run's private directories.
        config.write_text(
            f"""load_module {NGINX_PURGE_MODULE};
{"user root;" if os.geteuid() == 0 else ""}
worker_processes {workers};
pid {self.work_dir}/nginx.pid;
error_log {self.work_dir}/error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
{temp_paths}
{site}
}}
"""
        )
        self.tls = ssl.create_default_context(cafile=certificate)
        self.process = subprocess.Popen(
            [find_nginx(), "-c", str(config), "-p", str(self.work_dir), "-g", "daemon off;"],
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_port(self.https_port, process=self.process)

    def get(self, path, headers=None):
        """(status, headers, body) of a GET over https with the site's host name."""
        connection = http.client.HTTPSConnection(
            "localhost", self.https_port, timeout=30, context=self.tls
        )
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
        connection.close()
        return response.status, dict(response.getheaders()), body

    def cached_keys(self):
        """The keys of what nginx holds in its cache right now."""
        return {
            line.split(b"KEY: ", 1)[1].decode()
            for entry in self.cache_dir.rglob("*")
            if entry.is_file()
            for line in entry.read_bytes().split(b"\n")[:3]
            if line.startswith(b"KEY: ")
        }

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
