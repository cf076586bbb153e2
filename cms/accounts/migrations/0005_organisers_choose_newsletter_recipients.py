"""Organisers, who send newsletters, keep the lists of recipients a newsletter can be sent to
(wagtail-newsletter's "Newsletter recipients", under Settings)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "add_newsletterrecipients",
    "change_newsletterrecipients",
    "delete_newsletterrecipients",
    "view_newsletterrecipients",
]


def recipients_permissions(apps):
    app_config = apps.get_app_config("wagtail_newsletter")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="wagtail_newsletter", codename__in=CODENAMES
    )


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get(name="Organisers").permissions.add(*recipients_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get(name="Organisers").permissions.remove(*recipients_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_organisers_manage_volunteers"),
        ("wagtail_newsletter", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
