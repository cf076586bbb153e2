"""Real servers on loopback for the fault tests: the site in its own process, a TCP relay
that can cut a connection to PostgreSQL, and a listener that accepts and never answers."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]

# The site as a WSGI server in a separate process, so that it has its own database settings.
SERVE_SCRIPT = """
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server
from cms.wsgi import application

class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args):
        pass

make_server("127.0.0.1", int(sys.argv[1]), application, handler_class=QuietHandler).serve_forever()
"""


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
def site_server(**environment):
    """The site under the test settings in its own process; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "PYTHONUNBUFFERED": "1",
        **environment,
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT, str(port)],
        cwd=PROJECT_DIR,
        env=env,
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


def fetch(url, data=None, timeout=15):
    """(status, body) of a request; an HTTP error status is an answer, not an exception."""
    try:
        with urllib.request.urlopen(url, data=data, timeout=timeout) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


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


class TcpRelay:
    """Forwards a local port to a real server; `cut()` drops every connection and refuses new
    ones (the server has gone away), `restore()` listens again."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.connections = []
        self.restore()

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
            self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
