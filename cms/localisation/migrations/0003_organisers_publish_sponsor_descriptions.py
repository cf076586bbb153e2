"""Organisers publish translated sponsor descriptions and sync translations, on a fresh
install too.

Wagtail makes the "publish" permission of a draft-state snippet only after all migrations have
run (a post_migrate handler), so 0002's grant found nothing on a fresh database. This migration
makes the permission itself, as Wagtail would name it, then grants it; Wagtail's handler finds it
there and leaves it. wagtail-localize grants "submit translations" to a group named Moderators,
which on a fresh install may already be called Organisers: it is granted here by either name.
"""

from django.db import migrations

from cms.localisation.translators import let_reviewers_publish_translations


def create_and_grant(apps, schema_editor):
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="localisation", model="sponsordescription"
    )
    apps.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type,
        codename="publish_sponsordescription",
        defaults={"name": "Can publish sponsor description"},
    )
    let_reviewers_publish_translations(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("localisation", "0002_translators_group"),
        ("accounts", "0001_organisers_and_editors"),
        ("wagtail_localize", "0006_create_submit_translation_permission"),
    ]

    operations = [migrations.RunPython(create_and_grant, migrations.RunPython.noop)]
