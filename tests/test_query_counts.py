import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from cms.pagecache import cache as pagecache
from cms.pagecache.cache import content_changed
from forms_app.models import SignupFormPage
from home.models import MeetingIndexPage, UpdateIndexPage
from sponsors.models import Sponsor

from .api_helpers import API
from .factories import SponsorFactory, UpdatePageFactory

# Issue 7 asks for at most 12 queries on every public page type and API answer, and issue 14
# for the same cold (right after a content change, when nothing kept between requests can be
# used) as warm, in every language, measured with 10 and with 500 sponsors and updates.
QUERY_BUDGET = 12
# Every page type is measured in English and in Uyghur: a page in a language other than the
# source's costs Wagtail one more query to find (the home page's translation), and its links
# lead to the pages in its own language.
LANGUAGES = ["en", "ug"]


@pytest.fixture
def parts_kept(settings, monkeypatch):
    """The site as it renders a page its page cache does not hold: parts kept between requests
    (the menu, the language links, ...), the whole page not. The cache's copy of the content
    version is kept for the whole test, which a request with 500 updates can outlast."""
    monkeypatch.setattr(pagecache, "MIRROR_SECONDS", 600)
    settings.PAGE_CACHE_SECONDS = 600
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("PageCacheMiddleware")]


def queries_for(client, url, publish):
    """(cold, warm): queries right after a content change, then for the same page again."""
    client.get(url)  # what Wagtail keeps for itself (the sites' root paths), as in production
    publish(content_changed)
    counts = []
    for _ in ("cold", "warm"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    return tuple(counts)


def add_content(count, *update_indexes):
    """count sponsors, and count pinned updates in each update index (each language's)."""
    Sponsor.objects.bulk_create(SponsorFactory.build_batch(count))
    for update_index in update_indexes:
        for _ in range(count):
            UpdatePageFactory(parent=update_index, is_pinned=True)


def test_query_count_does_not_grow_with_content(campaign_site, client, parts_kept, publish):
    # The real content (menu, calls to action), and one test for every page type in each
    # language, so that the 500 updates are built once.
    locales = [Locale.objects.get(language_code=code) for code in LANGUAGES]
    update_index = UpdateIndexPage.objects.child_of(campaign_site).get()
    update_indexes = [update_index.get_translation(locale) for locale in locales]
    add_content(10, *update_indexes)
    pages = [campaign_site, *campaign_site.get_children().specific()]
    pages.append(update_index.get_children().first().specific)
    meeting_index = MeetingIndexPage.objects.child_of(campaign_site).get()
    pages.append(meeting_index.get_children().first().specific)
    urls = [page.get_translation(locale).url for locale in locales for page in pages]
    assert len(set(urls)) == len(pages) * len(LANGUAGES)
    with_ten = {url: queries_for(client, url, publish) for url in urls}
    add_content(490, *update_indexes)
    with_five_hundred = {url: queries_for(client, url, publish) for url in urls}
    assert with_five_hundred == with_ten
    over_budget = {
        url: counts for url, counts in with_five_hundred.items() if max(counts) > QUERY_BUDGET
    }
    assert over_budget == {}, with_five_hundred


def test_api_query_count_does_not_grow_with_content(campaign_site, client, parts_kept, publish):
    update_index = UpdateIndexPage.objects.child_of(campaign_site).get()
    add_content(10, update_index)
    signup_form = SignupFormPage.objects.get(locale__language_code="en")
    urls = [
        f"{API}/pages/?type=home.UpdatePage&fields=*",
        f"{API}/pages/?type=home.UpdatePage&fields=*&locale=ug",
        f"{API}/pages/{campaign_site.pk}/",
        f"{API}/pages/{update_index.get_children().first().pk}/",
        f"{API}/sponsors/",
        f"{API}/forms/{signup_form.pk}/",
    ]
    with_ten = {url: queries_for(client, url, publish) for url in urls}
    add_content(490, update_index)
    with_five_hundred = {url: queries_for(client, url, publish) for url in urls}
    assert with_five_hundred == with_ten
    assert max(warm for _, warm in with_five_hundred.values()) <= QUERY_BUDGET, with_five_hundred
