import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.widgets import Button
from wagtail.models import Locale, Page, Site
from wagtail.permission_policies.pages import PagePermissionPolicy

from cms.personal_data import PERSONAL_DATA_PERMISSION
from forms_app.models import CampaignFormSubmission
from forms_app.retention import RETENTION_HOOK

from . import admin_views
from .models import CampaignSettings, MeetingPage, MeetingPrivateDetails, Registration, UpdatePage


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


@hooks.register("register_admin_urls")
def register_meeting_urls():
    return [
        path(
            "meetings/<int:page_id>/details/",
            admin_views.private_details,
            name="meeting_private_details",
        ),
        path(
            "meetings/<int:page_id>/registrations/",
            admin_views.registrant_list,
            name="meeting_registrations",
        ),
        path(
            "meetings/<int:page_id>/registrations/<int:registration_id>/decide/",
            admin_views.decide,
            name="meeting_registration_decide",
        ),
        path(
            "meetings/<int:page_id>/sign-in-sheet/",
            admin_views.sign_in_sheet,
            name="meeting_sign_in_sheet",
        ),
    ]


class MeetingButton(Button):
    allow_in_dropdown = True


def meeting_buttons(page, user):
    if isinstance(page.specific_deferred, MeetingPage) and user.has_perm(PERSONAL_DATA_PERMISSION):
        yield MeetingButton(
            _("Registrations"),
            reverse("meeting_registrations", args=[page.pk]),
            icon_name="group",
            priority=40,
        )
        yield MeetingButton(
            _("Private details"),
            reverse("meeting_private_details", args=[page.pk]),
            icon_name="lock",
            priority=41,
        )


@hooks.register("register_page_header_buttons")
def meeting_header_buttons(page, user, view_name, next_url=None):
    yield from meeting_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def meeting_listing_buttons(page, user, next_url=None):
    yield from meeting_buttons(page, user)


class MeetingRegistrationsPanel(Component):
    """The dashboard's count of registrations for each coming meeting."""

    name = "meeting_registrations"
    order = 45
    template_name = "home/admin/meeting_registrations_panel.html"

    def get_context_data(self, parent_context):
        coming = MeetingPage.coming_in(Locale.get_default().pk).filter(alias_of__isnull=True)
        counts = {
            row["meeting_key"]: row
            for row in Registration.objects.filter(
                meeting_key__in=[meeting.translation_key for meeting in coming]
            )
            .values("meeting_key")
            .annotate(
                registered=Count("pk", filter=Q(status=Registration.Status.REGISTERED)),
                waiting=Count("pk", filter=Q(status=Registration.Status.WAITING_LIST)),
                to_approve=Count("pk", filter=Q(status=Registration.Status.AWAITING_APPROVAL)),
            )
        }
        capacities = dict(
            MeetingPrivateDetails.objects.filter(
                meeting_key__in=[meeting.translation_key for meeting in coming]
            ).values_list("meeting_key", "capacity")
        )
        return {
            "meetings": [
                {
                    "meeting": meeting,
                    "capacity": capacities.get(meeting.translation_key),
                    **counts.get(
                        meeting.translation_key, {"registered": 0, "waiting": 0, "to_approve": 0}
                    ),
                }
                for meeting in coming
            ]
        }


@hooks.register("construct_homepage_panels")
def add_meeting_registrations_panel(request, panels):
    if request.user.has_perm(PERSONAL_DATA_PERMISSION):
        panels.append(MeetingRegistrationsPanel())


@hooks.register("register_log_actions")
def register_meeting_log_actions(actions):
    actions.register_action(
        "home.change_meeting_details",
        _("Change a meeting's private details"),
        _("Changed the meeting's private details"),
    )
    actions.register_action(
        "home.approve_registration", _("Approve a registration"), _("Approved a registration")
    )
    actions.register_action(
        "home.decline_registration", _("Decline a registration"), _("Declined a registration")
    )


@hooks.register(RETENTION_HOOK)
def delete_registrations_after_meetings(cutoff):
    """Registrations go MEETINGS_RETENTION_DAYS after their meeting, whatever the cutoff for
    other data, and sooner when they came to nothing: never confirmed once the link no longer
    works, or not a sponsor's contact. The private details of a meeting go with them, or with
    the meeting."""
    now = timezone.now()
    over = now - datetime.timedelta(days=settings.MEETINGS_RETENTION_DAYS)
    long_past = MeetingPage.objects.filter(
        Q(ends_at__lt=over) | Q(ends_at__isnull=True, starts_at__lt=over)
    ).values("translation_key")
    link_expired = now - datetime.timedelta(seconds=settings.FORMS_CONFIRMATION_MAX_AGE)
    submissions = CampaignFormSubmission.objects.filter(
        Q(registration__meeting_key__in=long_past)
        | Q(
            registration__status__in=[
                Registration.Status.UNCONFIRMED,
                Registration.Status.NOT_ELIGIBLE,
            ],
            submit_time__lt=link_expired,
        )
    )
    deleted = submissions.delete()[1].get(CampaignFormSubmission._meta.label, 0)
    meeting_keys = Page.objects.values("translation_key")
    details = MeetingPrivateDetails.objects.filter(
        Q(meeting_key__in=long_past) | ~Q(meeting_key__in=meeting_keys)
    )
    return {
        "meeting registrations": deleted,
        "meetings' private details": details.delete()[0],
    }
