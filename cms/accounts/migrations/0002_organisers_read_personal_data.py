"""Organisers, and only Organisers, read sign-ups, subscribers and sponsor contact details."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def personal_data_permission(apps):
    app_config = apps.get_app_config("forms_app")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label="forms_app", codename="view_personal_data")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get(name="Organisers").permissions.add(personal_data_permission(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get(name="Organisers").permissions.remove(personal_data_permission(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_organisers_and_editors"),
        ("forms_app", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
