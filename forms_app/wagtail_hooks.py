from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from cms.personal_data import PERSONAL_DATA_PERMISSION

from . import audit_log, newsletters, views


@hooks.register("filter_form_submissions_for_user")
def only_organisers_read_submissions(user, form_pages):
    """Editing a form page is not enough to read what people sent through it."""
    if user.has_perm(PERSONAL_DATA_PERMISSION):
        return form_pages
    return form_pages.none()


hooks.register("register_admin_viewset", audit_log.form_page_viewsets)
hooks.register(newsletters.AUDIENCES_HOOK, lambda: [newsletters.supporters_audience()])


@hooks.register("register_admin_urls")
def register_supporter_urls():
    return [
        path(
            "supporters/export.csv",
            views.export_subscribers,
            name="forms_app_export_subscribers",
        ),
    ]


class PersonalDataMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERSONAL_DATA_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_subscriber_export_menu_item():
    return PersonalDataMenuItem(
        _("Export subscribers (CSV)"),
        reverse("forms_app_export_subscribers"),
        name="export-subscribers",
        icon_name="download",
        order=710,
    )


@hooks.register("register_log_actions")
def register_personal_data_log_actions(actions):
    actions.register_action(
        "forms_app.view_submissions", _("View submissions"), _("Viewed the form's submissions")
    )
    actions.register_action(
        "forms_app.export_submissions",
        _("Export submissions"),
        _("Exported the form's submissions"),
    )
    actions.register_action(
        "forms_app.export_subscribers",
        _("Export subscribers"),
        _("Exported the confirmed subscribers"),
    )


@hooks.register("register_log_actions")
def register_newsletter_log_actions(actions):
    @actions.register_action(newsletters.SEND_ACTION)
    class SendNewsletter(LogFormatter):
        label = _("Send newsletter")

        def format_message(self, log_entry):
            return _("Newsletter queued for %(count)s readers (%(audience)s), to go at %(at)s") % {
                "count": log_entry.data.get("recipients"),
                "audience": log_entry.data.get("segment") or log_entry.data.get("audience"),
                "at": log_entry.data.get("send_at"),
            }
