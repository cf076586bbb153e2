"""The site as JSON for other front ends: Wagtail's v2 content API and the campaign's endpoints.

Everything here answers every client alike, as it would a visitor who is not signed in:
nobody logs in to the API, so an organiser's session never unlocks a private page, and every
read response can carry public caching headers.
"""

import datetime
from typing import Literal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import models
from django.http import Http404, JsonResponse
from django.urls.exceptions import NoReverseMatch
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import conditional_page
from ninja import Field, NinjaAPI, Query, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaValidationError
from rest_framework.permissions import AllowAny
from wagtail.api.v2.filters import FieldsFilter
from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import (
    PageAliasOfField,
    PageHtmlUrlField,
    PageSerializer,
    get_serializer_class,
)
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Collection, Locale, Page
from wagtail.utils.urlpatterns import decorate_urlpatterns

from cms.form_api import router as forms_router
from cms.pagecache.cache import cached_part
from cms.pages import outside_private_sections
from sponsors.models import LOGO_RENDITION, SponsorIndexPage

# The largest offset any listing takes: one that overflowed the database's integers was a
# server error.
MAX_OFFSET = 2**31 - 1


def whole_number(request, parameter):
    """The parameter as a whole number, or None when it is not given; a 400 when it is
    something else."""
    if parameter not in request.GET:
        return None
    try:
        return int(request.GET[parameter])
    except ValueError:
        raise BadRequestError(f"{parameter} must be a whole number") from None


class BoundedPagination(WagtailPagination):
    def paginate_queryset(self, queryset, request, view=None):
        if (whole_number(request, "offset") or 0) > MAX_OFFSET:
            raise BadRequestError(f"offset cannot be higher than {MAX_OFFSET}")
        return super().paginate_queryset(queryset, request, view)


class CheckedFieldsFilter(FieldsFilter):
    """Wagtail's filters by field value (`?published_on=2024-05-01`), with each value read as
    its field reads it first: a value that is not a date, say, is a 400 that names the field,
    where it was a server error that quoted the value in the log. Wagtail itself reads booleans,
    whole numbers and links to other items, and refuses NUL."""

    def filter_queryset(self, request, queryset, view):
        fields = set(view.get_available_fields(queryset.model, db_fields_only=True))
        for name, value in request.GET.items():
            if name not in fields:
                continue
            try:
                field = queryset.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.is_relation or isinstance(field, models.BooleanField | models.IntegerField):
                continue
            try:
                value = field.to_python(value)
            except ValidationError:
                raise BadRequestError(f"field filter error: not a valid value for {name}") from None
            if isinstance(value, datetime.datetime) and timezone.is_naive(value):
                raise BadRequestError(
                    f"field filter error: give {name} with its time zone, as in "
                    "2026-05-01T12:00:00Z"
                )
        return super().filter_queryset(request, queryset, view)


def with_checked_filters(filter_backends):
    return [
        CheckedFieldsFilter if backend is FieldsFilter else backend for backend in filter_backends
    ]


class AnonymousReadMixin:
    """No authentication at all: the API is public, and a Basic-auth header must not become a
    way round the admin login's throttling. Parameters that were server errors in Wagtail's
    own views (an offset past the database's integers, a filter value its field cannot read,
    a search operator other than and/or, `find/?id=x`) are 400s."""

    authentication_classes = []
    permission_classes = [AllowAny]
    pagination_class = BoundedPagination

    def check_query_parameters(self, queryset):
        super().check_query_parameters(queryset)
        if self.request.GET.get("search_operator", "or") not in ("and", "or"):
            raise BadRequestError("search_operator must be 'and' or 'or'")

    def find_object(self, queryset, request):
        whole_number(request, "id")  # `find/?id=x` was a server error
        try:
            return super().find_object(queryset, request)
        except ObjectDoesNotExist:
            # With ?type=, a page type's own DoesNotExist, which Wagtail does not catch.
            return None


class RequestPageHtmlUrlField(PageHtmlUrlField):
    """A page's address worked out with the request, which keeps the sites' root paths for
    every page it serves; without it, each page asks the cache for them again."""

    def to_representation(self, page):
        try:
            return page.get_full_url(self.context["request"])
        except NoReverseMatch:
            return None


