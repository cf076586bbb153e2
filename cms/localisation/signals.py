from django.db.models.signals import post_save
from wagtail.models import Locale, ModelLogEntry, Revision
from wagtail.signals import published
from wagtail_localize.models import TranslationSource

from . import upkeep
from .models import SponsorDescription


def follow_sponsor_description(sender, instance, raw=False, **kwargs):
    """Keeps the English description, which translators translate, in step with the sponsor.

    Translators see a description only while the public does: once a sponsor is no longer
    approved and listed by name, its descriptions in every language are removed.
    """
    if raw:
        return
    descriptions = SponsorDescription.objects.filter(sponsor=instance)
    if not (instance.is_approved and instance.is_listed_by_name and instance.description):
        forget(descriptions)
        return
    locale = Locale.get_default()
    english = descriptions.filter(locale=locale).first()
    if english is None:
        english = SponsorDescription(sponsor=instance, locale=locale)
    elif english.text == instance.description:
        return
    english.text = instance.description
    english.save()
    english.save_revision().publish()


def forget(descriptions):
    """Removes descriptions with their history: their revisions, audit log entries and
    translation sources are each titled with the organisation's name, which translators
    would otherwise still read in the site history and the translations report."""
    for description in descriptions:
        Revision.objects.for_instance(description).delete()
        ModelLogEntry.objects.for_instance(description).delete()
        TranslationSource.objects.filter(object_id=description.translation_key).delete()
        description.delete()


def connect():
    # Sent for pages as well as snippets (pages also send page_published).
    published.connect(upkeep.published, dispatch_uid="localisation.published")
    post_save.connect(
        follow_sponsor_description,
        sender="sponsors.Sponsor",
        dispatch_uid="localisation.follow_sponsor_description",
    )
