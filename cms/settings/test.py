from .base import *  # noqa: F403

SECRET_KEY = "test-only-fixed-key-for-reproducible-signatures"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
MEDIA_ROOT = BASE_DIR / "test-media"  # noqa: F405
# Off unless a test turns it on (tests/test_page_cache.py), so other tests see fresh pages.
PAGE_CACHE_SECONDS = 0
# Emails are sent in the request, whatever the environment says; the queue's own test sets it.
TASKS = {**TASKS, "email": {"BACKEND": EMAIL_QUEUE_BACKENDS["request"]}}  # noqa: F405
