"""A newsletter for the tests that need one: a page under the English updates, saved and sent
by the site's campaign backend (forms_app.newsletters) as the admin's buttons do."""

from wagtail.rich_text import RichText
from wagtail_newsletter.models import NewsletterRecipients

from forms_app.newsletters import OutboxCampaignBackend
from home.models import NewsletterPage, UpdateIndexPage


def newsletter_page(publish=True, user=None):
    page = NewsletterPage(
        title="Newsletter", live=False, body=[("paragraph", RichText("<p>News.</p>"))]
    )
    UpdateIndexPage.objects.get(locale__language_code="en").add_child(instance=page)
    revision = page.save_revision(user=user)
    if publish:
        revision.publish()
    return page


def backend_campaign(page, audience="supporters"):
    """The backend and the campaign id of the page, to be sent to an audience."""
    recipients = NewsletterRecipients.objects.create(name=audience, audience=audience)
    backend = OutboxCampaignBackend()
    campaign_id = backend.save_campaign(
        campaign_id=page.newsletter_campaign,
        recipients=recipients,
        subject=page.title,
        html="",
        from_name="",
        reply_to="",
    )
    return backend, campaign_id


def send_newsletter(page, audience="supporters"):
    backend, campaign_id = backend_campaign(page, audience)
    backend.send_campaign(campaign_id)
