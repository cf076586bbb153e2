"""Enrolment links: how a person's second factor is set up without their password ever
being enough to see its secret."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.log_actions import log

from cms.site_url.address import absolute_url
from forms_app.mail import send_email
from forms_app.models import Suppression

from .models import EnrolmentLink


class CannotEmail(Exception):
    """The account has no address the campaign may write to."""


def enrolment_url(account, token):
    return absolute_url(reverse("accounts_open_enrolment_link", args=[account.pk, token]))


def send_enrolment_link(account, sent_by):
    """Emails the account a new single-use set-up link (any earlier unused one stops
    working), recorded in the audit log. Raises CannotEmail, sending nothing, when the
    account has no address or its owner asked the campaign never to write to it."""
    if not account.email or Suppression.is_suppressed(account.email):
        raise CannotEmail
    with transaction.atomic():
        token = EnrolmentLink.issue(account, sent_by)
        context = {
            "account": account,
            "username": account.get_username(),
            "url": enrolment_url(account, token),
            "site_name": settings.WAGTAIL_SITE_NAME,
            "max_age_days": settings.ENROLMENT_LINK_MAX_AGE.days,
            "is_new_account": not account.has_usable_password(),
        }
        send_email(
            account.email,
            _("Set up your sign-in to %(site_name)s") % context,
            render_to_string("accounts/enrolment_email.txt", context),
        )
        log(account, "accounts.send_enrolment_link", user=sent_by)


def reset_second_factor(account, reset_by):
    """Removes the account's authenticator app and recovery codes and sends a new set-up
    link: for a lost phone. A session that had passed the second step no longer counts as
    having passed it, since its device is gone."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=account).delete()
        StaticDevice.objects.filter(user=account).delete()
        log(account, "accounts.reset_second_factor", user=reset_by)
        send_enrolment_link(account, reset_by)


def claim(link):
    """Marks the link used; False if it was used (or expired) in the meantime, so that two
    requests racing with one link cannot both succeed."""
    return bool(EnrolmentLink.usable().filter(pk=link.pk).update(used_at=timezone.now()))
