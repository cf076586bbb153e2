"""The outbox: production leaves emails in the database for the mail worker, which claims each
before sending it, retries what the mail server turned away, and gives up on a refusal.
In-process here, on SQLite or PostgreSQL; tests/test_mail_worker.py runs the real process."""

import datetime
import io
import smtplib
import time

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.utils import timezone

from forms_app.addresses import HashedAddress
from forms_app.mail import Outbox, send_email
from forms_app.models import OutgoingEmail, SignupFormPage, Suppression

from .forms_helpers import SIGNUP_ANSWERS, submit

pytestmark = pytest.mark.usefixtures("answering_at_test_speed")


@pytest.fixture
def queued_emails(settings):
    settings.EMAIL_QUEUE = "database"
    settings.FORMS_EMAIL_SEND_RATE = 0


def queue(*recipients):
    return [send_email(recipient, "Subject", "Body") for recipient in recipients]


class AnsweringBackend(BaseEmailBackend):
    """A mail server that gives ANSWERS[recipient] (an exception) for some recipients."""

    answers = {}

    def send_messages(self, email_messages):
        for message in email_messages:
            if message.to[0] in self.answers:
                raise self.answers[message.to[0]]
        mail.outbox.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def mail_server(settings):
    settings.EMAIL_BACKEND = "tests.test_mail_queue.AnsweringBackend"
    AnsweringBackend.answers = {}
    return AnsweringBackend.answers


# Committed for real, as the worker claims its emails in transactions of its own.
@pytest.mark.django_db(transaction=True)
def test_sign_up_queues_its_email_and_the_worker_sends_it(
    queued_emails, committed_campaign_site, client
):
    signup_form = SignupFormPage.objects.get(locale__language_code="en")
    response = submit(client, signup_form, SIGNUP_ANSWERS)

    assert "Thank you" in response.text
    assert mail.outbox == []
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.QUEUED

    call_command("mail_worker", "--once", stdout=io.StringIO())

    assert [message.to for message in mail.outbox] == [[SIGNUP_ANSWERS["email"]]]
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.body == ""


@pytest.mark.django_db(transaction=True)
def test_an_email_is_queued_with_its_data_or_not_at_all(queued_emails):
    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        queue("sam@example.net")
        assert OutgoingEmail.objects.count() == 1
        raise RolledBack

    assert not OutgoingEmail.objects.exists()


def test_an_email_held_by_one_sender_is_not_claimed_by_another(queued_emails, db):
    queue("a@example.net", "b@example.net")
    first, second = Outbox(), Outbox()

    assert len(first.claim()) == 2
    assert second.claim() == []


def test_a_claim_left_behind_is_taken_over_when_its_lease_runs_out(queued_emails, db):
    (email,) = queue("a@example.net")
    killed, survivor = Outbox(), Outbox()
    killed.claim()
    OutgoingEmail.objects.update(claimed_until=timezone.now() - datetime.timedelta(seconds=1))

    (taken_over,) = survivor.claim()
    survivor.send_batch([taken_over])

    assert [message.to for message in mail.outbox] == [["a@example.net"]]
    # Had the first sender been alive after all, it can no longer send the email.
    assert killed.send_claimed(email, None, suppressed=set()) is False
    assert len(mail.outbox) == 1


def test_each_attempt_carries_the_same_message_id(queued_emails, mail_server, db):
    (email,) = queue("a@example.net")
    mail_server["a@example.net"] = smtplib.SMTPRecipientsRefused({"a": (451, b"4.7.1 later")})
    call_command("mail_worker", "--once", stdout=io.StringIO())
    del mail_server["a@example.net"]
    call_command("mail_worker", "--once", stdout=io.StringIO())

    (message,) = mail.outbox
    assert message.extra_headers["Message-ID"] == f"<{email.message_id}@localhost>"


def test_a_temporary_refusal_is_retried_later_and_the_batch_goes_on(queued_emails, mail_server, db):
    queue("greylisted@example.net", "b@example.net")
    mail_server["greylisted@example.net"] = smtplib.SMTPRecipientsRefused(
        {"greylisted@example.net": (450, b"4.2.0 greylisted")}
    )

    outbox = Outbox()
    outbox.send_batch(outbox.claim())

    waiting = OutgoingEmail.objects.get(recipient="greylisted@example.net")
    assert waiting.status == OutgoingEmail.Status.QUEUED and waiting.attempts == 1
    assert waiting.next_attempt_at > timezone.now() + datetime.timedelta(seconds=30)
    assert waiting.last_error == "SMTPRecipientsRefused"
    assert [message.to for message in mail.outbox] == [["b@example.net"]]


