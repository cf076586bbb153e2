"""Nobody can use the site to flood an inbox: per recipient mailbox, a confirmation goes out at
most once an hour and a few times a day, whatever the form, language or visitor address; a
confirmed subscriber signing up again gets nothing; password resets are throttled. The
visitor sees the same page whatever happened. The last test bombs one address through the
real stack (PostgreSQL, the site and the mail worker in processes of their own, SMTP)."""

import datetime
import hashlib
import http.cookiejar
import re
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection
from django.db.models import F
from django.urls import reverse

from forms_app.addresses import mailbox
from forms_app.models import (
    MailAllowance,
    OutgoingEmail,
    SignupFormPage,
    SponsorFormPage,
    Subscriber,
)

from .forms_helpers import SIGNUP_ANSWERS, SPONSOR_ANSWERS, submit
from .servers import Mailbox, MailWorker, database_url, mail_server, site_server

VICTIM = "victim@example.net"


@pytest.fixture(autouse=True)
def many_submissions_per_address(settings, answering_at_test_speed):
    """The forms' rate limits (tested in test_rate_limit.py) out of the way: what is tested here
    is how many emails an address receives."""
    settings.FORMS_RATE_LIMITS = settings.FORMS_EMAIL_RATE_LIMITS = [(100, 60)]


@pytest.fixture
def send(client, signup_form, django_capture_on_commit_callbacks):
    """Fills in a form (the sign-up form unless told) and returns the thank-you page."""

    def send_form(page=None, **answers):
        page = page or signup_form
        defaults = SIGNUP_ANSWERS if page == signup_form else SPONSOR_ANSWERS
        with django_capture_on_commit_callbacks(execute=True):
            return submit(client, page, {**defaults, **answers})

    return send_form


def received_by(address):
    return [message for message in mail.outbox if mailbox(message.to[0]) == mailbox(address)]


def link_path(message, name):
    return re.search(rf"https?://[^/\s]+(/\S*/supporters/{name}/\S+/)", message.body).group(1)


def an_hour_passes():
    MailAllowance.objects.update(last_sent_at=F("last_sent_at") - datetime.timedelta(minutes=61))


def a_day_passes():
    earlier = datetime.timedelta(days=1, minutes=1)
    MailAllowance.objects.update(
        last_sent_at=F("last_sent_at") - earlier, day_started_at=F("day_started_at") - earlier
    )


def test_signing_up_again_within_the_hour_sends_no_second_link(send):
    send(email=VICTIM)
    send(email=VICTIM)
    assert len(received_by(VICTIM)) == 1
    assert Subscriber.objects.count() == 1


def test_a_pending_confirmation_is_sent_again_after_an_hour(send):
    send(email=VICTIM)
    an_hour_passes()
    send(email=VICTIM)
    assert len(received_by(VICTIM)) == 2


def test_no_more_than_three_links_a_day_and_more_the_next_day(send):
    for _ in range(5):
        send(email=VICTIM)
        an_hour_passes()
    assert len(received_by(VICTIM)) == 3
    a_day_passes()
    send(email=VICTIM)
    assert len(received_by(VICTIM)) == 4


def test_forms_of_one_address_share_its_count(send):
    for typed in [
        "alex@gmail.com",
        "ALEX@gmail.com",
        "a.lex+news@googlemail.com",
        " Alex+x@Gmail.com",
    ]:
        send(email=typed.strip())
    assert len(received_by("alex@gmail.com")) == 1


def test_re_signing_a_confirmed_subscriber_sends_nothing(send, client):
    send(email=VICTIM)
    (message,) = received_by(VICTIM)
    client.post(link_path(message, "confirm"))
    a_day_passes()
    send(email=VICTIM)
    assert len(received_by(VICTIM)) == 1


def test_a_confirmed_subscriber_asking_for_more_gets_one_link_for_it(send, client):
    send(email=VICTIM)
    client.post(link_path(received_by(VICTIM)[-1], "confirm"))
    an_hour_passes()
    send(email=VICTIM, newsletter_consent="on")
    (_, second) = received_by(VICTIM)
    client.post(link_path(second, "confirm"))
    assert Subscriber.objects.get().confirmed_purposes() == {"updates", "newsletter"}


def test_sponsor_confirmations_to_one_contact_are_limited_too(send, campaign_site):
    sponsor_form = SponsorFormPage.objects.get(locale__language_code="en")
    for name in ["Haringey Trades Council", "Camden Unison", "Leeds Trades Council"]:
        send(sponsor_form, contact_email=VICTIM, organisation_name=name)
    assert len(received_by(VICTIM)) == 1


def test_no_address_gets_more_than_five_a_day_whatever_the_form(send, campaign_site):
    sponsor_form = SponsorFormPage.objects.get(locale__language_code="en")
    for _ in range(4):
        send(email=VICTIM)
        send(sponsor_form, contact_email=VICTIM)
        an_hour_passes()
    assert len(received_by(VICTIM)) == 5


def without_nonces(html):
    return re.sub(r'nonce="[^"]*"', "", html)


