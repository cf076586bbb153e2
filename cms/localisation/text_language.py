"""Which language a page's text is in: its own, or its source's while it is not translated.

A page in another language shows the source's text while it is an alias, and also after a
translator has begun: wagtail-localize then turns the alias into a page of its own but keeps
the alias's live text, the source's, until an organiser publishes the translation. Such a page
is live on a revision of the source page, never on one of its own.
"""

from django.conf import settings
from django.db.models import BooleanField, CharField, ExpressionWrapper, Q
from django.db.models.functions import Cast
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_info
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Revision


def source_language():
    """The language pages are written in first and translated from."""
    return get_supported_content_language_variant(settings.LANGUAGE_CODE)


def shows_source_text(page):
    """Whether the page shows its source's text (read once per page object): from the
    `shows_source_text` a query annotated with `marking_source_text()`, else looked up."""
    if not hasattr(page, "shows_source_text"):
        page.shows_source_text = bool(page.alias_of_id) or (
            page.live_revision_id is not None
            and Revision.objects.filter(pk=page.live_revision_id)
            .exclude(object_id=str(page.pk))
            .exists()
        )
    return page.shows_source_text


def with_own_text():
    """A filter for pages that show their own text (the source's pages and published
    translations), for querysets such as the sitemap's."""
    return Q(alias_of__isnull=True) & (
        Q(locale__language_code=source_language())
        | Q(live_revision__isnull=True)
        | Q(live_revision__object_id=Cast("pk", output_field=CharField()))
    )


def marking_source_text():
    """Annotations giving each page of a queryset its `shows_source_text`, in the same query."""
    return {"shows_source_text": ExpressionWrapper(~with_own_text(), output_field=BooleanField())}


def source_text_attributes(page):
    """` lang dir` for an element showing the page's text, when that text is the source's
    inside a page in another language; nothing otherwise."""
    if get_language() == source_language() or not shows_source_text(page):
        return ""
    info = get_language_info(source_language())
    return format_html(' lang="{}" dir="{}"', info["code"], "rtl" if info["bidi"] else "ltr")
