"""A supporter fills in and submits both forms in a real browser and confirms both by the
emailed links; an organiser approves the organisation; a visitor sees it listed."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from forms_app.models import CampaignFormSubmission, Subscriber
from sponsors.models import SponsorIndexPage

from .conftest import BROWSER_DB

pytestmark = [pytest.mark.browser, BROWSER_DB]

ORGANISER_PASSWORD = "a long organiser passphrase"


@pytest.fixture
def forms_site(live_campaign, settings):
    # A browser fills a form in faster than any person, and how much faster depends on the
    # machine; the minimum-time guard has its own tests (tests/test_form_guards.py).
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    return live_campaign


def emailed_path(recipient, marker):
    (message,) = [m for m in mail.outbox if m.to == [recipient] and marker in m.body]
    # The email links to the configured public address; the test server has its own port.
    return urlsplit(re.search(r"https?://\S+" + re.escape(marker) + r"\S+", message.body)[0]).path


def test_supporter_submits_both_forms_and_organiser_lists_the_organisation(
    forms_site, page, axe_violations, screenshot, sign_in
):
    policy_violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and policy_violations.append(message.text)
        ),
    )
    page.goto(forms_site.url + "/en/")
    page.get_by_role("link", name="Sponsor the campaign").first.click()
    expect(page.locator("h1")).to_have_text("Sponsor the campaign")
    assert axe_violations(page) == []
    page.get_by_label("Organisation name").fill("Haringey Trades Council")
    page.get_by_label("Website").fill("https://haringey-tc.example.org")
    page.get_by_label("Country", exact=True).fill("United Kingdom")
    page.get_by_label("What kind of organisation is it?").select_option("Trades council")
    page.get_by_label("By name", exact=True).check()
    page.get_by_label("Your name").fill("Sam Organiser")
    page.get_by_label("Your email address").fill("sam@haringey-tc.example.org")
    page.get_by_label("Your role in the organisation").fill("Secretary")
    page.get_by_label("Message").fill("Our branch voted to sponsor the campaign.")
    page.get_by_label(re.compile("agrees to be listed publicly")).check()
    screenshot(page, "visitor-sponsor-form", full_page=True)
    page.get_by_role("button", name="Send our sponsorship").click()
    expect(page.locator("h1")).to_have_text("Thank you")
    assert CampaignFormSubmission.objects.count() == 1

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(page.locator("h1")).to_have_text("Sign up for updates")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign up", exact=True).click()
    expect(page.locator(".form-error-summary")).to_contain_text("Your email address")
    page.get_by_label("Your name").fill("Alex Supporter")
    page.get_by_label("Your email address").fill("alex@example.net")
    page.get_by_label("Tibet").check()
    page.get_by_label("Yes, email me updates about the campaign.").check()
    page.get_by_role("button", name="Sign up", exact=True).click()
    expect(page.locator("h1")).to_have_text("Thank you")
    assert CampaignFormSubmission.objects.count() == 2

    page.goto(forms_site.url + emailed_path("alex@example.net", "/supporters/confirm/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_have_text("You are signed up")
    assert Subscriber.objects.get(email="alex@example.net").is_confirmed
    assert policy_violations == []

    page.goto(forms_site.url + emailed_path("sam@haringey-tc.example.org", "/confirm/"))
    page.get_by_role("button", name="Confirm our sponsorship").click()
    sponsors_page = SponsorIndexPage.objects.get(locale__language_code="en")
    page.goto(forms_site.url + sponsors_page.url)
    expect(page.locator(".sponsor-list")).not_to_contain_text("Haringey Trades Council")

    organiser = get_user_model().objects.create_superuser(
        "organiser", "organiser@example.org", ORGANISER_PASSWORD
    )
    sign_in(page, forms_site.url, organiser, ORGANISER_PASSWORD)
    panel = page.get_by_role("region", name="Endorsements to review")
    panel.get_by_role("link", name="1 organisation is waiting for review.").click()
    row = page.get_by_role("row").filter(has_text="Haringey Trades Council")
    row.get_by_role("button", name="Approve “Haringey Trades Council”").click()
    expect(page.locator(".messages")).to_contain_text("Approved “Haringey Trades Council”")

    page.goto(forms_site.url + sponsors_page.url)
    expect(page.locator(".sponsor-list")).to_contain_text("Haringey Trades Council")
