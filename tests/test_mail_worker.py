"""The mail worker as production runs it: `manage.py mail_worker` in a process of its own,
PostgreSQL, and a real SMTP server on loopback (aiosmtpd). Killed in the middle of a batch,
its emails still go out once each; with the database gone, it waits and carries on.

Needs DATABASE_URL (PostgreSQL), as CI's second pass sets it: the worker shares the test
database, which on SQLite lives in the test process's memory."""

import asyncio
import collections
import contextlib
import threading
import time

import pytest
from django.db import connection

from forms_app.mail import BATCH_SIZE, send_email
from forms_app.models import OutgoingEmail

from .servers import Mailbox, MailWorker, TcpRelay, database_url, mail_server, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_NAME = "mail-worker-under-test"
LEASE_SECONDS = 3


@pytest.fixture(autouse=True)
def postgresql(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    settings.EMAIL_QUEUE = "database"


def queue(*recipients):
    for recipient in recipients:
        send_email(recipient, "Please confirm your sign-up", f"A link for {recipient}.")


@contextlib.contextmanager
def a_worker_killed_mid_batch(sent_before_kill):
    """A worker killed while sending the email after the first `sent_before_kill`, its claims
    still held; gives the mail server's port and mailbox."""
    mailbox = StallingMailbox(stall_at=sent_before_kill + 1)
    with mail_server(mailbox) as smtp_port:
        # A short lease, so that the dead worker's claim is taken over within seconds.
        first = MailWorker(
            smtp_port, database_url(connection), FORMS_EMAIL_LEASE_SECONDS=LEASE_SECONDS
        )
        assert mailbox.stalled.wait(60), "the worker never reached the mail server"
        first.kill()
        mailbox.resume.set()
        yield smtp_port, mailbox


def finish_with_a_second_worker(smtp_port):
    """A second worker, started after the first was killed, sends every email left."""
    second = MailWorker(
        smtp_port, database_url(connection), FORMS_EMAIL_LEASE_SECONDS=LEASE_SECONDS
    )
    try:
        wait_until(
            lambda: not OutgoingEmail.objects.exclude(status="sent").exists(),
            what="every email sent",
        )
    finally:
        assert second.stop() == 0, "".join(second.log)


class StallingMailbox(Mailbox):
    """Accepts messages until the `stall_at`-th recipient, then holds that conversation until
    the test says so: the moment to kill the worker, with the message half sent."""

    def __init__(self, stall_at):
        super().__init__()
        self.stall_at = stall_at
        self.recipients_seen = 0
        self.stalled = threading.Event()
        self.resume = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.recipients_seen += 1
        if self.recipients_seen == self.stall_at:
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.resume.wait, 30)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_worker_killed_mid_batch_leaves_every_email_sent_exactly_once():
    emails, sent_before_kill = 30, 12
    recipients = [f"reader{n}@example.net" for n in range(emails)]
    queue(*recipients)
    with a_worker_killed_mid_batch(sent_before_kill) as (smtp_port, mailbox):
        # Killed mid-batch: some sent, the email in hand and the rest of its batch still
        # claimed by the dead worker, the emails beyond its batch not claimed at all.
        statuses = collections.Counter(OutgoingEmail.objects.values_list("status", flat=True))
        assert statuses == {"sent": sent_before_kill, "queued": emails - sent_before_kill}
        in_hand = OutgoingEmail.objects.filter(status="queued").order_by("pk").first()
        assert in_hand.claim_token is not None
        assert OutgoingEmail.objects.filter(claim_token__isnull=False).count() == (
            BATCH_SIZE - sent_before_kill
        )

        finish_with_a_second_worker(smtp_port)
    received = collections.Counter(mailbox.recipients())
    assert received == dict.fromkeys(recipients, 1)
    # The dead worker's claim was taken over only once its lease had run out.
    in_hand_now = OutgoingEmail.objects.get(pk=in_hand.pk)
    assert in_hand_now.sent_at >= in_hand.claimed_until
    print(
        f"\n{emails} emails, worker killed (SIGKILL) after {sent_before_kill} with the next one "
        f"half sent; {len(mailbox.messages)} messages received, "
        f"{sum(count > 1 for count in received.values())} recipients mailed twice"
    )


class DatabaseCuttingMailbox(Mailbox):
    """Takes the database away while it accepts the first message: the worker has an email
    the server accepted and no database to record it in."""

    def __init__(self, relay):
        super().__init__()
        self.relay = relay
        self.outage_started = None

    async def handle_DATA(self, server, session, envelope):
        if self.outage_started is None:
            self.relay.cut()  # connections dropped, new ones refused
            self.outage_started = time.monotonic()
        return await super().handle_DATA(server, session, envelope)


def test_the_worker_outlasts_a_database_outage_and_delivers_afterwards():
    database = connection.settings_dict
    relay = TcpRelay(database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
    mailbox = DatabaseCuttingMailbox(relay)
    try:
        with mail_server(mailbox) as smtp_port:
            worker = MailWorker(
                smtp_port, database_url(connection, relay.port, application_name=WORKER_NAME)
            )
            try:
                queue("before@example.net")
                wait_until(lambda: mailbox.outage_started, what="the outage")
                queue("during1@example.net", "during2@example.net")
                time.sleep(8)
                assert worker.is_running, "".join(worker.log)
                assert len(mailbox.messages) == 1
                relay.restore()
                outage_seconds = time.monotonic() - mailbox.outage_started
                back = time.monotonic()
                wait_until(lambda: len(mailbox.messages) == 3, what="the queued emails")
                delivered_after = time.monotonic() - back

                # The database ends the worker's session, as a restart or an operator would.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = %s",
                        [WORKER_NAME],
                    )
                    assert cursor.fetchone()[0] >= 1
                queue("after@example.net")
                wait_until(lambda: len(mailbox.messages) == 4, what="the email after")
                assert worker.is_running
            finally:
                assert worker.stop() == 0, "".join(worker.log)
    finally:
        relay.cut()
    # The email accepted as the database went was recorded once it came back, not sent again.
    assert sorted(mailbox.recipients()) == [
        "after@example.net",
        "before@example.net",
        "during1@example.net",
        "during2@example.net",
    ]
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
    log = "".join(worker.log)
    assert "cannot record email" in log and "Traceback" not in log
    assert "example.net" not in log
    print(
        f"\nDatabase gone for {outage_seconds:.1f} s, from the moment the mail server accepted "
        f"an email: worker alive throughout, that email recorded (not resent) and the 2 queued "
        f"meanwhile delivered {delivered_after:.1f} s after the database came back; after "
        f"pg_terminate_backend the next email was delivered too"
    )
