from django.apps import AppConfig, apps
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_migrate


class PageCacheConfig(AppConfig):
    name = "cms.pagecache"
    label = "pagecache"
    verbose_name = "Page cache"

    def ready(self):
        from . import cache, signals

        signals.connect_content_signals()
        request_started.connect(cache.request_started)
        request_finished.connect(cache.request_finished)
        # A deployment runs migrate (make serve does). Sent once per app with models; Wagtail's
        # will do.
        post_migrate.connect(signals.new_code_deployed, sender=apps.get_app_config("wagtailcore"))
