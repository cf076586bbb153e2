"""The people behind the forms: subscribers and their consents, the addresses never to be
written to again, and how often an address may be sent each kind of email."""

import datetime

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..addresses import HashedAddress
from .pages import CampaignFormSubmission


class Subscriber(models.Model):
    """A person who signed up for updates; only a confirmed address counts as subscribed."""

    email = models.EmailField(unique=True, help_text="Stored in lower case.")
    name = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=15, help_text="Emails go out in this language.")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Subscriber {self.pk}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    def confirmed_purposes(self):
        return set(
            self.consents.filter(confirmed_at__isnull=False).values_list("purpose", flat=True)
        )

    def has_unconfirmed_consents(self):
        return self.consents.filter(confirmed_at__isnull=True).exists()


class ConsentRecord(models.Model):
    """Who agreed to what, when, in which language and to which wording (for one purpose)."""

    class Purpose(models.TextChoices):
        UPDATES = "updates", _("Campaign updates by email")
        NEWSLETTER = "newsletter", _("The campaign's e-newsletter")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    wording = models.TextField(help_text="The words of the tick box, exactly as shown.")
    wording_version = models.CharField(
        max_length=12, help_text="A fingerprint of the wording, the same for the same words."
    )
    language = models.CharField(max_length=15)
    given_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the address confirmed by the emailed link."
    )
    submission = models.ForeignKey(
        CampaignFormSubmission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["given_at", "pk"]

    def __str__(self):
        return f"Consent {self.pk} ({self.purpose})"


class Suppression(models.Model):
    """An address that must never be mailed again, kept only as a keyed hash
    (forms_app.addresses): nothing in it names the address without EMAIL_HASH_KEY."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        ERASED = "erased", _("Erased on request")
        REFUSED = "refused", _("Refused by its mail server: the address does not exist")

    email_hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(
        max_length=8, help_text="Which EMAIL_HASH_KEY made the hash (forms_app.addresses.key_id)."
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Suppression {self.pk} ({self.reason})"

    @classmethod
    def record(cls, hashed, reason):
        cls.objects.get_or_create(
            email_hash=hashed.suppression_hash(),
            defaults={"key_id": hashed.key_id, "reason": reason},
        )

    @classmethod
    def matching(cls, hashed):
        return cls.objects.filter(email_hash=hashed.suppression_hash())

    @classmethod
    def is_suppressed(cls, address):
        """Whether the address, under any configured key, asked never to be mailed."""
        return bool(cls.suppressed_among([address]))

    @classmethod
    def suppressed_among(cls, addresses, chunk_size=500):
        """The addresses (as given) that asked never to be mailed: a few queries for a whole
        newsletter's readers, where asking about each would take one each."""
        suppressed = set()
        addresses = list(addresses)
        for start in range(0, len(addresses), chunk_size):
            hashes = {}
            for address in addresses[start : start + chunk_size]:
                for hashed in HashedAddress.every_form_of(address):
                    hashes[hashed.suppression_hash()] = address
            found = cls.objects.filter(email_hash__in=list(hashes)).values_list(
                "email_hash", flat=True
            )
            suppressed.update(hashes[email_hash] for email_hash in found)
        return suppressed


class MailAllowance(models.Model):
    """How often the site has lately emailed one recipient one kind of email, under a keyed
    hash of the address: what stops anyone using the forms to flood someone's inbox.

    Counted in the database by one conditional UPDATE, so that every web worker of every
    instance shares the count, and Redis being down changes nothing."""

    recipient_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=30)
    last_sent_at = models.DateTimeField()
    day_started_at = models.DateTimeField()
    sent_that_day = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient_hash", "kind"], name="one_allowance_per_recipient_and_kind"
            )
        ]

    def __str__(self):
        return f"Mail allowance {self.pk} ({self.kind})"

    @classmethod
    def take(cls, recipient_hash, kind, seconds_between, most_a_day):
        """Counts one email if the limits allow it; False (counting nothing) if they do not."""
        now = timezone.now()
        allowance, created = cls.objects.get_or_create(
            recipient_hash=recipient_hash,
            kind=kind,
            defaults={"last_sent_at": now, "day_started_at": now},
        )
        if created:
            return True
        new_day = Q(day_started_at__lte=now - datetime.timedelta(days=1))
        return (
            cls.objects.filter(
                Q(pk=allowance.pk),
                Q(last_sent_at__lte=now - datetime.timedelta(seconds=seconds_between)),
                new_day | Q(sent_that_day__lt=most_a_day),
            ).update(
                last_sent_at=now,
                day_started_at=Case(When(new_day, then=Value(now)), default=F("day_started_at")),
                sent_that_day=Case(When(new_day, then=Value(1)), default=F("sent_that_day") + 1),
            )
            == 1
        )
