"""Static files as production serves them: hashed names, gzip copies, far-future caching."""

import io

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

A_YEAR = 365 * 24 * 3600


@pytest.fixture
def collected_static(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    # The site's own files only: the admin's thousands would take half a minute to compress.
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, stdout=io.StringIO())
    return tmp_path


def test_stylesheet_has_a_hashed_name(collected_static):
    url = static("css/site.css")
    assert url.startswith("/static/css/site.") and url != "/static/css/site.css"


def test_hashed_file_may_be_kept_for_a_year(collected_static):
    response = Client().get(static("css/site.css"))
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "immutable" in cache_control
    max_age = int(cache_control.split("max-age=")[1].split(",")[0])
    assert max_age >= A_YEAR


def test_stylesheet_is_sent_compressed(collected_static):
    response = Client().get(static("css/site.css"), headers={"accept-encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"


def test_pages_link_the_hashed_stylesheet(collected_static, tree, client):
    assert static("css/site.css") in client.get(tree["home"].url).text
