from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Sponsor


class SponsorViewSet(SnippetViewSet):
    """Where organisers review sponsoring organisations and approve or reject them."""

    model = Sponsor
    icon = "group"
    menu_label = "Sponsors"
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "status", "country", "approved_at"]
    list_filter = ["status"]
    search_fields = ["name", "country"]
    ordering = ["status", "name"]


register_snippet(SponsorViewSet)
