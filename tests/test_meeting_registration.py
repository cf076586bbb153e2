"""Registering for a meeting through its page: the address confirmed first, places and the
waiting list, approval, the private details by email with a calendar file, cancelling, changes
told once to each registrant, reminders, the organisers' screens, and retention."""

import csv
import datetime
import io
import re
import sys
import zoneinfo

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django.views.debug import ExceptionReporter

from cms.localisation.translators import TRANSLATORS
from forms_app.models import CampaignFormSubmission
from forms_app.retention import delete_expired
from home import registrations
from home.models import MeetingPage, MeetingPrivateDetails, Registration

from .api_helpers import API
from .factories import MeetingIndexPageFactory, SponsorFactory, meeting_taking_registrations
from .forms_helpers import submit

LONDON = zoneinfo.ZoneInfo("Europe/London")
ADDRESS = "Conway Hall, 25 Red Lion Square, Room 4"
JOINING_LINK = "https://meet.example.org/quiet-room"
Status = Registration.Status


@pytest.fixture(autouse=True)
def many_submissions_per_address(settings, answering_at_test_speed):
    settings.FORMS_RATE_LIMITS = [(100, 60)]
    settings.FORMS_MAIL_LIMITS = {
        **settings.FORMS_MAIL_LIMITS,
        "meeting-confirmation": (0, 100),
        "any": (0, 100),
    }


@pytest.fixture
def meeting(home):
    index = MeetingIndexPageFactory(parent=home)
    meeting = meeting_taking_registrations(
        index, title="Planning meeting", starts_at=datetime.datetime(2030, 3, 2, 18, tzinfo=LONDON)
    )
    MeetingPrivateDetails.objects.create(
        meeting_key=meeting.translation_key, address=ADDRESS, capacity=2
    )
    return meeting


@pytest.fixture
def register(client, django_capture_on_commit_callbacks):
    """Registers through the meeting page's form; returns the confirmation email."""

    def register_as(meeting, name, email):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = submit(client, meeting, {"name": name, "email": email})
        assert response.status_code == 200
        (message,) = mail.outbox
        return message

    return register_as


def link_in(message, action):
    return re.search(rf"https?://[^/\s]+(/\S*/meetings/registration/{action}/\S+/)", message.body)[
        1
    ]


@pytest.fixture
def confirm(client, django_capture_on_commit_callbacks):
    """Opens the link in a confirmation email and presses the button; returns the emails that
    follow."""

    def confirm_from(message):
        url = link_in(message, "confirm")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
        assert response.status_code == 200
        return list(mail.outbox)

    return confirm_from


def calendar_in(message):
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    assert (filename, mimetype) == ("meeting.ics", "text/calendar")
    return icalendar.Calendar.from_ical(content)


def registration_of(email):
    return Registration.objects.get(submission__form_data__email=email)


def test_registering_asks_the_address_to_confirm_and_tells_nothing_private(
    meeting, register, client
):
    message = register(meeting, "Ana", "ana@example.org")
    assert message.to == ["ana@example.org"]
    assert ADDRESS not in message.body
    assert registration_of("ana@example.org").status == Status.UNCONFIRMED
    # A link checker opening the link confirms nothing.
    response = client.get(link_in(message, "confirm"))
    assert b"<form" in response.content
    assert registration_of("ana@example.org").status == Status.UNCONFIRMED


def test_first_come_get_places_with_the_details_then_the_waiting_list(meeting, register, confirm):
    sent = {}
    for name in ("ana", "bo", "chen"):
        sent[name] = confirm(register(meeting, name.title(), f"{name}@example.org"))
    for name in ("ana", "bo"):
        (message,) = sent[name]
        assert ADDRESS in message.body
        (event,) = calendar_in(message).walk("VEVENT")
        assert str(event["location"]) == ADDRESS
        assert event["dtstart"].dt == datetime.datetime(2030, 3, 2, 18, tzinfo=LONDON)
        assert registration_of(f"{name}@example.org").status == Status.REGISTERED
    (waiting,) = sent["chen"]
    assert ADDRESS not in waiting.body and not waiting.attachments
    assert registration_of("chen@example.org").status == Status.WAITING_LIST


def test_registering_again_keeps_the_first_registration_and_its_place(
    meeting, register, confirm, client
):
    confirm(register(meeting, "Ana", "ana@example.org"))
    again = register(meeting, "Ana O.", "ANA@example.org")
    assert b"You have a place" in client.post(link_in(again, "confirm")).content
    assert list(Registration.objects.values_list("status", flat=True)) == [Status.REGISTERED]


