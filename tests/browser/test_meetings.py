"""A sponsors-only meeting from start to finish, in a real browser. An organiser makes it in the
page editor and sets its private address and capacity. Three sponsors' contacts register on
its page and confirm from their emails: the first two get the address and a calendar file, and
the third goes on the waiting list until one of the two cancels. A change of time is emailed
once to each person registered. The organiser reads the registrants and the sign-in sheet. The
address is never shown to a visitor, an Editor or a Translator.

The organiser, Editor and Translator are members of the real groups. The emails are Django's
test outbox, sent by the live server's requests once they commit (EMAIL_QUEUE=request)."""

import datetime
import re
import zoneinfo
from urllib.parse import urlsplit

import icalendar
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cms.localisation.translators import TRANSLATORS
from home.models import MeetingIndexPage, MeetingPage

from ..factories import SponsorFactory
from .conftest import BROWSER_DB

pytestmark = [pytest.mark.browser, BROWSER_DB]

PASSWORD = "a long volunteer passphrase"
LONDON = zoneinfo.ZoneInfo("Europe/London")
TITLE = "Sponsors' planning meeting"
ADDRESS = "Conway Hall, 25 Red Lion Square, Room 4"
# The three sponsors' contacts, in the order they register.
CONTACTS = {
    "ana@hackney-tc.example.org": "Ana Okafor",
    "bo@unite-east.example.org": "Bo Lindqvist",
    "chen@hk-solidarity.example.org": "Chen Wai",
}
ANA, BO, CHEN = CONTACTS
REFUSED = "Sorry, you do not have permission to access this area."


def evening_in(days):
    """18:30 UK time, some days from now: always in the future, to the minute."""
    day = timezone.localdate(timezone.now(), LONDON) + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, 18, 30, tzinfo=LONDON)


STARTS_AT = evening_in(60)
MOVED_TO = evening_in(67)


@pytest.fixture
def meetings_site(live_campaign, settings):
    # A browser fills a form in faster than any person; the guard has its own tests.
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    settings.FORMS_EMAIL_SEND_RATE = 0
    return live_campaign


def emails_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def link_in(message, action):
    """The path of the confirm or cancel link in an email. The link names the site's public
    address, and the test server has a port of its own."""
    url = re.search(rf"https?://\S+/meetings/registration/{action}/\S+/", message.body)[0]
    return urlsplit(url).path


def event_in(message):
    """The one event in the calendar file attached to an email."""
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    assert (filename, mimetype) == ("meeting.ics", "text/calendar")
    (event,) = icalendar.Calendar.from_ical(content).walk("VEVENT")
    return event


def set_start(page, moment):
    """Types the start time in the editor's format, in UK time (the organiser's admin time
    zone), and closes the date picker, which would cover the buttons below it."""
    typed = moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
    pickers = page.locator(".xdsoft_datetimepicker:visible")
    page.locator("#id_starts_at").fill(typed)
    # The picker opens a moment after the field takes the focus, and closes when it leaves.
    expect(pickers).to_have_count(1)
    page.locator("#id_summary").click()
    expect(pickers).to_have_count(0)
    expect(page.locator("#id_starts_at")).to_have_value(typed)


def publish(page):
    page.locator("footer [data-w-dropdown-target='toggle']").last.click()
    page.get_by_role("button", name="Publish").click()


def open_meeting_screen(page, base, meeting, name):
    """One of the organisers' screens for a meeting, from the Actions menu of its editor."""
    page.goto(f"{base}/admin/pages/{meeting.pk}/edit/")
    page.locator("header").get_by_role("button", name="Actions").click()
    page.get_by_role("link", name=name).click()


def as_visitor(browser):
    """The browser of someone who is not signed in and has turned JavaScript off."""
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(15_000)
    return context


