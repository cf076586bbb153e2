"""Newsletters: written as a page, sent from its Newsletter tab through the outbox, each reader
getting their language, only consenting unsuppressed supporters, by Organisers only."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale, PageLogEntry
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield
from wagtail_localize.models import StringSegment, TranslationSource
from wagtail_localize.operations import translate_object
from wagtail_newsletter.models import NewsletterRecipients

from cms.localisation.translators import TRANSLATORS
from forms_app.addresses import HashedAddress
from forms_app.mail import address_from_unsubscribe_token
from forms_app.models import (
    ConsentRecord,
    NewsletterCampaign,
    OutgoingEmail,
    SignupFormField,
    SignupFormPage,
    Subscriber,
    Suppression,
)
from forms_app.newsletters import SEND_ACTION, OutboxCampaignBackend
from home.models import NewsletterPage, UpdateIndexPage, UpdatePage
from sponsors.models import Sponsor

from .factories import SponsorFactory
from .forms_helpers import SIGNUP_ANSWERS, submit
from .newsletter_helpers import backend_campaign

ENGLISH_TEXT = "Join the picket on Saturday."
CHINESE_TEXT = "星期六参加纠察。"
UYGHUR_TEXT = "شەنبە كۈنى پىكېتقا قاتنىشىڭ."


@pytest.fixture(autouse=True)
def sending_at_test_speed(settings):
    settings.FORMS_EMAIL_SEND_RATE = 0


def supporter(email, language, *purposes, confirmed=True, consent_confirmed=True):
    subscriber = Subscriber.objects.create(
        email=email,
        language=language,
        confirmed_at="2026-01-01T00:00Z" if confirmed else None,
    )
    for purpose in purposes:
        ConsentRecord.objects.create(
            subscriber=subscriber,
            purpose=purpose,
            wording="Send me the newsletter",
            wording_version="x",
            language=language,
            confirmed_at="2026-01-01T00:00Z" if consent_confirmed else None,
        )
    return subscriber


@pytest.fixture
def supporters(db):
    """Who should get the newsletter, and every kind of person who should not."""
    newsletter, updates = ConsentRecord.Purpose.NEWSLETTER, ConsentRecord.Purpose.UPDATES
    supporter("reader.en@example.net", "en", newsletter)
    supporter("reader.zh@example.net", "zh-hans", updates)
    supporter("reader.ug@example.net", "ug", newsletter, updates)
    supporter("reader.bo@example.net", "bo", newsletter)
    supporter("unconfirmed@example.net", "en", newsletter, confirmed=False)
    supporter("consent-unconfirmed@example.net", "en", newsletter, consent_confirmed=False)
    supporter("no-consent@example.net", "en")
    supporter("suppressed@example.net", "en", newsletter)
    Suppression.record(HashedAddress.of("suppressed@example.net"), Suppression.Reason.UNSUBSCRIBED)
    return {
        "reader.en@example.net": "en",
        "reader.zh@example.net": "zh-hans",
        "reader.ug@example.net": "ug",
        # No Tibetan translation is published: the English.
        "reader.bo@example.net": "en",
    }


def publish_translation(page, language_code, text):
    translated = page.copy_for_translation(
        Locale.objects.get(language_code=language_code), copy_parents=True
    )
    translated.title = f"{text[:10]}"
    translated.body = [("paragraph", RichText(f"<p>{text}</p>"))]
    translated.save_revision().publish()
    return translated


@pytest.fixture
def newsletter(campaign_site):
    updates = UpdateIndexPage.objects.get(locale__language_code="en")
    recipients = NewsletterRecipients.objects.create(name="All supporters", audience="supporters")
    page = NewsletterPage(
        title="Picket news",
        live=False,
        slug="picket-news",
        body=[("paragraph", RichText(f"<p>{ENGLISH_TEXT}</p>"))],
        newsletter_recipients=recipients,
    )
    updates.add_child(instance=page)
    page.save_revision()
    publish_translation(page, "zh-hans", CHINESE_TEXT)
    publish_translation(page, "ug", UYGHUR_TEXT)
    return page


@pytest.fixture
def signed_in(account_in):
    def sign_in(group_name):
        client = Client()
        client.force_login(account_in(group_name))
        return client

    return sign_in


def edit_form(page, action, **extra):
    """The page's edit form as the admin posts it, with the Newsletter tab's button."""
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "body": streamfield([("paragraph", rich_text(f"<p>{ENGLISH_TEXT}</p>"))]),
            "newsletter_recipients": page.newsletter_recipients_id,
            "newsletter_subject": "",
            "newsletter-action": action,
            **extra,
        }
    )


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Presses a Newsletter tab button on the page's edit form, its emails sent on commit."""

    def press(client, page, action, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("wagtailadmin_pages:edit", args=[page.pk]),
                edit_form(page, action, **extra),
            )

    return press


