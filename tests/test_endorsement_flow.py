"""The whole endorsement through the real stack: a POST to the sponsor form page, the
confirmation email, its signed link, the pending sponsor, the organiser's review in the admin,
the public list, and the withdrawal link from the second email."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from forms_app.models import CampaignFormSubmission
from sponsors.models import Sponsor, SponsorIndexPage

from .forms_helpers import SPONSOR_ANSWERS, submit

CONTACT = SPONSOR_ANSWERS["contact_email"]
NAME = SPONSOR_ANSWERS["organisation_name"]


pytestmark = pytest.mark.usefixtures("answering_at_test_speed")


@pytest.fixture
def sponsor_list(campaign_site):
    return SponsorIndexPage.objects.get(locale__language_code="en")


@pytest.fixture
def organiser(db, django_user_model):
    user = django_user_model.objects.create_user("organiser", password="a long passphrase")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="change_sponsor"),
        Permission.objects.get(codename="view_personal_data"),
    )
    return user


def endorse(client, sponsor_form, capture, address="203.0.113.1", **changes):
    """Submits the sponsor form and returns the link path from the email it sends."""
    with capture(execute=True):
        response = submit(client, sponsor_form, {**SPONSOR_ANSWERS, **changes}, REMOTE_ADDR=address)
    assert response.status_code == 200
    return link_path(changes.get("contact_email", CONTACT), "/endorsement/confirm/")


def link_path(recipient, marker):
    (message,) = [m for m in mail.outbox if m.to == [recipient] and marker in m.body]
    mail.outbox.remove(message)
    return urlsplit(re.search(r"https?://\S+" + re.escape(marker) + r"\S+", message.body)[0]).path


def confirm(client, path, capture):
    with capture(execute=True):
        return client.post(path)


def approve(client, organiser, sponsor):
    client.force_login(organiser)
    url = reverse(Sponsor.snippet_viewset.get_url_name("approve"), args=[sponsor.pk])
    client.post(url)
    client.logout()


def test_submission_alone_lists_nothing_and_asks_the_contact(
    sponsor_form, sponsor_list, client, django_capture_on_commit_callbacks
):
    path = endorse(client, sponsor_form, django_capture_on_commit_callbacks)
    assert path.startswith("/en/endorsement/confirm/")
    assert CampaignFormSubmission.objects.filter(page=sponsor_form).count() == 1
    assert not Sponsor.objects.filter(name=NAME).exists()


def test_endorsement_confirmed_approved_and_listed(
    sponsor_form, sponsor_list, client, organiser, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    path = endorse(client, sponsor_form, capture)
    assert "Confirm our sponsorship" in client.get(path).content.decode()
    assert "your sponsorship is confirmed" in confirm(client, path, capture).content.decode()

    sponsor = Sponsor.objects.get(name=NAME)
    assert sponsor.status == Sponsor.Status.PENDING
    assert sponsor.submission == CampaignFormSubmission.objects.get(page=sponsor_form)
    assert sponsor.kind == Sponsor.Kind.TRADES_COUNCIL
    assert sponsor.listing == Sponsor.Listing.BY_NAME
    assert NAME not in client.get(sponsor_list.url).content.decode()

    approve(client, organiser, sponsor)
    html = client.get(sponsor_list.url).content.decode()
    assert NAME in html
    assert "12 organisations sponsor the campaign." in html
    assert client.get(sponsor_list.get_parent().url).context["sponsor_count"] == 12


def test_rejected_endorsement_never_public(
    sponsor_form, sponsor_list, client, organiser, django_capture_on_commit_callbacks
):
    confirm(
        client,
        endorse(client, sponsor_form, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    sponsor = Sponsor.objects.get(name=NAME)
    client.force_login(organiser)
    client.post(reverse(Sponsor.snippet_viewset.get_url_name("reject"), args=[sponsor.pk]))
    client.logout()
    for page in (sponsor_list, sponsor_list.get_parent()):
        assert NAME not in client.get(page.url).content.decode()


def test_withdrawal_link_from_the_confirmation_email_unlists_at_once(
    sponsor_form, sponsor_list, client, organiser, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    confirm(client, endorse(client, sponsor_form, capture), capture)
    withdraw_path = link_path(CONTACT, "/endorsement/withdraw/")
    approve(client, organiser, Sponsor.objects.get(name=NAME))
    assert NAME in client.get(sponsor_list.url).content.decode()

    client.post(withdraw_path)
    assert NAME not in client.get(sponsor_list.url).content.decode()
    assert Sponsor.objects.get(name=NAME).status == Sponsor.Status.WITHDRAWN


def test_duplicate_endorsement_from_another_address_is_not_listed_twice(
    sponsor_form, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    confirm(client, endorse(client, sponsor_form, capture), capture)
    second = endorse(
        client,
        sponsor_form,
        capture,
        address="203.0.113.2",
        organisation_name="haringey trades council",
        contact_email="chair@haringey-tc.example.org",
    )
    response = confirm(client, second, capture)
    assert "already listed or awaiting review" in response.content.decode()
    assert Sponsor.objects.filter(name_key="haringey trades council").count() == 1


def test_emails_go_to_the_contact_alone(sponsor_form, client, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        submit(client, sponsor_form, SPONSOR_ANSWERS)
    (message,) = [m for m in mail.outbox if CONTACT in m.to]
    assert message.to == [CONTACT] and not message.cc and not message.bcc
