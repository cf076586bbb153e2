import re

import pytest
from django.template.loader import render_to_string

from home.models import PlatformPage

# What a browser fetches by itself: embedded media and scripts, and links that load something
# (canonical, alternate and hreflang links are addresses, not downloads).
FETCHED_URL = re.compile(
    r'<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc="([^"]*)"'
    r'|<link\b[^>]*\brel="(?:stylesheet|icon|preload|prefetch|preconnect|dns-prefetch|'
    r'modulepreload|manifest)"[^>]*\bhref="([^"]*)"',
    re.I,
)


def fetched_urls(html):
    return [src or href for src, href in FETCHED_URL.findall(html)]


@pytest.fixture
def public_urls(campaign_site):
    from wagtail.models import Page

    return [page.url for page in Page.objects.live().filter(depth__gt=1)]


def test_pages_load_nothing_from_third_parties(public_urls, client):
    for url in public_urls:
        for fetched in fetched_urls(client.get(url).content.decode()):
            assert fetched.startswith("/") and not fetched.startswith("//"), (url, fetched)


def test_the_stylesheet_is_our_own(campaign_site, client):
    assert fetched_urls(client.get(campaign_site.url).content.decode()) == [
        "/static/images/favicon.png",
        "/static/css/site.css",
    ]


def test_pages_need_no_javascript(public_urls, client):
    # Form pages load one script of our own, which only stops a second click sending twice
    # (and, with real captcha keys, fetches the captcha token); the forms work without it.
    own_form_script = '<script src="/static/forms_app/forms.js" defer></script>'
    for url in public_urls:
        html = client.get(url).content.decode().replace(own_form_script, "")
        assert "<script" not in html, url


def test_pages_have_landmarks_and_one_h1(public_urls, client):
    for url in public_urls:
        html = client.get(url).content.decode()
        assert html.count("<h1") == 1, url
        for landmark in ("<header", "<nav", '<main id="main-content"', "<footer"):
            assert landmark in html, (url, landmark)
        assert 'class="skip-link" href="#main-content"' in html


def test_headings_do_not_skip_levels(public_urls, client):
    for url in public_urls:
        levels = [int(n) for n in re.findall(r"<h([1-6])\b", client.get(url).content.decode())]
        assert levels[0] == 1, url
        for previous, current in zip(levels, levels[1:], strict=False):
            assert current <= previous + 1, (url, levels)


def test_pages_carry_social_card_tags(campaign_site, client):
    platform = PlatformPage.objects.get(locale__language_code="en")
    html = client.get(platform.url).content.decode()
    assert f'<meta property="og:title" content="{platform.title}">' in html
    assert f'<meta property="og:description" content="{platform.summary}">' in html
    assert 'property="og:url" content="http://localhost/en/platform/"' in html
    assert '<meta name="twitter:card"' in html


def test_share_links_are_plain_links(campaign_site, client):
    html = client.get(campaign_site.url).content.decode()
    share = html[html.index('class="share-links"') :]
    assert "https://wa.me/?text=" in share
    assert "%2Fen%2F" in share


def test_html_declares_language_and_direction(campaign_site, client):
    html = client.get(campaign_site.url).content.decode()
    assert '<html lang="en" dir="ltr">' in html


def test_sitemap_lists_every_live_english_page(campaign_site, client):
    from wagtail.models import Page

    body = client.get("/sitemap.xml").content.decode()
    for page in Page.objects.live().filter(depth__gt=1, locale__language_code="en"):
        assert f"<loc>http://localhost{page.url}</loc>" in body


def test_robots_txt_points_to_the_sitemap(campaign_site, client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://localhost/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


def test_missing_page_gets_the_sites_404(campaign_site, client):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="site-nav"' in html


def test_500_page_renders_without_a_database():
    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert "<script" not in html
