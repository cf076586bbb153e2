"""Who manages whose account.

Superusers manage every account, as in Wagtail. Anyone else who holds the user permissions
(the Organisers) invites, edits and removes volunteers only: accounts that are not superusers,
have no permissions of their own and belong to no group but Translators and Editors. Never
their own account, and never into another group: nobody can hand out more than a volunteer
holds. The rule is a Wagtail permission policy, which the user views, the bulk actions and the
sign-in actions all consult.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.permission_policies import ModelPermissionPolicy

from cms.localisation.translators import TRANSLATORS

EDITORS = "Editors"
VOLUNTEER_GROUPS = [TRANSLATORS, EDITORS]

User = get_user_model()


def volunteers():
    """The accounts an Organiser may manage."""
    return (
        User.objects.filter(is_superuser=False, user_permissions=None)
        .exclude(groups__in=Group.objects.exclude(name__in=VOLUNTEER_GROUPS))
        .distinct()
    )


class UserManagementPolicy(ModelPermissionPolicy):
    """Wagtail's model permissions on accounts (add, change, delete), narrowed for anyone
    but a superuser to the volunteers' accounts, never their own."""

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser:
            return True
        return instance.pk != user.pk and volunteers().filter(pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return User.objects.none()
        if user.is_superuser:
            return User.objects.all()
        return volunteers().exclude(pk=user.pk)

    def users_with_any_permission_for_instance(self, actions, instance):
        managers = self.users_with_any_permission(actions)
        if volunteers().filter(pk=instance.pk).exists():
            return managers.exclude(pk=instance.pk)
        return managers.filter(is_superuser=True)


policy = UserManagementPolicy(User)


def may_reset_sign_in(manager, account):
    """Resetting a second factor or lifting a sign-in pause is allowed on any colleague's
    account (an organiser's phone gets lost too), but not on one's own and not, except by a
    superuser, on a superuser's. It gives nothing away: the new set-up link goes to the
    account's own address, and an account with a password must give it to use the link."""
    if not policy.user_has_permission(manager, "change") or manager.pk == account.pk:
        return False
    return manager.is_superuser or not account.is_superuser
