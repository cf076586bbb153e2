"""Wagtail's password reset, throttled: otherwise anyone could make the site send an
organiser's address reset emails without end."""

from django.conf import settings
from wagtail.admin.forms.auth import PasswordResetForm

from forms_app.addresses import keyed_hash
from forms_app.guards import rate_limit
from forms_app.mail import allowance_taken
from forms_app.models import MailAllowance

CLIENT_KIND = "password-reset-client"


class ThrottledPasswordResetForm(PasswordResetForm):
    """Sends a reset link no more often than FORMS_MAIL_LIMITS allows, per visitor address and
    per account address. The page that follows says the same whatever happened, as it does for
    an address with no account."""

    def save(self, *args, request=None, **kwargs):
        client = keyed_hash(
            CLIENT_KIND, rate_limit.client_address(request), settings.EMAIL_HASH_KEY
        )
        if MailAllowance.take(client, CLIENT_KIND, *settings.FORMS_MAIL_LIMITS[CLIENT_KIND]):
            super().save(*args, request=request, **kwargs)

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs
    ):
        if allowance_taken(to_email, "password-reset"):
            super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email, **kwargs
            )
