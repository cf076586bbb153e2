"""The meetings as an iCalendar feed (RFC 5545) that calendar apps subscribe to: only what the
meeting pages show in public, never a meeting's exact place or joining link."""

import icalendar
from django.http import HttpResponse
from django.utils import timezone

CALENDAR_LENGTH = 50


def meeting_event(meeting, request, hostname):
    event = icalendar.Event()
    # The same meeting in every language is one event to a calendar app.
    event.add("uid", f"{meeting.translation_key}@{hostname}")
    # When the meeting's details last changed (RFC 5545, 3.8.7.2): a page made live from code
    # without publishing has no such time, and is stamped as it is served.
    event.add("dtstamp", meeting.last_published_at or timezone.now())
    event.add("summary", meeting.title)
    event.add("description", meeting.summary)
    event.add("location", meeting.public_place)
    event.add("url", meeting.get_full_url(request))
    # In the meeting's own zone, which the calendar app turns into its reader's.
    event.add("dtstart", meeting.starts_at.astimezone(meeting.zone))
    if meeting.ends_at:
        event.add("dtend", meeting.ends_at.astimezone(meeting.zone))
    return event


def meetings_calendar(request, index_page):
    hostname = index_page.get_site().hostname
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{hostname}//meetings//")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", index_page.title)
    # A meeting whose date is still to be set has no place in a calendar yet.
    meetings = index_page.get_meetings().filter(starts_at__isnull=False).order_by("-starts_at")
    for meeting in meetings[:CALENDAR_LENGTH]:
        calendar.add_component(meeting_event(meeting, request, hostname))
    calendar.add_missing_timezones()
    return HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
