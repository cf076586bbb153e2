"""Two app instances sharing PostgreSQL and Redis behave as one.

Each instance is gunicorn under production settings in its own process, so nothing held in
one process's memory can help the other. Needs DATABASE_URL (PostgreSQL) and REDIS_URL, as
CI's second pass sets them; on SQLite there is nothing for two processes to share.
"""

import http.client
import os
import re
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cms.pagecache.middleware import CACHE_STATUS_HEADER
from home.models import UpdateIndexPage

from .factories import UpdatePageFactory

PROJECT_DIR = Path(__file__).resolve().parents[1]


def shared_database_url():
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def production_environment(static_root):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": shared_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "PAGE_CACHE_SECONDS": "600",
        "STATIC_ROOT": str(static_root),
    }


def collect_static_files(environment):
    """Production pages name their stylesheet by its hashed name, which collectstatic makes."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=PROJECT_DIR,
        env=environment,
        check=True,
    )


class AppInstance:
    """One gunicorn serving the site, on a port the system picks."""

    def __init__(self, environment):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cms.wsgi", "--bind", "127.0.0.1:0"]
            + ["--workers", "1", "--log-level", "info"],
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
        # As the TLS-terminating proxy in front would say, so that production settings
        # do not redirect to https.
        client.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = client.getresponse()
        body = response.read().decode()
        client.close()
        return response, body

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def two_instances(django_db_setup, tmp_path_factory):
    if connection.vendor != "postgresql" or "REDIS_URL" not in os.environ:
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    assert "redis" in settings.CACHES["default"]["BACKEND"].lower()
    environment = production_environment(tmp_path_factory.mktemp("static"))
    collect_static_files(environment)
    instances = [AppInstance(environment), AppInstance(environment)]
    yield instances
    for instance in instances:
        instance.stop()


@pytest.mark.django_db(transaction=True)
def test_instances_share_one_page_cache(campaign_site, two_instances):
    first, second = two_instances
    response, _ = first.get(campaign_site.url)
    assert response.getheader(CACHE_STATUS_HEADER) == "miss"
    response, _ = second.get(campaign_site.url)
    assert response.getheader(CACHE_STATUS_HEADER) == "hit"


@pytest.mark.django_db(transaction=True)
def test_publishing_shows_at_once_in_every_instance(campaign_site, two_instances):
    for instance in two_instances:
        instance.get(campaign_site.url)
    update_index = UpdateIndexPage.objects.child_of(campaign_site).get()
    # A committed transaction, as in the admin: the cache is cleared once it commits.
    update = UpdatePageFactory(parent=update_index, title="Picket at the embassy", live=False)
    update.save_revision().publish()
    for instance in two_instances:
        response, body = instance.get(campaign_site.url)
        assert response.status == 200
        assert "Picket at the embassy" in body
        response, _ = instance.get(update.url)
        assert response.status == 200