class RequestPageAliasOfField(PageAliasOfField):
    """The page an untranslated page shows, with one serializer per page type for the whole
    answer (building a serializer costs more than using it) and addresses as above."""

    def to_representation(self, value):
        serializers = self.context.setdefault("alias_of_serializers", {})
        if value.__class__ not in serializers:
            serializer_class = get_serializer_class(
                value.__class__,
                ["id", "type", "detail_url", "html_url", "title"],
                meta_fields=["type", "detail_url", "html_url"],
                base=PublicPageSerializer,
            )
            serializers[value.__class__] = serializer_class(context=self.context)
        return serializers[value.__class__].to_representation(value)


class PublicPageSerializer(PageSerializer):
    html_url = RequestPageHtmlUrlField(read_only=True)
    alias_of = RequestPageAliasOfField(read_only=True)


class PublicPagesAPIViewSet(AnonymousReadMixin, PagesAPIViewSet):
    """Live pages outside every private section, whoever asks."""

    base_serializer_class = PublicPageSerializer
    filter_backends = with_checked_filters(PagesAPIViewSet.filter_backends)

    def get_base_queryset(self):
        # Working out which pages are public reads the site, its translations and the private
        # sections, and Wagtail asks several times per request: the answer is kept, by site,
        # until content changes.
        if not hasattr(self, "_public_pages"):
            site = f"{self.request.get_host()}:{self.request.GET.get('site', '')}"
            public_ids = cached_part(f"api-public-pages:{site}", self.public_page_ids)
            self._public_pages = Page.objects.filter(pk__in=public_ids)
        return self._public_pages

    def public_page_ids(self):
        # Wagtail's pages of the site (which leave out a private section only when the request
        # has not passed its restriction), then every private section left out for everyone.
        public = outside_private_sections(super().get_base_queryset())
        return list(public.values_list("pk", flat=True))

    def get_queryset(self):
        # Asked for twice per request. Each page's language and, for a page not translated yet,
        # the page whose text it shows: read with the pages, not with a query each.
        if not hasattr(self, "_pages"):
            self._pages = super().get_queryset().select_related("locale", "alias_of")
        return self._pages


def private_collection_ids():
    """Collections with a view restriction, and the collections inside them."""
    restricted = Collection.objects.filter(view_restrictions__isnull=False).distinct()
    private_ids = set()
    for collection in restricted:
        private_ids.update(collection.get_descendants(inclusive=True).values_list("pk", flat=True))
    return private_ids


class PrivateCollectionsExcludedMixin(AnonymousReadMixin):
    """Images and documents in a private collection are left out for everyone."""

    def get_queryset(self):
        return super().get_queryset().exclude(collection__in=private_collection_ids())


class PublicImagesAPIViewSet(PrivateCollectionsExcludedMixin, ImagesAPIViewSet):
    filter_backends = with_checked_filters(ImagesAPIViewSet.filter_backends)


class PublicDocumentsAPIViewSet(PrivateCollectionsExcludedMixin, DocumentsAPIViewSet):
    filter_backends = with_checked_filters(DocumentsAPIViewSet.filter_backends)


