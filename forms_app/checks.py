from django.conf import settings
from django.core import checks
from django_recaptcha.constants import TEST_PRIVATE_KEY, TEST_PUBLIC_KEY


@checks.register(checks.Tags.security, deploy=True)
def recaptcha_keys_are_real(app_configs, **kwargs):
    """django-recaptcha's own check would stop every command, `migrate` included, on a machine
    without keys; this one stops only a deployment (`check --deploy`). Without keys the forms
    run the captcha in test mode, which lets every robot through the captcha."""
    public_key = getattr(settings, "RECAPTCHA_PUBLIC_KEY", TEST_PUBLIC_KEY)
    private_key = getattr(settings, "RECAPTCHA_PRIVATE_KEY", TEST_PRIVATE_KEY)
    if public_key in ("", TEST_PUBLIC_KEY) or private_key in ("", TEST_PRIVATE_KEY):
        return [
            checks.Error(
                "The forms use Google's reCAPTCHA test keys, which let every robot through.",
                hint="Set RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY in the environment.",
                id="forms_app.E001",
            )
        ]
    return []
