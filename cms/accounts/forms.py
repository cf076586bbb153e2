from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

WRONG_CODE = _("That code is not right. Check your authenticator app and try again.")
TOO_MANY_WRONG_CODES = _("Too many wrong codes. Wait a minute, then try again.")


def code_field(label, help_text):
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


def normalise_code(code):
    return "".join(code.split()).lower()


class SecondFactorForm(forms.Form):
    """The second sign-in step: a code from the authenticator app, or one recovery code."""

    code = code_field(
        _("Code"),
        _("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        is_app_code = code.isdigit() and len(code) == 6
        device_model = TOTPDevice if is_app_code else StaticDevice
        # A wrong code is counted against the device (django-otp slows repeated guesses), so the
        # count is committed before the error is raised.
        with transaction.atomic():
            device = (
                device_model.objects.select_for_update()
                .filter(user=self.user, confirmed=True)
                .first()
            )
            if device is None:
                error = WRONG_CODE
            elif not device.verify_is_allowed()[0]:
                error = TOO_MANY_WRONG_CODES
            elif device.verify_token(code):
                self.device, error = device, None
            else:
                error = WRONG_CODE
        if error:
            raise forms.ValidationError(error)
        return code


class AuthenticatorSetupForm(forms.Form):
    """Proves that the authenticator app holds the new secret before it is relied on."""

    code = code_field(_("Code"), _("The 6-digit code your authenticator app shows now."))

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not self.device.verify_token(code):
            raise forms.ValidationError(WRONG_CODE)
        return code
