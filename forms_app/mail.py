"""The site's one way to send email: an outbox in the database.

`send_email` stores one email to one recipient in the transaction of the data it is about, so
both are committed or neither. A sender then claims it (a token and a lease, set by one
conditional UPDATE, so no two senders ever hold it), sends it and records the outcome. The
sender is the mail worker (`manage.py mail_worker`, production), or with EMAIL_QUEUE=request
(development, tests) the request itself once its data is committed. A failure the mail server
may get over is retried with growing waits; a 5xx refusal is final, and one that says the
address does not exist suppresses the address."""

import datetime
import logging
import re
import smtplib
import threading
import time
import uuid
from email.utils import parseaddr

from django import db
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms.site_url.address import absolute_url

from .addresses import HashedAddress
from .models import MailAllowance, OutgoingEmail, Suppression

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "forms_app.unsubscribe"
# Every limited kind of email also counts towards this one, per recipient.
ANY_KIND = "any"
BATCH_SIZE = 20
IDLE_SECONDS = 1
# Growing waits: for one email after each failure, and for the worker while the database or
# the mail server is unreachable.
RETRY_FIRST_SECONDS = 60
RETRY_LONGEST_SECONDS = 60 * 60
OUTAGE_LONGEST_SECONDS = 10
# An enhanced status code (RFC 3463) 5.1.x: the address itself is bad, not the message or us.
ADDRESS_DOES_NOT_EXIST = re.compile(rb"^5\.1\.\d+")


def send_email(
    recipient,
    subject,
    body,
    *,
    language=None,
    sender=None,
    limit=None,
    html_body="",
    calendar="",
):
    """Stores an email to exactly one recipient, to go out once the current transaction
    commits; returns it, or None when it will not be sent: the address is suppressed, or
    `limit` names a kind of email (FORMS_MAIL_LIMITS) of which the address had its share.

    Whoever asked for it is never told which: a form answers the same either way."""
    validate_email(recipient)
    recipient = recipient.strip()
    if Suppression.is_suppressed(recipient):
        return None
    if limit and not allowance_taken(recipient, limit):
        return None
    email = OutgoingEmail.objects.create(
        recipient=recipient,
        sender=sender or "",
        subject=subject[:255],
        body=body,
        html_body=html_body,
        calendar=calendar,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
    )
    if settings.EMAIL_QUEUE == "request":
        # Robust: a failure here is kept for the worker and never reaches the visitor.
        transaction.on_commit(lambda: Outbox(in_request=True).send_now(email.pk), robust=True)
    return email


def send_to_many(emails):
    """Stores many emails (unsaved OutgoingEmails, one recipient each) in the current
    transaction, leaving out suppressed addresses; returns those stored. A newsletter's: all
    its emails are stored, or none, and the worker's claims send each once."""
    suppressed = Suppression.suppressed_among(email.recipient for email in emails)
    emails = [email for email in emails if email.recipient not in suppressed]
    OutgoingEmail.objects.bulk_create(emails, batch_size=1000)
    if settings.EMAIL_QUEUE == "request" and emails:
        transaction.on_commit(lambda: Outbox(in_request=True).send_due(), robust=True)
    return emails


class _Refused(Exception):
    pass


def allowance_taken(address, kind):
    """Counts one email of this kind to this address, if FORMS_MAIL_LIMITS allows it both for
    the kind and for all kinds together; otherwise counts nothing and returns False."""
    recipient = HashedAddress.of(address).mail_count_hash()
    try:
        with transaction.atomic():
            for name in (kind, ANY_KIND):
                if not MailAllowance.take(recipient, name, *settings.FORMS_MAIL_LIMITS[name]):
                    raise _Refused
    except _Refused:
        return False
    return True


def unsubscribe_token(address):
    hashed = HashedAddress.of(address)
    return signing.dumps([hashed.key_id, hashed.link_value], salt=UNSUBSCRIBE_SALT)


def address_from_unsubscribe_token(token):
    """What an unsubscribe link names, or None when the link is forged or its key is gone."""
    try:
        named = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if isinstance(named, str):
        # A link from an email sent before keyed hashes: the plain SHA-256 of the address.
        return HashedAddress.from_digest(named)
    hashed = HashedAddress(*named)
    return hashed if hashed.key else None


def unsubscribe_url(address):
    # The link names a keyed hash of the address, never the address, so it cannot leak the
    # address into server logs, and is not what the suppression record stores.
    return absolute_url(reverse("forms_app:unsubscribe", args=[unsubscribe_token(address)]))


