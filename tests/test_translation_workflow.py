"""Translating pages through wagtail-localize, as translators and organisers do in the admin."""

import polib
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse
from wagtail.models import GroupApprovalTask, Locale, Page
from wagtail_localize.models import StringSegment, StringTranslation, Translation

from cms.localisation.translators import TRANSLATORS
from home.models import PlatformPage

PASSWORD = "a long enough test passphrase"


def platform_in(code):
    return PlatformPage.objects.get(locale__language_code=code)


@pytest.fixture
def translator(campaign_site):
    user = get_user_model().objects.create_user("translator", "t@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name=TRANSLATORS))
    return user


@pytest.fixture
def organiser(campaign_site):
    """A member of the group that reviews pages in Wagtail's default workflow."""
    user = get_user_model().objects.create_user("organiser", "o@example.org", PASSWORD)
    user.groups.add(GroupApprovalTask.objects.get().groups.get())
    return user


def start_translation(client, code="zh-hant"):
    """What "Translate this page" does: the alias becomes a page with its own translation."""
    response = client.post(
        reverse("wagtail_localize:submit_page_translation", args=[platform_in("en").pk]),
        {"locales": [Locale.objects.get(language_code=code).pk]},
    )
    assert response.status_code == 302, response.content
    return Translation.objects.get(target_locale__language_code=code)


def translate_title(client, translation, title):
    segment = StringSegment.objects.get(source=translation.source, context__path="title")
    return client.put(
        reverse("wagtail_localize:edit_string_translation", args=[translation.pk, segment.pk]),
        f"value={title}",
        content_type="application/x-www-form-urlencoded",
    )


def publish(client, page):
    # wagtail-localize publishes the translation's revision once the request has committed.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("wagtailadmin_pages:edit", args=[page.pk]), {"action": "publish"}
        )


def test_translated_platform_is_published_at_its_language_url(client, translator, organiser):
    client.force_login(translator)
    translation = start_translation(client)
    assert platform_in("zh-hant").alias_of_id is None
    assert translate_title(client, translation, "綱領").status_code == 201

    client.force_login(organiser)
    assert publish(client, platform_in("zh-hant")).status_code == 302
    html = client.get("/zh-hant/platform/").content.decode()
    assert "<h1>綱領</h1>" in html
    assert '<html lang="zh-hant" dir="ltr">' in html
    assert "綱領" not in client.get("/en/platform/").content.decode()


def test_translators_work_is_not_public_until_an_organiser_publishes(client, translator):
    client.force_login(translator)
    translation = start_translation(client)
    translate_title(client, translation, "綱領")
    assert publish(client, platform_in("zh-hant")).status_code in (302, 403)
    client.logout()
    response = client.get("/zh-hant/platform/")
    assert response.status_code == 200
    assert "綱領" not in response.content.decode()


def test_translator_cannot_edit_or_publish_the_english_source(client, translator):
    client.force_login(translator)
    english = platform_in("en")
    assert client.get(reverse("wagtailadmin_pages:edit", args=[english.pk])).status_code in (
        302,
        403,
    )
    assert not english.permissions_for_user(translator).can_publish()
    assert not english.permissions_for_user(translator).can_edit()


def test_translator_cannot_delete_pages(client, translator):
    client.force_login(translator)
    start_translation(client)
    # Wagtail would let an editor without publishing rights delete a draft.
    platform_in("zh-hant").unpublish()
    for code in ("en", "zh-hant"):
        page = platform_in(code)
        response = client.post(reverse("wagtailadmin_pages:delete", args=[page.pk]))
        assert response.status_code in (302, 403)
        assert Page.objects.filter(pk=page.pk).exists(), code


def test_translator_may_edit_only_translated_languages(translator):
    for code in ("zh-hant", "zh-hans", "ug", "bo"):
        assert platform_in(code).permissions_for_user(translator).can_edit(), code
    assert not platform_in("en").permissions_for_user(translator).can_edit()


def test_translator_cannot_see_sponsor_contact_details(client, translator):
    client.force_login(translator)
    assert client.get("/admin/snippets/sponsors/sponsor/").status_code in (302, 403)
    assert not translator.has_perm("sponsors.view_sponsor")
    assert not translator.has_perm("sponsors.change_sponsor")


def test_po_file_download_and_upload_round_trip(client, translator, organiser):
    client.force_login(translator)
    translation = start_translation(client, "zh-hans")
    response = client.get(reverse("wagtail_localize:download_pofile", args=[translation.pk]))
    assert response.status_code == 200
    catalogue = polib.pofile(response.content.decode())
    title = next(entry for entry in catalogue if entry.msgctxt == "title")
    assert title.msgid == platform_in("en").title
    title.msgstr = "纲领"

    response = client.post(
        reverse("wagtail_localize:upload_pofile", args=[translation.pk]),
        {"file": _upload(str(catalogue))},
    )
    assert response.status_code == 302
    assert StringTranslation.objects.get(locale__language_code="zh-hans").data == "纲领"
    # Uploading only stores the strings: the page changes when an organiser publishes.
    assert "纲领" not in client.get("/zh-hans/platform/").content.decode()
    client.force_login(organiser)
    publish(client, platform_in("zh-hans"))
    assert "<h1>纲领</h1>" in client.get("/zh-hans/platform/").content.decode()


