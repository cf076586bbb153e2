"""The updates' RSS and Atom feeds, read by strict parsers: feedparser, which flags anything
not well formed, and lxml checks of what RFC 4287 (Atom) and RSS 2.0 require."""

import feedparser
import pytest
from lxml import etree

from home.models import UpdateIndexPage

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def updates_index(campaign_site):
    return UpdateIndexPage.objects.get(locale__language_code="en")


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def test_atom_feed_is_strictly_valid_with_undated_updates(updates_index, client):
    body = fetch(client, updates_index.url + "feed/atom/")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    feed = etree.fromstring(body)
    for required in ("atom:id", "atom:title", "atom:updated", "atom:author/atom:name"):
        assert feed.find(required, ATOM) is not None, required
    entries = feed.findall("atom:entry", ATOM)
    assert len(entries) == 2
    for entry in entries:
        for required in ("atom:id", "atom:title", "atom:updated", "atom:link"):
            assert entry.find(required, ATOM) is not None, required
    assert feed.find("atom:link[@rel='self']", ATOM).get("href").endswith("/en/updates/feed/atom/")


def test_rss_feed_is_strictly_valid_with_undated_updates(updates_index, client):
    body = fetch(client, updates_index.url + "feed/")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    channel = etree.fromstring(body).find("channel")
    for required in ("title", "link", "description"):
        assert channel.findtext(required), required
    items = channel.findall("item")
    assert len(items) == 2
    for item in items:
        assert item.findtext("title") and item.findtext("link") and item.findtext("guid")
        # Undated notices are dated by when they were first published, never left without.
        assert item.findtext("pubDate")
    assert [entry.published_parsed is not None for entry in parsed.entries] == [True, True]
