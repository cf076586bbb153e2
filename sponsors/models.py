import re
from collections import Counter
from urllib.parse import urlsplit

from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.images import get_image_model
from wagtail.log_actions import log

from cms.localisation.models import SponsorDescription
from cms.pages import CampaignPage
from cms.personal_data import PERSONAL_DATA_PERMISSION

LOGO_RENDITION = "max-240x120"


def name_key(name):
    """A name reduced to what tells organisations apart: case, punctuation, spacing and
    a leading "The" do not make a different organisation."""
    words = re.sub(r"[\W_]+", " ", name.casefold()).split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)


def website_key(url):
    """A website reduced to its host and path, without scheme, "www." or trailing slash."""
    if not url:
        return ""
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = parts.hostname or ""
    host = host.removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}".casefold()


class SponsorQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Sponsor.Status.APPROVED)

    def pending(self):
        return self.filter(status=Sponsor.Status.PENDING)

    def listed_or_pending(self):
        return self.filter(status__in=[Sponsor.Status.APPROVED, Sponsor.Status.PENDING])

    def duplicates_of(self, name="", website="", email=""):
        """Sponsors that are the same organisation by name, website or contact address."""
        same = Q()
        if key := name_key(name):
            same |= Q(name_key=key)
        if key := website_key(website):
            same |= Q(website_key=key)
        if email:
            same |= Q(contact_email__iexact=email.strip())
        return self.filter(same) if same else self.none()


