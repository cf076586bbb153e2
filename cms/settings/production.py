from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False

# No fallback: a production site with a guessable key would sign forged sessions and links.
SECRET_KEY = os.environ.get("SECRET_KEY", "")  # noqa: F405
if len(SECRET_KEY) < 50 or "insecure" in SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random value of at least 50 characters, for example with "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
}
