"""Generated requests against the form, sponsor and page endpoints: whatever is sent, the answer
is JSON and never a server error. Among what is sent: the classes of bad input that were server
errors (lone UTF-16 surrogates, NUL, numbers out of any range, malformed dates), which must be
refused before they reach the database.

The suite runs a modest number of examples; `make fuzz` runs API_FUZZ_EXAMPLES of each test
(1,000 or more requests in all) and prints how many requests were sent."""

import json
import os

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from wagtail.models import Page

from forms_app.models import (
    CampaignFormPage,
    CampaignFormSubmission,
    SignupFormPage,
    SponsorFormPage,
)

from .api_helpers import API
from .forms_helpers import SIGNUP_KEYS, SPONSOR_KEYS

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))
fuzz_settings = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    # The same examples on every CI run, unless a full run asks for fresh ones.
    derandomize="API_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
requests_sent = {"count": 0, "server_errors": 0}

FIELD_KEYS = [
    *SIGNUP_KEYS,
    *(key for key in SPONSOR_KEYS if key not in SIGNUP_KEYS),
    "fax_number",
    "captcha",
    "form_token",
    "g-recaptcha-response",
]
# Text as a JSON client can send it: any code point, lone surrogates and NUL included.
UNSTORABLE = ["\x00", "\ud83d", "\udc00", "\udfff"]
any_text = st.text(st.characters(exclude_categories=()) | st.sampled_from(UNSTORABLE), max_size=300)
huge_numbers = st.integers(2**31, 2**70) | st.integers(-(2**70), -(2**31))
scalars = (
    st.none() | st.booleans() | st.integers() | huge_numbers | st.floats() | st.text(max_size=300)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=20,
)
plausible_answers = st.dictionaries(
    st.sampled_from(FIELD_KEYS) | st.text(max_size=30),
    scalars | st.lists(st.text(max_size=50), max_size=6) | json_values,
    max_size=20,
)
email_like = st.emails().map(str)


@pytest.fixture(scope="module", autouse=True)
def report_requests_sent():
    yield
    print(  # noqa: T201 - `make fuzz` reports the count it promises
        f"\nAPI fuzz: {requests_sent['count']} requests, "
        f"{requests_sent['server_errors']} server errors"
    )


@pytest.fixture
def form_pages(campaign_site, settings):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    # Let well-formed examples through to storage and opt-in rather than stopping at the limit.
    settings.FORMS_RATE_LIMITS = [(1_000_000, 60)]
    settings.FORMS_EMAIL_RATE_LIMITS = [(1_000_000, 60)]
    cache.clear()
    yield [
        SignupFormPage.objects.get(locale__language_code="en"),
        SponsorFormPage.objects.get(locale__language_code="en"),
    ]
    cache.clear()


def answered(response):
    requests_sent["count"] += 1
    if response.status_code >= 500:
        requests_sent["server_errors"] += 1
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    json.loads(response.content)
    return response


def fresh_token(client, page):
    return answered(client.get(f"{API}/forms/{page.pk}/")).json()["form_token"]


@fuzz_settings
@given(
    page_index=st.integers(0, 1),
    answers=plausible_answers,
    email=email_like,
    token_kind=st.sampled_from(["fresh", "missing", "garbage"]),
    garbage_token=st.text(max_size=200),
)
def test_json_answers_never_cause_a_server_error(
    form_pages, client, page_index, answers, email, token_kind, garbage_token
):
    page = form_pages[page_index]
    body = {"email": email, "contact_email": email, **answers}
    if token_kind == "fresh":
        body["form_token"] = fresh_token(client, page)
    elif token_kind == "garbage":
        body["form_token"] = garbage_token
    response = answered(
        client.post(
            f"{API}/forms/{page.pk}/submissions/", json.dumps(body), content_type="application/json"
        )
    )
    assert response.status_code in {201, 400, 429}


def holds_unstorable_text(value):
    if isinstance(value, str):
        return any(character in value for character in UNSTORABLE) or any(
            "\ud800" <= character <= "\udfff" for character in value
        )
    if isinstance(value, dict):
        return any(holds_unstorable_text(item) for pair in value.items() for item in pair)
    if isinstance(value, list):
        return any(holds_unstorable_text(item) for item in value)
    return False