class Sponsor(models.Model):
    """An organisation co-sponsoring the campaign, listed publicly once an organiser approves."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Kind(models.TextChoices):
        TRADE_UNION = "trade_union", _("Trade union")
        UNION_BRANCH = "union_branch", _("Union branch")
        TRADES_COUNCIL = "trades_council", _("Trades council")
        STUDENT_UNION = "student_union", _("Student union")
        CAMPAIGN = "campaign", _("Campaign")
        POLITICAL_ORGANISATION = "political_organisation", _("Political organisation")
        COMMUNITY_GROUP = "community_group", _("Community group")
        OTHER = "other", _("Other")

    class Listing(models.TextChoices):
        BY_NAME = "by_name", _("By name")
        KIND_AND_COUNTRY = "kind_and_country", _("Only by kind and country")

    name = models.CharField(
        max_length=200, help_text="The organisation's name, as the organisation writes it."
    )
    kind = models.CharField(
        max_length=30,
        choices=Kind.choices,
        default=Kind.OTHER,
        help_text="What sort of organisation it is; the sponsor list counts sponsors by kind.",
    )
    listing = models.CharField(
        max_length=30,
        choices=Listing.choices,
        default=Listing.BY_NAME,
        help_text="How the organisation asked to be listed. Groups at risk can be listed only "
        "as their kind and country; then their name, website, logo and description are never "
        "shown.",
    )
    website = models.URLField(blank=True, help_text="The organisation's website (optional).")
    country = models.CharField(
        max_length=100, blank=True, help_text="Where the organisation is based (optional)."
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The organisation's logo, shown on the sponsor list (optional).",
    )
    description = models.TextField(
        max_length=500,
        blank=True,
        help_text="One or two sentences about the organisation, shown on the sponsor list.",
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
        help_text="Only approved sponsors are shown on the site. New requests start as pending; "
        "an organisation that withdraws its endorsement is marked withdrawn.",
    )
    approved_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When an organiser approved the sponsor."
    )
    withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the organisation withdrew its endorsement.",
    )

    # Private: for organisers only, never rendered on a public page or served by the API.
    contact_name = models.CharField(max_length=200, blank=True, help_text="Private.")
    contact_email = models.EmailField(blank=True, help_text="Private.")
    contact_role = models.CharField(
        max_length=200, blank=True, help_text="Private: the contact's role in the organisation."
    )
    email_verified_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the contact confirmed the endorsement from the contact address.",
    )
    submission = models.OneToOneField(
        "forms_app.CampaignFormSubmission",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="sponsor",
        help_text="The form submission this endorsement came from.",
    )

    # Normalised copies of the name and website, kept so duplicates are found by one query.
    name_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    website_key = models.CharField(max_length=200, editable=False, db_index=True, default="")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SponsorQuerySet.as_manager()

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("kind"),
                FieldPanel("listing"),
                FieldPanel("website"),
                FieldPanel("country"),
                FieldPanel("logo"),
                FieldPanel("description"),
            ],
            heading="Shown publicly once approved",
        ),
        FieldPanel("status"),
        # Each field carries the permission too: on the group it would only hide the panel,
        # and a save by someone without it would then blank the fields.
        MultiFieldPanel(
            [
                FieldPanel(field, permission=PERSONAL_DATA_PERMISSION)
                for field in ("contact_name", "contact_email", "contact_role")
            ],
            heading="Private contact details (never published)",
            permission=PERSONAL_DATA_PERMISSION,
        ),
    ]
    # What a sponsor listed only by kind and country may show: nothing that names it.
    api_fields = [
        APIField("kind"),
        APIField("country"),
        APIField("public_name"),
        APIField("public_website"),
        APIField("approved_at"),
    ]

    class Meta:
        ordering = ["approved_at", "pk"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.is_approved and self.approved_at is None:
            self.approved_at = timezone.now()
        elif not self.is_approved:
            self.approved_at = None
        self.name_key = name_key(self.name)[:200]
        self.website_key = website_key(self.website)[:200]
        super().save(*args, **kwargs)

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED

    @property
    def is_listed_by_name(self):
        return self.listing == self.Listing.BY_NAME

    @property
    def has_contact_details(self):
        return bool(self.contact_name or self.contact_email or self.contact_role)

    @property
    def public_name(self):
        return self.name if self.is_listed_by_name else ""

    @property
    def public_website(self):
        return self.website if self.is_listed_by_name else ""

    @property
    def public_description(self):
        """In the language of the page listing the sponsor where a translation is published
        (`SponsorIndexPage.get_sponsors` fetches it), else as the sponsor wrote it."""
        if not self.is_listed_by_name:
            return ""
        translated = getattr(self, "descriptions_in_page_language", [])
        return translated[0].text if translated else self.description

    @property
    def public_logo(self):
        return self.logo if self.is_listed_by_name else None

    def review(self, status, user):
        """An organiser approves or rejects the sponsor; the audit log records who and when."""
        if status not in (self.Status.APPROVED, self.Status.REJECTED):
            raise ValueError(f"an organiser cannot set a sponsor to {status}")
        self.status = status
        self.save()
        action = "sponsors.approve" if status == self.Status.APPROVED else "sponsors.reject"
        log(self, action, user=user)

    def withdraw(self):
        """The organisation takes back its endorsement; it leaves the public list at once."""
        self.status = self.Status.WITHDRAWN
        self.withdrawn_at = timezone.now()
        self.save()
        log(self, "sponsors.withdraw")


def counts_by_kind(sponsors):
    """(kind label, count) pairs, largest first, for the kinds that have any sponsor."""
    labels = dict(Sponsor.Kind.choices)
    counts = Counter(sponsor.kind for sponsor in sponsors)
    largest_first = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(labels.get(kind, kind), count) for kind, count in largest_first]


class SponsorIndexPage(CampaignPage):
    """The public list of approved sponsoring organisations."""

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1
    section_name = "sponsor_index"

    intro = models.TextField(
        blank=True,
        help_text="A sentence or two above the list, for example asking other organisations "
        "to join (optional).",
    )

    content_panels = CampaignPage.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    def get_sponsors(self):
        return Sponsor.objects.approved().prefetch_related(
            Prefetch(
                "logo", queryset=get_image_model().objects.prefetch_renditions(LOGO_RENDITION)
            ),
            # The description in this page's language, where a translation is published.
            Prefetch(
                "descriptions",
                queryset=SponsorDescription.objects.filter(locale_id=self.locale_id, live=True),
                to_attr="descriptions_in_page_language",
            ),
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sponsors"] = sponsors = list(self.get_sponsors())
        context["counts_by_kind"] = counts_by_kind(sponsors)
        context["logo_rendition"] = LOGO_RENDITION
        return context
