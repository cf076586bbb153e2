"""Wagtail's user admin (views, forms, bulk actions), each held to the rule in policy.py:
Organisers invite, edit and remove volunteers, and can give nobody more than a volunteer holds.
Adding an account is inviting its owner, who sets up their own password and second factor."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.utils import get_user_display_name, get_valid_next_url_from_request
from wagtail.admin.views.generic import usage
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log
from wagtail.users import forms as wagtail_forms
from wagtail.users.views import bulk_actions
from wagtail.users.views import users as wagtail_views

from .enrolment import CannotEmail, reset_second_factor, send_enrolment_link
from .lockout import cooloff_minutes, lift_pause, recent_failures
from .policy import VOLUNTEER_GROUPS, may_reset_sign_in, policy

User = get_user_model()
INDEX_URL_NAME = "wagtailusers_users:index"

NO_ADDRESS = _(
    "the address is missing or has asked the campaign to stop emailing it. Correct the "
    "address, then choose “Reset two-factor sign-in” to send a link."
)


class VolunteerRoleMixin:
    """For anyone but a superuser: no "Administrator" box, and the role is one of the
    volunteer groups. Passwords are never set here: each person chooses their own through
    the set-up link (WAGTAILUSERS_PASSWORD_ENABLED is off)."""

    def __init__(self, *args, for_user, **kwargs):
        super().__init__(*args, **kwargs)
        groups = self.fields["groups"]
        groups.label = _("Role")
        groups.help_text = _(
            "Translators translate pages and sponsor descriptions and send them for review. "
            "Editors write and edit pages but do not publish. Neither sees what supporters or "
            "sponsors sent in. Organisers publish and read sign-ups."
        )
        if not for_user.is_superuser:
            del self.fields["is_superuser"]
            groups.queryset = Group.objects.filter(name__in=VOLUNTEER_GROUPS).order_by("name")
            groups.required = True


class InvitationForm(VolunteerRoleMixin, wagtail_forms.UserCreationForm):
    def save(self, commit=True):
        account = super().save(commit=False)
        account.set_unusable_password()
        if commit:
            account.save()
            self.save_m2m()
        return account


class VolunteerEditForm(VolunteerRoleMixin, wagtail_forms.UserEditForm):
    pass


class FormForUserMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}


class ManagedAccountMixin:
    """Opens an account only for someone the policy lets manage it (else 403)."""

    account_action = "change"

    def get_object(self, *args, **kwargs):
        account = super().get_object(*args, **kwargs)
        if not policy.user_has_permission_for_instance(
            self.request.user, self.account_action, account
        ):
            raise PermissionDenied
        return account


class IndexView(wagtail_views.IndexView):
    """Everyone but superusers, for Organisers: they see colleagues (to reset a lost second
    factor) but may open and change only the volunteers."""

    add_item_label = _("Invite someone")

    def get_base_queryset(self):
        accounts = super().get_base_queryset()
        if self.request.user.is_superuser:
            return accounts
        return accounts.filter(is_superuser=False)

    def get_edit_url(self, instance):
        if policy.user_has_permission_for_instance(self.request.user, "change", instance):
            return super().get_edit_url(instance)
        return None

    def get_delete_url(self, instance):
        if policy.user_has_permission_for_instance(self.request.user, "delete", instance):
            return super().get_delete_url(instance)
        return None


class InviteView(FormForUserMixin, wagtail_views.CreateView):
    """Adding someone is inviting them: they get an email with a set-up link."""

    page_subtitle = _("Invite someone")
    submit_button_label = _("Invite")
    success_message = _("%(object)s has been invited: a set-up link is on its way to them.")

    def save_instance(self):
        account = super().save_instance()
        try:
            send_enrolment_link(account, self.request.user)
        except CannotEmail:
            messages.warning(
                self.request,
                _("%(name)s's account is made, but no set-up link could be sent: %(reason)s")
                % {"name": account, "reason": NO_ADDRESS},
            )
        return account


class EditView(ManagedAccountMixin, FormForUserMixin, wagtail_views.EditView):
    pass


class DeleteView(ManagedAccountMixin, wagtail_views.DeleteView):
    account_action = "delete"


class HistoryView(ManagedAccountMixin, wagtail_views.HistoryView):
    pass


class UsageView(ManagedAccountMixin, usage.UsageView):
    pass


class UserViewSet(wagtail_views.UserViewSet):
    # One page, without Wagtail's "Administrator" box when the form has none.
    create_template_name = "accounts/users/invite.html"
    index_view_class = IndexView
    add_view_class = InviteView
    edit_view_class = EditView
    delete_view_class = DeleteView
    history_view_class = HistoryView
    usage_view_class = UsageView
    # Wagtail's copy view would make an account without the invitation.
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return VolunteerEditForm if for_update else InvitationForm


class ManagedAccountsBulkAction:
    """Wagtail's bulk action, applied only to the accounts the policy lets the user manage."""

    account_action = "change"

    def check_perm(self, obj):
        return policy.user_has_permission_for_instance(self.request.user, self.account_action, obj)


