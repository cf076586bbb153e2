"""Every address a page gives out follows the Wagtail Site (which the SITE_URL setting sets):
canonical and Open Graph links, share links, the sitemap, robots.txt and the feeds."""

import pytest
from wagtail.models import Site

from home.models import PlatformPage, UpdateIndexPage

PUBLIC = "https://campaign.example.org"


@pytest.fixture
def public_site(campaign_site):
    site = Site.objects.get(is_default_site=True)
    site.hostname = "campaign.example.org"
    site.port = 443
    site.save()
    return site


def test_pages_give_the_configured_address(public_site, client):
    platform = PlatformPage.objects.get(locale__language_code="en")
    html = client.get(platform.url).content.decode()
    assert f'<link rel="canonical" href="{PUBLIC}/en/platform/">' in html
    assert f'<meta property="og:url" content="{PUBLIC}/en/platform/">' in html
    assert f'<meta property="og:image" content="{PUBLIC}/static/images/share-card.png">' in html
    assert "https%3A%2F%2Fcampaign.example.org%2Fen%2Fplatform%2F" in html  # share links
    assert "localhost" not in html and "testserver" not in html


def test_sitemap_and_feeds_give_the_configured_address(public_site, client):
    assert f"<loc>{PUBLIC}/en/platform/</loc>" in client.get("/sitemap.xml").content.decode()
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in client.get("/robots.txt").content.decode()
    updates = UpdateIndexPage.objects.get(locale__language_code="en")
    for feed in ("feed/", "feed/atom/"):
        body = client.get(updates.url + feed).content.decode()
        assert f"{PUBLIC}/en/updates/" in body
        assert "localhost" not in body and "testserver" not in body
