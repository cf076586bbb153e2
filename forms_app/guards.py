"""The spam guards every public form passes: a honeypot, a minimum time between page load and
submit, a one-off token against double submits, reCAPTCHA, and a per-address rate limit."""

import hashlib
import hmac
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as VerificationTimeout
from dataclasses import dataclass
from urllib.error import URLError

import django.forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_recaptcha.constants import TEST_PRIVATE_KEY
from django_recaptcha.fields import ReCaptchaField
from django_recaptcha.widgets import ReCaptchaV2Checkbox, ReCaptchaV3
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

    status: str
    form: django.forms.Form | None = None
    submission: object = None

    @property
    def is_accepted(self):
        return self.status in {self.STORED, self.DUPLICATE, self.DISCARDED}


def new_form_token():
    return signing.dumps({"key": secrets.token_hex(16), "at": time.time()}, salt=TOKEN_SALT)


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
            token = signing.loads(
                self.cleaned_data.get(TOKEN_FIELD, ""),
                salt=TOKEN_SALT,
                max_age=settings.FORMS_TOKEN_MAX_AGE,
            )
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
        self.submission_key = hashlib.sha256(token["key"].encode()).hexdigest()
        return ""

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.has_error(TOKEN_FIELD, "expired"):
            # The form goes back to the visitor with a token that lets the next send through.
            # Any other error keeps the token, and with it the time the form was first shown.
            self.data = self.data.copy()
            self.data[TOKEN_FIELD] = new_form_token()


class CampaignFormBuilder(FormBuilder):
    """Wagtail's form builder with length limits on free text and the guards added."""

    def create_multiline_field(self, field, options):
        options["max_length"] = settings.FORMS_MAX_TEXT_LENGTH
        return super().create_multiline_field(field, options)

    def create_url_field(self, field, options):
        options["max_length"] = 500
        return super().create_url_field(field, options)

    def create_email_field(self, field, options):
        options["max_length"] = 254
        return super().create_email_field(field, options)

    def get_form_class(self):
        return type("CampaignForm", (GuardedForm,), self.formfields)


class RateLimit:
    """Counts accepted submissions per form and visitor address in Django's cache, under a
    keyed hash that expires with its window, so no address is ever stored. Each form counts
    on its own: a supporter may sign up and sponsor in the same minute."""

    def windows(self):
        return settings.FORMS_RATE_LIMITS

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

    def key(self, request, form, window):
        digest = hmac.new(
            settings.SECRET_KEY.encode(), self.client_address(request).encode(), hashlib.sha256
        ).hexdigest()[:32]
        return f"forms_app:rate:{form}:{window}:{digest}"

    def is_limited(self, request, form):
        keys = {window: self.key(request, form, window) for _limit, window in self.windows()}
        counts = cache.get_many(keys.values())
        return any(counts.get(keys[window], 0) >= limit for limit, window in self.windows())

    def count(self, request, form):
        for _limit, window in self.windows():
            key = self.key(request, form, window)
            if cache.add(key, 1, timeout=window):
                continue  # the visitor's first in this window: one round trip
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.set(key, 1, timeout=window)

    def retry_after(self):
        return max(window for _limit, window in self.windows())


rate_limit = RateLimit()
