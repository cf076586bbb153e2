"""The campaign's forms for other front ends: each form's questions as JSON, in the language
of the form page asked for, and a JSON submit that goes through exactly what the HTML form
goes through (`CampaignFormPage.receive_submission`: rate limit, validation, spam guards,
storing, opt-in, notification)."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django_recaptcha.constants import DEFAULT_RECAPTCHA_DOMAIN
from django_recaptcha.widgets import ReCaptchaV3
from ninja import Body, Field, Router, Schema, Status
from ninja.decorators import decorate_view
from wagtail.models import Page
from wagtail.rich_text import expand_db_html

from cms.input_text import is_storable
from forms_app.guards import (
    CAPTCHA_FIELD,
    HONEYPOT_FIELD,
    TOKEN_FIELD,
    SubmissionOutcome,
)
from forms_app.models import CampaignFormPage

router = Router(tags=["forms"])

# What one answer may be: text, a ticked box, a number, or the choices ticked in a list.
Answer = str | bool | int | float | list[str] | None


class ChoiceOut(Schema):
    value: str = Field(description="What to send.")
    label: str = Field(description="What to show.")


class FieldOut(Schema):
    name: str = Field(
        description="The key to send the answer under. It stays the same when the question "
        "is reworded or translated."
    )
    type: str = Field(
        description="Wagtail's field type: singleline, multiline, email, number, url, "
        "checkbox, checkboxes, dropdown, multiselect, radio, date, datetime or hiddenfield. "
        "Send checkboxes and multiselect answers as a list, a checkbox as true or false."
    )
    label: str
    help_text: str
    required: bool
    choices: list[ChoiceOut]
    max_length: int | None
    default: str | bool | list[str] | None


class CaptchaOut(Schema):
    field: str = Field(description="Send the reCAPTCHA token under this key.")
    version: str = Field(description="v3 (a score, no checkbox) or v2 (the checkbox).")
    site_key: str
    domain: str = Field(description="Load reCAPTCHA's script from this host.")
    action: str | None = Field(description="The action to name when asking v3 for a token.")


class FormOut(Schema):
    id: int
    type: str
    title: str
    locale: str
    intro: str = Field(description="HTML shown above the questions.")
    consent_statement: str = Field(description="HTML shown just above the submit button.")
    thank_you_text: str = Field(description="HTML shown once the answers are received.")
    fields: list[FieldOut]
    form_token: str = Field(
        description="Send back unchanged under `form_token`. Each one is good for one "
        "submission, and not before `min_seconds_to_submit` have passed: fetch this "
        "description again for the next."
    )
    min_seconds_to_submit: int
    honeypot_field: str = Field(
        description="Never show this field and never send a value for it: only robots fill "
        "it in, and what they send is dropped."
    )
    captcha: CaptchaOut
    submit_url: str


class ReceivedOut(Schema):
    status: str = Field(description="Always `received`.")
    thank_you_text: str


class ErrorsOut(Schema):
    message: str
    errors: dict[str, list[str]] = Field(
        description="Messages per field key, in the form's language; `__all__` for the form "
        "as a whole. A `form_token` error means: fetch the form again and resend."
    )


class MessageOut(Schema):
    message: str


def form_page(page_id, locale=None):
    """A live, public form page, or its translation into `locale`."""
    pages = Page.objects.live().public().type(CampaignFormPage)
    page = get_object_or_404(pages, pk=page_id)
    if locale is not None:
        page = get_object_or_404(
            pages, translation_key=page.translation_key, locale__language_code=locale
        )
    return page.specific


def captcha_description(form):
    captcha = form.fields[CAPTCHA_FIELD]
    is_v3 = isinstance(captcha.widget, ReCaptchaV3)
    return {
        "field": CAPTCHA_FIELD,
        "version": "v3" if is_v3 else "v2",
        "site_key": captcha.public_key,
        "domain": getattr(settings, "RECAPTCHA_DOMAIN", DEFAULT_RECAPTCHA_DOMAIN),
        "action": captcha.widget.action if is_v3 else None,
    }


def field_default(bound_field):
    initial = bound_field.initial
    if isinstance(initial, list):
        initial = [str(value) for value in initial if value]
    elif initial is not None and not isinstance(initial, bool):
        initial = str(initial)
    return initial or None


def describe_form(page):
    field_types = {field.clean_name: field.field_type for field in page.get_form_fields()}
    form = page.get_form(page=page, user=AnonymousUser())
    return {
        "id": page.pk,
        "type": page.specific_class._meta.label,
        "title": page.title,
        "locale": page.locale.language_code,
        "intro": expand_db_html(page.intro),
        "consent_statement": expand_db_html(page.consent_statement),
        "thank_you_text": expand_db_html(page.thank_you_text),
        "fields": [
            {
                "name": bound_field.name,
                "type": field_types[bound_field.name],
                "label": str(bound_field.label),
                "help_text": str(bound_field.help_text),
                "required": bound_field.field.required,
                "choices": [
                    {"value": str(value), "label": str(label)}
                    for value, label in getattr(bound_field.field, "choices", [])
                ],
                "max_length": getattr(bound_field.field, "max_length", None),
                "default": field_default(bound_field),
            }
            for bound_field in form.question_fields
        ],
        "form_token": form[TOKEN_FIELD].initial,
        "min_seconds_to_submit": settings.FORMS_MIN_SECONDS_TO_SUBMIT,
        "honeypot_field": HONEYPOT_FIELD,
        "captcha": captcha_description(form),
        "submit_url": reverse("campaign_api:submit_form", args=[page.pk]),
    }


@router.get("/{page_id}/", response=FormOut, url_name="describe_form")
@decorate_view(never_cache)
def describe(request, page_id: int, locale: str | None = None):
    """A form's questions, wording and guards, in the language of the form page, or of its
    translation into `locale`. Not cached: each answer carries a one-off `form_token`."""
    page = form_page(page_id, locale)
    with translation.override(page.locale.language_code):
        return describe_form(page)


def permitted_origins(request):
    """The site's own origin (the public address, and the one this request came in on) and
    the partner sites allowed to call the API from the browser."""
    return {
        f"{request.scheme}://{request.get_host()}",
        settings.SITE_URL,
        *settings.CORS_ALLOWED_ORIGINS,
    } - {""}


def json_from_permitted_origins(view):
    """Answers only JSON, and from a browser only on a permitted origin. Any web page can make
    its visitors' browsers post a form-encoded or plain-text body to another site, without
    asking first; JSON needs the browser's permission (CORS), and the Origin check refuses
    what a browser sends from elsewhere all the same."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.content_type != "application/json":
            return JsonResponse(
                {"message": "Send the answers as JSON, with Content-Type: application/json."},
                status=415,
            )
        origin = request.headers.get("Origin")
        if origin is not None and origin not in permitted_origins(request):
            return JsonResponse(
                {"message": "Forms are taken from this site's own pages and its partners' only."},
                status=403,
            )
        return view(request, *args, **kwargs)

    return checked


