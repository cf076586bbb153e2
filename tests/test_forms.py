import io
import re
import smtplib
from importlib import import_module

import pytest
from django.apps import apps
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client
from django.views.debug import ExceptionReporter
from wagtail.models import Page

from forms_app.models import (
    CampaignFormPage,
    CampaignFormSubmission,
    OutgoingEmail,
    SignupFormPage,
)

from .forms_helpers import SIGNUP_ANSWERS, SIGNUP_KEYS, SPONSOR_ANSWERS, SPONSOR_KEYS, submit

pytestmark = pytest.mark.usefixtures("answering_at_test_speed")


def test_initial_content_has_both_forms_with_stable_keys(sponsor_form, signup_form):
    assert sponsor_form.field_keys() == SPONSOR_KEYS
    assert signup_form.field_keys() == SIGNUP_KEYS


def test_home_page_links_to_both_forms(sponsor_form, signup_form, campaign_site, client):
    html = client.get(campaign_site.url).content.decode()
    assert f'href="{sponsor_form.url}"' in html
    assert f'href="{signup_form.url}"' in html


def test_platform_page_links_to_both_forms(sponsor_form, signup_form, client):
    from home.models import PlatformPage

    html = client.get(PlatformPage.objects.get(locale__language_code="en").url).content.decode()
    assert f'href="{sponsor_form.url}"' in html
    assert f'href="{signup_form.url}"' in html


def test_rewording_a_label_keeps_its_key(sponsor_form):
    field = sponsor_form.form_fields.get(clean_name="organisation_name")
    field.label = "Name of your union, branch or group"
    field.save()
    field.refresh_from_db()
    assert field.clean_name == "organisation_name"


def test_every_question_has_its_own_place_in_every_language(campaign_site):
    """Questions sharing one place come in whatever order the database returns them, which on
    PostgreSQL changes when one is edited."""
    for page in Page.objects.type(CampaignFormPage).specific():
        places = [field.sort_order for field in page.get_form_fields()]
        assert places == list(range(len(places))), page


def test_a_site_loaded_before_the_questions_had_places_gets_them_in_their_order(sponsor_form):
    keys = sponsor_form.field_keys()
    sponsor_form.form_fields.update(sort_order=None)
    migration = import_module("forms_app.migrations.0005_questions_in_order")
    migration.number_unordered_questions(apps, schema_editor=None)
    assert [field.sort_order for field in sponsor_form.get_form_fields()] == list(range(len(keys)))
    assert sponsor_form.field_keys() == keys


def test_consent_boxes_start_unticked(signup_form, client):
    html = client.get(signup_form.url).content.decode()
    for key in ("updates_consent", "newsletter_consent"):
        checkbox = html[html.index(f'name="{key}"') - 80 : html.index(f'name="{key}"') + 80]
        assert "checked" not in checkbox


def test_valid_post_stores_the_answers_under_their_keys(sponsor_form, client):
    response = submit(client, sponsor_form, SPONSOR_ANSWERS)
    assert response.redirect_chain == [(sponsor_form.url + "thanks/", 303)]
    assert "Thank you" in response.content.decode()
    submission = CampaignFormSubmission.objects.get()
    assert submission.form_data["organisation_name"] == "Haringey Trades Council"
    assert submission.form_data["consent_to_publish"] is True
    assert submission.language == "en"
    assert set(submission.form_data) == set(SPONSOR_KEYS)


def test_thank_you_page_takes_no_post(sponsor_form, client):
    response = client.post(sponsor_form.url + "thanks/", SPONSOR_ANSWERS)
    assert response.status_code == 405
    assert not CampaignFormSubmission.objects.exists()


def test_guard_fields_are_not_stored(sponsor_form, client):
    submit(client, sponsor_form, SPONSOR_ANSWERS)
    form_data = CampaignFormSubmission.objects.get().form_data
    assert not {"captcha", "form_token", "fax_number"} & set(form_data)


