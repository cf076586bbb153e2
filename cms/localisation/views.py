from django.apps import apps
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.views.bulk_action import dispatcher as bulk_action_dispatcher
from wagtail.models import Page, TranslatableMixin
from wagtail.snippets.models import get_snippet_models
from wagtail.snippets.views.snippets import get_snippet_model_from_url_params
from wagtail_localize.models import Translation, TranslationSource
from wagtail_localize.views import convert, snippets_api
from wagtail_localize.views.submit_translations import (
    SubmitPageTranslationView,
    SubmitSnippetTranslationView,
    SubmitTranslationForm,
)
from wagtail_localize.views.update_translations import UpdateTranslationsView

from cms.pagecache.signals import public_content_changed

from .permissions import can_list, can_publish, can_publish_translations, can_translate_into


def translation_of(page):
    return Translation.objects.filter(
        source__object_id=page.translation_key, target_locale_id=page.locale_id, enabled=True
    ).first()


def submit_translation_for_review(request, page_id):
    """A translator sends their translation of a page to the organisers' review.

    The strings they typed in the translation editor become a draft revision of the page; the
    live page does not change until an organiser approves (and so publishes) it.
    """
    page = get_object_or_404(Page, pk=page_id).specific
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    translation = translation_of(page)
    workflow = page.get_workflow()
    if translation is None or workflow is None:
        raise Http404
    if request.method == "POST":
        draft = translation.source.get_ephemeral_translated_instance(page.locale, fallback=True)
        draft.save_revision(user=request.user)
        if not page.workflow_in_progress:
            workflow.start(draft, request.user)
        messages.success(
            request,
            _("“%(title)s” in %(language)s was sent to the organisers for review.")
            % {"title": draft.title, "language": page.locale.get_display_name()},
        )
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return TemplateResponse(
        request,
        "localisation/submit_for_review.html",
        {
            "translated_page": page,
            "page_title": _("Submit translation for review"),
            "page_subtitle": page.get_admin_display_title(),
            "header_icon": "resubmit",
        },
    )


def sync_translations(request, translation_source_id):
    """wagtail-localize's "Sync translated pages", for those who may publish every translation
    it rewrites: with "Publish immediately" it publishes them all."""
    source = get_object_or_404(TranslationSource, pk=translation_source_id)
    if not can_publish_translations(request.user, source):
        raise PermissionDenied
    return UpdateTranslationsView.as_view()(request, translation_source_id=translation_source_id)


def refuse_publishing_by_translating(request, instance):
    """Translating a source again rewrites its existing translations, the live ones too."""
    if request.method != "POST":
        return
    form = SubmitTranslationForm(instance, request.POST)
    # An invalid form is shown again by wagtail-localize, having written nothing.
    if form.is_valid() and not can_translate_into(
        request.user, instance, form.cleaned_data["locales"], form.cleaned_data["include_subtree"]
    ):
        raise PermissionDenied


def submit_page_translation(request, page_id):
    """wagtail-localize's "Translate this page", for those who may publish what it would put
    on the public site: an alias with stored translated text, the translated pages below."""
    refuse_publishing_by_translating(request, get_object_or_404(Page, pk=page_id))
    return SubmitPageTranslationView.as_view()(request, page_id=page_id)


def submit_snippet_translation(request, app_label, model_name, pk):
    """wagtail-localize's "Translate" on a snippet, with the same check as for pages."""
    model = get_snippet_model_from_url_params(app_label, model_name)
    if issubclass(model, TranslatableMixin):
        refuse_publishing_by_translating(request, get_object_or_404(model, pk=unquote(pk)))
    return SubmitSnippetTranslationView.as_view()(
        request, app_label=app_label, model_name=model_name, pk=pk
    )


def convert_to_alias(request, page_id):
    """wagtail-localize's "Convert to alias page", for those who may publish the page: it
    throws the translation away and shows visitors the English at once."""
    page = get_object_or_404(Page, pk=page_id)
    if not can_publish(request.user, page):
        raise PermissionDenied
    response = convert.convert_to_alias(request, page_id)
    if request.method == "POST" and response.status_code == 302:
        # The page's content changed without a publish, which is what clears cached pages.
        public_content_changed()
    return response


def only_for_those_who_may_list(view):
    """wagtail-localize's snippet API, for those who hold a permission on the snippet's model."""

    def listing(request, app_label, model_name, **kwargs):
        model = get_snippet_model_from_url_params(app_label, model_name)
        if not can_list(request.user, model):
            raise PermissionDenied
        return view(request, app_label=app_label, model_name=model_name, **kwargs)

    return listing


snippets_api_listing = only_for_those_who_may_list(
    snippets_api.SnippetViewSet.as_view({"get": "list"})
)
snippets_api_detail = only_for_those_who_may_list(
    snippets_api.SnippetViewSet.as_view({"get": "retrieve"})
)


def snippet_bulk_action(request, app_label, model_name, action):
    """Wagtail's bulk actions, whose confirmation lists every selected object by name, even
    those the user may not act on: for a snippet, only those who may list its model get there."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as error:
        raise Http404 from error
    if model in get_snippet_models() and not can_list(request.user, model):
        raise PermissionDenied
    return bulk_action_dispatcher.index(request, app_label, model_name, action)
