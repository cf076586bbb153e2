import datetime

import factory
import wagtail_factories
from wagtail.rich_text import RichText

from home.models import (
    HomePage,
    MeetingFormField,
    MeetingIndexPage,
    MeetingPage,
    PlatformPage,
    UpdateIndexPage,
    UpdatePage,
)
from sponsors.models import Sponsor, SponsorIndexPage


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Workers Against the CCP"
    intro = "A campaign of workers’ solidarity."
    privacy_promise = "Details of individuals will NOT be published."

    class Meta:
        model = HomePage


class PlatformPageFactory(wagtail_factories.PageFactory):
    title = "Platform"
    slug = "platform"
    summary = "The draft platform."
    body = factory.LazyFunction(
        lambda: [
            ("paragraph", RichText("<p>Opening paragraph.</p>")),
            (
                "platform_section",
                {"introduction": "The campaign should support struggles:", "items": ["One"]},
            ),
        ]
    )

    class Meta:
        model = PlatformPage


class UpdateIndexPageFactory(wagtail_factories.PageFactory):
    title = "Updates"
    slug = "updates"

    class Meta:
        model = UpdateIndexPage


class UpdatePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Update {n}")
    published_on = factory.Sequence(lambda n: datetime.date(2024, 1, 1) + datetime.timedelta(n))
    summary = factory.LazyAttribute(lambda update: f"Summary of {update.title}")
    body = "<p>Body.</p>"

    class Meta:
        model = UpdatePage


class MeetingIndexPageFactory(wagtail_factories.PageFactory):
    title = "Meetings"
    slug = "meetings"

    class Meta:
        model = MeetingIndexPage


class MeetingPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Meeting {n}")
    summary = factory.LazyAttribute(lambda meeting: f"What {meeting.title} is for")
    starts_at = factory.Sequence(
        lambda n: datetime.datetime(2030, 1, 1, 19, tzinfo=datetime.UTC) + datetime.timedelta(n)
    )
    public_place = "London"

    class Meta:
        model = MeetingPage


def meeting_taking_registrations(parent, **fields):
    """A meeting with registration open: the loader's questions (name, address, organisation)
    and a consent statement."""
    meeting = MeetingPageFactory(
        parent=parent,
        registration_open=True,
        consent_statement="<p>We keep your details until after the meeting.</p>",
        **fields,
    )
    for number, (key, label, field_type, required) in enumerate(
        [
            ("name", "Your name", "singleline", True),
            ("email", "Your email address", "email", True),
            ("organisation", "Your organisation", "singleline", False),
        ]
    ):
        MeetingFormField.objects.create(
            page=meeting,
            sort_order=number,
            clean_name=key,
            label=label,
            field_type=field_type,
            required=required,
        )
    meeting.save_revision().publish()
    return meeting


class SponsorIndexPageFactory(wagtail_factories.PageFactory):
    title = "Sponsors"
    slug = "sponsors"

    class Meta:
        model = SponsorIndexPage


class SponsorFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Organisation {n}")
    country = "United Kingdom"
    kind = Sponsor.Kind.CAMPAIGN
    status = Sponsor.Status.APPROVED
    contact_name = factory.Sequence(lambda n: f"Private Contact {n}")
    contact_email = factory.Sequence(lambda n: f"private-contact-{n}@example.org")

    class Meta:
        model = Sponsor
