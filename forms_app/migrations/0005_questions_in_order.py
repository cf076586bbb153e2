from django.db import migrations
from django.db.models import Max

FORM_FIELD_MODELS = ["SponsorFormField", "SignupFormField", "ContactFormField"]


def number_unordered_questions(apps, schema_editor):
    """The content loader made its forms' questions without an order, so each form showed them
    in whatever order the database returned: the order they were made in, until an edit moved
    one on PostgreSQL. They are numbered in the order they were made, after any that have one."""
    for model_name in FORM_FIELD_MODELS:
        model = apps.get_model("forms_app", model_name)
        unordered = model.objects.filter(sort_order__isnull=True)
        for page_id in unordered.values_list("page_id", flat=True).distinct():
            on_page = model.objects.filter(page_id=page_id)
            last = on_page.aggregate(last=Max("sort_order"))["last"]
            start = 0 if last is None else last + 1
            for number, field in enumerate(on_page.filter(sort_order__isnull=True).order_by("pk")):
                field.sort_order = start + number
                field.save(update_fields=["sort_order"])


class Migration(migrations.Migration):
    dependencies = [("forms_app", "0004_newsletters")]

    operations = [migrations.RunPython(number_unordered_questions, migrations.RunPython.noop)]
