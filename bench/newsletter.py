"""A newsletter to many supporters, sent as production sends it (`make bench-newsletter`).

For each size (BENCH_NEWSLETTER_SIZES, default 1000 and 10000 confirmed supporters who
consented to the newsletter): the time the campaign backend takes to queue the send; messages
per second from `manage.py mail_worker`, in its own process, to a real SMTP server (aiosmtpd)
on loopback; the worker's peak memory (VmHWM). In the largest run the worker is killed
(SIGKILL) twice during the send and started again; then every supporter must have received
exactly one message. Prints JSON; exits non-zero if anyone got none or two.

The worker sends without a rate limit (FORMS_EMAIL_SEND_RATE=0) so that what is measured is
what it can do; in production the setting holds it to the mail provider's limit. The lease is
short (BENCH_LEASE_SECONDS, 5) so that a killed worker's batch is taken over within the run.
Needs PostgreSQL: BENCH_DATABASE_URL, a database it may fill (it deletes its own supporters,
emails and campaigns first)."""

import collections
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import django

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campaign_bench"
)
os.environ["DATABASE_URL"] = DATABASE_URL
# As in production: queueing only stores the emails; the worker sends them.
os.environ["EMAIL_QUEUE"] = "database"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")
django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from wagtail.rich_text import RichText  # noqa: E402

from forms_app.models import (  # noqa: E402
    ConsentRecord,
    NewsletterCampaign,
    OutgoingEmail,
    Subscriber,
)
from forms_app.newsletters import OutboxCampaignBackend  # noqa: E402
from home.models import NewsletterPage, UpdateIndexPage  # noqa: E402

SIZES = [int(size) for size in os.environ.get("BENCH_NEWSLETTER_SIZES", "1000,10000").split(",")]
LEASE_SECONDS = int(os.environ.get("BENCH_LEASE_SECONDS", "5"))
KILLS = 2
DOMAIN = "bench-newsletter.example.net"
SEND_TIMEOUT_SECONDS = 1800


class CountingMailbox:
    """An aiosmtpd handler that counts what each recipient receives, and keeps nothing else."""

    def __init__(self):
        self.received = collections.Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def total(self):
        with self.lock:
            return sum(self.received.values())


class Recipients:
    """What wagtail-newsletter passes as a page's recipients: the whole supporters' audience."""

    audience = "supporters"
    segment = None


def reset():
    OutgoingEmail.objects.all().delete()
    NewsletterCampaign.objects.all().delete()
    Subscriber.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    for page in NewsletterPage.objects.filter(slug__startswith="bench-newsletter"):
        page.delete()


def add_supporters(count):
    confirmed = "2026-01-01T00:00Z"
    subscribers = Subscriber.objects.bulk_create(
        [
            Subscriber(email=f"reader{n}@{DOMAIN}", language="en", confirmed_at=confirmed)
            for n in range(count)
        ],
        batch_size=1000,
    )
    ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                subscriber=subscriber,
                purpose=ConsentRecord.Purpose.NEWSLETTER,
                wording="Sign up to the campaign e-newsletter",
                wording_version="bench",
                language="en",
                confirmed_at=confirmed,
            )
            for subscriber in subscribers
        ],
        batch_size=1000,
    )


def newsletter(size):
    page = NewsletterPage(
        title=f"Bench newsletter to {size}",
        slug=f"bench-newsletter-{size}",
        body=[("paragraph", RichText("<p>Join the picket on Saturday at noon.</p>" * 5))],
    )
    UpdateIndexPage.objects.get(locale__language_code="en").add_child(instance=page)
    page.save_revision()
    return page


class Worker:
    """`manage.py mail_worker` in its own process, as production runs it."""

    def __init__(self, smtp_port):
        environment = {
            **os.environ,
            "EMAIL_QUEUE": "database",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "FORMS_EMAIL_SEND_RATE": "0",
            # Production cannot start without it; without it, every link costs a query.
            "SITE_URL": "https://campaign.example.org",
            "FORMS_EMAIL_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "mail_worker"],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.peak_kib = 0

    def watch_memory(self):
        """Reads the kernel's peak resident size of the process so far."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_kib = max(self.peak_kib, int(line.split()[1]))

    def kill(self):
        self.watch_memory()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        self.watch_memory()
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def send_to(size, smtp_port, mailbox, kills):
    reset()
    add_supporters(size)
    page = newsletter(size)
    backend = OutboxCampaignBackend()

    started = time.monotonic()
    campaign_id = backend.save_campaign(
        campaign_id=page.newsletter_campaign,
        recipients=Recipients(),
        subject=page.title,
        html="",
        from_name="",
        reply_to="",
    )
    backend.send_campaign(campaign_id)
    queued_seconds = time.monotonic() - started
    queued = OutgoingEmail.objects.filter(campaign__campaign_id=campaign_id).count()

    mailbox.received.clear()
    kill_at = [size * (n + 1) // (kills + 1) for n in range(kills)]
    workers = [Worker(smtp_port)]
    started = time.monotonic()
    deadline = started + SEND_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        workers[-1].watch_memory()
        delivered = mailbox.total()
        if kill_at and delivered >= kill_at[0]:
            kill_at.pop(0)
            workers[-1].kill()
            workers.append(Worker(smtp_port))
        if (
            delivered >= size
            and not OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).exists()
        ):
            break
        time.sleep(0.05)
    sending_seconds = time.monotonic() - started
    workers[-1].stop()

    expected = {f"reader{n}@{DOMAIN}" for n in range(size)}
    counts = collections.Counter(
        {address: mailbox.received.get(address, 0) for address in expected}
    )
    return {
        "supporters": size,
        "queued": queued,
        "queue_seconds": round(queued_seconds, 2),
        "send_seconds": round(sending_seconds, 2),
        "messages_per_second": round(mailbox.total() / sending_seconds, 1),
        "worker_kills": len(workers) - 1,
        "worker_peak_rss_mib": round(max(worker.peak_kib for worker in workers) / 1024, 1),
        "received_once": sum(1 for count in counts.values() if count == 1),
        "received_none": sum(1 for count in counts.values() if count == 0),
        "received_twice_or_more": sum(1 for count in counts.values() if count > 1),
        "received_by_others": sum(
            count for address, count in mailbox.received.items() if address not in expected
        ),
    }


def main():
    # aiosmtpd logs every SMTP command at INFO: tens of thousands of lines.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    if connection.vendor != "postgresql":
        sys.exit("bench/newsletter.py needs PostgreSQL: set BENCH_DATABASE_URL")
    call_command("migrate", verbosity=0)
    if not UpdateIndexPage.objects.filter(locale__language_code="en").exists():
        call_command("load_campaign_content", verbosity=0)
    mailbox = CountingMailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    server = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        results = [
            send_to(size, smtp_port, mailbox, KILLS if size == max(SIZES) else 0) for size in SIZES
        ]
    finally:
        server.stop()
        reset()
    print(json.dumps(results, indent=2))
    if any(result["received_none"] or result["received_twice_or_more"] for result in results):
        sys.exit("Some supporters received no message, or more than one.")


if __name__ == "__main__":
    main()
