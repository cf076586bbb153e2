"""Newsletters sent by the site itself: wagtail-newsletter's campaign backend, over the outbox.

An organiser writes a newsletter page, chooses its recipients (an audience, or one language of
it) and sends it from the page's Newsletter tab. Sending stores one outgoing email per reader,
all in one transaction with the campaign's "sent" mark, so the mail worker's claims send each
exactly once; a hosted mailer never sees the list.

Audiences come from the apps that hold the people, through the `register_newsletter_audiences`
hook: this app registers its confirmed supporters, sponsors its approved sponsors' contacts."""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, JSONField, OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.contrib.forms.forms import FormBuilder
from wagtail.log_actions import log
from wagtail.models import Locale, Page
from wagtail_newsletter import views as newsletter_views
from wagtail_newsletter.audiences import Audience, AudienceSegment
from wagtail_newsletter.campaign_backends import Campaign, CampaignBackend, CampaignBackendError
from wagtail_newsletter.models import NewsletterPageMixin

from cms.personal_data import PERSONAL_DATA_PERMISSION

from .addresses import mailbox
from .mail import send_email, send_to_many, unsubscribe_url
from .models import (
    ConsentRecord,
    NewsletterCampaign,
    OutgoingEmail,
    SignupFormField,
    Subscriber,
    Suppression,
)

AUDIENCES_HOOK = "register_newsletter_audiences"
# The sign-up form's questions that segments are made of (home/content/campaign.toml).
COUNTRY_KEY = "country"
INTERESTS_KEY = "interests"
SEGMENT_KINDS = {"language", "country", "interest"}
SEND_ACTION = "forms_app.send_newsletter"
# Stands in the rendered email for each reader's own unsubscribe link: a newsletter is rendered
# once per language, not once per reader.
UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.invalid/"
# The name of the Newsletter tab's buttons on a page's edit form.
NEWSLETTER_ACTION_FIELD = "newsletter-action"
# The admin addresses wagtail-newsletter adds (its views and its choosers, by URL namespace).
NEWSLETTER_ADMIN_NAMESPACES = {
    "wagtail_newsletter",
    "audience_chooser",
    "audience_segment_chooser",
    "recipients_chooser",
    "newsletter_recipients",
}


@dataclass(frozen=True)
class Reader:
    """One person a newsletter goes to, the language they asked to hear from us in, and what
    they told us of themselves, for segments: their country and interests, as the English form
    words them."""

    email: str
    language: str
    country: str = ""
    interests: tuple[str, ...] = ()

    def in_segment(self, kind, value):
        """Whether the reader is in a segment (one of SEGMENT_KINDS, see segment_id)."""
        if kind == "country":
            return country_key(self.country) == value
        if kind == "interest":
            return value in self.interests
        return self.language == value


@dataclass(frozen=True)
class MailingAudience:
    """People who agreed to hear from the campaign, as an app that holds them defines them."""

    id: str
    name: str
    readers: Callable[[], Iterable[Reader]]


def registered_audiences():
    return {
        audience.id: audience
        for register in hooks.get_hooks(AUDIENCES_HOOK)
        for audience in register()
    }


def interests_in_english():
    """Every sign-up form's interest choices, in any language, to the English form's wording: a
    translation keeps the English choices' order."""
    fields = {}
    for field in SignupFormField.objects.filter(clean_name=INTERESTS_KEY).select_related(
        "page__locale"
    ):
        choices = [value for value, _label in FormBuilder([]).get_formatted_field_choices(field)]
        fields[field.page.translation_key, field.page.locale.language_code] = choices
    main_language = Locale.get_default().language_code
    in_english = {}
    for (translation_key, _language), choices in fields.items():
        english = fields.get((translation_key, main_language), choices)
        in_english.update(zip(choices, english, strict=False))
    return in_english


