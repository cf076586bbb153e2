"""The translators' journey in a real browser, and the screens docs/translators.md shows."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect
from wagtail.models import GroupApprovalTask, Page, Workflow, WorkflowPage, WorkflowTask
from wagtail_localize.models import StringTranslation

from cms.localisation.translators import TRANSLATORS
from home.models import PlatformPage

from .conftest import BROWSER_DB

pytestmark = [pytest.mark.browser, BROWSER_DB]

PASSWORD = "a long translator passphrase"
# A reviewer's correction of the loader's draft title.
TITLE_IN_CHINESE = "呼籲成立新運動：工人團結，反抗中共鎮壓"


def ensure_review_workflow():
    """Wagtail's default review workflow, which its migrations make and a test flush removes."""
    root = Page.get_first_root_node()
    if WorkflowPage.objects.filter(page=root).exists():
        return
    reviewers, _ = Group.objects.get_or_create(name="Organisers")
    task = GroupApprovalTask.objects.create(name="Organisers approve")
    task.groups.add(reviewers)
    workflow = Workflow.objects.create(name="Organisers approve")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=root)


def platform_in(code):
    return PlatformPage.objects.get(locale__language_code=code)


def test_translator_translates_organiser_publishes_visitor_reads(
    live_campaign, page, screenshot, sign_in
):
    translator = get_user_model().objects.create_user("translator", password=PASSWORD)
    translator.groups.add(Group.objects.get(name=TRANSLATORS))
    organiser = get_user_model().objects.create_superuser("organiser", password=PASSWORD)
    ensure_review_workflow()
    base = live_campaign.url

    # The translator finds their language's pages with the loader's draft translations in
    # them; Uyghur pages, which nobody has started, are still aliases of the English.
    sign_in(page, base, translator, PASSWORD)
    home_zh = platform_in("zh-hant").get_parent()
    page.goto(f"{base}/admin/pages/{home_zh.pk}/")
    expect(page.locator("main")).to_contain_text("呼籲成立新運動")
    screenshot(page, "translator-find-work")
    page.goto(f"{base}/admin/pages/{platform_in('ug').pk}/edit/")
    expect(page.get_by_role("link", name="Translate this page").first).to_be_visible()
    screenshot(page, "translator-alias-page")

    # The translation editor: each piece of the page is a segment, here with its draft.
    page.goto(f"{base}/admin/pages/{platform_in('zh-hant').pk}/edit/")
    edit = page.get_by_role("button", name=re.compile(r"^(Edit|Translate)$")).first
    expect(edit).to_be_visible()
    edit.click()
    page.locator("textarea").first.fill(TITLE_IN_CHINESE)
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Translated manually").first).to_be_visible()
    assert StringTranslation.objects.filter(data=TITLE_IN_CHINESE).exists()
    screenshot(page, "translator-translation-editor", full_page=True)

    # Submitting for review saves a draft; visitors still see the English title.
    page.goto(f"{base}/admin/pages/{home_zh.pk}/")
    page.goto(f"{base}/admin/localisation/pages/{platform_in('zh-hant').pk}/submit-for-review/")
    screenshot(page, "translator-submit-for-review")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messages")).to_contain_text("sent to the organisers for review")
    assert platform_in("zh-hant").workflow_in_progress

    # The organiser approves on the dashboard, which publishes the translation.
    page.context.clear_cookies()
    sign_in(page, base, organiser, PASSWORD)
    page.goto(base + "/admin/")
    expect(page.locator("main")).to_contain_text(TITLE_IN_CHINESE)
    screenshot(page, "organiser-review-translation")
    review_row = page.locator("tr", has_text=TITLE_IN_CHINESE)
    review_row.locator("[data-w-dropdown-target='toggle']").click()
    review_row.get_by_role("button", name="Approve", exact=True).click()
    expect(review_row).to_have_count(0)

    # A visitor reading the English platform switches to Traditional Chinese.
    page.context.clear_cookies()
    page.goto(base + "/en/platform/")
    page.get_by_role("navigation", name="Languages").get_by_role("link", name="繁體中文").click()
    expect(page).to_have_url(base + "/zh-hant/platform/")
    expect(page.locator("h1")).to_have_text(TITLE_IN_CHINESE)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
    screenshot(page, "visitor-reads-translation")


def test_uyghur_mirrors_and_tibetan_does_not(live_campaign, page, screenshot, subtests):
    for code, direction in [("ug", "rtl"), ("bo", "ltr")]:
        with subtests.test(code=code):
            page.goto(f"{live_campaign.url}/{code}/")
            expect(page.locator("html")).to_have_attribute("dir", direction)
            expect(page.locator("html")).to_have_attribute("lang", code)
            screenshot(page, f"visitor-home-{code}")
            # The site name starts the header and the menu follows it: from the right in Uyghur.
            name = page.locator(".site-name").bounding_box()
            menu = page.locator(".site-nav").bounding_box()
            assert (name["x"] > menu["x"]) == (direction == "rtl"), (name, menu)
