import uuid

from django.db import migrations, models


def create_the_version(apps, schema_editor):
    apps.get_model("pagecache", "ContentVersion").objects.create(pk=1)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.UUIDField(default=uuid.uuid4)),
            ],
        ),
        migrations.RunPython(create_the_version, migrations.RunPython.noop),
    ]
