"""The API serves only fields on the reviewed public list, and nothing private, to anyone."""

import pytest
import wagtail_factories
from django.contrib.auth import get_user_model
from wagtail.api.v2.views import BaseAPIViewSet
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    PageViewRestriction,
    get_page_models,
)

from cms.api import (
    PUBLIC_FIELDS,
    LogoOut,
    PublicDocumentsAPIViewSet,
    PublicImagesAPIViewSet,
    PublicPagesAPIViewSet,
    SponsorOut,
)
from home.models import UpdatePage
from sponsors.models import Sponsor

from .api_helpers import API, every_api_response
from .factories import SponsorFactory, UpdatePageFactory


def listed(label):
    return PUBLIC_FIELDS.get(label, set())


@pytest.mark.parametrize("model", get_page_models(), ids=lambda model: model._meta.label_lower)
def test_every_field_a_page_type_serves_is_listed(model):
    served = set(PublicPagesAPIViewSet.get_available_fields(model))
    assert served - listed(model._meta.label_lower) == set()
    # Inline objects (a form's questions) are served whole, with their own api_fields.
    for name in served:
        field = model._meta.get_field(name) if name in model_field_names(model) else None
        if field is not None and field.one_to_many:
            inline_model = field.related_model
            inline_served = set(BaseAPIViewSet.get_available_fields(inline_model))
            assert inline_served - listed(inline_model._meta.label_lower) == set()


def model_field_names(model):
    return {field.name for field in model._meta.get_fields()}


@pytest.mark.parametrize(
    ("viewset", "model"),
    [
        (PublicImagesAPIViewSet, get_image_model()),
        (PublicDocumentsAPIViewSet, get_document_model()),
    ],
)
def test_every_field_images_and_documents_serve_is_listed(viewset, model):
    served = set(viewset.get_available_fields(model))
    assert served - listed(model._meta.label_lower) == set()


def test_every_sponsor_field_served_is_listed():
    assert set(SponsorOut.model_fields) - listed("sponsors.sponsor") == set()
    assert set(LogoOut.model_fields) - listed("sponsors.sponsor.logo") == set()


PRIVATE_TEXT = {
    "draft_title": "Secret draft notice",
    "unpublished_edit": "Unpublished rewording",
    "login_only_title": "Members-only notice",
    "password_title": "Password-protected notice",
    "private_image": "Private photo of a meeting",
    "private_document": "Private minutes",
}


@pytest.fixture
def secrets(tree):
    """A site holding private things of every kind; returns the text of each."""
    secrets = dict(PRIVATE_TEXT)
    updates = tree["updates"]
    public_update = UpdatePageFactory(parent=updates, title="Public notice")
    UpdatePageFactory(parent=updates, title=secrets["draft_title"], live=False)
    public_update.title = secrets["unpublished_edit"]
    public_update.save_revision()
    PageViewRestriction.objects.create(
        page=UpdatePageFactory(parent=updates, title=secrets["login_only_title"]),
        restriction_type=PageViewRestriction.LOGIN,
    )
    PageViewRestriction.objects.create(
        page=UpdatePageFactory(parent=updates, title=secrets["password_title"]),
        restriction_type=PageViewRestriction.PASSWORD,
        password="letmein",
    )
    private = Collection.get_first_root_node().add_child(name="Organisers only")
    CollectionViewRestriction.objects.create(
        collection=private, restriction_type=CollectionViewRestriction.LOGIN
    )
    inner = private.add_child(name="Meeting records")
    wagtail_factories.ImageFactory(title=secrets["private_image"], collection=inner)
    wagtail_factories.DocumentFactory(title=secrets["private_document"], collection=private)
    wagtail_factories.ImageFactory(title="Public banner")
    wagtail_factories.DocumentFactory(title="Public leaflet")

    approved = SponsorFactory(name="Approved Branch", contact_role="Branch secretary")
    secrets.update(
        contact_name=approved.contact_name,
        contact_email=approved.contact_email,
        contact_role=approved.contact_role,
    )
    unnamed = SponsorFactory(
        name="Unnamed Diaspora Group",
        website="https://unnamed-group.example",
        description="Our members are at risk.",
        listing=Sponsor.Listing.KIND_AND_COUNTRY,
    )
    secrets.update(
        unnamed_name=unnamed.name,
        unnamed_website=unnamed.website,
        unnamed_description=unnamed.description,
    )
    for status in Sponsor.Status:
        if status != Sponsor.Status.APPROVED:
            secrets[f"{status}_sponsor"] = SponsorFactory(
                name=f"Sponsor still {status}", status=status
            ).name
    return secrets


@pytest.fixture(params=["anonymous", "organiser", "password_holder"])
def api_client(request, client, secrets):
    """A visitor; an organiser signed in to the admin; a visitor who has entered every page's
    and collection's password. The API must not tell them apart."""
    if request.param == "organiser":
        client.force_login(get_user_model().objects.create_superuser("organiser", "", "pw"))
    if request.param == "password_holder":
        session = client.session
        for restriction_model in (PageViewRestriction, CollectionViewRestriction):
            restriction_model.objects.update(restriction_type=restriction_model.PASSWORD)
            session[restriction_model.passed_view_restrictions_session_key] = list(
                restriction_model.objects.values_list("pk", flat=True)
            )
        session.save()
    return client


def test_nothing_private_in_any_response(secrets, api_client):
    for url, response in every_api_response(api_client):
        text = response.content.decode()
        for what, secret in secrets.items():
            assert secret not in text, f"{what} served by {url}"


def test_responses_hold_only_listed_fields(secrets, api_client):
    for url, response in every_api_response(api_client):
        if url.endswith("openapi.json") or "/forms/" in url:
            continue  # validated against their schemas by django-ninja as they are sent
        body = response.json()
        for item in body.get("items", [body]):
            if url.endswith("/sponsors/"):
                assert set(item) <= listed("sponsors.sponsor"), url
                continue
            label = item["meta"]["type"].lower()
            assert (set(item) - {"meta"}) | set(item["meta"]) <= listed(label), url
            if "highlights" in item:
                highlights = item["highlights"]
                assert set(highlights) <= listed("home.homepage.highlights")
                for update in highlights["latest_updates"]:
                    assert set(update) <= listed("home.homepage.highlights.update")


def test_private_page_is_a_404_for_everyone(secrets, api_client):
    private = UpdatePage.objects.get(title=secrets["login_only_title"])
    assert api_client.get(f"{API}/pages/{private.pk}/").status_code == 404


def test_live_page_serves_its_published_text_not_the_draft(secrets, client):
    response = client.get(f"{API}/pages/", {"type": "home.UpdatePage", "title": "Public notice"})
    assert response.json()["meta"]["total_count"] == 1


def test_making_a_section_private_takes_it_out_of_the_api_at_once(tree, client, publish):
    update = UpdatePageFactory(parent=tree["updates"], title="Strike committee minutes")
    listing = {"type": "home.UpdatePage"}
    assert update.pk in [
        item["id"] for item in client.get(f"{API}/pages/", listing).json()["items"]
    ]
    publish(
        PageViewRestriction.objects.create,
        page=tree["updates"],
        restriction_type=PageViewRestriction.LOGIN,
    )
    assert client.get(f"{API}/pages/", listing).json()["items"] == []
    assert client.get(f"{API}/pages/{update.pk}/").status_code == 404
