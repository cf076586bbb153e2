"""What visitors read: the contact route, the forms' wording, undated notices, sharing, and the
draft Chinese translations the loader brings (waiting for review, never published by it)."""

import re
from pathlib import Path

import pytest
import wagtail_factories
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from wagtail.models import Page, Site
from wagtail_localize.models import StringSegment, StringTranslation

from forms_app.models import CampaignFormSubmission, ContactFormPage, PrivacyNoticePage
from home.models import CampaignSettings, PlatformPage, UpdatePage

from .forms_helpers import submit


def html_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def in_english(model):
    return model.objects.get(locale__language_code="en")


@pytest.fixture
def contact_details(campaign_site):
    settings = CampaignSettings.for_site(Site.objects.get(is_default_site=True))
    settings.contact_email = "contact@campaign.example.org"
    settings.save()
    return settings


def test_contact_email_shows_where_the_call_and_the_privacy_notice_need_it(contact_details, client):
    mailto = '<a href="mailto:contact@campaign.example.org">'
    platform = html_of(client, in_english(PlatformPage).url)
    contact_section = platform[platform.index('id="contact"') :]
    assert mailto in contact_section[: contact_section.index("</section>")]
    privacy = html_of(client, in_english(PrivacyNoticePage).url)
    assert "How to ask us to delete your details" in privacy
    assert mailto in privacy[privacy.index('id="ask-us"') :]
    assert mailto in html_of(client, "/en/updates/").split('class="site-footer"')[1]


def test_without_a_contact_email_the_pages_point_to_the_contact_form(campaign_site, client):
    contact_url = in_english(ContactFormPage).url
    for page in (PlatformPage, PrivacyNoticePage):
        html = html_of(client, in_english(page).url)
        assert not re.search(r'href="mailto:[^?"]', html)
        assert f'<a href="{contact_url}">Write to us with the contact form</a>' in html


def test_statement_link_is_only_there_once_organisers_set_it(contact_details, client):
    platform_url = in_english(PlatformPage).url
    assert "The LMSWHK statement is not on this site yet." in html_of(client, platform_url)
    contact_details.statement_url = "https://lmswhk.example.org/statement"
    contact_details.save()
    html = html_of(client, platform_url)
    assert '<a href="https://lmswhk.example.org/statement">Read the LMSWHK statement</a>' in html
    assert "not on this site yet" not in html


def test_platform_ends_with_sign_up_and_sponsor_links(campaign_site, client):
    html = html_of(client, in_english(PlatformPage).url)
    join = html[html.index('id="sign-up"') : html.index('id="contact"')]
    assert 'class="button" href="/en/sign-up/">Sign up for updates' in join
    assert 'class="button" href="/en/sponsor/">Sponsor the campaign' in join


def test_contact_form_has_the_guards_and_stores_privately(
    campaign_site, client, answering_at_test_speed
):
    contact = in_english(ContactFormPage)
    html = html_of(client, contact.url)
    assert 'name="fax_number"' in html and 'name="form_token"' in html
    assert '<button type="submit" class="button">Send your message</button>' in html
    answers = {"name": "Li Wei", "email": "li@example.net", "message": "Hello from Taipei"}
    response = submit(client, contact, answers)
    assert "An organiser will read your message" in response.content.decode()
    (stored,) = CampaignFormSubmission.objects.all()
    assert stored.page_id == contact.pk and stored.form_data["message"] == "Hello from Taipei"
    # Kept with the other forms' submissions: the same retention, erasure and permission.
    assert list(contact.get_submissions()) == [stored]


def test_form_questions_say_which_may_be_left_blank(campaign_site, client):
    html = html_of(client, "/en/sign-up/")
    country = html[html.index('for="id_country"') :]
    assert (
        country.index('<span class="form-field__optional" lang="en" dir="ltr">(optional)</span>')
        < 80
    )
    name = html[html.index('for="id_name"') :]
    assert "(optional)" not in name[: name.index("</label>")]
    assert "Please answer every question not marked (optional)." in html


def test_no_kind_of_organisation_is_chosen_for_the_visitor(campaign_site, client):
    html = html_of(client, "/en/sponsor/")
    select = html[html.index('name="organisation_kind"') :]
    select = select[: select.index("</select>")]
    assert '<option value="" selected>Choose one</option>' in select
    assert select.count("selected") == 1


def test_tick_box_comes_before_its_label(campaign_site, client):
    html = html_of(client, "/en/sign-up/")
    box = html.index('id="id_updates_consent"')
    label = html.index('<label for="id_updates_consent">')
    assert box < label


def test_buttons_say_what_they_do(campaign_site, client):
    assert '<button type="submit" class="button">Sign up</button>' in html_of(
        client, "/en/sign-up/"
    )
    assert '<button type="submit" class="button">Send our sponsorship</button>' in html_of(
        client, "/en/sponsor/"
    )


