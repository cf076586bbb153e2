"""The sign-in pause (django-axes): counted per user name at one address, so that nobody can
lock an organiser out from elsewhere, and per address across names, with a higher limit, so
that one address trying many names is still slowed down.

django-axes counts failures under each entry of AXES_LOCKOUT_PARAMETERS and pauses sign-in
when the largest count reaches AXES_FAILURE_LIMIT; it has one limit for all of them. With a
callable limit, each entry gets its own: the limit for a name at an address once that count
has reached it, otherwise the (higher) limit for the address.
"""

from axes.attempts import get_cool_off_threshold
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def failures_since(threshold, **attempt_filter):
    return (
        AccessAttempt.objects.filter(attempt_time__gte=threshold, **attempt_filter).aggregate(
            total=Sum("failures_since_start")
        )["total"]
        or 0
    )


def failure_limit(request, credentials):
    """AXES_FAILURE_LIMIT for this sign-in attempt."""
    failures_for_name_here = failures_since(
        get_cool_off_threshold(request),
        username=get_client_username(request, credentials),
        ip_address=request.axes_ip_address,
    )
    if failures_for_name_here >= settings.SIGN_IN_FAILURES_PER_NAME:
        return settings.SIGN_IN_FAILURES_PER_NAME
    return settings.SIGN_IN_FAILURES_PER_ADDRESS


def recent_failures(account):
    """The account's failed sign-ins, from every address, that still count."""
    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    return failures_since(threshold, username=account.get_username())


def cooloff_minutes():
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lift_pause(account):
    """Forgets the account's failed sign-ins, from every address; returns how many records
    went. The addresses they came from keep their other failures."""
    return reset(username=account.get_username())
