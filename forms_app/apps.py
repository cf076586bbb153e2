from django.apps import AppConfig


class FormsAppConfig(AppConfig):
    name = "forms_app"
    verbose_name = "Forms"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deployment check
