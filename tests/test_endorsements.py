"""An organisation's endorsement from its stored submission to the public list: the signed
confirmation link, duplicates, listing without a name, and the signed withdrawal link."""

import time

import pytest
from django.core import signing
from wagtail.models import ModelLogEntry

from forms_app.models import CampaignFormSubmission
from sponsors import endorsements
from sponsors.models import Sponsor

from .factories import SponsorFactory

ANSWERS = {
    "organisation_name": "Hackney Trades Council",
    "website": "https://www.hackneytradescouncil.example/",
    "country": "United Kingdom",
    "organisation_kind": "Trades council",
    "listing": "By name",
    "contact_name": "Private Person",
    "contact_email": "secretary@hackneytradescouncil.example",
    "role": "Secretary",
    "message": "We support the call.",
    "consent_to_publish": True,
}


def submit(page, **changes):
    """A stored sponsor form submission, as the form page leaves it (see test_endorsement_flow
    for the same through a real form POST)."""
    return CampaignFormSubmission.objects.create(
        page=page, form_data={**ANSWERS, **changes}, language="en"
    )


def confirm(client, submission):
    return client.post(endorsements.confirmation_path(submission))


@pytest.fixture
def submission(tree):
    return submit(tree["sponsors"])


def test_confirmation_link_only_asks_on_get(submission, client):
    response = client.get(endorsements.confirmation_path(submission))
    assert response.status_code == 200
    assert "Confirm our sponsorship" in response.content.decode()
    assert not Sponsor.objects.exists()


def test_confirming_makes_a_pending_sponsor_linked_to_its_submission(submission, client):
    response = confirm(client, submission)
    assert "your sponsorship is confirmed" in response.content.decode()
    sponsor = Sponsor.objects.get()
    assert sponsor.status == Sponsor.Status.PENDING
    assert sponsor.submission == submission
    assert sponsor.email_verified_at is not None
    assert (sponsor.name, sponsor.kind, sponsor.listing) == (
        "Hackney Trades Council",
        Sponsor.Kind.TRADES_COUNCIL,
        Sponsor.Listing.BY_NAME,
    )
    assert (sponsor.contact_name, sponsor.contact_email, sponsor.contact_role) == (
        "Private Person",
        "secretary@hackneytradescouncil.example",
        "Secretary",
    )
    assert ModelLogEntry.objects.filter(action="sponsors.confirm").count() == 1


def test_confirmed_endorsement_is_not_public_until_approved(submission, tree, client):
    confirm(client, submission)
    for page in (tree["home"], tree["sponsors"]):
        assert "Hackney Trades Council" not in client.get(page.url).content.decode()
    assert client.get(tree["home"].url).context["sponsor_count"] == 0


def test_approved_endorsement_is_listed_and_counted_at_once(submission, tree, client, admin_user):
    confirm(client, submission)
    Sponsor.objects.get().review(Sponsor.Status.APPROVED, admin_user)
    html = client.get(tree["sponsors"].url).content.decode()
    assert "Hackney Trades Council" in html
    assert "Trades council: <span" in html
    assert client.get(tree["home"].url).context["sponsor_count"] == 1


def test_confirming_twice_makes_one_sponsor(submission, client):
    confirm(client, submission)
    response = confirm(client, submission)
    assert "already confirmed" in response.content.decode()
    assert Sponsor.objects.count() == 1


def test_expired_confirmation_link_changes_nothing(submission, client, monkeypatch):
    eight_days_ago = time.time() - 8 * 24 * 60 * 60
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_ago)
    path = endorsements.confirmation_path(submission)
    monkeypatch.undo()
    response = client.post(path)
    assert response.status_code == 410
    assert not Sponsor.objects.exists()


def test_altered_confirmation_link_changes_nothing(submission, client):
    path = endorsements.confirmation_path(submission)
    response = client.post(path.replace("/confirm/", "/confirm/x"))
    assert response.status_code == 400
    assert not Sponsor.objects.exists()


def test_withdrawal_token_does_not_confirm(submission, client):
    token = signing.dumps(submission.pk, salt=endorsements.WITHDRAWAL_SALT)
    response = client.post(f"/en/endorsement/confirm/{token}/")
    assert response.status_code == 400
    assert not Sponsor.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"organisation_name": "the  hackney trades-council", "website": "", "contact_email": ""},
        {"organisation_name": "HTC", "website": "http://hackneytradescouncil.example"},
        {
            "organisation_name": "HTC",
            "website": "",
            "contact_email": "SECRETARY@hackneytradescouncil.example",
        },
    ],
    ids=["name", "website", "email"],
)
@pytest.mark.parametrize("status", [Sponsor.Status.APPROVED, Sponsor.Status.PENDING])
def test_duplicate_of_listed_or_pending_sponsor_is_not_listed_twice(
    submission, tree, client, changes, status
):
    confirm(client, submission)
    Sponsor.objects.update(status=status)
    response = confirm(client, submit(tree["sponsors"], **changes))
    assert "already listed or awaiting review" in response.content.decode()
    assert Sponsor.objects.count() == 1


