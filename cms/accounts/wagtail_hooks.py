from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from . import users, views
from .policy import may_reset_sign_in


@hooks.register("register_admin_urls")
def sign_in_urls():
    return [
        path(
            "sign-in/second-step/",
            views.verify_second_factor,
            name="accounts_verify_second_factor",
        ),
        path(
            "sign-in/not-set-up/",
            views.awaiting_enrolment,
            name="accounts_awaiting_enrolment",
        ),
        path("sign-in/two-factor/", views.two_factor_settings, name="accounts_two_factor"),
        path(
            "sign-in/two-factor/new-authenticator/",
            views.replace_authenticator,
            name="accounts_replace_authenticator",
        ),
        path(
            "sign-in/two-factor/new-recovery-codes/",
            views.new_recovery_codes,
            name="accounts_new_recovery_codes",
        ),
        path(
            "users/reset-two-factor/<int:pk>/",
            users.ResetSecondFactorView.as_view(),
            name="accounts_reset_second_factor",
        ),
        path(
            "users/lift-sign-in-pause/<int:pk>/",
            users.LiftSignInPauseView.as_view(),
            name="accounts_lift_sign_in_pause",
        ),
    ]


@hooks.register("register_account_menu_item")
def two_factor_menu_item(request):
    return {
        "url": reverse("accounts_two_factor"),
        "label": _("Two-factor sign-in"),
        "help_text": _("Set up a new phone, or get new recovery codes."),
    }


@hooks.register("register_user_listing_buttons")
def sign_in_buttons(user, request_user):
    if not may_reset_sign_in(request_user, user):
        return []
    back_to_list = "?" + urlencode({"next": reverse(users.INDEX_URL_NAME)})
    return [
        Button(
            _("Reset two-factor sign-in"),
            url=reverse("accounts_reset_second_factor", args=[user.pk]) + back_to_list,
            icon_name="key",
            priority=50,
        ),
        Button(
            _("Let them sign in again"),
            url=reverse("accounts_lift_sign_in_pause", args=[user.pk]) + back_to_list,
            icon_name="lock-open",
            priority=60,
        ),
    ]


# In place of Wagtail's own user bulk actions (same names), held to the same rule as the views.
hooks.register("register_bulk_action", users.AssignRoleBulkAction)
hooks.register("register_bulk_action", users.DeleteBulkAction)
hooks.register("register_bulk_action", users.SetActiveStateBulkAction)


@hooks.register("register_log_actions")
def register_sign_in_log_actions(actions):
    actions.register_action(
        "accounts.send_enrolment_link",
        _("Send set-up link"),
        _("Emailed a link to set up two-factor sign-in"),
    )
    actions.register_action(
        "accounts.enrol", _("Set up two-factor sign-in"), _("Set up two-factor sign-in")
    )
    actions.register_action(
        "accounts.reset_second_factor",
        _("Reset two-factor sign-in"),
        _("Removed the authenticator app and recovery codes"),
    )
    actions.register_action(
        "accounts.replace_authenticator",
        _("Replace authenticator app"),
        _("Replaced the authenticator app"),
    )
    actions.register_action(
        "accounts.new_recovery_codes", _("New recovery codes"), _("Made new recovery codes")
    )
    actions.register_action(
        "accounts.lift_sign_in_pause",
        _("Lift sign-in pause"),
        _("Let them sign in again after failed sign-ins"),
    )
