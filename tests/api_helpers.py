"""Shared by the API tests."""

from wagtail.models import Page, get_page_models

from forms_app.models import CampaignFormPage

API = "/api/v2"


def every_api_response(client):
    """Every listing with every field, and every item's detail, as (url, JSON) pairs."""
    responses = []

    def fetch(url, **params):
        response = client.get(url, params)
        assert response.status_code == 200, (url, response.content)
        responses.append((url, response))
        return response.json()

    for model in get_page_models():
        fetch(f"{API}/pages/", type=model._meta.label, fields="*", limit=100)
    for endpoint in ("pages", "images", "documents"):
        for item in fetch(f"{API}/{endpoint}/", limit=100)["items"]:
            fetch(f"{API}/{endpoint}/{item['id']}/")
    fetch(f"{API}/sponsors/", limit=100)
    for form_page in Page.objects.live().public().type(CampaignFormPage):
        fetch(f"{API}/forms/{form_page.pk}/")
    fetch(f"{API}/openapi.json")
    return responses
