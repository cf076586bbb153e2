import datetime
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from wagtail.models import Locale, Page

from home.models import PlatformPage, UpdatePage

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
CATALOGUES = {"zh-hant": "zh_Hant", "zh-hans": "zh_Hans", "ug": "ug", "bo": "bo"}


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def platform_in(language_code):
    return PlatformPage.objects.get(locale__language_code=language_code)


def test_content_loader_creates_the_five_languages(campaign_site):
    assert sorted(Locale.objects.values_list("language_code", flat=True)) == sorted(LANGUAGE_CODES)


def test_every_page_exists_for_translation_in_every_language(campaign_site):
    english = Page.objects.filter(depth__gt=1, locale__language_code="en")
    for page in english:
        translations = page.get_translations().values_list("locale__language_code", flat=True)
        assert sorted(translations) == sorted(set(LANGUAGE_CODES) - {"en"}), page.url


def test_every_public_page_answers_in_all_five_languages(campaign_site, client):
    urls = [page.url for page in Page.objects.live().filter(depth__gt=1)]
    english = Page.objects.live().filter(depth__gt=1, locale__language_code="en")
    assert len(urls) == english.count() * len(LANGUAGE_CODES)
    for url in urls:
        html_of(client, url)
    for code in LANGUAGE_CODES:
        assert f'<html lang="{code}"' in html_of(client, f"/{code}/platform/")


def test_uyghur_pages_are_right_to_left(campaign_site, client):
    html = html_of(client, "/ug/")
    assert '<html lang="ug" dir="rtl">' in html
    assert "ئەڭ يېڭى خەۋەرلەر" in html  # "Latest updates", from the Uyghur catalogue
    # Elsewhere too the switcher writes Uyghur right to left, so its brackets stay in place.
    assert '<a href="/ug/" lang="ug" dir="rtl"' in html_of(client, "/en/")


def test_a_page_not_translated_yet_marks_only_its_own_text_as_english(
    campaign_site, client, publish
):
    html = html_of(client, "/ug/platform/")
    assert '<html lang="ug" dir="rtl">' in html
    # The page's own words are the English source's; the chrome around them stays Uyghur.
    assert '<main id="main-content" class="wrapper" tabindex="-1">' in html
    assert '<h1 lang="en" dir="ltr">' in html
    assert '<h2 id="sign-up-title">' in html
    # The header's menu holds English page titles, marked as such.
    assert re.search(r'<a href="/ug/platform/"[^>]* lang="en" dir="ltr">Platform</a>', html)

    translated = platform_in("ug")
    translated.alias_of = None
    translated.save()
    publish(translated.save_revision().publish)
    html = html_of(client, "/ug/platform/")
    assert "<h1>" in html and 'lang="en" dir="ltr">Platform</a>' not in html


def test_sponsor_count_stays_in_the_readers_language(campaign_site, client):
    html = html_of(client, "/ug/")
    count = html[html.index('<p class="sponsor-count">') :]
    assert count.startswith('<p class="sponsor-count">\n')


def test_tibetan_pages_render_as_tibetan(campaign_site, client):
    html = html_of(client, "/bo/platform/")
    assert '<html lang="bo" dir="ltr">' in html
    assert "ཤོག་ངོས་འདི་གཞན་ལ་སྤེལ།" in html  # "Share this page"


def test_the_stylesheet_mirrors_with_logical_properties():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    physical = re.findall(r"(?:margin|padding|border)-(?:left|right)|\b(?:left|right)\s*:", css)
    assert physical == []
    assert "text-align: left" not in css and "float:" not in css


def test_switcher_links_to_the_same_page_in_each_language(campaign_site, client):
    html = html_of(client, "/en/platform/")
    switcher = html[html.index('class="language-switcher"') :]
    switcher = switcher[: switcher.index("</nav>")]
    for code in LANGUAGE_CODES[1:]:
        assert f'href="/{code}/platform/" lang="{code}" dir=' in switcher
    assert '<span lang="en" dir="ltr" aria-current="true">English</span>' in switcher


def test_switcher_says_when_a_page_is_not_translated_yet(campaign_site, client):
    html = html_of(client, "/en/platform/")
    # Each note is written in the language it is about, for the reader of that language.
    assert (
        '<span class="language-switcher__note" lang="zh-hant" dir="ltr">（尚未翻譯）</span>' in html
    )
    assert (
        '<span class="language-switcher__note" lang="zh-hans" dir="ltr">（尚未翻译）</span>' in html
    )


def test_switcher_says_when_a_language_has_no_copy_of_the_page(campaign_site, client):
    platform_in("bo").delete()
    html = html_of(client, "/en/platform/")
    assert 'href="/bo/" lang="bo"' in html
    assert "(ཤོག་ངོས་འདི་བོད་ཡིག་ཏུ་མེད། མ་ངོས།)" in html


def test_hreflang_lists_only_translated_versions(campaign_site, client, publish):
    html = html_of(client, "/en/platform/")
    assert '<link rel="alternate" hreflang="en" href="http://localhost/en/platform/">' in html
    assert '<link rel="alternate" hreflang="x-default" href="http://localhost/en/platform/">' in (
        html
    )
    assert 'hreflang="zh-hant" href=' not in html

    translated = platform_in("zh-hant")
    translated.alias_of = None
    translated.title = "綱領"
    translated.save()
    publish(translated.save_revision().publish)
    html = html_of(client, "/en/platform/")
    assert (
        '<link rel="alternate" hreflang="zh-hant" href="http://localhost/zh-hant/platform/">'
        in (html)
    )
    assert 'href="/zh-hant/platform/" lang="zh-hant" dir="ltr" hreflang="zh-hant"' in html


