"""The admin roles the migration makes: Organisers run the campaign, Editors only write."""

import pytest
from django.contrib.auth.models import Group

from forms_app.models import SignupFormPage

SPONSORS_ADMIN = "/admin/snippets/sponsors/sponsor/"


@pytest.fixture
def member_of(django_user_model):
    def make(group_name):
        user = django_user_model.objects.create_user(
            group_name.lower(), f"{group_name.lower()}@example.org", "a long passphrase here"
        )
        user.groups.add(Group.objects.get(name=group_name))
        return user

    return make


def test_roles_exist_once(db):
    names = list(Group.objects.values_list("name", flat=True))
    assert names.count("Organisers") == 1
    assert names.count("Editors") == 1
    assert "Moderators" not in names


def test_organisers_edit_and_publish_content(member_of, home):
    organiser = member_of("Organisers")
    permissions = home.permissions_for_user(organiser)
    assert permissions.can_edit() and permissions.can_publish()
    assert organiser.has_perms(["wagtailimages.add_image", "wagtaildocs.add_document"])


def test_organisers_review_sponsors(member_of, client):
    organiser = member_of("Organisers")
    assert organiser.has_perms(["sponsors.view_sponsor", "sponsors.change_sponsor"])
    client.force_login(organiser)
    assert client.get(SPONSORS_ADMIN).status_code == 200


def test_organisers_manage_redirects(member_of):
    assert member_of("Organisers").has_perm("wagtailredirects.add_redirect")


def test_editors_edit_but_do_not_publish(member_of, home):
    editor = member_of("Editors")
    permissions = home.permissions_for_user(editor)
    assert permissions.can_edit()
    assert not permissions.can_publish()


def test_editors_see_no_sponsor_contact_details(member_of, client):
    editor = member_of("Editors")
    assert not any(perm.startswith("sponsors.") for perm in editor.get_all_permissions())
    client.force_login(editor)
    response = client.get(SPONSORS_ADMIN)
    assert response.status_code in {302, 403}


def test_editors_cannot_manage_users(member_of, client):
    editor = member_of("Editors")
    client.force_login(editor)
    assert client.get("/admin/users/").status_code in {302, 403}


def test_only_organisers_read_personal_data(member_of):
    assert member_of("Organisers").has_perm("forms_app.view_personal_data")
    assert not member_of("Editors").has_perm("forms_app.view_personal_data")


def test_editors_cannot_list_sign_ups(member_of, client, campaign_site):
    signup_page = SignupFormPage.objects.get(locale__language_code="en")
    client.force_login(member_of("Editors"))
    response = client.get(f"/admin/forms/submissions/{signup_page.pk}/")
    assert response.status_code in {302, 403}


def test_organisers_list_sign_ups(member_of, client, campaign_site):
    signup_page = SignupFormPage.objects.get(locale__language_code="en")
    client.force_login(member_of("Organisers"))
    assert client.get(f"/admin/forms/submissions/{signup_page.pk}/").status_code == 200
