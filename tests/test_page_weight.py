"""The home page stays light for visitors on slow or filtered connections."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

# Issue 7: the home page with everything it loads, before compression.
HOME_PAGE_BUDGET_BYTES = 50 * 1000


class LoadedResources(HTMLParser):
    """What a browser fetches to show the page: stylesheets, scripts, images, icons."""

    def __init__(self):
        super().__init__()
        self.urls = []
        self.blocking_scripts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") in ("stylesheet", "preload", "icon", "manifest"):
            self.urls.append(attrs["href"])
        elif tag in ("img", "source", "iframe", "video", "audio") and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
            # A script fetched without async, defer or type="module" stops rendering.
            if not ({"async", "defer"} & attrs.keys() or attrs.get("type") == "module"):
                self.blocking_scripts.append(attrs["src"])


def size_of(url):
    """Bytes of a file the page loads from the site itself."""
    if url.startswith(settings.STATIC_URL):
        path = re.sub(r"\?.*$", "", url.removeprefix(settings.STATIC_URL))
        return Path(finders.find(path)).stat().st_size
    if url.startswith(settings.MEDIA_URL):
        return (Path(settings.MEDIA_ROOT) / url.removeprefix(settings.MEDIA_URL)).stat().st_size
    raise AssertionError(f"{url} is neither a static nor a media file")


@pytest.fixture
def home_page(campaign_site, client):
    response = client.get(campaign_site.url)
    assert response.status_code == 200
    resources = LoadedResources()
    resources.feed(response.text)
    return response, resources


def test_home_page_and_what_it_loads_fit_the_budget(home_page):
    response, resources = home_page
    total = len(response.content) + sum(size_of(url) for url in resources.urls)
    assert total <= HOME_PAGE_BUDGET_BYTES, f"{total} bytes: {resources.urls}"


def test_home_page_loads_nothing_from_third_parties(home_page):
    _, resources = home_page
    assert all(url.startswith("/") and not url.startswith("//") for url in resources.urls)


def test_home_page_has_no_render_blocking_script(home_page):
    _, resources = home_page
    assert resources.blocking_scripts == []


def test_home_page_downloads_no_web_font(home_page):
    _, resources = home_page
    stylesheets = [url for url in resources.urls if url.endswith(".css")]
    assert stylesheets
    for url in stylesheets:
        path = url.removeprefix(settings.STATIC_URL)
        assert "@font-face" not in Path(finders.find(path)).read_text()
