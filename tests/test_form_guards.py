"""Each spam guard, through a real POST to the form page."""

import re
import socket
import time
from urllib.error import HTTPError, URLError

import pytest
from django.core.cache import cache
from django_recaptcha import client as recaptcha_client
from django_recaptcha.client import RecaptchaResponse

from forms_app.models import CampaignFormSubmission, SponsorFormPage

from .forms_helpers import SIGNUP_ANSWERS, SPONSOR_ANSWERS, form_token, submit

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


def test_second_submission_within_a_minute_gets_a_clear_429(signup_form, client):
    submit(client, signup_form, SIGNUP_ANSWERS)
    response = submit(client, signup_form, {**SIGNUP_ANSWERS, "email": "second@example.net"})
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert CampaignFormSubmission.objects.count() == 1


def status_of_sign_up(client, form, email, **request_headers):
    """A sign-up by another supporter, from the address the headers give."""
    return submit(client, form, {**SIGNUP_ANSWERS, "email": email}, **request_headers).status_code


def test_rate_limit_counts_each_address_separately(signup_form, client):
    assert status_of_sign_up(client, signup_form, "a@example.net", REMOTE_ADDR="192.0.2.1") == 200
    assert status_of_sign_up(client, signup_form, "b@example.net", REMOTE_ADDR="192.0.2.2") == 200
    assert CampaignFormSubmission.objects.count() == 2


def test_behind_a_proxy_the_address_it_reports_is_counted(signup_form, client, settings):
    settings.PROXY_COUNT = 1
    # The proxy appends the address it saw; what the visitor put before it is theirs to invent.
    statuses = [
        status_of_sign_up(client, signup_form, email, HTTP_X_FORWARDED_FOR=forwarded)
        for email, forwarded in [
            ("a@example.net", "10.0.0.1, 192.0.2.1"),
            ("b@example.net", "10.0.0.2, 192.0.2.1"),
            ("c@example.net", "10.0.0.1, 192.0.2.2"),
        ]
    ]
    assert statuses == [200, 429, 200]
    assert CampaignFormSubmission.objects.count() == 2


def test_without_a_proxy_forwarded_addresses_are_ignored(signup_form, client):
    statuses = [
        status_of_sign_up(client, signup_form, email, HTTP_X_FORWARDED_FOR=forwarded)
        for email, forwarded in [("a@example.net", "192.0.2.1"), ("b@example.net", "192.0.2.2")]
    ]
    assert statuses == [200, 429]


def test_five_in_five_minutes_is_the_most(signup_form, client, settings):
    settings.FORMS_RATE_LIMITS = [(5, 300)]
    statuses = [
        submit(client, signup_form, {**SIGNUP_ANSWERS, "email": f"p{n}@example.net"}).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    assert CampaignFormSubmission.objects.count() == 5


def test_rate_limit_keeps_no_address_in_the_cache(signup_form, client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    submit(client, signup_form, SIGNUP_ANSWERS, REMOTE_ADDR="198.51.100.77")
    keys = list(cache._cache)
    assert keys and not any("198.51.100.77" in key for key in keys)


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


def test_each_form_has_its_own_limit(signup_form, client):
    submit(client, signup_form, SIGNUP_ANSWERS)
    sponsor_form = SponsorFormPage.objects.get(locale__language_code="en")
    assert submit(client, sponsor_form, SPONSOR_ANSWERS).status_code == 200
    assert CampaignFormSubmission.objects.count() == 2


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


def test_deployment_check_refuses_the_test_keys(settings):
    from forms_app.checks import recaptcha_keys_are_real

    assert [error.id for error in recaptcha_keys_are_real(None)] == ["forms_app.E001"]
    settings.RECAPTCHA_PUBLIC_KEY = "site-key-for-tests"
    settings.RECAPTCHA_PRIVATE_KEY = "secret-key-for-tests"
    assert recaptcha_keys_are_real(None) == []
