"""The anonymous page cache: who gets cached pages, and each event that must clear them."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from django.core.cache import cache, caches
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale, PageViewRestriction, Site

from cms.cache import FailSoftRedisCache
from cms.pagecache.cache import GENERATION_KEY
from cms.pagecache.middleware import CACHE_STATUS_HEADER
from cms.wsgi import application
from forms_app.models import CampaignFormSubmission, SignupFormPage
from sponsors.models import Sponsor

from .factories import SponsorFactory, UpdateIndexPageFactory, UpdatePageFactory
from .forms_helpers import SIGNUP_ANSWERS, submit


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def cache_status(response):
    return response.headers.get(CACHE_STATUS_HEADER)


def served(path, **headers):
    """A GET through the WSGI application gunicorn serves: (status, headers, text)."""
    answer = {}

    def start_response(status, response_headers):
        answer.update(status=status, headers=dict(response_headers))

    # As Django's test client does: the test's database connection must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(RequestFactory().get(path, **headers).environ, start_response)
        text = b"".join(response).decode()
        if hasattr(response, "close"):
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], text


@pytest.fixture
def handled_by_django():
    """The paths of the requests that reached Django's request handling."""
    paths = []

    def record(environ, **kwargs):
        paths.append(environ["PATH_INFO"])

    request_started.connect(record)
    yield paths
    request_started.disconnect(record)


def test_second_anonymous_visit_is_served_from_cache(page_cache, tree, client):
    first = client.get(tree["home"].url)
    assert cache_status(first) == "miss"
    second = client.get(tree["home"].url)
    assert cache_status(second) == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_cached_page_keeps_the_security_headers(page_cache, tree, client):
    first = client.get(tree["home"].url)
    second = client.get(tree["home"].url)
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert second[header] == first[header]


def test_cache_hit_makes_no_database_query(page_cache, tree, client, django_assert_num_queries):
    client.get(tree["platform"].url)
    with django_assert_num_queries(0):
        client.get(tree["platform"].url)


def test_a_page_this_process_keeps_is_answered_before_django(
    page_cache, tree, handled_by_django, django_assert_num_queries
):
    _, first_headers, first_text = served(tree["platform"].url)
    assert first_headers[CACHE_STATUS_HEADER] == "miss"
    with django_assert_num_queries(0):
        status, headers, text = served(tree["platform"].url)
    assert status == "200 OK"
    assert headers[CACHE_STATUS_HEADER] == "hit"
    assert headers["Content-Type"] == first_headers["Content-Type"]
    assert text == first_text
    assert handled_by_django == [tree["platform"].url]


def test_a_visitor_with_a_session_is_left_to_django(page_cache, tree, handled_by_django):
    served(tree["platform"].url)
    status, headers, _ = served(tree["platform"].url, HTTP_COOKIE="sessionid=a-signed-in-editor")
    assert status == "200 OK"
    assert CACHE_STATUS_HEADER not in headers
    assert handled_by_django == [tree["platform"].url, tree["platform"].url]


def test_publishing_retires_the_pages_each_process_keeps(page_cache, tree, client, publish):
    client.get(tree["home"].url)
    update = UpdatePageFactory(parent=tree["updates"], title="Strike at the port", live=False)
    publish(update.save_revision().publish)
    _, headers, text = served(tree["home"].url)
    assert headers[CACHE_STATUS_HEADER] == "miss"
    assert "Strike at the port" in text


@pytest.fixture
def redis_page_cache(page_cache):
    if not hasattr(caches["default"], "changes_announced"):
        pytest.skip("needs Redis: set REDIS_URL")
    return caches["default"]._cache.get_client(write=True)


def test_a_change_made_while_the_subscription_was_lost_is_not_missed(redis_page_cache, tree):
    served(tree["platform"].url)
    assert served(tree["platform"].url)[1][CACHE_STATUS_HEADER] == "hit"
    redis_page_cache.client_kill_filter(_type="pubsub")
    # Another instance publishing while this one could not hear it: the token changes, the
    # announcement is lost.
    cache.set(GENERATION_KEY, "replaced-unheard", timeout=None)
    assert served(tree["platform"].url)[1][CACHE_STATUS_HEADER] == "miss"
    assert served(tree["platform"].url)[1][CACHE_STATUS_HEADER] == "hit"
    # Subscribed again: the next announcement is heard.
    cache.set(GENERATION_KEY, "replaced-and-announced", timeout=None)
    cache.announce_change()
    assert served(tree["platform"].url)[1][CACHE_STATUS_HEADER] == "miss"