def test_po_upload_refuses_another_translations_file(client, translator):
    client.force_login(translator)
    hant = start_translation(client, "zh-hant")
    hans = start_translation(client, "zh-hans")
    other = client.get(reverse("wagtail_localize:download_pofile", args=[hans.pk]))
    client.post(
        reverse("wagtail_localize:upload_pofile", args=[hant.pk]),
        {"file": _upload(other.content.decode())},
    )
    assert not StringTranslation.objects.filter(locale__language_code="zh-hant").exists()


def _upload(text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("translation.po", text.encode(), content_type="text/x-gettext")


def test_machine_translation_is_off_by_default(client, translator, settings):
    assert not hasattr(settings, "WAGTAILLOCALIZE_MACHINE_TRANSLATOR")
    client.force_login(translator)
    translation = start_translation(client)
    response = client.post(reverse("wagtail_localize:machine_translate", args=[translation.pk]))
    assert response.status_code != 200
    assert not StringTranslation.objects.exists()


def test_machine_translation_with_the_dummy_translator(client, translator, settings):
    settings.WAGTAILLOCALIZE_MACHINE_TRANSLATOR = {
        "CLASS": "wagtail_localize.machine_translators.dummy.DummyTranslator"
    }
    client.force_login(translator)
    translation = start_translation(client, "ug")
    client.post(reverse("wagtail_localize:machine_translate", args=[translation.pk]))
    title = StringTranslation.objects.get(locale__language_code="ug", context__path="title")
    # The dummy translator reverses the word order.
    assert title.data == " ".join(reversed(platform_in("en").title.split(" ")))
    assert title.translation_type == StringTranslation.TRANSLATION_TYPE_MACHINE


def test_deepl_is_asked_for_the_right_chinese_script(monkeypatch):
    from wagtail_localize.machine_translators import deepl
    from wagtail_localize.strings import StringValue

    from cms.localisation.machine_translation import CampaignDeepLTranslator

    sent = []

    class FakeResponse:
        def json(self):
            return {"translations": [{"text": "綱領"}]}

    def fake_post(url, data, **options):
        sent.append(data)
        return FakeResponse()

    monkeypatch.setattr(deepl.requests, "post", fake_post)
    translator = CampaignDeepLTranslator({"AUTH_KEY": "test-key:fx"})
    english, hong_kong = Locale(language_code="en"), Locale(language_code="zh-hant")
    result = translator.translate(english, hong_kong, [StringValue("Platform")])
    assert sent[0]["target_lang"] == "ZH-HANT"
    assert [value.data for value in result.values()] == ["綱領"]
    assert not translator.can_translate(english, Locale(language_code="ug"))
    assert not translator.can_translate(english, Locale(language_code="bo"))


def submit_for_review(client, page):
    return client.post(reverse("localisation_submit_for_review", args=[page.pk]))


def test_translator_submits_for_review_and_an_organiser_approves(client, translator, organiser):
    client.force_login(translator)
    translation = start_translation(client)
    translate_title(client, translation, "綱領")
    assert submit_for_review(client, platform_in("zh-hant")).status_code == 302
    submitted = platform_in("zh-hant")
    assert submitted.workflow_in_progress
    assert "綱領" not in client.get("/zh-hant/platform/").content.decode()

    client.force_login(organiser)
    task_state = submitted.current_workflow_task_state
    response = client.post(
        reverse(
            "wagtailadmin_pages:workflow_action", args=[submitted.pk, "approve", task_state.pk]
        ),
        {"comment": ""},
    )
    assert response.status_code in (200, 302)
    assert "<h1>綱領</h1>" in client.get("/zh-hant/platform/").content.decode()


def test_the_explorer_offers_translators_submit_for_review(client, translator):
    client.force_login(translator)
    start_translation(client)
    translated = platform_in("zh-hant")
    response = client.get(reverse("wagtailadmin_explore", args=[translated.get_parent().pk]))
    assert (
        reverse("localisation_submit_for_review", args=[translated.pk]) in response.content.decode()
    )


def test_only_translations_can_be_submitted_for_review(client, translator):
    client.force_login(translator)
    # An alias has nothing translated yet; the English source is not the translators' to submit.
    # (An admin 404 comes back as LocaleMiddleware's redirect to a language-prefixed address.)
    for code in ("zh-hant", "en"):
        assert submit_for_review(client, platform_in(code)).status_code in (302, 403, 404)
        assert not platform_in(code).workflow_in_progress
