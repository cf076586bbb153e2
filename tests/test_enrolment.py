"""Setting up a second factor: only through a single-use link that an organiser emails (or that
`manage.py enrolment_link` prints for the first superuser). A password alone never reaches the
secret. Every request goes through the real views; emails go through forms_app.mail."""

import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from cms.accounts.enrolment import claim
from cms.accounts.models import EnrolmentLink
from forms_app.addresses import HashedAddress
from forms_app.supporters import unsubscribe

from .conftest import authenticator_for, current_code

NEW_PASSWORD = "a translator's own long passphrase"
LOGIN_URL = "/admin/login/"
ENROL_URL = "/admin/sign-in/enrol/"
INVITE_URL = "/admin/users/new/"
LINK = re.compile(r"http://\S+/admin/sign-in/enrol/(\d+)/([\w-]+)/")


@pytest.fixture
def organiser(account_in):
    return account_in("Organisers")


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


@pytest.fixture
def invite(organiser_client, django_capture_on_commit_callbacks):
    """An organiser invites someone into a group through the real form; returns the response."""

    def post(username="newtranslator", group="Translators", **fields):
        data = {
            "username": username,
            "email": f"{username}@example.org",
            "first_name": "New",
            "last_name": "Translator",
            "groups": [Group.objects.get(name=group).pk],
            **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return organiser_client.post(INVITE_URL, data)

    return post


def link_in(message):
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(0)


@pytest.fixture
def invitation(invite, client):
    """A new translator's account and the link from their invitation email, opened by them
    in a browser of their own (a fresh client)."""
    invite()
    account = get_user_model().objects.get(username="newtranslator")
    client.logout()
    return account, link_in(mail.outbox[-1])


def enrol_new_account(client, link, password=NEW_PASSWORD):
    client.get(link, follow=True)
    device = TOTPDevice.objects.get(user__username="newtranslator", confirmed=False)
    data = {"new_password1": password, "new_password2": password, "code": current_code(device)}
    return client.post(ENROL_URL, data)


def test_inviting_makes_an_account_without_a_password(invite):
    response = invite()
    assert response.status_code == 302
    account = get_user_model().objects.get(username="newtranslator")
    assert not account.has_usable_password()
    assert list(account.groups.values_list("name", flat=True)) == ["Translators"]
    assert not TOTPDevice.objects.filter(user=account).exists()


def test_inviting_emails_a_set_up_link(invite):
    invite()
    [message] = mail.outbox
    assert message.to == ["newtranslator@example.org"]
    assert "newtranslator" in message.body
    assert LINK.search(message.body)


def test_inviting_is_in_the_audit_log(invite, organiser):
    invite()
    account = get_user_model().objects.get(username="newtranslator")
    actions = ModelLogEntry.objects.filter(object_id=str(account.pk), user=organiser)
    assert {"wagtail.create", "accounts.send_enrolment_link"} <= set(
        actions.values_list("action", flat=True)
    )


def test_only_a_keyed_hash_of_the_link_is_stored(invitation, settings):
    account, link = invitation
    token = LINK.search(link).group(2)
    assert token not in str(list(EnrolmentLink.objects.values()))
    assert EnrolmentLink.find(account, token)
    # Keyed with SECRET_KEY: a copy of the database alone cannot check a guess.
    settings.SECRET_KEY = "another key entirely, as on another server"
    assert EnrolmentLink.find(account, token) is None


def test_the_link_leaves_the_address_bar(client, invitation):
    _, link = invitation
    response = client.get(link)
    assert response.status_code == 302
    assert response.url == ENROL_URL


def test_the_invitee_chooses_a_password_and_sets_up_an_app(client, invitation):
    account, link = invitation
    response = client.get(client.get(link).url)
    assert b"Key:" in response.content
    assert b"Choose a password" in response.content

    response = enrol_new_account(client, link)

    assert len(re.findall(r"<li><code>[a-z2-7]{8}</code></li>", response.content.decode())) == (
        settings.RECOVERY_CODE_COUNT
    )
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
    assert TOTPDevice.objects.get(user=account).confirmed
    assert client.get("/admin/").status_code == 200


def test_enrolment_is_in_the_audit_log(client, invitation):
    account, link = invitation
    enrol_new_account(client, link)
    assert ModelLogEntry.objects.filter(
        object_id=str(account.pk), action="accounts.enrol", user=account
    ).exists()


def test_the_link_works_once(client, invitation):
    _, link = invitation
    enrol_new_account(client, link)
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert b"does not work" in response.content
    assert b"Key:" not in client.get(ENROL_URL).content


def test_two_uses_of_one_link_cannot_both_succeed(invitation):
    account, _ = invitation
    link = EnrolmentLink.objects.get(user=account)
    assert claim(link)
    assert not claim(link)


def test_the_link_expires(client, invitation):
    account, link = invitation
    EnrolmentLink.objects.filter(user=account).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(link)
    assert response.status_code == 410
    assert not TOTPDevice.objects.filter(user=account).exists()


def test_the_link_is_bound_to_its_account(client, invitation, account_in):
    _, link = invitation
    other = account_in("Translators", username="othertranslator")
    user_id, token = LINK.search(link).groups()
    response = client.get(link.replace(f"/enrol/{user_id}/", f"/enrol/{other.pk}/"))
    assert response.status_code == 410
    assert not TOTPDevice.objects.filter(user=other).exists()


def test_a_new_link_replaces_the_old(client, invitation, organiser_client, organiser):
    account, old_link = invitation
    client.force_login(organiser)
    client.post(f"/admin/users/reset-two-factor/{account.pk}/")
    client.logout()
    assert client.get(old_link).status_code == 410


def test_enrolment_refuses_a_wrong_code_in_plain_sight(client, invitation):
    account, link = invitation
    client.get(link, follow=True)
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "code": "000000"}
    response = client.post(ENROL_URL, data)
    assert "That code is not right" in alert_on(response)
    account.refresh_from_db()
    assert not account.has_usable_password()
    assert EnrolmentLink.usable().filter(user=account).exists()


