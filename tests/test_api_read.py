"""Contract tests for the read API under /api/v2/, in English and in Traditional Chinese."""

import datetime

import pytest
import wagtail_factories
from django.test import override_settings
from django.utils import translation
from wagtail.models import Locale

from cms.localisation.models import SponsorDescription
from sponsors.models import Sponsor

from .factories import SponsorFactory, UpdatePageFactory

API = "/api/v2"


@pytest.fixture
def site(tree):
    """The English tree, its Traditional Chinese translation, and updates in both."""
    zh_hant = Locale.objects.create(language_code="zh-hant")
    english = dict(tree)
    english["old_update"] = UpdatePageFactory(
        parent=tree["updates"], title="Founding meeting", published_on=datetime.date(2023, 3, 1)
    )
    english["pinned_update"] = UpdatePageFactory(
        parent=tree["updates"],
        title="Conference in London",
        published_on=datetime.date(2023, 7, 1),
        is_pinned=True,
    )
    chinese = {}
    for key, page in english.items():
        translation = page.copy_for_translation(zh_hant)
        translation.title = f"{page.title}（繁體）"
        translation.save_revision().publish()
        chinese[key] = translation.specific
    return {"en": english, "zh-hant": chinese}


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def item_ids(body):
    return {item["id"] for item in body["items"]}


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_locale_filter_lists_only_that_language(site, client, language):
    body = get_json(client, f"{API}/pages/", locale=language)
    assert item_ids(body) == {page.pk for page in site[language].values()}
    assert {item["meta"]["locale"] for item in body["items"]} == {language}


def test_translation_of_finds_the_translation(site, client):
    english_platform = site["en"]["platform"]
    body = get_json(client, f"{API}/pages/", translation_of=english_platform.pk, locale="zh-hant")
    assert item_ids(body) == {site["zh-hant"]["platform"].pk}


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_type_filter_lists_only_that_type(site, client, language):
    body = get_json(client, f"{API}/pages/", type="home.UpdatePage", locale=language)
    assert item_ids(body) == {
        site[language]["old_update"].pk,
        site[language]["pinned_update"].pk,
    }


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_tree_filters_stay_in_the_language(site, client, language):
    pages = site[language]
    home, updates = pages["home"], pages["updates"]
    children = get_json(client, f"{API}/pages/", child_of=home.pk)
    assert item_ids(children) == {pages[key].pk for key in ("platform", "updates", "sponsors")}
    descendants = get_json(client, f"{API}/pages/", descendant_of=updates.pk)
    assert item_ids(descendants) == {pages["old_update"].pk, pages["pinned_update"].pk}
    ancestors = get_json(client, f"{API}/pages/", ancestor_of=pages["old_update"].pk)
    assert item_ids(ancestors) == {home.pk, updates.pk}


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_fields_order_limit_and_offset(site, client, language):
    body = get_json(
        client,
        f"{API}/pages/",
        type="home.UpdatePage",
        locale=language,
        fields="_,id,title,published_on",
        order="published_on",
        limit=1,
        offset=1,
    )
    assert body["meta"]["total_count"] == 2
    (item,) = body["items"]
    assert set(item) == {"id", "title", "published_on"}
    assert item["id"] == site[language]["pinned_update"].pk


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_search_finds_pages_in_the_language(site, client, language):
    body = get_json(client, f"{API}/pages/", search="London", locale=language)
    assert item_ids(body) == {site[language]["pinned_update"].pk}


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_pinned_notice_in_one_request(site, client, language):
    body = get_json(
        client,
        f"{API}/pages/",
        type="home.UpdatePage",
        is_pinned="true",
        locale=language,
        order="-published_on",
        limit=1,
        fields="*",
    )
    (notice,) = body["items"]
    assert notice["id"] == site[language]["pinned_update"].pk
    assert notice["is_pinned"] is True


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_update_has_date_summary_body_and_pinned_flag(site, client, language):
    update = site[language]["pinned_update"]
    body = get_json(client, f"{API}/pages/{update.pk}/")
    assert body["title"] == update.title
    assert body["published_on"] == "2023-07-01"
    assert body["summary"] == update.summary
    assert body["body"] == "<p>Body.</p>"
    assert body["is_pinned"] is True
    assert body["meta"]["locale"] == language


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_platform_points_are_structured_items(site, client, language):
    platform = site[language]["platform"]
    body = get_json(client, f"{API}/pages/{platform.pk}/")
    assert body["summary"] == platform.summary
    paragraph, section = body["body"]
    assert paragraph["type"] == "paragraph"
    assert section["type"] == "platform_section"
    assert section["value"]["introduction"] == "The campaign should support struggles:"
    assert section["value"]["items"] == ["One"]


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_home_page_highlights(site, client, language):
    SponsorFactory()
    SponsorFactory(status=Sponsor.Status.PENDING)
    home = site[language]["home"]
    body = get_json(client, f"{API}/pages/{home.pk}/")
    assert body["intro"] == home.intro
    assert body["privacy_promise"] == home.privacy_promise
    highlights = body["highlights"]
    assert highlights["pinned_update"]["id"] == site[language]["pinned_update"].pk
    # The latest updates besides the pinned one, which the front page already shows.
    assert [update["id"] for update in highlights["latest_updates"]] == [
        site[language]["old_update"].pk,
    ]
    assert highlights["sponsor_count"] == 1


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_index_pages_serve_their_intro(site, client, language):
    for key in ("updates", "sponsors"):
        page = site[language][key]
        assert get_json(client, f"{API}/pages/{page.pk}/")["intro"] == page.intro