def test_a_redis_that_refuses_subscriptions_still_serves_cached_pages(
    redis_page_cache, tree, monkeypatch
):
    def refuse(self):
        raise redis.exceptions.NoPermissionError("this user has no permissions to SUBSCRIBE")

    monkeypatch.setattr(FailSoftRedisCache, "_subscribe_to_changes", refuse)
    monkeypatch.setattr(caches["default"], "_subscription", None)
    monkeypatch.setattr(caches["default"], "_subscribe_after", 0.0)
    assert served(tree["platform"].url)[1][CACHE_STATUS_HEADER] == "miss"
    assert served(tree["platform"].url)[1][CACHE_STATUS_HEADER] == "hit"


def test_each_language_and_page_has_its_own_entry(page_cache, tree, client):
    client.get(tree["home"].url)
    assert cache_status(client.get(tree["platform"].url)) == "miss"


def test_signed_in_visitor_never_gets_the_cached_page(page_cache, tree, client, admin_client):
    client.get(tree["home"].url)
    response = admin_client.get(tree["home"].url)
    assert response.status_code == 200
    assert cache_status(response) is None


def test_signed_in_visit_is_not_stored(page_cache, tree, client, admin_client):
    admin_client.get(tree["home"].url)
    assert cache_status(client.get(tree["home"].url)) == "miss"


def test_link_tracking_parameters_share_the_entry(page_cache, tree, client):
    client.get(tree["home"].url)
    response = client.get(tree["home"].url, {"utm_source": "newsletter", "fbclid": "abc"})
    assert cache_status(response) == "hit"


def test_unknown_query_parameters_bypass_the_cache(page_cache, tree, client):
    client.get(tree["home"].url, {"q": "strike"})
    assert cache_status(client.get(tree["home"].url, {"q": "strike"})) is None


def test_update_list_pages_are_cached_apart(page_cache, tree, client):
    UpdatePageFactory.create_batch(11, parent=tree["updates"])
    client.get(tree["updates"].url)
    second_page = client.get(tree["updates"].url, {"page": 2})
    assert cache_status(second_page) == "miss"
    assert cache_status(client.get(tree["updates"].url, {"page": 2})) == "hit"


def test_form_page_served_with_a_warm_cache_accepts_a_valid_post(
    page_cache, campaign_site, client, settings
):
    # A form carries its visitor's CSRF and one-off tokens, so it is never stored: a cached
    # copy would hand every visitor the first one's tokens and refuse their posts.
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    signup_form = SignupFormPage.objects.get(locale__language_code="en")
    for url in (campaign_site.url, signup_form.url, campaign_site.url, signup_form.url):
        Client().get(url)  # the crowd before this visitor
    visitor = Client(enforce_csrf_checks=True)
    assert cache_status(visitor.get(campaign_site.url)) == "hit"
    form_page = visitor.get(signup_form.url)
    assert cache_status(form_page) is None
    tokens = re.findall(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]+)"', form_page.text)
    response = visitor.post(
        signup_form.url, {"captcha": "test-mode", **SIGNUP_ANSWERS, **dict(tokens)}
    )
    assert response.status_code == 303
    assert CampaignFormSubmission.objects.filter(page=signup_form).count() == 1


def test_thank_you_page_is_the_same_for_everyone_and_cached(page_cache, campaign_site, settings):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    settings.FORMS_RATE_LIMITS = []  # both visitors come from the test client's one address
    signup_form = SignupFormPage.objects.get(locale__language_code="en")
    first, second = Client(), Client()
    submit(first, signup_form, SIGNUP_ANSWERS)
    response = submit(second, signup_form, {**SIGNUP_ANSWERS, "email": "sam@example.net"})
    assert response.redirect_chain == [(signup_form.url + "thanks/", 303)]
    assert cache_status(response) == "hit"
    assert "Thank you" in response.text
    assert "sam@example.net" not in response.text


def test_site_is_looked_up_once_per_content_change(tree, client, publish):
    def site_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(tree["home"].url).status_code == 200
        return [query for query in queries if "wagtailcore_site" in query["sql"]]

    assert site_queries()
    assert not site_queries()
    site = Site.objects.get()
    site.site_name = "Renamed"
    publish(site.save)
    assert site_queries()


def test_missing_page_is_not_cached(page_cache, tree, client):
    client.get(tree["home"].url + "no-such-page/")
    response = client.get(tree["home"].url + "no-such-page/")
    assert response.status_code == 404
    assert cache_status(response) is None


def test_publishing_an_update_shows_it_on_the_cached_home_page(page_cache, tree, client, publish):
    client.get(tree["home"].url)
    update = UpdatePageFactory(parent=tree["updates"], title="Strike at the port", live=False)
    publish(update.save_revision().publish)
    response = client.get(tree["home"].url)
    assert cache_status(response) == "miss"
    assert "Strike at the port" in response.text


def test_unpublishing_removes_a_cached_page(page_cache, tree, client, publish):
    update = UpdatePageFactory(parent=tree["updates"])
    client.get(update.url)
    client.get(tree["updates"].url)
    publish(update.unpublish)
    assert client.get(update.url).status_code == 404
    assert update.title not in client.get(tree["updates"].url).text


