import datetime

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.utils.functional import cached_property
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.pagecache.cache import remember

from .blocks import CallToActionBlock, PlatformStreamBlock

UPDATES_PER_PAGE = 10


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

    class Meta:
        abstract = True

    @property
    def social_description(self):
        page_text = getattr(self, "summary", "") or getattr(self, "intro", "")
        return self.search_description or page_text


class PinnedUpdateMixin:
    """Pages that show the organisers' pinned notice at the top."""

    @cached_property
    def published_updates(self):
        # Building the queryset looks up the private sections once; everything derived from
        # it below reuses that lookup.
        return UpdatePage.published_in(self.locale_id)

    def pinned_update(self):
        return self.published_updates.filter(is_pinned=True).first()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The same for every page of a language until content changes.
        context["pinned_update"] = remember(f"pinned-update:{self.locale_id}", self.pinned_update)
        return context


class HomePage(PinnedUpdateMixin, CampaignPage):
    """The front page: what the campaign is, the pinned notice, latest updates and sponsors."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "home.PlatformPage",
        "home.UpdateIndexPage",
        "sponsors.SponsorIndexPage",
        "forms_app.SponsorFormPage",
        "forms_app.SignupFormPage",
        "forms_app.PrivacyNoticePage",
    ]

    intro = models.TextField(
        help_text="Two or three sentences saying what the campaign is for. "
        "This is the first thing visitors read."
    )
    calls_to_action = StreamField(
        [("call_to_action", CallToActionBlock())],
        blank=True,
        help_text="Buttons that ask visitors to act: read the platform, sponsor, sign up. "
        "Drag them to change their order.",
    )
    privacy_promise = models.TextField(
        help_text="The campaign's promise to people who sign up, shown on the front page."
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("calls_to_action"),
        FieldPanel("privacy_promise"),
    ]
    api_fields = [
        APIField("intro"),
        APIField("calls_to_action"),
        APIField("privacy_promise"),
        APIField("highlights"),
    ]

    def latest_updates(self):
        return self.published_updates[:3]

    @property
    def highlights(self):
        """What the front page shows beside its own text, for clients of the API."""

        def update_summary(update):
            return {
                "id": update.pk,
                "title": update.title,
                "published_on": update.published_on,
                "summary": update.summary,
            }

        # Kept with the page's, until content changes.
        pinned = remember(f"pinned-update:{self.locale_id}", self.pinned_update)
        shown = remember(f"front-page:{self.pk}", self.other_content_shown)
        return {
            "pinned_update": update_summary(pinned) if pinned else None,
            "latest_updates": [update_summary(update) for update in shown["latest_updates"]],
            "sponsor_count": shown["sponsor_count"],
        }

    def localized_calls_to_action(self):
        """Each button with its live target in this page's language: an untranslated home page
        still points at the English pages, and readers belong in their own."""
        calls = [call.value for call in self.calls_to_action if call.value["page"]]
        targets = {
            call["page"].translation_key: call["page"]
            for call in calls
            if call["page"].locale_id == self.locale_id and call["page"].live
        }
        keys = [call["page"].translation_key for call in calls]
        if missing := [key for key in keys if key not in targets]:
            in_this_language = Page.objects.live().filter(
                locale_id=self.locale_id, translation_key__in=missing
            )
            targets.update((page.translation_key, page) for page in in_this_language)
        return [
            {**call, "target": targets[call["page"].translation_key]}
            for call in calls
            if call["page"].translation_key in targets
        ]

    def other_content_shown(self):
        """The latest updates, the sponsor count and the section links: what the front page
        shows of other pages, which changes only when content does."""
        from sponsors.models import Sponsor, SponsorIndexPage

        shown = {
            "latest_updates": list(self.latest_updates()),
            "sponsor_count": Sponsor.objects.approved().count(),
        }
        # Only links are needed, so plain pages from one query will do; a private section
        # stays private behind its link.
        sections = Page.objects.child_of(self).live().type(SponsorIndexPage, UpdateIndexPage)
        for section in sections:
            key = "sponsor_index" if section.specific_class is SponsorIndexPage else "update_index"
            shown.setdefault(key, section)
        return shown

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(remember(f"front-page:{self.pk}", self.other_content_shown))
        # From this page's own fields, which a preview shows as drafted.
        context["calls_to_action"] = self.localized_calls_to_action()
        return context


class PlatformPage(PinnedUpdateMixin, CampaignPage):
    """The campaign's platform: the call, each struggle, point and activity as its own item."""

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    summary = models.TextField(
        max_length=300,
        help_text="One or two sentences describing the platform, used in links and shares.",
    )
    body = StreamField(
        PlatformStreamBlock(),
        help_text="Paragraphs of the call and the platform's sections. Each point in a section "
        "is its own item: add, reword or drag points one at a time.",
    )

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("body")]
    api_fields = [APIField("summary"), APIField("body")]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
    ]


class UpdateIndexPage(RoutablePageMixin, CampaignPage):
    """The list of update notices, newest first, with an RSS and Atom feed."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["home.UpdatePage"]
    max_count_per_parent = 1

    intro = models.TextField(
        blank=True, help_text="A sentence shown above the list of updates (optional)."
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    def get_updates(self):
        return (
            UpdatePage.objects.live()
            .public()
            .child_of(self)
            .order_by("-published_on", "-first_published_at", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.get_updates(), UPDATES_PER_PAGE)
        try:
            updates = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            updates = paginator.page(1)
        except EmptyPage:
            updates = paginator.page(paginator.num_pages)
        context["updates"] = updates
        return context

    @path("feed/")
    def rss_feed(self, request):
        from .feeds import UpdatesRssFeed

        return UpdatesRssFeed()(request, index_page=self)

    @path("feed/atom/")
    def atom_feed(self, request):
        from .feeds import UpdatesAtomFeed

        return UpdatesAtomFeed()(request, index_page=self)


class UpdatePage(CampaignPage):
    """A dated notice from the campaign; pin one to show it at the top of the main pages."""

    parent_page_types = ["home.UpdateIndexPage"]
    subpage_types = []

    published_on = models.DateField(
        default=datetime.date.today,
        help_text="The date shown on the notice. Updates are listed newest first by this date.",
    )
    summary = models.TextField(
        max_length=300,
        help_text="One or two sentences: shown in lists, in the pinned banner and when shared.",
    )
    body = RichTextField(
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"],
        help_text="The full text of the update.",
    )
    is_pinned = models.BooleanField(
        default=False,
        verbose_name="pinned",
        help_text="Show this update as a notice at the top of the home and platform pages. "
        "If several are pinned, the newest is shown.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("published_on"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("is_pinned"),
    ]
    api_fields = [
        APIField("published_on"),
        APIField("summary"),
        APIField("body"),
        APIField("is_pinned"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("published_on"),
    ]

    @classmethod
    def published_in(cls, locale_id):
        """Live updates outside private sections in one language, newest first."""
        return (
            cls.objects.live().public().filter(locale_id=locale_id).order_by("-published_on", "-pk")
        )
