"""Signing in, in a real browser: an organiser invites a translator, who sets up their own
password and authenticator app through the emailed link and reaches the admin; a password
alone never shows a secret; a wrong code says so where it can be seen."""

import base64
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

from cms.localisation.translators import TRANSLATORS

from ..conftest import authenticator_for
from .conftest import BROWSER_DB

pytestmark = [pytest.mark.browser, BROWSER_DB]

ORGANISER_PASSWORD = "a long organiser passphrase"
TRANSLATOR_PASSWORD = "the translator chose this passphrase"
ORGANISER_DUTIES = ["access_admin", "add_user", "change_user", "delete_user"]


@pytest.fixture
def organiser(live_campaign):
    # The flush after each browser test empties the groups Wagtail's and our migrations made;
    # the content loader makes Translators again, and this the part of Organisers used here.
    organisers, _ = Group.objects.get_or_create(name="Organisers")
    organisers.permissions.add(*Permission.objects.filter(codename__in=ORGANISER_DUTIES))
    account = get_user_model().objects.create_user(
        "organiser", "organiser@example.org", ORGANISER_PASSWORD
    )
    account.groups.add(organisers)
    return account


def code_from_key(key):
    """What an authenticator app shows for the key typed into it."""
    return f"{TOTP(base64.b32decode(key)).token():06d}"


def test_organiser_invites_a_translator_who_sets_up_sign_in_and_reaches_the_admin(
    live_campaign, organiser, browser, page, sign_in, screenshot
):
    sign_in(page, live_campaign.url, organiser, ORGANISER_PASSWORD)
    page.goto(live_campaign.url + "/admin/users/")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Username").fill("lhamo")
    page.get_by_label("Email").fill("lhamo@example.org")
    page.get_by_label("First Name").fill("Lhamo")
    page.get_by_label("Last Name").fill("Dolma")
    page.get_by_label(TRANSLATORS).check()
    screenshot(page, "organiser-invites-translator")
    page.get_by_role("button", name="Invite").click()
    expect(page.locator(".messages")).to_contain_text("has been invited")

    (message,) = [m for m in mail.outbox if m.to == ["lhamo@example.org"]]
    link = (
        live_campaign.url
        + urlsplit(re.search(r"http://\S+/sign-in/enrol/\S+", message.body)[0]).path
    )

    # The translator, in a browser of their own.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    translator_page = context.new_page()
    translator_page.goto(link)
    expect(translator_page.locator("h1")).to_have_text("Set up your sign-in")
    key = translator_page.locator("p", has_text="Key:").locator("code").inner_text()
    translator_page.get_by_label("Choose a password").fill(TRANSLATOR_PASSWORD)
    translator_page.get_by_label("The same password again").fill(TRANSLATOR_PASSWORD)
    translator_page.get_by_label("Code").fill(code_from_key(key))
    screenshot(translator_page, "translator-sets-up-sign-in", full_page=True)
    translator_page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(translator_page.locator("h1")).to_have_text("Your recovery codes")
    expect(translator_page.locator(".recovery-codes li")).to_have_count(10)
    translator_page.get_by_role("link", name="I have saved them: continue").click()
    expect(translator_page).to_have_url(live_campaign.url + "/admin/")
    expect(translator_page.locator("#wagtail-sidebar")).to_be_attached()

    # The link is used up.
    translator_page.goto(link)
    expect(translator_page.locator("h1")).to_have_text("This set-up link does not work")
    context.close()


def test_a_password_alone_never_sees_a_secret(live_campaign, page):
    translator = get_user_model().objects.create_user(
        "tenzin", "tenzin@example.org", TRANSLATOR_PASSWORD
    )
    translator.groups.add(Group.objects.get(name=TRANSLATORS))
    page.goto(live_campaign.url + "/admin/login/")
    page.fill("#id_username", "tenzin")
    page.fill("#id_password", TRANSLATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("h1")).to_have_text("Two-factor sign-in is not set up")
    for path in ["/admin/", "/admin/sign-in/enrol/", "/admin/sign-in/two-factor/"]:
        page.goto(live_campaign.url + path)
        expect(page.locator("body")).not_to_contain_text("Key:")
        expect(page.locator("img[src^='data:image/svg+xml']")).to_have_count(0)


def test_a_wrong_code_says_so_in_plain_sight(live_campaign, organiser, page):
    authenticator_for(organiser)
    page.goto(live_campaign.url + "/admin/login/")
    page.fill("#id_username", "organiser")
    page.fill("#id_password", ORGANISER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Any code that is not the current one.
    page.fill("#id_code", "000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