def consenting_supporters():
    """Confirmed supporters with a confirmed consent to the newsletter or to updates, with the
    country and interests of their latest confirmed sign-up while the retention setting keeps
    it (FORMS_RETENTION_DAYS): only a confirmed address's answers put anyone in a segment."""
    consented = ConsentRecord.objects.filter(
        subscriber=OuterRef("pk"),
        confirmed_at__isnull=False,
        purpose__in=[ConsentRecord.Purpose.NEWSLETTER, ConsentRecord.Purpose.UPDATES],
    )
    latest_answers = (
        ConsentRecord.objects.filter(
            subscriber=OuterRef("pk"), confirmed_at__isnull=False, submission__isnull=False
        )
        .order_by("-confirmed_at", "-pk")
        .values("submission__form_data")[:1]
    )
    supporters = (
        Subscriber.objects.filter(confirmed_at__isnull=False)
        .filter(Exists(consented))
        .annotate(answers=Subquery(latest_answers, output_field=JSONField()))
    )
    in_english = interests_in_english()
    for email, language, answers in supporters.values_list(
        "email", "language", "answers"
    ).iterator():
        answers = answers or {}
        ticked = answers.get(INTERESTS_KEY) or []
        # One answer, not a list, if organisers made the question a single choice.
        ticked = [ticked] if isinstance(ticked, str) else ticked
        yield Reader(
            email,
            language,
            country=str(answers.get(COUNTRY_KEY) or "").strip(),
            interests=tuple(in_english.get(choice, choice) for choice in ticked),
        )


def supporters_audience():
    return MailingAudience("supporters", _("Supporters"), consenting_supporters)


def readers_of(audience_id, segment=""):
    """An audience's readers (of one segment, if given: see segment_id), one per mailbox, none
    suppressed."""
    audience = registered_audiences().get(audience_id)
    if audience is None:
        raise CampaignBackendError(_("That audience no longer exists."))
    kind, value = segment.partition(":")[::2] if ":" in segment else ("language", segment)
    if kind not in SEGMENT_KINDS:
        raise CampaignBackendError(_("That segment no longer exists."))
    readers = {}
    for reader in audience.readers():
        if not segment or reader.in_segment(kind, value):
            readers.setdefault(mailbox(reader.email), reader)
    suppressed = Suppression.suppressed_among(reader.email for reader in readers.values())
    return [reader for reader in readers.values() if reader.email not in suppressed]


def language_name(code):
    return str(dict(settings.LANGUAGES).get(code, code))


def country_key(country):
    """A country as segments compare it: "UK", "uk " and "Uk" are one."""
    return " ".join(country.split()).casefold()


def segment_id(audience_id, kind, value):
    """ "supporters/zh-hans" for a language (as ids were before there were other kinds),
    "supporters/country:united kingdom", "supporters/interest:Tibet". wagtail-newsletter finds
    a segment's audience before the slash."""
    return f"{audience_id}/{value}" if kind == "language" else f"{audience_id}/{kind}:{value}"


def segment_as_logged(segment):
    """A segment as the audit log keeps it, which Editors read in a page's history: a country is
    what supporters typed, so the log says only that it was one."""
    audience, _slash, part = segment.partition("/")
    kind = part.partition(":")[0] if ":" in part else ""
    return f"{audience}/{kind}" if kind == "country" else segment


def segments_of(readers):
    """(kind, value, name, how many readers) for each language, country and interest among
    the readers, each kind in alphabetical order. A country is named as most of its readers
    spell it."""
    languages, interests = Counter(), Counter()
    countries = defaultdict(Counter)
    for reader in readers:
        languages[reader.language] += 1
        if reader.country:
            countries[country_key(reader.country)][reader.country] += 1
        interests.update(set(reader.interests))
    for language, count in sorted(languages.items()):
        yield "language", language, language_name(language), count
    for key, spellings in sorted(countries.items()):
        name = spellings.most_common(1)[0][0]
        yield "country", key, _("Country: %(country)s") % {"country": name}, spellings.total()
    for interest, count in sorted(interests.items()):
        yield "interest", interest, _("Interested in: %(interest)s") % {"interest": interest}, count


def newsletter_page(campaign_id):
    """The newsletter in the site's main language, whose translations readers get."""
    page = Page.objects.filter(translation_key=campaign_id, locale=Locale.get_default()).first()
    if page is None:
        raise CampaignBackendError(_("The newsletter page no longer exists."))
    return page.specific


@dataclass
class Edition:
    """A newsletter rendered in one language, with a placeholder for the unsubscribe link."""

    language: str
    subject: str
    text: str
    html: str

    def html_for(self, address):
        # The unsubscribe page in the reader's language, as the plain-text part's link is.
        with translation.override(self.language):
            link = conditional_escape(unsubscribe_url(address))
        return self.html.replace(UNSUBSCRIBE_PLACEHOLDER, link)


