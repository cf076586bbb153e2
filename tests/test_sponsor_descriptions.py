"""Sponsor descriptions: translated apart from the sponsor, which holds private details."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Locale
from wagtail_localize.models import StringSegment, Translation

from cms.localisation.models import SponsorDescription
from cms.localisation.translators import TRANSLATORS
from sponsors.models import Sponsor

from .factories import SponsorFactory

DESCRIPTION = "A trades council of twenty union branches in east London."


@pytest.fixture
def sponsor(campaign_site):
    return SponsorFactory(name="Hackney Trades Council", description=DESCRIPTION)


@pytest.fixture
def translator(campaign_site):
    user = get_user_model().objects.create_user("translator", "t@example.org", "x" * 20)
    user.groups.add(Group.objects.get(name=TRANSLATORS))
    return user


def translate(description, code, text):
    translated = description.copy_for_translation(Locale.objects.get(language_code=code))
    translated.text = text
    translated.live = False
    translated.save()
    return translated


def test_a_listed_sponsors_description_waits_for_translation(sponsor):
    english = SponsorDescription.objects.get(sponsor=sponsor)
    assert english.text == DESCRIPTION
    assert english.locale.language_code == "en"
    assert english.live


def test_the_english_description_follows_the_sponsor(sponsor):
    sponsor.description = "Twenty-one union branches now."
    sponsor.save()
    assert SponsorDescription.objects.get(sponsor=sponsor).text == "Twenty-one union branches now."


@pytest.mark.parametrize(
    "change",
    [
        {"status": Sponsor.Status.PENDING},
        {"status": Sponsor.Status.REJECTED},
        {"listing": Sponsor.Listing.KIND_AND_COUNTRY},
    ],
)
def test_translators_see_no_description_the_public_does_not(sponsor, change):
    translate(SponsorDescription.objects.get(sponsor=sponsor), "zh-hant", "東倫敦的職工會聯會。")
    for field, value in change.items():
        setattr(sponsor, field, value)
    sponsor.save()
    assert not SponsorDescription.objects.filter(sponsor=sponsor).exists()


def test_the_sponsor_list_shows_a_published_translation(sponsor, client):
    translated = translate(
        SponsorDescription.objects.get(sponsor=sponsor), "zh-hant", "東倫敦的職工會聯會。"
    )
    html = client.get("/zh-hant/sponsors/").content.decode()
    assert DESCRIPTION in html  # a draft translation is not shown yet
    translated.save_revision().publish()
    html = client.get("/zh-hant/sponsors/").content.decode()
    assert "東倫敦的職工會聯會。" in html and DESCRIPTION not in html
    assert DESCRIPTION in client.get("/en/sponsors/").content.decode()
    assert "Hackney Trades Council" in html  # the name stays as the organisation writes it


def test_translator_translates_a_description_but_never_sees_contact_details(
    sponsor, translator, client
):
    client.force_login(translator)
    english = SponsorDescription.objects.get(sponsor=sponsor)
    response = client.post(
        reverse(
            "wagtail_localize:submit_snippet_translation",
            args=["localisation", "sponsordescription", english.pk],
        ),
        {"locales": [Locale.objects.get(language_code="ug").pk]},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert sponsor.contact_email not in page and sponsor.contact_name not in page
    translation = Translation.objects.get(target_locale__language_code="ug")
    segment = StringSegment.objects.get(source=translation.source)
    assert segment.string.data == DESCRIPTION
    translated = SponsorDescription.objects.get(sponsor=sponsor, locale__language_code="ug")
    assert not translated.live
    assert not translator.has_perm("localisation.publish_sponsordescription")
    assert not translator.has_perm("sponsors.view_sponsor")
