from django.db.models import Q
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page

from .text_language import with_own_text


class EveryLanguageSitemap(Sitemap):
    """Every translated page of the site, in every language.

    Wagtail's own sitemap lists only the tree below the site's root page, which is the
    English home page. Pages still showing the English text are left out (aliases, and
    translations not yet published): they would repeat it at another address.
    """

    def items(self):
        homes = self.get_wagtail_site().root_page.get_translations(inclusive=True)
        in_a_home_tree = Q()
        for home in homes.only("path"):
            in_a_home_tree |= Q(path__startswith=home.path)
        return (
            Page.objects.filter(in_a_home_tree, with_own_text())
            .live()
            .public()
            .order_by("path")
            .defer_streamfields()
            .specific()
        )
