from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import DraftStateMixin, RevisionMixin, TranslatableMixin
from wagtail_localize.fields import SynchronizedField, TranslatableField


class SponsorDescription(TranslatableMixin, DraftStateMixin, RevisionMixin, models.Model):
    """What a sponsoring organisation says about itself, in one of the site's languages.

    Kept apart from the sponsor, which holds private contact details, so translators see only
    the public words. The English version follows the sponsor's own description; the others
    are made in the translation editor and shown once an organiser publishes them.
    """

    sponsor = models.ForeignKey(
        "sponsors.Sponsor",
        on_delete=models.CASCADE,
        related_name="descriptions",
        help_text=_("The organisation this description is about."),
    )
    text = models.TextField(
        max_length=500,
        help_text=_("One or two sentences about the organisation, shown on the sponsor list."),
    )

    # The organisation's name stays as the organisation writes it: only the text is translated.
    translatable_fields = [TranslatableField("text"), SynchronizedField("sponsor")]
    panels = [FieldPanel("sponsor", read_only=True), FieldPanel("text")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("sponsor description")
        verbose_name_plural = _("sponsor descriptions")

    def __str__(self):
        return str(self.sponsor)