def test_rich_text_links_are_public_urls(site, client):
    update = site["en"]["old_update"]
    update.body = f'<p><a linktype="page" id="{site["en"]["platform"].pk}">platform</a></p>'
    update.save_revision().publish()
    body = get_json(client, f"{API}/pages/{update.pk}/")
    assert 'href="/en/platform/"' in body["body"]


def test_images_listing_and_detail(db, client):
    image = wagtail_factories.ImageFactory(title="Rally banner")
    listing = get_json(client, f"{API}/images/")
    assert item_ids(listing) == {image.pk}
    detail = get_json(client, f"{API}/images/{image.pk}/")
    assert detail["title"] == "Rally banner"
    assert detail["meta"]["download_url"].endswith(image.file.url)


def test_documents_listing_and_detail(db, client):
    document = wagtail_factories.DocumentFactory(title="Conference agenda")
    listing = get_json(client, f"{API}/documents/")
    assert item_ids(listing) == {document.pk}
    detail = get_json(client, f"{API}/documents/{document.pk}/")
    assert detail["title"] == "Conference agenda"
    assert "download_url" in detail["meta"]


def test_sponsors_listing_serves_approved_sponsors_with_public_fields(db, client):
    approved = SponsorFactory(
        name="Union Branch",
        website="https://branch.example",
        description="A branch.",
        kind=Sponsor.Kind.UNION_BRANCH,
    )
    SponsorFactory(status=Sponsor.Status.PENDING)
    body = get_json(client, f"{API}/sponsors/")
    assert body["meta"]["total_count"] == 1
    (item,) = body["items"]
    assert item == {
        "id": approved.pk,
        "listed_by_name": True,
        "name": "Union Branch",
        "website": "https://branch.example",
        "description": "A branch.",
        "logo": None,
        "kind": "union_branch",
        "kind_label": "Union branch",
        "country": "United Kingdom",
        "approved_at": item["approved_at"],
    }
    served_time = datetime.datetime.fromisoformat(item["approved_at"])
    assert abs(served_time - approved.approved_at) < datetime.timedelta(milliseconds=1)


def test_sponsor_listed_by_kind_and_country_is_not_named(db, client):
    SponsorFactory(
        name="Hidden Diaspora Group",
        website="https://hidden.example",
        description="Who we are.",
        logo=wagtail_factories.ImageFactory(),
        listing=Sponsor.Listing.KIND_AND_COUNTRY,
        kind=Sponsor.Kind.COMMUNITY_GROUP,
        country="Taiwan",
    )
    (item,) = get_json(client, f"{API}/sponsors/")["items"]
    assert item["listed_by_name"] is False
    assert item["name"] is item["website"] is item["description"] is item["logo"] is None
    assert (item["kind"], item["country"]) == ("community_group", "Taiwan")


