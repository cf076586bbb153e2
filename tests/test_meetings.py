"""Meeting pages in public: the list, the times in the reader's language and UK time, the
calendar feed, the next meeting on the home page, and the inaugural conference the loader adds."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from wagtail.models import PageViewRestriction

from home.models import MeetingIndexPage, MeetingPage

from .api_helpers import API
from .factories import MeetingIndexPageFactory, MeetingPageFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC


def london(*args):
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def meetings(home):
    return MeetingIndexPageFactory(parent=home)


def calendar_of(client, index):
    response = client.get(index.url + "calendar/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def events_by_title(calendar):
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_calendar_times_are_right_across_the_uk_summer_time_change(meetings, client):
    # British Summer Time begins at 01:00 UTC on Sunday 28 March 2027: a 19:00 London meeting
    # that evening is already an hour ahead of UTC.
    MeetingPageFactory(parent=meetings, title="Saturday", starts_at=london(2027, 3, 27, 19))
    MeetingPageFactory(parent=meetings, title="Sunday", starts_at=london(2027, 3, 28, 19))
    MeetingPageFactory(
        parent=meetings,
        title="Thursday",
        starts_at=london(2027, 4, 1, 19),
        ends_at=london(2027, 4, 1, 21),
    )

    events = events_by_title(calendar_of(client, meetings))

    def utc(event, name):
        return event[name].dt.astimezone(UTC)

    assert utc(events["Saturday"], "dtstart") == datetime.datetime(2027, 3, 27, 19, tzinfo=UTC)
    assert utc(events["Sunday"], "dtstart") == datetime.datetime(2027, 3, 28, 18, tzinfo=UTC)
    assert utc(events["Thursday"], "dtstart") == datetime.datetime(2027, 4, 1, 18, tzinfo=UTC)
    assert utc(events["Thursday"], "dtend") == datetime.datetime(2027, 4, 1, 20, tzinfo=UTC)


def test_calendar_names_the_time_zone_it_uses(meetings, client):
    MeetingPageFactory(parent=meetings, starts_at=london(2027, 4, 1, 19))
    calendar = calendar_of(client, meetings)
    (event,) = calendar.walk("VEVENT")
    assert event["dtstart"].params["TZID"] == "Europe/London"
    # Defined in the file itself, as RFC 5545 asks, for apps without a time zone database.
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_calendar_gives_only_what_the_pages_show_in_public(meetings, client):
    MeetingPageFactory(
        parent=meetings,
        starts_at=london(2027, 4, 1, 19),
        ends_at=london(2027, 4, 1, 21),
        public_place="Online",
    )
    (event,) = calendar_of(client, meetings).walk("VEVENT")
    assert set(event) == {
        "UID",
        "DTSTAMP",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "URL",
        "DTSTART",
        "DTEND",
    }
    assert str(event["location"]) == "Online"


def test_calendar_leaves_out_drafts_private_and_undated_meetings(meetings, client):
    MeetingPageFactory(parent=meetings, title="Public", starts_at=london(2027, 4, 1, 19))
    MeetingPageFactory(parent=meetings, title="Draft", live=False)
    MeetingPageFactory(parent=meetings, title="Date to be set", starts_at=None)
    private = MeetingPageFactory(parent=meetings, title="Members only")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    assert set(events_by_title(calendar_of(client, meetings))) == {"Public"}


def test_calendar_queries_do_not_grow_with_meetings(meetings, client):
    def queries_with(count):
        MeetingPageFactory.create_batch(count, parent=meetings)
        calendar_of(client, meetings)  # what Wagtail keeps after a first request, as in production
        with CaptureQueriesContext(connection) as queries:
            calendar_of(client, meetings)
        return len(queries)

    assert queries_with(2) == queries_with(8)


def test_index_lists_coming_meetings_soonest_first_then_past_ones_newest_first(meetings, client):
    now = timezone.now()
    for title, days in [("Next month", 30), ("Last year", -365), ("Tomorrow", 1), ("Ago", -2)]:
        MeetingPageFactory(
            parent=meetings, title=title, starts_at=now + datetime.timedelta(days=days)
        )
    MeetingPageFactory(parent=meetings, title="Undated", starts_at=None)
    # Started an hour ago and not over yet: still coming to anyone who means to join.
    MeetingPageFactory(
        parent=meetings,
        title="Under way",
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=1),
    )

    context = client.get(meetings.url).context
    coming = [meeting.title for meeting in context["upcoming_meetings"]]
    past = [meeting.title for meeting in context["past_meetings"]]
    assert coming == ["Under way", "Tomorrow", "Next month", "Undated"]
    assert past == ["Ago", "Last year"]


def shown_time(meeting, language):
    with translation.override(language):
        return render_to_string("includes/meeting_time.html", {"meeting": meeting})


# The three tests below use `db`: a new page looks up its content type.
def test_time_is_shown_in_uk_time_with_its_zone_in_the_readers_language(db):
    winter = MeetingPage(starts_at=london(2027, 3, 27, 19))
    summer = MeetingPage(starts_at=london(2027, 4, 1, 19), ends_at=london(2027, 4, 1, 21))
    assert "27 March 2027, 7 p.m.</time> UK time (GMT)" in shown_time(winter, "en")
    assert "1 April 2027, 7 p.m.</time>–" in shown_time(summer, "en")
    assert "9 p.m.</time> UK time (BST)" in shown_time(summer, "en")
    assert "2027年4月1日, 19:00</time>" in shown_time(summer, "zh-hans")
    assert "英国时间（BST）" in shown_time(summer, "zh-hans")
    assert 'datetime="2027-04-01T19:00:00+01:00"' in shown_time(summer, "en")


def test_a_meeting_held_elsewhere_shows_its_local_time_too(db):
    meeting = MeetingPage(starts_at=london(2027, 4, 1, 12), time_zone="Asia/Hong_Kong")
    shown = shown_time(meeting, "en")
    assert "1 April 2027, noon</time> UK time (BST)" in shown
    assert "1 April 2027, 7 p.m.</time> local time (Asia/Hong_Kong)" in shown
    assert "當地時間（Asia/Hong_Kong）" in shown_time(meeting, "zh-hant")


@pytest.mark.parametrize(
    ("language", "shown"), [("zh-hant", "只限聯署團體"), ("zh-hans", "仅限联署团体")]
)
def test_who_may_register_is_shown_in_the_readers_language(language, shown, db):
    meeting = MeetingPage(who_may_register=MeetingPage.WhoMayRegister.SPONSORS)
    with translation.override(language):
        assert meeting.get_who_may_register_display() == shown


def test_a_meeting_without_a_date_says_it_is_to_be_set(db):
    assert shown_time(MeetingPage(starts_at=None), "en").strip() == "Date to be set"


def test_meeting_page_renders_what_is_public(meetings, client):
    meeting = MeetingPageFactory(
        parent=meetings,
        starts_at=london(2027, 4, 1, 19),
        public_place="Manchester",
        who_may_register=MeetingPage.WhoMayRegister.SPONSORS,
    )
    page = client.get(meeting.url).content.decode()
    assert "Manchester" in page
    assert "Sponsors only" in page
    assert "Not open yet" in page
    assert "UK time (BST)" in page


def test_a_meeting_cannot_end_before_it_starts(meetings):
    meeting = MeetingPageFactory.build(
        starts_at=london(2027, 4, 1, 19), ends_at=london(2027, 4, 1, 18), slug="early"
    )
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        meeting.clean()


def test_time_zone_must_be_one_the_database_knows(meetings):
    meeting = MeetingPageFactory.build(time_zone="Europe/Atlantis", slug="atlantis")
    with pytest.raises(ValidationError) as refused:
        meeting.full_clean()
    assert "time_zone" in refused.value.message_dict


def test_loader_adds_the_inaugural_conference_without_inventing_a_date(campaign_site):
    index = MeetingIndexPage.objects.child_of(campaign_site).get()
    conference = MeetingPage.objects.child_of(index).get()
    assert conference.live
    assert conference.starts_at is None
    assert conference.ends_at is None
    assert conference.public_place == "London"
    assert not conference.registration_open
    assert "this summer in London" in conference.summary


def test_home_page_shows_the_next_meeting(campaign_site, client):
    page = client.get(campaign_site.url).content.decode()
    assert "Inaugural conference" in page
    assert "Date to be set" in page


def test_a_dated_meeting_comes_before_the_undated_conference_on_the_home_page(
    campaign_site, client, publish
):
    index = MeetingIndexPage.objects.child_of(campaign_site).get()
    soon = timezone.now() + datetime.timedelta(days=3)
    publish(lambda: MeetingPageFactory(parent=index, title="Planning meeting", starts_at=soon))
    assert client.get(campaign_site.url).context["next_meeting"].title == "Planning meeting"


def test_api_serves_a_meetings_public_fields(meetings, client):
    MeetingPageFactory(parent=meetings, starts_at=london(2027, 4, 1, 19), public_place="Online")
    response = client.get(f"{API}/pages/", {"type": "home.MeetingPage", "fields": "*"})
    (item,) = response.json()["items"]
    starts_at = datetime.datetime.fromisoformat(item["starts_at"])
    assert starts_at == datetime.datetime(2027, 4, 1, 18, tzinfo=UTC)
    assert item["public_place"] == "Online"
    assert item["who_may_register"] == "anyone"
    assert item["registration_open"] is False
