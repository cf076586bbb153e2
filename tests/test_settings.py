import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]


def load_settings(module, **environment):
    """Imports a settings module in a fresh interpreter and prints what the test asks for."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(environment, DJANGO_SETTINGS_MODULE=module)
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "secret_key", [None, "", "dev-only-insecure-key-never-use-in-production", "short"]
)
def test_production_refuses_a_missing_or_weak_secret_key(secret_key):
    environment = {} if secret_key is None else {"SECRET_KEY": secret_key}
    result = load_settings("cms.settings.production", **environment)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = load_settings("cms.settings.production", SECRET_KEY="k" * 20 + "x9" * 20)
    assert result.returncode == 0, result.stderr


def test_sqlite_and_local_memory_cache_by_default():
    result = load_settings("cms.settings.dev", REDIS_URL="")
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_database_and_cache_from_environment():
    result = load_settings(
        "cms.settings.dev",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/campaign",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "cms.cache.FailSoftRedisCache",
    ]


def test_production_workers_share_one_cache_without_redis(tmp_path):
    def run_in_a_worker(code):
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "SECRET_KEY": "k" * 20 + "x9" * 20,
            "REDIS_URL": "",
            "CACHE_DIR": str(tmp_path),
        }
        setup = "import django; django.setup(); from django.core.cache import cache; "
        return subprocess.run(
            [sys.executable, "-c", setup + code],
            cwd=PROJECT_DIR,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    # One worker clears the page cache after a publish; the others must see the new token.
    run_in_a_worker("from cms.pagecache.cache import invalidate_all_pages; invalidate_all_pages()")
    read_token = "from cms.pagecache.cache import GENERATION_KEY; print(cache.get(GENERATION_KEY))"
    assert run_in_a_worker(read_token) == run_in_a_worker(read_token) != "None"


def machine_translator_class(**environment):
    env = {k: v for k, v in os.environ.items() if k != "DEEPL_AUTH_KEY"}
    env.update(environment, DJANGO_SETTINGS_MODULE="cms.settings.dev")
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(getattr(settings, 'WAGTAILLOCALIZE_MACHINE_TRANSLATOR', {}).get('CLASS'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    return result.stdout.strip()


def test_machine_translation_is_off_without_a_key():
    assert machine_translator_class() == "None"


def test_machine_translation_uses_deepl_with_a_key_from_the_environment():
    assert machine_translator_class(DEEPL_AUTH_KEY="a-key:fx") == (
        "cms.localisation.machine_translation.CampaignDeepLTranslator"
    )
