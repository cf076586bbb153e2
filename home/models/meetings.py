"""Meetings: their public pages, their registration form, the private details only
registrants are told, and each registration."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.contrib.forms.utils import get_field_clean_name
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField

from cms.pages import CampaignPage, outside_private_sections
from forms_app.models import CampaignFormField, CampaignFormPage

from ..ical import meetings_calendar

# Where a meeting happens for a reader in the UK, whichever zone organisers hold it in.
UK_TIME_ZONE = "Europe/London"


def is_time_zone_name(name):
    """Raises ValidationError unless the name is one the time zone database knows."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "Not a time zone name: use one like “Europe/London” or “Asia/Hong_Kong”."
        ) from None


def not_over(now):
    """Meetings not over at `now`: those whose date is still to be set among them."""
    return (
        Q(starts_at__isnull=True)
        | Q(ends_at__gte=now)
        | Q(ends_at__isnull=True, starts_at__gte=now)
    )


# Coming meetings soonest first, those whose date is still to be set after them.
SOONEST_FIRST = [F("starts_at").asc(nulls_last=True), "pk"]


class MeetingIndexPage(RoutablePageMixin, CampaignPage):
    """The campaign's meetings: coming ones first, soonest first, then past ones, newest
    first; with a calendar feed readers can subscribe to."""

    parent_page_types = ["home.HomePage"]
    subpage_types = ["home.MeetingPage"]
    max_count_per_parent = 1
    section_name = "meeting_index"

    intro = models.TextField(
        blank=True, help_text="A sentence shown above the list of meetings (optional)."
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    def get_meetings(self):
        return outside_private_sections(MeetingPage.objects.live().child_of(self))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        meetings, now = self.get_meetings(), timezone.now()
        context["upcoming_meetings"] = meetings.filter(not_over(now)).order_by(*SOONEST_FIRST)
        context["past_meetings"] = meetings.exclude(not_over(now)).order_by("-starts_at", "-pk")
        return context

    # Wagtail serves only addresses that end in a slash, so no ".ics" here; calendar apps
    # go by the content type.
    @path("calendar/")
    def ical_feed(self, request):
        return meetings_calendar(request, index_page=self)


class MeetingPageForm(WagtailAdminPageForm):
    """The meeting editor: registration needs the two questions it is run by."""

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("registration_open"):
            questions = {}
            for form in self.formsets["form_fields"].forms:
                if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE"):
                    key = form.instance.clean_name or get_field_clean_name(
                        form.cleaned_data.get("label", "")
                    )
                    questions[key] = form.cleaned_data.get("field_type")
            if not cleaned_data.get("consent_statement"):
                self.add_error(
                    "consent_statement",
                    "Say what the campaign does with registrants' details before opening "
                    "registration.",
                )
            if questions.get(REGISTRANT_EMAIL) != "email" or REGISTRANT_NAME not in questions:
                self.add_error(
                    "registration_open",
                    "Registration needs a question labelled “Name” and one labelled “Email” "
                    "of the type Email: the details are sent to that address, and the sign-in "
                    "sheet lists the names. Add them, save, and they may then be reworded.",
                )
        return cleaned_data


# The questions of a registration form its emails and the sign-in sheet are run by.
REGISTRANT_NAME = "name"
REGISTRANT_EMAIL = "email"


class MeetingPage(CampaignFormPage):
    """A meeting or conference readers can come to: when, and in which city or online, with
    its registration form. The exact place and the joining link are never on this page: they
    are in the meeting's private details, emailed to registrants only."""

    parent_page_types = ["home.MeetingIndexPage"]
    subpage_types = []
    max_count_per_parent = None
    template = "home/meeting_page.html"
    base_form_class = MeetingPageForm
    submit_label = _("Register")
    sends_confirmation = True

    # Needed only once registration opens (MeetingPageForm asks for it then).
    consent_statement = RichTextField(
        blank=True,
        features=["bold", "italic", "link"],
        help_text="Shown just above the register button: what the campaign does with the "
        "details and where the privacy notice is. Needed to open registration.",
    )

    class WhoMayRegister(models.TextChoices):
        ANYONE = "anyone", _("Anyone")
        SPONSORS = "sponsors", _("Sponsors only")
        INVITED = "invited", _("Invited people only")

    summary = models.TextField(
        max_length=300,
        help_text="One or two sentences on what the meeting is for: shown in lists, in the "
        "calendar feed and when shared.",
    )
    starts_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the meeting starts, in your admin time zone: UK time unless you chose "
        "another in your account. Leave it empty while the date is not set: the page then "
        "says the date is still to be set.",
    )
    ends_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the meeting ends, in the same time zone (optional).",
    )
    time_zone = models.CharField(
        max_length=64,
        default=UK_TIME_ZONE,
        validators=[is_time_zone_name],
        help_text="The time zone of the place the meeting is held, such as “Europe/London” "
        "or “Asia/Hong_Kong”. Times are always shown in UK time too.",
    )
    public_place = models.CharField(
        max_length=100,
        verbose_name="city or “online”",
        help_text="Only the city, or “online”: this is public. Never the address or the "
        "joining link.",
    )
    who_may_register = models.CharField(
        max_length=16,
        choices=WhoMayRegister.choices,
        default=WhoMayRegister.ANYONE,
        help_text="Who may come: anyone, sponsors' confirmed contacts, or invited people.",
    )
    registration_open = models.BooleanField(
        default=False,
        help_text="Whether people may register now. Leave it off until the date and place are set.",
    )
    cancelled = models.BooleanField(
        default=False,
        help_text="The meeting will not take place. When published, the page says so and "
        "everyone registered is emailed.",
    )

    content_panels = (
        CampaignPage.content_panels
        + [
            FieldPanel("summary"),
            FieldPanel("starts_at"),
            FieldPanel("ends_at"),
            FieldPanel("time_zone"),
            FieldPanel("public_place"),
            FieldPanel("who_may_register"),
            FieldPanel("registration_open"),
            FieldPanel("cancelled"),
        ]
        + CampaignFormPage.form_panels
    )
    api_fields = CampaignFormPage.api_fields + [
        APIField("summary"),
        APIField("starts_at"),
        APIField("ends_at"),
        APIField("time_zone"),
        APIField("public_place"),
        APIField("who_may_register"),
        APIField("registration_open"),
        APIField("cancelled"),
    ]
    # Translators word the text; when, where and who may come stay as organisers set them.
    override_translatable_fields = CampaignFormPage.override_translatable_fields + [
        SynchronizedField("cancelled"),
        SynchronizedField("starts_at"),
        SynchronizedField("ends_at"),
        SynchronizedField("time_zone"),
        SynchronizedField("who_may_register"),
        SynchronizedField("registration_open"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]

    @classmethod
    def coming_in(cls, locale_id):
        """Live meetings not yet over in one language, outside private sections, soonest first:
        those whose date is still to be set after the others."""
        meetings = outside_private_sections(cls.objects.live().filter(locale_id=locale_id))
        return meetings.filter(not_over(timezone.now())).order_by(*SOONEST_FIRST)

    def clean(self):
        super().clean()
        if self.ends_at and not self.starts_at:
            raise ValidationError({"ends_at": "Set when the meeting starts first."})
        if self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "The meeting cannot end before it starts."})

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_held_outside_uk_time(self):
        """Whether readers also need the time where the meeting is held."""
        return self.time_zone != UK_TIME_ZONE

    @property
    def is_over(self):
        last_moment = self.ends_at or self.starts_at
        return last_moment is not None and last_moment < timezone.now()

    @property
    def accepts_submissions(self):
        """Registration is open, and the meeting is neither cancelled nor begun."""
        return (
            self.live
            and self.registration_open
            and not self.cancelled
            and self.starts_at is not None
            and self.starts_at > timezone.now()
        )

    def serve(self, request, *args, thanking=False, **kwargs):
        if thanking or self.accepts_submissions:
            return super().serve(request, *args, thanking=thanking, **kwargs)
        # Without its form the page is the same for everyone, and the page cache keeps it.
        response = Page.serve(self, request, *args, **kwargs)
        if request.method == "POST":
            response.status_code = 409
        return response

    def after_submission(self, submission, form):
        from ..registrations import register

        register(self, submission)


