from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import Button
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import views
from .interface_drafts import InterfaceDraftsPanel
from .models import SponsorDescription
from .permissions import can_publish
from .rich_text import PageInReadersLanguageLinkHandler
from .translators import TRANSLATORS
from .upkeep import OutOfDateTranslationsPanel
from .views import submit_translation_for_review, translation_of


class SponsorDescriptionViewSet(SnippetViewSet):
    """Where translators find sponsor descriptions to translate and organisers publish them."""

    model = SponsorDescription
    icon = "openquote"
    menu_label = _("Sponsor descriptions")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["__str__", Column("locale", label=_("Language")), "live"]
    search_fields = ["text"]


register_snippet(SponsorDescriptionViewSet)


def translator_may_not_delete(user, page):
    """Wagtail lets anyone who may edit a page delete it while it is a draft; a translator's
    drafts are translations of the organisers' pages, so only those who publish delete them."""
    return (
        user.groups.filter(name=TRANSLATORS).exists()
        and not page.permissions_for_user(user).can_publish()
    )


@hooks.register("before_delete_page")
def translators_do_not_delete_pages(request, page):
    if translator_may_not_delete(request.user, page):
        raise PermissionDenied


@hooks.register("before_bulk_action")
def translators_do_not_bulk_delete_pages(request, action_type, objects, action_class_instance):
    if action_type != "delete":
        return
    pages = [obj for obj in objects if isinstance(obj, Page)]
    if any(translator_may_not_delete(request.user, page) for page in pages):
        raise PermissionDenied


@hooks.register("register_admin_urls")
def review_urls():
    return [
        path(
            "localisation/pages/<int:page_id>/submit-for-review/",
            submit_translation_for_review,
            name="localisation_submit_for_review",
        )
    ]


@hooks.register("register_admin_urls")
def wagtail_localize_urls_with_permission_checks():
    """The same addresses as wagtail-localize's own views, with the permission checks those
    views lack. This app's hooks run before wagtail-localize's (INSTALLED_APPS order), so
    these patterns are matched first; tests/test_translation_permissions.py checks it."""
    return [
        path("localize/submit/page/<int:page_id>/", views.submit_page_translation),
        path(
            "localize/submit/snippet/<slug:app_label>/<slug:model_name>/<str:pk>/",
            views.submit_snippet_translation,
        ),
        path("localize/update/<int:translation_source_id>/", views.sync_translations),
        path("localize/page/<int:page_id>/convert_to_alias/", views.convert_to_alias),
        path(
            "localize/api/snippets/<slug:app_label>/<slug:model_name>/",
            views.snippets_api_listing,
        ),
        path(
            "localize/api/snippets/<slug:app_label>/<slug:model_name>/<str:pk>/",
            views.snippets_api_detail,
        ),
    ]


@hooks.register("construct_page_action_menu")
def convert_to_alias_only_for_publishers(menu_items, request, context):
    """ "Convert to alias page" throws a translation away and shows the English instead."""
    page = context.get("page")
    if page is not None and not can_publish(request.user, page):
        menu_items[:] = [item for item in menu_items if item.name != "localize-convert-to-alias"]


@hooks.register("register_page_listing_more_buttons")
@hooks.register("register_page_header_buttons")
def submit_for_review_button(page, user, view_name=None, next_url=None):
    """Offered to those who may edit a translated page but not publish it: translators."""
    permissions = page.permissions_for_user(user)
    if permissions.can_edit() and not permissions.can_publish() and translation_of(page):
        yield Button(
            _("Submit translation for review"),
            reverse("localisation_submit_for_review", args=[page.pk]),
            icon_name="resubmit",
            priority=70,
        )


@hooks.register("construct_homepage_panels")
def out_of_date_translations_panel(request, panels):
    panel = OutOfDateTranslationsPanel(request.user)
    if panel.languages:
        panels.append(panel)


@hooks.register("construct_homepage_panels")
def show_unreviewed_interface_text(request, panels):
    panels.append(InterfaceDraftsPanel())


# order=1: after Wagtail's own registration, so that this handler of "page" links replaces it.
@hooks.register("register_rich_text_features", order=1)
def page_links_in_readers_language(features):
    features.register_link_type(PageInReadersLanguageLinkHandler)
