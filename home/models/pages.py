"""The campaign's own pages: home, platform, updates and newsletters, and the contact details
they show."""

import datetime

from django.core.paginator import EmptyPage, Paginator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField
from wagtail_newsletter.models import NewsletterPageMixin

from cms.pagecache.cache import cached_part
from cms.pages import CampaignPage, outside_private_sections, section_types, sections_among
from cms.personal_data import PERSONAL_DATA_PERMISSION

from ..blocks import CallToActionBlock, NewsletterStreamBlock, PlatformStreamBlock
from .meetings import MeetingPage

UPDATES_PER_PAGE = 10
# Updates by their date, undated ones (whose date organisers have not set) after them in the
# order they were published; the same in every database.
NEWEST_FIRST = [
    models.F("published_on").desc(nulls_last=True),
    "-first_published_at",
    "-pk",
]


@register_setting(icon="mail")
class CampaignSettings(BaseSiteSetting):
    """How to reach the campaign, shown in the footer, on the platform and the privacy notice."""

    contact_email = models.EmailField(
        blank=True,
        help_text="The campaign's public email address: the call's “our email”. Shown in the "
        "footer of every page, on the platform and on the privacy notice (where people ask "
        "for their details to be deleted). Until it is set, those places point to the "
        "contact form only.",
    )
    statement_url = models.URLField(
        blank=True,
        verbose_name="statement address",
        help_text="Where the LMSWHK statement the platform mentions (“our statement”) can be "
        "read. Until it is set, the platform says the statement is not online yet.",
    )

    panels = [FieldPanel("contact_email"), FieldPanel("statement_url")]

    class Meta:
        verbose_name = "Contact details"


# Functions registered under this name return counts for the front page and the API's
# highlights, each under its name ({"sponsor_count": 11}), so that home needs no other app's
# models to show them.
FRONT_PAGE_FIGURES_HOOK = "front_page_figures"


def front_page_figures():
    figures = {}
    for figures_of_an_app in hooks.get_hooks(FRONT_PAGE_FIGURES_HOOK):
        figures.update(figures_of_an_app())
    return figures


class PinnedUpdateMixin:
    """Pages that show the organisers' pinned notice at the top."""

    @cached_property
    def published_updates(self):
        # Building the queryset looks up the private sections once; everything derived from
        # it below reuses that lookup.
        return UpdatePage.published_in(self.locale_id)

    def pinned_updates(self):
        return self.published_updates.filter(is_pinned=True)

    def pinned_update_shown(self):
        # The same for every page of a language until content changes.
        return cached_part(f"pinned-update:{self.locale_id}", lambda: self.pinned_updates().first())

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["pinned_update"] = self.pinned_update_shown()
        return context


