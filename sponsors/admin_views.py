"""Where organisers review endorsements: approve or reject one sponsor with one click, or many
at once as a bulk action, and see on the dashboard how many are waiting."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from wagtail.admin import messages
from wagtail.admin.ui.components import Component
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.widgets.button import ListingButton
from wagtail.log_actions import log
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
    SnippetCreateView,
)
from wagtail.snippets.views.snippets import EditView, IndexView

from cms.personal_data import PERSONAL_DATA_PERMISSION

from .models import Sponsor

REVIEW_CHOICES = {
    Sponsor.Status.APPROVED: {
        "url_name": "approve",
        "label": _("Approve"),
        "done": _("Approved “%(name)s”: it is on the public list of sponsors."),
    },
    Sponsor.Status.REJECTED: {
        "url_name": "reject",
        "label": _("Reject"),
        "done": _("Rejected “%(name)s”: it is not shown anywhere public."),
    },
}


def can_review(user):
    return user.has_perm("sponsors.change_sponsor")


def can_see_sponsors(user):
    return user.has_perm("sponsors.view_sponsor")


def can_review_to(sponsor, status):
    """A withdrawn endorsement is the organisation's decision: organisers cannot undo it."""
    return sponsor.status not in (status, Sponsor.Status.WITHDRAWN)


def pending_listing_url():
    return reverse(Sponsor.snippet_viewset.get_url_name("list")) + "?status=pending"


class ReviewSponsorView(View):
    """One click from the listing: approve or reject a sponsor (POST only)."""

    http_method_names = ["post"]
    status = None

    def post(self, request, pk):
        if not can_review(request.user):
            raise PermissionDenied
        sponsor = get_object_or_404(Sponsor, pk=pk)
        if can_review_to(sponsor, self.status):
            sponsor.review(self.status, request.user)
            messages.success(request, REVIEW_CHOICES[self.status]["done"] % {"name": sponsor})
        listing_url = reverse(Sponsor.snippet_viewset.get_url_name("list"))
        return redirect(get_valid_next_url_from_request(request) or listing_url)


class SponsorIndexView(IndexView):
    """The sponsor listing with Approve and Reject buttons on each row that needs them."""

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if not can_review(self.request.user):
            return buttons
        for status, choice in REVIEW_CHOICES.items():
            if can_review_to(instance, status):
                url_name = Sponsor.snippet_viewset.get_url_name(choice["url_name"])
                buttons.append(
                    ListingButton(
                        choice["label"],
                        attrs={
                            "data-controller": "w-action",
                            "data-action": "w-action#post",
                            "data-w-action-url-value": reverse(url_name, args=[instance.pk]),
                            "data-w-action-next-value": self.request.get_full_path(),
                            "aria-label": f"{choice['label']} “{instance}”",
                        },
                        priority=5,
                    )
                )
        return buttons


class SponsorEditView(EditView):
    """The sponsor's edit form; opening it with its contact details shown goes in the audit
    log, like every other view of personal data."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.user.has_perm(PERSONAL_DATA_PERMISSION) and self.object.has_contact_details:
            log(self.object, "sponsors.view_contact_details", user=request.user)
        return response


class ReviewBulkAction(SnippetBulkAction):
    """Approve or reject every selected sponsor, each recorded in the audit log."""

    models = [Sponsor]
    template_name = "sponsors/bulk_actions/confirm_bulk_review.html"
    status = None

    def check_perm(self, sponsor):
        return can_review(self.request.user) and can_review_to(sponsor, self.status)

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        for sponsor in objects:
            sponsor.review(cls.status, user)
        return len(objects), 0

    def get_execution_context(self):
        return {**super().get_execution_context(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_label": self.display_name}


class ApproveBulkAction(ReviewBulkAction):
    display_name = _("Approve")
    action_type = "approve"
    aria_label = _("Approve the selected sponsors")
    status = Sponsor.Status.APPROVED
    action_priority = 10

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "Approved %(count)d sponsor: it is on the public list.",
            "Approved %(count)d sponsors: they are on the public list.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class RejectBulkAction(ReviewBulkAction):
    display_name = _("Reject")
    action_type = "reject"
    aria_label = _("Reject the selected sponsors")
    status = Sponsor.Status.REJECTED
    action_priority = 20

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "Rejected %(count)d sponsor.",
            "Rejected %(count)d sponsors.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class PendingSponsorsPanel(Component):
    """The dashboard's count of endorsements waiting for review, linking to them."""

    name = "pending_sponsors"
    order = 50
    template_name = "sponsors/admin/pending_sponsors_panel.html"

    def get_context_data(self, parent_context):
        return {"pending_count": Sponsor.objects.pending().count(), "url": pending_listing_url()}


class OrganisersOnly:
    """Wagtail's snippet choosers list every instance to anyone who reaches the admin; the
    sponsors include those that are pending, rejected, withdrawn or unnamed in public."""

    def dispatch(self, request, *args, **kwargs):
        if not can_see_sponsors(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SponsorChooserViewSet(SnippetChooserViewSet):
    """The sponsor chooser (and its search, results and chosen views), for organisers only."""

    choose_view_class = type("SponsorChooseView", (OrganisersOnly, ChooseView), {})
    choose_results_view_class = type(
        "SponsorChooseResultsView", (OrganisersOnly, ChooseResultsView), {}
    )
    chosen_view_class = type("SponsorChosenView", (OrganisersOnly, SnippetChosenView), {})
    chosen_multiple_view_class = type(
        "SponsorChosenMultipleView", (OrganisersOnly, SnippetChosenMultipleView), {}
    )
    create_view_class = type("SponsorCreateView", (OrganisersOnly, SnippetCreateView), {})
