"""The forms app's models, by what they are about; everything is importable from here."""

from .outbox import NewsletterCampaign, OutgoingEmail
from .pages import (
    SPONSOR_FORM_SUBMITTED_HOOK,
    THANK_YOU_SEGMENT,
    CampaignFormField,
    CampaignFormPage,
    CampaignFormSubmission,
    ContactFormField,
    ContactFormPage,
    PrivacyNoticePage,
    SignupFormField,
    SignupFormPage,
    SponsorFormField,
    SponsorFormPage,
)
from .people import ConsentRecord, MailAllowance, Subscriber, Suppression

__all__ = [
    "SPONSOR_FORM_SUBMITTED_HOOK",
    "THANK_YOU_SEGMENT",
    "CampaignFormField",
    "CampaignFormSubmission",
    "CampaignFormPage",
    "SponsorFormPage",
    "SponsorFormField",
    "SignupFormPage",
    "SignupFormField",
    "ContactFormPage",
    "ContactFormField",
    "PrivacyNoticePage",
    "Subscriber",
    "ConsentRecord",
    "Suppression",
    "MailAllowance",
    "NewsletterCampaign",
    "OutgoingEmail",
]
