import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import SponsorFactory, UpdatePageFactory

# Issue 7 asks for at most 12 queries on every public page type.
QUERY_BUDGET = 12


def queries_for(client, url):
    client.get(url)  # the first request warms per-process caches (site root paths)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_content(tree, count):
    SponsorFactory.create_batch(count)
    for _ in range(count):
        UpdatePageFactory(parent=tree["updates"], is_pinned=True)


@pytest.mark.parametrize("section", ["home", "platform", "updates", "sponsors", "update"])
def test_query_count_does_not_grow_with_content(tree, client, section):
    add_content(tree, 10)
    tree["update"] = tree["updates"].get_children().first()
    url = tree[section].url
    with_ten = queries_for(client, url)
    add_content(tree, 190)
    with_two_hundred = queries_for(client, url)
    assert with_ten == with_two_hundred
    assert with_two_hundred <= QUERY_BUDGET
