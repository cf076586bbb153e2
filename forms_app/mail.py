"""The site's one way to send email: one stored message per recipient, sent once the data it
is about is committed, and retried when the mail server fails."""

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from .models import OutgoingEmail, Suppression, email_hash

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "forms_app.unsubscribe"


def send_email(recipient, subject, body, *, language=None, sender=None):
    """Stores an email to exactly one recipient and sends it after the current transaction
    commits. A failure is kept for `send_queued_email` to retry; it never reaches the caller.

    Every email carries an unsubscribe link that works without logging in."""
    validate_email(recipient)
    email = OutgoingEmail.objects.create(
        recipient=recipient.strip(),
        sender=sender or "",
        subject=subject[:255],
        body=body,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
    )
    if isinstance(deliver_email_task.get_backend(), ImmediateBackend):
        # It sends at once, so not before the data the email is about is committed.
        transaction.on_commit(lambda: deliver_email_task.enqueue(email.pk))
    else:
        # A queue in the database takes the email in the same transaction: one commit for
        # both, and the worker sees it once that data is committed, never before or without.
        deliver_email_task.enqueue(email.pk)
    return email


def unsubscribe_url(address):
    # The link names a one-way hash of the address, never the address, so it cannot leak
    # the address into server logs.
    token = signing.dumps(email_hash(address), salt=UNSUBSCRIBE_SALT)
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "forms_app:unsubscribe", args=[token]
    )


def deliver(email):
    """Sends one stored email; returns True when it went out."""
    if Suppression.is_suppressed(email.recipient):
        email.status = OutgoingEmail.Status.SUPPRESSED
        email.body = ""
        email.save(update_fields=["status", "body"])
        return False
    with translation.override(email.language):
        link = unsubscribe_url(email.recipient)
        footer = _("To stop all emails from the campaign, open this link: %(url)s") % {"url": link}
    message = EmailMessage(
        subject=email.subject,
        body=f"{email.body}\n\n-- \n{footer}\n",
        from_email=email.sender or settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attempts += 1
    try:
        message.send()
    except Exception as error:  # any failure of the mail server: keep the email for a retry
        email.status = OutgoingEmail.Status.FAILED
        email.last_error = type(error).__name__
        email.save(update_fields=["status", "attempts", "last_error"])
        # The exception's text can hold the address: only its kind is logged.
        logger.warning(
            "Email %s not sent (attempt %s): %s", email.pk, email.attempts, email.last_error
        )
        return False
    email.status = OutgoingEmail.Status.SENT
    email.sent_at = timezone.now()
    email.body = ""
    email.last_error = ""
    email.save(update_fields=["status", "attempts", "sent_at", "body", "last_error"])
    return True


@task(backend="email")
def deliver_email_task(email_id):
    email = OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.QUEUED).first()
    if email:
        deliver(email)


def send_queued():
    """Sends what is waiting or failed (up to FORMS_EMAIL_MAX_ATTEMPTS tries); returns the
    number sent and the number still failing."""
    sent = failed = 0
    retry = OutgoingEmail.objects.filter(
        status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.FAILED],
        attempts__lt=settings.FORMS_EMAIL_MAX_ATTEMPTS,
    )
    for email in retry:
        if deliver(email):
            sent += 1
        elif email.status == OutgoingEmail.Status.FAILED:
            failed += 1
    return sent, failed
