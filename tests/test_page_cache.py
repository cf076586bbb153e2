"""The anonymous page cache: who gets cached pages, what a hit still goes through, and each
event that must retire them."""

import os
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from wagtail.models import Locale, PageViewRestriction

from cms.pagecache import cache as pagecache
from cms.pagecache.cache import (
    CACHE_ALIAS,
    MIRROR_KEY,
    MIRROR_SECONDS,
    content_version,
)
from cms.pagecache.middleware import CACHE_STATUS_HEADER
from cms.pagecache.models import ContentVersion
from forms_app.models import CampaignFormSubmission, SignupFormPage
from home.models import UPDATES_PER_PAGE
from sponsors.models import Sponsor

from .factories import SponsorFactory, UpdateIndexPageFactory, UpdatePageFactory
from .forms_helpers import SIGNUP_ANSWERS, submit
from .servers import TcpRelay
from .wsgi_client import served


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600


def cache_status(response):
    return response.headers.get(CACHE_STATUS_HEADER)


def test_second_anonymous_visit_is_served_from_cache(page_cache, tree, client):
    first = client.get(tree["home"].url)
    assert cache_status(first) == "miss"
    second = client.get(tree["home"].url)
    assert cache_status(second) == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_the_application_gunicorn_serves_answers_from_the_cache(page_cache, tree):
    first_status, first_headers, first_text = served(tree["platform"].url)
    status, headers, text = served(tree["platform"].url)
    assert (first_status, first_headers[CACHE_STATUS_HEADER]) == (200, "miss")
    assert (status, headers[CACHE_STATUS_HEADER]) == (200, "hit")
    assert text == first_text


def test_cached_page_keeps_the_security_headers(page_cache, tree, client):
    first = client.get(tree["home"].url)
    second = client.get(tree["home"].url)
    for header in (
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Content-Security-Policy",
        "Permissions-Policy",
    ):
        assert second[header] == first[header]


def test_a_hit_still_refuses_a_host_outside_allowed_hosts(page_cache, tree, settings):
    settings.ALLOWED_HOSTS = ["campaign.example.org"]
    served(tree["home"].url, HTTP_HOST="campaign.example.org")
    assert served(tree["home"].url, HTTP_HOST="campaign.example.org")[0] == 200
    assert served(tree["home"].url, HTTP_HOST="attacker.example")[0] == 400


def test_a_hit_still_goes_through_the_security_middleware(page_cache, tree, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    served(tree["home"].url, secure=True)
    status, headers, _ = served(tree["home"].url, secure=True)
    assert (status, headers[CACHE_STATUS_HEADER]) == (200, "hit")
    assert headers["Strict-Transport-Security"] == "max-age=3600"
    status, headers, _ = served(tree["home"].url)
    assert status == 301
    assert headers["Location"].startswith("https://")


def test_cache_hit_makes_no_database_query(page_cache, tree, client, django_assert_num_queries):
    client.get(tree["platform"].url)
    with django_assert_num_queries(0):
        client.get(tree["platform"].url)


def test_cached_pages_tell_a_proxy_it_may_keep_them(page_cache, tree, client, settings):
    settings.PROXY_CACHE_SECONDS = 45
    for response in (client.get(tree["home"].url), client.get(tree["home"].url)):
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=0", "s-maxage=45", "stale-while-revalidate=45"}


def test_form_pages_tell_a_proxy_not_to_keep_them(page_cache, campaign_site, client):
    signup_form = SignupFormPage.objects.get(locale__language_code="en")
    response = client.get(signup_form.url)
    assert "public" not in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_a_visitor_with_a_session_is_left_to_django(page_cache, tree):
    served(tree["platform"].url)
    status, headers, _ = served(tree["platform"].url, HTTP_COOKIE="sessionid=a-signed-in-editor")
    assert status == 200
    assert CACHE_STATUS_HEADER not in headers


def test_publishing_retires_the_page_for_the_wsgi_application(page_cache, tree, publish):
    served(tree["home"].url)
    update = UpdatePageFactory(parent=tree["updates"], title="Strike at the port", live=False)
    publish(update.save_revision().publish)
    _, headers, text = served(tree["home"].url)
    assert headers[CACHE_STATUS_HEADER] == "miss"
    assert "Strike at the port" in text


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
    UpdatePageFactory.create_batch(UPDATES_PER_PAGE + 1, parent=tree["updates"])
    client.get(tree["updates"].url)
    second_page = client.get(tree["updates"].url, {"page": 2})
    assert cache_status(second_page) == "miss"
    assert cache_status(client.get(tree["updates"].url, {"page": 2})) == "hit"


@pytest.mark.parametrize("number", ["3", "0", "-1", "02", "2.0", "x", "", "١"])
def test_update_list_has_no_page_outside_its_real_range(page_cache, tree, client, number):
    UpdatePageFactory.create_batch(UPDATES_PER_PAGE + 1, parent=tree["updates"])
    for _ in range(2):
        response = client.get(tree["updates"].url, {"page": number})
        assert response.status_code == 404
        assert cache_status(response) is None


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
    first = submit(Client(), signup_form, SIGNUP_ANSWERS)
    second = submit(Client(), signup_form, {**SIGNUP_ANSWERS, "email": "sam@example.net"})
    assert first.redirect_chain == [(signup_form.url + "thanks/", 303)]
    assert cache_status(first) == "miss"
    assert cache_status(second) == "hit"
    assert "Thank you" in second.text
    # The page the first visitor's answers led to is the one every later visitor is given.
    for visible in (first.text, second.text):
        assert SIGNUP_ANSWERS["email"] not in visible
        assert SIGNUP_ANSWERS["name"] not in visible


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


def test_parts_kept_for_uncached_pages_expire(tree, client, settings):
    # An edit made straight in the database sends no signal: only the parts' lifetime bounds how
    # long the menu keeps showing the old title.
    settings.PAGE_CACHE_SECONDS = 1
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "PageCacheMiddleware" not in m]
    tree["platform"].show_in_menus = True
    tree["platform"].save()
    assert ">Platform<" in client.get(tree["updates"].url).text
    type(tree["platform"]).objects.filter(pk=tree["platform"].pk).update(
        title="Renamed", menu_title=""
    )
    assert ">Platform<" in client.get(tree["updates"].url).text
    time.sleep(1.5)
    assert ">Renamed<" in client.get(tree["updates"].url).text


