import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from home.models import PlatformPage, UpdateIndexPage
from sponsors.models import Sponsor

from .conftest import BROWSER_DB

pytestmark = [pytest.mark.browser, BROWSER_DB]

ORGANISER_PASSWORD = "a long organiser passphrase"


def test_visitor_reads_the_platform_and_the_sponsors(live_campaign, page, screenshot):
    page.goto(live_campaign.url + "/")
    expect(page.locator("h1")).to_have_text("Workers Against the CCP")
    expect(page.locator(".pinned-update")).to_contain_text("Workers Against the CCP is founded")
    screenshot(page, "visitor-home", full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Platform").click()
    expect(page).to_have_url(live_campaign.url + "/en/platform/")
    expect(page.locator(".platform-section__items li")).to_have_count(14)
    expect(page.locator(".platform-section__items li").first).to_contain_text(
        "For democratic and workers’ rights across China"
    )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sponsors").click()
    expect(page.locator(".sponsor")).to_have_count(11)
    expect(page.locator(".sponsor-list")).to_contain_text("Uyghur Solidarity Campaign (UK)")


def test_organiser_publishes_a_pinned_update_that_visitors_see(
    live_campaign, page, screenshot, sign_in
):
    organiser = get_user_model().objects.create_superuser(
        "organiser", "organiser@example.org", ORGANISER_PASSWORD
    )
    update_index = UpdateIndexPage.objects.get(locale__language_code="en")

    sign_in(page, live_campaign.url, organiser, ORGANISER_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Workers Against the CCP")

    # The update index holds updates and newsletters: the organiser chooses an update.
    page.goto(f"{live_campaign.url}/admin/pages/{update_index.pk}/add_subpage/")
    page.locator(f"a[href$='/add/home/updatepage/{update_index.pk}/']").click()
    page.fill("#id_title", "Picket of the embassy on Saturday")
    page.fill("#id_summary", "Join the picket at noon; bring banners and friends.")
    page.locator("[data-contentpath='body'] [role='textbox']").click()
    page.keyboard.type("Meet at noon outside the embassy.")
    # Draftail copies its content into the form's hidden input a moment after typing stops.
    expect(page.locator("input[name=body]")).to_have_value(re.compile("Meet at noon"))
    page.check("#id_is_pinned")
    screenshot(page, "organiser-new-update", full_page=True)
    page.locator("[data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messages")).to_contain_text("published")

    page.goto(live_campaign.url + "/en/")
    pinned = page.locator(".pinned-update")
    expect(pinned).to_contain_text("Picket of the embassy on Saturday")
    screenshot(page, "visitor-sees-pinned-update")
    pinned.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("Meet at noon outside the embassy.")

    page.goto(live_campaign.url + PlatformPage.objects.get(locale__language_code="en").url)
    expect(page.locator(".pinned-update")).to_contain_text("Picket of the embassy on Saturday")


def test_public_pages_have_no_serious_accessibility_violations(live_campaign, page, axe_violations):
    Sponsor.objects.create(name="Pending group", status=Sponsor.Status.PENDING)
    for path in (
        "/en/",
        "/en/platform/",
        "/en/updates/",
        "/en/updates/founding-meeting/",
        "/en/sponsors/",
        "/en/no-such-page/",
    ):
        page.goto(live_campaign.url + path)
        assert axe_violations(page) == [], path


def test_pages_work_without_javascript(live_campaign, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_campaign.url + "/en/")
    page.get_by_role("link", name="Read the platform").click()
    expect(page.locator(".platform-section")).to_have_count(3)
    context.close()


def test_organiser_guide_screens(live_campaign, page, screenshot, sign_in):
    """The screens docs/organisers.md shows, each checked for what the guide says is there."""
    organiser = get_user_model().objects.create_superuser(
        "organiser", "organiser@example.org", ORGANISER_PASSWORD
    )
    Sponsor.objects.create(
        name="Hackney Trades Council", country="United Kingdom", status=Sponsor.Status.PENDING
    )
    sign_in(page, live_campaign.url, organiser, ORGANISER_PASSWORD)

    home = PlatformPage.objects.get(locale__language_code="en").get_parent()
    page.goto(f"{live_campaign.url}/admin/pages/{home.pk}/")
    expect(page.locator("main")).to_contain_text("Updates")
    screenshot(page, "organiser-page-explorer")

    page.goto(
        f"{live_campaign.url}/admin/pages/{PlatformPage.objects.get(locale__language_code='en').pk}/edit/"
    )
    expect(page.locator("main")).to_contain_text("Platform section")
    page.get_by_text("Platform section").first.scroll_into_view_if_needed()
    screenshot(page, "organiser-edit-platform")

    page.goto(live_campaign.url + "/admin/snippets/sponsors/sponsor/?status=pending")
    expect(page.locator("main")).to_contain_text("Hackney Trades Council")
    expect(page.locator("main")).not_to_contain_text("June 4 Sparks")
    screenshot(page, "organiser-pending-sponsors")
