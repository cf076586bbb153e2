"""Supporters: double opt-in, consent records, unsubscribing, export, retention and erasure."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import GroupPagePermission, ModelLogEntry, PageLogEntry

from forms_app.addresses import HashedAddress
from forms_app.models import (
    CampaignFormSubmission,
    ConsentRecord,
    OutgoingEmail,
    SignupFormPage,
    SponsorFormPage,
    Subscriber,
    Suppression,
)
from sponsors.models import Sponsor

from .factories import SponsorFactory
from .forms_helpers import SIGNUP_ANSWERS, SPONSOR_ANSWERS, submit


@pytest.fixture(autouse=True)
def many_submissions_per_address(settings, answering_at_test_speed):
    settings.FORMS_RATE_LIMITS = [(100, 60)]


@pytest.fixture
def sign_up(signup_form, client, django_capture_on_commit_callbacks):
    """Signs up through the form and returns the email the supporter receives."""

    def sign_up_with(**answers):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            submit(client, signup_form, {**SIGNUP_ANSWERS, **answers})
        return mail.outbox[-1] if mail.outbox else None

    return sign_up_with


def link_in(message, name):
    return re.search(rf"https?://[^/\s]+(/\S*/supporters/{name}/\S+/)", message.body).group(1)


@pytest.fixture
def page_editors(campaign_site):
    """Can edit and publish every page, form pages included."""
    group = Group.objects.create(name="Page editors for tests")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for permission in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=campaign_site, permission=Permission.objects.get(codename=permission)
        )
    return group


@pytest.fixture
def editor(django_user_model, page_editors):
    """Edits every page but holds no right to personal data."""
    user = django_user_model.objects.create_user("editor", password="unused-password-1")
    user.groups.add(page_editors)
    return user


@pytest.fixture
def organiser(django_user_model, page_editors):
    """An editor who may also read personal data."""
    user = django_user_model.objects.create_user("organiser", password="unused-password-1")
    user.groups.add(page_editors)
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    return user


def test_sign_up_sends_one_confirmation_to_one_recipient(sign_up):
    message = sign_up()
    assert message.to == ["alex@example.net"] and not message.cc and not message.bcc
    assert "/supporters/confirm/" in message.body


def test_unconfirmed_address_is_not_subscribed(sign_up):
    sign_up()
    subscriber = Subscriber.objects.get()
    assert not subscriber.is_confirmed
    assert not Subscriber.objects.filter(confirmed_at__isnull=False).exists()


def test_confirmation_link_asks_before_confirming(sign_up, client):
    url = link_in(sign_up(), "confirm")
    response = client.get(url)
    assert "Confirm your sign-up" in response.content.decode()
    assert not Subscriber.objects.get().is_confirmed


def test_confirming_subscribes_and_confirms_each_consent(sign_up, client):
    url = link_in(sign_up(newsletter_consent="on"), "confirm")
    response = client.post(url)
    assert "You are signed up" in response.content.decode()
    subscriber = Subscriber.objects.get()
    assert subscriber.is_confirmed
    assert {c.purpose for c in subscriber.consents.filter(confirmed_at__isnull=False)} == {
        "updates",
        "newsletter",
    }


def test_consent_record_keeps_who_when_language_and_wording(sign_up, signup_form):
    sign_up()
    (record,) = ConsentRecord.objects.all()
    field = signup_form.form_fields.get(clean_name="updates_consent")
    assert record.subscriber.email == "alex@example.net"
    assert record.purpose == "updates"
    assert record.language == "en"
    assert record.wording == field.label
    assert len(record.wording_version) == 12
    assert record.given_at is not None


def test_rewording_a_consent_changes_its_version(sign_up, signup_form, publish):
    sign_up()
    field = signup_form.form_fields.get(clean_name="updates_consent")
    field.label = "Yes, send me campaign updates by email."
    publish(field.save)
    sign_up()
    first, second = ConsentRecord.objects.order_by("pk")
    assert first.wording_version != second.wording_version
    assert second.wording == "Yes, send me campaign updates by email."


def test_newsletter_consent_is_separate_and_optional(sign_up):
    sign_up()
    assert list(ConsentRecord.objects.values_list("purpose", flat=True)) == ["updates"]


def test_updates_consent_must_be_ticked(signup_form, client):
    answers = {key: value for key, value in SIGNUP_ANSWERS.items() if key != "updates_consent"}
    submit(client, signup_form, answers)
    assert not Subscriber.objects.exists()


def test_forged_or_old_confirmation_link_does_nothing(sign_up, client, settings):
    url = link_in(sign_up(), "confirm")
    assert client.post(url[:-3] + "xx/").status_code == 400
    settings.FORMS_CONFIRMATION_MAX_AGE = -1
    assert client.post(url).status_code == 400
    assert not Subscriber.objects.get().is_confirmed


def test_signing_up_twice_keeps_one_subscriber(sign_up, client):
    sign_up()
    sign_up(email="ALEX@Example.NET")
    assert Subscriber.objects.count() == 1


def test_unsubscribe_link_works_without_login_and_keeps_only_a_suppression(sign_up, client):
    message = sign_up()
    client.post(link_in(message, "confirm"))
    response = client.post(link_in(message, "unsubscribe"))
    assert "You are unsubscribed" in response.content.decode()
    assert not Subscriber.objects.exists()
    assert not ConsentRecord.objects.exists()
    assert not CampaignFormSubmission.objects.exists()
    (suppression,) = Suppression.objects.all()
    assert suppression.email_hash == HashedAddress.of("alex@example.net").suppression_hash()


def test_one_click_unsubscribe_from_a_mail_program(sign_up, client):
    message = sign_up()
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(link_in(message, "unsubscribe"), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Suppression.objects.count() == 1


def test_unsubscribe_link_only_asks_on_get(sign_up, client):
    client.get(link_in(sign_up(), "unsubscribe"))
    assert Subscriber.objects.count() == 1


def test_suppressed_address_is_never_mailed_again(sign_up, client):
    client.post(link_in(sign_up(), "unsubscribe"))
    assert sign_up() is None
    assert not Subscriber.objects.exists()


def test_confirmation_goes_out_in_the_language_of_the_form(
    signup_form, client, django_capture_on_commit_callbacks, settings
):
    from wagtail.models import Locale
    from wagtail_localize.operations import translate_object

    # The content loader made the form in every language; a translator starts translating it.
    chinese = Locale.objects.get(language_code="zh-hant")
    translate_object(signup_form, [chinese])
    form_zh = signup_form.get_translation(chinese)
    form_zh.save_revision().publish()
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, form_zh, SIGNUP_ANSWERS)
    assert "/zh-hant/supporters/confirm/" in mail.outbox[-1].body
    assert Subscriber.objects.get().language == "zh-hant"
    assert CampaignFormSubmission.objects.get().language == "zh-hant"
    # Organisers read one list for the form in every language.
    assert list(signup_form.get_submissions()) == list(form_zh.specific.get_submissions())
    assert form_zh.form_fields.get(clean_name="updates_consent").locale == chinese


def test_export_lists_confirmed_subscribers_only(sign_up, client, organiser):
    client.post(link_in(sign_up(), "confirm"))
    sign_up(email="unconfirmed@example.net", name='=HYPERLINK("x")')
    client.force_login(organiser)
    response = client.get("/admin/supporters/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["email"] for row in rows] == ["alex@example.net"]
    assert rows[0]["updates"] == "yes" and rows[0]["newsletter"] == "no"


def test_export_is_recorded_in_the_audit_log(sign_up, client, organiser, signup_form):
    client.force_login(organiser)
    client.get("/admin/supporters/export.csv")
    entry = PageLogEntry.objects.get(action="forms_app.export_subscribers")
    assert entry.user == organiser and entry.page_id == signup_form.pk


def test_export_cells_never_run_as_formulas(client, organiser, signup_form):
    Subscriber.objects.create(
        email="formula@example.net", name="=cmd|' /C calc'!A0", confirmed_at=timezone.now()
    )
    client.force_login(organiser)
    body = client.get("/admin/supporters/export.csv").content.decode()
    assert "'=cmd" in body


def test_editor_cannot_export_subscribers(client, editor):
    client.force_login(editor)
    assert client.get("/admin/supporters/export.csv").status_code in (302, 403)


def test_editor_of_a_form_page_cannot_read_its_submissions(sign_up, client, editor, signup_form):
    sign_up()
    client.force_login(editor)
    assert client.get(f"/admin/forms/submissions/{signup_form.pk}/").status_code in (302, 403)
    assert client.get(f"/admin/forms/submissions/{signup_form.pk}/?export=csv").status_code in (
        302,
        403,
    )
    listing = client.get("/admin/forms/")
    assert "Sign up for updates" not in listing.content.decode()
    assert "alex@example.net" not in client.get("/admin/").content.decode()


def test_organiser_reads_submissions_and_each_view_is_logged(
    sign_up, client, organiser, signup_form
):
    sign_up()
    client.force_login(organiser)
    html = client.get(f"/admin/forms/submissions/{signup_form.pk}/").content.decode()
    assert "alex@example.net" in html
    client.get(f"/admin/forms/submissions/{signup_form.pk}/?export=csv")
    actions = set(PageLogEntry.objects.filter(page=signup_form).values_list("action", flat=True))
    assert {"forms_app.view_submissions", "forms_app.export_submissions"} <= actions


def test_retention_deletes_old_submissions_and_stale_requests(sign_up, settings):
    sign_up()
    old = timezone.now() - datetime.timedelta(days=settings.FORMS_RETENTION_DAYS + 1)
    CampaignFormSubmission.objects.update(submit_time=old)
    OutgoingEmail.objects.update(created_at=old)
    Subscriber.objects.update(created_at=old)
    stale = SponsorFactory(status=Sponsor.Status.REJECTED)
    Sponsor.objects.filter(pk=stale.pk).update(created_at=old)
    listed = SponsorFactory()
    Sponsor.objects.filter(pk=listed.pk).update(created_at=old)
    out = io.StringIO()
    call_command("delete_old_personal_data", stdout=out)
    assert not CampaignFormSubmission.objects.exists()
    assert not OutgoingEmail.objects.exists()
    assert not Subscriber.objects.exists()
    assert not Sponsor.objects.filter(pk=stale.pk).exists()
    assert Sponsor.objects.filter(pk=listed.pk).exists()
    assert "1 form submissions" in out.getvalue()


def test_retention_keeps_recent_data_and_confirmed_subscribers(sign_up, client):
    client.post(link_in(sign_up(), "confirm"))
    Subscriber.objects.update(created_at=timezone.now() - datetime.timedelta(days=400))
    call_command("delete_old_personal_data", stdout=io.StringIO())
    assert CampaignFormSubmission.objects.count() == 1
    assert Subscriber.objects.count() == 1


def test_erasure_removes_everything_about_an_address_and_reports_it(
    sign_up, client, campaign_site, django_capture_on_commit_callbacks
):
    sign_up()
    sponsor_form = SponsorFormPage.objects.get(locale__language_code="en")
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, sponsor_form, {**SPONSOR_ANSWERS, "contact_email": "alex@example.net"})
    listed = SponsorFactory(contact_email="Alex@example.net", contact_name="Alex Supporter")
    pending = SponsorFactory(contact_email="alex@example.net", status=Sponsor.Status.PENDING)
    other = SignupFormPage.objects.get(locale__language_code="en")
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, other, {**SIGNUP_ANSWERS, "email": "someone-else@example.net"})

    out = io.StringIO()
    call_command("erase_personal_data", "alex@example.net", stdout=out)

    remaining = list(CampaignFormSubmission.objects.values_list("form_data", flat=True))
    assert [data.get("email") for data in remaining] == ["someone-else@example.net"]
    assert not Subscriber.objects.filter(email="alex@example.net").exists()
    assert not OutgoingEmail.objects.filter(recipient__iexact="alex@example.net").exists()
    listed.refresh_from_db()
    assert listed.contact_email == "" and listed.contact_name == ""
    assert not Sponsor.objects.filter(pk=pending.pk).exists()
    assert Suppression.is_suppressed("alex@example.net")
    assert "2 form submissions" in out.getvalue() and "2 sponsor contacts" in out.getvalue()
    assert ModelLogEntry.objects.filter(label__icontains="alex").count() == 0


def test_an_unsubscribed_address_can_come_back_from_the_link_in_an_old_email(sign_up, client):
    message = sign_up()
    unsubscribe_path = link_in(message, "unsubscribe")
    client.post(unsubscribe_path)
    assert sign_up() is None

    page = client.get(unsubscribe_path).content.decode()
    assert "Let me sign up again" in page
    welcome_back_path = re.search(r'action="([^"]*/welcome-back/[^"]*)"', page).group(1)
    response = client.post(welcome_back_path)

    assert "You can sign up again" in response.content.decode()
    assert not Suppression.objects.exists()
    # Nothing is sent until the person signs up afresh, and then only the confirmation link.
    assert mail.outbox == []
    assert "/supporters/confirm/" in sign_up().body


def test_coming_back_needs_the_page_the_link_opens(sign_up, client):
    message = sign_up()
    client.post(link_in(message, "unsubscribe"))
    token = link_in(message, "unsubscribe").rstrip("/").rsplit("/", 1)[1]
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(f"/en/supporters/welcome-back/{token}/")
    assert response.status_code == 403
    assert client.get(f"/en/supporters/welcome-back/{token}/").status_code == 405
    assert Suppression.objects.count() == 1


def test_an_old_confirmation_link_after_unsubscribing_explains_the_way_back(sign_up, client):
    message = sign_up()
    client.post(link_in(message, "unsubscribe"))
    response = client.get(link_in(message, "confirm"))
    assert response.status_code == 400
    assert "Let me sign up again" in response.content.decode()


def test_the_thank_you_page_says_what_to_do_when_no_email_arrives(signup_form, client):
    response = submit(client, signup_form, SIGNUP_ANSWERS)
    page = response.content.decode()
    assert "No email?" in page and "unsubscribe link" in page


def test_an_operator_can_let_an_erased_address_sign_up_again(sign_up):
    call_command("erase_personal_data", "alex@example.net", stdout=io.StringIO())
    out = io.StringIO()
    call_command("allow_email_again", "Alex+news@example.net", stdout=out)
    assert "may be emailed again" in out.getvalue()
    assert not Suppression.objects.exists()
    assert sign_up() is not None
