"""Each spam guard, through a real POST to the form page."""

import re
import socket
import time
from urllib.error import HTTPError, URLError

import pytest
from django_recaptcha import client as recaptcha_client
from django_recaptcha.client import RecaptchaResponse

from forms_app.models import CampaignFormSubmission

from .forms_helpers import SIGNUP_ANSWERS, form_token, submit

pytestmark = pytest.mark.usefixtures("answering_at_test_speed")


@pytest.fixture
def real_captcha_keys(settings):
    """Keys that are not Google's test keys, so the server really checks the token."""
    settings.RECAPTCHA_PUBLIC_KEY = "site-key-for-tests"
    settings.RECAPTCHA_PRIVATE_KEY = "secret-key-for-tests"


def google_answers(monkeypatch, answer):
    """Fakes reCAPTCHA's verification at its network boundary; returns the calls made."""
    calls = []

    def fake_submit(recaptcha_response, private_key, remoteip):
        calls.append({"response": recaptcha_response, "remoteip": remoteip})
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer()
        return answer

    monkeypatch.setattr(recaptcha_client, "submit", fake_submit)
    return calls


def test_honeypot_filled_is_thanked_but_not_stored(signup_form, client):
    response = submit(client, signup_form, {**SIGNUP_ANSWERS, "fax_number": "555-0100"})
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert not CampaignFormSubmission.objects.exists()


def test_submitting_faster_than_a_person_is_refused(signup_form, client, settings):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 60
    response = submit(client, signup_form, SIGNUP_ANSWERS)
    assert "quicker than a person" in response.content.decode()
    assert not CampaignFormSubmission.objects.exists()


def test_submitting_after_the_minimum_time_is_accepted(signup_form, client, settings):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 1
    token = form_token(client, signup_form)
    time.sleep(1.1)
    submit(client, signup_form, SIGNUP_ANSWERS, token=token)
    assert CampaignFormSubmission.objects.count() == 1


def test_forged_or_missing_token_is_refused(signup_form, client):
    response = submit(client, signup_form, SIGNUP_ANSWERS, token="forged")
    assert "open for too long" in response.content.decode()
    assert not CampaignFormSubmission.objects.exists()


def test_double_clicked_submit_stores_one_submission(signup_form, client, settings):
    settings.FORMS_RATE_LIMITS = [(10, 60)]
    token = form_token(client, signup_form)
    first = submit(client, signup_form, SIGNUP_ANSWERS, token=token)
    second = submit(client, signup_form, SIGNUP_ANSWERS, token=token)
    assert first.status_code == second.status_code == 200
    assert "Thank you" in second.content.decode()
    assert CampaignFormSubmission.objects.count() == 1


def test_captcha_token_is_checked_with_google(signup_form, client, monkeypatch, real_captcha_keys):
    calls = google_answers(
        monkeypatch, RecaptchaResponse(True, extra_data={"score": 0.9}, action="submit")
    )
    submit(client, signup_form, {**SIGNUP_ANSWERS, "captcha": "token-from-google"})
    assert calls == [{"response": "token-from-google", "remoteip": ""}]
    assert CampaignFormSubmission.objects.count() == 1


def test_captcha_refused_by_google_is_a_form_error(
    signup_form, client, monkeypatch, real_captcha_keys
):
    google_answers(monkeypatch, RecaptchaResponse(False, error_codes=["invalid-input-response"]))
    response = submit(client, signup_form, SIGNUP_ANSWERS)
    assert "not a robot" in response.content.decode()
    assert not CampaignFormSubmission.objects.exists()


def test_low_captcha_score_is_refused(signup_form, client, monkeypatch, real_captcha_keys):
    google_answers(monkeypatch, RecaptchaResponse(True, extra_data={"score": 0.1}, action="submit"))
    submit(client, signup_form, SIGNUP_ANSWERS)
    assert not CampaignFormSubmission.objects.exists()


@pytest.mark.parametrize(
    "outage",
    [
        URLError(socket.gaierror(-3, "Temporary failure in name resolution")),
        URLError(ConnectionRefusedError(111, "Connection refused")),
        TimeoutError("timed out"),
        HTTPError("https://www.recaptcha.net/", 503, "Service Unavailable", {}, None),
    ],
    ids=["dns", "refused", "timeout", "http-503"],
)
def test_captcha_outage_asks_to_try_again_and_stores_nothing(
    signup_form, client, monkeypatch, real_captcha_keys, outage
):
    google_answers(monkeypatch, outage)
    response = submit(client, signup_form, SIGNUP_ANSWERS)
    assert response.status_code == 200
    assert "try again" in response.content.decode()
    assert not CampaignFormSubmission.objects.exists()


def test_hanging_captcha_check_gives_up_within_seconds(
    signup_form, client, monkeypatch, real_captcha_keys
):
    monkeypatch.setattr("forms_app.guards.CAPTCHA_WAIT_SECONDS", 0.2)

    def hang():
        time.sleep(2)
        return RecaptchaResponse(True)

    google_answers(monkeypatch, hang)
    response = submit(client, signup_form, SIGNUP_ANSWERS)
    assert "try again in a minute" in response.content.decode()
    assert not CampaignFormSubmission.objects.exists()


def test_captcha_script_comes_from_the_configured_domain_without_inline_code(
    signup_form, client, settings, real_captcha_keys
):
    html = client.get(signup_form.url).content.decode()
    assert (
        '<script src="https://www.recaptcha.net/recaptcha/api.js?render=site-key-for-tests"' in html
    )
    for script in html.split("<script")[1:]:
        assert script.split(">", 1)[1].startswith("</script"), "inline script found"


def test_checkbox_captcha_has_no_inline_code_either(
    signup_form, client, settings, real_captcha_keys
):
    settings.RECAPTCHA_VERSION = "v2"
    html = client.get(signup_form.url).content.decode()
    assert 'class="g-recaptcha"' in html and 'data-sitekey="site-key-for-tests"' in html
    assert "data-callback" not in html
    for script in html.split("<script")[1:]:
        assert script.split(">", 1)[1].startswith("</script"), "inline script found"


def test_test_mode_loads_nothing_from_google(signup_form, client):
    assert "recaptcha" not in client.get(signup_form.url).content.decode().lower()


def test_corrected_form_goes_through_with_the_token_it_came_back_with(signup_form, client):
    response = submit(client, signup_form, {**SIGNUP_ANSWERS, "email": "not an address"})
    token = re.search(r'name="form_token" value="([^"]+)"', response.content.decode()).group(1)
    submit(client, signup_form, SIGNUP_ANSWERS, token=token)
    assert CampaignFormSubmission.objects.count() == 1


def test_expired_form_comes_back_with_a_fresh_token(signup_form, client):
    response = submit(client, signup_form, SIGNUP_ANSWERS, token="expired")
    token = re.search(r'name="form_token" value="([^"]+)"', response.content.decode()).group(1)
    assert token != "expired"
    submit(client, signup_form, SIGNUP_ANSWERS, token=token)
    assert CampaignFormSubmission.objects.count() == 1


def test_form_page_policy_lets_in_the_captcha_hosts_and_not_google(signup_form, client):
    policy = client.get(signup_form.url)["Content-Security-Policy"]
    assert "https://www.recaptcha.net" in policy and "google.com" not in policy
