from django.conf import settings
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from forms_app.models import SPONSOR_FORM_SUBMITTED_HOOK
from forms_app.newsletters import MailingAudience, Reader
from forms_app.retention import RETENTION_HOOK
from forms_app.supporters import ERASE_PERSONAL_DATA_HOOK
from home.models import FRONT_PAGE_FIGURES_HOOK
from home.registrations import SPONSOR_CONTACT_HOOK

from .admin_views import (
    ApproveBulkAction,
    PendingSponsorsPanel,
    RejectBulkAction,
    ReviewSponsorView,
    SponsorChooserViewSet,
    SponsorEditView,
    SponsorIndexView,
    can_review,
)
from .endorsements import request_confirmation
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
    chooser_viewset_class = SponsorChooserViewSet
    # A copy would be a second record of the same organisation, prefilled with its private
    # contact details: a new endorsement comes through the sponsor form instead.
    copy_view_enabled = False
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


def approved_sponsor_contacts():
    """The contact of each listed sponsor, for meeting details ("we will send details to those
    who sign up"); sponsors give no language, so they read the main one."""
    contacts = Sponsor.objects.approved().exclude(contact_email="")
    for email in contacts.values_list("contact_email", flat=True).iterator():
        yield Reader(email, settings.LANGUAGE_CODE)


@hooks.register("register_newsletter_audiences")
def register_sponsor_audience():
    return [
        MailingAudience("sponsors", _("Approved sponsors' contacts"), approved_sponsor_contacts)
    ]


@hooks.register(FRONT_PAGE_FIGURES_HOOK)
def count_sponsors():
    """The front page's and the API's count of listed sponsors."""
    return {"sponsor_count": Sponsor.objects.approved().count()}


# What forms_app hands over to the sponsors app, which it does not import: each stored sponsor
# form submission, an address to erase, and the retention cutoff.
hooks.register(SPONSOR_FORM_SUBMITTED_HOOK, request_confirmation)


@hooks.register(ERASE_PERSONAL_DATA_HOOK)
def forget_sponsor_contacts(hashed):
    """The person behind a sponsor is forgotten; a sponsor not listed goes with them."""
    matching = [
        sponsor
        for sponsor in Sponsor.objects.exclude(contact_email="")
        if hashed.matches(sponsor.contact_email)
    ]
    for sponsor in matching:
        if sponsor.is_approved:
            # The organisation stays listed; only the person behind it is forgotten.
            sponsor.contact_name = sponsor.contact_email = sponsor.contact_role = ""
            sponsor.save()
        else:
            sponsor.delete()
    return {"sponsor contacts": len(matching)}


@hooks.register(RETENTION_HOOK)
def delete_unlisted_sponsors(cutoff):
    """Sponsors not listed (pending, rejected, withdrawn) are kept no longer than submissions."""
    stale = Sponsor.objects.exclude(status=Sponsor.Status.APPROVED).filter(created_at__lt=cutoff)
    count = stale.count()
    stale.delete()
    return {"sponsor requests": count}


@hooks.register(SPONSOR_CONTACT_HOOK)
def is_confirmed_contact_of_a_listed_sponsor(address):
    """Who may register for a sponsors-only meeting: the contact of an approved sponsor who
    confirmed the endorsement from that address."""
    return Sponsor.objects.filter(
        status=Sponsor.Status.APPROVED,
        email_verified_at__isnull=False,
        contact_email__iexact=address.strip(),
    ).exists()
