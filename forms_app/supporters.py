"""Supporters: double opt-in, consent records, unsubscribing and erasure."""

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .mail import send_email
from .models import (
    CampaignFormSubmission,
    ConsentRecord,
    OutgoingEmail,
    SignupFormPage,
    Subscriber,
    Suppression,
    email_hash,
)

CONFIRM_SALT = "forms_app.confirm"
CONSENT_KEYS = {
    "updates_consent": ConsentRecord.Purpose.UPDATES,
    "newsletter_consent": ConsentRecord.Purpose.NEWSLETTER,
}


def consent_wording(form_field):
    return " ".join(part for part in [form_field.label, form_field.help_text] if part)


def sign_up(page, submission, form):
    """Records the consents given on a sign-up and asks the address to confirm them.

    Signing up an address again updates the one subscriber and sends a fresh link."""
    data = form.cleaned_data
    address = data["email"].strip().lower()
    if Suppression.is_suppressed(address):
        return None
    language = page.language_code
    subscriber, _created = Subscriber.objects.get_or_create(
        email=address, defaults={"name": data.get("name", ""), "language": language}
    )
    fields = {form_field.clean_name: form_field for form_field in page.get_form_fields()}
    consents = []
    for key, purpose in CONSENT_KEYS.items():
        if data.get(key) and key in fields:
            wording = consent_wording(fields[key])
            consents.append(
                ConsentRecord(
                    subscriber=subscriber,
                    purpose=purpose,
                    wording=wording,
                    wording_version=hashlib.sha256(wording.encode()).hexdigest()[:12],
                    language=language,
                    submission=submission,
                )
            )
    ConsentRecord.objects.bulk_create(consents)
    send_confirmation(subscriber, language)
    return subscriber


def confirmation_url(subscriber, language):
    token = signing.dumps(subscriber.pk, salt=CONFIRM_SALT)
    with translation.override(language):
        path = reverse("forms_app:confirm", args=[token])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def send_confirmation(subscriber, language):
    with translation.override(language):
        days = settings.FORMS_CONFIRMATION_MAX_AGE // 86400
        body = _(
            "Thank you for signing up to hear from Workers Against the CCP.\n\n"
            "To confirm that this is your address, open this link within %(days)s days:\n\n"
            "%(url)s\n\n"
            "If you did not sign up, ignore this email: without confirmation you will hear "
            "nothing more from us, and your details are deleted."
        ) % {"days": days, "url": confirmation_url(subscriber, language)}
        send_email(subscriber.email, _("Please confirm your sign-up"), body, language=language)


def subscriber_from_token(token):
    """The subscriber a confirmation link names, or None when it is forged or too old."""
    try:
        pk = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.FORMS_CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        return None
    return Subscriber.objects.filter(pk=pk).first()


def confirm(subscriber):
    now = timezone.now()
    with transaction.atomic():
        if subscriber.confirmed_at is None:
            subscriber.confirmed_at = now
            subscriber.save(update_fields=["confirmed_at"])
        subscriber.consents.filter(confirmed_at__isnull=True).update(confirmed_at=now)


def confirmed_subscribers():
    """Confirmed subscribers, each with the purposes they confirmed consent to."""
    return (
        Subscriber.objects.filter(confirmed_at__isnull=False)
        .prefetch_related("consents")
        .order_by("confirmed_at", "pk")
    )


@dataclass
class ErasureReport:
    """What an unsubscribe or erasure removed, by kind."""

    counts: dict = field(default_factory=dict)

    def add(self, kind, number):
        if number:
            self.counts[kind] = self.counts.get(kind, 0) + number

    def __str__(self):
        if not self.counts:
            return "nothing stored"
        return ", ".join(f"{number} {kind}" for kind, number in sorted(self.counts.items()))


def _submissions_from(hashed_address, pages_of_type=None):
    submissions = CampaignFormSubmission.objects.all()
    if pages_of_type is not None:
        submissions = submissions.filter(
            page__content_type=ContentType.objects.get_for_model(pages_of_type)
        )
    return [
        submission.pk
        for submission in submissions.only("pk", "form_data").iterator()
        if any(
            isinstance(value, str) and "@" in value and email_hash(value) == hashed_address
            for value in submission.form_data.values()
        )
    ]


@transaction.atomic
def forget(hashed_address, *, reason, include_sponsors=False):
    """Removes what is stored about one address and keeps only its suppression record.

    An unsubscribe removes the subscriber, their sign-ups and unsent emails; an erasure also
    removes every other form submission and sponsor contact details that hold the address."""
    report = ErasureReport()
    pages_of_type = None if include_sponsors else SignupFormPage
    submission_ids = _submissions_from(hashed_address, pages_of_type)
    subscribers = Subscriber.objects.filter(email_hash=hashed_address)
    report.add("subscribers", subscribers.count())
    subscribers.delete()
    report.add(
        "form submissions",
        CampaignFormSubmission.objects.filter(pk__in=submission_ids).delete()[0],
    )
    emails = [
        email.pk
        for email in OutgoingEmail.objects.only("pk", "recipient")
        if email_hash(email.recipient) == hashed_address
    ]
    report.add("emails", OutgoingEmail.objects.filter(pk__in=emails).delete()[0])
    if include_sponsors:
        report.add("sponsor contacts", _forget_sponsor_contacts(hashed_address))
    Suppression.objects.get_or_create(email_hash=hashed_address, defaults={"reason": reason})
    return report


def _forget_sponsor_contacts(hashed_address):
    from sponsors.models import Sponsor

    matching = [
        sponsor
        for sponsor in Sponsor.objects.exclude(contact_email="")
        if email_hash(sponsor.contact_email) == hashed_address
    ]
    for sponsor in matching:
        if sponsor.is_approved:
            # The organisation stays listed; only the person behind it is forgotten.
            sponsor.contact_name = sponsor.contact_email = sponsor.contact_role = ""
            sponsor.save()
        else:
            sponsor.delete()
    return len(matching)


def unsubscribe(hashed_address):
    return forget(hashed_address, reason=Suppression.Reason.UNSUBSCRIBED)


def erase(address):
    return forget(email_hash(address), reason=Suppression.Reason.ERASED, include_sponsors=True)
