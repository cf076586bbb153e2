from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    """Who may do what in the admin, and how they sign in."""

    name = "cms.accounts"
    default = True
    default_auto_field = "django.db.models.BigAutoField"


class UsersConfig(WagtailUsersAppConfig):
    """Wagtail's user admin (installed in its place), in which Organisers manage volunteers'
    accounts without being superusers: see policy.py."""

    default = False
    user_viewset = "cms.accounts.users.UserViewSet"

    def ready(self):
        from django.contrib.auth import get_user_model
        from wagtail.permissions import register_permission_policy

        from .policy import policy

        super().ready()
        # Replaces the plain model policy that Wagtail has just registered for accounts.
        register_permission_policy(get_user_model(), policy)
