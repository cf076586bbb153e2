"""Translations kept in step with the English: which are out of date, and telling translators.

A translation is out of date when its English source was published after the source was last
synced ("Sync translated pages", which organisers run): the translation editor does not show
the new or changed text until then. wagtail-localize records when each source was last synced,
and Wagtail when each page or description was last published, so nothing more is stored.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component
from wagtail.models import Page
from wagtail_localize.models import Translation, TranslationSource

from cms.site_url.address import absolute_url
from forms_app.mail import send_email

from .models import SponsorDescription
from .permissions import can_list, can_publish_translations
from .translators import TRANSLATORS

TRANSLATED_MODELS = [Page, SponsorDescription]


def source_published_at(model):
    return Subquery(
        model.objects.filter(
            translation_key=OuterRef("source__object_id"), locale=OuterRef("source__locale")
        ).values("last_published_at")[:1]
    )


def out_of_date_translations():
    return (
        Translation.objects.filter(enabled=True)
        .annotate(
            source_published_at=Coalesce(*(source_published_at(m) for m in TRANSLATED_MODELS))
        )
        .filter(source_published_at__gt=F("source__last_updated_at"))
        .select_related("source", "target_locale")
        .order_by("target_locale__language_code", "source__object_repr")
    )


def can_translate(user, instance):
    if isinstance(instance, Page):
        return instance.permissions_for_user(user).can_edit()
    return can_list(user, type(instance))


def targets(translations):
    """(translation, translated instance) for the translations whose instance exists."""
    for translation in translations:
        try:
            yield translation, translation.get_target_instance()
        except ObjectDoesNotExist:
            continue


def tell_translators(instance):
    """Emails each translator who works on a translation of the instance that was just
    published: those translations are now out of date."""
    source = TranslationSource.objects.filter(
        object_id=instance.translation_key, locale_id=instance.locale_id
    ).first()
    if source is None:
        return
    translated = list(targets(source.translations.filter(enabled=True)))
    if not translated:
        return
    translators = get_user_model().objects.filter(
        groups__name=TRANSLATORS, is_active=True, email__gt=""
    )
    dashboard = absolute_url(reverse("wagtailadmin_home"))
    for translator in translators:
        languages = [
            translation.target_locale.get_display_name()
            for translation, target in translated
            if can_translate(translator, target)
        ]
        if not languages:
            continue
        subject = _("Translation out of date: “%(title)s”") % {"title": source.object_repr}
        body = _(
            "The English “%(title)s” has changed, so its translation into %(languages)s is "
            "out of date. Once an organiser has synced it, the new and changed parts wait for "
            "you in the translation editor. What is out of date in each language is listed on "
            "the admin dashboard:\n\n%(url)s"
        ) % {"title": source.object_repr, "languages": get_text_list(languages), "url": dashboard}
        send_email(translator.email, subject, body)


def published(instance, **kwargs):
    if isinstance(instance, tuple(TRANSLATED_MODELS)):
        tell_translators(instance)


class OutOfDateTranslationsPanel(Component):
    """The dashboard's list, per language, of translations whose English has changed since
    they were last synced: a sync button for organisers, the editor for translators."""

    name = "out_of_date_translations"
    order = 60
    template_name = "localisation/out_of_date_panel.html"

    def __init__(self, user):
        self.languages = {}
        may_sync = {}
        for translation, target in targets(out_of_date_translations()):
            if not can_translate(user, target):
                continue
            source = translation.source
            if source.pk not in may_sync:
                may_sync[source.pk] = can_publish_translations(user, source)
            sync_url = None
            if may_sync[source.pk]:
                sync_url = reverse("wagtail_localize:update_translations", args=[source.pk])
            language = translation.target_locale.get_display_name()
            self.languages.setdefault(language, []).append(
                {
                    "title": translation.source.object_repr,
                    "edit_url": translation.get_target_instance_edit_url(),
                    "sync_url": sync_url,
                }
            )

    def get_context_data(self, parent_context):
        return {"languages": self.languages}
