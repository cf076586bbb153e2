"""What the site sends: the outbox of single emails, and newsletters as the outbox sends them."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NewsletterCampaign(models.Model):
    """One newsletter (a newsletter page in all its languages) as the outbox sends it: to whom,
    when, and how many. What each reader got is in their outgoing email, until it is sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not sent yet")
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")

    # wagtail-newsletter's campaign id: the newsletter page's translation key.
    campaign_id = models.CharField(max_length=64, unique=True)
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=255, blank=True)
    audience = models.CharField(max_length=100, blank=True)
    segment = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    send_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was sent, or is to be sent."
    )
    recipient_count = models.PositiveIntegerField(
        default=0, help_text="How many emails were queued when it was sent."
    )

    def __str__(self):
        return f"Newsletter campaign {self.pk} ({self.status})"


class OutgoingEmail(models.Model):
    """One email to one recipient, saved with the data it is about and sent by the mail worker
    (`manage.py mail_worker`), which claims it first so that it goes out once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent: refused by the mail server, or given up on")
        SUPPRESSED = "suppressed", _("Not sent: the address unsubscribed")

    recipient = models.EmailField()
    sender = models.EmailField(blank=True)
    subject = models.CharField(max_length=255)
    body = models.TextField(help_text="Emptied once the email is sent or given up on.")
    html_body = models.TextField(
        blank=True, help_text="An HTML part (newsletters); emptied like the body."
    )
    calendar = models.TextField(
        blank=True,
        help_text="An iCalendar file attached (a meeting's details); emptied like the body.",
    )
    campaign = models.ForeignKey(
        NewsletterCampaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
        help_text="The newsletter this email is one reader's copy of.",
    )
    language = models.CharField(max_length=15)
    # The same Message-ID on every attempt, so that a mail program shows a repeat (a worker
    # killed between the server's "accepted" and recording it) as the same message.
    message_id = models.UUIDField(default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        default=timezone.now, help_text="A failed email waits, longer after each failure."
    )
    claim_token = models.UUIDField(
        null=True, blank=True, help_text="Set by the one sender that has claimed the email."
    )
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="After this another sender may take the email over."
    )
    last_error = models.CharField(
        max_length=100, blank=True, help_text="The kind of failure only, never its details."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due")]

    def __str__(self):
        return f"Email {self.pk} ({self.status})"