class AssignRoleBulkAction(ManagedAccountsBulkAction, bulk_actions.AssignRoleBulkAction):
    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.request.user.is_superuser:
            form.fields["role"].queryset = Group.objects.filter(name__in=VOLUNTEER_GROUPS)
        return form


class DeleteBulkAction(ManagedAccountsBulkAction, bulk_actions.DeleteBulkAction):
    account_action = "delete"


class SetActiveStateBulkAction(ManagedAccountsBulkAction, bulk_actions.SetActiveStateBulkAction):
    pass


class AccountActionView(WagtailAdminTemplateMixin, TemplateView):
    """A confirmation page, then a POST that changes a colleague's sign-in: allowed by
    may_reset_sign_in, recorded in the audit log."""

    template_name = "accounts/confirm_account_action.html"
    header_icon = "user"
    explanation = button_label = ""

    def dispatch(self, request, pk):
        self.account = get_object_or_404(User, pk=pk)
        if not may_reset_sign_in(request.user, self.account):
            raise PermissionDenied
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return get_user_display_name(self.account)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "explanation": self.get_explanation(),
            "button_label": self.button_label,
            "next": get_valid_next_url_from_request(self.request),
        }

    def get_explanation(self):
        return self.explanation

    def post(self, request, pk):
        self.act()
        return redirect(get_valid_next_url_from_request(request) or reverse(INDEX_URL_NAME))


class ResetSecondFactorView(AccountActionView):
    page_title = _("Reset two-factor sign-in")
    explanation = _(
        "Their authenticator app and recovery codes stop working at once, and a new set-up "
        "link is emailed to them. Do this when they have lost their phone. If they already "
        "have a password, they will need it to use the link."
    )
    button_label = _("Reset and send a set-up link")

    def act(self):
        try:
            reset_second_factor(self.account, self.request.user)
        except CannotEmail:
            messages.error(
                self.request,
                _("Nothing was reset, because no set-up link could be sent: %(reason)s")
                % {"reason": NO_ADDRESS},
            )
            return
        messages.success(
            self.request,
            _("%(name)s's two-factor sign-in is reset; a set-up link is on its way to them.")
            % {"name": self.account},
        )


class LiftSignInPauseView(AccountActionView):
    page_title = _("Let them sign in again")
    button_label = _("Let them sign in again")

    def get_explanation(self):
        return _(
            "After %(limit)s wrong passwords, signing in to this account from the same network "
            "is paused for %(minutes)s minutes. Lift the pause when you know the wrong "
            "passwords were theirs. Failed sign-ins for this account in that time: "
            "%(failures)s."
        ) % {
            "limit": settings.SIGN_IN_FAILURES_PER_NAME,
            "minutes": cooloff_minutes(),
            "failures": recent_failures(self.account),
        }

    def act(self):
        lift_pause(self.account)
        log(self.account, "accounts.lift_sign_in_pause", user=self.request.user)
        messages.success(self.request, _("%(name)s can sign in again.") % {"name": self.account})
