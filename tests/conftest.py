import io

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from home.models import HomePage

from .factories import (
    HomePageFactory,
    PlatformPageFactory,
    SponsorIndexPageFactory,
    UpdateIndexPageFactory,
)


@pytest.fixture
def campaign_site(db):
    """The real campaign content, built by the same command `make run` uses."""
    call_command("load_campaign_content", stdout=io.StringIO())
    return HomePage.objects.get(depth=2)


@pytest.fixture
def home(db):
    """A bare home page at the root of the default site, with no children."""
    site = Site.objects.get(is_default_site=True)
    placeholder = site.root_page
    home = HomePageFactory(parent=Page.get_first_root_node(), slug="campaign")
    site.root_page = home
    site.save()
    placeholder.delete()
    return home


@pytest.fixture
def tree(home):
    """The home page with one page of each section below it."""
    return {
        "home": home,
        "platform": PlatformPageFactory(parent=home),
        "updates": UpdateIndexPageFactory(parent=home),
        "sponsors": SponsorIndexPageFactory(parent=home),
    }