def test_error_messages_read_as_sentences(campaign_site, client, answering_at_test_speed):
    signup = Page.objects.get(url_path__endswith="/sign-up/", locale__language_code="en")
    html = submit(client, signup.specific, {"name": "Alex"}, token="tampered").content.decode()
    summary = html[html.index('class="form-error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    assert "<li>This form was open for too long." in summary
    assert "Form token" not in summary
    assert "Please answer “Your email address”" in summary
    assert "Please tick “Yes, email me updates about the campaign.”" in summary
    assert ".:" not in summary


def test_update_page_prints_its_text_once(campaign_site, client):
    update = UpdatePage.objects.get(slug="founding-meeting", locale__language_code="en")
    html = html_of(client, update.url)
    main = html[html.index("<main") : html.index("</main>")]
    assert main.count("The founding meeting has passed") == 1


def test_undated_updates_show_no_date(campaign_site, client):
    for url in ("/en/", "/en/updates/", "/en/updates/founding-meeting/"):
        html = html_of(client, url)
        main = html[html.index("<main") : html.index("</main>")]
        assert "<time" not in main, url


def test_pinned_notice_shows_once_on_the_home_page(campaign_site, client):
    html = html_of(client, "/en/")
    assert html.count("Workers Against the CCP is founded") == 1


def test_open_graph_locale_names_the_territory(campaign_site, client):
    expected = {"en": "en_GB", "zh-hant": "zh_HK", "zh-hans": "zh_CN", "ug": "ug_CN", "bo": "bo_CN"}
    for code, locale in expected.items():
        assert f'<meta property="og:locale" content="{locale}">' in html_of(client, f"/{code}/")


def test_every_page_has_a_share_image_and_the_forms_share_links(campaign_site, client):
    for url in ("/en/", "/en/sign-up/", "/en/sign-up/thanks/"):
        html = html_of(client, url)
        assert re.search(r'<meta property="og:image" content="http://localhost/static/', html)
        assert 'class="share-links"' in html, url


def test_a_page_shares_its_own_picture_and_every_page_has_an_icon(campaign_site, client):
    platform = in_english(PlatformPage)
    platform.social_image = wagtail_factories.ImageFactory(title="Picket at the embassy")
    platform.save_revision().publish()
    html = html_of(client, platform.url)
    assert re.search(
        r'<meta property="og:image" content="http://localhost/media/images/[^"]*fill-1200x630', html
    )
    assert '<meta property="og:image:alt" content="Picket at the embassy">' in html
    icon = re.search(r'<link rel="icon" href="/static/([^"]+)"', html)[1]
    assert Path(finders.find(icon)).read_bytes().startswith(b"\x89PNG")


def test_thank_you_page_offers_a_next_step(campaign_site, client):
    html = html_of(client, "/en/sign-up/thanks/")
    next_step = html[html.index('id="next-step-title"') :]
    assert 'href="/en/platform/"' in next_step and 'href="/en/sponsor/"' in next_step
    assert "%2Fen%2Fplatform%2F" in next_step  # the call is what it asks people to share


def test_thank_you_page_offers_the_sections_and_the_other_forms_in_tree_order(
    campaign_site, client
):
    context = client.get("/en/sign-up/thanks/").context
    offered = [page.url for page in context["next_pages"]]
    assert offered == ["/en/platform/", "/en/updates/", "/en/sponsors/", "/en/sponsor/"]
    assert context["platform"].url == "/en/platform/"


def test_front_page_links_to_the_update_and_sponsor_lists(campaign_site, client):
    html = html_of(client, "/en/")
    assert '<a href="/en/updates/">All updates</a>' in html
    assert '<a href="/en/sponsors/">See the sponsoring organisations</a>' in html


def test_loader_drafts_chinese_translations_without_publishing_them(campaign_site_with_drafts):
    for code, title in (("zh-hant", "呼籲成立新運動"), ("zh-hans", "呼吁成立新运动")):
        platform = PlatformPage.objects.get(locale__language_code=code)
        assert platform.title == in_english(PlatformPage).title  # the live page: English
        assert platform.get_latest_revision_as_object().title.startswith(title)
        assert platform.has_unpublished_changes
        untranslated = StringSegment.objects.exclude(
            string__translations__locale__language_code=code
        ).values_list("context__path", flat=True)
        # Only the organisers' notification subjects stay English.
        assert set(untranslated) == {"subject"}


def test_draft_translations_are_in_the_translation_editor_for_review(campaign_site_with_drafts):
    drafts = StringTranslation.objects.filter(locale__language_code="zh-hant")
    assert drafts.filter(data__contains='<a id="a1">我們的聲明</a>').exists()
    assert drafts.filter(translation_type="machine").count() == drafts.count()


def test_no_draft_for_uyghur_or_tibetan_content(campaign_site_with_drafts):
    assert not StringTranslation.objects.filter(locale__language_code__in=["ug", "bo"]).exists()
    assert Page.objects.filter(locale__language_code="ug", alias_of__isnull=True).count() == 0


def test_loading_again_keeps_translators_work(campaign_site_with_drafts):
    draft = StringTranslation.objects.filter(locale__language_code="zh-hant").first()
    draft.data = "譯者改過的文字"
    draft.save()
    from django.core.management import call_command

    call_command("load_campaign_content")
    draft.refresh_from_db()
    assert draft.data == "譯者改過的文字"


def test_dashboard_asks_organisers_for_what_the_call_lacks(campaign_site, client):
    organiser = get_user_model().objects.create_superuser("organiser", password="x")
    client.force_login(organiser)
    html = html_of(client, "/admin/")
    assert "“Workers Against the CCP is founded” has no date" in html
    assert "The campaign's contact email is not set" in html
    assert "ئۇيغۇرچە" in html  # the panel of draft interface translations
    assert "are drafts" in html


def test_a_new_contact_email_reaches_cached_pages(campaign_site, client, settings, publish):
    settings.PAGE_CACHE_SECONDS = 3600
    html_of(client, "/en/updates/")
    contact = CampaignSettings.for_site(Site.objects.get(is_default_site=True))
    contact.contact_email = "new@campaign.example.org"
    publish(contact.save)
    assert "mailto:new@campaign.example.org" in html_of(client, "/en/updates/")
