"""Organisers manage volunteers in Wagtail's user admin: they invite, edit and remove
Translators and Editors, and can put nobody into Organisers or make anyone a superuser. Editors
and Translators manage no accounts at all. Each attempt is a real request to the real URL, from
the groups the migrations make."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from wagtail.models import ModelLogEntry

from cms.accounts.lockout import recent_failures

User = get_user_model()
PASSWORD = "a long volunteer passphrase"


def group(name):
    return Group.objects.get(name=name)


def groups_of(account):
    account.refresh_from_db()
    return set(account.groups.values_list("name", flat=True))


def account_form(account, **changes):
    """The edit form's fields as the browser sends them, with some changed."""
    data = {
        "username": account.username,
        "email": account.email,
        "first_name": account.first_name or "First",
        "last_name": account.last_name or "Last",
        "is_active": "on",
        "groups": [g.pk for g in account.groups.all()],
    }
    return {**data, **changes}


def invitation_form(username, group_name, **changes):
    data = {
        "username": username,
        "email": f"{username}@example.org",
        "first_name": "First",
        "last_name": "Last",
        "groups": [group(group_name).pk] if group_name else [],
    }
    return {**data, **changes}


def refused(response):
    """Wagtail's admin answers a refusal with a redirect to the dashboard and a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == "/admin/"
    )


@pytest.fixture
def organiser(account_in):
    return account_in("Organisers")


@pytest.fixture
def colleague(account_in):
    return account_in("Organisers", username="colleague")


@pytest.fixture
def translator(account_in):
    return account_in("Translators")


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.fixture
def as_organiser(client, organiser):
    client.force_login(organiser)
    return client


def test_organisers_hold_the_user_permissions_on_a_fresh_database(organiser):
    assert organiser.has_perms(["auth.add_user", "auth.change_user", "auth.delete_user"])
    assert not organiser.has_perm("auth.change_group")


def test_organiser_sees_volunteers_and_colleagues_but_not_superusers(
    as_organiser, translator, colleague, superuser
):
    page = as_organiser.get("/admin/users/").content.decode()
    assert f"/admin/users/edit/{translator.pk}/" in page
    assert "colleague" in page
    assert f"/admin/users/edit/{colleague.pk}/" not in page
    assert "root@example.org" not in page and ">root<" not in page


def test_invitation_form_offers_only_volunteer_roles(as_organiser):
    page = as_organiser.get("/admin/users/new/").content.decode()
    for offered in ("Translators", "Editors"):
        assert f'name="groups" value="{group(offered).pk}"' in page
    assert f'name="groups" value="{group("Organisers").pk}"' not in page
    assert 'name="is_superuser"' not in page
    assert 'name="password1"' not in page


def test_organiser_cannot_invite_an_organiser(as_organiser):
    response = as_organiser.post("/admin/users/new/", invitation_form("mole", "Organisers"))
    assert response.status_code == 200
    assert not User.objects.filter(username="mole").exists()
    assert not mail.outbox


def test_organiser_cannot_invite_a_superuser(as_organiser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        as_organiser.post(
            "/admin/users/new/", invitation_form("mole", "Translators", is_superuser="on")
        )
    assert not User.objects.get(username="mole").is_superuser


def test_organiser_cannot_invite_someone_without_a_role(as_organiser):
    response = as_organiser.post("/admin/users/new/", invitation_form("nobody", None))
    assert response.status_code == 200
    assert not User.objects.filter(username="nobody").exists()


def test_organiser_changes_a_translator_into_an_editor(as_organiser, translator):
    response = as_organiser.post(
        f"/admin/users/edit/{translator.pk}/",
        account_form(translator, groups=[group("Editors").pk]),
    )
    assert response.status_code == 302
    assert groups_of(translator) == {"Editors"}


def test_organiser_cannot_make_a_translator_an_organiser(as_organiser, translator):
    response = as_organiser.post(
        f"/admin/users/edit/{translator.pk}/",
        account_form(translator, groups=[group("Organisers").pk, group("Translators").pk]),
    )
    assert response.status_code == 200
    assert groups_of(translator) == {"Translators"}


def test_organiser_cannot_make_a_translator_a_superuser(as_organiser, translator):
    as_organiser.post(
        f"/admin/users/edit/{translator.pk}/", account_form(translator, is_superuser="on")
    )
    translator.refresh_from_db()
    assert not translator.is_superuser


def test_organiser_cannot_set_a_volunteer_password(as_organiser, translator):
    as_organiser.post(
        f"/admin/users/edit/{translator.pk}/",
        account_form(
            translator, password1="the organiser's choice", password2="the organiser's choice"
        ),
    )
    translator.refresh_from_db()
    assert translator.check_password(PASSWORD)


@pytest.mark.parametrize("target", ["colleague", "superuser", "organiser"])
def test_organiser_cannot_touch_an_organiser_a_superuser_or_themselves(
    as_organiser, request, target
):
    account = request.getfixturevalue(target)
    before = (groups_of(account), account.email, account.is_superuser, account.is_active)
    for url in [
        f"/admin/users/edit/{account.pk}/",
        f"/admin/users/delete/{account.pk}/",
        f"/admin/users/history/{account.pk}/",
        f"/admin/users/usage/{account.pk}/",
    ]:
        assert refused(as_organiser.get(url)), url
    edit = as_organiser.post(
        f"/admin/users/edit/{account.pk}/",
        account_form(account, email="mole@example.org", groups=[group("Translators").pk]),
    )
    assert refused(edit)
    assert refused(as_organiser.post(f"/admin/users/delete/{account.pk}/"))
    account.refresh_from_db()
    assert User.objects.filter(pk=account.pk).exists()
    assert (groups_of(account), account.email, account.is_superuser, account.is_active) == before


def test_organiser_cannot_change_what_a_group_may_do(as_organiser):
    organisers = group("Organisers")
    before = set(organisers.permissions.all())
    assert refused(as_organiser.get("/admin/groups/"))
    response = as_organiser.post(
        f"/admin/groups/edit/{group('Translators').pk}/",
        {"name": "Translators", "permissions": [p.pk for p in before]},
    )
    assert refused(response)
    assert set(group("Translators").permissions.all()) != before


def test_organiser_removes_a_translator(as_organiser, translator):
    response = as_organiser.post(f"/admin/users/delete/{translator.pk}/")
    assert response.status_code == 302
    assert not User.objects.filter(pk=translator.pk).exists()


# Wagtail's bulk actions on the user list, held to the same rule.


def bulk(client, action, *accounts, **data):
    ids = "&".join(f"id={account.pk}" for account in accounts)
    return client.post(f"/admin/bulk/auth/user/{action}/?{ids}", data)


def test_bulk_role_cannot_be_organisers(as_organiser, translator):
    bulk(as_organiser, "assign_role", translator, role=group("Organisers").pk)
    assert groups_of(translator) == {"Translators"}


def test_bulk_role_gives_volunteer_roles(as_organiser, translator):
    bulk(as_organiser, "assign_role", translator, role=group("Editors").pk)
    assert groups_of(translator) == {"Translators", "Editors"}


def test_bulk_role_leaves_organisers_alone(as_organiser, colleague):
    bulk(as_organiser, "assign_role", colleague, role=group("Editors").pk)
    assert groups_of(colleague) == {"Organisers"}


def test_bulk_delete_spares_organisers_and_superusers(as_organiser, colleague, superuser):
    bulk(as_organiser, "delete", colleague, superuser)
    assert User.objects.filter(pk__in=[colleague.pk, superuser.pk]).count() == 2


def test_bulk_deactivate_spares_organisers_and_superusers(as_organiser, colleague, superuser):
    bulk(as_organiser, "set_active_state", colleague, superuser, mark_as_active="False")
    assert User.objects.filter(pk__in=[colleague.pk, superuser.pk], is_active=True).count() == 2


def test_superuser_still_manages_everyone(client, superuser, colleague):
    client.force_login(superuser)
    response = client.post(
        f"/admin/users/edit/{colleague.pk}/",
        account_form(colleague, is_superuser="on"),
    )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_superuser


# Volunteers manage nobody.


@pytest.mark.parametrize("group_name", ["Editors", "Translators"])
def test_volunteers_cannot_manage_accounts(client, account_in, translator, group_name):
    volunteer = account_in(group_name, username="volunteer")
    client.force_login(volunteer)
    for url in [
        "/admin/users/",
        "/admin/users/new/",
        f"/admin/users/edit/{translator.pk}/",
        f"/admin/users/delete/{translator.pk}/",
        f"/admin/users/history/{translator.pk}/",
        f"/admin/users/reset-two-factor/{translator.pk}/",
        f"/admin/users/lift-sign-in-pause/{translator.pk}/",
    ]:
        assert refused(client.get(url)), url
    attempts = [
        client.post("/admin/users/new/", invitation_form("mole", "Organisers")),
        client.post(
            f"/admin/users/edit/{volunteer.pk}/",
            account_form(volunteer, groups=[group("Organisers").pk]),
        ),
        client.post(f"/admin/users/delete/{translator.pk}/"),
        client.post(f"/admin/users/reset-two-factor/{translator.pk}/"),
        client.post(f"/admin/users/lift-sign-in-pause/{translator.pk}/"),
        bulk(client, "assign_role", volunteer, role=group("Organisers").pk),
        bulk(client, "delete", translator),
    ]
    assert all(refused(response) for response in attempts)
    assert not User.objects.filter(username="mole").exists()
    assert groups_of(volunteer) == {group_name}
    assert User.objects.filter(pk=translator.pk).exists()
    assert not mail.outbox


# Resetting a second factor and lifting a sign-in pause, from the user list.


def test_user_list_offers_the_sign_in_actions(as_organiser, translator, colleague):
    page = as_organiser.get("/admin/users/").content.decode()
    for account in (translator, colleague):
        assert f"/admin/users/reset-two-factor/{account.pk}/" in page
        assert f"/admin/users/lift-sign-in-pause/{account.pk}/" in page


def test_organiser_resets_a_colleagues_second_factor(as_organiser, colleague, organiser):
    assert (
        "Reset two-factor sign-in"
        in as_organiser.get(f"/admin/users/reset-two-factor/{colleague.pk}/").content.decode()
    )
    as_organiser.post(f"/admin/users/reset-two-factor/{colleague.pk}/")
    assert ModelLogEntry.objects.filter(
        object_id=str(colleague.pk), action="accounts.reset_second_factor", user=organiser
    ).exists()


@pytest.mark.parametrize("target", ["superuser", "organiser"])
def test_organiser_cannot_reset_a_superuser_or_themselves(as_organiser, request, target):
    account = request.getfixturevalue(target)
    assert refused(as_organiser.post(f"/admin/users/reset-two-factor/{account.pk}/"))
    assert refused(as_organiser.post(f"/admin/users/lift-sign-in-pause/{account.pk}/"))
    assert not ModelLogEntry.objects.filter(object_id=str(account.pk)).exists()


def sign_in_with_password(client, account, password):
    return client.post("/admin/login/", {"username": account.username, "password": password})


def test_organiser_lifts_a_sign_in_pause(client, translator, organiser, settings):
    for _ in range(settings.SIGN_IN_FAILURES_PER_NAME):
        sign_in_with_password(client, translator, "wrong password")
    assert sign_in_with_password(client, translator, PASSWORD).status_code == 429

    client.force_login(organiser)
    response = client.post(f"/admin/users/lift-sign-in-pause/{translator.pk}/")
    assert response.status_code == 302
    assert recent_failures(translator) == 0
    assert ModelLogEntry.objects.filter(
        object_id=str(translator.pk), action="accounts.lift_sign_in_pause", user=organiser
    ).exists()
    client.logout()
    assert sign_in_with_password(client, translator, PASSWORD).status_code == 302