def test_invalid_post_shows_errors_and_keeps_input(sponsor_form, client):
    answers = {**SPONSOR_ANSWERS, "contact_email": "not an address"}
    response = submit(client, sponsor_form, answers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address" in html
    assert 'value="Haringey Trades Council"' in html
    assert not CampaignFormSubmission.objects.exists()


def test_over_long_message_is_rejected(sponsor_form, client, settings):
    answers = {**SPONSOR_ANSWERS, "message": "x" * (settings.FORMS_MAX_TEXT_LENGTH + 1)}
    response = submit(client, sponsor_form, answers)
    assert "Ensure this value has at most" in response.content.decode()
    assert not CampaignFormSubmission.objects.exists()


def test_markup_is_stored_as_text_and_escaped(sponsor_form, client):
    answers = {**SPONSOR_ANSWERS, "contact_email": "bad", "role": "<script>alert(1)</script>"}
    html = submit(client, sponsor_form, answers).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_form_page_is_never_cached(sponsor_form, client):
    response = client.get(sponsor_form.url)
    assert "no-store" in response["Cache-Control"]


def test_organisers_are_notified_without_personal_data(
    sponsor_form, client, django_capture_on_commit_callbacks
):
    sponsor_form.to_address = "organisers@example.org, second@example.org"
    sponsor_form.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, sponsor_form, SPONSOR_ANSWERS)
    # The contact also gets the endorsement's confirmation request (see test_endorsement_flow).
    notifications = [m for m in mail.outbox if m.to != [SPONSOR_ANSWERS["contact_email"]]]
    assert sorted(m.to[0] for m in notifications) == [
        "organisers@example.org",
        "second@example.org",
    ]
    for message in notifications:
        assert len(message.to) == 1 and not message.cc and not message.bcc
        assert "Sam Organiser" not in message.body
        assert "haringey" not in message.body.lower()


def test_email_failure_keeps_the_submission_and_is_retried(
    signup_form, client, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.test_forms.RefusingEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, signup_form, SIGNUP_ANSWERS)
    assert response.status_code == 200
    assert CampaignFormSubmission.objects.count() == 1
    email = OutgoingEmail.objects.get(recipient="alex@example.net")
    assert email.status == OutgoingEmail.Status.QUEUED and email.attempts == 1
    assert "alex" not in caplog.text and "Alex" not in caplog.text
    assert "SMTPRecipientsRefused" in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("mail_worker", "--once", stdout=io.StringIO())
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["alex@example.net"]]


def test_every_email_has_an_unsubscribe_link(
    signup_form, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, signup_form, SIGNUP_ANSWERS)
    (message,) = mail.outbox
    assert "/supporters/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "alex" not in message.extra_headers["List-Unsubscribe"]


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that turns every recipient away for now, the way smtplib reports it."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused(
            {message.to[0]: (451, b"4.3.0 try again later") for message in email_messages}
        )


def test_error_reports_leave_out_what_was_typed(signup_form, settings, monkeypatch, caplog):
    settings.ADMINS = [("Operations", "ops@example.org")]

    def crash(self, submission, form):
        raise RuntimeError("the opt-in step failed")

    monkeypatch.setattr(SignupFormPage, "after_submission", crash)
    client = Client(raise_request_exception=False)
    answers = {**SIGNUP_ANSWERS, "name": "Secret Canary Name", "email": "canary@example.org"}
    response = submit(client, signup_form, answers)
    assert response.status_code == 500
    (report,) = [m for m in mail.outbox if m.to == ["ops@example.org"]]
    assert "the opt-in step failed" in report.body
    assert "Secret Canary Name" not in report.body
    assert "canary@example.org" not in report.body
    # The HTML report (sent when the mail handler includes HTML) shows each frame's variables.
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    html = ExceptionReporter(record.request, *record.exc_info, is_email=True).get_traceback_html()
    assert "the opt-in step failed" in html
    assert "Secret Canary Name" not in html and "canary@example.org" not in html
    assert not CampaignFormSubmission.objects.exists()


def test_each_visitor_gets_a_fresh_form_with_the_page_cache_on(sponsor_form, client, settings):
    settings.PAGE_CACHE_SECONDS = 60
    first, second = client.get(sponsor_form.url), client.get(sponsor_form.url)
    assert "X-Page-Cache" not in second
    assert form_token_of(first) != form_token_of(second)


def form_token_of(response):
    return re.search(r'name="form_token" value="([^"]+)"', response.content.decode()).group(1)


def test_questions_are_kept_until_published_and_a_preview_shows_the_drafts(
    signup_form, client, publish
):
    client.get(signup_form.url)  # the live questions, now kept
    question = signup_form.form_fields.get(clean_name="name")
    question.label = "Name or nickname"
    signup_form.form_fields = [
        question if field.pk == question.pk else field for field in signup_form.form_fields.all()
    ]
    draft = signup_form.save_revision()

    preview = draft.as_object().make_preview_request()
    assert "Name or nickname" in preview.content.decode()
    assert "Name or nickname" not in client.get(signup_form.url).text
    publish(draft.publish)
    assert "Name or nickname" in client.get(signup_form.url).text
