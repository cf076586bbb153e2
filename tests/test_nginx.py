"""docs/nginx.conf, run by Debian's nginx in front of gunicorn under production settings: what
it keeps, what it drops when content changes, what it never serves, and slow clients.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL), as CI's second pass sets them: the site
runs in its own processes and must share the test's database.
"""

import os
import socket
import time

import pytest
from django.db import connection
from django.test import override_settings

from home.models import UpdateIndexPage

from .factories import UpdatePageFactory
from .servers import (
    Gunicorn,
    ProjectNginx,
    collect_static_files,
    database_url,
    production_environment,
)


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql" or "REDIS_URL" not in os.environ:
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    static_root = tmp_path_factory.mktemp("static")
    media_root = tmp_path_factory.mktemp("media")
    environment = production_environment(
        database_url(connection),
        static_root,
        MEDIA_ROOT=str(media_root),
        PAGE_CACHE_SECONDS="600",
        PROXY_COUNT="1",
    )
    collect_static_files(environment)
    site = Gunicorn(environment, workers=2)
    nginx = ProjectNginx(site.port, tmp_path_factory.mktemp("nginx"), static_root, media_root)
    yield nginx, media_root
    nginx.stop()
    site.stop()


@pytest.fixture
def nginx(stack):
    return stack[0]


@pytest.fixture
def purged_by_wagtail(nginx):
    """Wagtail told to purge this nginx, as FRONTEND_CACHE_PURGE_URL does in production."""
    backend = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": f"http://127.0.0.1:{nginx.purge_port}",
    }
    with override_settings(WAGTAILFRONTENDCACHE={"nginx": backend}):
        yield


pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_pages_are_kept_by_nginx(committed_campaign_site, nginx):
    status, headers, body = nginx.get(committed_campaign_site.url)
    assert status == 200
    assert "https localhost/en/" in {
        key.replace("https", "https ", 1) for key in nginx.cached_keys()
    }
    assert nginx.get(committed_campaign_site.url)[2] == body


def test_the_apps_own_headers_stay_inside(committed_campaign_site, nginx):
    _, headers, _ = nginx.get(committed_campaign_site.url)
    assert "X-Page-Cache" not in headers
    assert headers["Server"] == "nginx"
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_form_pages_are_never_kept(committed_campaign_site, nginx):
    signup_form = committed_campaign_site.get_children().get(slug="sign-up")
    tokens = {
        nginx.get(signup_form.url)[2].split('name="form_token" value="')[1][:40] for _ in "ab"
    }
    assert len(tokens) == 2
    assert f"httpslocalhost{signup_form.url}" not in nginx.cached_keys()


def test_publishing_shows_through_nginx_at_once(committed_campaign_site, nginx, purged_by_wagtail):
    assert "Picket at the embassy" not in nginx.get(committed_campaign_site.url)[2]
    update_index = UpdateIndexPage.objects.child_of(committed_campaign_site).get()
    update = UpdatePageFactory(parent=update_index, title="Picket at the embassy", live=False)
    update.save_revision().publish()
    assert "Picket at the embassy" in nginx.get(committed_campaign_site.url)[2]


def test_uploaded_documents_are_never_served_by_file_name(stack):
    nginx, media_root = stack
    (media_root / "documents").mkdir()
    (media_root / "documents" / "minutes.txt").write_text("private minutes")
    (media_root / "images").mkdir()
    (media_root / "images" / "banner.txt").write_text("a public image")
    assert nginx.get("/media/documents/minutes.txt")[0] == 404
    assert nginx.get("/media/minutes.txt")[0] == 404
    assert nginx.get("/media/images/banner.txt")[:3:2] == (200, "a public image")


def test_slow_clients_cost_nginx_a_connection_not_a_worker(committed_campaign_site, nginx):
    # More slow clients than gunicorn has workers, each still sending its request's headers.
    slow_clients = []
    for _ in range(8):
        client = nginx.tls.wrap_socket(
            socket.create_connection(("127.0.0.1", nginx.https_port)), server_hostname="localhost"
        )
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        slow_clients.append(client)
    try:
        started = time.monotonic()
        status, _, _ = nginx.get("/healthz")
        assert status == 200
        assert time.monotonic() - started < 5
    finally:
        for client in slow_clients:
            client.close()
