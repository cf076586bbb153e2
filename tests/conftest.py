import io

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Page, Site

from cms.database import database_health
from forms_app.models import SignupFormPage, SponsorFormPage
from home.management.commands import load_campaign_content
from home.models import HomePage

from .factories import (
    HomePageFactory,
    PlatformPageFactory,
    SponsorIndexPageFactory,
    UpdateIndexPageFactory,
)


def pytest_collection_modifyitems(items):
    """Every test that commits (transaction=True, or a live server) starts from the database as
    the migrations leave it, groups and permissions included. Django's serialized rollback does
    that only if every such test uses it: a flush without it makes content types and
    permissions again under new ids, which the next restore then collides with."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        options = dict(marker.kwargs) if marker else {}
        commits = options.get("transaction") or {"live_server", "transactional_db"} & set(
            item.fixturenames
        )
        if commits and not options.get("serialized_rollback"):
            options.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**options), append=False)
        if commits and "campaign_content" in item.fixturenames:
            raise pytest.UsageError(
                f"{item.nodeid} commits, so it cannot share its module's campaign content: "
                "ask for committed_campaign_site instead of campaign_site"
            )
    # Within each run of one module's tests (pytest-django has already put the tests that commit
    # after the others, as Django's runner does), the tests on the shared campaign content go
    # last: the module's other tests never see that content, and it is built once per run.
    run_starts = []
    for index, item in enumerate(items):
        starts_a_run = index == 0 or item.path != items[index - 1].path
        run_starts.append(index if starts_a_run else run_starts[-1])
    order = {
        item.nodeid: (run_start, "campaign_content" in item.fixturenames)
        for item, run_start in zip(items, run_starts, strict=True)
    }
    items.sort(key=lambda item: order[item.nodeid])


@pytest.fixture(scope="session")
def playwright(request):
    """Playwright's sync API, started once for a session that has browser tests (else None)."""
    if not any("browser" in item.fixturenames for item in request.session.items):
        yield None
        return
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        yield None
        return
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def django_db_setup(playwright, django_db_setup):
    """The test database is made after Playwright starts. Playwright runs an event loop in this
    thread from then on, and Django gives code under an event loop other connections than code
    without one; the copy of the migrated database that serialized rollback restores stays with
    the connections that made it. Made before Playwright, it would be out of sight of every test
    that runs after the browser started, and those tests would start from an empty database."""
    return django_db_setup


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty caches: what one test kept (the site menu, Wagtail's site
    paths) must not show in the next, whose database may reuse the same ids; nor may one test's
    form submissions count against the next one's rate limit."""
    for cache in caches.all():
        cache.clear()
    # Nor may a database failure one test provoked make the next one's pages 503s.
    database_health.is_down = False


@pytest.fixture
def without_translation_drafts(monkeypatch):
    """The content loader leaves out its draft Chinese translations, so that every other
    language starts untranslated (aliases), as the translation workflow's tests need."""
    monkeypatch.setattr(load_campaign_content, "TRANSLATION_FILES", {})


def load_campaign():
    call_command("load_campaign_content", stdout=io.StringIO())
    return HomePage.objects.get(depth=2, locale__language_code="en")


@pytest.fixture(scope="module")
def campaign_content(django_db_setup, django_db_blocker):
    """The real campaign content, built once for a test module by the command `make run` uses,
    with every other language still untranslated, and rolled back at the module's end. Each
    test runs inside it and is rolled back on its own, as any database test is. Building it
    takes seconds, and some 300 tests need it."""
    with django_db_blocker.unblock(), transaction.atomic():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(load_campaign_content, "TRANSLATION_FILES", {})
            load_campaign()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def campaign_site(campaign_content, db, without_translation_drafts):
    """The English home page of the real campaign content (see campaign_content). Loading the
    content again in a test adds no Chinese drafts either."""
    return HomePage.objects.get(depth=2, locale__language_code="en")


@pytest.fixture
def campaign_site_with_drafts(campaign_content, db):
    """The real campaign content exactly as `make run` loads it: the Chinese drafts are added
    to the module's shared content, as loading again on a site that has it does."""
    return load_campaign()


@pytest.fixture
def committed_campaign_site(transactional_db, without_translation_drafts):
    """The campaign content of campaign_site, built afresh and committed, for a test that runs
    the site in other threads or processes (a live server, gunicorn, nginx), which see only
    committed data."""
    return load_campaign()


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


@pytest.fixture
def account_in(django_user_model):
    """An account with a password in one of the groups the migrations make."""

    def make(group_name, username=None, password="a long volunteer passphrase"):
        username = username or group_name.lower()
        account = django_user_model.objects.create_user(
            username, f"{username}@example.org", password, first_name=username.title()
        )
        account.groups.add(Group.objects.get(name=group_name))
        return account

    return make
