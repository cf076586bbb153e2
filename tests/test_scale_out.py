"""Two app instances sharing PostgreSQL and Redis behave as one.

Each instance is gunicorn under production settings in its own process, so nothing held in
one process's memory can help the other. Needs DATABASE_URL (PostgreSQL) and REDIS_URL, as
CI's second pass sets them; on SQLite there is nothing for two processes to share.
"""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from cms.pagecache.cache import MIRROR_SECONDS
from cms.pagecache.middleware import CACHE_STATUS_HEADER
from home.models import UpdateIndexPage

from .factories import UpdatePageFactory
from .servers import Gunicorn, collect_static_files, database_url, production_environment

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two_instances(django_db_setup, tmp_path_factory):
    if connection.vendor != "postgresql" or "REDIS_URL" not in os.environ:
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    assert "redis" in settings.CACHES["pages"]["BACKEND"].lower()
    environment = production_environment(
        database_url(connection), tmp_path_factory.mktemp("static"), PAGE_CACHE_SECONDS="600"
    )
    collect_static_files(environment)
    instances = [Gunicorn(environment), Gunicorn(environment)]
    yield instances
    for instance in instances:
        instance.stop()


@pytest.mark.django_db(transaction=True)
def test_instances_share_one_page_cache(committed_campaign_site, two_instances):
    first, second = two_instances
    response, _ = first.get(committed_campaign_site.url)
    assert response.getheader(CACHE_STATUS_HEADER) == "miss"
    response, _ = second.get(committed_campaign_site.url)
    assert response.getheader(CACHE_STATUS_HEADER) == "hit"


@pytest.mark.django_db(transaction=True)
def test_publishing_shows_at_once_in_every_instance(committed_campaign_site, two_instances):
    for instance in two_instances:
        instance.get(committed_campaign_site.url)
    update_index = UpdateIndexPage.objects.child_of(committed_campaign_site).get()
    # A committed transaction, as in the admin: the cache is cleared once it commits.
    update = UpdatePageFactory(parent=update_index, title="Picket at the embassy", live=False)
    update.save_revision().publish()
    # Each instance may go on trusting its cache's copy of the content version for up to
    # MIRROR_SECONDS, no longer.
    time.sleep(MIRROR_SECONDS)
    for instance in two_instances:
        response, body = instance.get(committed_campaign_site.url)
        assert response.status == 200
        assert "Picket at the embassy" in body
        response, _ = instance.get(update.url)
        assert response.status == 200
