from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_views import (
    ApproveBulkAction,
    PendingSponsorsPanel,
    RejectBulkAction,
    ReviewSponsorView,
    SponsorEditView,
    SponsorIndexView,
    can_review,
)
from .models import Sponsor


class SponsorViewSet(SnippetViewSet):
    """Where organisers review sponsoring organisations and approve or reject them."""

    model = Sponsor
    icon = "group"
    menu_label = _("Sponsors")
    menu_order = 200
    add_to_admin_menu = True
    index_view_class = SponsorIndexView
    edit_view_class = SponsorEditView
    list_display = ["name", "kind", "listing", "status", "country", "created_at"]
    list_filter = ["status", "kind", "listing"]
    # Contact details are left out on purpose: searching by them would reveal them.
    search_fields = ["name", "country"]
    ordering = ["status", "name"]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path(
                "approve/<int:pk>/",
                ReviewSponsorView.as_view(status=Sponsor.Status.APPROVED),
                name="approve",
            ),
            path(
                "reject/<int:pk>/",
                ReviewSponsorView.as_view(status=Sponsor.Status.REJECTED),
                name="reject",
            ),
        ]


register_snippet(SponsorViewSet)
hooks.register("register_bulk_action", ApproveBulkAction)
hooks.register("register_bulk_action", RejectBulkAction)


@hooks.register("construct_homepage_panels")
def add_pending_sponsors_panel(request, panels):
    if can_review(request.user):
        panels.append(PendingSponsorsPanel())


@hooks.register("register_log_actions")
def register_sponsor_log_actions(actions):
    actions.register_action(
        "sponsors.confirm", _("Confirm endorsement"), _("Contact address confirmed")
    )
    actions.register_action(
        "sponsors.view_contact_details",
        _("View contact details"),
        _("Viewed the sponsor's private contact details"),
    )
    actions.register_action("sponsors.approve", _("Approve sponsor"), _("Approved"))
    actions.register_action("sponsors.reject", _("Reject sponsor"), _("Rejected"))
    actions.register_action(
        "sponsors.withdraw", _("Withdraw endorsement"), _("Withdrawn by the organisation")
    )
