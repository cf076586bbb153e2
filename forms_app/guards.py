"""The spam guards every public form passes: a honeypot, a minimum time between page load and
submit, a one-off token against double submits, reCAPTCHA, and a rate limit (docs/forms.md)."""

import hashlib
import logging
import math
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as VerificationTimeout
from dataclasses import dataclass
from urllib.error import URLError

import django.forms
from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_recaptcha.constants import TEST_PRIVATE_KEY
from django_recaptcha.fields import ReCaptchaField
from django_recaptcha.widgets import ReCaptchaV2Checkbox, ReCaptchaV3
from redis.exceptions import RedisError
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

logger = logging.getLogger(__name__)

HONEYPOT_FIELD = "fax_number"
TOKEN_FIELD = "form_token"
CAPTCHA_FIELD = "captcha"
GUARD_FIELDS = {HONEYPOT_FIELD, TOKEN_FIELD, CAPTCHA_FIELD}
TOKEN_SALT = "forms_app.form_token"

# The longest a visitor waits for Google before being asked to try again. A worker thread
# enforces it: a socket timeout alone does not cover a hanging DNS lookup.
CAPTCHA_WAIT_SECONDS = 5
_captcha_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="captcha")


@dataclass
class SubmissionOutcome:
    """What became of a submission, for the page or the API to answer with."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # the same rendered form submitted again: stored once already
    DISCARDED = "discarded"  # caught by the honeypot: thanked, not stored
    INVALID = "invalid"
    RATE_LIMITED = "rate_limited"
    CLOSED = "closed"  # the form takes no answers now (a meeting's registration is closed)

    status: str
    form: django.forms.Form | None = None
    submission: object = None
    retry_after: int | None = None  # seconds, when rate limited

    @property
    def is_accepted(self):
        return self.status in {self.STORED, self.DUPLICATE, self.DISCARDED}


def new_form_token():
    return signing.dumps({"key": secrets.token_hex(16), "at": time.time()}, salt=TOKEN_SALT)


def read_form_token(token):
    """The token's contents; raises signing.BadSignature when it is forged or too old."""
    return signing.loads(token, salt=TOKEN_SALT, max_age=settings.FORMS_TOKEN_MAX_AGE)


def submission_key(token_contents):
    """What a submission is stored under, so that the same rendered form is stored once."""
    return hashlib.sha256(token_contents["key"].encode()).hexdigest()


def submission_key_in(data):
    """The submission key of the form token in posted data, or None if it has no valid one."""
    try:
        return submission_key(read_form_token(data.get(TOKEN_FIELD, "")))
    except (signing.BadSignature, TypeError, KeyError):
        return None


def captcha_in_test_mode():
    """Google's test keys pass every check, so in development and tests nothing is asked of
    Google at all: the widget renders no script and the server makes no request."""
    return getattr(settings, "RECAPTCHA_PRIVATE_KEY", TEST_PRIVATE_KEY) == TEST_PRIVATE_KEY


class CampaignReCaptchaV2Checkbox(ReCaptchaV2Checkbox):
    """The checkbox widget with no inline script, so a strict Content Security Policy allows it."""

    template_name = "forms_app/widgets/recaptcha_v2_checkbox.html"

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        # The callback would name a function defined in an inline script.
        attrs.pop("data-callback", None)
        return attrs

    def get_context(self, name, value, attrs):
        return {**super().get_context(name, value, attrs), "test_mode": captcha_in_test_mode()}


class CampaignReCaptchaV3(ReCaptchaV3):
    """The score-based widget, driven by static/forms_app/forms.js instead of inline script."""

    template_name = "forms_app/widgets/recaptcha_v3.html"

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.pop("data-callback", None)
        attrs["data-action"] = self.action or ""
        return attrs

    def get_context(self, name, value, attrs):
        return {**super().get_context(name, value, attrs), "test_mode": captcha_in_test_mode()}


class CampaignReCaptchaField(ReCaptchaField):
    """django-recaptcha's field with its check bounded in time: an unreachable Google becomes
    a "please try again" form error within a few seconds, never a server error."""

    default_error_messages = {
        "captcha_invalid": _("We could not confirm that you are not a robot. Please try again."),
        "captcha_error": _("We could not confirm that you are not a robot. Please try again."),
        "captcha_unavailable": _(
            "We could not check this form for spam just now. Nothing has been saved: please "
            "try again in a minute."
        ),
        "required": _("Please confirm that you are not a robot."),
    }

    def __init__(self, **kwargs):
        if settings.RECAPTCHA_VERSION == "v3":
            widget = CampaignReCaptchaV3(action="submit")
        else:
            widget = CampaignReCaptchaV2Checkbox()
        super().__init__(widget=widget, label=_("Spam check"), **kwargs)

    def get_remote_ip(self):
        # The visitor's address is not Google's business; the check works without it.
        return ""

    def validate(self, value):
        if captcha_in_test_mode():
            django.forms.CharField.validate(self, value)
            return
        check = _captcha_checks.submit(super().validate, value)
        try:
            check.result(timeout=CAPTCHA_WAIT_SECONDS)
        except (URLError, OSError, ValueError, VerificationTimeout) as error:
            logger.warning("reCAPTCHA could not be checked: %s", type(error).__name__)
            raise ValidationError(
                self.error_messages["captcha_unavailable"], code="captcha_unavailable"
            ) from None