# Every field the API serves, reviewed for privacy. tests/test_api_privacy.py fails when an
# endpoint would serve anything not listed here, so publishing a new field (an `api_fields`
# entry, a new page type, a schema field) is a deliberate change to this list.
PAGE_META_FIELDS = {
    "type",
    "detail_url",
    "html_url",
    "slug",
    "show_in_menus",
    "seo_title",
    "search_description",
    "first_published_at",
    "alias_of",
    "parent",
    "locale",
}
FORM_PAGE_FIELDS = {
    "id",
    "title",
    "intro",
    "form_fields",
    "consent_statement",
    "thank_you_text",
} | PAGE_META_FIELDS
FORM_FIELD_FIELDS = {
    "id",
    "type",
    "detail_url",
    "clean_name",
    "label",
    "field_type",
    "help_text",
    "required",
    "choices",
    "default_value",
}
PUBLIC_FIELDS = {
    "wagtailcore.page": {"id", "title"} | PAGE_META_FIELDS,
    "home.homepage": {"id", "title", "intro", "calls_to_action", "privacy_promise", "highlights"}
    | PAGE_META_FIELDS,
    "home.platformpage": {"id", "title", "summary", "body"} | PAGE_META_FIELDS,
    "home.updateindexpage": {"id", "title", "intro"} | PAGE_META_FIELDS,
    "home.updatepage": {"id", "title", "published_on", "summary", "body", "is_pinned"}
    | PAGE_META_FIELDS,
    "home.meetingindexpage": {"id", "title", "intro"} | PAGE_META_FIELDS,
    # When, the city or "online", who may come and the registration form's questions; never
    # the exact place, the joining link, the capacity or who registered.
    "home.meetingpage": FORM_PAGE_FIELDS
    | {
        "summary",
        "starts_at",
        "ends_at",
        "time_zone",
        "public_place",
        "who_may_register",
        "registration_open",
        "cancelled",
    },
    # A newsletter's web version once published; never its recipients or how it was sent.
    "home.newsletterpage": {"id", "title", "body"} | PAGE_META_FIELDS,
    "sponsors.sponsorindexpage": {"id", "title", "intro"} | PAGE_META_FIELDS,
    "forms_app.sponsorformpage": FORM_PAGE_FIELDS,
    "forms_app.signupformpage": FORM_PAGE_FIELDS,
    "forms_app.contactformpage": FORM_PAGE_FIELDS,
    "forms_app.privacynoticepage": {"id", "title", "body"} | PAGE_META_FIELDS,
    # The questions a form asks, never anything answered.
    "forms_app.sponsorformfield": FORM_FIELD_FIELDS,
    "forms_app.signupformfield": FORM_FIELD_FIELDS,
    "forms_app.contactformfield": FORM_FIELD_FIELDS,
    "home.meetingformfield": FORM_FIELD_FIELDS,
    "wagtailimages.image": {
        "id",
        "title",
        "width",
        "height",
        "type",
        "detail_url",
        "tags",
        "download_url",
    },
    "wagtaildocs.document": {"id", "title", "type", "detail_url", "tags", "download_url"},
    "sponsors.sponsor": {
        "id",
        "listed_by_name",
        "name",
        "website",
        "description",
        "logo",
        "kind",
        "kind_label",
        "country",
        "approved_at",
    },
    # Structures inside the fields above.
    "home.homepage.highlights": {"pinned_update", "latest_updates", "sponsor_count"},
    "home.homepage.highlights.update": {"id", "title", "published_on", "summary"},
    "sponsors.sponsor.logo": {"id", "url", "width", "height"},
}

content_api = WagtailAPIRouter("wagtailapi")
content_api.register_endpoint("pages", PublicPagesAPIViewSet)
content_api.register_endpoint("images", PublicImagesAPIViewSet)
content_api.register_endpoint("documents", PublicDocumentsAPIViewSet)


def cacheable_read(view):
    """Public caching headers, an ETag and 304 answers for a read-only view."""
    return cache_control(public=True, max_age=settings.API_CACHE_MAX_AGE)(conditional_page(view))


def content_api_urls():
    """The router's URLs, each a cacheable read, ready for `path()`."""
    patterns, app_name, namespace = content_api.urls
    return decorate_urlpatterns(patterns, cacheable_read), app_name, namespace


campaign_api = NinjaAPI(
    title="Workers Against the CCP: sponsors and forms",
    version="2",
    description="The approved sponsors, and the sign-up forms that other front ends can show "
    "and submit. Pages, images and documents are served by Wagtail's v2 API beside this one, "
    "under the same /api/v2/ prefix.",
    urls_namespace="campaign_api",
    # The schema is all a client needs; the interactive viewer would load assets from a CDN.
    docs_url=None,
)


campaign_api.add_router("/forms/", forms_router)


@campaign_api.exception_handler(HttpError)
def answer_http_error(request, exc):
    """A body that is not JSON, for one: a 400 in the same shape as every other error."""
    return campaign_api.create_response(request, {"message": str(exc)}, status=exc.status_code)


