import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from forms_app.models import SponsorFormPage
from sponsors.models import Sponsor, SponsorIndexPage

from .conftest import BROWSER_DB

pytestmark = [pytest.mark.browser, BROWSER_DB]

ORGANISER_PASSWORD = "a long organiser passphrase"


def emailed_link(recipient, marker):
    (message,) = [m for m in mail.outbox if m.to == [recipient] and marker in m.body]
    return urlsplit(re.search(r"https?://\S+" + re.escape(marker) + r"\S+", message.body)[0]).path


def test_organisation_endorses_organiser_approves_visitor_sees_it(
    live_campaign, page, screenshot, settings, sign_in
):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    sponsor_form = SponsorFormPage.objects.get(locale__language_code="en")
    sponsors_page = SponsorIndexPage.objects.get(locale__language_code="en")

    page.goto(live_campaign.url + sponsor_form.url)
    page.get_by_label("Organisation name").fill("Hackney Trades Council")
    page.get_by_label("Country", exact=True).fill("United Kingdom")
    page.get_by_label("What kind of organisation is it?").select_option("Trades council")
    page.get_by_label("By name", exact=True).check()
    page.get_by_label("Your name").fill("Sam Secretary")
    page.get_by_label("Your email address").fill("secretary@hackney.example")
    page.get_by_label("Your role in the organisation").fill("Secretary")
    page.get_by_label("My organisation agrees to be listed publicly").check()
    page.get_by_role("button", name="Send our sponsorship").click()
    expect(page.locator("main")).to_contain_text("please open the link in it")

    # The contact follows the link in the confirmation email.
    page.goto(live_campaign.url + emailed_link("secretary@hackney.example", "/confirm/"))
    page.get_by_role("button", name="Confirm our sponsorship").click()
    expect(page.locator("h1")).to_contain_text("your sponsorship is confirmed")
    page.goto(live_campaign.url + sponsors_page.url)
    expect(page.locator(".sponsor-list")).not_to_contain_text("Hackney Trades Council")

    organiser = get_user_model().objects.create_superuser(
        "organiser", "organiser@example.org", ORGANISER_PASSWORD
    )
    sign_in(page, live_campaign.url, organiser, ORGANISER_PASSWORD)
    panel = page.get_by_role("region", name="Endorsements to review")
    expect(panel).to_contain_text("1 organisation is waiting for review.")
    screenshot(page, "organiser-dashboard-pending-sponsors")
    panel.get_by_role("link", name="1 organisation is waiting for review.").click()
    row = page.get_by_role("row").filter(has_text="Hackney Trades Council")
    screenshot(page, "organiser-review-sponsor")
    row.get_by_role("button", name="Approve “Hackney Trades Council”").click()
    expect(page.locator(".messages")).to_contain_text("Approved “Hackney Trades Council”")
    assert Sponsor.objects.get(name="Hackney Trades Council").is_approved

    page.goto(live_campaign.url + sponsors_page.url)
    expect(page.locator(".sponsor-list")).to_contain_text("Hackney Trades Council")
    expect(page.locator(".sponsor-count")).to_contain_text("12 organisations")
    expect(page.locator(".sponsor-kinds")).to_contain_text("Trades council: 1")
    screenshot(page, "visitor-sees-approved-sponsor", full_page=True)
