"""The form pages organisers build (sponsor, sign-up and contact forms, and the base meetings
share), their questions and submissions, and the privacy notice."""

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.forms.models import (
    AbstractEmailForm,
    AbstractFormField,
    AbstractFormSubmission,
)
from wagtail.fields import RichTextField
from wagtail.models import TranslatableMixin
from wagtail.url_routing import RouteResult
from wagtail_localize.fields import SynchronizedField, TranslatableField

from cms.middleware import allow_captcha
from cms.pagecache.cache import cached_part
from cms.pages import CampaignPage, sections_among
from cms.site_url.address import absolute_url

from ..guards import CampaignFormBuilder, SubmissionOutcome, rate_limit, submission_key_in

# Functions registered under this name are given each stored sponsor form submission.
SPONSOR_FORM_SUBMITTED_HOOK = "sponsor_form_submitted"

# The thank-you page's address below each form page's own.
THANK_YOU_SEGMENT = "thanks"


class CampaignFormField(TranslatableMixin, AbstractFormField):
    """A question on a form page. Its key (`clean_name`) never changes once saved, so
    rewording or translating the label keeps every submission under the same key."""

    # Translators get the wording; the key, type and whether it is required stay in step with
    # the source page so every language's submissions line up.
    translatable_fields = [
        TranslatableField("label"),
        TranslatableField("help_text"),
        TranslatableField("choices"),
        TranslatableField("default_value"),
        SynchronizedField("clean_name"),
        SynchronizedField("field_type"),
        SynchronizedField("required"),
    ]

    class Meta(AbstractFormField.Meta):
        abstract = True
        unique_together = [("translation_key", "locale")]


class CampaignFormSubmission(AbstractFormSubmission):
    """One sign-up or endorsement as typed, with the language of the page it came in through.

    No IP address, user agent or location is stored."""

    language = models.CharField(max_length=15, help_text="The language of the form page used.")
    # A one-off value from the rendered form, so a double-clicked submit is stored once.
    # NULL, not "", for a submission without one: unique allows many NULLs.
    submission_key = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        # cms.personal_data.PERSONAL_DATA_PERMISSION, which every app that keeps personal data
        # checks.
        permissions = [
            (
                "view_personal_data",
                "Can read sign-ups, subscribers and sponsor contact details",
            )
        ]

    def __str__(self):
        # Shown in admin messages and logs: never the submitted data.
        return f"Submission {self.pk}"

    def get_data(self):
        return {**super().get_data(), "language": self.language}


