"""A translator translates the pinned update into Traditional Chinese and submits it; the public
site is unchanged until an organiser, reading the English beside the Chinese, approves it. Then
the English changes: the translator is told by email, and the Chinese shows as out of date.

The users are members of the real groups, as the migrations make them on a fresh database (the
test database is restored to that state first: serialized_rollback), and the emails go through
Django's SMTP backend to a real SMTP server on loopback.
"""

import pytest
from playwright.sync_api import expect
from wagtail.models import Page

from cms.localisation.translators import TRANSLATORS
from home.models import UpdatePage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The pages start untranslated, as aliases of the English ones.
    pytest.mark.usefixtures("without_translation_drafts"),
]

PASSWORD = "a long volunteer passphrase"
TITLE_IN_CHINESE = "工人反對中共運動成立"


def pinned(code):
    return UpdatePage.objects.get(is_pinned=True, locale__language_code=code)


def test_translator_submits_organiser_reviews_translator_learns_of_changes(
    live_campaign, page, screenshot, sign_in, mailbox, account_in
):
    base = live_campaign.url
    translator = account_in(TRANSLATORS, password=PASSWORD)
    organiser = account_in("Organisers", password=PASSWORD)
    english_title = pinned("en").title

    # The translator opens the untranslated update in their language and starts translating.
    sign_in(page, base, translator, PASSWORD)
    page.goto(f"{base}/admin/pages/{pinned('zh-hant').pk}/edit/")
    page.get_by_role("link", name="Translate this page").first.click()
    page.wait_for_url("**/localize/submit/page/**")
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Translate").first.click()
    page.locator("textarea").first.fill(TITLE_IN_CHINESE)
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Translated manually").first).to_be_visible()
    # No way to publish is offered to a translator, nor to throw the work away.
    expect(page.get_by_role("button", name="Publish in 繁體中文")).to_have_count(0)
    expect(page.get_by_text("Convert to alias page")).to_be_hidden()

    # Submitting sends it to the organisers; visitors still read the English.
    page.get_by_role("link", name="Submit translation for review").last.click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messages")).to_contain_text("sent to the organisers for review")
    visitor = page.context.browser.new_page()
    visitor.goto(base + "/zh-hant/")
    expect(visitor.locator(".pinned-update")).to_contain_text(english_title)
    expect(visitor.locator("body")).not_to_contain_text(TITLE_IN_CHINESE)

    # The organiser (in a browser of their own) opens the translation from the dashboard: the
    # English beside the Chinese.
    organiser_page = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    organiser_page = organiser_page.new_page()
    sign_in(organiser_page, base, organiser, PASSWORD)
    organiser_page.goto(base + "/admin/")
    review_row = organiser_page.locator("tr", has_text=TITLE_IN_CHINESE)
    review_row.get_by_role("link", name=TITLE_IN_CHINESE).first.click()
    editor = organiser_page.locator(".js-translation-editor")
    expect(editor).to_contain_text(english_title)
    expect(editor).to_contain_text(TITLE_IN_CHINESE)
    screenshot(organiser_page, "organiser-review-translation-side-by-side", full_page=True)
    organiser_page.goto(base + "/admin/")
    review_row.locator("[data-w-dropdown-target='toggle']").click()
    review_row.get_by_role("button", name="Approve", exact=True).click()
    expect(review_row).to_have_count(0)

    visitor.goto(base + "/zh-hant/")
    expect(visitor.locator(".pinned-update")).to_contain_text(TITLE_IN_CHINESE)

    # The English changes; the translator is emailed, the Chinese is listed as out of date.
    organiser_page.goto(f"{base}/admin/pages/{pinned('en').pk}/edit/")
    organiser_page.locator("#id_summary").fill("The founding meeting has passed. Next at 3pm.")
    organiser_page.locator("[data-w-dropdown-target='toggle']").last.click()
    organiser_page.get_by_role("button", name="Publish").click()
    expect(organiser_page.locator(".messages")).to_contain_text("published")
    # Sent by the publishing request, after its commit and before its answer (the translator
    # also has Wagtail's own email saying that their translation was approved).
    told = [
        content
        for recipients, content in mailbox.messages
        if recipients == [translator.email] and "out of date" in content
    ]
    assert len(told) == 1
    assert english_title in told[0] and "繁體中文" in told[0]

    page.goto(base + "/admin/")
    panel = page.get_by_role("region", name="Translations out of date")
    expect(panel).to_contain_text("繁體中文")
    expect(panel).to_contain_text(english_title)
    screenshot(page, "translator-out-of-date-translations")
    assert Page.objects.get(pk=pinned("zh-hant").pk).title == TITLE_IN_CHINESE
    organiser_page.context.close()


@pytest.mark.parametrize("code, direction", [("ug", "rtl"), ("zh-hant", "ltr")])
def test_the_translation_editor_writes_uyghur_right_to_left(
    live_campaign, page, sign_in, account_in, code, direction
):
    translator = account_in(TRANSLATORS, password=PASSWORD)
    sign_in(page, live_campaign.url, translator, PASSWORD)
    page.goto(f"{live_campaign.url}/admin/pages/{pinned(code).pk}/edit/")
    page.get_by_role("link", name="Translate this page").first.click()
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Translate").first.click()
    field = page.locator(".js-translation-editor textarea").first
    assert field.evaluate("element => getComputedStyle(element).direction") == direction
    # The English above it keeps its own direction.
    source = page.locator(".js-translation-editor").get_by_text(pinned("en").title, exact=True)
    assert source.first.evaluate("element => getComputedStyle(element).unicodeBidi") == "plaintext"
