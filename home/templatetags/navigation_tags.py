from django import template

register = template.Library()


@register.inclusion_tag("includes/navigation.html", takes_context=True)
def main_navigation(context, header):
    """The home page of the visitor's language and its children marked "show in menus", from
    the header's links (`page_header`, which finds them with the language links)."""
    if header is None:
        return {"home": None, "menu_items": []}
    page = context.get("page")
    return {
        "home": header.home,
        "menu_items": [(link, _aria_current(link, page)) for link in header.menu],
    }


def _aria_current(link, page):
    if page is None:
        return ""
    if link.page_id == page.pk:
        return "page"
    return "true" if page.path.startswith(link.path) else ""