@campaign_api.exception_handler(Http404)
def answer_not_found(request, exc):
    return not_found(request)


@campaign_api.exception_handler(SchemaValidationError)
def answer_bad_request(request, exc):
    """A 400, as Wagtail's API answers, naming each parameter at fault without echoing what
    was sent: a value someone typed stays out of responses and anything that records them."""
    errors = {}
    for error in exc.errors:
        messages = errors.setdefault(parameter_at_fault(error["loc"]), [])
        if error["msg"] not in messages:
            messages.append(error["msg"])
    return campaign_api.create_response(
        request, {"message": "invalid request", "errors": errors}, status=400
    )


def parameter_at_fault(location):
    """("query", "limit") is "limit"; ("body", "answers", "email", "str"), an answer that is
    none of the types allowed, is "email"; a body that is not an object is "__all__"."""
    if location[0] == "body":
        return str(location[2]) if len(location) > 2 else "__all__"
    return ".".join(str(part) for part in location[1:]) or str(location[0])


LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


class ListMeta(Schema):
    total_count: int


class LogoOut(Schema):
    id: int
    url: str = Field(description="The logo scaled to fit 240 × 120 pixels.")
    width: int
    height: int


class SponsorOut(Schema):
    """What the public may know about an approved sponsor: never its contact details, and
    nothing that names it when it asked to be listed only by kind and country."""

    id: int
    listed_by_name: bool = Field(
        description="False for an organisation listed, at its own request, only by its kind "
        "and country: its name, website, description and logo are then null."
    )
    name: str | None
    website: str | None
    description: str | None = Field(
        description="In the language of `locale` where a translation is published, otherwise "
        "as the organisation wrote it."
    )
    logo: LogoOut | None
    kind: str = Field(description="trade_union, union_branch, trades_council, ... or other.")
    kind_label: str = Field(description="The kind in the language asked for with `locale`.")
    country: str
    approved_at: datetime.datetime | None = Field(
        description="When an organiser approved it; null for a sponsor entered straight into "
        "the database, as an import would."
    )


class SponsorListOut(Schema):
    meta: ListMeta
    items: list[SponsorOut]


def logo_out(image):
    if image is None:
        return None
    rendition = image.get_rendition(LOGO_RENDITION)
    return {
        "id": image.pk,
        "url": rendition.url,
        "width": rendition.width,
        "height": rendition.height,
    }


def sponsor_out(sponsor):
    # The public_* fields (which the sponsor list's template shows too) are empty for a
    # sponsor listed only by its kind and country.
    return {
        "id": sponsor.pk,
        "listed_by_name": sponsor.is_listed_by_name,
        "name": sponsor.public_name or None,
        "website": sponsor.public_website or None,
        "description": sponsor.public_description or None,
        "logo": logo_out(sponsor.public_logo),
        "kind": sponsor.kind,
        "kind_label": str(sponsor.get_kind_display()),
        "country": sponsor.country,
        "approved_at": sponsor.approved_at,
    }


@campaign_api.get("/sponsors/", response=SponsorListOut, tags=["sponsors"])
@decorate_view(cacheable_read)
def list_sponsors(
    request,
    limit: int = Query(20, ge=1, le=100),
    # Bounded so that no offset overflows the database's integers.
    offset: int = Query(0, ge=0, le=2**31 - 1),
    locale: Literal[LANGUAGE_CODES] = Query(settings.LANGUAGE_CODE),
):
    """The organisations an organiser has approved as sponsors, earliest approved first."""
    # The sponsor list page's own query, so the API lists exactly what the page in that
    # language does, published translations of the descriptions included.
    language = Locale.objects.filter(language_code=locale).first()
    sponsors = SponsorIndexPage(locale=language).get_sponsors()
    with translation.override(locale):
        items = [sponsor_out(sponsor) for sponsor in sponsors[offset : offset + limit]]
    return {"meta": {"total_count": sponsors.count()}, "items": items}


def not_found(request, *args, **kwargs):
    """Any other address under /api/: a JSON 404, never the HTML page or a language redirect."""
    return JsonResponse({"message": "not found"}, status=404)
