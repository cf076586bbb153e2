from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"

    def ready(self):
        from wagtail.signals import page_published

        from .registrations import announce_changes_on_publish

        # Registrants hear of a change in time or place as soon as it is public.
        page_published.connect(announce_changes_on_publish, dispatch_uid="meeting-changes")
