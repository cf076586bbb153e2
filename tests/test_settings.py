import os
import subprocess
import sys
from pathlib import Path

import pytest
from django_recaptcha.constants import TEST_PRIVATE_KEY, TEST_PUBLIC_KEY

PROJECT_DIR = Path(__file__).resolve().parents[1]
# What an operator sets, and what each test leaves out or changes.
OPERATOR_SETTINGS = {
    "SECRET_KEY": "k" * 20 + "x9" * 20,
    "EMAIL_HASH_KEY": "e" * 20 + "h7" * 10,
    "SITE_URL": "https://campaign.example.org",
    "RECAPTCHA_PUBLIC_KEY": "operator-public-key",
    "RECAPTCHA_PRIVATE_KEY": "operator-private-key",
}
DEFAULT_PRINT = "settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND']"


def load_settings(module, printing=DEFAULT_PRINT, **environment):
    """Imports a settings module in a fresh interpreter and prints what the test asks for;
    None in `environment` leaves a variable unset."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", *OPERATOR_SETTINGS}}
    env.update({k: v for k, v in environment.items() if v is not None})
    env["DJANGO_SETTINGS_MODULE"] = module
    code = f"import django; from django.conf import settings; django.setup(); print({printing})"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )


def load_production(printing=DEFAULT_PRINT, **changes):
    return load_settings("cms.settings.production", printing, **{**OPERATOR_SETTINGS, **changes})


@pytest.mark.parametrize(
    "secret_key", [None, "", "dev-only-insecure-key-never-use-in-production", "short"]
)
def test_production_refuses_a_missing_or_weak_secret_key(secret_key):
    result = load_production(SECRET_KEY=secret_key)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_starts_with_what_an_operator_sets():
    result = load_production()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "site_url",
    [
        None,
        "",
        "http://campaign.example.org",
        "https://localhost",
        "https://campaign.localhost",
        "https://127.0.0.1",
        "https://[::1]",
        "https://0.0.0.0",
    ],
)
def test_production_refuses_to_start_without_a_public_https_address(site_url):
    result = load_production(SITE_URL=site_url)
    assert result.returncode != 0
    assert "Set SITE_URL" in result.stderr


@pytest.mark.parametrize(
    "keys",
    [
        {"RECAPTCHA_PUBLIC_KEY": None, "RECAPTCHA_PRIVATE_KEY": None},
        {"RECAPTCHA_PRIVATE_KEY": None},
        {"RECAPTCHA_PUBLIC_KEY": ""},
        {"RECAPTCHA_PUBLIC_KEY": TEST_PUBLIC_KEY, "RECAPTCHA_PRIVATE_KEY": TEST_PRIVATE_KEY},
        {"RECAPTCHA_PRIVATE_KEY": TEST_PRIVATE_KEY},
    ],
)
def test_production_refuses_to_start_with_the_captcha_in_test_mode(keys):
    result = load_production(**keys)
    assert result.returncode != 0
    assert "Set RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY" in result.stderr


def test_gunicorn_refuses_to_start_without_captcha_keys():
    """The attack: `make serve` without keys started, and took "captcha": "x" from anyone."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RECAPTCHA_")},
        **OPERATOR_SETTINGS,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    }
    for key in ("RECAPTCHA_PUBLIC_KEY", "RECAPTCHA_PRIVATE_KEY"):
        del environment[key]
    gunicorn = subprocess.run(
        [sys.executable, "-m", "gunicorn", "cms.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert gunicorn.returncode != 0
    assert "Set RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY" in gunicorn.stderr


@pytest.mark.parametrize(
    "site_url",
    [
        "campaign.example.org",
        "https://campaign.example.org/campaign/",
        "https://campaign.example.org/?x=1",
        "ftp://campaign.example.org",
        "https://campaign.example.org:8443",
        "https://user@campaign.example.org",
    ],
)
def test_a_site_url_must_be_the_address_alone(site_url):
    result = load_settings("cms.settings.dev", SITE_URL=site_url)
    assert result.returncode != 0
    assert "SITE_URL must be the site's address alone" in result.stderr


def test_every_public_address_setting_follows_site_url():
    result = load_production(
        "settings.WAGTAILADMIN_BASE_URL, settings.WAGTAILAPI_BASE_URL, settings.ALLOWED_HOSTS",
        SITE_URL="https://campaign.example.org/",
        ALLOWED_HOSTS="127.0.0.1",
    )
    assert result.stdout.strip().split(maxsplit=2) == [
        "https://campaign.example.org",
        "https://campaign.example.org",
        "['127.0.0.1', 'campaign.example.org']",
    ]


def test_database_gives_up_well_before_gunicorn_does():
    result = load_settings(
        "cms.settings.dev",
        "settings.DATABASES['default']['OPTIONS']",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/campaign",
        DATABASE_STATEMENT_TIMEOUT="4.5",
    )
    options = result.stdout
    assert "'connect_timeout': 3" in options
    assert "'options': '-c statement_timeout=4500 -c lock_timeout=1000'" in options
    assert "'keepalives': 1" in options


@pytest.mark.parametrize("email_hash_key", [None, "short", OPERATOR_SETTINGS["SECRET_KEY"]])
def test_production_refuses_a_missing_weak_or_shared_email_hash_key(email_hash_key):
    result = load_production(EMAIL_HASH_KEY=email_hash_key)
    assert result.returncode != 0
    assert "Set EMAIL_HASH_KEY" in result.stderr


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
        "cms.postgresql",
        "django_redis.cache.RedisCache",
    ]


def test_production_workers_share_one_cache_without_redis(tmp_path):
    def run_in_a_worker(code):
        environment = {
            **os.environ,
            **OPERATOR_SETTINGS,
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "REDIS_URL": "",
            "CACHE_DIR": str(tmp_path),
        }
        setup = "import django; django.setup(); from django.core.cache import caches; "
        return subprocess.run(
            [sys.executable, "-c", setup + code],
            cwd=PROJECT_DIR,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    # A page one worker keeps is found by the others; so is the forms' rate-limit count.
    for alias in ("pages", "default"):
        run_in_a_worker(f"caches['{alias}'].set('kept', 'by the first worker')")
        assert run_in_a_worker(f"print(caches['{alias}'].get('kept'))") == "by the first worker"
    assert run_in_a_worker("caches['default'].clear(); print(caches['pages'].get('kept'))") == (
        "by the first worker"
    )


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
