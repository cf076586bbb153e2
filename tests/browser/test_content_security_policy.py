import pytest

from .conftest import BROWSER_DB

pytestmark = [pytest.mark.browser, BROWSER_DB]


def test_public_pages_break_no_rule_of_their_policy(live_campaign, page):
    violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message),
    )
    for path in ("/en/", "/en/platform/", "/en/updates/", "/en/sponsors/", "/en/no-such-page/"):
        page.goto(live_campaign.url + path)
    assert [message.text for message in violations] == []


def test_inline_script_injected_into_a_public_page_does_not_run(live_campaign, page):
    page.goto(live_campaign.url + "/en/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }"""
    )
    assert page.evaluate("window.injected") is None
