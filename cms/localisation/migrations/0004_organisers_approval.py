"""Wagtail names its review step after the group it made, "Moderators approval"; here that
group is the Organisers, and the step is named for them in the admin's words."""

from django.db import migrations

WAGTAIL_NAME = "Moderators approval"
OUR_NAME = "Organisers' approval"


def rename(apps, old, new):
    for model_name in ("Workflow", "Task"):
        apps.get_model("wagtailcore", model_name).objects.filter(name=old).update(name=new)


class Migration(migrations.Migration):
    dependencies = [
        ("localisation", "0003_organisers_publish_sponsor_descriptions"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: rename(apps, WAGTAIL_NAME, OUR_NAME),
            lambda apps, schema_editor: rename(apps, OUR_NAME, WAGTAIL_NAME),
        )
    ]
