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

# Without Redis, Django's cache is kept in files that every worker process on this machine
# shares: in each process's own memory, as in development, a page published through one worker
# would stay stale in the others, and each would keep its own count of the forms' rate limit.
if not REDIS_URL:  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR") or BASE_DIR / ".django-cache",  # noqa: F405
        }
    }

# Hashed names (so browsers may keep them for a year) and gzip copies, served by WhiteNoise.
# A new dict, not an edit of base's: tests import this module beside the test settings.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Emails wait in the database for `manage.py db_worker --backend email` (`make serve` runs it),
# so neither a slow mail server nor a crowd signing up at once holds up the web workers.
# A new dict, for the same reason as STORAGES above.
TASKS = {
    **TASKS,  # noqa: F405
    "email": {
        "BACKEND": EMAIL_QUEUE_BACKENDS[os.environ.get("EMAIL_QUEUE", "database")]  # noqa: F405
    },
}

# --- HTTPS only (issue 6): `manage.py check --deploy --fail-level WARNING` passes with none of
# its security checks silenced. The proxy in front terminates TLS and must set
# X-Forwarded-Proto itself, overwriting whatever the visitor sent.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
