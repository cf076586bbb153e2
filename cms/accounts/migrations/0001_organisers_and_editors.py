"""The admin roles: Organisers (content, sponsors, submissions) and Editors (content only).

Wagtail's own first migration made Moderators (edit and publish every page, images and
documents) and Editors (edit but not publish). Moderators become Organisers and gain the
sponsors and submissions; Editors keep exactly what Wagtail gave them, which holds no
personal data.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# (app label, permission codename) granted to Organisers on top of Wagtail's Moderators.
ORGANISER_PERMISSIONS = [
    ("sponsors", "add_sponsor"),
    ("sponsors", "change_sponsor"),
    ("sponsors", "delete_sponsor"),
    ("sponsors", "view_sponsor"),
    ("wagtailforms", "delete_formsubmission"),
    ("wagtailredirects", "add_redirect"),
    ("wagtailredirects", "change_redirect"),
    ("wagtailredirects", "delete_redirect"),
]


def organiser_permissions(apps):
    # Model permissions are normally created after all migrations; these must exist now.
    for label in {label for label, _ in ORGANISER_PERMISSIONS}:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=label, codename=codename)
        for label, codename in ORGANISER_PERMISSIONS
    ]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="Moderators").update(name="Organisers")
    organisers, _ = Group.objects.get_or_create(name="Organisers")
    organisers.permissions.add(*organiser_permissions(apps))
    Group.objects.get_or_create(name="Editors")


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    organisers = Group.objects.filter(name="Organisers").first()
    if organisers:
        organisers.permissions.remove(*organiser_permissions(apps))
        organisers.name = "Moderators"
        organisers.save()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailforms", "0005_alter_formsubmission_form_data"),
        ("wagtailredirects", "0008_add_verbose_name_plural"),
        ("sponsors", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
