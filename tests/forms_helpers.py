"""Filling in the campaign's forms as a visitor does: load the page, take its hidden fields,
post the answers back."""

import re

from forms_app.guards import TOKEN_FIELD

# The fields of the two forms in the campaign's content, in their order on the page.
SPONSOR_KEYS = [
    "organisation_name",
    "website",
    "country",
    "organisation_kind",
    "listing",
    "contact_name",
    "contact_email",
    "role",
    "message",
    "consent_to_publish",
]
SIGNUP_KEYS = ["name", "email", "country", "interests", "updates_consent", "newsletter_consent"]

SPONSOR_ANSWERS = {
    "organisation_name": "Haringey Trades Council",
    "website": "https://haringey-tc.example.org",
    "country": "United Kingdom",
    "organisation_kind": "Trades council",
    "listing": "By name",
    "contact_name": "Sam Organiser",
    "contact_email": "sam@haringey-tc.example.org",
    "role": "Secretary",
    "message": "We support the campaign.",
    "consent_to_publish": "on",
}

SIGNUP_ANSWERS = {
    "name": "Alex Supporter",
    "email": "alex@example.net",
    "country": "United Kingdom",
    "interests": ["Hong Kong", "Tibet"],
    "updates_consent": "on",
}


def form_token(client, page):
    html = client.get(page.url).content.decode()
    return re.search(rf'name="{TOKEN_FIELD}" value="([^"]+)"', html).group(1)


def submit(client, page, answers, token=None, **extra):
    """Posts the answers; an accepted form is followed to its thank-you page."""
    data = {
        "g-recaptcha-response": "test-mode",
        "captcha": "test-mode",
        **answers,
        TOKEN_FIELD: token or form_token(client, page),
    }
    return client.post(page.url, data, follow=True, **extra)
