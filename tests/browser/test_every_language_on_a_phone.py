"""Every page type in every language and direction, on a phone and on a desktop: nothing wider
than the screen, the form on screen, headings clear of the header, and the screenshots that
docs/visitors.md shows."""

import io

import pytest
from django.conf import settings
from PIL import Image
from wagtail.models import Page

from forms_app.models import SignupFormPage

from .conftest import AXE_SCRIPT, BROWSER_DB, require_or_skip

pytestmark = [pytest.mark.browser, BROWSER_DB]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGES = [code for code, _name in settings.LANGUAGES]
SCREENSHOT_LANGUAGES = ["en", "zh-hant", "ug", "bo"]
SCREENSHOT_PAGES = {"home": "", "platform": "platform/", "sign-up": "sign-up/"}

LAYOUT = """() => {
    const header = document.querySelector(".site-header").getBoundingClientRect();
    const first = document.querySelector("main").firstElementChild.getBoundingClientRect();
    const form = document.querySelector("form.campaign-form");
    const box = form && form.getBoundingClientRect();
    // Some phone browsers widen the whole page to take in a box placed beyond either side,
    // even where the desktop engine clips it: every box must lie within the screen.
    const outside = [...document.body.querySelectorAll("*")]
        .map((element) => [element, element.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && (r.left < -1 || r.right > window.innerWidth + 1))
        .map(([element, r]) => `${element.tagName}.${element.className} ${r.left}..${r.right}`);
    return {
        outside,
        pageWidth: document.documentElement.scrollWidth,
        viewportWidth: window.innerWidth,
        gapBelowHeader: first.top - header.bottom,
        form: box && {left: box.left, right: box.right},
    };
}"""


def publish_chinese_drafts():
    """What organisers do once translators have reviewed the loader's Traditional Chinese."""
    for translated in Page.objects.filter(locale__language_code="zh-hant", depth__gt=1):
        translated.get_latest_revision().publish()


def page_paths(code):
    """One page of every type in a language, and a form's thank-you page."""
    pages = Page.objects.live().filter(locale__language_code=code, depth__gt=1)
    signup = SignupFormPage.objects.get(locale__language_code=code)
    return [page.url for page in pages] + [signup.url + "thanks/", f"/{code}/no-such-page/"]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


# The checks below look at every language in turn on one live site, each language reported on
# its own: the site takes seconds to build for each test that commits, and they change nothing.


def test_no_page_is_wider_than_a_phone(live_campaign, phone, subtests):
    publish_chinese_drafts()
    for code in LANGUAGES:
        with subtests.test(code=code):
            assert layout_problems(phone, live_campaign.url, code) == []


def layout_problems(phone, server_url, code):
    problems = []
    for path in page_paths(code):
        phone.goto(server_url + path)
        layout = phone.evaluate(LAYOUT)
        if layout["outside"]:
            problems.append((path, "boxes beyond the sides of the screen", layout["outside"]))
        if layout["pageWidth"] > layout["viewportWidth"]:
            problems.append((path, "page is wider than the screen", layout["pageWidth"]))
        if layout["form"] and not (
            0 <= layout["form"]["left"] and layout["form"]["right"] <= layout["viewportWidth"]
        ):
            problems.append((path, "form is off-screen", layout["form"]))
        if layout["gapBelowHeader"] < 16:
            problems.append((path, "heading touches the header", layout["gapBelowHeader"]))
    return problems


def text_middle_offset(page, selector):
    """How far the middle of the ink of an element's text sits from the middle of its box, in
    pixels (negative: too high), measured on a screenshot of light text on a dark button."""
    shot = Image.open(io.BytesIO(page.locator(selector).first.screenshot())).convert("L")
    width, height = shot.size
    ink_rows = [y for y in range(height) if any(shot.getpixel((x, y)) > 200 for x in range(width))]
    ink_middle = (ink_rows[0] + ink_rows[-1]) / 2
    return ink_middle - (height - 1) / 2


def test_button_text_sits_in_the_middle(live_campaign, phone, subtests):
    # The sign-up button's words are the site's own, so in the reader's script.
    for code in ["en", "bo", "ug", "zh-hant"]:
        with subtests.test(code=code):
            phone.goto(f"{live_campaign.url}/{code}/sign-up/")
            assert abs(text_middle_offset(phone, "form.campaign-form button")) <= 2.5


def test_tibetan_headings_have_room_for_stacked_letters(live_campaign, phone):
    phone.goto(f"{live_campaign.url}/bo/")
    heading = phone.evaluate(
        """() => {
            const style = getComputedStyle(document.querySelector("main h2"));
            return {lineHeight: parseFloat(style.lineHeight), fontSize: parseFloat(style.fontSize)};
        }"""
    )
    assert heading["lineHeight"] >= 1.5 * heading["fontSize"]


def test_screenshots_in_four_languages(live_campaign, browser, screenshot, settings):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    publish_chinese_drafts()
    for size_name, viewport in (("375", PHONE), ("1280", DESKTOP)):
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        page = context.new_page()
        for code in SCREENSHOT_LANGUAGES:
            for name, path in SCREENSHOT_PAGES.items():
                assert page.goto(f"{live_campaign.url}/{code}/{path}").status == 200
                screenshot(page, f"visitor-{name}-{code}-{size_name}", type="jpeg", quality=55)
            assert page.goto(f"{live_campaign.url}/{code}/sign-up/thanks/").status == 200
            screenshot(page, f"visitor-thank-you-{code}-{size_name}", type="jpeg", quality=55)
        context.close()


def test_no_accessibility_violations_of_any_impact(live_campaign, phone, subtests):
    """axe-core's WCAG 2.1 A and AA rules, every impact, on the pages people land on."""
    axe = AXE_SCRIPT.read_text() if AXE_SCRIPT.exists() else require_or_skip("no axe-core")
    for code in ["en", "ug", "zh-hant", "bo"]:
        for path in ("", "platform/", "sign-up/", "sign-up/thanks/", "contact/"):
            with subtests.test(page=f"/{code}/{path}"):
                phone.goto(f"{live_campaign.url}/{code}/{path}")
                phone.evaluate(axe)
                results = phone.evaluate(
                    """async () => await axe.run(document, {runOnly: {type: "tag",
                        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})"""
                )
                assert [violation["id"] for violation in results["violations"]] == []
