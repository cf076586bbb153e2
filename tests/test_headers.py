"""Response headers under the production settings, held to the Mozilla HTTP Observatory's
criteria for an A+: a strict Content Security Policy, HSTS for a year, secure cookies,
no framing, no sniffing, a private Referrer-Policy. Also: uploads cannot run as the site,
error pages reveal nothing, and production passes `check --deploy`."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.test import RequestFactory
from wagtail.documents import get_document_model
from wagtail.documents.forms import get_document_form
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form

from cms.middleware import ContentSecurityPolicyMiddleware, allow_captcha
from forms_app.models import SignupFormPage
from home.models import HomePage

PROJECT_DIR = Path(__file__).resolve().parents[1]
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}
PRIVATE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin"}
HALF_A_YEAR = 15_768_000  # the Observatory's minimum HSTS max-age, in seconds


def production_environment():
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is rightly an error in deployment.
    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "EMAIL_HASH_KEY": secrets.token_urlsafe(48),
        # Production refuses Google's test keys; these stand for the operator's own.
        "RECAPTCHA_PUBLIC_KEY": "operator-public-key",
        "RECAPTCHA_PRIVATE_KEY": "operator-private-key",
        "SITE_URL": "https://campaign.example.org",
    }


@pytest.fixture(scope="module")
def production_https_settings():
    """The HTTPS settings exactly as cms.settings.production sets them, read in a separate
    interpreter (importing production here would change this one's shared settings)."""
    code = (
        "import json; from django.conf import settings; print(json.dumps({name: "
        "getattr(settings, name) for name in dir(settings) "
        "if name.startswith(('SECURE_', 'SESSION_COOKIE_', 'CSRF_COOKIE_'))}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture
def production_https(settings, production_https_settings):
    for name, value in production_https_settings.items():
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)


def policy(response):
    directives = {}
    for directive in response["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        directives[name] = sources
    return directives


def observatory_failures(response, *, admin=False, script_hosts=()):
    """What the Observatory would mark down in a response's headers; `script_hosts` are the
    other sites a page may load scripts from (the captcha's, on form pages)."""
    failures = []
    csp = policy(response) if "Content-Security-Policy" in response else {}
    script_src = csp.get("script-src", csp.get("default-src", ["*"]))
    if not csp:
        failures.append("no Content-Security-Policy")
    if not admin and {"'unsafe-inline'", "'unsafe-eval'"} & set(script_src):
        failures.append(f"unsafe script-src {script_src}")
    if not admin and csp.get("default-src") != ["'none'"]:
        failures.append(f"default-src is {csp.get('default-src')}")
    for directive in ("frame-ancestors", "object-src", "base-uri"):
        if csp.get(directive) != ["'none'"]:
            failures.append(f"{directive} is {csp.get(directive)}")
    if not any(source.startswith(("'self'", "'nonce-")) for source in script_src):
        failures.append("script-src allows nothing of the site's own")
    other_sites = set(script_src) - set(script_hosts)
    if any(source.startswith(("http:", "https:", "*")) for source in other_sites):
        failures.append(f"script-src allows another site: {script_src}")
    hsts = dict(
        (part.strip().split("=") + [True])[:2]
        for part in response.get("Strict-Transport-Security", "").split(";")
        if part.strip()
    )
    if int(hsts.get("max-age", 0)) < HALF_A_YEAR:
        failures.append(f"HSTS {response.get('Strict-Transport-Security')}")
    if response.get("X-Content-Type-Options") != "nosniff":
        failures.append("no X-Content-Type-Options: nosniff")
    if response.get("X-Frame-Options") not in {"DENY", "SAMEORIGIN"}:
        failures.append("no X-Frame-Options")
    if response.get("Referrer-Policy") not in PRIVATE_REFERRER_POLICIES:
        failures.append(f"Referrer-Policy {response.get('Referrer-Policy')}")
    if "camera=()" not in response.get("Permissions-Policy", ""):
        failures.append("no Permissions-Policy")
    if response.get("Access-Control-Allow-Origin") == "*" and response.cookies:
        failures.append("a response with cookies is open to every origin")
    for cookie in response.cookies.values():
        if not (cookie["secure"] and cookie["httponly"] and cookie["samesite"]):
            failures.append(f"cookie {cookie.key} lacks Secure, HttpOnly or SameSite")
    return failures


def test_public_page_meets_the_observatory_criteria(client, home, production_https):
    response = client.get(home.url, **HTTPS)
    assert response.status_code == 200
    assert observatory_failures(response) == []


def test_public_page_loads_nothing_from_another_site(client, home, production_https):
    directives = policy(client.get(home.url, **HTTPS))
    sources = {source for values in directives.values() for source in values}
    assert not any("//" in source or source == "https:" for source in sources), sources


def test_not_found_page_meets_the_observatory_criteria(client, home, production_https):
    response = client.get("/en/no-such-page/", **HTTPS)
    assert response.status_code == 404
    assert observatory_failures(response) == []


def test_admin_login_meets_the_observatory_criteria(client, db, production_https):
    response = client.get("/admin/login/", **HTTPS)
    assert response.status_code == 200
    assert response.cookies, "the login form sets its CSRF cookie"
    assert observatory_failures(response, admin=True) == []


def test_api_meets_the_observatory_criteria(client, campaign_site, production_https):
    response = client.get("/api/v2/pages/", **HTTPS)
    assert response.status_code == 200
    assert observatory_failures(response) == []


def test_session_cookie_is_secure_and_http_only(client, production_https, django_user_model):
    django_user_model.objects.create_user("organiser", password="a long organiser passphrase")
    response = client.post(
        "/admin/login/",
        {"username": "organiser", "password": "a long organiser passphrase"},
        **HTTPS,
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_plain_http_is_redirected_to_https(client, home, production_https):
    response = client.get(home.url)
    assert response.status_code == 301
    assert response.url.startswith("https://")


def test_form_page_meets_the_observatory_criteria(
    client, campaign_site, production_https, settings
):
    # With the operator's own keys the captcha is live (Google's test keys render none).
    settings.RECAPTCHA_PUBLIC_KEY = "operator-public-key"
    settings.RECAPTCHA_PRIVATE_KEY = "operator-private-key"
    signup_page = SignupFormPage.objects.get(locale__language_code="en")
    response = client.get(signup_page.url, **HTTPS)
    assert response.status_code == 200
    captcha_hosts = settings.CAPTCHA_CONTENT_SECURITY_POLICY["script-src"]
    assert observatory_failures(response, script_hosts=captcha_hosts) == []
    assert "https://www.recaptcha.net" in policy(response)["script-src"]


def test_pages_without_a_form_do_not_let_the_captcha_in(client, campaign_site, production_https):
    response = client.get(campaign_site.url, **HTTPS)
    assert "recaptcha" not in response["Content-Security-Policy"]


def test_form_page_policy_adds_only_the_captcha_hosts(rf, production_https):
    request = rf.get("/en/sign-up/")
    response = ContentSecurityPolicyMiddleware(lambda request: allow_captcha(HttpResponse("form")))(
        request
    )
    directives = policy(response)
    assert directives["script-src"] == [
        "'self'",
        "https://www.recaptcha.net",
        "https://www.gstatic.com",
    ]
    assert directives["frame-src"] == ["https://www.recaptcha.net"]
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_public_script_needs_the_responses_nonce(rf):
    request = rf.get("/en/")

    def page_with_a_script(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')

    response = ContentSecurityPolicyMiddleware(page_with_a_script)(request)
    assert f"'nonce-{request.csp_nonce}'" in policy(response)["script-src"]


def test_admin_preview_may_be_framed_by_the_admin_only(rf):
    request = RequestFactory().get("/admin/pages/3/edit/preview/")

    def preview(request):
        response = HttpResponse("preview")
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response

    directives = policy(ContentSecurityPolicyMiddleware(preview)(request))
    assert directives["frame-ancestors"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


# Uploads


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "page.htm", "script.js"])
def test_active_documents_cannot_be_uploaded(db, name):
    form_class = get_document_form(get_document_model())
    upload = ContentFile(b"<script>alert(1)</script>", name=name)
    form = form_class(data={"title": name}, files={"file": upload})
    assert not form.is_valid()


def test_svg_images_cannot_be_uploaded(db):
    form_class = get_image_form(get_image_model())
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    form = form_class(data={"title": "logo"}, files={"file": ContentFile(svg, name="logo.svg")})
    assert not form.is_valid()


@pytest.mark.parametrize("name", ["notes.txt", "old-upload.html"])
def test_documents_are_served_in_a_sandbox(client, db, settings, tmp_path, name):
    settings.MEDIA_ROOT = tmp_path
    document = get_document_model().objects.create(
        title=name, file=ContentFile(b"<script>alert(1)</script>", name=name)
    )
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    if name.endswith(".html"):
        assert response["Content-Disposition"].startswith("attachment")


# Errors


def test_server_error_page_reveals_nothing(client, home, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("secret detail at /srv/campaign/settings.py")

    monkeypatch.setattr(HomePage, "serve", fail)
    client.raise_request_exception = False
    response = client.get(home.url)
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "secret detail" not in body and "Traceback" not in body and "/srv" not in body


def test_not_found_page_does_not_echo_the_address(client, home):
    response = client.get("/en/%3Cscript%3Ealert(1)%3C/script%3E/")
    assert response.status_code == 404
    assert b"<script>alert(1)" not in response.content


def test_production_passes_check_deploy_with_nothing_silenced():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 silenced" in result.stdout
