"""Organisers review endorsements in the admin: the dashboard count, one-click and bulk
approve and reject, the audit log, and who may see contact details."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import ModelLogEntry

from sponsors.models import Sponsor

from .factories import SponsorFactory

LISTING_URL = "/admin/snippets/sponsors/sponsor/"


def admin_user_with(django_user_model, username, *codenames):
    user = django_user_model.objects.create_user(username, password="a long test passphrase")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(codename__in=codenames),
    )
    return user


@pytest.fixture
def organiser(db, django_user_model):
    return admin_user_with(django_user_model, "organiser", "change_sponsor", "view_sponsor")


@pytest.fixture
def editor(db, django_user_model):
    """Someone who edits pages in the admin but does not review sponsors."""
    user = admin_user_with(django_user_model, "editor", "view_sponsor")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def pending(tree):
    return SponsorFactory(
        name="Waiting Branch",
        status=Sponsor.Status.PENDING,
        contact_email="private-secretary@example.org",
    )


def review_url(action, sponsor):
    return reverse(Sponsor.snippet_viewset.get_url_name(action), args=[sponsor.pk])


def bulk_url(action, *sponsors):
    ids = "&".join(f"id={sponsor.pk}" for sponsor in sponsors)
    url = reverse("wagtail_bulk_action", args=("sponsors", "sponsor", action))
    return f"{url}?{ids}&next={LISTING_URL}"


def test_dashboard_shows_pending_count_linking_to_filtered_listing(pending, organiser, client):
    SponsorFactory(status=Sponsor.Status.PENDING)
    client.force_login(organiser)
    html = client.get("/admin/").content.decode()
    assert "2 organisations are waiting for review." in html
    assert f'href="{LISTING_URL}?status=pending"' in html


def test_dashboard_panel_hidden_from_non_organiser(pending, editor, client):
    client.force_login(editor)
    assert "waiting for review" not in client.get("/admin/").content.decode()


def test_listing_offers_one_click_approve_and_reject(pending, organiser, client):
    client.force_login(organiser)
    html = client.get(LISTING_URL, {"status": "pending"}).content.decode()
    assert review_url("approve", pending) in html
    assert review_url("reject", pending) in html


def test_approving_lists_the_sponsor_at_once_and_logs_it(pending, organiser, client, tree):
    client.force_login(organiser)
    response = client.post(review_url("approve", pending), {"next": LISTING_URL})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Sponsor.Status.APPROVED
    entry = ModelLogEntry.objects.get(action="sponsors.approve")
    assert (entry.user, entry.object_id) == (organiser, str(pending.pk))
    client.logout()
    assert "Waiting Branch" in client.get(tree["sponsors"].url).content.decode()
    assert client.get(tree["home"].url).context["sponsor_count"] == 1


def test_rejecting_keeps_the_sponsor_off_public_pages_and_logs_it(pending, organiser, client, tree):
    client.force_login(organiser)
    client.post(review_url("reject", pending))
    pending.refresh_from_db()
    assert pending.status == Sponsor.Status.REJECTED
    assert ModelLogEntry.objects.filter(action="sponsors.reject", user=organiser).exists()
    client.logout()
    for page in (tree["home"], tree["sponsors"]):
        assert "Waiting Branch" not in client.get(page.url).content.decode()


def test_review_needs_a_post(pending, organiser, client):
    client.force_login(organiser)
    assert client.get(review_url("approve", pending)).status_code == 405
    pending.refresh_from_db()
    assert pending.status == Sponsor.Status.PENDING


def test_organiser_cannot_approve_a_withdrawn_endorsement(organiser, client, tree):
    withdrawn = SponsorFactory(status=Sponsor.Status.WITHDRAWN)
    client.force_login(organiser)
    assert review_url("approve", withdrawn) not in client.get(LISTING_URL).content.decode()
    client.post(review_url("approve", withdrawn))
    withdrawn.refresh_from_db()
    assert withdrawn.status == Sponsor.Status.WITHDRAWN


def test_bulk_approve(tree, organiser, client):
    sponsors = SponsorFactory.create_batch(3, status=Sponsor.Status.PENDING)
    client.force_login(organiser)
    confirmation = client.get(bulk_url("approve", *sponsors[:2]))
    assert "Are you sure you want to approve these 2 sponsors?" in confirmation.content.decode()
    response = client.post(bulk_url("approve", *sponsors[:2]))
    assert response.status_code == 302
    statuses = [Sponsor.objects.get(pk=sponsor.pk).status for sponsor in sponsors]
    assert statuses == [Sponsor.Status.APPROVED, Sponsor.Status.APPROVED, Sponsor.Status.PENDING]
    assert ModelLogEntry.objects.filter(action="sponsors.approve").count() == 2


def test_bulk_reject(tree, organiser, client):
    sponsors = SponsorFactory.create_batch(2, status=Sponsor.Status.PENDING)
    client.force_login(organiser)
    client.post(bulk_url("reject", *sponsors))
    assert Sponsor.objects.filter(status=Sponsor.Status.REJECTED).count() == 2
    assert ModelLogEntry.objects.filter(action="sponsors.reject").count() == 2


def test_non_organiser_cannot_approve(pending, editor, client):
    client.force_login(editor)
    # Wagtail turns a refusal into a redirect to the dashboard with an error message.
    response = client.post(review_url("approve", pending), {"next": LISTING_URL})
    assert response.url == "/admin/"
    client.post(bulk_url("approve", pending))
    pending.refresh_from_db()
    assert pending.status == Sponsor.Status.PENDING
    assert not ModelLogEntry.objects.filter(action="sponsors.approve").exists()


def test_non_organiser_sees_no_review_buttons(pending, editor, client):
    client.force_login(editor)
    html = client.get(LISTING_URL).content.decode()
    assert "Waiting Branch" in html
    assert review_url("approve", pending) not in html


def test_contact_details_hidden_without_personal_data_permission(pending, organiser, client):
    client.force_login(organiser)
    edit_url = reverse(Sponsor.snippet_viewset.get_url_name("edit"), args=[pending.pk])
    html = client.get(edit_url).content.decode()
    assert "Waiting Branch" in html
    assert "private-secretary@example.org" not in html


def test_saving_without_personal_data_permission_keeps_contact_details(pending, organiser, client):
    client.force_login(organiser)
    edit_url = reverse(Sponsor.snippet_viewset.get_url_name("edit"), args=[pending.pk])
    client.post(
        edit_url,
        {
            "name": "Waiting Branch renamed",
            "kind": Sponsor.Kind.UNION_BRANCH,
            "listing": Sponsor.Listing.BY_NAME,
            "country": "United Kingdom",
            "status": Sponsor.Status.PENDING,
        },
    )
    pending.refresh_from_db()
    assert pending.name == "Waiting Branch renamed"
    assert pending.contact_email == "private-secretary@example.org"


def test_listing_search_does_not_find_by_contact_details(pending, organiser, client):
    client.force_login(organiser)
    html = client.get(LISTING_URL, {"q": "private-secretary"}).content.decode()
    assert "Waiting Branch" not in html


def test_contact_details_shown_with_personal_data_permission(pending, organiser, client):
    organiser.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    client.force_login(organiser)
    edit_url = reverse(Sponsor.snippet_viewset.get_url_name("edit"), args=[pending.pk])
    assert "private-secretary@example.org" in client.get(edit_url).content.decode()


def test_viewing_contact_details_is_recorded_in_the_audit_log(pending, organiser, client):
    organiser.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    client.force_login(organiser)
    client.get(reverse(Sponsor.snippet_viewset.get_url_name("edit"), args=[pending.pk]))
    entry = ModelLogEntry.objects.get(action="sponsors.view_contact_details")
    assert (entry.user, entry.object_id) == (organiser, str(pending.pk))


def test_edit_form_without_contact_details_is_not_recorded(pending, organiser, client):
    client.force_login(organiser)
    client.get(reverse(Sponsor.snippet_viewset.get_url_name("edit"), args=[pending.pk]))
    assert not ModelLogEntry.objects.filter(action="sponsors.view_contact_details").exists()
