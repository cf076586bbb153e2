import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Page, Site

from forms_app.models import SignupFormPage, SponsorFormPage
from home.models import HomePage

from .factories import (
    HomePageFactory,
    PlatformPageFactory,
    SponsorIndexPageFactory,
    UpdateIndexPageFactory,
)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: what one test kept (the site menu, Wagtail's site
    paths) must not show in the next, whose database may reuse the same ids."""
    cache.clear()


@pytest.fixture
def campaign_site(db):
    """The real campaign content, built by the same command `make run` uses."""
    call_command("load_campaign_content", stdout=io.StringIO())
    return HomePage.objects.get(depth=2, locale__language_code="en")


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run an organiser's action as a committed transaction would: with its commit hooks."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def answering_at_test_speed(settings):
    """Tests fill forms in faster than any person; the minimum-time guard has its own tests."""
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0


@pytest.fixture
def sponsor_form(campaign_site):
    return SponsorFormPage.objects.get(locale__language_code="en")


@pytest.fixture
def signup_form(campaign_site):
    return SignupFormPage.objects.get(locale__language_code="en")


@pytest.fixture
def home(db):
    """A bare home page at the root of the default site, with no children."""
    site = Site.objects.get(is_default_site=True)
    placeholder = site.root_page
    home = HomePageFactory(parent=Page.get_first_root_node(), slug="campaign")
    site.root_page = home
    site.save()
    placeholder.delete()
    return home


@pytest.fixture
def tree(home):
    """The home page with one page of each section below it."""
    return {
        "home": home,
        "platform": PlatformPageFactory(parent=home),
        "updates": UpdateIndexPageFactory(parent=home),
        "sponsors": SponsorIndexPageFactory(parent=home),
    }


def authenticator_for(user):
    """A confirmed authenticator app for the user, as the enrolment page leaves it."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "authenticator app"}
    )
    return device


def current_code(device):
    """The 6-digit code the user's authenticator app shows right now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def force_login_gives_both_factors(monkeypatch):
    """`client.force_login(user)` stands for a complete admin sign-in, second step included.
    Tests of the sign-in itself (test_sign_in.py) post the real forms instead."""
    force_login_with_password_only = Client.force_login

    def force_login(client, user, backend=None):
        force_login_with_password_only(client, user, backend)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)
