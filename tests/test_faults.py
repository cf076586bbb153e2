"""When a part fails: the database gone or hung (503 with a clear page, in seconds, cached pages
still served, recovering by itself), Redis (the cache steps aside and pages come from the
database)."""

import json
import logging
import os
import secrets
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection

from cms.pagecache.cache import MIRROR_SECONDS
from forms_app.models import SignupFormPage

from .servers import (
    GunicornSite,
    SilentListener,
    TcpRelay,
    database_url,
    fetch,
    free_port,
    site_server,
    wait_until,
)


def postgres_url(port, name="campaign"):
    return f"postgres://postgres@127.0.0.1:{port}/{name}"


@pytest.fixture(scope="module")
def site_without_database():
    """The site with its database server gone: nothing listens on the database port."""
    with site_server(DATABASE_URL=postgres_url(free_port())) as url:
        yield url


def test_page_answers_503_with_a_clear_page_when_the_database_is_down(site_without_database):
    status, body, headers = fetch(site_without_database + "/en/")
    assert status == 503
    assert "cannot reach its database" in body
    assert headers["Retry-After"] == "30"
    assert "Traceback" not in body and "psycopg" not in body


def test_form_post_answers_503_and_says_it_was_not_received(site_without_database):
    token = secrets.token_hex(16)
    request = urllib.request.Request(
        site_without_database + "/en/",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": token, "name": "A"}).encode(),
        headers={"Cookie": f"csrftoken={token}"},
    )
    status, body, _ = fetch(request)
    assert status == 503
    assert "has not been received" in body


def test_health_check_reports_the_database_down(site_without_database):
    assert fetch(site_without_database + "/healthz")[0] == 503


def test_hung_database_is_given_up_on_within_seconds():
    hung_database = SilentListener()
    try:
        with site_server(DATABASE_URL=postgres_url(hung_database.port)) as url:
            # fetch gives up after 10 s: the site must answer before then.
            status, body, _ = fetch(url + "/en/", timeout=10)
    finally:
        hung_database.close()
    assert status == 503
    assert "cannot reach its database" in body


def test_site_recovers_by_itself_when_the_database_returns(db):
    relay = TcpRelay(*postgresql_test_database())
    try:
        with site_server(DATABASE_URL=database_url(connection, relay.port)) as url:
            assert fetch(url + "/healthz")[0] == 200
            relay.cut()
            assert fetch(url + "/healthz")[0] == 503
            relay.restore()
            assert fetch(url + "/healthz")[0] == 200
    finally:
        relay.cut()


def test_health_check_is_ok_while_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


# A hung database: the server accepts connections and keeps them, and answers nothing. The
# relay stands in for it (as a frozen server or a proxy in front of it would behave: the
# system acknowledges what is sent, no answer comes), so that the shared PostgreSQL other
# tests use is not frozen itself. A lock held by another session is the other hang, a real
# one: PostgreSQL itself makes every reader wait.


def postgresql_test_database():
    """The test database's server as (host, port); CI's second pass runs these tests."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL as the test database: set DATABASE_URL")
    database = connection.settings_dict
    return database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)


@pytest.fixture
def site_on_a_database_that_can_hang(committed_campaign_site):
    """The site under gunicorn, one worker so every request meets the same connection, on the
    tests' own PostgreSQL database through a relay; its front page cached."""
    relay = TcpRelay(*postgresql_test_database())
    site = GunicornSite(
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        DATABASE_URL=database_url(connection, relay.port),
        DATABASE_STATEMENT_TIMEOUT="2",
        PAGE_CACHE_SECONDS="600",
        WEB_CONCURRENCY="1",
    )
    try:
        for _ in range(2):
            assert fetch(site.url + committed_campaign_site.url)[0] == 200
        yield site, relay, committed_campaign_site
    finally:
        relay.thaw()
        site.stop()
        relay.cut()


