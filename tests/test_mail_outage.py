"""The mail server fails: sign-ups are still stored and the visitor thanked, the confirmation
email is kept, and it goes out when the server is back (the worker also retries by itself:
tests/test_mail_worker.py). A real SMTP server (aiosmtpd) on loopback, reached through
Django's SMTP backend."""

import io

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from forms_app.models import CampaignFormSubmission, OutgoingEmail, SignupFormPage, Subscriber

from .forms_helpers import SIGNUP_ANSWERS, submit
from .servers import Mailbox, SilentListener, free_port


@pytest.fixture
def signup_page(campaign_site, settings):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    settings.FORMS_RATE_LIMITS = []
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 1
    return SignupFormPage.objects.get(locale__language_code="en")


def sign_up(client, page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(client, page, SIGNUP_ANSWERS)


def test_sign_up_is_kept_and_mailed_later_when_the_mail_server_is_down(
    signup_page, client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_PORT = free_port()  # nothing listens there yet

    response = sign_up(client, signup_page, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert CampaignFormSubmission.objects.count() == 1
    assert Subscriber.objects.get().email == SIGNUP_ANSWERS["email"]
    email = OutgoingEmail.objects.get(recipient=SIGNUP_ANSWERS["email"])
    assert email.status == OutgoingEmail.Status.QUEUED and email.attempts == 1

    mailbox = Mailbox()
    mail_server = Controller(mailbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    mail_server.start()
    try:
        call_command("mail_worker", "--once", stdout=io.StringIO())
    finally:
        mail_server.stop()

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    ((recipients, content),) = mailbox.messages
    assert recipients == [SIGNUP_ANSWERS["email"]]
    assert "/confirm/" in content


def test_hung_mail_server_does_not_hold_up_the_sign_up(
    signup_page, client, settings, django_capture_on_commit_callbacks
):
    hung_mail_server = SilentListener()
    settings.EMAIL_PORT = hung_mail_server.port
    try:
        response = sign_up(client, signup_page, django_capture_on_commit_callbacks)
    finally:
        hung_mail_server.close()
    assert response.status_code == 200
    assert CampaignFormSubmission.objects.count() == 1
    email = OutgoingEmail.objects.get(recipient=SIGNUP_ANSWERS["email"])
    assert email.status == OutgoingEmail.Status.QUEUED
    assert email.last_error in {"TimeoutError", "SMTPServerDisconnected", "timeout"}


def test_working_mail_server_receives_the_confirmation_at_once(
    signup_page, client, settings, django_capture_on_commit_callbacks
):
    mailbox = Mailbox()
    settings.EMAIL_PORT = free_port()
    mail_server = Controller(mailbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    mail_server.start()
    try:
        sign_up(client, signup_page, django_capture_on_commit_callbacks)
    finally:
        mail_server.stop()
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
    assert [recipients for recipients, _ in mailbox.messages] == [[SIGNUP_ANSWERS["email"]]]
