import pytest
from django.utils import timezone

from home.models import HomePage
from sponsors.models import Sponsor

from .factories import SponsorFactory


@pytest.fixture
def sponsors(tree):
    return {
        "approved": SponsorFactory(name="Approved Union Branch"),
        "pending": SponsorFactory(name="Pending Collective", status=Sponsor.Status.PENDING),
        "rejected": SponsorFactory(name="Rejected Front Group", status=Sponsor.Status.REJECTED),
    }


def test_sponsor_list_shows_approved_sponsors(sponsors, tree, client):
    html = client.get(tree["sponsors"].url).content.decode()
    assert "Approved Union Branch" in html
    assert "1 organisation sponsors the campaign" in html


def test_pending_sponsor_never_public(sponsors, tree, client):
    for page in (tree["home"], tree["sponsors"], tree["platform"]):
        assert "Pending Collective" not in client.get(page.url).content.decode()


def test_rejected_sponsor_never_public(sponsors, tree, client):
    for page in (tree["home"], tree["sponsors"], tree["platform"]):
        assert "Rejected Front Group" not in client.get(page.url).content.decode()


def test_contact_details_never_rendered(sponsors, tree, client):
    approved = sponsors["approved"]
    for page in (tree["home"], tree["sponsors"]):
        html = client.get(page.url).content.decode()
        assert approved.contact_name not in html
        assert approved.contact_email not in html


def test_home_counts_only_approved_sponsors(sponsors, tree, client):
    response = client.get(tree["home"].url)
    assert response.context["sponsor_count"] == 1


def test_approving_records_when(db):
    sponsor = SponsorFactory(status=Sponsor.Status.PENDING)
    assert sponsor.approved_at is None
    before = timezone.now()
    sponsor.status = Sponsor.Status.APPROVED
    sponsor.save()
    assert sponsor.approved_at >= before


def test_unapproving_clears_approval_time(db):
    sponsor = SponsorFactory()
    sponsor.status = Sponsor.Status.REJECTED
    sponsor.save()
    assert sponsor.approved_at is None


def test_sponsor_listing_in_admin_filters_by_status(sponsors, admin_client):
    response = admin_client.get("/admin/snippets/sponsors/sponsor/", {"status": "pending"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pending Collective" in html
    assert "Approved Union Branch" not in html


def test_home_page_type_is_used(tree):
    assert isinstance(tree["home"], HomePage)
