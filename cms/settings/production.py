import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django_recaptcha.constants import TEST_PRIVATE_KEY, TEST_PUBLIC_KEY

from .base import *  # noqa: F403

DEBUG = False

# Production refuses to start, in gunicorn, the email worker and every manage.py command alike,
# without what a public site cannot do without. Each is checked here, as the settings load,
# rather than by a system check: Django runs system checks for manage.py commands only, never
# when gunicorn loads the site.

# No fallback: a production site with a guessable key would sign forged sessions and links.
SECRET_KEY = os.environ.get("SECRET_KEY", "")  # noqa: F405
if len(SECRET_KEY) < 50 or "insecure" in SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random value of at least 50 characters, for example with "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )


def is_loopback(hostname):
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


# Without it every emailed link, canonical link and share link would name another address.
if not SITE_URL.startswith("https://") or is_loopback(urlsplit(SITE_URL).hostname):  # noqa: F405
    raise ImproperlyConfigured(
        "Set SITE_URL to the site's public https address, such as "
        "https://campaign.example.org: emailed, canonical and share links are built from it."
    )

# Without its own keys the captcha runs in test mode, which lets every robot through.
RECAPTCHA_PUBLIC_KEY = os.environ.get("RECAPTCHA_PUBLIC_KEY", "")  # noqa: F405
RECAPTCHA_PRIVATE_KEY = os.environ.get("RECAPTCHA_PRIVATE_KEY", "")  # noqa: F405
if {RECAPTCHA_PUBLIC_KEY, RECAPTCHA_PRIVATE_KEY} & {"", TEST_PUBLIC_KEY, TEST_PRIVATE_KEY}:
    raise ImproperlyConfigured(
        "Set RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY to the site's own reCAPTCHA keys: "
        "without them the forms' captcha lets every robot through."
    )

# Without Redis, Django's cache is kept in files that every worker process on this machine
# shares: in each process's own memory, as in development, a page published through one worker
# would stay stale in the others, and each would keep its own count of the forms' rate limit.
if not REDIS_URL:  # noqa: F405
    CACHE_DIR = Path(os.environ.get("CACHE_DIR") or BASE_DIR / ".django-cache")  # noqa: F405
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": location,
        }
        for alias, location in [
            ("default", CACHE_DIR),
            ("pages", CACHE_DIR / "pages"),
            # Files count less exactly than Redis: simultaneous posts may be counted once.
            ("ratelimit", CACHE_DIR / "ratelimit"),
        ]
    }

# Hashed names (so browsers may keep them for a year) and gzip copies, served by WhiteNoise.
# A new dict, not an edit of base's: tests import this module beside the test settings.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Emails wait in the database for the mail worker (`make serve` runs it), so neither a slow
# mail server nor a crowd signing up at once holds up the web workers.
EMAIL_QUEUE = os.environ.get("EMAIL_QUEUE", "database")  # noqa: F405

# No fallback either: with another key, every unsubscribed address could be mailed again.
if len(EMAIL_HASH_KEY) < 32 or EMAIL_HASH_KEY == SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "Set EMAIL_HASH_KEY to a random value of at least 32 characters, other than SECRET_KEY, "
        "and keep it: see docs/configuration.md."
    )

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
