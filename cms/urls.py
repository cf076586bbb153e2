from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from cms.api import campaign_api, content_api_urls, not_found
from cms.localisation.sitemaps import EveryLanguageSitemap
from cms.localisation.views import snippet_bulk_action
from forms_app import newsletters
from forms_app.audit_log import SiteHistoryView

# A database that cannot be reached is a 503 with a page that needs no database.
handler500 = cms_views.server_error


def admin_view(view):
    return require_admin_access(never_cache(view))


# Admin views at Wagtail's own addresses, with the permission checks they lack (each view says
# which); they come before the admin's patterns, which a Wagtail hook cannot replace.
admin_views_with_checks = [
    path("admin/reports/site-history/", admin_view(SiteHistoryView.as_view())),
    path(
        "admin/reports/site-history/results/",
        admin_view(SiteHistoryView.as_view(results_only=True)),
    ),
    path(
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/",
        admin_view(snippet_bulk_action),
    ),
    path(
        "admin/newsletter/pages/<int:page_id>/unschedule/",
        admin_view(newsletters.unschedule),
        name="newsletter_unschedule",
    ),
]

urlpatterns = [
    path("healthz", cms_views.health, name="health"),
    path("admin/sign-in/", include("cms.accounts.urls")),
    *admin_views_with_checks,
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", content_api_urls()),
    path("api/v2/", campaign_api.urls),
    re_path(r"^api/", not_found),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": EveryLanguageSitemap}}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots_txt",
    ),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Signed links from endorsement emails, in the organisation's language, before the pages'
# catch-all.
urlpatterns += i18n_patterns(
    path("endorsement/", include("sponsors.urls")), prefix_default_language=True
)

# Pages live under a language prefix (/en/, /zh-hant/ ...); everything above stays outside it
# so that machine clients never meet a language redirect.
urlpatterns += i18n_patterns(
    path("", include("forms_app.urls")),
    path("", include("home.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)