def message_for(email):
    with translation.override(email.language):
        link = unsubscribe_url(email.recipient)
        footer = _("To stop all emails from the campaign, open this link: %(url)s") % {"url": link}
    sender = email.sender or settings.DEFAULT_FROM_EMAIL
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=f"{email.body}\n\n-- \n{footer}\n",
        from_email=sender,
        to=[email.recipient],
        headers={
            "Message-ID": f"<{email.message_id}@{domain}>",
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    if email.calendar:
        message.attach("meeting.ics", email.calendar, "text/calendar")
    return message


# The mail server's answers about one message; any other failure (refused connection, time-out,
# a refused login or sender) is about the server or our settings, and holds for every message.
MESSAGE_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


def is_permanent(error):
    """A 5xx answer about this message: sending it again would be refused again."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def address_does_not_exist(error):
    return isinstance(error, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 and ADDRESS_DOES_NOT_EXIST.match(message)
        for code, message in error.recipients.values()
    )


def server_unreachable(error):
    """The next message would fare no better. (Every smtplib error is an OSError.)"""
    return isinstance(error, OSError) and not isinstance(error, MESSAGE_REFUSALS)


def retry_delay(attempts):
    return datetime.timedelta(
        seconds=min(RETRY_FIRST_SECONDS * 2 ** (attempts - 1), RETRY_LONGEST_SECONDS)
    )


class Outbox:
    """One sender: claims due emails in batches and sends them, at most
    FORMS_EMAIL_SEND_RATE a second. `run` is the worker's loop, which no database or mail
    server failure ends: it waits and tries again."""

    def __init__(self, *, in_request=False):
        # A request does not wait for the database to come back: the worker takes over.
        self.in_request = in_request
        self.token = None
        self.stopping = threading.Event()
        self.next_send_at = 0.0
        self.outage_wait = 1

    @property
    def lease(self):
        return datetime.timedelta(seconds=settings.FORMS_EMAIL_LEASE_SECONDS)

    def due(self, now, *, waiting_too=False):
        due = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).filter(
            Q(claim_token__isnull=True) | Q(claimed_until__lt=now)
        )
        return due if waiting_too else due.filter(next_attempt_at__lte=now)

    def claim(self, *, pks=None, waiting_too=False):
        """Takes up to BATCH_SIZE due emails for this sender alone, under a new token, and
        counts an attempt for each (given back for those it returns unsent; a sender killed
        mid-batch leaves one attempt too many on the rest). Emails another sender holds are
        skipped, or taken over once their lease has run out."""
        self.token = uuid.uuid4()
        now = timezone.now()
        due = self.due(now, waiting_too=waiting_too)
        if pks is not None:
            due = due.filter(pk__in=pks)
        with transaction.atomic():
            # PostgreSQL: concurrent senders each lock a different batch (SQLite, which has
            # no row locks, runs one writer at a time). The UPDATE checks again that each is
            # still due, so an email is claimed by exactly one sender either way.
            candidates = list(
                due.select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:BATCH_SIZE]
            )
            due.filter(pk__in=candidates).update(
                claim_token=self.token,
                claimed_until=now + self.lease,
                attempts=F("attempts") + 1,
            )
        return list(OutgoingEmail.objects.filter(claim_token=self.token).order_by("pk"))

    def send_now(self, pk):
        """Sends one email at once if no other sender holds it (EMAIL_QUEUE=request)."""
        self.send_batch(self.claim(pks=[pk]))

    def run(self):
        """Sends until stopped (SIGTERM): waits when there is nothing to send, and waits longer
        each time while the database or the mail server cannot be reached."""
        while not self.stopping.is_set():
            try:
                db.close_old_connections()
                batch = self.claim()
                if not batch:
                    self.stopping.wait(IDLE_SECONDS)
                    continue
                server_unreachable = self.send_batch(batch)
            except db.Error as error:
                logger.warning("Mail worker: database unreachable (%s)", type(error).__name__)
                db.close_old_connections()
                self.wait_after_outage()
                continue
            if server_unreachable:
                self.wait_after_outage()
            else:
                self.outage_wait = 1

    def send_due(self):
        """Sends every email that is due, then stops (EMAIL_QUEUE=request: a newsletter sent
        from the admin in development and tests)."""
        while batch := self.claim():
            if self.send_batch(batch):
                return

    def send_all_queued(self):
        """Tries every queued email once, those waiting after a failure too; returns False if
        the mail server could not be reached. For an operator who has just fixed it."""
        pks = list(
            OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).values_list(
                "pk", flat=True
            )
        )
        for first in range(0, len(pks), BATCH_SIZE):
            batch = self.claim(pks=pks[first : first + BATCH_SIZE], waiting_too=True)
            if batch and self.send_batch(batch):
                return False
        return True

    def wait_after_outage(self):
        self.stopping.wait(self.outage_wait)
        self.outage_wait = min(self.outage_wait * 2, OUTAGE_LONGEST_SECONDS)

    def send_batch(self, batch):
        """Sends a claimed batch over one connection; returns True if the mail server could
        not be reached, leaving the rest of the batch for later."""
        connection = get_connection()
        try:
            # Once for the batch, which goes out within seconds: an unsubscribe after it
            # stops the next email, not this one.
            suppressed = Suppression.suppressed_among(email.recipient for email in batch)
            for email in batch:
                if self.stopping.is_set() or self.send_claimed(email, connection, suppressed):
                    return not self.stopping.is_set()
            return False
        finally:
            self.release_unsent()
            try:
                connection.close()
            except Exception:  # a connection already broken has nothing left to close
                pass

    def send_claimed(self, email, connection, suppressed):
        """Sends one claimed email, unless another sender has taken it over; returns True if
        the mail server could not be reached."""
        self.wait_for_send_rate()
        if not self.still_holds(email):
            return False
        if email.recipient in suppressed:
            self.record(
                email, status=OutgoingEmail.Status.SUPPRESSED, body="", html_body="", calendar=""
            )
            return False
        try:
            connection.open()
            connection.send_messages([message_for(email)])
        except Exception as error:  # anything the mail server did; the email is kept
            self.record_failure(email, error)
            if server_unreachable(error):
                connection.close()
                return True
            return False
        self.record(
            email,
            status=OutgoingEmail.Status.SENT,
            sent_at=timezone.now(),
            body="",
            html_body="",
            calendar="",
            last_error="",
        )
        return False

    def still_holds(self, email):
        """Whether this sender may send the email: its lease has at least half its length left
        (time for a slow send), or is renewed, which works only while no other sender has
        taken the email over. Renewing is for an email that waited long behind slow sends in
        its batch; the others cost no query here."""
        now = timezone.now()
        if email.claimed_until and now + self.lease / 2 < email.claimed_until:
            return True
        renewed_until = now + self.lease
        renewed = OutgoingEmail.objects.filter(
            pk=email.pk, claim_token=self.token, status=OutgoingEmail.Status.QUEUED
        ).update(claimed_until=renewed_until)
        email.claimed_until = renewed_until
        return renewed == 1

    def record_failure(self, email, error):
        # The error's text may name the address: only its kind and code are kept.
        code = getattr(error, "smtp_code", None)
        last_error = " ".join(str(part) for part in [type(error).__name__, code] if part)
        logger.warning("Email %s not sent (attempt %s): %s", email.pk, email.attempts, last_error)
        if is_permanent(error) or email.attempts >= settings.FORMS_EMAIL_MAX_ATTEMPTS:
            if address_does_not_exist(error):
                Suppression.record(HashedAddress.of(email.recipient), Suppression.Reason.REFUSED)
            self.record(
                email,
                status=OutgoingEmail.Status.FAILED,
                body="",
                html_body="",
                calendar="",
                last_error=last_error,
            )
        else:
            self.record(
                email,
                next_attempt_at=timezone.now() + retry_delay(email.attempts),
                last_error=last_error,
            )

    def record(self, email, **fields):
        """Stores what became of an email, however long the database takes to come back: an
        email the server accepted but that is not recorded as sent would go out again."""
        while True:
            try:
                OutgoingEmail.objects.filter(pk=email.pk).update(
                    claim_token=None, claimed_until=None, **fields
                )
                return
            except db.Error as error:
                if self.in_request:
                    raise
                logger.warning(
                    "Mail worker: cannot record email %s yet (%s)", email.pk, type(error).__name__
                )
                db.close_old_connections()
                if self.stopping.wait(self.outage_wait):
                    return
                self.outage_wait = min(self.outage_wait * 2, OUTAGE_LONGEST_SECONDS)

    def release_unsent(self):
        """Gives back the rest of a batch, and the attempts counted for it, so that it need not
        wait for the lease to run out."""
        try:
            OutgoingEmail.objects.filter(claim_token=self.token).update(
                claim_token=None, claimed_until=None, attempts=F("attempts") - 1
            )
        except db.Error:
            pass  # the lease runs out by itself

    def wait_for_send_rate(self):
        rate = settings.FORMS_EMAIL_SEND_RATE
        if rate <= 0:
            return
        now = time.monotonic()
        if self.next_send_at > now:
            self.stopping.wait(self.next_send_at - now)
        self.next_send_at = max(now, self.next_send_at) + 1 / rate