def html_part(message):
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def test_organiser_sends_each_consenting_reader_one_email_in_their_language(
    newsletter, supporters, signed_in, act
):
    organiser = signed_in("Organisers")
    mail.outbox.clear()

    response = act(organiser, newsletter, "send_campaign")

    assert response.status_code == 302
    received = {message.to[0]: message for message in mail.outbox}
    assert sorted(received) == sorted(supporters)
    assert len(mail.outbox) == len(supporters)
    for address, language in supporters.items():
        html = html_part(received[address])
        assert f'<html lang="{language}" dir="{"rtl" if language == "ug" else "ltr"}">' in html
    assert CHINESE_TEXT in received["reader.zh@example.net"].body
    assert CHINESE_TEXT in html_part(received["reader.zh@example.net"])
    assert UYGHUR_TEXT in html_part(received["reader.ug@example.net"])
    assert ENGLISH_TEXT in received["reader.bo@example.net"].body
    assert ENGLISH_TEXT not in received["reader.zh@example.net"].body


def test_each_email_has_its_own_one_click_unsubscribe_and_no_tracking(
    newsletter, supporters, signed_in, act
):
    act(signed_in("Organisers"), newsletter, "send_campaign")

    named = set()
    for message in mail.outbox:
        headers = message.message()
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        html = html_part(message)
        in_header = address_from_unsubscribe_token(unsubscribe_token_in(_link_of(message)))
        in_html = address_from_unsubscribe_token(unsubscribe_token_in(html))
        in_text = address_from_unsubscribe_token(unsubscribe_token_in(message.body))
        assert in_header == in_html == in_text == HashedAddress.of(message.to[0])
        # Both parts send the reader to the unsubscribe page in their own language.
        assert unsubscribe_language_in(html) == unsubscribe_language_in(message.body)
        assert "unsubscribe.invalid" not in html
        assert "<img" not in html
        named.add(in_header)
    assert len(named) == len(supporters)

    reader = mail.outbox[0].to[0]
    path = re.sub(r"^https?://[^/]+", "", _link_of(mail.outbox[0]))
    response = Client().post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert Suppression.is_suppressed(reader)
    assert not Subscriber.objects.filter(email=reader).exists()


def _link_of(message):
    return re.fullmatch(r"<(\S+)>", message.message()["List-Unsubscribe"]).group(1)


def unsubscribe_language_in(text):
    return re.search(r"/([a-z-]+)/supporters/unsubscribe/", text).group(1)


def unsubscribe_token_in(text):
    return re.search(r"/supporters/unsubscribe/([^/\s\"]+)/", text).group(1)


def test_sending_again_sends_nothing_more(newsletter, supporters, signed_in, act):
    organiser = signed_in("Organisers")
    act(organiser, newsletter, "send_campaign")
    mail.outbox.clear()

    act(organiser, newsletter, "send_campaign")

    assert mail.outbox == []
    campaign = NewsletterCampaign.objects.get(campaign_id=str(newsletter.translation_key))
    assert campaign.status == NewsletterCampaign.Status.SENT
    assert campaign.emails.count() == len(supporters)
    assert OutgoingEmail.objects.filter(campaign=campaign).count() == campaign.recipient_count


