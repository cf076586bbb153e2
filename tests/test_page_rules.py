from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from forms_app.models import ContactFormPage, PrivacyNoticePage, SignupFormPage, SponsorFormPage
from home.models import (
    HomePage,
    MeetingIndexPage,
    MeetingPage,
    NewsletterPage,
    PlatformPage,
    UpdateIndexPage,
    UpdatePage,
)
from sponsors.models import SponsorIndexPage


class TestPageTreeRules(WagtailPageTestCase):
    def test_home_page_sits_at_the_root_only(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_home_page_offers_only_the_campaign_sections(self):
        self.assertAllowedSubpageTypes(
            HomePage,
            {
                PlatformPage,
                UpdateIndexPage,
                MeetingIndexPage,
                SponsorIndexPage,
                SponsorFormPage,
                SignupFormPage,
                ContactFormPage,
                PrivacyNoticePage,
            },
        )

    def test_updates_and_newsletters_live_only_under_the_update_index(self):
        self.assertAllowedParentPageTypes(UpdatePage, {UpdateIndexPage})
        self.assertAllowedParentPageTypes(NewsletterPage, {UpdateIndexPage})
        self.assertAllowedSubpageTypes(UpdateIndexPage, {UpdatePage, NewsletterPage})

    def test_meetings_live_only_under_the_meeting_index(self):
        self.assertAllowedParentPageTypes(MeetingPage, {MeetingIndexPage})
        self.assertAllowedSubpageTypes(MeetingIndexPage, {MeetingPage})

    def test_leaf_pages_take_no_children(self):
        for page_type in (
            PlatformPage,
            UpdatePage,
            NewsletterPage,
            MeetingPage,
            SponsorIndexPage,
            SponsorFormPage,
            SignupFormPage,
            ContactFormPage,
            PrivacyNoticePage,
        ):
            with self.subTest(page_type=page_type):
                self.assertAllowedSubpageTypes(page_type, set())

    def test_sections_sit_only_under_the_home_page(self):
        for page_type in (
            PlatformPage,
            UpdateIndexPage,
            MeetingIndexPage,
            SponsorIndexPage,
            SponsorFormPage,
            SignupFormPage,
            ContactFormPage,
            PrivacyNoticePage,
        ):
            with self.subTest(page_type=page_type):
                self.assertAllowedParentPageTypes(page_type, {HomePage})


def test_one_platform_page_per_home(tree):
    assert not PlatformPage.can_create_at(tree["home"])
    assert not UpdateIndexPage.can_create_at(tree["home"])
    assert not SponsorIndexPage.can_create_at(tree["home"])


def test_any_number_of_updates(tree):
    assert UpdatePage.can_create_at(tree["updates"])
