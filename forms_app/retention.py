"""How long personal data is kept: FORMS_RETENTION_DAYS, and the confirmation window."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import CampaignFormSubmission, OutgoingEmail, Subscriber
from .supporters import ErasureReport


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
    report.add("sponsor requests", _delete_unlisted_sponsors(cutoff))
    return report


def _delete_unlisted_sponsors(cutoff):
    from sponsors.models import Sponsor

    stale = Sponsor.objects.exclude(status=Sponsor.Status.APPROVED).filter(created_at__lt=cutoff)
    count = stale.count()
    stale.delete()
    return count