def test_every_send_is_in_the_audit_log_with_audience_and_count(
    newsletter, supporters, signed_in, act
):
    act(signed_in("Organisers"), newsletter, "send_campaign")

    entry = PageLogEntry.objects.get(action=SEND_ACTION)
    assert entry.page_id == newsletter.pk
    assert entry.user.username == "organisers"
    assert entry.data["audience"] == "supporters"
    assert entry.data["recipients"] == len(supporters)


def test_one_language_segment_reaches_only_that_language(newsletter, supporters, signed_in, act):
    NewsletterRecipients.objects.filter(pk=newsletter.newsletter_recipients_id).update(
        segment="supporters/zh-hans"
    )

    act(signed_in("Organisers"), newsletter, "send_campaign")

    assert [message.to for message in mail.outbox] == [["reader.zh@example.net"]]


def test_counts_are_shown_before_sending(newsletter, supporters, signed_in):
    response = signed_in("Organisers").get(
        reverse("wagtail_newsletter:recipients"), {"pk": newsletter.newsletter_recipients_id}
    )

    assert response.json()["member_count"] == len(supporters)


def test_test_email_goes_only_to_the_organiser_in_each_published_language(
    newsletter, supporters, signed_in, act
):
    mail.outbox.clear()
    act(
        signed_in("Organisers"),
        newsletter,
        "send_test_email",
        **{"newsletter-test-email": "me@example.org"},
    )

    assert {message.to[0] for message in mail.outbox} == {"me@example.org"}
    assert len(mail.outbox) == 3
    assert not NewsletterCampaign.objects.filter(status=NewsletterCampaign.Status.SENT).exists()


def test_organiser_previews_the_email(newsletter, signed_in):
    organiser = signed_in("Organisers")
    preview = reverse("wagtailadmin_pages:preview_on_edit", args=[newsletter.pk])
    organiser.post(preview, edit_form(newsletter, ""))

    email = organiser.get(preview, {"mode": "newsletter"}).content.decode()

    assert '<html lang="en" dir="ltr">' in email
    assert ENGLISH_TEXT in email


def test_after_sending_the_tab_reports_counts_and_no_opens(newsletter, supporters, signed_in, act):
    organiser = signed_in("Organisers")
    edit = reverse("wagtailadmin_pages:edit", args=[newsletter.pk])
    assert 'value="send_campaign"' in organiser.get(edit).content.decode()

    act(organiser, newsletter, "send_campaign")
    tab = organiser.get(edit).content.decode()

    assert 'value="send_campaign"' not in tab
    assert re.search(r"Readers it was queued for</dt><dd>4</dd>", tab)
    assert re.search(r"<dt>Sent</dt><dd>4</dd>", tab)
    assert "Opens:" not in tab


CONFERENCE_IN_CHINESE = "首屆會議定於今夏在倫敦舉行"


@pytest.fixture
def conference_update(campaign_site):
    """The campaign's own notice of the conference, as the content loader made it, with a
    Simplified Chinese translation published and all supporters chosen as its recipients."""
    update = UpdatePage.objects.get(
        slug="inaugural-conference-planned-for-summer", locale__language_code="en"
    )
    update.newsletter_recipients = NewsletterRecipients.objects.create(
        name="All supporters", audience="supporters"
    )
    update.save()
    translated = update.get_translation(Locale.objects.get(language_code="zh-hans"))
    translated.alias_of = None
    translated.title = CONFERENCE_IN_CHINESE
    translated.body = f"<p>{CONFERENCE_IN_CHINESE}。</p>"
    translated.save_revision().publish()
    return update


def update_edit_form(update, **extra):
    """An update's edit form as the admin posts it."""
    return nested_form_data(
        {
            "title": update.title,
            "slug": update.slug,
            "published_on": "",
            "summary": update.summary,
            "body": rich_text(update.body),
            "newsletter_recipients": update.newsletter_recipients_id,
            "newsletter_subject": "",
            **extra,
        }
    )


