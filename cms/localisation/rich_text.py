"""Links in rich text to the site's own pages, each to the page in the reader's language."""

from django.db.models import Q
from django.utils.html import escape
from django.utils.translation import get_language
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Page
from wagtail.rich_text.pages import PageLinkHandler


class PageInReadersLanguageLinkHandler(PageLinkHandler):
    """Wagtail's page link, with the same result: `<a href>` to the linked page's live version
    in the reader's language (which is the linked page itself when none is live), `<a>` when
    the page was deleted. Wagtail's own finds the pages in two queries (their types, then each
    type's table) and, for each link, the reader's locale and the page's translation in it: on
    every visit of a page not kept whole, such as a form page, whose consent statement links to
    the privacy notice, that is four of the 12 queries a page may make. Here all the links of a
    text cost one query together. No page type gives itself another address than its path (it
    would override get_url_parts), so the plain page's address is its specific page's.
    """

    @classmethod
    def expand_db_attributes_many(cls, attrs_list):
        ids = [str(attrs.get("id", "")) for attrs in attrs_list]
        numeric_ids = [int(page_id) for page_id in ids if page_id.isdecimal()]
        try:
            language = get_supported_content_language_variant(get_language())
        except LookupError:
            # As Wagtail's page.localized does when the language is not one of the content's.
            language = None
        wanted = Q(pk__in=numeric_ids)
        if language is not None:
            linked_keys = Page.objects.filter(pk__in=numeric_ids).values("translation_key")
            wanted |= Q(translation_key__in=linked_keys, locale__language_code=language, live=True)
        pages = list(Page.objects.filter(wanted).select_related("locale"))
        by_id = {str(page.pk): page for page in pages}
        in_language = {
            page.translation_key: page
            for page in pages
            if page.live and page.locale.language_code == language
        }

        def target(page):
            if page.locale.language_code == language:
                return page
            return in_language.get(page.translation_key, page)

        return [
            f'<a href="{escape(target(by_id[page_id]).url)}">' if page_id in by_id else "<a>"
            for page_id in ids
        ]
