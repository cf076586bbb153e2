"""Settings shared by every environment, read from environment variables
(see docs/configuration.md)."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")

# The site's public address: scheme, host and port, no path (https://campaign.example.org).
# Emailed links, the Wagtail Site (and with it canonical, sharing, feed and sitemap links, kept
# in step by every `migrate`) and the API's absolute URLs all use it. Production refuses to
# start without one; in development, emailed links follow the address each request came in on.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if SITE_URL:
    _site = urlsplit(SITE_URL)
    if (
        _site.scheme not in ("http", "https")
        or not _site.hostname
        or _site.path
        or _site.query
        or _site.fragment
        or _site.username
        # The Wagtail Site that follows it can name https on its own port only.
        or (_site.scheme == "https" and _site.port not in (None, 443))
    ):
        raise ImproperlyConfigured(
            "SITE_URL must be the site's address alone, such as https://campaign.example.org "
            "or http://127.0.0.1:8000 (no path; https only on its usual port)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
if SITE_URL and _site.hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_site.hostname)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "home",
    "sponsors",
    "forms_app",
    "cms.localisation",
    "cms.pagecache",
    "cms.site_url",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.api.v2",
    "corsheaders",
    "wagtail.contrib.forms",
    # Newsletters written as pages, sent through the site's own outbox (forms_app.newsletters).
    "wagtail_newsletter",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    # Wagtail's user admin, in which Organisers invite and manage volunteers (cms/accounts).
    "cms.accounts.apps.UsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Admin sign-in and response headers (see the security block below).
    "cms.accounts",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Everything below may need the database, the page cache too (it reads the content version
    # every second), and gives up on it when it stops answering.
    "cms.database.DatabaseDeadlineMiddleware",
    # A cached page is answered before anything below runs, with the headers that the
    # middleware below added when it was stored.
    "cms.pagecache.middleware.PageCacheMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Their headers are stored with each cached page, so hits carry them too.
    "cms.middleware.ContentSecurityPolicyMiddleware",
    "cms.middleware.permissions_policy_middleware",
    "cms.input_text.UnstorableQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cms.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Development without SITE_URL: emailed links name the request's own host (a host that
    # CommonMiddleware, above, has checked against ALLOWED_HOSTS).
    "cms.site_url.address.RequestAddressMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cms.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After sign-in: wagtail-newsletter's admin views check no permission of their own.
    "forms_app.newsletters.NewsletterAdminGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that it sees every failed sign-in that the views below it answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The campaign's contact details (home.CampaignSettings) in every template.
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

# SQLite in the project directory unless DATABASE_URL names another database
# (postgres://user@host:port/name uses psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# A database that does not answer is given up on in seconds (the visitor gets a 503 page),
# well before the application server's 30-second worker timeout: a connection that is not made
# in DATABASE_CONNECT_TIMEOUT, a lock not granted in DATABASE_LOCK_TIMEOUT (waiting behind a
# migration or a long transaction is never worth a visitor's time), a statement the server has
# not finished in DATABASE_STATEMENT_TIMEOUT, and, for a server that stops answering
# altogether, a client-side deadline a second later (cms.database). 0 turns one off.
DATABASE_STATEMENT_TIMEOUT = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "5"))
DATABASE_LOCK_TIMEOUT = float(os.environ.get("DATABASE_LOCK_TIMEOUT", "1"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, refusing new connections at once while the database is known down.
    DATABASES["default"]["ENGINE"] = "cms.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")),
            "options": f"-c statement_timeout={int(DATABASE_STATEMENT_TIMEOUT * 1000)} "
            f"-c lock_timeout={int(DATABASE_LOCK_TIMEOUT * 1000)}",
            # An idle kept connection to a server that has gone (a failover, a dead host) is
            # noticed and dropped by the system within about 20 s, instead of being found dead
            # by the next request.
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 3,
            "keepalives_count": 3,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis when REDIS_URL is set, so every app instance shares one cache; otherwise memory. Two
# caches: "default" (Wagtail's own, the forms' rate limit) and "pages", whole pages and the parts
# of pages kept for anonymous visitors (cms/pagecache), under a prefix of their own. While Redis
# cannot be reached, reads miss and writes are dropped (IGNORE_EXCEPTIONS), so pages come from
# the database instead of failing.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "campaign")
if REDIS_URL:
    CACHES = {
        alias: {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
        for alias, prefix in [("default", CACHE_KEY_PREFIX), ("pages", f"{CACHE_KEY_PREFIX}:pages")]
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    }
# The forms' rate limit counts in a cache of its own that raises when Redis cannot be reached,
# so that forms_app.guards can fall back to a stricter limit instead of counting nothing.
CACHES["ratelimit"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "KEY_PREFIX": f"{CACHE_KEY_PREFIX}:ratelimit",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
)

# Each read or write that Redis did not answer is logged ("Exception ignored").
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# Whole pages and their shared parts for anonymous visitors are kept this many seconds in the
# "pages" cache (0 turns both off). Publishing and the other content events retire them at
# once, so this only bounds how long a change made outside the admin (a database edit) can stay
# unseen.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "3600"))
# How long a proxy or CDN in front may keep a page (Cache-Control s-maxage), and serve it again
# while it fetches a new one. Wagtail asks it to drop its copies on the same events; this bounds
# how long a page stays stale when that request is lost.
PROXY_CACHE_SECONDS = int(os.environ.get("PROXY_CACHE_SECONDS", "60"))

# A reverse proxy or CDN in front of the site (see docs/nginx.conf) is told to drop its
# copies whenever content changes: FRONTEND_CACHE_PURGE_URL is where it takes PURGE
# requests, for example http://127.0.0.1:8080.
if os.environ.get("FRONTEND_CACHE_PURGE_URL"):
    WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": os.environ["FRONTEND_CACHE_PURGE_URL"],
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages. Django ships no entry for Tibetan; without one, get_language_info("bo") raises
# and the admin's account page crashes, so it is described here once for Django, Wagtail
# and wagtail-localize alike.
LANG_INFO.setdefault("bo", {"bidi": False, "code": "bo", "name": "Tibetan", "name_local": "བོད་སྐད་"})

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hant", "繁體中文"),
    ("zh-hans", "简体中文"),
    ("ug", "ئۇيغۇرچە"),
    ("bo", "བོད་སྐད་"),
]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in each language's own way; cms/formats/en gives English its British day-month order.
FORMAT_MODULE_PATH = ["cms.formats"]
USE_I18N = True
TIME_ZONE = "Europe/London"
USE_TZ = True

# A new translation of a live page stays a draft until an organiser publishes it.
WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE = False
# Machine translation in the translation editor stays off unless a DeepL key is given.
if os.environ.get("DEEPL_AUTH_KEY"):
    WAGTAILLOCALIZE_MACHINE_TRANSLATOR = {
        "CLASS": "cms.localisation.machine_translation.CampaignDeepLTranslator",
        "OPTIONS": {"AUTH_KEY": os.environ["DEEPL_AUTH_KEY"]},
    }

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "static_collected"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "5"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "campaign@localhost")

# Wagtail's background work (search and reference indexes) runs in the request.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Emails wait in the database (forms_app.mail): "database" leaves them to the mail worker
# (`manage.py mail_worker`), so a slow mail server never holds up a visitor (production);
# "request" sends each in the request, once the data it is about is committed.
EMAIL_QUEUE = os.environ.get("EMAIL_QUEUE", "request")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Newsletters (wagtail-newsletter) go out through the outbox above, one email per reader, never
# through a hosted mailer: the list stays with the campaign.
WAGTAIL_NEWSLETTER_CAMPAIGN_BACKEND = "forms_app.newsletters.OutboxCampaignBackend"
WAGTAIL_NEWSLETTER_FROM_NAME = "Workers Against the CCP"
WAGTAIL_NEWSLETTER_REPLY_TO = DEFAULT_FROM_EMAIL

WAGTAIL_SITE_NAME = "Workers Against the CCP"
if SITE_URL:
    WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]

# The API for other front ends (see docs/api.md). Browsers may call it from the origins
# listed in CORS_ALLOWED_ORIGINS only; read answers may be cached for API_CACHE_MAX_AGE seconds.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
API_CACHE_MAX_AGE = int(os.environ.get("API_CACHE_MAX_AGE", "60"))
if SITE_URL:
    WAGTAILAPI_BASE_URL = SITE_URL
# Links in rich text as public URLs, not Wagtail's internal references.
WAGTAILAPI_RICH_TEXT_FORMAT = "html"
WAGTAILAPI_LIMIT_MAX = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Background-task progress and Wagtail's per-page notes are kept in the audit log;
    # on the console they drown out what matters.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # django-axes notes every sign-in; only lock-outs and errors are worth a log line.
        "axes": {"level": "WARNING"},
    },
}

# --- Security: response headers, admin sign-in, sessions -------------------------------------
# Production adds HTTPS-only settings (HSTS, secure cookies, the proxy header) in production.py.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Nothing about where a supporter came from leaves the site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Powerful browser features the site never uses, switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), browsing-topics=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), interest-cohort=(), magnetometer=(), microphone=(), payment=(), usb=()"
)

# Public pages: nothing from another site, scripts only with this response's nonce. A form page
# with a captcha widens its own response with CAPTCHA_CONTENT_SECURITY_POLICY (cms.middleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# The captcha's script, frame and verification calls come from these two hosts only
# (RECAPTCHA_DOMAIN = "www.recaptcha.net" keeps google.com out).
CAPTCHA_CONTENT_SECURITY_POLICY = {
    "script-src": ["https://www.recaptcha.net", "https://www.gstatic.com"],
    "frame-src": ["https://www.recaptcha.net"],
    "connect-src": ["https://www.recaptcha.net"],
}
# The Wagtail admin runs inline scripts and styles, so it has its own policy; it still cannot be
# framed by another site, load plugins, or have its base URL rewritten.
ADMIN_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "frame-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
# Uploaded documents are downloads in a sandbox: an HTML or SVG file cannot run as the site.
DOCUMENT_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"

# Two-factor sign-in (TOTP with single-use recovery codes) is required for every admin account.
# It is set up only through a single-use link emailed by an organiser (or printed by
# `manage.py enrolment_link`), valid for ENROLMENT_LINK_HOURS.
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
RECOVERY_CODE_COUNT = 10
ENROLMENT_LINK_MAX_AGE = timedelta(hours=int(os.environ.get("ENROLMENT_LINK_HOURS", "72")))
# Each person chooses their own password, through that link: the user admin sets none.
WAGTAILUSERS_PASSWORD_ENABLED = False
# Avatars from Gravatar would tell a third party which organisers use the admin.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Sign-in throttling (cms/accounts/lockout.py): after SIGN_IN_FAILURES_PER_NAME wrong passwords
# for one user name from one address, that name is paused at that address only, so nobody can
# lock an organiser out from elsewhere; after SIGN_IN_FAILURES_PER_ADDRESS failures from one
# address, whatever the names, that address is paused. A pause lasts AXES_COOLOFF_TIME, even
# with the right password; an organiser can lift it from the user list.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SIGN_IN_FAILURES_PER_NAME = int(os.environ.get("SIGN_IN_FAILURES_PER_NAME", "5"))
SIGN_IN_FAILURES_PER_ADDRESS = int(os.environ.get("SIGN_IN_FAILURES_PER_ADDRESS", "20"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = "cms.accounts.lockout.failure_limit"
# Reset links are emailed no more often than FORMS_MAIL_LIMITS allows.
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "cms.accounts.password_reset.ThrottledPasswordResetForm"
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cms.accounts.views.locked_out"
# Behind PROXY_COUNT proxies, the visitor's address is the one the outermost proxy appended to
# X-Forwarded-For; without a proxy that header is the visitor's own invention and is ignored.
# The sign-in throttle and the forms' rate limit both read the address this way.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR"]

# Sessions end after a working day, or when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Calls to other servers give up well inside gunicorn's 30-second worker timeout, so a slow mail
# server or captcha service costs a visitor seconds, never a killed worker.
RECAPTCHA_VERIFY_REQUEST_TIMEOUT = int(os.environ.get("RECAPTCHA_VERIFY_REQUEST_TIMEOUT", "5"))

# Sign-up forms (forms_app): spam guards, outgoing mail, retention. Each is described in
# docs/privacy-and-data.md; a blocked visitor sees a form error or, over the rate limit, an
# HTTP 429 page.
# Without keys, django-recaptcha's test keys are used: nothing is asked of Google (test mode),
# and production settings refuse to start. django-recaptcha is not an installed app: its
# own check would stop `migrate` on any machine without keys, and its templates are not used.
if os.environ.get("RECAPTCHA_PUBLIC_KEY"):
    RECAPTCHA_PUBLIC_KEY = os.environ["RECAPTCHA_PUBLIC_KEY"]
    RECAPTCHA_PRIVATE_KEY = os.environ.get("RECAPTCHA_PRIVATE_KEY", "")
# Reachable from mainland China, where www.google.com is blocked.
RECAPTCHA_DOMAIN = os.environ.get("RECAPTCHA_DOMAIN", "www.recaptcha.net")
RECAPTCHA_VERSION = os.environ.get("RECAPTCHA_VERSION", "v3")  # "v3" (score) or "v2" (checkbox)
RECAPTCHA_REQUIRED_SCORE = float(os.environ.get("RECAPTCHA_REQUIRED_SCORE", "0.5"))
FORMS_MIN_SECONDS_TO_SUBMIT = int(os.environ.get("FORMS_MIN_SECONDS_TO_SUBMIT", "3"))
FORMS_TOKEN_MAX_AGE = 24 * 60 * 60
# The rate limit (docs/forms.md): (submissions, seconds) per form, for each visitor address
# (found as PROXY_COUNT says), generous enough for a meeting on one Wi-Fi; and per email
# address typed in, strict, whatever address it comes from.
FORMS_RATE_LIMITS = [(40, 10 * 60), (200, 24 * 60 * 60)]
FORMS_EMAIL_RATE_LIMITS = [(3, 60 * 60), (6, 24 * 60 * 60)]
FORMS_MAX_TEXT_LENGTH = 4000
# The mail worker: at most this many emails a second (0: no limit), for the mail provider's
# limits; a claimed email is taken over by another worker this long after its worker stopped
# answering (it must outlast one slow send: EMAIL_TIMEOUT for each step of the conversation).
FORMS_EMAIL_SEND_RATE = float(os.environ.get("FORMS_EMAIL_SEND_RATE", "5"))
FORMS_EMAIL_LEASE_SECONDS = int(os.environ.get("FORMS_EMAIL_LEASE_SECONDS", "120"))
# A failed email is retried after 1, 2, 4 ... minutes, then hourly: 20 tries span about 14 hours.
FORMS_EMAIL_MAX_ATTEMPTS = 20
# Emails a visitor can make the site send to an address typed into a form, per recipient
# mailbox: (seconds between two of a kind, most of a kind in a day). "any" counts every kind
# together: no address gets more than that many a day, whoever fills in the forms.
FORMS_MAIL_LIMITS = {
    "signup-confirmation": (60 * 60, 3),
    "meeting-confirmation": (60 * 60, 3),
    "sponsor-confirmation": (60 * 60, 3),
    "password-reset": (15 * 60, 3),
    "password-reset-client": (60, 10),
    "any": (0, 5),
}
# The key of the keyed hashes that stand for email addresses once they are deleted
# (suppression records, unsubscribe links, mail counts; forms_app.addresses), and older keys
# still accepted for finding them, as SECRET_KEY and SECRET_KEY_FALLBACKS.
EMAIL_HASH_KEY = os.environ.get("EMAIL_HASH_KEY", "")
EMAIL_HASH_KEY_FALLBACKS = env_list("EMAIL_HASH_KEY_FALLBACKS")
FORMS_RETENTION_DAYS = int(os.environ.get("FORMS_RETENTION_DAYS", "365"))
FORMS_CONFIRMATION_MAX_AGE = 7 * 24 * 60 * 60
# Days after a meeting its registrations and private details are kept (for questions after
# it), before `delete_old_personal_data` deletes them.
MEETINGS_RETENTION_DAYS = int(os.environ.get("MEETINGS_RETENTION_DAYS", "30"))
DEFAULT_EXCEPTION_REPORTER_FILTER = "forms_app.error_reports.PersonalDataExceptionReporterFilter"
