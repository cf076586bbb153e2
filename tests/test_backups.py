"""backup_site and restore_site: everything comes back, private data included."""

import stat

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from wagtail.documents import get_document_model
from wagtail.models import Page

from forms_app.models import CampaignFormSubmission, SignupFormPage, Subscriber
from sponsors.models import Sponsor

from .forms_helpers import SIGNUP_ANSWERS, submit


@pytest.fixture
def site_with_data(campaign_site, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    settings.FORMS_RATE_LIMITS = []
    submit(client, SignupFormPage.objects.get(locale__language_code="en"), SIGNUP_ANSWERS)
    assert Subscriber.objects.exists()
    get_document_model().objects.create(
        title="Leaflet", file=ContentFile(b"leaflet text", name="leaflet.txt")
    )
    return campaign_site


def counts():
    return {
        "pages": Page.objects.count(),
        "sponsors": Sponsor.objects.count(),
        "submissions": CampaignFormSubmission.objects.count(),
        "subscribers": Subscriber.objects.count(),
        "documents": get_document_model().objects.count(),
    }


def test_restore_brings_back_content_private_data_and_files(site_with_data, tmp_path, settings):
    archive = tmp_path / "site.tar.gz"
    before = counts()
    call_command("backup_site", str(archive), stdout=None)

    Sponsor.objects.all().delete()
    Subscriber.objects.all().delete()
    CampaignFormSubmission.objects.all().delete()
    document = get_document_model().objects.get()
    document.file.delete(save=False)

    if connection.vendor == "postgresql":
        # The rows written above leave foreign-key checks deferred to the test transaction's
        # commit, and PostgreSQL refuses to TRUNCATE while any are pending. Running them now
        # stands for the commit a real run has made long before; deferring again afterwards
        # lets the restore load rows in any order, as it does outside a test.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    call_command("restore_site", str(archive), replace_everything=True, stdout=None)

    assert counts() == before
    assert Subscriber.objects.get().email == SIGNUP_ANSWERS["email"]
    assert CampaignFormSubmission.objects.get().form_data["name"] == SIGNUP_ANSWERS["name"]
    with get_document_model().objects.get().file.open() as restored:
        assert restored.read() == b"leaflet text"


def test_backup_is_readable_by_its_owner_only(site_with_data, tmp_path):
    archive = tmp_path / "site.tar.gz"
    call_command("backup_site", str(archive), stdout=None)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600


def test_restore_refuses_without_being_told_to_replace_everything(site_with_data, tmp_path):
    archive = tmp_path / "site.tar.gz"
    call_command("backup_site", str(archive), stdout=None)
    with pytest.raises(CommandError, match="replace-everything"):
        call_command("restore_site", str(archive))
    assert Subscriber.objects.exists()
