from dataclasses import dataclass

from django import template
from django.conf import settings
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import get_language, get_language_info
from wagtail.models import Page, Site, get_page_models

from cms.pagecache.cache import cached_part
from cms.pages import CampaignPage

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


@dataclass
class MenuLink:
    """A link in the site menu: plain values, so that the menu is kept without its pages."""

    url: str
    title: str
    path: str
    page_id: int
    # ` lang dir` when the link's text is still the source language's (see text_language).
    language_attributes: str


@dataclass
class HeaderLinks:
    """What the header of a page links to: the home page of the page's language and its
    children marked "show in menus" (the menu tag, in home), and the page in each language."""

    home: MenuLink | None
    menu: list[MenuLink]
    languages: list[PageLanguage]


def header_links(request, page):
    """The header's links for the page (None outside pages), or None outside any site."""
    site = Site.find_for_request(request) if request else None
    if site is None:
        return None
    current_code = get_language()
    # Every page shows these links and only publishing changes them: worked out once per
    # change for each page and language, not on every render. The menu and the language links
    # are found together, in one query kept as one part, so that a page rendered right after a
    # change spends one query on its header rather than one for each.
    return cached_part(
        f"header:{site.pk}:{page.pk if page else ''}:{current_code}",
        lambda: _header_links(request, site, page, current_code),
    )


@register.simple_tag(takes_context=True)
def page_header(context):
    """The header's links for the page being rendered, read once for the template: the
    language links there, and the menu (`main_navigation`, in home) from them."""
    return header_links(context.get("request"), context.get("page"))


def _header_links(request, site, page, current_code):
    root = site.root_page
    if page is None:
        home_path = root.localized.path
    else:
        home_path = page.path[: Page.steplen * root.depth]
    menu_depth = root.depth + 1
    # The page's versions and the home pages in every language (for languages without a
    # version), this language's home page, and the menu below it.
    keys = [root.translation_key] + ([page.translation_key] if page is not None else [])
    menu_titles = [
        Subquery(model.objects.filter(pk=OuterRef("pk")).values("menu_title"))
        for model in get_page_models()
        if issubclass(model, CampaignPage)
    ]
    pages = (
        Page.objects.filter(
            Q(translation_key__in=keys, live=True)
            | Q(path=home_path)
            | Q(path__startswith=home_path, depth=menu_depth, live=True, show_in_menus=True)
        )
        .select_related("locale")
        # Each page type's short menu title, read from its own table.
        .annotate(short_title=Coalesce(*menu_titles, Value("")), **marking_source_text())
        .order_by("path")
    )
    home, menu, versions, homes = None, [], {}, {}
    for found in pages:
        if found.path == home_path:
            home = _menu_link(request, found, found.title)
        elif found.depth == menu_depth and found.path.startswith(home_path):
            if found.live and found.show_in_menus:
                menu.append(_menu_link(request, found, found.short_title or found.title))
        if found.live and found.translation_key in keys:
            is_version = page is not None and found.translation_key == page.translation_key
            (versions if is_version else homes)[found.locale.language_code] = found
    return HeaderLinks(home, menu, _page_languages(request, versions, homes, current_code))


def _menu_link(request, page, title):
    return MenuLink(page.get_url(request), title, page.path, page.pk, source_text_attributes(page))


def _page_languages(request, versions, homes, current_code):
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