def test_a_cancelled_place_goes_to_the_first_on_the_waiting_list(
    meeting, register, confirm, client, django_capture_on_commit_callbacks
):
    (ana_details,) = confirm(register(meeting, "Ana", "ana@example.org"))
    confirm(register(meeting, "Bo", "bo@example.org"))
    confirm(register(meeting, "Chen", "chen@example.org"))
    confirm(register(meeting, "Dee", "dee@example.org"))
    cancel_url = link_in(ana_details, "cancel")
    assert b"<form" in client.get(cancel_url).content
    assert registration_of("ana@example.org").status == Status.REGISTERED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_url)
    assert registration_of("ana@example.org").status == Status.CANCELLED
    (message,) = mail.outbox
    assert message.to == ["chen@example.org"] and ADDRESS in message.body
    assert registration_of("chen@example.org").status == Status.REGISTERED
    assert registration_of("dee@example.org").status == Status.WAITING_LIST


def test_more_places_go_to_the_waiting_list_in_order(
    meeting, register, confirm, client, account_in, django_capture_on_commit_callbacks
):
    for name in ("ana", "bo", "chen", "dee", "eve"):
        confirm(register(meeting, name.title(), f"{name}@example.org"))
    client.force_login(account_in("Organisers"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/meetings/{meeting.pk}/details/", {"address": ADDRESS, "capacity": 4}
        )
    assert response.status_code == 302
    assert [message.to[0] for message in mail.outbox] == ["chen@example.org", "dee@example.org"]
    assert all(ADDRESS in message.body for message in mail.outbox)
    assert registration_of("eve@example.org").status == Status.WAITING_LIST


def test_a_change_of_time_is_emailed_once_to_each_registrant(meeting, register, confirm, publish):
    for name in ("ana", "bo", "chen"):
        confirm(register(meeting, name.title(), f"{name}@example.org"))
    mail.outbox.clear()
    meeting.starts_at = datetime.datetime(2030, 3, 9, 18, tzinfo=LONDON)
    publish(meeting.save_revision().publish)
    # Publishing again without a change tells nobody anything new.
    publish(meeting.save_revision().publish)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ana@example.org",
        "bo@example.org",
        "chen@example.org",
    ]
    by_address = {message.to[0]: message for message in mail.outbox}
    (event,) = calendar_in(by_address["ana@example.org"]).walk("VEVENT")
    assert event["dtstart"].dt == datetime.datetime(2030, 3, 9, 18, tzinfo=LONDON)
    assert event["sequence"] == 1
    # The waiting list hears of the new time, not of the place.
    assert ADDRESS not in by_address["chen@example.org"].body
    assert "9 March 2030" in by_address["chen@example.org"].body


