"""Organisers invite and remove volunteers (Translators and Editors) without being superusers:
the user permissions, narrowed to volunteers' accounts by cms/accounts/policy.py."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

USER_PERMISSIONS = ["add_user", "change_user", "delete_user"]


def user_permissions(apps):
    # Django makes permissions after all migrations have run; these must exist now.
    app_config = apps.get_app_config("auth")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="auth", codename__in=USER_PERMISSIONS)


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    organisers, _ = Group.objects.get_or_create(name="Organisers")
    organisers.permissions.add(*user_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for organisers in Group.objects.filter(name="Organisers"):
        organisers.permissions.remove(*user_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_enrolment_links")]

    operations = [migrations.RunPython(grant, revoke)]
