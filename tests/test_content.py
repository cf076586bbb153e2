import io
import tomllib

import pytest
from django.core.management import call_command
from wagtail.models import Page

from home.management.commands.load_campaign_content import CONTENT_FILE
from home.models import HomePage, PlatformPage, UpdatePage
from sponsors.models import Sponsor

CONTENT = tomllib.loads(CONTENT_FILE.read_text(encoding="utf-8"))


def platform_items(platform):
    return [
        item
        for block in platform.body
        if block.block_type == "platform_section"
        for item in block.value["items"]
    ]


def test_content_file_holds_the_whole_platform():
    sections = CONTENT["platform"]["sections"]
    assert [len(section["items"]) for section in sections] == [6, 3, 5]
    assert len(CONTENT["sponsors"]["organisations"]) == 11


def test_platform_has_all_fourteen_items_each_its_own(campaign_site):
    platform = PlatformPage.objects.get(locale__language_code="en")
    expected = [item for s in CONTENT["platform"]["sections"] for item in s["items"]]
    assert platform_items(platform) == expected
    assert len(expected) == 14


def test_platform_keeps_the_campaigns_wording(campaign_site):
    items = platform_items(PlatformPage.objects.get(locale__language_code="en"))
    assert items[0].startswith("For democratic and workers’ rights across China")
    assert "Fight racism against people of East & South-East Asian backgrounds." in items
    assert items[-1] == (
        "To carry out practical aid tailor made to the communities within the struggles in the UK"
    )


def test_both_notices_are_updates_without_invented_dates(campaign_site):
    updates = UpdatePage.objects.live().filter(locale__language_code="en")
    assert [u.slug for u in updates.order_by("first_published_at")] == [
        "inaugural-conference-planned-for-summer",
        "founding-meeting",
    ]
    assert [u.published_on for u in updates] == [None, None]
    founding = updates.get(slug="founding-meeting")
    assert "Workers Against the CCP" in founding.body
    assert founding.is_pinned


def test_the_call_points_to_the_platform_pages_own_sections(campaign_site, client):
    html = client.get(PlatformPage.objects.get(locale__language_code="en").url).content.decode()
    assert '<a href="#statement">our statement</a>' in html
    assert '<a href="#sign-up">the form below</a>' in html
    assert '<a href="#contact">our email</a>' in html
    assert '<a href="#sign-up">sign up below</a>' in html
    for target in ("sign-up", "contact", "statement"):
        assert f'id="{target}"' in html


def test_the_eleven_cosponsors_are_approved(campaign_site):
    loaded = list(Sponsor.objects.approved().values_list("name", "kind"))
    assert loaded == [(o["name"], o["kind"]) for o in CONTENT["sponsors"]["organisations"]]


def test_every_cosponsor_has_a_known_kind():
    kinds = {organisation["kind"] for organisation in CONTENT["sponsors"]["organisations"]}
    assert kinds <= set(Sponsor.Kind.values)


def test_privacy_promise_is_on_the_home_page(campaign_site, client):
    response = client.get(campaign_site.url)
    assert "Details of individuals will NOT be published" in response.content.decode()


def test_loading_twice_changes_nothing(campaign_site):
    before = (Page.objects.count(), Sponsor.objects.count(), campaign_site.get_latest_revision().pk)
    out = io.StringIO()
    call_command("load_campaign_content", stdout=out)
    after = (Page.objects.count(), Sponsor.objects.count(), campaign_site.get_latest_revision().pk)
    assert before == after
    assert "Nothing to do" in out.getvalue()


def test_loading_keeps_organisers_edits(campaign_site):
    platform = PlatformPage.objects.get(locale__language_code="en")
    platform.title = "Our platform, as edited"
    platform.save_revision().publish()
    Sponsor.objects.filter(name="June 4 Sparks").update(status=Sponsor.Status.REJECTED)
    call_command("load_campaign_content", stdout=io.StringIO())
    assert PlatformPage.objects.get(locale__language_code="en").title == "Our platform, as edited"
    assert Sponsor.objects.get(name="June 4 Sparks").status == Sponsor.Status.REJECTED


def test_if_empty_skips_a_site_with_content(campaign_site):
    out = io.StringIO()
    call_command("load_campaign_content", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()


@pytest.mark.django_db
def test_site_serves_the_campaign_home_page_after_loading(client):
    call_command("load_campaign_content", stdout=io.StringIO())
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.context["page"].specific_class is HomePage
    assert "Welcome to your new Wagtail site" not in response.content.decode()


def test_every_page_renders_its_content(campaign_site, client):
    english = Page.objects.live().filter(depth__gt=1, locale__language_code="en")
    pages = {page.url: page for page in english.specific()}
    # Eight campaign pages (the meetings and the inaugural conference among them), three forms,
    # the privacy notice.
    assert len(pages) == 12
    for url, page in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert page.title in response.content.decode(), url


def test_platform_page_shows_every_item(campaign_site, client):
    html = client.get(PlatformPage.objects.get(locale__language_code="en").url).content.decode()
    for section in CONTENT["platform"]["sections"]:
        assert section["introduction"] in html.replace("&#x27;", "'")
        for item in section["items"]:
            assert item.replace("&", "&amp;") in html


def test_home_page_lists_calls_to_action_to_live_pages(campaign_site, client):
    html = client.get(campaign_site.url).content.decode()
    assert 'href="/en/platform/"' in html
    assert "Read the platform" in html