def test_cancelling_the_meeting_tells_everyone_registered(meeting, register, confirm, publish):
    confirm(register(meeting, "Ana", "ana@example.org"))
    mail.outbox.clear()
    meeting.cancelled = True
    publish(meeting.save_revision().publish)
    (message,) = mail.outbox
    assert message.subject.startswith("Cancelled")
    calendar = calendar_in(message)
    assert str(calendar["method"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"


def test_sponsors_only_meetings_take_only_confirmed_contacts_of_listed_sponsors(
    meeting, register, confirm, client
):
    meeting.who_may_register = MeetingPage.WhoMayRegister.SPONSORS
    meeting.save_revision().publish()
    assert b"register with the address your organisation gave us" in client.get(meeting.url).content
    SponsorFactory(contact_email="secretary@union.example.org", email_verified_at=timezone.now())
    SponsorFactory(contact_email="unverified@union.example.org", email_verified_at=None)
    assert len(confirm(register(meeting, "Sec", "Secretary@union.example.org"))) == 1
    assert registration_of("Secretary@union.example.org").status == Status.REGISTERED
    for address in ("unverified@union.example.org", "someone@example.org"):
        message = register(meeting, "Someone", address)
        # The form answers everyone alike; only the address's owner learns it is not a contact.
        assert confirm(message) == []
        assert registration_of(address).status == Status.NOT_ELIGIBLE
        assert (
            b"only the confirmed contacts"
            in client.get(link_in(message, "confirm")).content.lower()
        )


def test_organisers_approve_before_the_details_go_out(
    meeting, register, confirm, client, account_in, django_capture_on_commit_callbacks
):
    MeetingPrivateDetails.objects.filter(meeting_key=meeting.translation_key).update(
        approval_required=True
    )
    assert confirm(register(meeting, "Ana", "ana@example.org")) == []
    assert registration_of("ana@example.org").status == Status.AWAITING_APPROVAL
    client.force_login(account_in("Organisers"))
    registration = registration_of("ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/admin/meetings/{meeting.pk}/registrations/{registration.pk}/decide/",
            {"decision": "approve"},
        )
    (message,) = mail.outbox
    assert ADDRESS in message.body
    assert registration_of("ana@example.org").status == Status.REGISTERED


def test_reminders_go_once_the_day_before_to_those_with_a_place(
    meeting, register, confirm, publish
):
    confirm(register(meeting, "Ana", "ana@example.org"))
    confirm(register(meeting, "Bo", "bo@example.org"))
    confirm(register(meeting, "Chen", "chen@example.org"))
    mail.outbox.clear()
    two_days_before = meeting.starts_at - datetime.timedelta(days=2)
    assert publish(registrations.send_reminders, now=two_days_before) == 0
    evening_before = meeting.starts_at - datetime.timedelta(hours=20)
    assert publish(registrations.send_reminders, now=evening_before) == 2
    assert publish(registrations.send_reminders, now=evening_before) == 0
    # The cron job's command, today: the meeting is years away.
    output = io.StringIO()
    call_command("send_meeting_reminders", stdout=output)
    assert output.getvalue().strip() == "Reminders queued: 0"
    assert sorted(message.to[0] for message in mail.outbox) == ["ana@example.org", "bo@example.org"]
    assert all(ADDRESS in message.body for message in mail.outbox)


def test_a_closed_meeting_takes_no_registration(meeting, client):
    meeting.registration_open = False
    meeting.save_revision().publish()
    assert b'name="email"' not in client.get(meeting.url).content
    response = client.post(meeting.url, {"name": "Ana", "email": "ana@example.org"})
    assert response.status_code == 409
    assert b"Registration for this meeting is not open" in response.content
    assert not CampaignFormSubmission.objects.exists()


def test_the_form_api_registers_while_registration_is_open_and_refuses_after(meeting, client):
    description = client.get(f"{API}/forms/{meeting.pk}/").json()
    body = {
        "name": "Ana",
        "email": "ana@example.org",
        "form_token": description["form_token"],
        "captcha": "token",
    }
    meeting.registration_open = False
    meeting.save_revision().publish()
    response = client.post(description["submit_url"], body, content_type="application/json")
    assert response.status_code == 409
    assert not CampaignFormSubmission.objects.exists()
    meeting.registration_open = True
    meeting.save_revision().publish()
    response = client.post(description["submit_url"], body, content_type="application/json")
    assert response.status_code == 201
    assert registration_of("ana@example.org").status == Status.UNCONFIRMED


def test_only_organisers_read_the_registrations_and_the_private_details(
    meeting, register, confirm, client, account_in
):
    confirm(register(meeting, "Ana Quokka", "ana@example.org"))
    pages = [
        f"/admin/meetings/{meeting.pk}/registrations/",
        f"/admin/meetings/{meeting.pk}/registrations/?export=csv",
        f"/admin/meetings/{meeting.pk}/details/",
        f"/admin/meetings/{meeting.pk}/sign-in-sheet/",
        "/admin/",
    ]
    for role in ("Editors", TRANSLATORS):
        client.force_login(account_in(role))
        for url in pages:
            response = client.get(url)
            # Wagtail refuses a signed-in volunteer by sending them to the dashboard.
            assert response.status_code == (200 if url == "/admin/" else 302), url
            assert (
                b"Ana Quokka" not in response.content and ADDRESS.encode() not in response.content
            )
    client.force_login(account_in("Organisers", "organiser"))
    listing = client.get(pages[0]).content.decode()
    assert "Ana Quokka" in listing and "ana@example.org" in listing
    rows = list(csv.reader(io.StringIO(client.get(pages[1]).content.decode())))
    assert rows[1][:2] == ["Ana Quokka", "ana@example.org"]
    sheet = client.get(pages[3]).content.decode()
    assert "Ana Quokka" in sheet and "ana@example.org" not in sheet
    assert ADDRESS in client.get(pages[2]).content.decode()
    assert "Ana Quokka" not in client.get("/admin/").content.decode()
    assert "1 / 2" in client.get("/admin/").content.decode()


# Editors edit the meeting, so read its history; translators edit only its translations.
@pytest.mark.parametrize("role, history_status", [("Editors", 200), (TRANSLATORS, 302)])
def test_volunteers_do_not_read_who_read_the_registrations(
    meeting, client, account_in, role, history_status
):
    client.force_login(account_in("Organisers", "organiser"))
    client.get(f"/admin/meetings/{meeting.pk}/registrations/")
    client.get(f"/admin/meetings/{meeting.pk}/sign-in-sheet/")
    client.force_login(account_in(role))
    for url in ("/admin/reports/site-history/", f"/admin/pages/{meeting.pk}/history/"):
        response = client.get(url)
        assert response.status_code == (200 if "reports" in url else history_status), url
        assert "submissions" not in response.content.decode().lower(), url


def test_the_place_is_never_on_the_public_page_feed_or_api(meeting, register, confirm, client):
    confirm(register(meeting, "Ana", "ana@example.org"))
    index = meeting.get_parent()
    for url in (
        meeting.url,
        index.url,
        index.url + "calendar/",
        "/api/v2/pages/?type=home.MeetingPage&fields=*",
    ):
        content = client.get(url).content.decode()
        assert ADDRESS not in content and "ana@example.org" not in content


def test_registrations_are_deleted_the_set_number_of_days_after_the_meeting(
    meeting, register, confirm, settings
):
    confirm(register(meeting, "Ana", "ana@example.org"))
    settings.MEETINGS_RETENTION_DAYS = 30
    MeetingPage.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=29)
    )
    delete_expired()
    assert Registration.objects.count() == 1
    MeetingPage.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=31)
    )
    report = delete_expired()
    assert Registration.objects.count() == 0
    assert not MeetingPrivateDetails.objects.exists()
    assert report.counts["meeting registrations"] == 1