def signed_in(browser, base, sign_in, account):
    """A tab of the admin in a browser of its own, signed in with both factors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, base, account, PASSWORD)
    expect(page.locator("h1")).to_contain_text("Workers Against the CCP")
    return page


def assert_refused_the_organisers_screens(page, base, meeting):
    """The meeting's private details and registrations send the user back to the dashboard,
    showing neither the address nor a registrant."""
    for screen in ("details", "registrations"):
        page.goto(f"{base}/admin/meetings/{meeting.pk}/{screen}/")
        expect(page).to_have_url(f"{base}/admin/")
        expect(page.locator(".messages")).to_contain_text(REFUSED)
        content = page.content()
        assert "Red Lion Square" not in content, screen
        assert not any(name in content for name in CONTACTS.values()), screen


def register(browser, base, meeting, email):
    visitor = as_visitor(browser)
    page = visitor.new_page()
    page.goto(base + meeting.url)
    form = page.locator("form.campaign-form")
    form.get_by_label("Name", exact=True).fill(CONTACTS[email])
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_role("button", name="Register").click()
    expect(page.locator("h1")).to_have_text("Thank you")
    visitor.close()


def follow_and_press(browser, base, path, button, then):
    """Opens an emailed link, which only asks, then presses its button; `then` is the heading
    that follows."""
    visitor = as_visitor(browser)
    page = visitor.new_page()
    page.goto(base + path)
    page.get_by_role("button", name=button).click()
    expect(page.locator("h1")).to_have_text(then)
    visitor.close()


def test_sponsors_register_for_a_meeting_whose_address_only_they_are_told(
    meetings_site, page, browser, sign_in, account_in
):
    base = meetings_site.url
    index = MeetingIndexPage.objects.get(locale__language_code="en")
    organiser = account_in("Organisers", password=PASSWORD)
    for email, name in CONTACTS.items():
        SponsorFactory(
            name=f"{name}'s union", contact_email=email, email_verified_at=timezone.now()
        )

    # The organiser makes the meeting in the page editor. Registration stays closed until the
    # form has the two questions it is run by.
    sign_in(page, base, organiser, PASSWORD)
    page.goto(f"{base}/admin/pages/add/home/meetingpage/{index.pk}/")
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_summary").fill("The sponsors plan the campaign's autumn together.")
    set_start(page, STARTS_AT)
    page.locator("#id_public_place").fill("London")
    page.locator("#id_who_may_register").select_option(label="Sponsors only")
    page.locator("#id_registration_open").check()
    page.locator("[data-contentpath='consent_statement'] [role='textbox']").click()
    page.keyboard.type("We keep your name and address until a month after the meeting.")
    # Draftail copies its content into the form's hidden input a moment after typing stops.
    expect(page.locator("input[name=consent_statement]")).to_have_value(
        re.compile("until a month after")
    )
    publish(page)
    expect(page.locator("main")).to_contain_text("Registration needs a question labelled “Name”")
    assert not MeetingPage.objects.filter(title=TITLE).exists()
    for number, (label, kind) in enumerate([("Name", "Single line text"), ("Email", "Email")]):
        page.locator("#id_form_fields-ADD").click()
        page.locator(f"#id_form_fields-{number}-label").fill(label)
        page.locator(f"#id_form_fields-{number}-field_type").select_option(label=kind)
    publish(page)
    expect(page.locator(".messages")).to_contain_text(f"Page '{TITLE}' created and published")
    meeting = MeetingPage.objects.get(locale__language_code="en", title=TITLE)
    assert meeting.live and meeting.registration_open
    assert meeting.starts_at == STARTS_AT
    assert meeting.public_place == "London"
    assert meeting.who_may_register == MeetingPage.WhoMayRegister.SPONSORS

    # Then the address and the number of places, on the meeting's private details screen.
    open_meeting_screen(page, base, meeting, "Private details")
    expect(page).to_have_url(f"{base}/admin/meetings/{meeting.pk}/details/")
    page.get_by_label("Address").fill(ADDRESS)
    page.get_by_label("Capacity").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("The private details are saved.")

    # Three sponsors' contacts register on the meeting's page. Each is first asked to confirm
    # the address, and told nothing private yet.
    confirmations = {}
    for email in CONTACTS:
        register(browser, base, meeting, email)
        (confirmation,) = emails_to(email)
        assert ADDRESS not in confirmation.body and not confirmation.attachments
        confirmations[email] = confirmation

    # They confirm in turn: two places, then the waiting list.
    mail.outbox.clear()
    for email, then in [
        (ANA, "You have a place"),
        (BO, "You have a place"),
        (CHEN, "You are on the waiting list"),
    ]:
        follow_and_press(browser, base, link_in(confirmations[email], "confirm"), "Confirm", then)
    for email in (ANA, BO):
        (details,) = emails_to(email)
        assert ADDRESS in details.body
        event = event_in(details)
        assert str(event["location"]) == ADDRESS
        assert event["dtstart"].dt == STARTS_AT
    (waiting,) = emails_to(CHEN)
    assert "you are on the waiting list" in waiting.body
    assert ADDRESS not in waiting.body and not waiting.attachments

    # Ana cannot come after all. Her place goes to Chen, the first on the waiting list.
    (ana_details,) = emails_to(ANA)
    mail.outbox.clear()
    follow_and_press(
        browser,
        base,
        link_in(ana_details, "cancel"),
        "Cancel my registration",
        "Your registration is cancelled",
    )
    (chen_details,) = mail.outbox
    assert chen_details.to == [CHEN]
    assert ADDRESS in chen_details.body
    assert str(event_in(chen_details)["location"]) == ADDRESS

    # The organiser moves the meeting a week later. Each person with a place is told once,
    # with the new time; Ana, who cancelled, is not told.
    mail.outbox.clear()
    page.goto(f"{base}/admin/pages/{meeting.pk}/edit/")
    set_start(page, MOVED_TO)
    publish(page)
    expect(page.locator(".messages")).to_contain_text(f"Page '{TITLE}' has been published")
    assert MeetingPage.objects.get(pk=meeting.pk).starts_at == MOVED_TO
    assert sorted(message.to[0] for message in mail.outbox) == [BO, CHEN]
    for email in (BO, CHEN):
        (change,) = emails_to(email)
        assert change.subject == f"Changed: {TITLE}"
        assert f"When: {MOVED_TO.day} {MOVED_TO:%B %Y}, 6:30 p.m. UK time" in change.body
        assert ADDRESS in change.body
        assert event_in(change)["dtstart"].dt == MOVED_TO

    # The organiser reads who registered and where each stands, then opens the sign-in sheet.
    open_meeting_screen(page, base, meeting, "Registrations")
    expect(page).to_have_url(f"{base}/admin/meetings/{meeting.pk}/registrations/")
    rows = page.locator("table.listing tbody tr")
    expect(rows).to_have_count(3)
    statuses = {
        row.locator("td").nth(0).inner_text(): row.locator("td").nth(3).inner_text()
        for row in rows.all()
    }
    assert statuses == {
        "Ana Okafor": "Cancelled",
        "Bo Lindqvist": "Registered: has the details",
        "Chen Wai": "Registered: has the details",
    }
    page.get_by_role("link", name="Sign-in sheet").click()
    expect(page).to_have_url(f"{base}/admin/meetings/{meeting.pk}/sign-in-sheet/")
    expect(page.locator("h1")).to_have_text(TITLE)
    assert page.locator("tbody td:first-child").all_inner_texts() == ["Bo Lindqvist", "Chen Wai"]
    sheet = page.content()
    assert "@" not in sheet and not any(email in sheet for email in CONTACTS)

    # A visitor never sees the address: not on the meeting's page or the list of meetings...
    visitor = as_visitor(browser)
    public = visitor.new_page()
    for path in (meeting.url, index.url):
        public.goto(base + path)
        expect(public.locator("main")).to_contain_text(TITLE)
        expect(public.locator("main")).to_contain_text("London")
        assert "Red Lion Square" not in public.content(), path
    # ...nor in the calendar feed or the API, read as a calendar app and a program read them.
    feed = visitor.request.get(f"{base}{index.url}calendar/")
    assert feed.ok and "Red Lion Square" not in feed.text()
    (listed,) = [
        event
        for event in icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
        if str(event["summary"]) == TITLE
    ]
    assert str(listed["location"]) == "London"
    api = visitor.request.get(f"{base}/api/v2/pages/?type=home.MeetingPage&fields=*")
    assert api.ok and "Red Lion Square" not in api.text()
    assert TITLE in [item["title"] for item in api.json()["items"]]
    visitor.close()

    # Nor does an Editor. They may edit the meeting's page, whose Actions menu offers them
    # neither of the organisers' screens, and read its history, which records that the
    # private details changed but not what they are. The organisers' screens refuse them.
    editor = signed_in(browser, base, sign_in, account_in("Editors", password=PASSWORD))
    editor.goto(f"{base}/admin/pages/{meeting.pk}/edit/")
    expect(editor.locator("#id_title")).to_have_value(TITLE)
    editor.locator("header").get_by_role("button", name="Actions").click()
    expect(editor.get_by_role("link", name="Private details")).to_have_count(0)
    expect(editor.locator("a[href*='/admin/meetings/']")).to_have_count(0)
    assert "Red Lion Square" not in editor.content()
    editor.goto(f"{base}/admin/pages/{meeting.pk}/history/")
    expect(editor.locator("main")).to_contain_text("Changed the meeting's private details")
    assert "Red Lion Square" not in editor.content()
    assert_refused_the_organisers_screens(editor, base, meeting)
    editor.context.close()

    # Nor does a Translator. The English page and its history refuse them; translating the
    # meeting into Traditional Chinese gives them its public text, and not the address.
    translator = signed_in(browser, base, sign_in, account_in(TRANSLATORS, password=PASSWORD))
    for path in (f"/admin/pages/{meeting.pk}/edit/", f"/admin/pages/{meeting.pk}/history/"):
        translator.goto(base + path)
        expect(translator).to_have_url(f"{base}/admin/")
        expect(translator.locator(".messages")).to_contain_text(REFUSED)
    chinese = MeetingPage.objects.get(
        translation_key=meeting.translation_key, locale__language_code="zh-hant"
    )
    translator.goto(f"{base}/admin/pages/{chinese.pk}/edit/")
    translator.get_by_role("link", name="Translate this page").click()
    translator.get_by_role("button", name="Submit").click()
    expect(translator).to_have_url(f"{base}/admin/pages/{chinese.pk}/edit/")
    expect(translator.locator("main")).to_contain_text(
        "The sponsors plan the campaign's autumn together."
    )
    assert "Red Lion Square" not in translator.content()
    translator.goto(f"{base}/admin/pages/{chinese.pk}/history/")
    assert "Red Lion Square" not in translator.content()
    assert_refused_the_organisers_screens(translator, base, meeting)
    translator.context.close()
