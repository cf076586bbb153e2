from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class PageCacheConfig(AppConfig):
    name = "cms.pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from . import signals

        signals.connect_content_signals()
        # A deployment runs migrate (make serve does): pages rendered by the old code and
        # templates must not outlive it. Sent once per app with models; Wagtail's will do.
        post_migrate.connect(signals.new_code_deployed, sender=apps.get_app_config("wagtailcore"))
