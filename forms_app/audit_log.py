"""Who read or exported the sign-ups is as private as the sign-ups: the site history and a form
page's history show those entries (and offer them as a filter) only to those who may read
personal data.

Wagtail shows a page's history to anyone who may edit the page, and its site history to anyone
who holds a permission on the logged object's type: editors and translators edit the form pages.
"""

from wagtail.admin.views.pages.history import PageHistoryView
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import get_page_models

from cms.personal_data import PERSONAL_DATA_PERMISSION

from .models import CampaignFormPage

PRIVATE_ACTIONS = [
    "forms_app.view_submissions",
    "forms_app.export_submissions",
    "forms_app.export_subscribers",
    # Its entry holds the address the test went to.
    "wagtail_newsletter.send_test_email",
]


def without_private_entries(queryset, user):
    if user.has_perm(PERSONAL_DATA_PERMISSION):
        return queryset
    return queryset.exclude(action__in=PRIVATE_ACTIONS)


class SiteHistoryFilterSet(SiteHistoryReportFilterSet):
    def get_action_choices(self):
        choices = super().get_action_choices()
        if self.request.user.has_perm(PERSONAL_DATA_PERMISSION):
            return choices
        return [(action, label) for action, label in choices if action not in PRIVATE_ACTIONS]


class SiteHistoryView(LogEntriesView):
    """Wagtail's site history; cms/urls.py serves it at Wagtail's address."""

    filterset_class = SiteHistoryFilterSet

    def filter_queryset(self, queryset):
        return without_private_entries(super().filter_queryset(queryset), self.request.user)


class FormPageHistoryView(PageHistoryView):
    def get_base_queryset(self):
        return without_private_entries(super().get_base_queryset(), self.request.user)


class FormPageViewSet(PageViewSet):
    """Wagtail's page views for the form pages, with the history above."""

    history_view_class = FormPageHistoryView


def form_page_viewsets():
    """One for each kind of form page, whichever app defines it (meetings take registrations
    through theirs)."""
    return [
        FormPageViewSet(name=f"{model._meta.model_name}_pages", model=model)
        for model in get_page_models()
        if issubclass(model, CampaignFormPage)
    ]