class CampaignFormPage(AbstractEmailForm, CampaignPage):
    """A public form organisers build in the admin: questions, wording, thank-you text."""

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1
    form_builder = CampaignFormBuilder
    landing_page_template = "forms_app/form_page_landing.html"
    # The words on the button, saying what sending the form does.
    submit_label = _("Send")
    # Whether a submission emails the address it gives a link to confirm (the thank-you page
    # then says what to do when none arrives).
    sends_confirmation = False
    # Whether the form takes answers now, from its page and the API alike.
    accepts_submissions = True

    intro = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text="Shown above the form: what the form is for and what happens next.",
    )
    consent_statement = RichTextField(
        features=["bold", "italic", "link"],
        help_text="Shown just above the submit button: what the campaign does with the details "
        "and where the privacy notice is.",
    )
    thank_you_text = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text="Shown after a successful submission.",
    )

    # The form and its notification, which every kind of form page edits the same way.
    form_panels = [
        FieldPanel("intro"),
        InlinePanel("form_fields", label=_("Form fields")),
        FieldPanel("consent_statement"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            heading=_("Notify organisers of each submission (the email holds no personal data)"),
        ),
    ]
    content_panels = CampaignPage.content_panels + form_panels
    api_fields = [
        APIField("intro"),
        APIField("form_fields"),
        APIField("consent_statement"),
        APIField("thank_you_text"),
    ]

    # The notification address is the same for every language; a translated one breaks publishing.
    override_translatable_fields = [
        SynchronizedField("to_address"),
        SynchronizedField("from_address"),
    ]

    class Meta:
        abstract = True

    def get_submission_class(self):
        return CampaignFormSubmission

    def get_submissions(self):
        """Submissions of this form in every language, in one place."""
        return CampaignFormSubmission.objects.filter(
            page__translation_key=self.translation_key, page__content_type=self.content_type
        )

    def get_data_fields(self):
        return super().get_data_fields() + [("language", _("Language"))]

    def get_submissions_list_view_class(self):
        from ..views import PersonalDataSubmissionsListView

        return PersonalDataSubmissionsListView

    def get_form_fields(self):
        # Asked for by the form, the stored keys and the consent records of one submission:
        # read once per page instance.
        if not hasattr(self, "_form_fields"):
            self._form_fields = list(super().get_form_fields())
        return self._form_fields

    def keep_live_form_fields(self):
        """The live page's questions, kept until content changes like the menu: they are read
        for every visit to the form and every submission. Called from serve(), which Wagtail's
        previews do not go through: they show the draft's own questions."""
        self._form_fields = cached_part(
            f"form-fields:{self.pk}", lambda: list(self.form_fields.all())
        )

    @property
    def language_code(self):
        """The page's language, kept like the menu: every submission records it."""
        return cached_part(f"language:{self.locale_id}", lambda: self.locale.language_code)

    def field_keys(self):
        return [field.clean_name for field in self.get_form_fields()]

    def receive_submission(self, request, data):
        """Everything a submission goes through, for the HTML page and the JSON API alike:
        validation with the spam guards, the rate limit, storing once, then notifying."""
        if not self.accepts_submissions:
            return SubmissionOutcome(SubmissionOutcome.CLOSED)
        # Every language of a form shares one count.
        form_key = self.translation_key
        if retry_after := rate_limit.is_exhausted(request, form_key):
            # A double click on a form already stored is thanked as the first click was.
            if self.is_stored(submission_key_in(data)):
                return SubmissionOutcome(SubmissionOutcome.DUPLICATE)
            return SubmissionOutcome(SubmissionOutcome.RATE_LIMITED, retry_after=retry_after)
        form = self.get_form(data, page=self, user=request.user)
        if not form.is_valid():
            return SubmissionOutcome(SubmissionOutcome.INVALID, form=form)
        if form.is_spam:
            # Bots are thanked like people, so they learn nothing; nothing is stored.
            return SubmissionOutcome(SubmissionOutcome.DISCARDED, form=form)
        if self.is_stored(form.submission_key):
            return SubmissionOutcome(SubmissionOutcome.DUPLICATE, form=form)
        verdict = rate_limit.admit(request, form_key, self.email_answers(form))
        if verdict.by_address:
            return SubmissionOutcome(
                SubmissionOutcome.RATE_LIMITED, form=form, retry_after=verdict.retry_after
            )
        if verdict.by_email:
            # Thanked like any other, so that nobody learns whether an address was used.
            return SubmissionOutcome(SubmissionOutcome.DISCARDED, form=form)
        try:
            with transaction.atomic():
                submission = self.process_form_submission(form)
        except IntegrityError:
            if self.is_stored(form.submission_key):
                return SubmissionOutcome(SubmissionOutcome.DUPLICATE, form=form)
            raise
        return SubmissionOutcome(SubmissionOutcome.STORED, form=form, submission=submission)

    @staticmethod
    def is_stored(submission_key):
        return (
            submission_key is not None
            and CampaignFormSubmission.objects.filter(submission_key=submission_key).exists()
        )

    def email_answers(self, form):
        """The email addresses typed into the form, which the rate limit counts too."""
        return [
            form.cleaned_data[field.clean_name]
            for field in self.get_form_fields()
            if field.field_type == "email" and form.cleaned_data.get(field.clean_name)
        ]

    def process_form_submission(self, form):
        """Stores the submission first; emails go out only once it is committed."""
        submission = CampaignFormSubmission.objects.create(
            page=self,
            form_data={
                key: form.cleaned_data.get(key)
                for key in self.field_keys()
                if key in form.cleaned_data
            },
            language=self.language_code,
            submission_key=form.submission_key,
        )
        self.after_submission(submission, form)
        if self.to_address:
            self.send_mail(form)
        return submission

    def after_submission(self, submission, form):
        """What a stored submission starts (opt-in, endorsement review): for subclasses."""

    def send_mail(self, form):
        """Tells organisers there is something to read, without putting it in their mailbox."""
        from ..mail import send_email

        admin_url = absolute_url(reverse("wagtailforms:list_submissions", args=[self.pk]))
        subject = self.subject or _("New submission: %(form)s") % {"form": self.title}
        body = _(
            "Someone has submitted “%(form)s”. For their privacy this email does not contain "
            "what they typed; read it in the admin:\n\n%(url)s"
        ) % {"form": self.title, "url": admin_url}
        for address in self.to_address.split(","):
            send_email(address.strip(), str(subject), str(body), sender=self.from_address or None)

    def route(self, request, path_components):
        if path_components == [THANK_YOU_SEGMENT] and self.live:
            return RouteResult(self, kwargs={"thanking": True})
        return super().route(request, path_components)

    def thank_you_url(self, request):
        return self.get_url(request) + THANK_YOU_SEGMENT + "/"

    def render_landing_page(self, request, form_submission=None, *args, **kwargs):
        response = super().render_landing_page(request, form_submission, *args, **kwargs)
        response.context_data.update(self.next_steps())
        return response

    def next_steps(self):
        """What the thank-you page offers next: the call to share, and the site's main sections
        and other forms, in this page's language."""
        siblings = self.get_siblings(inclusive=False).live().public().specific()
        next_pages = sections_among(
            siblings, "platform", "sponsor_index", "update_index", "signup_form", "sponsor_form"
        )
        platform = next((page for name, page in next_pages if name == "platform"), None)
        return {"next_pages": [page for _name, page in next_pages], "platform": platform}

    def serve(self, request, *args, thanking=False, **kwargs):
        if thanking:
            # The same for everyone, so the page cache keeps it: nothing of a submission shows.
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            return self.render_landing_page(request)
        # Django's error reports include POST data unless the view marks it sensitive.
        request.sensitive_post_parameters = "__ALL__"
        self.keep_live_form_fields()
        if request.method == "POST":
            outcome = self.receive_submission(request, request.POST)
            if outcome.status == SubmissionOutcome.RATE_LIMITED:
                response = TemplateResponse(
                    request, "forms_app/rate_limited.html", self.get_context(request), status=429
                )
                response["Retry-After"] = str(outcome.retry_after)
                return response
            if outcome.is_accepted:
                # Post/Redirect/Get: reloading the thank-you page cannot send the form again.
                return HttpResponseRedirect(self.thank_you_url(request), status=303)
            form = outcome.form
        else:
            form = self.get_form(page=self, user=request.user)
        context = self.get_context(request)
        context["form"] = form
        response = TemplateResponse(request, self.get_template(request), context)
        # Each rendering carries its own one-off token: a shared cached copy would make every
        # visitor's submission look like a double click.
        add_never_cache_headers(response)
        # The one kind of page whose policy lets in the captcha's hosts.
        return allow_captcha(response)


