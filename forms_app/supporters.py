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
from wagtail import hooks

from cms.site_url.address import absolute_url

from .addresses import HashedAddress
from .mail import send_email
from .models import (
    CampaignFormSubmission,
    ConsentRecord,
    MailAllowance,
    OutgoingEmail,
    SignupFormPage,
    Subscriber,
    Suppression,
)

CONFIRM_SALT = "forms_app.confirm"
# Functions registered under this name take a HashedAddress, remove or anonymise what their app
# stores under that address, and return {kind: number removed} for the erasure report.
ERASE_PERSONAL_DATA_HOOK = "erase_personal_data"
CONSENT_KEYS = {
    "updates_consent": ConsentRecord.Purpose.UPDATES,
    "newsletter_consent": ConsentRecord.Purpose.NEWSLETTER,
}


def consent_wording(form_field):
    return " ".join(part for part in [form_field.label, form_field.help_text] if part)


def sign_up(page, submission, form):
    """Records the consents given on a sign-up and asks the address to confirm them.

    Signing up an address again updates the one subscriber; a fresh link goes out only if
    something is left to confirm, and no more often than FORMS_MAIL_LIMITS allows. A
    suppressed address gets nothing: only the address itself can lift that (`welcome_back`)."""
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
    asked = {consent.purpose for consent in consents}
    if not (subscriber.is_confirmed and asked <= subscriber.confirmed_purposes()):
        send_confirmation(subscriber, language)
    return subscriber


def confirmation_url(subscriber, language):
    token = signing.dumps(subscriber.pk, salt=CONFIRM_SALT)
    with translation.override(language):
        path = reverse("forms_app:confirm", args=[token])
    return absolute_url(path)


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
        send_email(
            subscriber.email,
            _("Please confirm your sign-up"),
            body,
            language=language,
            limit="signup-confirmation",
        )


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


def _submissions_from(hashed, pages_of_type=None):
    submissions = CampaignFormSubmission.objects.all()
    if pages_of_type is not None:
        submissions = submissions.filter(
            page__content_type=ContentType.objects.get_for_model(pages_of_type)
        )
    return [
        submission.pk
        for submission in submissions.only("pk", "form_data").iterator()
        if any(
            isinstance(value, str) and "@" in value and hashed.matches(value)
            for value in submission.form_data.values()
        )
    ]


@transaction.atomic
def forget(hashed, *, reason, everything=False):
    """Removes what is stored about one address (a HashedAddress: its mailbox) and keeps only
    its suppression record.

    An unsubscribe removes the subscriber, their sign-ups and unsent emails, and the address
    from the emails already sent; an erasure (`everything`) also removes every other form
    submission that holds the address, and other apps remove what they keep under it (sponsor
    contact details)."""
    report = ErasureReport()
    pages_of_type = None if everything else SignupFormPage
    submission_ids = _submissions_from(hashed, pages_of_type)
    subscribers = [
        subscriber.pk
        for subscriber in Subscriber.objects.only("pk", "email").iterator()
        if hashed.matches(subscriber.email)
    ]
    report.add("subscribers", len(subscribers))
    Subscriber.objects.filter(pk__in=subscribers).delete()
    report.add(
        "form submissions",
        CampaignFormSubmission.objects.filter(pk__in=submission_ids).delete()[0],
    )
    emails = OutgoingEmail.objects.filter(
        pk__in=[
            email.pk
            for email in OutgoingEmail.objects.only("pk", "recipient").iterator()
            if hashed.matches(email.recipient)
        ]
    )
    unsent = emails.filter(status=OutgoingEmail.Status.QUEUED)
    report.add("emails", unsent.delete()[0])
    # Emails already sent or given up on keep their outcome, which a newsletter's report
    # counts, without the address (their text went when they were sent).
    report.add("addresses of sent emails", emails.update(recipient=""))
    if everything:
        # The apps that keep the address elsewhere (sponsors: the contact details) erase it
        # there, each reporting what it removed: see ERASE_PERSONAL_DATA_HOOK.
        for erase_elsewhere in hooks.get_hooks(ERASE_PERSONAL_DATA_HOOK):
            for kind, number in erase_elsewhere(hashed).items():
                report.add(kind, number)
    MailAllowance.objects.filter(recipient_hash=hashed.mail_count_hash()).delete()
    Suppression.record(hashed, reason)
    return report


def unsubscribe(hashed):
    return forget(hashed, reason=Suppression.Reason.UNSUBSCRIBED)


def erase(address):
    return forget(HashedAddress.of(address), reason=Suppression.Reason.ERASED, everything=True)


def welcome_back(hashed):
    """Lifts an address's suppression, at the request of someone holding a link from an email
    sent to it: proof enough of the mailbox, and the one way back that never needs the site to
    write to an address that asked not to be written to. They then sign up as anyone does,
    confirming by the emailed link. Returns whether the address was suppressed.

    It lifts the record made with the link's key; one made with another key (an erasure after
    EMAIL_HASH_KEY changed) needs `manage.py allow_email_again`."""
    return Suppression.matching(hashed).delete()[0] > 0