class MeetingFormField(CampaignFormField):
    """A question on a meeting's registration form."""

    page = ParentalKey(MeetingPage, on_delete=models.CASCADE, related_name="form_fields")


class MeetingPrivateDetails(models.Model):
    """What only those registered for a meeting are told, and how registration runs: kept off
    the meeting page, out of its revisions and away from translators, and edited only with the
    personal-data permission. One for the meeting in all its languages."""

    meeting_key = models.UUIDField(
        unique=True, editable=False, help_text="The meeting page's translation key."
    )
    address = models.TextField(
        blank=True, help_text="The exact place: building, street, room. Only registrants get it."
    )
    joining_link = models.URLField(
        blank=True, help_text="The link to join online, if the meeting is online too."
    )
    access_notes = models.TextField(
        blank=True,
        help_text="How to get in, whom to ask for, what to bring. Only registrants get it.",
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many places there are. Once they are taken, those who register join "
        "the waiting list, and get a place, in order, when someone cancels. Empty: no limit.",
    )
    approval_required = models.BooleanField(
        default=False,
        help_text="Whether organisers approve each registration before the details go out. "
        "Always so for meetings of invited people only.",
    )
    # Bumped whenever registrants are told of a change, so that calendar apps replace the
    # event they have with the newer one (RFC 5545, SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)

    panels = [
        FieldPanel("address"),
        FieldPanel("joining_link"),
        FieldPanel("access_notes"),
        FieldPanel("capacity"),
        FieldPanel("approval_required"),
    ]

    class Meta:
        verbose_name = "meeting's private details"
        verbose_name_plural = "meetings' private details"

    def __str__(self):
        # Shown in admin messages and logs: never the details themselves.
        return "Private details of a meeting"


