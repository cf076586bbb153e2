"""The roles as a fresh install makes them: migrations run on an empty database, then each
role's duties asked of Django's own permission checks.

It runs in a separate process on a new SQLite file, because the test database of the other
tests may have been made earlier (--reuse-db) and Wagtail creates some permissions only after
the last migration, which is what once left a grant silently skipped.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]

ASK_EVERY_ROLE = """
import json
import django
from django.core.management import call_command

django.setup()
call_command("migrate", verbosity=0, interactive=False)

from django.contrib.auth.models import Group, User
from wagtail.models import GroupApprovalTask, Page

page = Page.objects.get(depth=2)
answers = {}
for group in Group.objects.all():
    user = User.objects.create_user(group.name.lower())
    user.groups.add(group)
    answers[group.name] = {
        "permissions": sorted(user.get_all_permissions()),
        "edits pages": page.permissions_for_user(user).can_edit(),
        "publishes pages": page.permissions_for_user(user).can_publish(),
        "reviews": GroupApprovalTask.objects.filter(groups=group, active=True).exists(),
    }
answers["review step"] = sorted(GroupApprovalTask.objects.values_list("name", flat=True))
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory):
    database = tmp_path_factory.mktemp("fresh") / "fresh.sqlite3"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    result = subprocess.run(
        [sys.executable, "-c", ASK_EVERY_ROLE],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


ORGANISERS_DUTIES = [
    "wagtailadmin.access_admin",
    "sponsors.view_sponsor",
    "sponsors.change_sponsor",
    "forms_app.view_personal_data",
    "localisation.change_sponsordescription",
    "localisation.publish_sponsordescription",
    "wagtail_localize.submit_translation",
    "wagtailredirects.add_redirect",
    "wagtailimages.add_image",
    "wagtaildocs.add_document",
]
TRANSLATORS_DUTIES = [
    "wagtailadmin.access_admin",
    "wagtail_localize.submit_translation",
    "localisation.add_sponsordescription",
    "localisation.change_sponsordescription",
]
# Nothing a volunteer holds publishes, or reads what a supporter or a sponsor sent in.
NOT_FOR_VOLUNTEERS = [
    "localisation.publish_sponsordescription",
    "localisation.delete_sponsordescription",
    "forms_app.view_personal_data",
    "wagtailforms.delete_formsubmission",
    "sponsors.view_sponsor",
    "sponsors.change_sponsor",
]


def test_the_roles_and_nothing_else(fresh_install):
    groups = set(fresh_install) - {"review step"}
    assert groups == {"Organisers", "Editors", "Translators"}


def test_organisers_publish_and_review(fresh_install):
    organisers = fresh_install["Organisers"]
    assert set(ORGANISERS_DUTIES) <= set(organisers["permissions"])
    assert organisers["publishes pages"]
    assert organisers["reviews"]


@pytest.mark.parametrize("role", ["Editors", "Translators"])
def test_volunteers_submit_but_never_publish(fresh_install, role):
    answers = fresh_install[role]
    assert "wagtailadmin.access_admin" in answers["permissions"]
    assert not set(NOT_FOR_VOLUNTEERS) & set(answers["permissions"])
    assert not answers["publishes pages"]
    assert not answers["reviews"]


def test_editors_edit_pages(fresh_install):
    assert fresh_install["Editors"]["edits pages"]


def test_translators_translate(fresh_install):
    # Their pages are each translated language's tree, granted when the content loader makes
    # those trees; the English pages are never theirs.
    translators = fresh_install["Translators"]
    assert set(TRANSLATORS_DUTIES) <= set(translators["permissions"])
    assert not translators["edits pages"]


def test_the_review_step_is_named_for_the_organisers(fresh_install):
    assert fresh_install["review step"] == ["Organisers' approval"]
