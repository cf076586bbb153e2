"""An organisation's endorsement after its form submission is stored: the signed links that
confirm it (turning the submission into a pending sponsor) and that withdraw it later."""

import enum
import re

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from cms.site_url.address import absolute_url
from forms_app.mail import send_email

from .models import Sponsor

CONFIRMATION_SALT = "sponsors.endorsement.confirm"
# Withdrawal links never expire: an organisation may need to leave the list years later.
WITHDRAWAL_SALT = "sponsors.endorsement.withdraw"

http_url = URLValidator(schemes=["http", "https"])


class Outcome(enum.Enum):
    CREATED = "created"
    ALREADY_CONFIRMED = "already_confirmed"
    DUPLICATE = "duplicate"


def confirmation_path(submission):
    token = signing.dumps(submission.pk, salt=CONFIRMATION_SALT)
    with translation.override(submission.language):
        return reverse("sponsors:confirm", args=[token])


def withdrawal_path(sponsor, language):
    token = signing.dumps(sponsor.pk, salt=WITHDRAWAL_SALT)
    with translation.override(language):
        return reverse("sponsors:withdraw", args=[token])


def submission_pk_from(token):
    """The submission a confirmation token was made for; raises signing.SignatureExpired or
    signing.BadSignature. Links last as long as sign-up confirmation links."""
    return signing.loads(token, salt=CONFIRMATION_SALT, max_age=settings.FORMS_CONFIRMATION_MAX_AGE)


def sponsor_pk_from(token):
    return signing.loads(token, salt=WITHDRAWAL_SALT)


def _comparable(text):
    return re.sub(r"\W+", " ", str(text).casefold()).strip()


def choice_from_answer(choices, answer):
    """The choice whose value or label (in English or the visitor's language) was answered:
    organisers word the form's options, so the answer is a label, not a stored value."""
    answer = _comparable(answer)
    for value, label in choices:
        with translation.override("en"):
            english_label = str(label)
        if answer in {_comparable(value), _comparable(label), _comparable(english_label)}:
            return value
    return None


def _is_yes(answer):
    return answer is True or _comparable(answer) in {"true", "on", "yes", "1"}


def sponsor_details(form_data):
    """Sponsor fields from a sponsor form's answers, keyed by the form's stable field keys."""

    def text(key, field):
        value = form_data.get(key) or ""
        if isinstance(value, list):
            value = ", ".join(value)
        return str(value).strip()[: Sponsor._meta.get_field(field).max_length]

    website = text("website", "website")
    try:
        http_url(website)
    except ValidationError:
        website = ""  # anything but a plain web address would become a link on a public page
    listing = choice_from_answer(Sponsor.Listing.choices, form_data.get("listing", ""))
    # Unless the organisation clearly asked to be named and agreed to publication, it is
    # listed without its name: a wrong guess must never expose a group at risk.
    if listing != Sponsor.Listing.BY_NAME or not _is_yes(form_data.get("consent_to_publish")):
        listing = Sponsor.Listing.KIND_AND_COUNTRY
    return {
        "name": text("organisation_name", "name"),
        "website": website,
        "country": text("country", "country"),
        "kind": choice_from_answer(Sponsor.Kind.choices, form_data.get("organisation_kind", ""))
        or Sponsor.Kind.OTHER,
        "listing": listing,
        "contact_name": text("contact_name", "contact_name"),
        "contact_email": text("contact_email", "contact_email"),
        "contact_role": text("role", "contact_role"),
    }


def confirm_endorsement(submission):
    """Turns a submission whose contact has followed the confirmation link into a pending
    sponsor, unless that was done already or the organisation is already listed or pending.
    Returns the sponsor concerned and the outcome."""
    existing = Sponsor.objects.filter(submission=submission).first()
    if existing:
        return existing, Outcome.ALREADY_CONFIRMED
    details = sponsor_details(submission.form_data)
    duplicate = (
        Sponsor.objects.listed_or_pending()
        .duplicates_of(details["name"], details["website"], details["contact_email"])
        .first()
    )
    if duplicate:
        return duplicate, Outcome.DUPLICATE
    try:
        with transaction.atomic():
            sponsor = Sponsor.objects.create(
                **details,
                status=Sponsor.Status.PENDING,
                submission=submission,
                email_verified_at=timezone.now(),
            )
    except IntegrityError:
        # The same link followed twice at once: the other request made the sponsor.
        return Sponsor.objects.get(submission=submission), Outcome.ALREADY_CONFIRMED
    log(sponsor, "sponsors.confirm")
    send_withdrawal_link(sponsor, submission.language)
    return sponsor, Outcome.CREATED


def request_confirmation(submission):
    """Asks the contact address of a stored sponsor form submission to confirm it, so nobody
    can list an organisation by typing someone else's address; no more often than
    FORMS_MAIL_LIMITS allows, so nobody can flood that address either."""
    address = submission.form_data.get("contact_email")
    if not address:
        return
    with translation.override(submission.language):
        body = _(
            "Thank you for notifying us of your organisation’s support for Workers Against "
            "the CCP.\n\n"
            "To confirm that you sent it, open this link within %(days)s days:\n\n"
            "%(url)s\n\n"
            "An organiser then reviews the request before your organisation is listed. If you "
            "did not send it, ignore this email: nothing is listed without confirmation."
        ) % {
            "days": settings.FORMS_CONFIRMATION_MAX_AGE // 86400,
            "url": absolute_url(confirmation_path(submission)),
        }
        subject = _("Please confirm your organisation’s sponsorship")
        send_email(
            address,
            str(subject),
            body,
            language=submission.language,
            limit="sponsor-confirmation",
        )


def send_withdrawal_link(sponsor, language):
    """Tells the contact the endorsement is confirmed, with the link that withdraws it."""
    with translation.override(language):
        body = _(
            "Thank you: your organisation’s sponsorship of Workers Against the CCP is "
            "confirmed. An organiser will review it shortly; your organisation is listed once "
            "it is approved, in the way you asked.\n\n"
            "If your organisation ever wants to withdraw its sponsorship, open this link and it "
            "is taken off the list at once:\n\n%(url)s\n\n"
            "Keep this email: the link works for as long as your organisation is listed."
        ) % {"url": absolute_url(withdrawal_path(sponsor, language))}
        subject = _("Your organisation’s sponsorship is confirmed")
        send_email(sponsor.contact_email, str(subject), body, language=language)
