"""An organiser writes a newsletter in the admin, with a published Traditional Chinese
translation, sends a test to themselves and then sends it to the supporters. A real SMTP server
on loopback receives one email per consenting supporter, in their language, and none for anyone
else; the one-click unsubscribe in a received email works without signing in; the Newsletter
tab's report adds up.

The organiser is a member of the real Organisers group; the emails go through Django's SMTP
backend from the outbox, sent after the sending request commits (EMAIL_QUEUE=request)."""

import email
import email.policy
import re
import urllib.request

import pytest
from playwright.sync_api import expect
from wagtail.models import Locale
from wagtail.rich_text import RichText
from wagtail_newsletter.models import NewsletterRecipients

from forms_app.addresses import HashedAddress
from forms_app.models import ConsentRecord, Subscriber, Suppression
from home.models import NewsletterPage, UpdateIndexPage

from ..test_newsletters import supporter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long volunteer passphrase"
ENGLISH_TEXT = "Join the picket on Saturday at noon."
CHINESE_TEXT = "星期六中午參加糾察線。"


@pytest.fixture
def readers(transactional_db):
    """Who should get the newsletter (address: the language of their email), and every kind of
    supporter who should not."""
    newsletter, updates = ConsentRecord.Purpose.NEWSLETTER, ConsentRecord.Purpose.UPDATES
    supporter("reader.en@example.net", "en", newsletter)
    supporter("reader.zh@example.net", "zh-hant", updates)
    # No Uyghur translation is published: the English.
    supporter("reader.ug@example.net", "ug", newsletter, updates)
    supporter("no-consent@example.net", "zh-hant")
    supporter("unconfirmed@example.net", "zh-hant", newsletter, confirmed=False)
    supporter("suppressed@example.net", "en", newsletter)
    Suppression.record(HashedAddress.of("suppressed@example.net"), Suppression.Reason.UNSUBSCRIBED)
    return {
        "reader.en@example.net": "en",
        "reader.zh@example.net": "zh-hant",
        "reader.ug@example.net": "en",
    }


def parsed(content):
    # As bytes: the parts are 8-bit UTF-8, which the parser reads wrongly from a str.
    return email.message_from_bytes(content.encode(), policy=email.policy.default)


def text_of(message):
    return "\n".join(
        part.get_content()
        for part in message.walk()
        if part.get_content_type() in {"text/plain", "text/html"}
    )


def test_organiser_writes_tests_and_sends_a_newsletter_each_reader_once_in_their_language(
    live_campaign, page, sign_in, mailbox, account_in, readers, screenshot, settings
):
    settings.FORMS_EMAIL_SEND_RATE = 0
    base = live_campaign.url
    NewsletterRecipients.objects.create(name="All supporters", audience="supporters")
    organiser = account_in("Organisers", password=PASSWORD)
    updates = UpdateIndexPage.objects.get(locale__language_code="en")

    # The organiser writes the newsletter in English and saves a draft.
    sign_in(page, base, organiser, PASSWORD)
    page.goto(f"{base}/admin/pages/add/home/newsletterpage/{updates.pk}/")
    page.locator("#id_title").fill("Picket news")
    page.get_by_role("button", name="Insert a block").first.click()
    page.get_by_role("option", name="Paragraph").click()
    page.locator(".public-DraftEditor-content").first.fill(ENGLISH_TEXT)
    page.get_by_role("tab", name="Newsletter").click()
    page.get_by_role("button", name="Choose recipients").click()
    page.get_by_role("link", name="All supporters").click()
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_contain_text("created")
    newsletter = NewsletterPage.objects.get(locale__language_code="en", title="Picket news")

    # A translator's Chinese is published (translating is tested in test_translation_review)
    # in place of the alias the admin made in each language.
    translated = newsletter.get_translation(Locale.objects.get(language_code="zh-hant"))
    translated.alias_of = None
    translated.title = "糾察新聞"
    translated.body = [("paragraph", RichText(f"<p>{CHINESE_TEXT}</p>"))]
    translated.save_revision().publish()

    # A test to themselves: one email in each published language, to them alone.
    page.reload()
    page.get_by_role("tab", name="Newsletter").click()
    page.get_by_role("button", name="Send test email").click()
    expect(page.locator("#id_newsletter-test-email")).to_have_value(organiser.email)
    page.locator("#wn-test-dialog").get_by_role("button", name="Send test email").click()
    expect(page.locator(".messages")).to_contain_text("Test message sent")
    assert mailbox.recipients() == [organiser.email] * 2
    tests = [parsed(content) for _to, content in mailbox.messages]
    assert any(CHINESE_TEXT in text_of(message) for message in tests)
    assert any(ENGLISH_TEXT in text_of(message) for message in tests)
    mailbox.messages.clear()

    # The send: the tab counts the readers before the organiser confirms.
    page.get_by_role("tab", name="Newsletter").click()
    page.get_by_role("button", name="Send campaign").click()
    dialog = page.locator("#wn-send-dialog")
    expect(dialog).to_contain_text(str(len(readers)))
    screenshot(page, "newsletter-send-confirmation")
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Newsletter campaign is now sending")

    # Exactly one email per consenting supporter, in their language; nobody else.
    received = {}
    for recipients, content in mailbox.messages:
        assert len(recipients) == 1
        assert recipients[0] not in received, f"{recipients[0]} got two emails"
        received[recipients[0]] = parsed(content)
    assert set(received) == set(readers)
    for address, language in readers.items():
        body = text_of(received[address])
        expected, other = (
            (CHINESE_TEXT, ENGLISH_TEXT) if language == "zh-hant" else (ENGLISH_TEXT, CHINESE_TEXT)
        )
        assert expected in body and other not in body, address
        assert f'lang="{language}"' in body, address

    # One click in the Chinese reader's mail program: a bare POST, no session, no CSRF token.
    message = received["reader.zh@example.net"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (link,) = re.findall(r"<(\S+)>", str(message["List-Unsubscribe"]))
    with urllib.request.urlopen(
        urllib.request.Request(link, data=b"List-Unsubscribe=One-Click", method="POST")
    ) as answer:
        assert answer.status == 200
    assert not Subscriber.objects.filter(email="reader.zh@example.net").exists()
    assert Suppression.is_suppressed("reader.zh@example.net")

    # The report adds up: three queued, three sent, one unsubscribed since; no opens or clicks.
    page.goto(f"{base}/admin/pages/{newsletter.pk}/edit/")
    page.get_by_role("tab", name="Newsletter").click()
    report = page.locator(".wn-panel")
    figures = dict(
        zip(
            report.locator("dt").all_inner_texts(),
            report.locator("dd").all_inner_texts(),
            strict=True,
        )
    )
    assert figures == {
        "Readers it was queued for": "3",
        "Waiting to be sent": "0",
        "Sent": "3",
        "Refused or given up on": "0",
        "Not sent: unsubscribed before it went": "0",
        "Unsubscribed from the campaign since it was sent": "1",
    }
    expect(report).not_to_contain_text("Opens:")
    screenshot(page, "newsletter-report")