class SponsorFormPage(CampaignFormPage):
    """The form organisations use to sponsor the campaign; organisers review each request."""

    template = "forms_app/form_page.html"
    submit_label = _("Send our sponsorship")
    sends_confirmation = True

    section_name = "sponsor_form"

    class Meta:
        verbose_name = _("sponsor form page")

    def after_submission(self, submission, form):
        # The sponsors app asks the contact address to confirm the endorsement.
        for receive_endorsement in hooks.get_hooks(SPONSOR_FORM_SUBMITTED_HOOK):
            receive_endorsement(submission)


class SponsorFormField(CampaignFormField):
    """A question on the sponsor form."""

    page = ParentalKey(SponsorFormPage, on_delete=models.CASCADE, related_name="form_fields")


class SignupFormPage(CampaignFormPage):
    """The form individuals use to sign up for updates and the newsletter (double opt-in)."""

    template = "forms_app/form_page.html"
    submit_label = _("Sign up")
    sends_confirmation = True

    section_name = "signup_form"

    class Meta:
        verbose_name = _("sign-up form page")

    def after_submission(self, submission, form):
        from ..supporters import sign_up

        sign_up(self, submission, form)


class SignupFormField(CampaignFormField):
    """A question on the sign-up form."""

    page = ParentalKey(SignupFormPage, on_delete=models.CASCADE, related_name="form_fields")


class ContactFormPage(CampaignFormPage):
    """The form anyone uses to write to the campaign, inside or outside the UK."""

    template = "forms_app/form_page.html"
    submit_label = _("Send your message")

    section_name = "contact_form"

    class Meta:
        verbose_name = _("contact form page")


class ContactFormField(CampaignFormField):
    """A question on the contact form."""

    page = ParentalKey(ContactFormPage, on_delete=models.CASCADE, related_name="form_fields")


class PrivacyNoticePage(CampaignPage):
    """The privacy notice: what the campaign keeps about people, why, and for how long."""

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    body = RichTextField(
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link"],
        help_text="The notice itself. The retention periods set on the server are listed "
        "below it automatically.",
    )

    content_panels = CampaignPage.content_panels + [FieldPanel("body")]
    api_fields = [APIField("body")]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["retention_days"] = settings.FORMS_RETENTION_DAYS
        context["confirmation_days"] = settings.FORMS_CONFIRMATION_MAX_AGE // 86400
        context["meeting_retention_days"] = settings.MEETINGS_RETENTION_DAYS
        # How to ask for deletion: the contact form beside this notice, in its language.
        context["contact_form"] = ContactFormPage.objects.sibling_of(self).live().public().first()
        return context
