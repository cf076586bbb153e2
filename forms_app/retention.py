"""How long personal data is kept: FORMS_RETENTION_DAYS, and the confirmation window."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from wagtail import hooks

from .models import CampaignFormSubmission, MailAllowance, OutgoingEmail, Subscriber
from .supporters import ErasureReport

# Functions registered under this name take a cutoff time, delete the personal data their app
# stored before it, and return {kind: number deleted} for the report.
RETENTION_HOOK = "delete_expired_personal_data"


@transaction.atomic
def delete_expired(days=None):
    days = settings.FORMS_RETENTION_DAYS if days is None else days
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=days)
    report = ErasureReport()
    report.add(
        "form submissions",
        CampaignFormSubmission.objects.filter(submit_time__lt=cutoff).delete()[0],
    )
    report.add("emails", OutgoingEmail.objects.filter(created_at__lt=cutoff).delete()[0])
    # A sign-up never confirmed is deleted once its link can no longer be used.
    unconfirmed = Subscriber.objects.filter(
        confirmed_at__isnull=True,
        created_at__lt=now - datetime.timedelta(seconds=settings.FORMS_CONFIRMATION_MAX_AGE),
    )
    report.add("unconfirmed subscribers", unconfirmed.count())
    unconfirmed.delete()
    # The apps that keep personal data of their own (sponsors: requests never listed) delete
    # what is older than the cutoff, each reporting what it removed: see RETENTION_HOOK.
    for delete_elsewhere in hooks.get_hooks(RETENTION_HOOK):
        for kind, number in delete_elsewhere(cutoff).items():
            report.add(kind, number)
    # A mail count matters for a day at most (FORMS_MAIL_LIMITS).
    MailAllowance.objects.filter(last_sent_at__lt=now - datetime.timedelta(days=1)).delete()
    return report