@pytest.mark.django_db(transaction=True)
def test_while_the_database_hangs_the_site_answers_within_seconds(
    site_on_a_database_that_can_hang,
):
    site, relay, home = site_on_a_database_that_can_hang
    signup_page = SignupFormPage.objects.get(locale__language_code="en")  # never cached
    relay.freeze()
    # Each would wait for ever; gunicorn killed the worker after 30 s. The fetches give up
    # well before that (bench/hung_database.py measures the real times).
    assert fetch(site.url + signup_page.url, timeout=15)[0] == 503
    assert fetch(site.url + "/healthz", timeout=5)[0] == 503
    assert fetch(site.url + home.url, timeout=5)[0] == 200  # from the page cache
    # Known down now: answered without trying the database, where each try would wait.
    for _ in range(5):
        assert fetch(site.url + signup_page.url, timeout=2.5)[0] == 503


@pytest.mark.django_db(transaction=True)
def test_a_cached_page_is_answered_when_the_database_hangs_before_anything_else_asks_it(
    site_on_a_database_that_can_hang,
):
    """A cached page is checked against the content version, read from the database once the
    cache's copy expires: that read is given up on too, and the last version read is used."""
    site, relay, home = site_on_a_database_that_can_hang
    relay.freeze()
    time.sleep(MIRROR_SECONDS + 0.5)
    # Waiting on the database unwatched, the worker was killed after 30 s.
    assert fetch(site.url + home.url, timeout=10)[0] == 200


@pytest.mark.django_db(transaction=True)
def test_the_site_recovers_when_a_hung_database_answers_again(site_on_a_database_that_can_hang):
    site, relay, _home = site_on_a_database_that_can_hang
    signup_page = SignupFormPage.objects.get(locale__language_code="en")
    relay.freeze()
    assert fetch(site.url + signup_page.url, timeout=15)[0] == 503
    relay.thaw()
    # The health check's last question may have gone unanswered: a later one finds it back.
    wait_until(
        lambda: fetch(site.url + "/healthz", timeout=5)[0] == 200,
        seconds=10,
        what="the health check finding the database back",
    )
    assert fetch(site.url + signup_page.url, timeout=15)[0] == 200


@pytest.mark.django_db(transaction=True)
def test_tables_locked_by_another_session_are_given_up_on(committed_campaign_site):
    """A migration or a stuck transaction holding ACCESS EXCLUSIVE on the tables every page
    and the health check read: PostgreSQL's own statement timeout ends each wait."""
    postgresql_test_database()
    site = GunicornSite(
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        DATABASE_URL=database_url(connection),
        DATABASE_STATEMENT_TIMEOUT="2",
        PAGE_CACHE_SECONDS="0",
        WEB_CONCURRENCY="1",
    )
    locker = psycopg.connect(database_url(connection))
    try:
        assert fetch(site.url + "/healthz")[0] == 200
        locker.execute("LOCK TABLE wagtailcore_site, wagtailcore_page IN ACCESS EXCLUSIVE MODE")
        assert fetch(site.url + "/healthz", timeout=5)[0] == 503
        assert fetch(site.url + committed_campaign_site.url, timeout=15)[0] == 503
        locker.rollback()
        assert fetch(site.url + "/healthz")[0] == 200
        assert fetch(site.url + committed_campaign_site.url)[0] == 200
    finally:
        locker.close()
        site.stop()


# Redis


def redis_at(port):
    """The production settings' Redis cache, at a port where Redis is down or hung."""
    return {
        alias: {**options, "LOCATION": f"redis://127.0.0.1:{port}/0"}
        for alias, options in redis_settings().items()
    }


def redis_settings():
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.CACHES))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.dev"}
    environment["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_pages_are_served_from_the_database_when_redis_is_down(client, home, settings, caplog):
    settings.CACHES = redis_at(free_port())
    settings.PAGE_CACHE_SECONDS = 600
    with caplog.at_level(logging.WARNING):
        response = client.get(home.url)
        cache.set("key", "value")
        assert cache.get("key", "missing") == "missing"
    assert response.status_code == 200
    assert home.title in response.content.decode()
    assert "Exception ignored" in caplog.text


def test_pages_are_served_when_redis_hangs(client, home, settings):
    hung_redis = SilentListener()
    settings.CACHES = redis_at(hung_redis.port)
    settings.PAGE_CACHE_SECONDS = 600
    try:
        assert client.get(home.url).status_code == 200
        assert cache.get_or_set("key", "computed") == "computed"
    finally:
        hung_redis.close()