def test_moving_a_page_retires_its_old_address(page_cache, tree, client, publish):
    update = UpdatePageFactory(parent=tree["updates"])
    old_url = update.url
    client.get(old_url)
    archive = UpdateIndexPageFactory(parent=tree["home"], title="Archive", slug="archive")
    publish(update.move, archive, pos="last-child")
    response = client.get(old_url)
    # Wagtail leaves a redirect from the old address to the new one.
    assert response.status_code == 301
    assert response.url == f"{archive.url}{update.slug}/"


def test_making_a_section_private_removes_its_cached_pages(page_cache, tree, client, publish):
    update = UpdatePageFactory(parent=tree["updates"], title="Strike at the port")
    client.get(update.url)
    client.get(tree["home"].url)
    publish(
        PageViewRestriction.objects.create,
        page=tree["updates"],
        restriction_type=PageViewRestriction.PASSWORD,
        password="organisers only",
    )
    response = client.get(update.url)
    assert "Strike at the port" not in response.text
    assert "password" in response.text.lower()
    assert "Strike at the port" not in client.get(tree["home"].url).text


def test_deleting_a_page_removes_it(page_cache, tree, client, publish):
    update = UpdatePageFactory(parent=tree["updates"])
    client.get(update.url)
    publish(update.delete)
    assert client.get(update.url).status_code == 404


def test_approving_a_sponsor_updates_list_and_count(page_cache, tree, client, publish):
    sponsor = SponsorFactory(name="Dockers' Union", status=Sponsor.Status.PENDING)
    client.get(tree["sponsors"].url)
    client.get(tree["home"].url)
    sponsor.status = Sponsor.Status.APPROVED
    publish(sponsor.save)
    assert "Dockers&#x27; Union" in client.get(tree["sponsors"].url).text
    assert "1 organisation sponsors" in client.get(tree["home"].url).text


def test_withdrawing_a_sponsor_removes_it(page_cache, tree, client, publish):
    sponsor = SponsorFactory(name="Dockers' Union")
    client.get(tree["sponsors"].url)
    sponsor.status = Sponsor.Status.REJECTED
    publish(sponsor.save)
    assert "Dockers&#x27; Union" not in client.get(tree["sponsors"].url).text


def test_deleting_an_approved_sponsor_removes_it(page_cache, tree, client, publish):
    sponsor = SponsorFactory(name="Dockers' Union")
    client.get(tree["sponsors"].url)
    publish(sponsor.delete)
    assert "Dockers&#x27; Union" not in client.get(tree["sponsors"].url).text


def test_new_pending_sponsor_keeps_the_cache(page_cache, tree, client, publish):
    client.get(tree["sponsors"].url)
    publish(SponsorFactory, status=Sponsor.Status.PENDING)
    assert cache_status(client.get(tree["sponsors"].url)) == "hit"


def test_saving_a_draft_keeps_the_cache(page_cache, tree, client, publish):
    client.get(tree["platform"].url)
    tree["platform"].title = "Draft title"
    publish(tree["platform"].save_revision)
    assert cache_status(client.get(tree["platform"].url)) == "hit"


def test_publishing_a_translation_refreshes_the_original(page_cache, tree, client, publish):
    client.get(tree["home"].url)
    translation = tree["home"].copy_for_translation(Locale.objects.create(language_code="ug"))
    publish(translation.save_revision().publish)
    assert cache_status(client.get(tree["home"].url)) == "miss"


def test_publishing_a_section_adds_it_to_every_menu(tree, client, publish):
    client.get(tree["platform"].url)
    archive = UpdateIndexPageFactory(
        parent=tree["home"], title="Archive", slug="archive", show_in_menus=True, live=False
    )
    publish(archive.save_revision().publish)
    assert f'href="{archive.url}"' in client.get(tree["platform"].url).text


class PurgeRecorder(BaseHTTPRequestHandler):
    """A reverse proxy's purge endpoint, recording what it is asked to drop."""

    purged = []

    def do_PURGE(self):  # noqa: N802 (the HTTP method's name)
        self.purged.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def reverse_proxy(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    PurgeRecorder.purged = []
    settings.WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_port}",
        }
    }
    yield PurgeRecorder.purged
    server.shutdown()
    server.server_close()


def test_publishing_purges_the_reverse_proxy(page_cache, tree, reverse_proxy, publish):
    update = UpdatePageFactory(parent=tree["updates"], live=False)
    publish(update.save_revision().publish)
    assert {tree["home"].url, tree["updates"].url, update.url} <= set(reverse_proxy)


def test_migrating_a_deployment_clears_the_cache(page_cache, tree, client):
    client.get(tree["home"].url)
    call_command("migrate", verbosity=0)
    assert cache_status(client.get(tree["home"].url)) == "miss"
