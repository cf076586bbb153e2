"""Bad input is a clear 400 or a form error, never a server error, and never reaches the database
or a log line: malformed dates, numbers out of range and NUL characters, in the read API, in
any address's query string and in the HTML forms. (The JSON form API's own cases, lone
surrogates among them, are in test_api_forms.py.)"""

import datetime
import logging
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forms_app.models import CampaignFormSubmission, SignupFormField

from .factories import UpdatePageFactory
from .forms_helpers import SIGNUP_ANSWERS, submit

API = "/api/v2"

# Each was a server error, most with what was sent quoted in the log.
BAD_READS = [
    f"{API}/pages/?first_published_at=",
    f"{API}/pages/?first_published_at=yesterday",
    f"{API}/pages/?first_published_at=2026-05-01",  # no time zone: which midnight?
    f"{API}/pages/?published_on=x&type=home.UpdatePage",
    f"{API}/pages/?published_on=2024-02-30&type=home.UpdatePage",
    f"{API}/pages/?published_on=99999-01-01&type=home.UpdatePage",
    f"{API}/pages/?offset=99999999999999999999",
    f"{API}/images/?offset=99999999999999999999",
    f"{API}/documents/?offset=9223372036854775808",
    f"{API}/pages/?search=%00",
    f"{API}/images/?search=%00",
    f"{API}/documents/?search=%00",
    f"{API}/pages/?locale=%00",
    f"{API}/pages/?site=%00",
    f"{API}/pages/?type=home.UpdatePage&order=%00",
    f"{API}/pages/find/?html_path=%00",
    f"{API}/pages/find/?html_path=/en/%00/",
    f"{API}/sponsors/?locale=%00",
    f"{API}/forms/1/?locale=%00",
]


@pytest.mark.parametrize("url", BAD_READS)
def test_bad_reads_are_json_400s(tree, client, caplog, url):
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
    assert "Internal Server Error" not in caplog.text
    for _name, value in parse_qsl(urlsplit(url).query):
        if value == "\x00" or len(value) > 3:
            assert value not in caplog.text
    assert not any("\x00" in query["sql"] for query in queries.captured_queries)


def test_good_date_filters_still_filter(tree, client):
    update = UpdatePageFactory(
        parent=tree["updates"], title="Picket", published_on=datetime.date(2026, 5, 1)
    )
    by_day = client.get(f"{API}/pages/", {"type": "home.UpdatePage", "published_on": "2026-05-01"})
    assert [item["id"] for item in by_day.json()["items"]] == [update.pk]
    update.save_revision().publish()
    update.refresh_from_db()
    published_at = update.first_published_at.isoformat()
    by_time = client.get(f"{API}/pages/", {"first_published_at": published_at})
    assert [item["id"] for item in by_time.json()["items"]] == [update.pk]


def test_the_largest_offset_is_still_an_answer(tree, client):
    response = client.get(f"{API}/pages/", {"offset": str(2**31 - 1)})
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("url", ["/en/?q=%00", "/en/updates/?page=%00", "/admin/login/?next=%00"])
def test_nul_in_any_query_string_is_a_400(tree, client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.fixture
def form_with_every_kind_of_answer(signup_form):
    """The sign-up form with the questions organisers may add: a date, a time, a number."""
    for label, field_type in [
        ("Date of the meeting", "date"),
        ("Time of the meeting", "datetime"),
        ("How many members", "number"),
    ]:
        SignupFormField.objects.create(
            page=signup_form,
            locale=signup_form.locale,
            label=label,
            field_type=field_type,
            required=False,
            sort_order=100,
        )
    return signup_form


@pytest.mark.usefixtures("answering_at_test_speed")
@pytest.mark.parametrize(
    "answers",
    [
        {"name": "Alex\x00"},
        {"country": "\x00"},
        {"interests": ["Tibet\x00"]},
        {"date_of_the_meeting": "2024-02-30"},
        {"date_of_the_meeting": "99999-01-01"},
        {"date_of_the_meeting": "\x00"},
        {"time_of_the_meeting": "9999-12-31 25:00"},
        {"time_of_the_meeting": "yesterday"},
        {"how_many_members": "1e999999999"},
        {"how_many_members": "NaN"},
        {"how_many_members": "Infinity"},
        {"how_many_members": "\x00"},
    ],
)
def test_bad_answers_in_the_html_form_are_form_errors(
    form_with_every_kind_of_answer, client, caplog, answers
):
    caplog.set_level(logging.DEBUG)
    response = submit(client, form_with_every_kind_of_answer, {**SIGNUP_ANSWERS, **answers})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not CampaignFormSubmission.objects.exists()
    assert "Alex" not in caplog.text
    assert "Internal Server Error" not in caplog.text


@pytest.mark.usefixtures("answering_at_test_speed")
def test_good_answers_of_every_kind_are_stored(form_with_every_kind_of_answer, client):
    answers = {
        **SIGNUP_ANSWERS,
        "date_of_the_meeting": "2026-05-01",
        "time_of_the_meeting": "2026-05-01 19:00",
        "how_many_members": "99999999999999999999",
    }
    submit(client, form_with_every_kind_of_answer, answers)
    stored = CampaignFormSubmission.objects.get().form_data
    assert stored["date_of_the_meeting"] == "2026-05-01"
    assert stored["how_many_members"] == "99999999999999999999"
