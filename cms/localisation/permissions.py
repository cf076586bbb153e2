"""Who may publish a translation and who may list a kind of snippet.

wagtail-localize lets anyone with "submit translations" sync (and publish) every translation of
a source, rewrite live translations by translating their source again, turn a translated page
back into an alias, and list every snippet of any kind. Here
those are tied to the permissions Wagtail already gives: publishing the pages and snippets
concerned, or holding any permission on the snippet's model.
"""

from contextlib import suppress

from django.core.exceptions import ObjectDoesNotExist
from wagtail.models import DraftStateMixin, Page
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail_localize.models import SegmentOverride, StringTranslation

# Holding any of these on a model is what lets someone see its instances in the admin.
MODEL_ACTIONS = ["add", "change", "delete", "view", "publish"]


def can_publish(user, instance):
    if isinstance(instance, Page):
        return instance.permissions_for_user(user).can_publish()
    action = "publish" if isinstance(instance, DraftStateMixin) else "change"
    return ModelPermissionPolicy(type(instance)).user_has_permission(user, action)


def can_publish_translations(user, source):
    """Syncing a source rewrites every translation of it and may publish them all."""
    instances = [source.get_source_instance()]
    for translation in source.translations.filter(enabled=True).select_related("target_locale"):
        with suppress(ObjectDoesNotExist):
            instances.append(translation.get_target_instance())
    return all(can_publish(user, instance) for instance in instances)


def changes_for_visitors(translation):
    """Whether rewriting this live translation from translation memory changes what visitors
    read. A live alias shows the English, which is what it is rewritten with unless translated
    text is stored for it (a translation an organiser turned back into an alias keeps its text)."""
    if getattr(translation, "alias_of_id", None) is None:
        return True
    stored = {"context__object_id": translation.translation_key, "locale_id": translation.locale_id}
    return (
        StringTranslation.objects.filter(**stored).exists()
        or SegmentOverride.objects.filter(**stored).exists()
    )


def can_translate_into(user, instance, locales, include_subtree=False):
    """wagtail-localize's "Translate" rewrites the existing translations into those languages
    (of the instance and, with its subtree, of every page below it) from translation memory,
    live ones included: what would change for visitors needs the right to publish it."""
    translation_keys = [instance.translation_key]
    if include_subtree and isinstance(instance, Page):
        translation_keys = instance.get_descendants(inclusive=True).values("translation_key")
    model = instance.get_translation_model()
    translations = model.objects.filter(translation_key__in=translation_keys, locale__in=locales)
    if issubclass(model, DraftStateMixin):
        translations = translations.filter(live=True)
    return all(
        can_publish(user, translation)
        for translation in translations
        if changes_for_visitors(translation)
    )


def can_list(user, model):
    return ModelPermissionPolicy(model).user_has_any_permission(user, MODEL_ACTIONS)
