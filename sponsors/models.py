from django.db import models
from django.db.models import Prefetch
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.images import get_image_model

from home.models import CampaignPage

LOGO_RENDITION = "max-240x120"


class SponsorQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Sponsor.Status.APPROVED)

    def pending(self):
        return self.filter(status=Sponsor.Status.PENDING)


class Sponsor(models.Model):
    """An organisation co-sponsoring the campaign, listed publicly once an organiser approves."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    name = models.CharField(
        max_length=200, help_text="The organisation's name, as the organisation writes it."
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
        help_text="Only approved sponsors are shown on the site. New requests start as pending.",
    )
    approved_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When an organiser approved the sponsor."
    )

    # Private: for organisers only, never rendered on a public page or served by the API.
    contact_name = models.CharField(max_length=200, blank=True, help_text="Private.")
    contact_email = models.EmailField(blank=True, help_text="Private.")
    contact_role = models.CharField(
        max_length=200, blank=True, help_text="Private: the contact's role in the organisation."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SponsorQuerySet.as_manager()

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("website"),
                FieldPanel("country"),
                FieldPanel("logo"),
                FieldPanel("description"),
            ],
            heading="Shown publicly once approved",
        ),
        FieldPanel("status"),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldPanel("contact_email"), FieldPanel("contact_role")],
            heading="Private contact details (never published)",
        ),
    ]
    api_fields = [
        APIField("name"),
        APIField("website"),
        APIField("country"),
        APIField("logo"),
        APIField("description"),
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
        super().save(*args, **kwargs)

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED


class SponsorIndexPage(CampaignPage):
    """The public list of approved sponsoring organisations."""

    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    intro = models.TextField(
        blank=True,
        help_text="A sentence or two above the list, for example asking other organisations "
        "to join (optional).",
    )

    content_panels = CampaignPage.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]

    def get_sponsors(self):
        return Sponsor.objects.approved().prefetch_related(
            Prefetch("logo", queryset=get_image_model().objects.prefetch_renditions(LOGO_RENDITION))
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sponsors"] = self.get_sponsors()
        context["logo_rendition"] = LOGO_RENDITION
        return context
