from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.models import Page
from wagtail_localize.models import Translation


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