class HomePage(PinnedUpdateMixin, CampaignPage):
    """The front page: what the campaign is, the pinned notice, latest updates and sponsors."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "home.PlatformPage",
        "home.UpdateIndexPage",
        "home.MeetingIndexPage",
        "sponsors.SponsorIndexPage",
        "forms_app.SponsorFormPage",
        "forms_app.SignupFormPage",
        "forms_app.ContactFormPage",
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

    def front_page_updates(self):
        """The pinned notice, and the newest three updates besides it (the banner above
        already shows it), read in one query."""
        newest_pinned = self.pinned_updates().values("pk")[:1]
        newest = self.published_updates.values("pk")[:4]
        updates = self.published_updates.filter(Q(pk__in=newest_pinned) | Q(pk__in=newest))
        pinned = next((update for update in updates if update.is_pinned), None)
        latest = [update for update in updates if update is not pinned][:3]
        return pinned, latest

    def pinned_update_shown(self):
        return cached_part(f"front-page:{self.pk}", self.other_content_shown)["pinned_update"]

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
        shown = cached_part(f"front-page:{self.pk}", self.other_content_shown)
        pinned = shown["pinned_update"]
        return {
            "pinned_update": update_summary(pinned) if pinned else None,
            "latest_updates": [update_summary(update) for update in shown["latest_updates"]],
            **shown["figures"],
        }

    def localized_calls_to_action(self):
        """Each button with its live target in this page's language: an untranslated home page
        still points at the English pages, and readers belong in their own."""
        # The buttons' page ids as stored (the stream's raw data), and the linked pages with
        # their live versions in this language in one query: reading the stream's pages first
        # would cost a query of its own.
        calls = [
            call["value"] for call in self.calls_to_action.raw_data if call["value"].get("page")
        ]
        if not calls:
            return []
        ids = [call["page"] for call in calls]
        pages = Page.objects.filter(
            Q(pk__in=ids)
            | Q(
                locale_id=self.locale_id,
                live=True,
                translation_key__in=Page.objects.filter(pk__in=ids).values("translation_key"),
            )
        )
        linked = {str(page.pk): page for page in pages}
        targets = {
            page.translation_key: page
            for page in linked.values()
            if page.locale_id == self.locale_id and page.live
        }
        localized = []
        for call in calls:
            page = linked.get(str(call["page"]))  # None once the page is deleted
            target = targets.get(page.translation_key) if page else None
            if target is not None:
                localized.append({**call, "page": page, "target": target})
        return localized

    def other_content_shown(self):
        """The pinned notice, the latest updates, the figures (the sponsor count), the next
        meeting and the section links: what the front page shows of other pages, which changes
        only when content does (and a meeting's passing, within the cache's time)."""
        pinned, latest = self.front_page_updates()
        shown = {
            "pinned_update": pinned,
            "latest_updates": latest,
            "figures": front_page_figures(),
        }
        # Only links are needed, so plain pages will do; a private section stays private behind
        # its link. The next meeting comes whole (its own fields through its own table) in the
        # same query, which keeps a page built right after a content change within its budget.
        section_pages = (
            Page.objects.child_of(self)
            .live()
            .type(*section_types("sponsor_index", "update_index", "meeting_index"))
        )
        pages = (
            Page.objects.filter(
                Q(pk__in=section_pages.values("pk"))
                | Q(pk__in=MeetingPage.coming_in(self.locale_id).values("pk")[:1])
            )
            .select_related("meetingpage")
            .order_by("path")
        )
        shown["next_meeting"] = None
        for page in pages:
            if meeting := getattr(page, "meetingpage", None):
                shown["next_meeting"] = meeting
            else:
                shown.setdefault(page.specific_class.section_name, page)
        return shown

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        shown = cached_part(f"front-page:{self.pk}", self.other_content_shown)
        context.update(shown)
        # Each figure under its own name ("sponsor_count"), as the template reads it.
        context.update(shown["figures"])
        # From this page's own fields, which a preview shows as drafted.
        context["calls_to_action"] = self.localized_calls_to_action()
        return context


class PlatformPage(PinnedUpdateMixin, CampaignPage):
    """The campaign's platform: the call, each struggle, point and activity as its own item."""

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1
    section_name = "platform"

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

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The call's "the form below", "this form or our email": the forms beside this page,
        # in its language.
        forms = outside_private_sections(self.get_siblings().live())
        context.update(sections_among(forms, "signup_form", "sponsor_form", "contact_form"))
        return context


