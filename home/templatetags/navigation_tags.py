from django import template
from django.utils.translation import get_language
from wagtail.models import Page, Site

from cms.pagecache.cache import remember

register = template.Library()


@register.inclusion_tag("includes/navigation.html", takes_context=True)
def main_navigation(context):
    """The home page of the visitor's language and its children marked "show in menus"."""
    request = context.get("request")
    page = context.get("page")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return {"request": request, "home": None, "menu_items": []}
    # Every page shows the menu and only publishing changes it: it is worked out once per
    # change for each language's home page, not on every render.
    if page is None:
        home_key = f"{site.pk}:{get_language()}"
    else:
        home_key = f"{site.pk}:{page.path[: Page.steplen * site.root_page.depth]}"
    home, menu_pages = remember(f"navigation:{home_key}", lambda: _menu(site, page))
    return {
        # pageurl keeps Wagtail's site lookups on the request; without it, one per link.
        "request": request,
        "home": home,
        "menu_items": [(menu_page, _aria_current(menu_page, page)) for menu_page in menu_pages],
    }


def _menu(site, page):
    home = site.root_page.localized if page is None else _home_of(page, site)
    # The menu is what organisers tick "show in menus" for; a private page there is only a link.
    return home, list(home.get_children().live().in_menu().specific())


def _aria_current(menu_page, page):
    if page is None:
        return ""
    if menu_page.pk == page.pk:
        return "page"
    return "true" if page.path.startswith(menu_page.path) else ""


def _home_of(page, site):
    if page.depth <= site.root_page.depth:
        return page
    return Page.objects.ancestor_of(page, inclusive=True).get(depth=site.root_page.depth)