def test_sitemap_lists_translated_pages_in_every_language(campaign_site, client, publish):
    for code in LANGUAGE_CODES[1:]:
        translated = platform_in(code)
        translated.alias_of = None
        translated.save()
        publish(translated.save_revision().publish)
    body = client.get("/sitemap.xml").content.decode()
    for code in LANGUAGE_CODES:
        assert f"<loc>http://localhost/{code}/platform/</loc>" in body
    # Untranslated aliases repeat the English text, so search engines are not sent to them.
    assert "<loc>http://localhost/ug/updates/</loc>" not in body


def test_draft_chinese_translations_stay_out_of_the_sitemap_and_hreflang(
    campaign_site_with_drafts, client
):
    body = client.get("/sitemap.xml").content.decode()
    assert "/zh-hant/" not in body and "/zh-hans/" not in body
    assert 'hreflang="zh-hant"' not in html_of(client, "/en/platform/")
    # The page a translator has begun still shows the English, and says so.
    assert '<h1 lang="en" dir="ltr">' in html_of(client, "/zh-hant/platform/")


def test_calls_to_action_lead_to_the_readers_language(campaign_site, client):
    html = html_of(client, "/zh-hans/")
    assert 'class="button" href="/zh-hans/platform/"' in html


@pytest.mark.parametrize("code", ["zh-hant", "zh-hans"])
def test_no_string_is_left_untranslated_in_the_chinese_catalogues(code):
    catalogue = polib.pofile(LOCALE_DIR / CATALOGUES[code] / "LC_MESSAGES" / "django.po")
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


@pytest.mark.parametrize("code", ["ug", "bo"])
def test_drafts_in_uyghur_and_tibetan_are_translated_and_flagged_for_review(code):
    catalogue = polib.pofile(LOCALE_DIR / CATALOGUES[code] / "LC_MESSAGES" / "django.po")
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    for entry in catalogue:
        assert "needs review by a" in entry.tcomment, entry.msgid


@pytest.mark.parametrize("folder", CATALOGUES.values())
def test_translations_keep_their_placeholders(folder):
    """A translation that drops or misspells %(name)s crashes the page that shows it."""
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for entry in polib.pofile(LOCALE_DIR / folder / "LC_MESSAGES" / "django.po"):
        expected = set(placeholder.findall(entry.msgid + entry.msgid_plural))
        for translation in [entry.msgstr, *entry.msgstr_plural.values()]:
            assert set(placeholder.findall(translation)) <= expected, (folder, entry.msgid)


def blocktranslate_messages(template_text):
    """The message ids of a template's {% blocktranslate %} blocks without a plural, as
    `make messages` writes them: each {{ variable }} as %(variable)s, a `trimmed` block's lines
    joined by single spaces."""
    blocks = re.findall(
        r"{% blocktranslate([^%]*)%}(.*?){% endblocktranslate %}", template_text, re.S
    )
    for options, body in blocks:
        if "{% plural %}" in body:
            continue
        message = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body)
        if "trimmed" in options:
            message = " ".join(line.strip() for line in message.splitlines() if line.strip())
        yield message


def test_every_template_string_is_in_the_catalogues():
    """A string marked in a template but missing from locale/ means `make messages` was not run."""
    marked = set()
    for template in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        text = template.read_text()
        marked |= set(re.findall(r'{% translate "([^"]+)"', text))
        marked |= set(re.findall(r"{% translate '([^']+)'", text))
        marked |= set(blocktranslate_messages(text))
    for folder in CATALOGUES.values():
        catalogue = polib.pofile(LOCALE_DIR / folder / "LC_MESSAGES" / "django.po")
        assert marked - {entry.msgid for entry in catalogue} == set(), folder


def test_compiled_catalogues_match_their_sources(tmp_path):
    """`make test` and `make run` compile the catalogues; a stale .mo means pytest ran alone."""
    for folder in CATALOGUES.values():
        source = LOCALE_DIR / folder / "LC_MESSAGES" / "django.po"
        compiled = source.with_suffix(".mo")
        assert compiled.exists(), f"{compiled} is missing: run `make translations`"
        fresh = tmp_path / f"{folder}.mo"
        polib.pofile(source).save_as_mofile(fresh)
        assert compiled.read_bytes() == fresh.read_bytes(), f"run `make translations` ({folder})"


def test_dates_are_written_the_readers_way(campaign_site, client, publish):
    # Publishing the English notice updates its aliases in the other languages.
    update = UpdatePage.objects.get(slug="founding-meeting", locale__language_code="en")
    update.published_on = datetime.date(2023, 7, 1)
    publish(update.save_revision().publish)
    assert "1 July 2023" in html_of(client, "/en/")
    assert "2023年7月1日" in html_of(client, "/zh-hant/")
    assert "ཕྱི་ལོ་2023 ཟླ་7 ཚེས་1" in html_of(client, "/bo/")
    assert "July" not in html_of(client, "/bo/updates/")
