from django import template

from cms.localisation.templatetags.language_tags import header_links

register = template.Library()


@register.inclusion_tag("includes/navigation.html", takes_context=True)
def main_navigation(context):
    """The home page of the visitor's language and its children marked "show in menus"."""
    page = context.get("page")
    # Found with the language links, in the part they share (see header_links).
    links = header_links(context.get("request"), page)
    if links is None:
        return {"home": None, "menu_items": []}
    return {
        "home": links.home,
        "menu_items": [(link, _aria_current(link, page)) for link in links.menu],
    }


def _aria_current(link, page):
    if page is None:
        return ""
    if link.page_id == page.pk:
        return "page"
    return "true" if page.path.startswith(link.path) else ""