def test_an_address_that_does_not_exist_is_never_mailed_again(queued_emails, mail_server, db):
    queue("gone@example.net")
    mail_server["gone@example.net"] = smtplib.SMTPRecipientsRefused(
        {"gone@example.net": (550, b"5.1.1 <gone@example.net>: user unknown")}
    )
    call_command("mail_worker", "--once", stdout=io.StringIO())

    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.FAILED and email.body == ""
    assert Suppression.objects.get().reason == Suppression.Reason.REFUSED
    assert send_email("Gone@Example.net", "Subject", "Body") is None


def test_a_refused_message_is_not_retried_but_the_address_stays(queued_emails, mail_server, db):
    queue("a@example.net")
    mail_server["a@example.net"] = smtplib.SMTPDataError(554, b"5.7.1 message refused")
    call_command("mail_worker", "--once", stdout=io.StringIO())

    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.FAILED
    assert not Suppression.objects.exists()


def test_an_unreachable_server_stops_the_batch_and_keeps_every_email(
    queued_emails, mail_server, db
):
    queue("a@example.net", "b@example.net", "c@example.net")
    mail_server["a@example.net"] = ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(Exception, match="could not be reached"):
        call_command("mail_worker", "--once", stdout=io.StringIO())

    assert mail.outbox == []
    assert list(OutgoingEmail.objects.values_list("status", "attempts", "claim_token")) == [
        (OutgoingEmail.Status.QUEUED, 1, None),
        (OutgoingEmail.Status.QUEUED, 0, None),
        (OutgoingEmail.Status.QUEUED, 0, None),
    ]


def test_an_email_is_given_up_on_after_the_last_attempt(queued_emails, mail_server, settings, db):
    settings.FORMS_EMAIL_MAX_ATTEMPTS = 2
    queue("a@example.net")
    mail_server["a@example.net"] = smtplib.SMTPRecipientsRefused({"a": (451, b"4.3.0 later")})
    for _ in range(2):
        call_command("mail_worker", "--once", stdout=io.StringIO())

    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.FAILED and email.attempts == 2


def test_an_address_unsubscribed_after_queueing_is_not_mailed(queued_emails, db):
    (email,) = queue("a@example.net")
    Suppression.record(HashedAddress.of("a@example.net"), Suppression.Reason.UNSUBSCRIBED)
    call_command("mail_worker", "--once", stdout=io.StringIO())

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SUPPRESSED
    assert mail.outbox == []


def test_the_worker_keeps_to_the_send_rate(queued_emails, settings, db):
    settings.FORMS_EMAIL_SEND_RATE = 20
    queue(*(f"reader{n}@example.net" for n in range(6)))

    started = time.monotonic()
    call_command("mail_worker", "--once", stdout=io.StringIO())

    # Six emails at 20 a second: five gaps of at least 50 ms.
    assert time.monotonic() - started >= 0.25
    assert len(mail.outbox) == 6


# Committed for real: the worker's loop closes a connection it can no longer trust, which
# inside a test's transaction would end the test's own.
@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_database_errors_and_carries_on(queued_emails, monkeypatch):
    queue("a@example.net")
    outbox = Outbox()
    claim = outbox.claim
    database_errors = [OperationalError("server closed the connection")] * 2
    claims = []

    def claim_once_the_database_is_back(**options):
        claims.append(options)
        if len(claims) > 5:
            outbox.stopping.set()  # the test has failed: end the loop rather than hang
        if database_errors:
            raise database_errors.pop()
        batch = claim(**options)
        if not batch:
            outbox.stopping.set()  # everything is sent: the test is over
        return batch

    monkeypatch.setattr(outbox, "claim", claim_once_the_database_is_back)
    outbox.run()

    assert [message.to for message in mail.outbox] == [["a@example.net"]]
    assert len(claims) == 4  # two refused, one batch, one empty
