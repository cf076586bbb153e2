from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"

    def ready(self):
        from django.db.models.signals import post_delete
        from wagtail.signals import page_published

        from .registrations import announce_changes_on_publish, release_place_of_deleted

        # Registrants hear of a change in time or place as soon as it is public.
        page_published.connect(announce_changes_on_publish, dispatch_uid="meeting-changes")
        post_delete.connect(
            release_place_of_deleted, sender="home.Registration", dispatch_uid="freed-place"
        )
