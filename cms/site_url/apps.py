from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class SiteUrlConfig(AppConfig):
    """The site's public address (SITE_URL) wherever the site names itself."""

    name = "cms.site_url"
    verbose_name = "Site address"

    def ready(self):
        from .address import keep_default_site_in_step

        # Every deployment runs migrate (make run and make serve do), so the Wagtail Site
        # follows SITE_URL whenever it changes, with nothing more for an operator to remember.
        # Sent once per app with models; Wagtail's, which holds the Site, will do.
        post_migrate.connect(keep_default_site_in_step, sender=apps.get_app_config("wagtailcore"))
