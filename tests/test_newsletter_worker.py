"""A newsletter as production sends it: queued by the campaign backend, sent by `manage.py
mail_worker` processes to a real SMTP server on loopback, the first worker killed mid-send.

Needs DATABASE_URL (PostgreSQL), as the mail worker's own tests do."""

import collections
import email

import pytest
from django.db import connection
from wagtail.rich_text import RichText

from forms_app.models import ConsentRecord, OutgoingEmail, Subscriber
from forms_app.newsletters import OutboxCampaignBackend
from home.models import NewsletterPage

from .test_mail_worker import (
    a_worker_killed_mid_batch,
    finish_with_a_second_worker,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    settings.EMAIL_QUEUE = "database"


class Recipients:
    audience = "supporters"
    segment = None


def test_a_newsletter_reaches_each_reader_once_though_its_worker_is_killed(tree):
    readers, sent_before_kill = 30, 7
    addresses = [f"reader{n}@example.net" for n in range(readers)]
    for address in addresses:
        subscriber = Subscriber.objects.create(
            email=address, language="en", confirmed_at="2026-01-01T00:00Z"
        )
        subscriber.consents.create(
            purpose=ConsentRecord.Purpose.NEWSLETTER,
            wording="The newsletter",
            wording_version="x",
            language="en",
            confirmed_at="2026-01-01T00:00Z",
        )
    page = NewsletterPage(
        title="Picket news", slug="picket-news", body=[("paragraph", RichText("<p>Hi.</p>"))]
    )
    tree["updates"].add_child(instance=page)
    backend = OutboxCampaignBackend()
    campaign_id = backend.save_campaign(
        campaign_id=page.newsletter_campaign,
        recipients=Recipients(),
        subject="Picket news",
        html="",
        from_name="",
        reply_to="",
    )
    backend.send_campaign(campaign_id)
    assert OutgoingEmail.objects.filter(campaign__isnull=False).count() == readers

    with a_worker_killed_mid_batch(sent_before_kill) as (smtp_port, mailbox):
        finish_with_a_second_worker(smtp_port)

    assert collections.Counter(mailbox.recipients()) == dict.fromkeys(addresses, 1)
    report = backend.get_campaign(campaign_id).get_report()
    assert (report["recipients"], report["emails_sent"], report["queued"]) == (readers, readers, 0)
    message = email.message_from_string(mailbox.messages[0][1])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    # Sent emails keep no copy of what they said.
    assert not OutgoingEmail.objects.exclude(body="", html_body="").exists()