@fuzz_settings
@given(
    page_index=st.integers(0, 1),
    answers=st.dictionaries(
        st.sampled_from(FIELD_KEYS) | any_text,
        any_text | st.lists(any_text, max_size=4),
        min_size=1,
        max_size=8,
    ),
)
def test_text_no_field_can_hold_is_refused_before_the_database(
    form_pages, client, page_index, answers
):
    page = form_pages[page_index]
    body = {"form_token": fresh_token(client, page), "captcha": "token", **answers}
    stored_before = CampaignFormSubmission.objects.count()
    response = answered(
        client.post(
            f"{API}/forms/{page.pk}/submissions/", json.dumps(body), content_type="application/json"
        )
    )
    if holds_unstorable_text(body):
        assert response.status_code == 400
        assert CampaignFormSubmission.objects.count() == stored_before


@fuzz_settings
@given(
    page_id=st.integers(-(2**63), 2**63),
    body=st.binary(max_size=500) | json_values.map(lambda value: json.dumps(value).encode()),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "application/x-www-form-urlencoded", "", "json"]
    ),
)
def test_any_body_to_any_form_address_never_causes_a_server_error(
    form_pages, client, page_id, body, content_type
):
    page_ids = [page.pk for page in form_pages] + [page_id]
    for target in page_ids:
        answered(client.post(f"{API}/forms/{target}/submissions/", body, content_type=content_type))


@fuzz_settings
@given(
    page_id=st.integers(-(2**63), 2**63) | st.sampled_from(["0", "x", "1e3", "%00"]),
    params=st.dictionaries(
        st.sampled_from(["locale", "limit", "offset"]) | st.text(max_size=10),
        st.text(max_size=40)
        | st.integers().map(str)
        | st.integers(2**31, 2**70).map(str)
        | st.sampled_from(["en", "zh-hant", "bo"]),
        max_size=3,
    ),
)
def test_any_read_of_forms_and_sponsors_never_causes_a_server_error(
    form_pages, client, page_id, params
):
    form_ids = Page.objects.type(CampaignFormPage).values_list("pk", flat=True)
    for url in [f"{API}/forms/{page_id}/", f"{API}/sponsors/"] + [
        f"{API}/forms/{form_id}/" for form_id in form_ids
    ]:
        response = client.get(url, params)
        if response.status_code == 404 and not response["Content-Type"].startswith(
            "application/json"
        ):
            pytest.fail(f"{url} answered an HTML 404")
        answered(response)


# Every parameter the page listing takes, and the fields it filters on.
PAGE_PARAMETERS = [
    "offset",
    "limit",
    "search",
    "search_operator",
    "locale",
    "site",
    "type",
    "order",
    "fields",
    "child_of",
    "descendant_of",
    "ancestor_of",
    "translation_of",
    "id",
    "title",
    "slug",
    "show_in_menus",
    "first_published_at",
    "published_on",
    "is_pinned",
]
malformed_dates = (
    st.sampled_from(
        ["", "x", "2024-02-30", "2024-13-01", "99999-01-01", "0000-00-00", "2026-05-01T25:00"]
    )
    | st.dates().map(str)
    | st.datetimes().map(str)
)
parameter_values = (
    st.text(max_size=40)
    | st.text(st.characters(exclude_categories=()) | st.just("\x00"), max_size=20)
    | st.integers().map(str)
    | huge_numbers.map(str)
    | malformed_dates
    | st.sampled_from(["en", "zh-hant", "home.UpdatePage", "true", "-1", "0"])
)


@fuzz_settings
@given(
    endpoint=st.sampled_from(["pages", "images", "documents", "pages/find"]),
    params=st.dictionaries(
        st.sampled_from(PAGE_PARAMETERS + ["html_path"]), parameter_values, max_size=4
    ),
    update_pages=st.booleans(),
)
def test_any_read_of_pages_never_causes_a_server_error(
    form_pages, client, endpoint, params, update_pages
):
    if update_pages:
        params = {**params, "type": "home.UpdatePage"}
    response = client.get(f"{API}/{endpoint}/", params)
    if response.status_code in (301, 302):  # find/ sends a client to the page it found
        return
    answered(response)
