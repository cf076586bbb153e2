"""Links in rich text to the site's own pages (cms/localisation/rich_text.py): each leads to
the page in the reader's language, as Wagtail's own links do, for one query per text."""

import pytest
from django.utils import translation
from wagtail.models import Page, get_page_models
from wagtail.rich_text import expand_db_html
from wagtail.rich_text.pages import PageLinkHandler

from cms.localisation.rich_text import PageInReadersLanguageLinkHandler
from forms_app.models import PrivacyNoticePage
from home.models import PlatformPage


def in_language(model, code):
    return model.objects.get(locale__language_code=code)


def consent_statement(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    start = html.index('class="consent-statement"')
    return html[start : html.index("</div>", start)]


def link_to(page_id):
    return f'<a linktype="page" id="{page_id}">our privacy notice</a>'


def test_a_link_leads_to_the_page_in_the_readers_language(campaign_site, client):
    assert 'href="/ug/privacy/"' in consent_statement(client, "/ug/sign-up/")
    assert 'href="/en/privacy/"' in consent_statement(client, "/en/sign-up/")


def test_a_link_leads_to_the_linked_page_while_the_readers_language_has_none_live(
    campaign_site, client
):
    in_language(PrivacyNoticePage, "ug").unpublish()
    assert 'href="/en/privacy/"' in consent_statement(client, "/ug/sign-up/")


def test_a_link_to_a_deleted_page_leads_nowhere(campaign_site):
    privacy_notice = in_language(PrivacyNoticePage, "en")
    link = link_to(privacy_notice.pk)
    privacy_notice.delete()
    with translation.override("ug"):
        assert expand_db_html(link) == "<a>our privacy notice</a>"


@pytest.mark.parametrize("code", ["en", "ug", "zh-hant"])
def test_links_are_wagtails_own_each_text_in_one_query(
    campaign_site, code, django_assert_num_queries
):
    # A page in English and one in Uyghur, a page whose Uyghur version is not live, and a
    # deleted page, with an id of no page.
    PlatformPage.objects.filter(locale__language_code="ug").update(live=False)
    attrs_list = [
        {"id": str(in_language(PrivacyNoticePage, "en").pk)},
        {"id": str(in_language(PrivacyNoticePage, "ug").pk)},
        {"id": str(in_language(PlatformPage, "en").pk)},
        {"id": "999999"},
    ]
    with translation.override(code):
        wagtails = PageLinkHandler.expand_db_attributes_many(attrs_list)
        with django_assert_num_queries(1):
            ours = PageInReadersLanguageLinkHandler.expand_db_attributes_many(attrs_list)
    assert ours == wagtails
    assert wagtails[-1] == "<a>"


def test_no_page_type_has_an_address_of_its_own():
    """The links lead to plain pages, whose address is their specific page's while no page type
    works out its own (get_url_parts)."""
    own_addresses = [
        model for model in get_page_models() if model.get_url_parts is not Page.get_url_parts
    ]
    assert own_addresses == []
