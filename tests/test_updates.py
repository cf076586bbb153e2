import datetime

import pytest

from home.models import UPDATES_PER_PAGE

from .factories import UpdatePageFactory


def test_update_index_lists_newest_first(tree, client):
    updates = tree["updates"]
    UpdatePageFactory(parent=updates, title="Older notice", published_on=datetime.date(2024, 1, 1))
    UpdatePageFactory(parent=updates, title="Newer notice", published_on=datetime.date(2024, 6, 1))
    listed = client.get(updates.url).context["updates"]
    assert [u.title for u in listed] == ["Newer notice", "Older notice"]


def test_update_index_paginates(tree, client):
    for _ in range(UPDATES_PER_PAGE + 1):
        UpdatePageFactory(parent=tree["updates"])
    first = client.get(tree["updates"].url)
    second = client.get(tree["updates"].url, {"page": 2})
    assert len(first.context["updates"]) == UPDATES_PER_PAGE
    assert len(second.context["updates"]) == 1
    assert 'rel="next"' in first.content.decode()


def test_update_index_has_no_page_outside_its_real_range(tree, client):
    # Each made-up number would otherwise be one more copy of the list in the page cache.
    UpdatePageFactory(parent=tree["updates"])
    for page_number in ("abc", "999", "01"):
        assert client.get(tree["updates"].url, {"page": page_number}).status_code == 404


def test_draft_update_not_listed(tree, client):
    UpdatePageFactory(parent=tree["updates"], title="Unpublished draft", live=False)
    assert "Unpublished draft" not in client.get(tree["updates"].url).content.decode()


@pytest.mark.parametrize("route", ["feed/", "feed/atom/"])
def test_feed_lists_updates(tree, client, route):
    UpdatePageFactory(parent=tree["updates"], title="Feed-worthy notice")
    UpdatePageFactory(parent=tree["updates"], title="Draft notice", live=False)
    response = client.get(tree["updates"].url + route)
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/rss+xml" if route == "feed/" else "application/atom+xml"
    )
    assert "Feed-worthy notice" in body
    assert "Draft notice" not in body


def test_pinned_update_shows_on_home_and_platform(tree, client):
    UpdatePageFactory(parent=tree["updates"], title="Conference moved", is_pinned=True)
    for page in (tree["home"], tree["platform"]):
        html = client.get(page.url).content.decode()
        assert 'class="pinned-update"' in html
        assert "Conference moved" in html


def test_newest_pinned_update_wins(tree, client):
    UpdatePageFactory(
        parent=tree["updates"],
        title="Old pin",
        is_pinned=True,
        published_on=datetime.date(2024, 1, 1),
    )
    UpdatePageFactory(
        parent=tree["updates"],
        title="New pin",
        is_pinned=True,
        published_on=datetime.date(2024, 2, 1),
    )
    assert client.get(tree["home"].url).context["pinned_update"].title == "New pin"


def test_no_banner_without_a_pinned_update(tree, client):
    UpdatePageFactory(parent=tree["updates"], is_pinned=False)
    UpdatePageFactory(parent=tree["updates"], is_pinned=True, live=False)
    assert 'class="pinned-update"' not in client.get(tree["home"].url).content.decode()


def test_home_shows_three_latest_updates(tree, client):
    for _ in range(5):
        UpdatePageFactory(parent=tree["updates"])
    latest = client.get(tree["home"].url).context["latest_updates"]
    assert [u.published_on for u in latest] == sorted(
        (u.published_on for u in latest), reverse=True
    )
    assert len(latest) == 3
