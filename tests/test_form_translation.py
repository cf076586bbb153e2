"""The forms in other languages: translated through wagtail-localize, their answers private."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Locale
from wagtail_localize.models import StringSegment, StringTranslation, Translation
from wagtail_localize.operations import translate_object

from cms.localisation.translators import TRANSLATORS
from forms_app.models import CampaignFormSubmission, SignupFormPage

from .forms_helpers import SIGNUP_ANSWERS, submit


@pytest.fixture
def chinese_form(campaign_site):
    """The sign-up form with its "Your name" label translated and published in zh-hans."""
    english = SignupFormPage.objects.get(locale__language_code="en")
    chinese = Locale.objects.get(language_code="zh-hans")
    translate_object(english, [chinese])
    translation = Translation.objects.get(
        source__object_id=english.translation_key, target_locale=chinese
    )
    label = StringSegment.objects.get(source=translation.source, string__data="Your name")
    StringTranslation.objects.create(
        translation_of=label.string, locale=chinese, context=label.context, data="你的名字"
    )
    translation.save_target(publish=True)
    return english.get_translation(chinese)


def test_labels_help_texts_and_choices_go_to_translators(campaign_site):
    english = SignupFormPage.objects.get(locale__language_code="en")
    translate_object(english, [Locale.objects.get(language_code="ug")])
    source = Translation.objects.get(target_locale__language_code="ug").source
    strings = set(
        StringSegment.objects.filter(source=source).values_list("string__data", flat=True)
    )
    for field in english.form_fields.all():
        assert field.label in strings, field.clean_name
        if field.help_text:
            assert field.help_text in strings, field.clean_name
        for choice in filter(None, field.choices.splitlines()):
            assert any(choice.strip() in string for string in strings), choice


def test_visitor_fills_in_the_translated_form_with_the_same_keys(chinese_form, client, settings):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0  # the test answers faster than a person
    html = client.get(chinese_form.url).content.decode()
    assert "你的名字" in html
    assert '<html lang="zh-hans"' in html
    submit(client, chinese_form, SIGNUP_ANSWERS)
    submission = CampaignFormSubmission.objects.get()
    assert submission.get_data()["email"] == SIGNUP_ANSWERS["email"]


def test_translators_cannot_read_what_people_sent(chinese_form, client, settings):
    settings.FORMS_MIN_SECONDS_TO_SUBMIT = 0
    submit(client, chinese_form, SIGNUP_ANSWERS)
    translator = get_user_model().objects.create_user("translator", password="x" * 20)
    translator.groups.add(Group.objects.get(name=TRANSLATORS))
    assert chinese_form.permissions_for_user(translator).can_edit()
    client.force_login(translator)
    response = client.get(reverse("wagtailforms:list_submissions", args=[chinese_form.pk]))
    assert response.status_code in (302, 403, 404)
    assert SIGNUP_ANSWERS["email"] not in response.content.decode()
    listing = client.get(reverse("wagtailforms:index")).content.decode()
    assert chinese_form.title not in listing