def test_sponsor_descriptions_in_the_language_asked_for(db, client):
    sponsor = SponsorFactory(description="A trades council.")
    english = SponsorDescription.objects.get(sponsor=sponsor)
    for code, text, live in [("zh-hant", "一個職工會。", True), ("zh-hans", "草稿。", False)]:
        locale, _created = Locale.objects.get_or_create(language_code=code)
        translated = english.copy_for_translation(locale)
        translated.text, translated.live = text, live
        translated.save()

    def description(locale):
        return get_json(client, f"{API}/sponsors/", locale=locale)["items"][0]["description"]

    assert description("en") == "A trades council."
    assert description("zh-hant") == "一個職工會。"
    # A translation not yet published gives way to the organisation's own words.
    assert description("zh-hans") == "A trades council."


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_sponsor_kinds_are_labelled_in_the_language_asked_for(db, client, language):
    SponsorFactory(kind=Sponsor.Kind.TRADE_UNION)
    (item,) = get_json(client, f"{API}/sponsors/", locale=language)["items"]
    with translation.override(language):
        assert item["kind_label"] == str(Sponsor.Kind.TRADE_UNION.label)


def test_sponsor_logo_is_a_small_rendition(db, client):
    SponsorFactory(logo=wagtail_factories.ImageFactory(file__width=800, file__height=200))
    (item,) = get_json(client, f"{API}/sponsors/")["items"]
    assert (item["logo"]["width"], item["logo"]["height"]) == (240, 60)


def test_sponsors_are_paginated(db, client):
    sponsors = SponsorFactory.create_batch(3)
    body = get_json(client, f"{API}/sponsors/", limit=2, offset=1)
    assert body["meta"]["total_count"] == 3
    assert [item["id"] for item in body["items"]] == [sponsor.pk for sponsor in sponsors[1:]]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "many"),
        ("offset", "-1"),
        ("offset", "9" * 20),
        ("locale", "xx"),
    ],
)
def test_sponsors_refuse_a_bad_limit_or_offset_as_json(db, client, parameter, value):
    response = client.get(f"{API}/sponsors/", {parameter: value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [parameter]


@pytest.mark.parametrize(
    "url",
    [f"{API}/pages/999999/", f"{API}/images/999999/", f"{API}/no-such-endpoint/", "/api/v9/"],
)
def test_missing_items_are_json_404s_not_redirects(db, client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "message" in response.json()


def test_unknown_filter_is_a_json_400(site, client):
    response = client.get(f"{API}/pages/", {"no_such_field": "1"})
    assert response.status_code == 400
    assert "no_such_field" in response.json()["message"]


@pytest.mark.parametrize("path", ["/pages/", "/images/", "/documents/", "/sponsors/"])
def test_reads_are_publicly_cacheable_with_etags(site, client, path):
    response = client.get(f"{API}{path}")
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]
    again = client.get(f"{API}{path}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@override_settings(CORS_ALLOWED_ORIGINS=["https://partner.example"])
def test_cors_allows_listed_origins_only(site, client):
    allowed = client.get(f"{API}/pages/", HTTP_ORIGIN="https://partner.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://partner.example"
    refused = client.get(f"{API}/pages/", HTTP_ORIGIN="https://elsewhere.example")
    assert "Access-Control-Allow-Origin" not in refused


@override_settings(CORS_ALLOWED_ORIGINS=["https://partner.example"])
def test_cors_covers_only_the_api(site, client):
    response = client.get(site["en"]["home"].url, HTTP_ORIGIN="https://partner.example")
    assert "Access-Control-Allow-Origin" not in response


def test_basic_auth_header_is_ignored(site, client):
    response = client.get(f"{API}/pages/", HTTP_AUTHORIZATION="Basic YWRtaW46d3Jvbmc=")
    assert response.status_code == 200


def test_openapi_description_is_served_without_cdn_assets(db, client):
    schema = get_json(client, f"{API}/openapi.json")
    assert schema["openapi"].startswith("3.")
    assert f"{API}/sponsors/" in schema["paths"]
    assert client.get(f"{API}/docs").status_code == 404
