"""One public address, SITE_URL, for everything that names the site: emailed links, and the
Wagtail Site behind canonical and share links, which `migrate` keeps in step with it. Without
one, as in development, emailed links use the address the request came in on."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from wagtail.models import Page, Site

from cms.site_url.address import absolute_url
from forms_app.models import SignupFormPage

from .forms_helpers import SIGNUP_ANSWERS, submit

pytestmark = pytest.mark.usefixtures("answering_at_test_speed")


def links_in(message):
    return re.findall(r"https?://\S+", message.body)


def migrate():
    output = io.StringIO()
    call_command("migrate", verbosity=1, stdout=output)
    return output.getvalue()


def test_migrate_puts_the_default_site_at_site_url(campaign_site, settings):
    settings.SITE_URL = "https://campaign.example.org"
    output = migrate()
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("campaign.example.org", 443)
    assert site.root_url == "https://campaign.example.org"
    assert campaign_site.get_full_url().startswith("https://campaign.example.org/en/")
    assert "https://campaign.example.org" in output
    assert "https://campaign.example.org" not in migrate()  # nothing left to change


def test_a_site_url_with_a_port_keeps_it(campaign_site, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    migrate()
    assert Site.objects.get(is_default_site=True).root_url == "http://127.0.0.1:8123"


def test_the_content_loader_makes_its_site_at_site_url(db, settings):
    settings.SITE_URL = "https://campaign.example.org"
    # A database as a test flush leaves it: no site, no page below the root.
    Site.objects.all().delete()
    Page.objects.filter(depth=2).delete()
    call_command("load_campaign_content", stdout=io.StringIO())
    assert Site.objects.get(is_default_site=True).root_url == "https://campaign.example.org"


def test_canonical_and_share_links_use_site_url(campaign_site, client, settings):
    settings.SITE_URL = "https://campaign.example.org"
    migrate()
    html = client.get("/en/", HTTP_HOST="127.0.0.1:8000").content.decode()
    assert '<link rel="canonical" href="https://campaign.example.org/en/">' in html
    assert "127.0.0.1:8000" not in html


def test_emailed_links_use_site_url(
    signup_form, client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://campaign.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, signup_form, SIGNUP_ANSWERS, HTTP_HOST="127.0.0.1:8000")
    links = links_in(mail.outbox[-1])
    assert links and all(link.startswith("https://campaign.example.org/") for link in links)


@pytest.mark.django_db(transaction=True)
def test_without_site_url_emailed_links_use_the_requests_host_and_port(
    committed_campaign_site, client, settings
):
    """As under `manage.py runserver` on any port: the emails are sent as the request ends."""
    settings.SITE_URL = ""
    form = SignupFormPage.objects.get(locale__language_code="en")
    submit(client, form, SIGNUP_ANSWERS, HTTP_HOST="127.0.0.1:8123")
    links = links_in(mail.outbox[-1])
    assert len(links) >= 2  # the confirmation link and the unsubscribe link
    assert all(link.startswith("http://127.0.0.1:8123/") for link in links)


def test_without_site_url_or_a_request_links_use_the_default_site(campaign_site, settings):
    settings.SITE_URL = ""
    assert absolute_url("/en/") == Site.objects.get(is_default_site=True).root_url + "/en/"
