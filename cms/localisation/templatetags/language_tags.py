from dataclasses import dataclass

from django import template
from django.conf import settings
from django.db.models import Q
from django.utils.translation import get_language, get_language_info
from wagtail.models import Page, Site

from cms.pagecache.cache import cached_part

from ..text_language import marking_source_text, source_text_attributes

register = template.Library()

# Open Graph names a language with its territory. Traditional Chinese is written for readers in
# Hong Kong; Uyghur and Tibetan have no territory of their own in the standard's list.
OPEN_GRAPH_LOCALES = {
    "en": "en_GB",
    "zh-hant": "zh_HK",
    "zh-hans": "zh_CN",
    "ug": "ug_CN",
    "bo": "bo_CN",
}


@register.filter
def og_locale(language_code):
    return OPEN_GRAPH_LOCALES.get(language_code, language_code.replace("-", "_"))


@register.filter
def text_language(page):
    """On an element showing a page's text: marks it as the source's language while the page
    is not translated, so that the chrome around it keeps the reader's language."""
    return source_text_attributes(page)


@dataclass
class PageLanguage:
    """The page a visitor is reading, in one of the site's languages."""

    code: str
    name: str
    direction: str = "ltr"
    url: str = ""
    full_url: str = ""
    is_current: bool = False
    has_page: bool = False
    # False where the page in this language is an alias still showing the English text, or
    # where the language has no copy of the page and the link goes to its home page instead.
    is_translated: bool = False


@register.simple_tag(takes_context=True)
def page_languages(context):
    """The current page in each language of the site, for the switcher and hreflang links."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    page = context.get("page")
    current_code = get_language()
    # Every page shows these links and only publishing changes them: worked out once per
    # change for each page and language, not on every render.
    return cached_part(
        f"languages:{site.pk}:{page.pk if page else ''}:{current_code}",
        lambda: _page_languages(request, site, page, current_code),
    )


def _page_languages(request, site, page, current_code):
    # The page's versions and the home pages (for languages without a version), in one query.
    wanted = Q(translation_key=site.root_page.translation_key)
    if page is not None:
        wanted |= Q(translation_key=page.translation_key)
    versions, homes = {}, {}
    for found in (
        Page.objects.filter(wanted)
        .live()
        .select_related("locale")
        .annotate(**marking_source_text())
    ):
        is_version = page is not None and found.translation_key == page.translation_key
        (versions if is_version else homes)[found.locale.language_code] = found
    languages = []
    for code, name in settings.LANGUAGES:
        language = PageLanguage(
            code=code,
            name=name,
            direction="rtl" if get_language_info(code)["bidi"] else "ltr",
            is_current=code == current_code,
        )
        version = versions.get(code)
        if version is not None:
            language.has_page = True
            language.is_translated = not version.shows_source_text
            language.url = version.get_url(request)
            language.full_url = version.get_full_url(request)
        elif code in homes:
            language.url = homes[code].get_url(request)
        languages.append(language)
    return languages