def test_enrolment_refuses_a_weak_password(client, invitation):
    account, link = invitation
    client.get(link, follow=True)
    device = TOTPDevice.objects.get(user=account, confirmed=False)
    data = {"new_password1": "password123", "new_password2": "password123"}
    response = client.post(ENROL_URL, {**data, "code": current_code(device)})
    assert "too common" in alert_on(response)
    assert not TOTPDevice.objects.filter(user=account, confirmed=True).exists()


def alert_on(response):
    alert = r'<div class="messages" role="alert">(.*?)</div>'
    match = re.search(alert, response.content.decode(), re.S)
    return match.group(1) if match else ""


# A password alone, without a second factor and without a link.


@pytest.fixture
def password_only(account_in):
    return account_in("Translators", username="passwordonly", password="a stolen passphrase")


def test_a_password_alone_never_sees_a_secret(client, password_only):
    client.post(LOGIN_URL, {"username": "passwordonly", "password": "a stolen passphrase"})
    for url in ["/admin/", "/admin/sign-in/set-up/", ENROL_URL, "/admin/sign-in/two-factor/"]:
        response = client.get(url, follow=True)
        assert b"Key:" not in response.content
        assert b"data:image/svg+xml" not in response.content
    assert b"Ask an organiser" in response.content
    assert not TOTPDevice.objects.filter(user=password_only).exists()


# Resetting a lost second factor.


@pytest.fixture
def reset(organiser_client, django_capture_on_commit_callbacks):
    def post(account):
        with django_capture_on_commit_callbacks(execute=True):
            return organiser_client.post(f"/admin/users/reset-two-factor/{account.pk}/")

    return post


def test_reset_removes_the_second_factor_and_sends_a_link(reset, account_in):
    translator = account_in("Translators")
    authenticator_for(translator)
    reset(translator)
    assert not TOTPDevice.objects.filter(user=translator).exists()
    assert not StaticToken.objects.filter(device__user=translator).exists()
    assert mail.outbox[-1].to == [translator.email]
    assert ModelLogEntry.objects.filter(
        object_id=str(translator.pk), action="accounts.reset_second_factor"
    ).exists()


def test_after_a_reset_the_link_also_needs_the_password(client, reset, account_in):
    translator = account_in("Translators", password="the translator's passphrase")
    authenticator_for(translator)
    reset(translator)
    client.logout()
    client.get(link_in(mail.outbox[-1]), follow=True)
    device = TOTPDevice.objects.get(user=translator, confirmed=False)

    response = client.post(ENROL_URL, {"password": "a guess", "code": current_code(device)})
    assert "That password is not right" in alert_on(response)
    assert EnrolmentLink.usable().filter(user=translator).exists()

    data = {"password": "the translator's passphrase", "code": current_code(device)}
    client.post(ENROL_URL, data)
    assert client.get("/admin/").status_code == 200


def test_no_link_goes_to_an_address_that_asked_for_no_email(invite, organiser_client):
    unsubscribe(HashedAddress.of("newtranslator@example.org"))
    invite()
    assert not mail.outbox
    assert not EnrolmentLink.objects.exists()
    assert "no set-up link could be sent" in organiser_client.get("/admin/users/").content.decode()


# The first superuser, whom nobody can invite.


def test_enrolment_link_command_prints_a_working_link(client, db):
    get_user_model().objects.create_superuser("first", "first@example.org", "the first passphrase")
    output = io.StringIO()
    call_command("enrolment_link", "first", stdout=output)
    client.get(output.getvalue().strip(), follow=True)
    device = TOTPDevice.objects.get(user__username="first", confirmed=False)
    client.post(ENROL_URL, {"password": "the first passphrase", "code": current_code(device)})
    assert client.get("/admin/").status_code == 200


def test_reset_ends_the_second_factor_of_open_sessions(reset, account_in):
    translator = account_in("Translators")
    their_browser = Client()
    their_browser.force_login(translator)
    assert their_browser.get("/admin/").status_code == 200
    reset(translator)
    response = their_browser.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/sign-in/not-set-up/")
