"""The events after which cached pages may no longer show the truth: the one list of them.

Each one replaces the content version (cache.py) in the transaction that makes the change, so
every cached page and part is out of date once it commits, and asks the proxy or CDN in front
to drop its copies. The whole cache goes at once rather than working out which pages show what:
the menu, the pinned notice, the latest updates, the sponsor count and the language links tie
most pages to most content, a site this size re-renders in well under a second, and only
organisers' actions count. A visitor's form submission, a pending sponsor or a draft changes
nothing public and clears nothing, so a flood of them cannot empty the cache.
"""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.models import Page
from wagtail.signals import (
    page_published,
    page_unpublished,
    post_page_move,
    published,
    unpublished,
)

from .cache import content_changed

# Models whose changes show on public pages without going through page publishing.
SHOWN_ON_PAGES = [
    # Making a section private (or public again) changes who may read it, without a publish.
    "wagtailcore.PageViewRestriction",
    "wagtailcore.Site",
    "wagtailcore.Locale",
    "wagtailredirects.Redirect",
    "wagtailimages.Image",
    # A form's questions are kept for its visitors (forms_app); publishing saves them, and so
    # does an edit made from code.
    "forms_app.SignupFormField",
    "forms_app.SponsorFormField",
    "forms_app.ContactFormField",
]


def purge_frontend_cache():
    """Purge every live page from the reverse proxy or CDN, when one is configured."""
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    batch = PurgeBatch()
    batch.add_pages(Page.objects.live().specific(defer=True))
    batch.purge()


def public_content_changed(**kwargs):
    content_changed()
    # After the commit, when the app serves the new content to the proxy's next request.
    transaction.on_commit(purge_frontend_cache)


def new_code_deployed(**kwargs):
    # Pages rendered by the old code and templates must not outlive it.
    content_changed()


def live_page_moved_or_deleted(instance, **kwargs):
    if isinstance(instance, Page) and instance.live:
        public_content_changed()


def remember_whether_sponsor_was_public(sender, instance, **kwargs):
    instance.was_public = bool(
        instance.pk and sender.objects.approved().filter(pk=instance.pk).exists()
    )


def sponsor_saved(instance, **kwargs):
    if instance.is_approved or getattr(instance, "was_public", False):
        public_content_changed()


def sponsor_deleted(instance, **kwargs):
    if instance.is_approved:
        public_content_changed()


def campaign_settings_saved(created, **kwargs):
    # The contact email and the statement's address show in every page's footer and more. Wagtail
    # creates the row, empty, the first time a page reads it: that changes nothing anyone sees,
    # and counting it would spend the cache on a new site's first visit.
    if not created:
        public_content_changed()


def connect_content_signals():
    page_published.connect(public_content_changed)
    page_unpublished.connect(public_content_changed)
    # Snippets with publishing (translatable texts shown on pages).
    published.connect(public_content_changed)
    unpublished.connect(public_content_changed)
    post_page_move.connect(live_page_moved_or_deleted)
    post_delete.connect(live_page_moved_or_deleted)
    for model in SHOWN_ON_PAGES:
        post_save.connect(public_content_changed, sender=model)
        post_delete.connect(public_content_changed, sender=model)
    post_save.connect(campaign_settings_saved, sender="home.CampaignSettings")
    post_delete.connect(public_content_changed, sender="home.CampaignSettings")
    pre_save.connect(remember_whether_sponsor_was_public, sender="sponsors.Sponsor")
    post_save.connect(sponsor_saved, sender="sponsors.Sponsor")
    post_delete.connect(sponsor_deleted, sender="sponsors.Sponsor")