def unstorable_answers(answers):
    """The keys whose name or answer holds a character no text can (see cms.input_text)."""
    unstorable = []
    for key, answer in answers.items():
        texts = answer if isinstance(answer, list) else [answer]
        if not all(is_storable(text) for text in [key, *texts] if isinstance(text, str)):
            unstorable.append(key)
    return unstorable


@sensitive_variables()
def as_form_data(page, answers):
    """The answers as the HTML form posts them, so the same form validates both."""
    captcha_widget = page.get_form(page=page, user=AnonymousUser()).fields[CAPTCHA_FIELD].widget
    captcha_key = (
        CAPTCHA_FIELD
        if isinstance(captcha_widget, ReCaptchaV3)
        else captcha_widget.recaptcha_response_name
    )
    data = QueryDict(mutable=True)
    for key, value in answers.items():
        if key == CAPTCHA_FIELD:
            key = captcha_key
        if value is None or value is False:
            continue
        if value is True:
            data[key] = "on"
        elif isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = str(value)
    return data


@router.post(
    "/{page_id}/submissions/",
    response={
        201: ReceivedOut,
        400: ErrorsOut,
        403: MessageOut,
        409: MessageOut,
        415: MessageOut,
        429: MessageOut,
    },
    url_name="submit_form",
)
@decorate_view(json_from_permitted_origins, never_cache)
@sensitive_variables()
def submit(request, response: HttpResponse, page_id: int, answers: Body[dict[str, Answer]]):
    """Send a form's answers as one JSON object (`Content-Type: application/json`): each
    field's `name` with its answer, plus `form_token` and the captcha token. The answers are
    checked, stored and followed up exactly as when the form is sent from the site's own page.
    From a browser, only the site's own pages and the origins it names in
    CORS_ALLOWED_ORIGINS may send it (403 otherwise)."""
    # Django's error reports include POST data unless the view marks it sensitive.
    request.sensitive_post_parameters = "__ALL__"
    page = form_page(page_id)
    with translation.override(page.locale.language_code):
        if unstorable := unstorable_answers(answers):
            # Refused before anything else sees it: PostgreSQL would reject it, quoting the
            # whole submission in its log.
            message = _("This holds characters that are not text. Please type it again.")
            errors = {key: [message] for key in unstorable}
            return Status(400, {"message": _("Please check your answers."), "errors": errors})
        outcome = page.receive_submission(request, as_form_data(page, answers))
        if outcome.status == SubmissionOutcome.CLOSED:
            return Status(409, {"message": _("This form is not taking answers now.")})
        if outcome.status == SubmissionOutcome.RATE_LIMITED:
            response["Retry-After"] = str(outcome.retry_after)
            message = _("Too many submissions from here: please try again later.")
            return Status(429, {"message": message})
        if outcome.status == SubmissionOutcome.INVALID:
            errors = {
                name: [str(message) for message in messages]
                for name, messages in outcome.form.errors.items()
            }
            return Status(400, {"message": _("Please check your answers."), "errors": errors})
    return Status(
        201, {"status": "received", "thank_you_text": expand_db_html(page.thank_you_text)}
    )