class UpdateIndexPage(RoutablePageMixin, CampaignPage):
    """The list of update notices, newest first, with an RSS and Atom feed."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["home.UpdatePage", "home.NewsletterPage"]
    max_count_per_parent = 1
    section_name = "update_index"

    intro = models.TextField(
        blank=True, help_text="A sentence shown above the list of updates (optional)."
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    def get_updates(self):
        return outside_private_sections(
            UpdatePage.objects.live().child_of(self).order_by(*NEWEST_FIRST)
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.get_updates(), UPDATES_PER_PAGE)
        number = request.GET.get("page", "1")
        # Only the real pages, each under one address ("2", not "02" or "2.0"): every other
        # value is a 404, so that no one can fill the page cache with copies of the list.
        if not number.isdecimal() or number != str(int(number)):
            raise Http404
        try:
            context["updates"] = paginator.page(number)
        except EmptyPage as error:
            raise Http404 from error
        return context

    @path("feed/")
    def rss_feed(self, request):
        from ..feeds import UpdatesRssFeed

        return UpdatesRssFeed()(request, index_page=self)

    @path("feed/atom/")
    def atom_feed(self, request):
        from ..feeds import UpdatesAtomFeed

        return UpdatesAtomFeed()(request, index_page=self)


class SentAsNewsletter(NewsletterPageMixin):
    """A page organisers may also send as an email, from its Newsletter tab, to an audience of
    supporters (forms_app.newsletters), each reader in their language."""

    base_form_class = WagtailAdminPageForm
    # The campaign id is the same in every language (see save), never text for translators.
    override_translatable_fields = [SynchronizedField("newsletter_campaign")]

    class Meta:
        abstract = True

    @classmethod
    def get_newsletter_panels(cls):
        """Whom the page goes to and sending it, for those who may read personal data: the
        fields leave anyone else's form, so an Editor's save cannot change them either."""
        panels = [
            FieldPanel(**{**panel.clone_kwargs(), "permission": PERSONAL_DATA_PERMISSION})
            if isinstance(panel, FieldPanel)
            else panel
            for panel in super().get_newsletter_panels()
        ]
        return [MultiFieldPanel(panels, heading="Sending", permission=PERSONAL_DATA_PERMISSION)]

    def save(self, *args, **kwargs):
        # wagtail-newsletter's campaign id is the page in all its languages: its translation
        # key (forms_app.newsletters).
        if not self.newsletter_campaign:
            self.newsletter_campaign = str(self.translation_key)
        return super().save(*args, **kwargs)

    def has_newsletter_permission(self, user, action):
        """Sending reaches people's inboxes from their addresses: Organisers only."""
        return user.has_perm(PERSONAL_DATA_PERMISSION)

    def newsletter_versions(self):
        """The page as readers get it, by language: this language as last saved (what the
        organiser previewed and sends), and each translation as published. An alias is the
        English waiting for a translator, not a translation: its readers get the English."""
        versions = {self.locale.language_code: self.get_latest_revision_as_object()}
        translations = self.get_translations().live().filter(alias_of__isnull=True)
        for translated in translations.specific().select_related("locale"):
            versions[translated.locale.language_code] = translated
        return versions

    def get_newsletter_html(self, extra_context=None):
        # In the page's own language, whoever renders it: its `lang` and `dir` too.
        with translation.override(self.locale.language_code):
            return super().get_newsletter_html(extra_context)

    def get_newsletter_text(self):
        with translation.override(self.locale.language_code):
            return render_to_string(self.newsletter_text_template, self.get_newsletter_context())

    def get_newsletter_subject(self):
        with translation.override(self.locale.language_code):
            return super().get_newsletter_subject()


class UpdatePage(SentAsNewsletter, CampaignPage):
    """A dated notice from the campaign; pin one to show it at the top of the main pages.
    Organisers may also email it to supporters from its Newsletter tab."""

    parent_page_types = ["home.UpdateIndexPage"]
    subpage_types = []
    newsletter_template = "home/email/update_page.html"
    newsletter_text_template = "home/email/update_page.txt"

    published_on = models.DateField(
        null=True,
        blank=True,
        default=datetime.date.today,
        help_text="The date shown on the notice. Updates are listed newest first by this date. "
        "Leave it empty when the date is not known: no date is shown, and the update is listed "
        "after the dated ones.",
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
        return outside_private_sections(
            cls.objects.live().filter(locale_id=locale_id).order_by(*NEWEST_FIRST)
        )

    @property
    def dated_on(self):
        """The date feeds give the update: its own, or when it was first published."""
        if self.published_on:
            return self.published_on
        published_at = self.first_published_at or self.last_published_at
        return published_at and timezone.localdate(published_at)


class NewsletterPage(SentAsNewsletter, CampaignPage):
    """A newsletter organisers write, preview as the email, test and send to supporters from
    its Newsletter tab; publishing it puts its web version on the site."""

    parent_page_types = ["home.UpdateIndexPage"]
    subpage_types = []
    newsletter_template = "home/email/newsletter_page.html"
    newsletter_text_template = "home/email/newsletter_page.txt"

    body = StreamField(
        NewsletterStreamBlock(),
        help_text="What the newsletter says: paragraphs, and buttons to pages on the site. "
        "Links go straight to their pages: nothing counts who opens or clicks.",
    )

    content_panels = Page.content_panels + [FieldPanel("body")]
    # The web version is public once published; who it went to never is.
    api_fields = [APIField("body")]