def test_registrations_that_came_to_nothing_go_when_the_link_no_longer_works(
    meeting, register, confirm
):
    register(meeting, "Ana", "ana@example.org")
    meeting.who_may_register = MeetingPage.WhoMayRegister.SPONSORS
    meeting.save_revision().publish()
    confirm(register(meeting, "Bo", "bo@example.org"))
    assert registration_of("bo@example.org").status == Status.NOT_ELIGIBLE
    delete_expired()
    assert Registration.objects.count() == 2
    CampaignFormSubmission.objects.update(submit_time=timezone.now() - datetime.timedelta(days=8))
    delete_expired()
    assert not Registration.objects.exists()


def test_an_error_while_emailing_a_registrant_reports_neither_address(
    meeting, register, monkeypatch
):
    """Neither the registrant's address nor the meeting's is in any frame of the report."""
    register(meeting, "Ana", "ana@example.org")

    def mail_server_refuses(*args, **kwargs):
        raise RuntimeError("the outbox failed")

    registration = registration_of("ana@example.org")
    monkeypatch.setattr(registrations, "send_email", mail_server_refuses)
    try:
        registrations.confirm(registration)
    except RuntimeError:
        frames = ExceptionReporter(None, *sys.exc_info()).get_traceback_frames()
    shown = {frame["function"]: repr(frame["vars"]) for frame in frames}
    assert {"confirm", "tell", "mail_server_refuses"} <= set(shown)
    assert not [name for name, text in shown.items() if "ana@example" in text or "Conway" in text]


def test_a_place_deleted_with_its_submission_goes_to_the_waiting_list(
    meeting, register, confirm, client, account_in, django_capture_on_commit_callbacks
):
    for name in ("ana", "bo", "chen"):
        confirm(register(meeting, name.title(), f"{name}@example.org"))
    submission = registration_of("ana@example.org").submission
    client.force_login(account_in("Organisers"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/forms/submissions/{meeting.pk}/delete/?selected-submissions={submission.pk}"
        )
    assert response.status_code == 302
    assert not Registration.objects.filter(submission=submission).exists()
    (message,) = mail.outbox
    assert message.to == ["chen@example.org"] and ADDRESS in message.body
    assert registration_of("chen@example.org").status == Status.REGISTERED


def test_deleting_a_past_meetings_registrations_tells_nobody(
    meeting, register, confirm, django_capture_on_commit_callbacks
):
    for name in ("ana", "bo", "chen"):
        confirm(register(meeting, name.title(), f"{name}@example.org"))
    MeetingPage.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=1)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration_of("ana@example.org").submission.delete()
    assert mail.outbox == []
    assert registration_of("chen@example.org").status == Status.WAITING_LIST
