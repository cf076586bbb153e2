from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Who may do what in the admin, and how they sign in."""

    name = "cms.accounts"
    default_auto_field = "django.db.models.BigAutoField"
