"""Real-browser tests: Playwright drives Debian's Chromium against a live Django server.

Playwright cannot download its own browser here, so the system Chromium is used. Without it
the tests skip on a developer's machine and fail in CI (REQUIRE_BROWSER=1).
"""

import io
import os
import shutil
import threading
import time
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.signals import request_finished, request_started

from ..conftest import authenticator_for, current_code
from ..servers import Mailbox, free_port, wait_until

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls from
# the test body unless told that this thread is not really asynchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PROJECT_DIR = Path(__file__).resolve().parents[2]
AXE_SCRIPT = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = PROJECT_DIR / "test-results" / "screenshots"
DOCS_IMAGES_DIR = PROJECT_DIR / "docs" / "images"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The live server reads what the test writes, so tests commit for real. The flush after each
# such test also empties what Wagtail's migrations made (root page, locale, site): the content
# loader makes them again when they are missing.
BROWSER_DB = pytest.mark.django_db(transaction=True)


def require_or_skip(reason):
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (REQUIRE_BROWSER is set, so this is an error)")
    pytest.skip(reason)


def chromium_path():
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser(playwright):
    path = chromium_path()
    if not Path(path).exists():
        require_or_skip(f"Chromium not found at {path}")
    if playwright is None:
        require_or_skip("Playwright is not installed")
    browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


class ServerRequests:
    """Counts the requests Django is in the middle of answering, in any thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answering = 0
        self.last_change = time.monotonic()

    def started(self, **kwargs):
        with self.lock:
            self.answering += 1
            self.last_change = time.monotonic()

    def finished(self, **kwargs):
        with self.lock:
            self.answering -= 1
            self.last_change = time.monotonic()

    def wait_for_quiet(self, seconds):
        """Until nothing has been asked or answered for `seconds`, counted from now at least."""
        with self.lock:
            self.last_change = time.monotonic()

        def quiet():
            with self.lock:
                return not self.answering and time.monotonic() - self.last_change >= seconds

        wait_until(quiet, seconds=30, what="the live server's last answer")


@pytest.fixture
def page(browser):
    """A browser tab. When the test ends it leaves its page, and the test's database flush
    waits until the live server has answered what leaving sent (an admin editing session's
    release): answered during the flush, that request and the flush waited on each other's
    locks until one gave up, and the flush's failure ended a whole run."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    requests = ServerRequests()
    request_started.connect(requests.started)
    request_finished.connect(requests.finished)
    try:
        yield page
        page.goto("about:blank")
    finally:
        context.close()
        try:
            requests.wait_for_quiet(seconds=0.5)
        finally:
            request_started.disconnect(requests.started)
            request_finished.disconnect(requests.finished)


# wagtail-localize makes its "Can submit translations" permission in a data migration, which the
# flush after a transactional test empties and nothing makes again.
submit_translation_migration = import_module(
    "wagtail_localize.migrations.0006_create_submit_translation_permission"
)


@pytest.fixture
def live_campaign(live_server):
    """The real campaign content behind a live server (needs the BROWSER_DB marker)."""
    submit_translation_migration.create_submit_translation_permission(apps, None)
    call_command("load_campaign_content", stdout=io.StringIO())
    return live_server


@pytest.fixture
def screenshot():
    """Saves a screenshot; with UPDATE_DOCS_SCREENSHOTS=1 it also refreshes docs/images/."""

    def take(page, name, **options):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        file_name = f"{name}.{options.get('type', 'png').replace('jpeg', 'jpg')}"
        path = SCREENSHOT_DIR / file_name
        page.screenshot(path=path, **options)
        if os.environ.get("UPDATE_DOCS_SCREENSHOTS"):
            DOCS_IMAGES_DIR.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_IMAGES_DIR / file_name)
        return path

    return take


@pytest.fixture
def axe_violations():
    """Runs axe-core in the page and returns the serious and critical violations."""
    if not AXE_SCRIPT.exists():
        require_or_skip("axe-core is not installed (npm ci)")

    def check(page):
        # Evaluated through the DevTools protocol: a script tag would be refused by the
        # page's Content Security Policy, as it should be.
        page.evaluate(AXE_SCRIPT.read_text())
        results = page.evaluate("async () => await axe.run(document)")
        return [
            f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"at {[node['target'] for node in violation['nodes']]}"
            for violation in results["violations"]
            if violation["impact"] in {"serious", "critical"}
        ]

    return check


@pytest.fixture
def sign_in():
    """Signs a user in to the admin in the browser: password, then their authenticator's code."""

    def sign_in_as(page, server_url, user, password):
        device = authenticator_for(user)
        page.goto(server_url + "/admin/login/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", password)
        page.get_by_role("button", name="Sign in").click()
        page.fill("#id_code", current_code(device))
        page.get_by_role("button", name="Continue").click()

    return sign_in_as


@pytest.fixture
def mailbox(settings):
    """A real SMTP server on loopback that the site (Django's SMTP backend) sends to."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 5
    server = Controller(mailbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    server.start()
    yield mailbox
    server.stop()
