"""The form API: each form's questions as JSON, and JSON submissions that go exactly where the
site's own form sends them."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_recaptcha import client as recaptcha_client
from django_recaptcha.client import RecaptchaResponse
from wagtail.models import Locale, PageViewRestriction
from wagtail_localize.operations import translate_object

from forms_app.guards import REQUIRED_MESSAGE
from forms_app.models import (
    CampaignFormSubmission,
    SignupFormField,
    SignupFormPage,
    Subscriber,
)

from .api_helpers import API, every_api_response
from .forms_helpers import SIGNUP_ANSWERS, SIGNUP_KEYS, SPONSOR_ANSWERS, SPONSOR_KEYS, submit

ZH_LABEL = "（繁體）"


@pytest.fixture(autouse=True)
def many_submissions_per_address(settings, answering_at_test_speed):
    settings.FORMS_RATE_LIMITS = [(100, 60)]
    settings.FORMS_EMAIL_RATE_LIMITS = [(100, 60)]


@pytest.fixture
def zh_signup_form(signup_form, campaign_site):
    """The sign-up form translated into Traditional Chinese, questions and all."""
    # The content loader made the form in every language; a translator starts translating it.
    zh_hant = Locale.objects.get(language_code="zh-hant")
    translate_object(signup_form, [zh_hant])
    translation_page = signup_form.get_translation(zh_hant)
    for field in SignupFormField.objects.filter(page=translation_page):
        field.label += ZH_LABEL
        field.save()
    translation_page = SignupFormPage.objects.get(pk=translation_page.pk)
    translation_page.save_revision().publish()
    return translation_page


def describe(client, page, **params):
    response = client.get(f"{API}/forms/{page.pk}/", params)
    assert response.status_code == 200, response.content
    return response.json()


def send(client, page, answers, token=None, **extra):
    """Fetch the form's description for its token, then post the answers as JSON."""
    description = describe(client, page)
    body = {**answers, "form_token": token or description["form_token"], "captcha": "token"}
    return client.post(
        description["submit_url"], json.dumps(body), content_type="application/json", **extra
    )


def as_json_answers(answers):
    """The HTML form's answers as a JSON client sends them: ticked boxes as true."""
    return {key: True if value == "on" else value for key, value in answers.items()}


def test_description_lists_the_questions_under_their_stable_keys(signup_form, sponsor_form, client):
    assert [field["name"] for field in describe(client, signup_form)["fields"]] == SIGNUP_KEYS
    assert [field["name"] for field in describe(client, sponsor_form)["fields"]] == SPONSOR_KEYS


def test_description_gives_labels_types_required_flags_and_choices(signup_form, client):
    fields = {field["name"]: field for field in describe(client, signup_form)["fields"]}
    by_key = {field.clean_name: field for field in signup_form.get_form_fields()}
    for key, field in fields.items():
        assert field["label"] == by_key[key].label
        assert field["type"] == by_key[key].field_type
        assert field["required"] == by_key[key].required
    assert [choice["value"] for choice in fields["interests"]["choices"]] == by_key[
        "interests"
    ].choices.splitlines()
    assert fields["email"]["max_length"] == 254


def test_description_in_a_translated_locale(signup_form, zh_signup_form, client):
    by_locale = describe(client, signup_form, locale="zh-hant")
    direct = describe(client, zh_signup_form)
    for description in (by_locale, direct):
        assert description["id"] == zh_signup_form.pk
        assert description["locale"] == "zh-hant"
        assert [field["name"] for field in description["fields"]] == SIGNUP_KEYS
        assert all(field["label"].endswith(ZH_LABEL) for field in description["fields"])


def test_description_gives_the_captcha_site_key_and_domain(signup_form, client, settings):
    settings.RECAPTCHA_PUBLIC_KEY = "public-site-key"
    settings.RECAPTCHA_DOMAIN = "www.recaptcha.net"
    captcha = describe(client, signup_form)["captcha"]
    assert captcha == {
        "field": "captcha",
        "version": "v3",
        "site_key": "public-site-key",
        "domain": "www.recaptcha.net",
        "action": "submit",
    }


def test_description_is_never_cached_and_each_has_its_own_token(signup_form, client):
    first = client.get(f"{API}/forms/{signup_form.pk}/")
    second = client.get(f"{API}/forms/{signup_form.pk}/")
    assert "no-store" in first["Cache-Control"]
    assert first.json()["form_token"] != second.json()["form_token"]


