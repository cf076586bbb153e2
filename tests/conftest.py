import io

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.test import Client, TestCase, TransactionTestCase
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


def commits(item):
    """Whether the test commits: transaction=True, or a live server that reads what it writes."""
    marker = item.get_closest_marker("django_db")
    options = marker.kwargs if marker else {}
    return bool(
        options.get("transaction") or {"live_server", "transactional_db"} & set(item.fixturenames)
    )


def is_rolled_back(item):
    """Whether the test uses the database in a transaction that is rolled back at its end."""
    test_class = getattr(item, "cls", None)
    if test_class and issubclass(test_class, TransactionTestCase):
        return issubclass(test_class, TestCase)
    uses_database = item.get_closest_marker("django_db") or "db" in item.fixturenames
    return bool(uses_database) and not commits(item)


def pytest_collection_modifyitems(items):
    """Every test that commits (transaction=True, or a live server) starts from the database as
    the migrations leave it, groups and permissions included. Django's serialized rollback does
    that only if every such test uses it: a flush without it makes content types and
    permissions again under new ids, which the next restore then collides with."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        options = dict(marker.kwargs) if marker else {}
        if commits(item) and not options.get("serialized_rollback"):
            options.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**options), append=False)
        if commits(item) and "campaign_content" in item.fixturenames:
            raise pytest.UsageError(
                f"{item.nodeid} commits, so it cannot share the campaign content: "
                "ask for committed_campaign_site instead of campaign_site"
            )
    # pytest-django has put first the tests that are rolled back, as Django's runner does.
    # Among those, the tests on the shared campaign content go last: the others never see that
    # content, it is built once, and it is rolled back before the first test that commits.
    rolled_back = next(
        (index for index, item in enumerate(items) if not is_rolled_back(item)), len(items)
    )
    items[:rolled_back] = sorted(
        items[:rolled_back], key=lambda item: "campaign_content" in item.fixturenames
    )


def pytest_runtest_setup(item):
    # The shared content lives exactly as long as the run of rolled-back tests (a Django
    # TransactionTestCase, which commits, counts as the end of it too).
    if not is_rolled_back(item):
        SharedCampaign.roll_back()


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


class SharedCampaign:
    """The real campaign content in a transaction left open from the first test that asks for it
    until the first test that commits (or the session's end), then rolled back."""

    atomic = None
    db_blocker = None

    @classmethod
    def build(cls, db_blocker):
        cls.db_blocker = db_blocker
        with db_blocker.unblock():
            cls.atomic = transaction.atomic()
            cls.atomic.__enter__()
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(load_campaign_content, "TRANSLATION_FILES", {})
                load_campaign()

    @classmethod
    def roll_back(cls):
        if cls.atomic is None:
            return
        with cls.db_blocker.unblock():
            transaction.set_rollback(True)
            cls.atomic.__exit__(None, None, None)
        cls.atomic = None


@pytest.fixture(scope="session")
def shared_campaign(django_db_setup, django_db_blocker):
    SharedCampaign.build(django_db_blocker)
    yield
    SharedCampaign.roll_back()


@pytest.fixture
def campaign_content(shared_campaign):
    """The real campaign content, built once by the command `make run` uses, with every other
    language still untranslated. Each test runs inside it and is rolled back on its own, as any
    database test is. Building it takes seconds, and some 300 tests need it."""
    if SharedCampaign.atomic is None:
        raise pytest.UsageError(
            "the shared campaign content was rolled back: a test that "
            "commits ran before this one (see pytest_collection_modifyitems)"
        )


@pytest.fixture
def campaign_site(campaign_content, db, without_translation_drafts):
    """The English home page of the real campaign content (see campaign_content). Loading the
    content again in a test adds no Chinese drafts either."""
    return HomePage.objects.get(depth=2, locale__language_code="en")


@pytest.fixture
def campaign_site_with_drafts(campaign_content, db):
    """The real campaign content exactly as `make run` loads it: the Chinese drafts are added
    to the shared content, as loading again on a site that has it does."""
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
