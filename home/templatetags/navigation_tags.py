from dataclasses import dataclass

from django import template
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from wagtail.models import Page, Site, get_page_models

from cms.localisation.text_language import marking_source_text, source_text_attributes
from cms.pagecache.cache import cached_part
from cms.pages import CampaignPage

register = template.Library()


@dataclass
class MenuLink:
    """A link in the site menu: plain values, so that the menu is kept without its pages."""

    url: str
    title: str
    path: str
    page_id: int
    # ` lang dir` when the link's text is still the source language's (see text_language).
    language_attributes: str


@register.inclusion_tag("includes/navigation.html", takes_context=True)
def main_navigation(context):
    """The home page of the visitor's language and its children marked "show in menus"."""
    request = context.get("request")
    page = context.get("page")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return {"home": None, "menu_items": []}
    # Every page shows the menu and only publishing changes it: it is worked out once per
    # change for each language's home page, not on every render.
    if page is None:
        home_key = f"{site.pk}:{get_language()}"
    else:
        home_key = f"{site.pk}:{_home_path(page, site)}"
    home, links = cached_part(f"navigation:{home_key}", lambda: _menu(request, site, page))
    return {
        "home": home,
        "menu_items": [(link, _aria_current(link, page)) for link in links],
    }


def _home_path(page, site):
    return page.path[: Page.steplen * site.root_page.depth]


def _menu(request, site, page):
    """The home page and its menu pages in one query, each page type's short menu title read
    from its own table."""
    home_path = site.root_page.localized.path if page is None else _home_path(page, site)
    menu_titles = [
        Subquery(model.objects.filter(pk=OuterRef("pk")).values("menu_title"))
        for model in get_page_models()
        if issubclass(model, CampaignPage)
    ]
    pages = (
        Page.objects.filter(
            Q(path=home_path)
            | Q(path__startswith=home_path, depth=len(home_path) // Page.steplen + 1)
            & Q(live=True, show_in_menus=True)
        )
        .annotate(short_title=Coalesce(*menu_titles, Value("")), **marking_source_text())
        .order_by("path")
    )
    home, *menu_pages = pages
    links = [
        MenuLink(
            found.get_url(request),
            found.short_title or found.title,
            found.path,
            found.pk,
            source_text_attributes(found),
        )
        for found in menu_pages
    ]
    home_link = MenuLink(
        home.get_url(request), home.title, home.path, home.pk, source_text_attributes(home)
    )
    return home_link, links


def _aria_current(link, page):
    if page is None:
        return ""
    if link.page_id == page.pk:
        return "page"
    return "true" if page.path.startswith(link.path) else ""
