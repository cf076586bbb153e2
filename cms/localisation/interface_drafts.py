"""The site's own text in Uyghur and Tibetan is a draft until a speaker has reviewed it: each
catalogue entry still waiting says so in its translator comment, and the admin shows how many."""

from pathlib import Path

import polib
from django.conf import settings
from django.utils.translation import get_language_info
from wagtail.admin.ui.components import Component

# The note a draft entry carries until a speaker has checked it (docs/translators.md).
DRAFT_NOTE = "needs review by a"


def catalogue_path(language_code):
    folder = {"zh-hant": "zh_Hant", "zh-hans": "zh_Hans"}.get(language_code, language_code)
    return Path(settings.LOCALE_PATHS[0]) / folder / "LC_MESSAGES" / "django.po"


def draft_counts():
    """(language, entries still drafts, all entries) for each catalogue with drafts in it."""
    counts = []
    for code, _name in settings.LANGUAGES:
        path = catalogue_path(code)
        if not path.exists():
            continue
        entries = [entry for entry in polib.pofile(str(path)) if not entry.obsolete]
        drafts = sum(DRAFT_NOTE in entry.tcomment for entry in entries)
        if drafts:
            counts.append((get_language_info(code), drafts, len(entries)))
    return counts


class InterfaceDraftsPanel(Component):
    """Tells translators and organisers which languages' menus and buttons are unreviewed."""

    name = "interface_drafts"
    order = 60
    template_name = "localisation/admin/interface_drafts_panel.html"

    def get_context_data(self, parent_context):
        return {"draft_counts": draft_counts()}