def editions_of(page):
    """Each language the newsletter is published in (the main language as last saved), keyed
    by language code; readers in any other language get the main language's."""
    editions = {}
    for language, version in page.newsletter_versions().items():
        with translation.override(language):
            editions[language] = Edition(
                language=language,
                subject=version.get_newsletter_subject(),
                text=version.get_newsletter_text(),
                html=version.get_newsletter_html({"unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER}),
            )
    return editions


class OutboxCampaign(Campaign):
    """A newsletter's sending as the admin's Newsletter tab shows it."""

    def __init__(self, record):
        self.record = record

    @property
    def is_scheduled(self):
        return self.record.status == NewsletterCampaign.Status.SCHEDULED

    @property
    def is_sent(self):
        return self.record.status == NewsletterCampaign.Status.SENT

    @property
    def status(self):
        return self.record.get_status_display()

    @property
    def url(self):
        # The page's history, where each send is logged with its audience and count.
        if self.record.page_id is None:
            return ""
        return reverse("wagtailadmin_pages:history", args=[self.record.page_id])

    def get_report(self):
        """How the sending went, by count only: nobody's opens or clicks are known."""
        by_status = dict(
            self.record.emails.values_list("status").annotate(count=Count("pk")).order_by()
        )
        unsubscribed_since = 0
        if self.record.send_at and self.is_sent:
            unsubscribed_since = Suppression.objects.filter(
                reason=Suppression.Reason.UNSUBSCRIBED, created_at__gte=self.record.send_at
            ).count()
        return {
            "send_time": self.record.send_at,
            "recipients": self.record.recipient_count,
            "queued": by_status.get(OutgoingEmail.Status.QUEUED, 0),
            "emails_sent": by_status.get(OutgoingEmail.Status.SENT, 0),
            "failed": by_status.get(OutgoingEmail.Status.FAILED, 0),
            "bounces": by_status.get(OutgoingEmail.Status.FAILED, 0),
            "suppressed": by_status.get(OutgoingEmail.Status.SUPPRESSED, 0),
            "unsubscribed_since": unsubscribed_since,
        }


class OutboxCampaignBackend(CampaignBackend):
    """wagtail-newsletter's campaign backend for the site's own outbox and mail worker."""

    name = "the site's outbox"

    def get_audiences(self):
        return [
            # Names may be lazy translations; the chooser needs them as text.
            Audience(
                id=audience.id, name=str(audience.name), member_count=len(readers_of(audience.id))
            )
            for audience in registered_audiences().values()
        ]

    def get_audience_segments(self, audience_id):
        return [
            AudienceSegment(
                id=segment_id(audience_id, kind, value), name=str(name), member_count=count
            )
            for kind, value, name, count in segments_of(readers_of(audience_id))
        ]

    def save_campaign(self, *, campaign_id=None, recipients, subject, html, from_name, reply_to):
        # Each reader's email is rendered in their language when it is sent, not from `html`.
        if not campaign_id:
            raise CampaignBackendError(_("Save the page before sending it."))
        page = newsletter_page(campaign_id)
        campaign, _created = NewsletterCampaign.objects.get_or_create(campaign_id=campaign_id)
        if campaign.status != NewsletterCampaign.Status.DRAFT:
            raise CampaignBackendError(_("This newsletter has already been sent or scheduled."))
        campaign.page = page
        campaign.subject = subject[:255]
        campaign.audience = recipients.audience if recipients else ""
        campaign.segment = (recipients.segment or "") if recipients else ""
        campaign.save()
        return campaign_id

    def get_campaign(self, campaign_id):
        record = NewsletterCampaign.objects.filter(campaign_id=campaign_id).first()
        return OutboxCampaign(record or NewsletterCampaign(campaign_id=campaign_id))

    def send_test_email(self, *, campaign_id, email):
        """One test email in each language the newsletter is published in."""
        for edition in editions_of(newsletter_page(campaign_id)).values():
            send_email(
                email,
                _("[Test] %(subject)s") % {"subject": edition.subject},
                edition.text,
                language=edition.language,
                html_body=edition.html_for(email),
            )

    def send_campaign(self, campaign_id):
        self.queue(campaign_id, timezone.now(), NewsletterCampaign.Status.SENT)

    def schedule_campaign(self, campaign_id, schedule_time):
        # Queued now, each email waiting until the time: the worker sends nothing before it,
        # and an unsubscribe in between still stops that reader's email.
        self.queue(campaign_id, schedule_time, NewsletterCampaign.Status.SCHEDULED)

    @transaction.atomic
    def unschedule_campaign(self, campaign_id):
        campaign = NewsletterCampaign.objects.filter(campaign_id=campaign_id).first()
        if campaign is None:
            raise CampaignBackendError(_("This newsletter is not scheduled."))
        unsent = campaign.emails.filter(
            status=OutgoingEmail.Status.QUEUED, attempts=0, claim_token__isnull=True
        )
        if unsent.count() != campaign.emails.count() or not NewsletterCampaign.objects.filter(
            pk=campaign.pk, status=NewsletterCampaign.Status.SCHEDULED
        ).update(status=NewsletterCampaign.Status.DRAFT, send_at=None, recipient_count=0):
            raise CampaignBackendError(_("This newsletter is already being sent."))
        unsent.delete()

    @transaction.atomic
    def queue(self, campaign_id, send_at, status):
        """Stores one email per reader with the campaign's new status, all or nothing. The
        conditional UPDATE lets one request through: a second click, or a second organiser,
        finds the campaign no longer a draft and queues nothing."""
        campaign = NewsletterCampaign.objects.filter(campaign_id=campaign_id).first()
        if campaign is None or not campaign.audience:
            raise CampaignBackendError(_("Choose the newsletter's recipients first."))
        taken = NewsletterCampaign.objects.filter(
            pk=campaign.pk, status=NewsletterCampaign.Status.DRAFT
        ).update(status=status, send_at=send_at)
        if not taken:
            raise CampaignBackendError(_("This newsletter has already been sent or scheduled."))
        page = newsletter_page(campaign_id)
        editions = editions_of(page)
        main = editions[page.locale.language_code]
        emails = []
        for reader in readers_of(campaign.audience, campaign.segment.partition("/")[2]):
            edition = editions.get(reader.language, main)
            emails.append(
                OutgoingEmail(
                    recipient=reader.email,
                    subject=edition.subject[:255],
                    body=edition.text,
                    html_body=edition.html_for(reader.email),
                    language=edition.language,
                    campaign=campaign,
                    next_attempt_at=send_at,
                )
            )
        stored = send_to_many(emails)
        NewsletterCampaign.objects.filter(pk=campaign.pk).update(recipient_count=len(stored))
        log(
            page,
            SEND_ACTION,
            data={
                "audience": campaign.audience,
                "segment": segment_as_logged(campaign.segment),
                "recipients": len(stored),
                "send_at": send_at.isoformat(),
            },
        )


class NewsletterAdminGuardMiddleware:
    """Only those who may read personal data reach wagtail-newsletter's admin views, whose
    audiences and counts are about people, or press its buttons on a page's edit form; its own
    views check nothing, Wagtail gives its choosers to anyone who can reach the admin, and an
    edit form posted by anyone else with an action it does not know is a server error in
    wagtail-newsletter 0.2.4 (its refusal message looks the action's name up and fails)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or request.user.has_perm(PERSONAL_DATA_PERMISSION):
            return None
        namespaces = set(request.resolver_match.namespaces)
        presses_a_button = (
            "wagtailadmin_pages" in namespaces
            and request.method == "POST"
            and NEWSLETTER_ACTION_FIELD in request.POST
        )
        if namespaces & NEWSLETTER_ADMIN_NAMESPACES or presses_a_button:
            raise PermissionDenied
        return None


def unschedule(request, page_id):
    """wagtail-newsletter's unschedule view (cms/urls.py serves it at its address), for
    newsletter pages only: on any other page it fails with a server error."""
    if not request.user.has_perm(PERSONAL_DATA_PERMISSION):
        raise PermissionDenied
    get_object_or_404(Page.objects.type(NewsletterPageMixin), pk=page_id)
    return newsletter_views.unschedule(request, page_id)
