from django.contrib.auth.management import create_permissions
from django.db import migrations

from cms.localisation.translators import (
    TRANSLATORS,
    ensure_translators_group,
    let_reviewers_publish_translations,
)


def create_translators(apps, schema_editor):
    # Django makes permissions after all migrations have run; this one needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_translators_group(apps)
    let_reviewers_publish_translations(apps)


def remove_translators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=TRANSLATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("localisation", "0001_sponsor_description"),
        ("wagtailadmin", "0002_admin"),
        ("wagtailcore", "0002_initial_data"),
        ("wagtail_localize", "0006_create_submit_translation_permission"),
    ]

    operations = [migrations.RunPython(create_translators, remove_translators)]