class Registration(models.Model):
    """One person's registration for a meeting: their form submission (name and address, as
    they typed them) and where they stand. Deleted with the submission, by erasure, or
    MEETINGS_RETENTION_DAYS after the meeting."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Has not confirmed the address yet")
        NOT_ELIGIBLE = "not_eligible", _("Not a sponsor's confirmed contact")
        AWAITING_APPROVAL = "awaiting_approval", _("Waiting for organisers' approval")
        WAITING_LIST = "waiting_list", _("On the waiting list")
        REGISTERED = "registered", _("Registered: has the details")
        DECLINED = "declined", _("Not approved")
        CANCELLED = "cancelled", _("Cancelled")

    submission = models.OneToOneField(
        "forms_app.CampaignFormSubmission", on_delete=models.CASCADE, related_name="registration"
    )
    meeting_key = models.UUIDField(
        db_index=True, help_text="The meeting page's translation key, the same in every language."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNCONFIRMED)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the address was confirmed: the waiting list's order."
    )
    # The meeting's details as this registrant was last told them: a change emails each
    # registrant once, whichever language's page or which save made it.
    told_version = models.CharField(max_length=64, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["confirmed_at", "pk"]

    def __str__(self):
        # Shown in admin messages and logs: never the registrant's name or address.
        return f"Registration {self.pk} ({self.status})"

    @property
    def name(self):
        return str(self.submission.form_data.get(REGISTRANT_NAME, ""))

    @property
    def email(self):
        return str(self.submission.form_data.get(REGISTRANT_EMAIL, "")).strip()
