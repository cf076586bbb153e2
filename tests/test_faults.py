"""When a part fails: the database (503 with a clear page, in seconds, recovering by itself),
Redis (the cache steps aside and pages come from the database)."""

import logging
import os
import secrets
import socket
import urllib.parse
import urllib.request

import pytest
from django.core.cache import cache

from .servers import SilentListener, TcpRelay, fetch, free_port, site_server

POSTGRES = ("127.0.0.1", 5432)


def require_postgresql():
    try:
        socket.create_connection(POSTGRES, 2).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (CI needs it)")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


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


def test_site_recovers_by_itself_when_the_database_returns():
    require_postgresql()
    relay = TcpRelay(*POSTGRES)
    try:
        with site_server(DATABASE_URL=postgres_url(relay.port, "postgres")) as url:
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


# Redis


def fail_soft_redis_at(port):
    return {
        "default": {
            "BACKEND": "cms.cache.FailSoftRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_pages_are_served_from_the_database_when_redis_is_down(client, home, settings, caplog):
    settings.CACHES = fail_soft_redis_at(free_port())
    with caplog.at_level(logging.WARNING, logger="cms.cache"):
        response = client.get(home.url)
        cache.set("key", "value")
        assert cache.get("key", "missing") == "missing"
    assert response.status_code == 200
    assert home.title in response.content.decode()
    assert "Redis unreachable" in caplog.text


def test_pages_are_served_when_redis_hangs(client, home, settings):
    hung_redis = SilentListener()
    settings.CACHES = fail_soft_redis_at(hung_redis.port)
    try:
        assert client.get(home.url).status_code == 200
        assert cache.get_or_set("key", "computed") == "computed"
        assert cache.incr("counter") == 1
    finally:
        hung_redis.close()
