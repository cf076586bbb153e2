from .base import *  # noqa: F403

SECRET_KEY = "test-only-fixed-key-for-reproducible-signatures"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
MEDIA_ROOT = BASE_DIR / "test-media"  # noqa: F405
# Off unless a test turns it on (tests/test_page_cache.py; for a site in a process of its own,
# through the environment), so other tests see fresh pages.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "0"))  # noqa: F405
# Emails are sent in the request, whatever the environment says; the worker's tests set it.
EMAIL_QUEUE = "request"
EMAIL_HASH_KEY = "test-only-fixed-key-for-reproducible-email-hashes"
EMAIL_HASH_KEY_FALLBACKS = []
