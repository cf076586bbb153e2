from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-never-use-in-production"  # noqa: F405
EMAIL_BACKEND = os.environ.get(  # noqa: F405
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HASH_KEY = EMAIL_HASH_KEY or "dev-only-insecure-email-hash-key"  # noqa: F405
# Without SITE_URL, links in the site's own emails follow each request's address
# (cms.site_url); Wagtail's admin emails then carry paths without a host, which is fine on a
# developer's machine (`make run` sets SITE_URL).
if not SITE_URL:  # noqa: F405
    SILENCED_SYSTEM_CHECKS = ["wagtailadmin.W003"]
