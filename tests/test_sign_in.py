"""Admin sign-in: a password, then a second factor; re-authentication before the second factor
changes; the sign-in pause; sessions that end.

These tests post the real sign-in forms; they never use force_login, which conftest.py makes
stand for a complete sign-in. Setting up a second factor is in test_enrolment.py.
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

from cms.accounts.views import replace_recovery_codes

from .conftest import authenticator_for, current_code

PASSWORD = "a long organiser passphrase"
LOGIN_URL = "/admin/login/"
SECOND_STEP_URL = "/admin/sign-in/second-step/"
TWO_FACTOR_URL = "/admin/sign-in/two-factor/"
NEW_AUTHENTICATOR_URL = "/admin/sign-in/two-factor/new-authenticator/"
NEW_RECOVERY_CODES_URL = "/admin/sign-in/two-factor/new-recovery-codes/"
HOME_ADDRESS = "198.51.100.9"
ATTACKER_ADDRESS = "203.0.113.7"


@pytest.fixture
def organiser(db):
    return get_user_model().objects.create_superuser("organiser", "o@example.org", PASSWORD)


def sign_in_with_password(client, username="organiser", password=PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def sign_in(client, user, password=PASSWORD):
    """Both steps, through the real forms."""
    device = authenticator_for(user)
    sign_in_with_password(client, user.get_username(), password)
    client.post(SECOND_STEP_URL, {"code": current_code(device)})
    return device


def recovery_codes_on(response):
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


def alert_on(response):
    """The text of the page's alert box: Wagtail's sign-in styles hide errors anywhere else."""
    alert = r'<div class="messages" role="alert">(.*?)</div>'
    match = re.search(alert, response.content.decode(), re.S)
    return match.group(1) if match else ""


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


def test_wrong_code_is_refused_in_plain_sight(client, organiser):
    authenticator_for(organiser)
    sign_in_with_password(client)
    response = client.post(SECOND_STEP_URL, {"code": "000000"})
    assert response.status_code == 200
    assert "That code is not right" in alert_on(response)
    assert client.get("/admin/").status_code == 302


def test_recovery_code_signs_in_once(client, organiser):
    authenticator_for(organiser)
    code = replace_recovery_codes(organiser)[0]

    sign_in_with_password(client)
    client.post(SECOND_STEP_URL, {"code": code.upper()})
    assert client.get("/admin/").status_code == 200
    client.logout()

    sign_in_with_password(client)
    response = client.post(SECOND_STEP_URL, {"code": code})
    assert "That code is not right" in alert_on(response)
    assert client.get("/admin/").status_code == 302


def test_repeated_wrong_codes_are_slowed_down(client, organiser):
    device = authenticator_for(organiser)
    sign_in_with_password(client)
    for _ in range(3):
        client.post(SECOND_STEP_URL, {"code": "000000"})
    response = client.post(SECOND_STEP_URL, {"code": current_code(device)})
    assert "Too many wrong codes" in alert_on(response)
    assert client.get("/admin/").status_code == 302


# Replacing the second factor: a signed-in session alone is not enough.


def reauthenticate(client, password, code):
    return client.post(TWO_FACTOR_URL, {"password": password, "code": code})


def test_session_alone_cannot_replace_the_authenticator(client, organiser):
    old_device = sign_in(client, organiser)
    response = client.get(NEW_AUTHENTICATOR_URL)
    assert response.status_code == 302
    assert response.url == TWO_FACTOR_URL
    assert b"Key:" not in client.get(response.url).content
    assert list(TOTPDevice.objects.filter(user=organiser)) == [old_device]


def test_session_alone_cannot_replace_the_recovery_codes(client, organiser):
    sign_in(client, organiser)
    old_codes = replace_recovery_codes(organiser)
    response = client.post(NEW_RECOVERY_CODES_URL)
    assert not recovery_codes_on(response)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old_codes)


def test_reauthentication_refuses_a_wrong_password(client, organiser):
    device = sign_in(client, organiser)
    response = reauthenticate(client, "not my password", current_code(device))
    assert "That password is not right" in alert_on(response)
    assert client.get(NEW_AUTHENTICATOR_URL).status_code == 302


def test_reauthentication_refuses_a_wrong_code(client, organiser):
    sign_in(client, organiser)
    response = reauthenticate(client, PASSWORD, "000000")
    assert "That code is not right" in alert_on(response)
    assert client.get(NEW_AUTHENTICATOR_URL).status_code == 302


def test_wrong_password_does_not_use_up_a_recovery_code(client, organiser):
    sign_in(client, organiser)
    code = replace_recovery_codes(organiser)[0]
    reauthenticate(client, "not my password", code)
    assert StaticToken.objects.filter(token=code).exists()


def test_password_and_code_let_the_owner_replace_the_authenticator(client, organiser):
    old_device = sign_in(client, organiser)
    old_code = current_code(old_device)
    assert reauthenticate(client, PASSWORD, replace_recovery_codes(organiser)[0]).status_code == 302

    assert b"Key:" in client.get(NEW_AUTHENTICATOR_URL).content
    new_device = TOTPDevice.objects.get(user=organiser, confirmed=False)
    response = client.post(NEW_AUTHENTICATOR_URL, {"code": current_code(new_device)})

    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=organiser)) == [new_device]
    new_device.refresh_from_db()
    assert new_device.confirmed
    assert client.get("/admin/").status_code == 200
    # The old phone's codes no longer sign anyone in.
    client.logout()
    sign_in_with_password(client)
    client.post(SECOND_STEP_URL, {"code": old_code})
    assert client.get("/admin/").status_code == 302


def test_password_and_code_let_the_owner_replace_the_recovery_codes(client, organiser):
    sign_in(client, organiser)
    old_codes = replace_recovery_codes(organiser)
    # The authenticator's code has just been used to sign in; a recovery code proves it too.
    reauthenticate(client, PASSWORD, old_codes[0])
    new_codes = recovery_codes_on(client.post(NEW_RECOVERY_CODES_URL))
    assert len(new_codes) == settings.RECOVERY_CODE_COUNT
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new_codes)
    assert not set(new_codes) & set(old_codes)
    # Proving it once allows one change, not a session's worth of them.
    assert not recovery_codes_on(client.post(NEW_RECOVERY_CODES_URL))


def test_reauthentication_lapses(client, organiser, monkeypatch):
    sign_in(client, organiser)
    reauthenticate(client, PASSWORD, replace_recovery_codes(organiser)[0])
    assert client.get(NEW_AUTHENTICATOR_URL).status_code == 200
    monkeypatch.setattr("cms.accounts.views.REAUTHENTICATION_MAX_AGE_SECONDS", 0)
    assert client.get(NEW_AUTHENTICATOR_URL).status_code == 302


# The sign-in pause (django-axes), per user name at one address and per address.


def fail(client, times, username="organiser", address=ATTACKER_ADDRESS):
    for _ in range(times):
        sign_in_with_password(client, username, "wrong password", REMOTE_ADDR=address)


def test_name_is_paused_at_the_address_that_failed(client, organiser):
    fail(client, settings.SIGN_IN_FAILURES_PER_NAME)
    response = sign_in_with_password(client, REMOTE_ADDR=ATTACKER_ADDRESS)
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_nobody_can_lock_an_organiser_out_from_elsewhere(client, organiser):
    fail(client, settings.SIGN_IN_FAILURES_PER_ADDRESS)
    response = sign_in_with_password(client, REMOTE_ADDR=HOME_ADDRESS)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_failures_for_one_name_do_not_lock_a_colleague_at_the_same_address(client, organiser):
    get_user_model().objects.create_user("colleague", "c@example.org", "a colleague passphrase")
    fail(client, settings.SIGN_IN_FAILURES_PER_NAME, username="colleague", address=HOME_ADDRESS)
    response = sign_in_with_password(client, REMOTE_ADDR=HOME_ADDRESS)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_one_address_guessing_many_names_is_paused(client, organiser):
    for number in range(settings.SIGN_IN_FAILURES_PER_ADDRESS):
        fail(client, 1, username=f"guess{number}")
    response = sign_in_with_password(client, REMOTE_ADDR=ATTACKER_ADDRESS)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_pause_message_says_how_long(client, organiser):
    fail(client, settings.SIGN_IN_FAILURES_PER_NAME)
    response = sign_in_with_password(client, REMOTE_ADDR=ATTACKER_ADDRESS)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"paused for {minutes} minutes" in response.content.decode()


def test_sign_in_works_again_when_the_pause_ends(client, organiser, settings):
    fail(client, settings.SIGN_IN_FAILURES_PER_NAME)
    settings.AXES_COOLOFF_TIME = timedelta(0)
    response = sign_in_with_password(client, REMOTE_ADDR=ATTACKER_ADDRESS)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_failures_below_the_limit_do_not_pause(client, organiser):
    fail(client, settings.SIGN_IN_FAILURES_PER_NAME - 1)
    assert sign_in_with_password(client, REMOTE_ADDR=ATTACKER_ADDRESS).status_code == 302


def test_wrong_passwords_when_reauthenticating_count_towards_the_pause(client, organiser):
    device = sign_in(client, organiser)
    for _ in range(settings.SIGN_IN_FAILURES_PER_NAME):
        response = reauthenticate(client, "not my password", current_code(device))
    assert response.status_code == 429


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