@pytest.mark.parametrize("status", [Sponsor.Status.REJECTED, Sponsor.Status.WITHDRAWN])
def test_rejected_or_withdrawn_sponsor_may_endorse_again(submission, tree, client, status):
    SponsorFactory(name="Hackney Trades Council", status=status)
    confirm(client, submission)
    assert Sponsor.objects.pending().count() == 1


def test_sponsor_listed_by_kind_and_country_is_never_named(tree, client, admin_user):
    submission = submit(
        tree["sponsors"],
        organisation_name="Secret Diaspora Circle",
        organisation_kind="Community group",
        listing="Only by kind and country",
    )
    confirm(client, submission)
    sponsor = Sponsor.objects.get()
    assert sponsor.listing == Sponsor.Listing.KIND_AND_COUNTRY
    sponsor.description = "Secret description"
    sponsor.review(Sponsor.Status.APPROVED, admin_user)
    html = client.get(tree["sponsors"].url).content.decode()
    assert "Community group in United Kingdom" in html
    for private in ("Secret Diaspora Circle", "Secret description", "hackneytradescouncil"):
        assert private not in html
    assert sponsor.public_name == sponsor.public_website == ""


@pytest.mark.parametrize(
    "changes",
    [{"listing": "Something organisers reworded"}, {"consent_to_publish": False}],
    ids=["unrecognised-listing", "no-consent"],
)
def test_unclear_listing_choice_keeps_the_name_private(tree, client, changes):
    confirm(client, submit(tree["sponsors"], **changes))
    assert Sponsor.objects.get().listing == Sponsor.Listing.KIND_AND_COUNTRY


def test_unrecognised_kind_becomes_other(tree, client):
    confirm(client, submit(tree["sponsors"], organisation_kind="Choir"))
    assert Sponsor.objects.get().kind == Sponsor.Kind.OTHER


def test_website_that_is_not_a_web_address_is_dropped(tree, client):
    confirm(client, submit(tree["sponsors"], website="javascript:alert(1)"))
    assert Sponsor.objects.get().website == ""


def test_sponsor_list_counts_by_kind(tree, client):
    SponsorFactory.create_batch(2, kind=Sponsor.Kind.TRADE_UNION)
    SponsorFactory(kind=Sponsor.Kind.STUDENT_UNION)
    SponsorFactory(kind=Sponsor.Kind.STUDENT_UNION, status=Sponsor.Status.PENDING)
    response = client.get(tree["sponsors"].url)
    assert response.context["counts_by_kind"] == [("Trade union", 2), ("Student union", 1)]


@pytest.fixture
def listed_sponsor(tree):
    return SponsorFactory(name="Leaving Branch")


def test_withdrawal_link_only_asks_on_get(listed_sponsor, client):
    response = client.get(endorsements.withdrawal_path(listed_sponsor, "en"))
    assert "Withdraw our sponsorship" in response.content.decode()
    listed_sponsor.refresh_from_db()
    assert listed_sponsor.status == Sponsor.Status.APPROVED


def test_withdrawn_sponsor_leaves_the_list_at_once(listed_sponsor, tree, client):
    response = client.post(endorsements.withdrawal_path(listed_sponsor, "en"))
    assert "Your sponsorship is withdrawn" in response.content.decode()
    listed_sponsor.refresh_from_db()
    assert listed_sponsor.status == Sponsor.Status.WITHDRAWN
    assert listed_sponsor.withdrawn_at is not None
    assert "Leaving Branch" not in client.get(tree["sponsors"].url).content.decode()
    assert client.get(tree["home"].url).context["sponsor_count"] == 0
    assert ModelLogEntry.objects.filter(action="sponsors.withdraw").count() == 1


def test_altered_withdrawal_link_changes_nothing(listed_sponsor, client):
    token = signing.dumps(listed_sponsor.pk, salt=endorsements.CONFIRMATION_SALT)
    response = client.post(f"/en/endorsement/withdraw/{token}/")
    assert response.status_code == 400
    listed_sponsor.refresh_from_db()
    assert listed_sponsor.status == Sponsor.Status.APPROVED


def test_endorsement_pages_are_never_cached(listed_sponsor, client):
    response = client.get(endorsements.withdrawal_path(listed_sponsor, "en"))
    assert "no-cache" in response["Cache-Control"]
