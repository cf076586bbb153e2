"""Translating as the admin does, from code: what "Translate this page" (or "Translate" on a
snippet) does, then the first piece of text translated in the translation editor."""

from wagtail.models import Locale
from wagtail_localize.models import StringSegment, StringTranslation, Translation
from wagtail_localize.operations import TranslationCreator


def translate(instance, code, text, user=None):
    """The translation into the language, its first string translated; nothing published."""
    locale = Locale.objects.get(language_code=code)
    TranslationCreator(user, [locale]).create_translations(instance)
    translation = Translation.objects.get(
        source__object_id=instance.translation_key, target_locale=locale
    )
    segment = StringSegment.objects.filter(source=translation.source).first()
    # update_or_create: the loader's draft Chinese may already translate that string.
    StringTranslation.objects.update_or_create(
        translation_of=segment.string,
        locale=locale,
        context=segment.context,
        defaults={"data": text, "last_translated_by": user},
    )
    return translation
