"""What every public page shares, whichever app defines it: the base class, and how pages find
the site's other sections (the platform, the forms, the sponsor list) by name, so that no app
imports another's page models to link to them."""

from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page, PageViewRestriction, get_page_models


class CampaignPage(Page):
    """Fields every public page shares: how it looks when someone shares its link."""

    social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown when this page is shared on social media or in a messaging app. "
        "A landscape picture about 1200 × 630 pixels works best. Optional.",
    )

    menu_title = models.CharField(
        max_length=40,
        blank=True,
        help_text="A short name for the site menu, when the title is too long for it. Optional.",
    )

    promote_panels = Page.promote_panels + [FieldPanel("menu_title"), FieldPanel("social_image")]

    # The name other pages' templates know this kind of page by when they link to it
    # ("platform", "signup_form"): see `sections_among`.
    section_name = ""

    class Meta:
        abstract = True

    def get_view_restrictions(self):
        """Wagtail's rule (the restrictions set on this page and its ancestors, an alias taking
        its source page's) in one query, where Wagtail makes one more for each alias."""
        steps = range(self.steplen, len(self.path) + 1, self.steplen)
        paths = [self.path[:end] for end in steps]
        aliased = Page.objects.filter(path__in=paths, alias_of__isnull=False).values("alias_of")
        return PageViewRestriction.objects.filter(Q(page__path__in=paths) | Q(page__in=aliased))

    @property
    def social_description(self):
        page_text = getattr(self, "summary", "") or getattr(self, "intro", "")
        return self.search_description or page_text


def section_types(*names):
    """The page models that are the named sections."""
    return [model for model in get_page_models() if getattr(model, "section_name", "") in names]


def sections_among(pages, *names):
    """The named sections among the pages, in their order: a list of the pages (as the
    queryset gives them) with each one's section name."""
    return [(page.specific_class.section_name, page) for page in pages.type(*section_types(*names))]


def outside_private_sections(pages):
    """Wagtail's `pages.public()` within the one query, where Wagtail first reads every private
    section in a query of its own: a page is left out when a view restriction is set on it or on
    one of its ancestors (a page whose path starts with the restricted page's path)."""
    restricted = PageViewRestriction.objects.annotate(
        candidate_path=ExpressionWrapper(OuterRef("path"), output_field=models.CharField())
    ).filter(candidate_path__startswith=F("page__path"))
    return pages.exclude(Exists(restricted))