def test_description_of_a_page_that_is_not_a_live_public_form_is_a_json_404(
    signup_form, campaign_site, client
):
    assert client.get(f"{API}/forms/{campaign_site.pk}/").status_code == 404
    # Every page exists in the site's five languages (untranslated ones as aliases), so only
    # a language the site does not have has no such form.
    assert client.get(f"{API}/forms/{signup_form.pk}/", {"locale": "fr"}).status_code == 404
    PageViewRestriction.objects.create(page=signup_form, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(f"{API}/forms/{signup_form.pk}/")
    assert response.status_code == 404
    assert response.json() == {"message": "not found"}


def test_json_submission_is_received(signup_form, client):
    response = send(client, signup_form, as_json_answers(SIGNUP_ANSWERS))
    assert response.status_code == 201
    assert response.json()["status"] == "received"
    assert "no-store" in response["Cache-Control"]


def test_json_submission_lands_exactly_where_an_html_one_does(
    signup_form, client, django_capture_on_commit_callbacks
):
    organiser = get_user_model().objects.create_superuser("organiser", "", "pw")
    json_answers = as_json_answers({**SIGNUP_ANSWERS, "email": "json@example.net"})
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, signup_form, SIGNUP_ANSWERS)
        assert send(client, signup_form, json_answers).status_code == 201

    html_submission, json_submission = CampaignFormSubmission.objects.order_by("pk")
    assert json_submission.page_id == html_submission.page_id
    assert json_submission.language == html_submission.language
    html_data, json_data = html_submission.get_data(), json_submission.get_data()
    assert json_data.keys() == html_data.keys()
    assert {key: json_data[key] for key in json_data if key not in ("email", "submit_time")} == {
        key: html_data[key] for key in html_data if key not in ("email", "submit_time")
    }
    assert set(signup_form.get_submissions()) == {html_submission, json_submission}

    # The same opt-in: a subscriber awaiting confirmation and the same email.
    assert set(Subscriber.objects.values_list("email", "confirmed_at")) == {
        ("alex@example.net", None),
        ("json@example.net", None),
    }
    html_email, json_email = mail.outbox
    assert json_email.subject == html_email.subject
    assert json_email.to == ["json@example.net"]

    # The same listing and export in the admin.
    client.force_login(organiser)
    listing_url = f"/admin/forms/submissions/{signup_form.pk}/"
    listing = client.get(listing_url).content.decode()
    export = b"".join(client.get(listing_url, {"export": "csv"}).streaming_content).decode()
    for text in (listing, export):
        assert "alex@example.net" in text
        assert "json@example.net" in text


def test_sponsor_form_json_submission_is_stored_under_its_keys(sponsor_form, client):
    response = send(client, sponsor_form, as_json_answers(SPONSOR_ANSWERS))
    assert response.status_code == 201
    submission = CampaignFormSubmission.objects.get()
    assert submission.form_data["organisation_name"] == SPONSOR_ANSWERS["organisation_name"]
    assert submission.form_data["consent_to_publish"] is True