def test_a_database_edit_shows_once_the_page_expires(tree, client, settings):
    settings.PAGE_CACHE_SECONDS = 1
    client.get(tree["platform"].url)
    type(tree["platform"]).objects.filter(pk=tree["platform"].pk).update(summary="Edited")
    time.sleep(1.5)
    response = client.get(tree["platform"].url)
    assert cache_status(response) == "miss"


@pytest.fixture
def pages_cache_behind_a_relay(page_cache, settings):
    """The pages cache in the test's Redis, reached through a relay that can be cut."""
    if "REDIS_URL" not in os.environ:
        pytest.skip("needs Redis: set REDIS_URL")
    redis = urlsplit(os.environ["REDIS_URL"])
    relay = TcpRelay(redis.hostname, redis.port or 6379)
    settings.CACHES = {
        **settings.CACHES,
        CACHE_ALIAS: {
            **settings.CACHES[CACHE_ALIAS],
            "LOCATION": f"redis://127.0.0.1:{relay.port}{redis.path}",
        },
    }
    yield relay
    relay.cut()


def test_a_change_made_while_redis_was_unreachable_is_not_lost(
    pages_cache_behind_a_relay, tree, client, publish
):
    sponsor = SponsorFactory(name="Dockers' Union")
    client.get(tree["sponsors"].url)
    assert cache_status(client.get(tree["sponsors"].url)) == "hit"
    pages_cache_behind_a_relay.cut()
    sponsor.status = Sponsor.Status.REJECTED
    publish(sponsor.save)
    assert "Dockers&#x27; Union" not in client.get(tree["sponsors"].url).text
    # Redis back with everything it held, as after a restart from its last dump.
    pages_cache_behind_a_relay.restore()
    time.sleep(MIRROR_SECONDS)
    response = client.get(tree["sponsors"].url)
    assert "Dockers&#x27; Union" not in response.text
    assert cache_status(response) == "miss"


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


def test_migrating_a_deployment_clears_the_cache(page_cache, tree, client, publish):
    client.get(tree["home"].url)
    publish(call_command, "migrate", verbosity=0)
    assert cache_status(client.get(tree["home"].url)) == "miss"


def test_outside_a_request_the_version_is_read_each_time(db):
    # As in the email worker or a management command: another process's change is seen.
    first = content_version()
    ContentVersion.objects.filter(pk=1).update(token=uuid.uuid4())
    pagecache.page_cache().delete(MIRROR_KEY)
    assert content_version() != first
