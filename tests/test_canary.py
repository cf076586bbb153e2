"""The canary: a sign-up, an endorsement and a meeting registration whose every free-text answer
holds a unique marker, and a meeting whose private details (the exact place, the joining link,
how to get in) hold it too, then a crawl of everything the public (and an editor without the
personal-data right) can reach, and of the logs: no marker may appear anywhere. The public
crawl goes through the WSGI application gunicorn serves with the page cache on, twice, so that
it reads cached pages too."""

import datetime
import logging
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission, Page

from cms.pagecache.middleware import CACHE_STATUS_HEADER
from forms_app.models import (
    CampaignFormSubmission,
    ConsentRecord,
    SignupFormPage,
    SponsorFormPage,
    Subscriber,
)
from home.models import MeetingIndexPage, MeetingPrivateDetails, Registration

from .factories import meeting_taking_registrations
from .forms_helpers import SIGNUP_ANSWERS, SPONSOR_ANSWERS, submit
from .newsletter_helpers import newsletter_page, send_newsletter
from .wsgi_client import served

MARKER = "canary7f3q"
LINK = re.compile(r"""(?:href|src)=["']([^"'#]+)""")
SITEMAP_LOC = re.compile(r"<loc>([^<]+)</loc>")

# Where machine clients read the site; an address that does not exist yet answers 404,
# which holds no marker either, and is covered the day it appears.
API_URLS = [
    "/api/v2/pages/?fields=*",
    "/api/v2/pages/?type=forms_app.SignupFormPage&fields=*",
    "/api/v2/pages/?type=forms_app.SponsorFormPage&fields=*",
    "/api/v2/pages/?type=home.MeetingPage&fields=*",
    "/api/v2/sponsors/",
    "/api/v3/pages/",
    "/api/v3/snippets/",
    "/api/v3/openapi.json",
]


def marked(answers, kinds):
    """The answers with every free-text value replaced by its own marker."""
    result = dict(answers)
    for key, kind in kinds.items():
        if kind == "email":
            result[key] = f"{MARKER}-{key}@example.org"
        elif kind == "url":
            result[key] = f"https://{MARKER}-{key}.example.org/"
        else:
            result[key] = f"{MARKER}-{key}"
    return result


def free_text_fields(page):
    return {
        field.clean_name: field.field_type
        for field in page.get_form_fields()
        if field.field_type in {"singleline", "multiline", "email", "url"}
    }


def crawl(start_urls):
    """Every same-site address reachable from the start, with each response's headers and text
    (a redirect's target is an address like any other)."""
    seen, queue, bodies = set(), deque(start_urls), {}
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        if path in seen or path.startswith(("/static/", "/media/", "/admin/")):
            continue
        seen.add(path)
        _, headers, body = served(path)
        bodies[path] = headers, body
        found = LINK.findall(body) + SITEMAP_LOC.findall(body) + [headers.get("Location", "")]
        for address in filter(None, found):
            absolute = urljoin(path, address)
            if urlsplit(absolute).netloc in ("", "testserver", "localhost"):
                queue.append(absolute)
    return bodies


@pytest.fixture
def editor(django_user_model, campaign_site):
    group = Group.objects.create(name="Canary editors")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for permission in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=campaign_site, permission=Permission.objects.get(codename=permission)
        )
    user = django_user_model.objects.create_user("canary-editor", password="unused-password-1")
    user.groups.add(group)
    return user


# A meeting's public title (in the page, the list, the feed and the API), and its registrant.
MEETING_TITLE = "Canary planning meeting"
REGISTRANT_EMAIL = f"{MARKER}-registrant@example.org"


def meeting_with_a_registrant(client, django_capture_on_commit_callbacks):
    """A coming meeting open to anyone, with the marker in its private details, and a
    registration through its form, confirmed from the link emailed, so that the place and its
    details are emailed as they are to every registrant. Returns the meeting and every email
    the registration sent."""
    index = MeetingIndexPage.objects.get(locale__language_code="en")
    meeting = meeting_taking_registrations(
        index,
        title=MEETING_TITLE,
        starts_at=timezone.now() + datetime.timedelta(days=30),
        # Organisers are told of each registration too (without who it is).
        to_address="organisers@example.org",
    )
    MeetingPrivateDetails.objects.create(
        meeting_key=meeting.translation_key,
        address=f"{MARKER}-address",
        joining_link=f"https://{MARKER}-joining-link.example.org/room",
        access_notes=f"{MARKER}-access-notes",
        capacity=10,
    )
    answers = {
        "name": f"{MARKER}-registrant-name",
        "email": REGISTRANT_EMAIL,
        "organisation": f"{MARKER}-registrant-organisation",
    }
    sent_before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, meeting, answers)
    assert response.status_code == 200
    (confirmation,) = [message for message in mail.outbox if message.to == [REGISTRANT_EMAIL]]
    confirm_url = re.search(
        r"https?://[^/\s]+(/\S*/meetings/registration/confirm/\S+/)", confirmation.body
    )[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url)
    assert response.status_code == 200
    registration = Registration.objects.get(meeting_key=meeting.translation_key)
    assert registration.status == Registration.Status.REGISTERED
    assert registration.name == answers["name"]
    sent = mail.outbox[sent_before:]
    # The registrant was emailed the private details, with the calendar file.
    (details,) = [message for message in sent if f"{MARKER}-address" in message.body]
    assert details.to == [REGISTRANT_EMAIL] and details.attachments
    return meeting, sent


