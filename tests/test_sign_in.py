"""Admin sign-in: a password, then a second factor; throttling; sessions that end.

These tests post the real sign-in forms; they never use force_login, which conftest.py makes
stand for a complete sign-in.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import authenticator_for, current_code

PASSWORD = "a long organiser passphrase"
LOGIN_URL = "/admin/login/"
SECOND_STEP_URL = "/admin/sign-in/second-step/"
SET_UP_URL = "/admin/sign-in/set-up/"
RECOVERY_CODES_URL = "/admin/sign-in/recovery-codes/"


@pytest.fixture
def organiser(db):
    return get_user_model().objects.create_superuser("organiser", "o@example.org", PASSWORD)


def sign_in_with_password(client, username="organiser", password=PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def recovery_codes_on(response):
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


def test_password_alone_does_not_open_the_admin(client, organiser):
    authenticator_for(organiser)
    response = sign_in_with_password(client)
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith(SECOND_STEP_URL)


def test_password_alone_is_anonymous_outside_the_admin(client, organiser, home):
    authenticator_for(organiser)
    sign_in_with_password(client)
    response = client.get(home.url)
    assert response.wsgi_request.user.is_anonymous


def test_authenticator_code_completes_the_sign_in(client, organiser):
    device = authenticator_for(organiser)
    sign_in_with_password(client)
    response = client.post(SECOND_STEP_URL, {"code": current_code(device), "next": "/admin/"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_wrong_code_is_refused(client, organiser):
    authenticator_for(organiser)
    sign_in_with_password(client)
    response = client.post(SECOND_STEP_URL, {"code": "000000"})
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_admin_without_an_authenticator_must_enrol_first(client, organiser):
    sign_in_with_password(client)
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response.url.startswith(SET_UP_URL)


def test_enrolment_turns_on_the_second_factor_and_shows_recovery_codes_once(client, organiser):
    sign_in_with_password(client)
    page = client.get(SET_UP_URL)
    assert b"data:image/svg+xml;base64," in page.content
    device = TOTPDevice.objects.get(user=organiser, confirmed=False)

    response = client.post(SET_UP_URL, {"code": current_code(device), "next": "/admin/"})

    codes = recovery_codes_on(response)
    assert len(codes) == settings.RECOVERY_CODE_COUNT
    assert TOTPDevice.objects.get(user=organiser).confirmed
    assert client.get("/admin/").status_code == 200
    assert not recovery_codes_on(client.get("/admin/"))


def test_enrolment_refuses_a_wrong_code(client, organiser):
    sign_in_with_password(client)
    client.get(SET_UP_URL)
    response = client.post(SET_UP_URL, {"code": "000000"})
    assert not recovery_codes_on(response)
    assert not TOTPDevice.objects.filter(user=organiser, confirmed=True).exists()


def test_password_alone_cannot_enrol_another_authenticator(client, organiser):
    authenticator_for(organiser)
    sign_in_with_password(client)
    response = client.get(SET_UP_URL)
    assert response.status_code == 302
    assert response.url.startswith(SECOND_STEP_URL)
    assert TOTPDevice.objects.filter(user=organiser).count() == 1


def enrol(client):
    client.get(SET_UP_URL)
    device = TOTPDevice.objects.get(confirmed=False)
    return recovery_codes_on(client.post(SET_UP_URL, {"code": current_code(device)}))


def test_recovery_code_signs_in_once(client, organiser):
    sign_in_with_password(client)
    code = enrol(client)[0]
    client.logout()

    sign_in_with_password(client)
    client.post(SECOND_STEP_URL, {"code": code.upper()})
    assert client.get("/admin/").status_code == 200
    client.logout()

    sign_in_with_password(client)
    client.post(SECOND_STEP_URL, {"code": code})
    assert client.get("/admin/").status_code == 302


def test_new_recovery_codes_replace_the_old(client, organiser):
    sign_in_with_password(client)
    old_codes = enrol(client)
    new_codes = recovery_codes_on(client.post(RECOVERY_CODES_URL))
    assert len(new_codes) == settings.RECOVERY_CODE_COUNT
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert stored == set(new_codes)
    assert not stored & set(old_codes)


def test_repeated_wrong_codes_are_slowed_down(client, organiser):
    device = authenticator_for(organiser)
    sign_in_with_password(client)
    for _ in range(3):
        client.post(SECOND_STEP_URL, {"code": "000000"})
    response = client.post(SECOND_STEP_URL, {"code": current_code(device)})
    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/admin/").status_code == 302


# Throttling of passwords (django-axes)


def fail_until_locked(client, username="organiser", address="203.0.113.7"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_with_password(client, username, "wrong password", REMOTE_ADDR=address)


def test_account_is_locked_after_the_failure_limit(client, organiser):
    fail_until_locked(client)
    # Even the right password, from another address, is refused while the lock lasts.
    response = sign_in_with_password(client, REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_address_is_locked_after_the_failure_limit(client, organiser):
    get_user_model().objects.create_user("someone", "s@example.org", "another passphrase!")
    fail_until_locked(client, username="someone")
    response = sign_in_with_password(client, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_out_message_says_how_long(client, organiser):
    fail_until_locked(client)
    response = sign_in_with_password(client)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"paused for {minutes} minutes" in response.content.decode()


def test_sign_in_works_again_when_the_lock_ends(client, organiser, settings):
    fail_until_locked(client)
    settings.AXES_COOLOFF_TIME = timedelta(0)
    response = sign_in_with_password(client, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_failures_below_the_limit_do_not_lock(client, organiser):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in_with_password(client, password="wrong password")
    assert sign_in_with_password(client).status_code == 302


def test_session_expires(client, organiser):
    sign_in_with_password(client)
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE <= 12 * 60 * 60


def test_weak_password_is_refused(organiser):
    for weak in ("password123", "12345678901234", "organiser2024"):
        with pytest.raises(ValidationError):
            validate_password(weak, organiser)


def test_second_step_url_is_the_one_the_middleware_sends_to():
    assert reverse("accounts_verify_second_factor") == SECOND_STEP_URL
    assert reverse("accounts_set_up_second_factor") == SET_UP_URL