def test_invalid_answers_are_a_400_with_field_errors(signup_form, client):
    response = send(client, signup_form, {**as_json_answers(SIGNUP_ANSWERS), "email": "nope"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]
    assert not CampaignFormSubmission.objects.exists()


def test_field_errors_are_in_the_forms_language(zh_signup_form, client):
    response = send(client, zh_signup_form, {"email": "alex@example.net"})
    assert response.status_code == 400
    # The question is named in the message, in the form's language (the page's own label).
    label = zh_signup_form.get_form_fields()[0].label
    with translation.override("zh-hant"):
        required = str(REQUIRED_MESSAGE) % {"label": label}
    assert response.json()["errors"]["name"] == [required]
    assert required.startswith("請填寫")


def test_missing_captcha_is_a_field_error(signup_form, client):
    description = describe(client, signup_form)
    body = {**as_json_answers(SIGNUP_ANSWERS), "form_token": description["form_token"]}
    response = client.post(description["submit_url"], body, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["captcha"]


def test_captcha_token_is_checked_with_google(signup_form, client, settings, monkeypatch):
    settings.RECAPTCHA_PUBLIC_KEY = "real-public-key"
    settings.RECAPTCHA_PRIVATE_KEY = "real-private-key"
    checked = []

    def fake_google(recaptcha_response, private_key, remoteip):
        checked.append(recaptcha_response)
        return RecaptchaResponse(is_valid=False, error_codes=["invalid-input-response"])

    monkeypatch.setattr(recaptcha_client, "submit", fake_google)
    response = send(client, signup_form, as_json_answers(SIGNUP_ANSWERS))
    assert checked == ["token"]
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["captcha"]


def test_submitting_too_fast_is_refused(signup_form, client, settings):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 60
    response = send(client, signup_form, as_json_answers(SIGNUP_ANSWERS))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["form_token"]


def test_honeypot_is_thanked_and_not_stored(
    signup_form, client, django_capture_on_commit_callbacks
):
    answers = {**as_json_answers(SIGNUP_ANSWERS), "fax_number": "555-0100"}
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, signup_form, answers).status_code == 201
    assert not CampaignFormSubmission.objects.exists()
    assert mail.outbox == []


def test_a_token_sent_twice_stores_once(signup_form, client):
    token = describe(client, signup_form)["form_token"]
    for _attempt in range(2):
        assert send(client, signup_form, as_json_answers(SIGNUP_ANSWERS), token).status_code == 201
    assert CampaignFormSubmission.objects.count() == 1


def test_rate_limited_submission_is_a_429(signup_form, client, settings):
    settings.FORMS_RATE_LIMITS = [(1, 60)]
    assert send(client, signup_form, as_json_answers(SIGNUP_ANSWERS)).status_code == 201
    second = {**as_json_answers(SIGNUP_ANSWERS), "email": "second@example.net"}
    response = send(client, signup_form, second)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert CampaignFormSubmission.objects.count() == 1


def test_html_and_json_share_one_rate_limit(signup_form, client, settings):
    settings.FORMS_RATE_LIMITS = [(1, 60)]
    submit(client, signup_form, SIGNUP_ANSWERS)
    second = {**as_json_answers(SIGNUP_ANSWERS), "email": "second@example.net"}
    assert send(client, signup_form, second).status_code == 429


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a", "list"]', "application/json"),
        ('"a string"', "application/json"),
        ('{"name": {"nested": "object"}}', "application/json"),
        ('{"interests": [["nested"]]}', "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        ('{"name": ' + "[" * 100_000, "application/json"),
        ('{"name": 1' + "0" * 5000 + "}", "application/json"),
    ],
)
def test_malformed_bodies_are_json_400s(signup_form, client, body, content_type):
    response = client.post(
        f"{API}/forms/{signup_form.pk}/submissions/", body, content_type=content_type
    )
    assert response.status_code == 400
    assert "message" in response.json()
    assert not CampaignFormSubmission.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_answers_not_sent_as_json_are_a_415(signup_form, client, content_type):
    """The cross-site post: a page elsewhere makes its visitor's browser send a body no
    browser asks permission for, with a JSON text inside."""
    description = describe(client, signup_form)
    body = json.dumps(
        {**as_json_answers(SIGNUP_ANSWERS), "form_token": description["form_token"]}
        | {"captcha": "token"}
    )
    response = client.post(
        description["submit_url"],
        body,
        content_type=content_type,
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["message"]
    assert not CampaignFormSubmission.objects.exists()


@override_settings(CORS_ALLOWED_ORIGINS=["https://partner.example"])
@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "null", "http://partner.example", "https://partner.example.evil"],
)
def test_json_from_another_origin_is_a_403(signup_form, client, origin):
    response = send(client, signup_form, as_json_answers(SIGNUP_ANSWERS), HTTP_ORIGIN=origin)
    assert response.status_code == 403
    assert not CampaignFormSubmission.objects.exists()


@pytest.mark.parametrize("origin", ["http://testserver", "https://campaign.example.org"])
def test_json_from_the_sites_own_pages_is_received(signup_form, client, settings, origin):
    settings.SITE_URL = "https://campaign.example.org"
    response = send(client, signup_form, as_json_answers(SIGNUP_ANSWERS), HTTP_ORIGIN=origin)
    assert response.status_code == 201