def test_organiser_sends_an_existing_update_to_each_reader_in_their_language(
    conference_update, supporters, signed_in, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in("Organisers").post(
            reverse("wagtailadmin_pages:edit", args=[conference_update.pk]),
            update_edit_form(conference_update, **{"newsletter-action": "send_campaign"}),
        )

    assert response.status_code == 302
    received = {message.to[0]: message for message in mail.outbox}
    assert sorted(received) == sorted(supporters)
    assert len(mail.outbox) == len(supporters)
    chinese = received["reader.zh@example.net"]
    assert chinese.subject == CONFERENCE_IN_CHINESE
    assert CONFERENCE_IN_CHINESE in chinese.body and CONFERENCE_IN_CHINESE in html_part(chinese)
    english = received["reader.en@example.net"]
    assert english.subject == conference_update.title
    assert "Planning meetings will continue" in english.body
    assert '<html lang="en" dir="ltr">' in html_part(english)
    assert "Read this update on the website" in html_part(english)
    # The Tibetan page is still an alias, the English waiting for a translator: the English.
    tibetan = received["reader.bo@example.net"]
    assert tibetan.subject == conference_update.title
    assert '<html lang="en" dir="ltr">' in html_part(tibetan)
    entry = PageLogEntry.objects.get(action=SEND_ACTION, page=conference_update)
    assert entry.data["recipients"] == len(supporters)


def test_editors_neither_see_nor_change_whom_an_update_goes_to(
    conference_update, supporters, signed_in
):
    editor = signed_in("Editors")
    edit = reverse("wagtailadmin_pages:edit", args=[conference_update.pk])
    chosen = conference_update.newsletter_recipients_id
    others = NewsletterRecipients.objects.create(name="Sponsors", audience="sponsors")

    page = editor.get(edit).content.decode()
    assert 'name="newsletter_recipients"' not in page
    assert 'value="send_campaign"' not in page
    response = editor.post(
        edit, update_edit_form(conference_update, newsletter_recipients=others.pk)
    )

    assert response.status_code == 302
    conference_update.refresh_from_db()
    assert conference_update.newsletter_recipients_id == chosen
    assert not OutgoingEmail.objects.exists()


INTERESTS_IN_CHINESE = "香港\n西藏\n维吾尔地区\n台湾\n中国工人的斗争\n活动和会议"


@pytest.fixture
def confirmed_sign_up(settings, answering_at_test_speed, django_capture_on_commit_callbacks):
    """Signs someone up through a sign-up form page, as a visitor of their own, and confirms by
    the link they are emailed."""
    settings.FORMS_RATE_LIMITS = [(100, 60)]

    def sign_up(page, **answers):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            submit(Client(), page, {**SIGNUP_ANSWERS, **answers})
        (message,) = mail.outbox
        link = re.search(r"https?://[^/\s]+(/\S*/supporters/confirm/\S+/)", message.body)[1]
        assert Client().post(link).status_code == 200

    return sign_up


@pytest.fixture
def chinese_signup_form(signup_form):
    """The sign-up form in Simplified Chinese, its interests worded in Chinese."""
    translate_object(signup_form, [Locale.objects.get(language_code="zh-hans")])
    page = signup_form.get_translation(Locale.objects.get(language_code="zh-hans"))
    SignupFormField.objects.filter(page=page, clean_name="interests").update(
        choices=INTERESTS_IN_CHINESE
    )
    page = SignupFormPage.objects.get(pk=page.pk)
    page.save_revision().publish()
    return page


@pytest.fixture
def supporters_by_country_and_interest(
    signup_form, chinese_signup_form, confirmed_sign_up, django_capture_on_commit_callbacks
):
    confirmed_sign_up(signup_form, email="ann@example.net", interests=["Tibet"])
    confirmed_sign_up(
        signup_form, email="ben@example.net", country=" united kingdom", interests=["Taiwan"]
    )
    confirmed_sign_up(
        chinese_signup_form, email="chen@example.net", country="Taiwan", interests=["西藏", "台湾"]
    )
    # Signed up, never confirmed: in no segment, nor in the audience.
    with django_capture_on_commit_callbacks(execute=True):
        submit(Client(), signup_form, {**SIGNUP_ANSWERS, "email": "dee@example.net"})


def test_supporters_are_segmented_by_country_and_interest_whatever_the_forms_language(
    supporters_by_country_and_interest,
):
    segments = {
        segment.id: (segment.name, segment.member_count)
        for segment in OutboxCampaignBackend().get_audience_segments("supporters")
    }

    assert segments == {
        "supporters/en": ("English", 2),
        "supporters/zh-hans": ("简体中文", 1),
        "supporters/country:united kingdom": ("Country: United Kingdom", 2),
        "supporters/country:taiwan": ("Country: Taiwan", 1),
        "supporters/interest:Taiwan": ("Interested in: Taiwan", 2),
        "supporters/interest:Tibet": ("Interested in: Tibet", 2),
    }


@pytest.mark.parametrize(
    ("segment", "readers"),
    [
        ("supporters/interest:Tibet", ["ann@example.net", "chen@example.net"]),
        ("supporters/country:united kingdom", ["ann@example.net", "ben@example.net"]),
    ],
)
def test_a_country_or_interest_segment_reaches_only_its_readers(
    segment, readers, supporters_by_country_and_interest, newsletter, signed_in, act
):
    NewsletterRecipients.objects.filter(pk=newsletter.newsletter_recipients_id).update(
        segment=segment
    )
    mail.outbox.clear()

    act(signed_in("Organisers"), newsletter, "send_campaign")

    assert sorted(message.to[0] for message in mail.outbox) == readers


def test_the_history_editors_read_never_names_a_country_supporters_typed(
    supporters_by_country_and_interest, newsletter, signed_in, act
):
    NewsletterRecipients.objects.filter(pk=newsletter.newsletter_recipients_id).update(
        segment="supporters/country:united kingdom"
    )
    act(signed_in("Organisers"), newsletter, "send_campaign")
    entry = PageLogEntry.objects.get(action=SEND_ACTION, page=newsletter)
    assert entry.data["recipients"] == 2

    editor = signed_in("Editors")
    for address in (
        reverse("wagtailadmin_pages:history", args=[newsletter.pk]),
        reverse("wagtailadmin_reports:site_history"),
    ):
        response = editor.get(address)
        assert response.status_code == 200
        assert "Newsletter queued for 2 readers" in response.content.decode()
        assert "united kingdom" not in response.content.decode().casefold()
    assert "united kingdom" not in str(entry.data).casefold()


def test_a_segment_that_no_longer_exists_sends_nothing_and_says_so(
    newsletter, supporters, signed_in, act
):
    NewsletterRecipients.objects.filter(pk=newsletter.newsletter_recipients_id).update(
        segment="supporters/county:kent"
    )
    mail.outbox.clear()

    response = act(signed_in("Organisers"), newsletter, "send_campaign")

    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()
    assert any(
        "That segment no longer exists." in str(message)
        for message in get_messages(response.wsgi_request)
    )


def test_translators_are_never_given_the_campaign_id_to_translate(newsletter):
    source, _created = TranslationSource.get_or_create_from_instance(newsletter)
    paths = StringSegment.objects.filter(source=source).values_list("context__path", flat=True)

    assert newsletter.newsletter_campaign
    assert "newsletter_campaign" not in set(paths)


def test_editors_see_no_send_buttons(newsletter, signed_in):
    response = signed_in("Editors").get(reverse("wagtailadmin_pages:edit", args=[newsletter.pk]))

    assert response.status_code == 200
    assert 'value="send_campaign"' not in response.content.decode()


@pytest.mark.parametrize("group_name", ["Editors", TRANSLATORS])
@pytest.mark.parametrize("action", ["send_campaign", "send_test_email", "no_such_action", ""])
def test_volunteers_cannot_send(group_name, action, newsletter, supporters, signed_in, act):
    mail.outbox.clear()
    response = act(signed_in(group_name), newsletter, action)

    assert response.status_code == 403
    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("group_name", ["Editors", TRANSLATORS])
def test_volunteers_reach_no_newsletter_admin_address(
    group_name, newsletter, supporters, signed_in
):
    client = signed_in(group_name)
    recipients = newsletter.newsletter_recipients_id
    addresses = [
        reverse("wagtail_newsletter:recipients") + f"?pk={recipients}",
        reverse("wagtail_newsletter:javascript_catalog"),
        reverse("audience_chooser:choose"),
        reverse("audience_segment_chooser:choose") + "?audience=supporters",
        reverse("recipients_chooser:choose"),
        reverse("newsletter_recipients:index"),
        reverse("newsletter_recipients:add"),
        reverse("newsletter_recipients:edit", args=[recipients]),
    ]
    for address in addresses:
        assert client.get(address).status_code in (302, 403), address
    response = client.post(reverse("wagtail_newsletter:unschedule", args=[newsletter.pk]))
    assert response.status_code in (302, 403)


def test_public_api_shows_only_a_published_web_version(newsletter, supporters, client):
    listing = client.get("/api/v2/pages/", {"type": "home.NewsletterPage", "fields": "*"})
    assert listing.json()["items"] == [] or all(
        item["meta"]["locale"] != "en" for item in listing.json()["items"]
    )

    newsletter.get_latest_revision().publish()
    listing = client.get("/api/v2/pages/", {"type": "home.NewsletterPage", "fields": "*"})

    english = [item for item in listing.json()["items"] if item["meta"]["locale"] == "en"]
    assert [item["title"] for item in english] == ["Picket news"]
    content = listing.content.decode()
    for private in ["newsletter_recipients", "newsletter_campaign", "supporters", "@example"]:
        assert private not in content


def test_a_scheduled_newsletter_waits_and_can_be_taken_back(
    newsletter, supporters, django_capture_on_commit_callbacks
):
    backend, campaign_id = backend_campaign(newsletter)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        backend.schedule_campaign(campaign_id, timezone.now() + datetime.timedelta(hours=1))

    assert mail.outbox == []
    assert OutgoingEmail.objects.filter(status="queued").count() == len(supporters)
    assert backend.get_campaign(campaign_id).is_scheduled

    backend.unschedule_campaign(campaign_id)

    assert not OutgoingEmail.objects.exists()
    assert not backend.get_campaign(campaign_id).is_scheduled


def test_approved_sponsors_contacts_are_an_audience_of_their_own(
    newsletter, supporters, django_capture_on_commit_callbacks
):
    SponsorFactory(contact_email="listed@example.org")
    SponsorFactory(contact_email="pending@example.org", status=Sponsor.Status.PENDING)
    backend, campaign_id = backend_campaign(newsletter, audience="sponsors")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        backend.send_campaign(campaign_id)

    assert [message.to for message in mail.outbox] == [["listed@example.org"]]


def test_unscheduling_another_kind_of_page_is_not_found(campaign_site, signed_in):
    # A 404 outside the language prefix redirects into it, where it is a 404 again.
    response = signed_in("Organisers").post(
        reverse("wagtail_newsletter:unschedule", args=[campaign_site.pk]), follow=True
    )

    assert response.status_code == 404


def test_organiser_chooses_an_audience_with_its_count(supporters, signed_in):
    organiser = signed_in("Organisers")

    choosing = organiser.get(reverse("audience_chooser:choose"))
    segments = organiser.get(reverse("audience_segment_chooser:choose"), {"audience": "supporters"})

    assert choosing.status_code == 200
    assert "Supporters" in choosing.json()["html"]
    assert segments.status_code == 200
