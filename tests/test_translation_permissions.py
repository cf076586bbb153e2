"""The attacks of issue 12, as an infiltrated translator or editor would try them, each refused;
and what organisers do instead: publish translations, sync them, learn what is out of date."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import NoReverseMatch, reverse
from wagtail.models import Locale, Page
from wagtail_localize.models import StringTranslation

from cms.localisation.models import SponsorDescription
from cms.localisation.translators import TRANSLATORS
from cms.localisation.upkeep import out_of_date_translations
from home.models import PlatformPage, UpdatePage
from sponsors.models import Sponsor

from .factories import SponsorFactory, UpdatePageFactory
from .translation_helpers import translate

VOLUNTEERS = ["Editors", TRANSLATORS]
PINNED_IN_CHINESE = "由志願者直接發布的文字"


@pytest.fixture
def member_of(campaign_site, account_in):
    """A member of one of the groups the migrations make (account_in), with the campaign."""
    return account_in


@pytest.fixture
def signed_in(client, member_of, django_user_model):
    """A client signed in as the group's member (made the first time)."""

    def sign_in(group_name):
        user = django_user_model.objects.filter(groups__name=group_name).first()
        client.force_login(user or member_of(group_name))
        return client

    return sign_in


def refused(response):
    """Wagtail answers a refused admin request with 403, or (for a page) by sending the user
    back to the dashboard with a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


def pinned_update(code="en"):
    return UpdatePage.objects.get(is_pinned=True, locale__language_code=code)


def sync(client, translation, publish=True):
    data = {"publish_translations": "on"} if publish else {}
    return client.post(
        reverse("wagtail_localize:update_translations", args=[translation.source_id]), data
    )


@pytest.mark.parametrize("role", VOLUNTEERS)
def test_volunteers_cannot_publish_translations_through_sync(signed_in, role):
    hong_kong = translate(pinned_update(), "zh-hant", PINNED_IN_CHINESE)
    translate(pinned_update(), "ug", "ئۆزگەرتىلگەن")
    client = signed_in(role)
    for publish in (True, False):
        assert refused(sync(client, hong_kong, publish=publish))
    client.logout()
    assert PINNED_IN_CHINESE not in client.get("/zh-hant/").content.decode()
    assert pinned_update("ug").title == pinned_update().title


@pytest.mark.parametrize("role", VOLUNTEERS)
def test_volunteers_cannot_publish_a_sponsor_description_through_sync(signed_in, role):
    sponsor = SponsorFactory(name="Hackney Trades Council", description="Twenty branches.")
    english = SponsorDescription.objects.get(sponsor=sponsor)
    translation = translate(english, "zh-hant", "二十個支部。")
    assert refused(sync(signed_in(role), translation))
    assert not translation.get_target_instance().live


def test_organisers_sync_and_publish_translations(signed_in):
    hong_kong = translate(pinned_update(), "zh-hant", PINNED_IN_CHINESE)
    client = signed_in("Organisers")
    assert sync(client, hong_kong).status_code == 302
    client.logout()
    assert PINNED_IN_CHINESE in client.get("/zh-hant/").content.decode()


def translate_this(client, instance, code, include_subtree=False):
    """What "Translate this page" (or "Translate" on a snippet) posts, into one language."""
    if isinstance(instance, Page):
        url = reverse("wagtail_localize:submit_page_translation", args=[instance.pk])
    else:
        meta = instance._meta
        url = reverse(
            "wagtail_localize:submit_snippet_translation",
            args=[meta.app_label, meta.model_name, instance.pk],
        )
    data = {"locales": [Locale.objects.get(language_code=code).pk]}
    if include_subtree:
        data["include_subtree"] = "on"
    return client.post(url, data)


def stored_row(instance):
    """Every column of the object as the database holds it: what visitors are served."""
    return type(instance).objects.filter(pk=instance.pk).values().get()


def platform(code="en"):
    return PlatformPage.objects.get(locale__language_code=code)


def thrown_away_translation(signed_in):
    """The platform's Chinese translation, "綱領" in translation memory, turned back into a live
    alias of the English by an organiser (wagtail-localize keeps the translated text)."""
    translation = translate(platform(), "zh-hant", "綱領")
    chinese = translation.get_target_instance()
    response = signed_in("Organisers").post(
        reverse("wagtail_localize:convert_to_alias", args=[chinese.pk])
    )
    assert response.status_code == 302
    chinese.refresh_from_db()
    assert chinese.live and chinese.alias_of_id == platform().pk
    return chinese


@pytest.mark.parametrize("role", VOLUNTEERS)
def test_volunteers_cannot_publish_stored_text_by_translating_a_live_alias(signed_in, role):
    chinese = thrown_away_translation(signed_in)
    before = stored_row(chinese)
    client = signed_in(role)
    assert refused(translate_this(client, platform(), "zh-hant"))
    assert stored_row(chinese) == before
    client.logout()
    assert "綱領" not in client.get("/zh-hant/platform/").content.decode()


@pytest.mark.parametrize("role", VOLUNTEERS)
def test_volunteers_cannot_publish_a_translation_by_translating_the_pages_above_it(signed_in, role):
    hong_kong = translate(pinned_update(), "zh-hant", PINNED_IN_CHINESE)
    chinese = hong_kong.get_target_instance()
    before = stored_row(chinese)
    client = signed_in(role)
    updates = pinned_update().get_parent()
    assert refused(translate_this(client, updates, "zh-hant", include_subtree=True))
    assert stored_row(chinese) == before
    client.logout()
    assert PINNED_IN_CHINESE not in client.get("/zh-hant/").content.decode()
    assert PINNED_IN_CHINESE not in client.get(chinese.url).content.decode()


def test_organisers_translate_a_live_alias_with_its_stored_text(signed_in):
    thrown_away_translation(signed_in)
    client = signed_in("Organisers")
    assert translate_this(client, platform(), "zh-hant").status_code == 302
    client.logout()
    assert "綱領" in client.get("/zh-hant/platform/").content.decode()


def test_translators_start_translating_a_live_alias_and_visitors_see_no_change(signed_in):
    chinese = platform("zh-hant")
    english_title = platform().title
    client = signed_in(TRANSLATORS)
    assert translate_this(client, platform(), "zh-hant").status_code == 302
    chinese.refresh_from_db()
    assert chinese.alias_of_id is None and chinese.title == english_title
    client.logout()
    assert english_title in client.get("/zh-hant/platform/").content.decode()


def test_translators_translate_a_page_that_has_no_translation_into_a_draft(signed_in):
    # A page made from code gets no aliases in the other languages.
    english = UpdatePageFactory(parent=pinned_update().get_parent(), title="New branch")
    client = signed_in(TRANSLATORS)
    assert translate_this(client, english, "zh-hant").status_code == 302
    chinese = english.get_translation(Locale.objects.get(language_code="zh-hant"))
    assert not chinese.live


@pytest.mark.parametrize("role", VOLUNTEERS)
def test_volunteers_cannot_rewrite_a_published_sponsor_description(signed_in, role):
    sponsor = SponsorFactory(name="Hackney Trades Council", description="Twenty branches.")
    english = SponsorDescription.objects.get(sponsor=sponsor)
    translation = translate(english, "zh-hant", "二十個支部。")
    translation.save_target(publish=True)
    chinese = translation.get_target_instance()
    # Typed in the translation editor afterwards: a draft, until an organiser publishes it.
    StringTranslation.objects.filter(data="二十個支部。").update(data="志願者直接發布的文字")
    before = stored_row(chinese)
    client = signed_in(role)
    response = translate_this(client, english, "zh-hant")
    assert response.status_code != 302
    assert stored_row(chinese) == before
    client.logout()
    sponsors = client.get("/zh-hant/sponsors/").content.decode()
    assert "二十個支部。" in sponsors and "志願者直接發布的文字" not in sponsors


@pytest.mark.parametrize("role", [TRANSLATORS, "Organisers"])
def test_a_new_sponsor_description_translation_is_a_draft(signed_in, role):
    sponsor = SponsorFactory(name="Hackney Trades Council", description="Twenty branches.")
    english = SponsorDescription.objects.get(sponsor=sponsor)
    assert translate_this(signed_in(role), english, "zh-hant").status_code == 302
    assert not SponsorDescription.objects.get(sponsor=sponsor, locale__language_code="zh-hant").live


@pytest.mark.parametrize("role", VOLUNTEERS)
@pytest.mark.parametrize(
    "url_name, query",
    [
        ("wagtail_localize:snippets_api_listing", ""),
        ("choose", ""),
        ("choose_results", "?q=Union"),
        ("chosen_multiple", "?id={pk}"),
        ("chosen", ""),
    ],
)
def test_volunteers_cannot_list_sponsors(signed_in, role, url_name, query):
    pending = SponsorFactory(name="Pending Quokka Union", status=Sponsor.Status.PENDING)
    if url_name.startswith("wagtail_localize"):
        url = reverse(url_name, args=["sponsors", "sponsor"])
    else:
        args = [pending.pk] if url_name == "chosen" else []
        url = reverse(Sponsor.snippet_viewset.chooser_viewset.get_url_name(url_name), args=args)
    response = signed_in(role).get(url + query.format(pk=pending.pk))
    assert refused(response)
    assert pending.name not in response.content.decode()


@pytest.mark.parametrize("role", VOLUNTEERS)
def test_volunteers_cannot_read_one_sponsor_through_the_api(signed_in, role):
    pending = SponsorFactory(name="Pending Quokka Union", status=Sponsor.Status.PENDING)
    url = reverse("wagtail_localize:snippets_api_detail", args=["sponsors", "sponsor", pending.pk])
    response = signed_in(role).get(url)
    assert refused(response)
    assert pending.name not in response.content.decode()


def test_organisers_still_choose_sponsors(signed_in):
    pending = SponsorFactory(name="Pending Quokka Union", status=Sponsor.Status.PENDING)
    chooser = Sponsor.snippet_viewset.chooser_viewset
    client = signed_in("Organisers")
    assert client.get(reverse(chooser.get_url_name("choose"))).status_code == 200
    response = client.get(reverse(chooser.get_url_name("chosen"), args=[pending.pk]))
    assert response.status_code == 200
    assert pending.name in response.content.decode()


def test_translators_may_list_sponsor_descriptions_through_the_api(signed_in):
    sponsor = SponsorFactory(name="Hackney Trades Council", description="Twenty branches.")
    url = reverse(
        "wagtail_localize:snippets_api_listing", args=["localisation", "sponsordescription"]
    )
    response = signed_in(TRANSLATORS).get(url)
    assert response.status_code == 200
    assert sponsor.name in response.content.decode()


def test_organisers_publish_a_translated_sponsor_description(signed_in):
    sponsor = SponsorFactory(name="Hackney Trades Council", description="Twenty branches.")
    english = SponsorDescription.objects.get(sponsor=sponsor)
    translation = translate(english, "zh-hant", "二十個支部。")
    translation.save_target(publish=False)
    chinese = translation.get_target_instance()
    edit_url = reverse(SponsorDescription.snippet_viewset.get_url_name("edit"), args=[chinese.pk])
    response = signed_in("Organisers").post(edit_url, {"action": "publish"})
    assert response.status_code == 302
    chinese.refresh_from_db()
    assert chinese.live and chinese.text == "二十個支部。"


def test_translators_cannot_publish_from_the_translation_editor(signed_in):
    translation = translate(PlatformPage.objects.get(locale__language_code="en"), "zh-hant", "綱領")
    chinese = translation.get_target_instance()
    response = signed_in(TRANSLATORS).post(
        reverse("wagtailadmin_pages:edit", args=[chinese.pk]), {"action": "publish"}
    )
    assert refused(response)
    assert "綱領" not in Page.objects.get(pk=chinese.pk).specific.title


def test_translators_cannot_convert_a_translation_back_to_an_alias(signed_in):
    translation = translate(PlatformPage.objects.get(locale__language_code="en"), "zh-hant", "綱領")
    translation.save_target(publish=True)
    chinese = translation.get_target_instance()
    client = signed_in(TRANSLATORS)
    url = reverse("wagtail_localize:convert_to_alias", args=[chinese.pk])
    assert refused(client.get(url))
    assert refused(client.post(url))
    edit_page = client.get(reverse("wagtailadmin_pages:edit", args=[chinese.pk])).content.decode()
    assert "localize-convert-to-alias" not in edit_page
    assert Page.objects.get(pk=chinese.pk).alias_of_id is None


def test_organisers_convert_to_alias_after_being_asked(signed_in):
    translation = translate(PlatformPage.objects.get(locale__language_code="en"), "zh-hant", "綱領")
    translation.save_target(publish=True)
    chinese = translation.get_target_instance()
    client = signed_in("Organisers")
    url = reverse("wagtail_localize:convert_to_alias", args=[chinese.pk])
    assert "throws the translation away" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    client.logout()
    assert "綱領" not in client.get("/zh-hant/platform/").content.decode()


def test_converting_to_an_alias_clears_the_cached_translation(
    signed_in, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 600
    translation = translate(PlatformPage.objects.get(locale__language_code="en"), "zh-hant", "綱領")
    with django_capture_on_commit_callbacks(execute=True):
        translation.save_target(publish=True)
    visitor = Client()
    assert "綱領" in visitor.get("/zh-hant/platform/").content.decode()
    chinese = translation.get_target_instance()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in("Organisers").post(
            reverse("wagtail_localize:convert_to_alias", args=[chinese.pk])
        )
    assert "綱領" not in visitor.get("/zh-hant/platform/").content.decode()


def test_english_changes_mark_translations_out_of_date_and_tell_translators(
    signed_in, member_of, django_capture_on_commit_callbacks
):
    translator = member_of(TRANSLATORS)
    english = pinned_update()
    hong_kong = translate(english, "zh-hant", PINNED_IN_CHINESE)
    hong_kong.save_target(publish=True)
    assert not out_of_date_translations().exists()

    english.summary = "The meeting now starts at 3pm."
    with django_capture_on_commit_callbacks(execute=True):
        english.save_revision().publish()

    assert list(out_of_date_translations()) == [hong_kong]
    to_translator = [message for message in mail.outbox if message.to == [translator.email]]
    assert len(to_translator) == 1
    assert english.title in to_translator[0].subject
    assert "繁體中文" in to_translator[0].body

    translator_dashboard = signed_in(TRANSLATORS).get(reverse("wagtailadmin_home"))
    assert "Translations out of date" in translator_dashboard.content.decode()
    organiser = signed_in("Organisers")
    dashboard = organiser.get(reverse("wagtailadmin_home")).content.decode()
    sync_url = reverse("wagtail_localize:update_translations", args=[hong_kong.source_id])
    assert sync_url in dashboard
    assert sync(organiser, hong_kong).status_code == 302
    assert not out_of_date_translations().exists()
    organiser.logout()
    assert "3pm" in organiser.get(pinned_update("zh-hant").url).content.decode()


def test_editors_are_not_told_about_translations(member_of, django_capture_on_commit_callbacks):
    editor = member_of("Editors")
    english = pinned_update()
    translate(english, "zh-hant", PINNED_IN_CHINESE).save_target(publish=True)
    with django_capture_on_commit_callbacks(execute=True):
        english.save_revision().publish()
    assert not [message for message in mail.outbox if editor.email in message.to]


def test_sponsors_are_not_copied(signed_in):
    sponsor = SponsorFactory(contact_email="private-contact@example.org")
    client = signed_in("Organisers")
    listing = client.get(reverse(Sponsor.snippet_viewset.get_url_name("list"))).content.decode()
    assert "/copy/" not in listing
    with pytest.raises(NoReverseMatch):
        reverse(Sponsor.snippet_viewset.get_url_name("copy"), args=[sponsor.pk])


def reading_the_sign_ups_is_logged(client, member_of, signup_form):
    client.force_login(member_of("Organisers"))
    client.get(reverse("wagtailforms:list_submissions", args=[signup_form.pk]))
    client.logout()


@pytest.mark.parametrize("role", VOLUNTEERS)
def test_volunteers_do_not_read_who_read_the_sign_ups(client, member_of, signup_form, role):
    reading_the_sign_ups_is_logged(client, member_of, signup_form)
    client.force_login(member_of(role))
    for url in (
        reverse("wagtailadmin_reports:site_history"),
        reverse("wagtailadmin_pages:history", args=[signup_form.pk]),
    ):
        response = client.get(url)
        assert "submissions" not in response.content.decode().lower(), url


def test_organisers_read_who_read_the_sign_ups(client, member_of, signup_form):
    reading_the_sign_ups_is_logged(client, member_of, signup_form)
    client.force_login(get_user_model().objects.get(username="organisers"))
    response = client.get(reverse("wagtailadmin_reports:site_history"))
    assert "Viewed the form" in response.content.decode()


def test_the_translations_report_forgets_a_withdrawn_sponsor(signed_in):
    sponsor = SponsorFactory(name="Withdrawn Quokka Union", description="Twenty branches.")
    translate(SponsorDescription.objects.get(sponsor=sponsor), "zh-hant", "二十個支部。")
    sponsor.withdraw()
    for url in (
        reverse("wagtail_localize:translations_report"),
        reverse("wagtailadmin_reports:site_history"),
    ):
        response = signed_in(TRANSLATORS).get(url)
        assert response.status_code == 200
        assert sponsor.name not in response.content.decode()


class VisibleText(HTMLParser):
    """The words a person reads on an admin screen: text outside scripts and styles, button
    and link titles, and the labels of the menu (which Wagtail sends as JSON for its script)."""

    def __init__(self):
        super().__init__()
        self.words, self.skipping = [], None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("id") == "wagtail-sidebar-props":
            self.skipping = "menu"
        elif tag in ("script", "style"):
            self.skipping = tag
        self.words += [
            attributes[name] or "" for name in ("title", "aria-label") if name in attributes
        ]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping = None

    def handle_data(self, data):
        if self.skipping == "menu":
            self.words += re.findall(r'"(?:label|name)": "([^"]*)"', data)
        elif self.skipping is None:
            self.words.append(data)


def words_on(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parser = VisibleText()
    parser.feed(response.content.decode())
    return " ".join(parser.words)


WAGTAIL_WORDS = re.compile(r"\b(alias(es)?|locales?|snippets?)\b", re.IGNORECASE)


@pytest.mark.parametrize("role", ["Organisers", TRANSLATORS])
def test_the_admin_speaks_plainly_to_organisers_and_translators(signed_in, role):
    translation = translate(PlatformPage.objects.get(locale__language_code="en"), "zh-hant", "綱領")
    translation.save_target(publish=True)
    chinese = translation.get_target_instance()
    untranslated = UpdatePage.objects.filter(locale__language_code="ug").first()
    client = signed_in(role)
    for url in (
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore", args=[chinese.get_parent().pk]),
        reverse("wagtailadmin_pages:edit", args=[chinese.pk]),
        reverse("wagtailadmin_pages:edit", args=[untranslated.pk]),
    ):
        assert not WAGTAIL_WORDS.findall(words_on(client, url)), url
