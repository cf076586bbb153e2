"""The forms' rate limit (docs/forms.md), through real POSTs to the form pages and the JSON API:
a meeting on one connection signs up, a script from one address does not flood, one email
address is not signed up over and over, a double click is thanked, simultaneous posts cannot
slip under the limit, and a cache outage makes the limit stricter, never absent. The clock is
moved by time-machine, never waited for."""

import json
import logging
import os
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client

from forms_app.guards import rate_limit
from forms_app.models import CampaignFormSubmission, SignupFormPage, SponsorFormPage

from .api_helpers import API
from .forms_helpers import SIGNUP_ANSWERS, SPONSOR_ANSWERS, form_token, submit
from .servers import GunicornSite, database_url, fetch, free_port

VENUE = "203.0.113.10"
# A fixed start, well inside a ten-minute period of the clock.
MEETING_STARTS = datetime(2026, 5, 1, 19, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_counts():
    """Counts from another test, kept in this process while the shared cache was down, would
    be counted here."""
    rate_limit.local.clear()
    rate_limit.shared_unreachable_until = 0.0
    yield
    rate_limit.local.clear()
    rate_limit.shared_unreachable_until = 0.0


@pytest.fixture
def at_the_meeting(time_machine):
    time_machine.move_to(MEETING_STARTS, tick=False)
    return time_machine


def sign_up(client, form, email, address=VENUE, token=None):
    answers = {**SIGNUP_ANSWERS, "email": email}
    return submit(client, form, answers, token=token, REMOTE_ADDR=address)


def test_thirty_people_at_one_venue_sign_up_within_ten_minutes(signup_form, at_the_meeting):
    # One person after another opens the form on their phone, 18 seconds apart, and sends it
    # 40 seconds later; all share the venue's one address. The form's own minimum time
    # between opening and sending applies.
    opened, sent = {}, {}
    moments = sorted(
        [(number * 18, "open", number) for number in range(30)]
        + [(number * 18 + 40, "send", number) for number in range(30)]
    )
    for seconds, action, number in moments:
        at_the_meeting.move_to(MEETING_STARTS + timedelta(seconds=seconds), tick=False)
        if action == "open":
            person = Client(REMOTE_ADDR=VENUE)
            opened[number] = (person, form_token(person, signup_form))
        else:
            person, token = opened[number]
            sent[number] = sign_up(person, signup_form, f"person{number}@example.net", token=token)

    assert datetime.now(UTC) - MEETING_STARTS < timedelta(minutes=10)
    assert all("Thank you" in response.content.decode() for response in sent.values())
    assert CampaignFormSubmission.objects.count() == 30


@pytest.mark.usefixtures("answering_at_test_speed")
def test_a_script_from_one_address_cannot_flood(signup_form, client, at_the_meeting, settings):
    statuses = []
    for number in range(60):
        statuses.append(sign_up(client, signup_form, f"bot{number}@example.net").status_code)
        at_the_meeting.shift(timedelta(seconds=2))
    limit = settings.FORMS_RATE_LIMITS[0][0]
    assert statuses == [200] * limit + [429] * (60 - limit)
    assert CampaignFormSubmission.objects.count() == limit


@pytest.mark.usefixtures("answering_at_test_speed")
def test_a_script_gets_no_more_than_the_daily_limit(signup_form, client, time_machine, settings):
    settings.FORMS_RATE_LIMITS = [(3, 10 * 60), (5, 24 * 60 * 60)]
    time_machine.move_to(datetime(2026, 5, 1, 0, 1, tzinfo=UTC), tick=False)
    statuses = []
    for number in range(4 * 6):
        statuses.append(sign_up(client, signup_form, f"bot{number}@example.net").status_code)
        time_machine.shift(timedelta(minutes=2.5))  # 4 tries per ten minutes, for an hour
    assert statuses.count(200) == 5
    assert CampaignFormSubmission.objects.count() == 5


@pytest.mark.usefixtures("answering_at_test_speed")
def test_the_count_starts_again_when_its_period_ends(signup_form, client, at_the_meeting, settings):
    settings.FORMS_RATE_LIMITS = [(1, 10 * 60)]
    assert sign_up(client, signup_form, "a@example.net").status_code == 200
    refused = sign_up(client, signup_form, "b@example.net")
    assert refused.status_code == 429
    retry_after = int(refused["Retry-After"])
    assert 0 < retry_after <= 10 * 60 + 1
    at_the_meeting.shift(timedelta(seconds=retry_after))
    assert sign_up(client, signup_form, "b@example.net").status_code == 200


@pytest.mark.usefixtures("answering_at_test_speed")
def test_the_429_says_how_long_to_wait(signup_form, client, at_the_meeting, settings):
    settings.FORMS_RATE_LIMITS = [(1, 10 * 60)]
    sign_up(client, signup_form, "a@example.net")
    refused = sign_up(client, signup_form, "b@example.net")
    # 19:01 is one minute into a ten-minute period.
    assert refused["Retry-After"] == str(9 * 60)
    page = refused.content.decode()
    assert "Please wait a few minutes, then go back and send the form again." in page
    assert "Nothing you sent this time has been saved." in page


@pytest.mark.usefixtures("answering_at_test_speed")
def test_one_email_address_is_taken_a_few_times_whatever_the_address(
    signup_form, client, at_the_meeting, settings
):
    # Someone names a victim's address from one connection after another.
    statuses = []
    for number in range(6):
        response = sign_up(client, signup_form, "victim@example.net", address=f"192.0.2.{number}")
        statuses.append(response.status_code)
        at_the_meeting.shift(timedelta(minutes=1))
    # Each is thanked alike, so nobody learns whether the address was used before...
    assert statuses == [200] * 6
    # ...but only the first few are kept.
    assert CampaignFormSubmission.objects.count() == settings.FORMS_EMAIL_RATE_LIMITS[0][0]


@pytest.mark.usefixtures("answering_at_test_speed")
def test_email_addresses_are_compared_whatever_their_case(signup_form, client, settings):
    settings.FORMS_EMAIL_RATE_LIMITS = [(1, 60 * 60)]
    sign_up(client, signup_form, "Victim@Example.net", address="192.0.2.1")
    sign_up(client, signup_form, "victim@example.NET", address="192.0.2.2")
    assert CampaignFormSubmission.objects.count() == 1


@pytest.mark.usefixtures("answering_at_test_speed")
def test_each_form_has_its_own_count(signup_form, client, settings):
    settings.FORMS_RATE_LIMITS = [(1, 60 * 60)]
    sign_up(client, signup_form, "a@example.net")
    sponsor_form = SponsorFormPage.objects.get(locale__language_code="en")
    assert submit(client, sponsor_form, SPONSOR_ANSWERS, REMOTE_ADDR=VENUE).status_code == 200
    assert CampaignFormSubmission.objects.count() == 2


@pytest.mark.usefixtures("answering_at_test_speed")
def test_each_address_has_its_own_count(signup_form, client, settings):
    settings.FORMS_RATE_LIMITS = [(1, 60 * 60)]
    assert sign_up(client, signup_form, "a@example.net", address="192.0.2.1").status_code == 200
    assert sign_up(client, signup_form, "b@example.net", address="192.0.2.2").status_code == 200
    assert CampaignFormSubmission.objects.count() == 2


def status_of_sign_up(client, form, email, forwarded):
    return submit(
        client, form, {**SIGNUP_ANSWERS, "email": email}, HTTP_X_FORWARDED_FOR=forwarded
    ).status_code


@pytest.mark.usefixtures("answering_at_test_speed")
def test_behind_a_proxy_the_address_it_reports_is_counted(signup_form, client, settings):
    settings.PROXY_COUNT = 1
    settings.FORMS_RATE_LIMITS = [(1, 60 * 60)]
    # The proxy appends the address it saw; what the visitor put before it is theirs to invent.
    statuses = [
        status_of_sign_up(client, signup_form, email, forwarded)
        for email, forwarded in [
            ("a@example.net", "10.0.0.1, 192.0.2.1"),
            ("b@example.net", "10.0.0.2, 192.0.2.1"),
            ("c@example.net", "10.0.0.1, 192.0.2.2"),
        ]
    ]
    assert statuses == [200, 429, 200]


@pytest.mark.usefixtures("answering_at_test_speed")
def test_without_a_proxy_forwarded_addresses_are_ignored(signup_form, client, settings):
    settings.FORMS_RATE_LIMITS = [(1, 60 * 60)]
    statuses = [
        status_of_sign_up(client, signup_form, email, forwarded)
        for email, forwarded in [("a@example.net", "192.0.2.1"), ("b@example.net", "192.0.2.2")]
    ]
    assert statuses == [200, 429]


@pytest.mark.usefixtures("answering_at_test_speed")
def test_a_double_click_at_the_limit_is_thanked(signup_form, client, settings):
    settings.FORMS_RATE_LIMITS = [(1, 60 * 60)]
    token = form_token(client, signup_form)
    first = sign_up(client, signup_form, "a@example.net", token=token)
    second = sign_up(client, signup_form, "a@example.net", token=token)
    assert first.status_code == second.status_code == 200
    assert "Thank you" in second.content.decode()
    assert "wait" not in second.content.decode()
    assert CampaignFormSubmission.objects.count() == 1


@pytest.mark.usefixtures("answering_at_test_speed")
def test_a_double_click_at_the_limit_is_received_by_the_api(signup_form, client, settings):
    settings.FORMS_RATE_LIMITS = [(1, 60 * 60)]
    description = client.get(f"{API}/forms/{signup_form.pk}/").json()
    body = json.dumps(
        {**SIGNUP_ANSWERS, "updates_consent": True, "form_token": description["form_token"]}
        | {"captcha": "token"}
    )
    statuses = [
        client.post(description["submit_url"], body, content_type="application/json").status_code
        for _click in range(2)
    ]
    assert statuses == [201, 201]
    assert CampaignFormSubmission.objects.count() == 1


class KeyRecordingCache(LocMemCache):
    """A memory cache that notes every key it is given."""

    keys_given = []

    def make_key(self, key, version=None):
        self.keys_given.append(key)
        return super().make_key(key, version)


@pytest.mark.usefixtures("answering_at_test_speed")
def test_the_rate_limit_keeps_no_address(signup_form, client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": f"{__name__}.KeyRecordingCache"},
    }
    KeyRecordingCache.keys_given.clear()
    sign_up(client, signup_form, "kept@example.net", address="198.51.100.77")
    keys = KeyRecordingCache.keys_given
    assert keys
    assert not any("198.51.100.77" in key or "kept@example.net" in key for key in keys)


def test_simultaneous_submissions_are_each_counted(rf, settings):
    """The attack that stored more than the limit: many posts at once, each checked before any
    was counted. Counted in the real cache (Redis when REDIS_URL is set)."""
    settings.FORMS_RATE_LIMITS = [(5, 60 * 60)]
    request = rf.post("/", REMOTE_ADDR=VENUE)
    start = threading.Barrier(40)
    verdicts = []

    def post():
        start.wait()
        verdicts.append(rate_limit.admit(request, "form", emails=[]))

    threads = [threading.Thread(target=post) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(not verdict.by_address for verdict in verdicts) == 5


@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_to_the_running_site_store_no_more_than_the_limit(
    committed_campaign_site, settings
):
    """The attack as it was made: many posts at once from one address, to gunicorn's workers in
    their own processes, counting in Redis and storing in PostgreSQL. 100 stored 2 when the
    limit was 1, each post checked before any was counted."""
    if connection.vendor != "postgresql" or "REDIS_URL" not in os.environ:
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    limit, window = settings.FORMS_RATE_LIMITS[0]
    if window - time.time() % window < 20:
        # A new period would take a second batch; it begins within seconds.
        time.sleep(window - time.time() % window)
    site = GunicornSite(
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        DATABASE_URL=database_url(connection),
        FORMS_MIN_SECONDS_TO_SUBMIT="0",
    )
    try:
        form = SignupFormPage.objects.get(locale__language_code="en")
        bodies = []
        for number in range(limit + 20):
            description = json.loads(fetch(f"{site.url}{API}/forms/{form.pk}/")[1])
            answers = {**SIGNUP_ANSWERS, "updates_consent": True, "email": f"p{number}@example.net"}
            token = {"form_token": description["form_token"], "captcha": "token"}
            bodies.append(json.dumps({**answers, **token}).encode())
        start = threading.Barrier(len(bodies))
        statuses = []

        def post(body):
            request = urllib.request.Request(
                f"{site.url}{API}/forms/{form.pk}/submissions/",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            start.wait()
            statuses.append(fetch(request, timeout=60)[0])

        threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        site.stop()
    assert sorted(statuses) == [201] * limit + [429] * 20
    assert CampaignFormSubmission.objects.count() == limit


def dead_redis():
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


@pytest.mark.usefixtures("answering_at_test_speed")
def test_without_its_cache_the_limit_is_stricter_not_gone(signup_form, client, settings, caplog):
    settings.FORMS_RATE_LIMITS = [(8, 60 * 60)]
    settings.CACHES = {**settings.CACHES, "ratelimit": dead_redis()}
    with caplog.at_level(logging.WARNING, logger="forms_app.guards"):
        statuses = [
            sign_up(client, signup_form, f"p{number}@example.net").status_code
            for number in range(4)
        ]
    # Each process counts alone, so each takes a quarter of the limit.
    assert statuses == [200, 200, 429, 429]
    assert CampaignFormSubmission.objects.count() == 2
    assert "counted in this process alone" in caplog.text