def test_the_visitor_sees_the_same_page_whatever_happened(send, client):
    fresh = send(email="fresh@example.net")
    limited = send(email="fresh@example.net")
    message = received_by("fresh@example.net")[0]
    client.post(link_path(message, "unsubscribe"))
    suppressed = send(email="fresh@example.net")
    pages = {without_nonces(response.content.decode()) for response in (fresh, limited, suppressed)}
    assert len(pages) == 1
    assert "No email?" in pages.pop()


def test_counts_name_no_address(send):
    send(email=VICTIM)
    assert set(MailAllowance.objects.values_list("kind", flat=True)) == {
        "any",
        "signup-confirmation",
    }
    stored = str(list(MailAllowance.objects.values()))
    assert "victim" not in stored
    assert hashlib.sha256(VICTIM.encode()).hexdigest() not in stored


@pytest.fixture
def admin_with_email(django_user_model, db):
    return django_user_model.objects.create_user(
        "organiser", email="organiser@example.org", password="a long passphrase"
    )


def ask_for_password_reset(client, address, visitor="203.0.113.9"):
    return client.post(
        reverse("wagtailadmin_password_reset"), {"email": address}, REMOTE_ADDR=visitor
    )


def test_password_reset_is_emailed_once_in_a_while_per_account(client, admin_with_email):
    first = ask_for_password_reset(client, "organiser@example.org", visitor="203.0.113.1")
    second = ask_for_password_reset(client, "organiser@example.org", visitor="203.0.113.2")
    assert len(received_by("organiser@example.org")) == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_password_resets_from_one_visitor_address_are_throttled(
    client, admin_with_email, django_user_model
):
    django_user_model.objects.create_user(
        "volunteer", email="volunteer@example.org", password="another long passphrase"
    )
    ask_for_password_reset(client, "organiser@example.org")
    ask_for_password_reset(client, "volunteer@example.org")
    assert len(mail.outbox) == 1


# The whole stack: the site and the mail worker in processes of their own, PostgreSQL, SMTP.

SOURCES = 20


def fill_in(base, path, answers, source):
    """A visitor at `source` opens the form and sends it, as a browser does; returns the page
    it ends on."""
    cookies = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    forwarded = {"X-Forwarded-For": source}
    page = cookies.open(urllib.request.Request(base + path, headers=forwarded), timeout=30)
    hidden = dict(
        re.findall(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]*)"', page.read().decode())
    )
    body = urllib.parse.urlencode(
        {**answers, **hidden, "captcha": "test-mode", "g-recaptcha-response": "test-mode"},
        doseq=True,
    ).encode()
    thanks = cookies.open(
        urllib.request.Request(base + path, data=body, headers=forwarded), timeout=30
    )
    return thanks.read().decode()


@pytest.mark.django_db(transaction=True)
def test_bombing_one_address_from_many_visitor_addresses_through_the_real_stack(
    committed_campaign_site, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    signup_form = SignupFormPage.objects.get(locale__language_code="en")
    sponsor_form = SponsorFormPage.objects.get(locale__language_code="en")
    victims = [VICTIM, "Victim@Example.net", "victim+campaign@example.net", "VICTIM+x@example.net"]
    site_settings = {
        "EMAIL_QUEUE": "database",
        "PROXY_COUNT": 1,
        "FORMS_MIN_SECONDS_TO_SUBMIT": 0,
    }
    received = Mailbox()
    with (
        mail_server(received) as smtp_port,
        site_server(site_settings, DATABASE_URL=database_url(connection)) as base,
    ):
        worker = MailWorker(smtp_port, database_url(connection))
        try:

            def bomb(number):
                source = f"198.51.100.{number + 1}"
                victim = victims[number % len(victims)]
                return [
                    fill_in(base, signup_form.url, {**SIGNUP_ANSWERS, "email": victim}, source),
                    fill_in(
                        base,
                        sponsor_form.url,
                        {**SPONSOR_ANSWERS, "contact_email": victim},
                        source,
                    ),
                ]

            started = time.monotonic()
            with ThreadPoolExecutor(SOURCES) as pool:
                pages = [page for pages in pool.map(bomb, range(SOURCES)) for page in pages]
            elapsed = time.monotonic() - started
            deadline = time.monotonic() + 60
            while OutgoingEmail.objects.filter(status="queued").exists():
                assert time.monotonic() < deadline, "the worker did not send the queued emails"
                time.sleep(0.1)
        finally:
            assert worker.stop() == 0, "".join(worker.log)
    to_victim = [r for r in received.recipients() if mailbox(r) == mailbox(VICTIM)]
    assert all("Thank you" in page for page in pages)
    assert len(pages) == 2 * SOURCES
    assert len(to_victim) == 2  # one sign-up confirmation, one sponsor confirmation
    print(
        f"\n{SOURCES} visitor addresses x (sign-up + sponsor request) naming one victim in "
        f"{len(victims)} spellings, {elapsed:.1f} s: {len(pages)} thank-you pages, "
        f"{len(to_victim)} emails received by the victim"
    )
