from django.urls import reverse
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import Site
from wagtail.permission_policies.pages import PagePermissionPolicy

from .models import CampaignSettings, UpdatePage


class UnfinishedContentPanel(Component):
    """The dashboard's list of what the campaign's content still lacks: dates the call never
    gave, and the contact address and statement it refers to."""

    name = "unfinished_content"
    order = 40
    template_name = "home/admin/unfinished_content_panel.html"

    def get_context_data(self, parent_context):
        site = Site.objects.filter(is_default_site=True).first()
        campaign = CampaignSettings.for_site(site) if site else None
        return {
            "undated_updates": UpdatePage.objects.live()
            .filter(published_on__isnull=True, alias_of__isnull=True)
            .filter(locale__language_code="en")
            .order_by("first_published_at"),
            "contact_email_missing": campaign is not None and not campaign.contact_email,
            "statement_missing": campaign is not None and not campaign.statement_url,
            "settings_url": reverse(
                "wagtailsettings:edit", args=["home", "campaignsettings", site.pk]
            )
            if site
            else "",
        }


@hooks.register("construct_homepage_panels")
def add_unfinished_content_panel(request, panels):
    # For those who publish: organisers.
    if PagePermissionPolicy().user_has_permission(request.user, "publish"):
        panels.append(UnfinishedContentPanel())