def test_a_token_is_good_for_one_submission_only(signup_form, client):
    token = describe(client, signup_form)["form_token"]
    first = {**as_json_answers(SIGNUP_ANSWERS), "email": "first@example.net"}
    second = {**as_json_answers(SIGNUP_ANSWERS), "email": "second@example.net"}
    assert send(client, signup_form, first, token).status_code == 201
    assert send(client, signup_form, second, token).status_code == 201
    assert list(CampaignFormSubmission.objects.values_list("form_data__email", flat=True)) == [
        "first@example.net"
    ]


@pytest.mark.parametrize(
    "answers",
    [
        {"country": "Hong Kong \ud83d"},
        {"country": "Hong Kong \udc00 and on"},
        {"name": "Alex\u0000"},
        {"interests": ["Hong Kong", "Tibet\ud800"]},
        {"form_token": "\ud83d"},
        {"captcha": "\u0000"},
        {"\ud83d": "a key that is no text"},
    ],
)
def test_characters_no_text_can_hold_are_a_400_that_never_reaches_the_database(
    signup_form, client, answers
):
    """A lone surrogate was a server error, and PostgreSQL quoted the whole submission in its
    log; NUL is refused by PostgreSQL in any text."""
    description = describe(client, signup_form)
    base = {**as_json_answers(SIGNUP_ANSWERS), "form_token": description["form_token"]}
    # json.dumps writes each as an escape (\\ud83d), as a JSON client sends it.
    body = json.dumps({**base, "captcha": "token", **answers})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(description["submit_url"], body, content_type="application/json")
    assert response.status_code == 400
    message = "This holds characters that are not text. Please type it again."
    assert response.json()["errors"] == {key: [message] for key in answers}
    assert not CampaignFormSubmission.objects.exists()
    assert not any("Hong Kong" in query["sql"] for query in queries.captured_queries)


def test_an_answer_of_the_wrong_shape_is_named(signup_form, client):
    response = client.post(
        f"{API}/forms/{signup_form.pk}/submissions/",
        '{"name": {"nested": "object"}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


def test_submitting_to_a_page_that_is_not_a_form_is_a_json_404(campaign_site, client):
    response = client.post(
        f"{API}/forms/{campaign_site.pk}/submissions/", "{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_submitted_answers_never_appear_in_any_api_response(signup_form, sponsor_form, client):
    submit(client, signup_form, SIGNUP_ANSWERS)
    cache.clear()
    assert send(client, sponsor_form, as_json_answers(SPONSOR_ANSWERS)).status_code == 201
    typed = [
        SIGNUP_ANSWERS["name"],
        SIGNUP_ANSWERS["email"],
        SPONSOR_ANSWERS["contact_name"],
        SPONSOR_ANSWERS["contact_email"],
        SPONSOR_ANSWERS["message"],
    ]
    for url, response in every_api_response(client):
        text = response.content.decode()
        for value in typed:
            assert value not in text, f"{value} served by {url}"


def test_openapi_describes_the_form_endpoints(db, client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert set(paths[f"{API}/forms/{{page_id}}/"]) == {"get"}
    submit_operation = paths[f"{API}/forms/{{page_id}}/submissions/"]["post"]
    assert set(submit_operation["responses"]) == {"201", "400", "403", "409", "415", "429"}


def test_nothing_typed_reaches_the_log(signup_form, client, caplog, settings):
    settings.FORMS_RATE_LIMITS = [(1, 60)]
    caplog.set_level("DEBUG")
    answers = as_json_answers(SIGNUP_ANSWERS)
    send(client, signup_form, {**answers, "email": "not-an-address-alex"})
    send(client, signup_form, answers)
    send(client, signup_form, answers)  # rate limited
    client.post(
        f"{API}/forms/{signup_form.pk}/submissions/",
        '{"name": "Alex Supporter", broken',
        content_type="application/json",
    )
    assert "Alex" not in caplog.text
    assert "alex" not in caplog.text


@override_settings(CORS_ALLOWED_ORIGINS=["https://partner.example"])
def test_partner_sites_may_post_json_from_the_browser(signup_form, client):
    preflight = client.options(
        f"{API}/forms/{signup_form.pk}/submissions/",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight["Access-Control-Allow-Origin"] == "https://partner.example"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "content-type" in preflight["Access-Control-Allow-Headers"]
    response = send(
        client, signup_form, as_json_answers(SIGNUP_ANSWERS), HTTP_ORIGIN="https://partner.example"
    )
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "https://partner.example"