def send_newsletter_to_supporters():
    """A published newsletter sent to the supporters (the marked one among them)."""
    newsletter = newsletter_page()
    send_newsletter(newsletter)
    return newsletter


def test_nothing_a_supporter_typed_appears_anywhere_public(
    campaign_site, client, settings, caplog, django_capture_on_commit_callbacks, editor
):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    settings.PAGE_CACHE_SECONDS = 600
    caplog.set_level(logging.DEBUG)
    sponsor_form = SponsorFormPage.objects.get(locale__language_code="en")
    signup_form = SignupFormPage.objects.get(locale__language_code="en")
    sponsor_form.to_address = "organisers@example.org"
    sponsor_form.save_revision().publish()

    with django_capture_on_commit_callbacks(execute=True):
        submit(client, sponsor_form, marked(SPONSOR_ANSWERS, free_text_fields(sponsor_form)))
        submit(client, signup_form, marked(SIGNUP_ANSWERS, free_text_fields(signup_form)))
    assert CampaignFormSubmission.objects.count() == 2
    assert all(
        MARKER in str(value)
        for submission in CampaignFormSubmission.objects.all()
        for key, value in submission.form_data.items()
        if key in free_text_fields(submission.page.specific)
    )
    meeting, registration_emails = meeting_with_a_registrant(
        client, django_capture_on_commit_callbacks
    )
    meeting_index = meeting.get_parent()
    # Only the registrant hears anything private: the organisers' notice names nobody.
    to_others = [message for message in registration_emails if message.to != [REGISTRANT_EMAIL]]
    assert [message.to for message in to_others] == [["organisers@example.org"]]
    for message in to_others:
        assert MARKER not in message.subject + message.body + str(message.attachments)
    Subscriber.objects.update(confirmed_at=timezone.now())
    ConsentRecord.objects.update(confirmed_at=timezone.now())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        newsletter = send_newsletter_to_supporters()
    assert [message.to for message in mail.outbox] == [[f"{MARKER}-email@example.org"]]

    meeting_feed = meeting_index.url + "calendar/"
    start = ["/", "/sitemap.xml", "/robots.txt", *API_URLS, meeting_feed]
    start += [page.url for page in Page.objects.live().filter(depth__gt=1)]
    first_crawl, second_crawl = crawl(start), crawl(start)
    assert len(second_crawl) >= 12
    # The meeting is read where the public reads it: its page, the list, the feed, the API.
    for url in (
        meeting.url,
        meeting_index.url,
        meeting_feed,
        "/api/v2/pages/?type=home.MeetingPage&fields=*",
    ):
        assert MEETING_TITLE in first_crawl[url][1], url
    cached = [
        url
        for url, (headers, _) in second_crawl.items()
        if headers.get(CACHE_STATUS_HEADER) == "hit"
    ]
    assert len(cached) >= 8
    leaks = [
        url
        for crawled in (first_crawl, second_crawl)
        for url, (_, body) in crawled.items()
        if MARKER in body
    ]
    assert leaks == []

    client.force_login(editor)
    admin_urls = [
        "/admin/",
        "/admin/forms/",
        f"/admin/pages/{signup_form.pk}/edit/",
        f"/admin/pages/{sponsor_form.pk}/edit/",
        f"/admin/forms/submissions/{signup_form.pk}/",
        f"/admin/forms/submissions/{signup_form.pk}/?export=csv",
        "/admin/snippets/sponsors/sponsor/",
        f"/admin/pages/{newsletter.pk}/edit/",
        f"/admin/pages/{newsletter.pk}/history/",
        # The newsletter's segments are named by what supporters typed as their country.
        reverse("audience_segment_chooser:choose") + "?audience=supporters",
        "/admin/reports/site-history/",
        # The meeting, its registrants and its private details.
        f"/admin/pages/{meeting_index.pk}/",
        f"/admin/pages/{meeting.pk}/edit/",
        f"/admin/pages/{meeting.pk}/history/",
        f"/admin/forms/submissions/{meeting.pk}/",
        f"/admin/forms/submissions/{meeting.pk}/?export=csv",
        reverse("meeting_registrations", args=[meeting.pk]),
        reverse("meeting_registrations", args=[meeting.pk]) + "?export=csv",
        reverse("meeting_private_details", args=[meeting.pk]),
        reverse("meeting_sign_in_sheet", args=[meeting.pk]),
    ]
    for url in admin_urls:
        assert MARKER not in client.get(url, follow=True).content.decode(), url

    assert MARKER not in caplog.text
    for message in mail.outbox:
        assert MARKER not in message.body and MARKER not in message.subject