class GuardedForm(BaseForm):
    """The fields organisers build, plus the guards every public form carries."""

    fax_number = django.forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=django.forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    form_token = django.forms.CharField(widget=django.forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[CAPTCHA_FIELD] = CampaignReCaptchaField()
        self.fields[TOKEN_FIELD].initial = new_form_token()
        self.is_spam = False
        self.submission_key = None

    @property
    def visible_guard_fields(self):
        return [self[CAPTCHA_FIELD]]

    @property
    def honeypot(self):
        return self[HONEYPOT_FIELD]

    @property
    def question_fields(self):
        return [field for field in self if field.name not in GUARD_FIELDS]

    def clean_fax_number(self):
        # Filled in only by robots that fill in every box; they get a thank-you and no record.
        self.is_spam = bool(self.cleaned_data.get(HONEYPOT_FIELD))
        return ""

    def clean_form_token(self):
        try:
            token = read_form_token(self.cleaned_data.get(TOKEN_FIELD, ""))
        except signing.BadSignature:
            raise ValidationError(
                _("This form was open for too long. Please check your answers and send it again."),
                code="expired",
            ) from None
        if time.time() - token["at"] < settings.FORMS_MIN_SECONDS_TO_SUBMIT:
            raise ValidationError(
                _(
                    "That was quicker than a person can fill in this form. Please check your "
                    "answers and send it again."
                ),
                code="too_fast",
            )
        self.submission_key = submission_key(token)
        return ""

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.has_error(TOKEN_FIELD, "expired"):
            # The form goes back to the visitor with a token that lets the next send through.
            # Any other error keeps the token, and with it the time the form was first shown.
            self.data = self.data.copy()
            self.data[TOKEN_FIELD] = new_form_token()


# What a visitor is told when they leave a required question unanswered, by kind of field:
# each names the question, so that the list of problems above the form reads on its own.
REQUIRED_MESSAGES = {
    "checkbox": _("Please tick “%(label)s”"),
    "checkboxes": _("Please tick at least one answer to “%(label)s”"),
    "radio": _("Please choose an answer to “%(label)s”"),
    "dropdown": _("Please choose an answer to “%(label)s”"),
    "multiselect": _("Please choose an answer to “%(label)s”"),
}
REQUIRED_MESSAGE = _("Please answer “%(label)s”")


class CampaignFormBuilder(FormBuilder):
    """Wagtail's form builder with limits on free text and numbers, questions that say whether they
    must be answered, no answer chosen for the visitor, and the guards added."""

    FIELD_TEMPLATE = "forms_app/field.html"

    def get_field_options(self, field):
        options = super().get_field_options(field)
        message = REQUIRED_MESSAGES.get(field.field_type, REQUIRED_MESSAGE)
        options["error_messages"] = {"required": message % {"label": field.label}}
        return options

    def create_dropdown_field(self, field, options):
        dropdown = super().create_dropdown_field(field, options)
        # A browser shows the first choice as chosen: without an empty one, the form would
        # answer for the visitor.
        dropdown.choices = [("", _("Choose one")), *dropdown.choices]
        return dropdown

    def create_multiline_field(self, field, options):
        options["max_length"] = settings.FORMS_MAX_TEXT_LENGTH
        return super().create_multiline_field(field, options)

    def create_number_field(self, field, options):
        # Counts and years, not 1e999999999: an answer a spreadsheet can show.
        options["max_digits"] = 20
        return super().create_number_field(field, options)

    def create_url_field(self, field, options):
        options["max_length"] = 500
        return super().create_url_field(field, options)

    def create_email_field(self, field, options):
        options["max_length"] = 254
        return super().create_email_field(field, options)

    @property
    def formfields(self):
        fields = super().formfields
        for field in fields.values():
            field.template_name = self.FIELD_TEMPLATE
        return fields

    def get_form_class(self):
        return type("CampaignForm", (GuardedForm,), self.formfields)


@dataclass
class RateLimitVerdict:
    by_address: bool = False  # the visitor's address is over its limit: a 429
    by_email: bool = False  # an email address typed in is over its own limit: dropped quietly
    retry_after: int = 0


class RateLimit:
    """How many submissions each form takes, as docs/forms.md sets out: per visitor address,
    generous enough for a meeting on one connection (FORMS_RATE_LIMITS), and per email address
    typed in, strict (FORMS_EMAIL_RATE_LIMITS). Each form counts on its own, in every language.

    Counts go up atomically in the "ratelimit" cache (Redis in production) before they are
    compared, so simultaneous posts cannot all slip under a limit. They are kept under keyed
    hashes that expire with their window, so no address is ever stored. Windows are fixed
    periods of the clock: a count starts again when its period ends. While the shared cache
    cannot be reached, each process counts on its own and takes a quarter as many."""

    LOCAL_SHARE = 4
    UNREACHABLE_RETRY_SECONDS = 5

    def __init__(self):
        self.local = LocMemCache("forms_app.rate_limit", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self.shared_unreachable_until = 0.0

    def client_address(self, request):
        """The visitor's address: behind PROXY_COUNT proxies, the one the outermost proxy put
        in X-Forwarded-For (entries further left are the visitor's own to invent), as the
        sign-in throttle reads it too."""
        proxies = settings.PROXY_COUNT
        forwarded = [
            address.strip()
            for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if address.strip()
        ]
        if proxies and len(forwarded) >= proxies:
            return forwarded[-proxies]
        return request.META.get("REMOTE_ADDR", "")

    def counters(self, form, kind, value, limits):
        """(limit, window, key) for each count that `value`, an IP or email address, adds to."""
        digest = salted_hmac("forms_app.rate_limit", value, algorithm="sha256").hexdigest()[:32]
        now = time.time()
        for limit, window in limits:
            yield (
                limit,
                window,
                f"forms_app:rate:{form}:{kind}:{digest}:{window}:{int(now // window)}",
            )

    def address_counters(self, request, form):
        address = self.client_address(request)
        return list(self.counters(form, "address", address, settings.FORMS_RATE_LIMITS))

    def is_exhausted(self, request, form):
        """Seconds until the visitor's address may send again, or 0: a look that counts
        nothing, so that a flood is turned away before its captcha is checked."""
        counters = self.address_counters(request, form)
        counts = self.read([key for _limit, _window, key in counters])
        return self.retry_after(
            window for limit, window, key in counters if counts.get(key, 0) >= self.allowed(limit)
        )

    def admit(self, request, form, emails):
        """Counts a valid submission and says whether it is over a limit."""
        verdict = RateLimitVerdict()
        over = self.over_limits(self.address_counters(request, form))
        verdict.by_address = bool(over)
        for email in emails:
            limits = settings.FORMS_EMAIL_RATE_LIMITS
            email_over = self.over_limits(self.counters(form, "email", email.lower(), limits))
            verdict.by_email = verdict.by_email or bool(email_over)
            over += email_over
        verdict.retry_after = self.retry_after(over)
        return verdict

    def over_limits(self, counters):
        """Counts one more in each counter; the windows whose limit that goes over."""
        return [
            window
            for limit, window, key in counters
            if self.increment(key, window) > self.allowed(limit)
        ]

    @staticmethod
    def retry_after(windows):
        """Seconds until the last of these windows' periods ends."""
        now = time.time()
        return max((math.ceil(window - now % window) for window in windows), default=0)

    def allowed(self, limit):
        if self.shared_is_reachable():
            return limit
        return max(1, limit // self.LOCAL_SHARE)

    def shared_is_reachable(self):
        return time.monotonic() >= self.shared_unreachable_until

    def read(self, keys):
        if self.shared_is_reachable():
            try:
                return caches["ratelimit"].get_many(keys)
            except (RedisError, OSError) as error:
                self.shared_failed(error)
        return self.local.get_many(keys)

    def increment(self, key, window):
        if self.shared_is_reachable():
            try:
                return self.increment_in(caches["ratelimit"], key, window)
            except (RedisError, OSError) as error:
                self.shared_failed(error)
        return self.increment_in(self.local, key, window)

    @staticmethod
    def increment_in(cache, key, window):
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 0, timeout=window)
            return cache.incr(key)

    def shared_failed(self, error):
        # Left alone for a few seconds, so that an unreachable cache costs one timeout now and
        # then rather than one on every count.
        self.shared_unreachable_until = time.monotonic() + self.UNREACHABLE_RETRY_SECONDS
        logger.warning(
            "Rate limit counted in this process alone: its cache is unreachable (%s)",
            type(error).__name__,
        )


rate_limit = RateLimit()
