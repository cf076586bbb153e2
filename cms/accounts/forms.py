from django import forms
from django.contrib.auth import authenticate, password_validation
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

WRONG_CODE = _("That code is not right. Check your authenticator app and try again.")
TOO_MANY_WRONG_CODES = _("Too many wrong codes. Wait a minute, then try again.")
WRONG_PASSWORD = _("That password is not right.")
PASSWORDS_DIFFER = _("The two passwords are not the same.")


def code_field(label, help_text, autofocus=True):
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": autofocus}),
    )


def normalise_code(code):
    return "".join(code.split()).lower()


def check_second_factor(user, code):
    """The confirmed device that accepts this code (an authenticator app's 6 digits, or one
    recovery code, which is then used up); a ValidationError otherwise."""
    code = normalise_code(code)
    is_app_code = code.isdigit() and len(code) == 6
    device_model = TOTPDevice if is_app_code else StaticDevice
    # A wrong code is counted against the device (django-otp slows repeated guesses), so the
    # count is committed before the error is raised.
    with transaction.atomic():
        device = device_model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            error = WRONG_CODE
        elif not device.verify_is_allowed()[0]:
            error = TOO_MANY_WRONG_CODES
        elif device.verify_token(code):
            return device
        else:
            error = WRONG_CODE
    raise forms.ValidationError(error)


def check_password(request, user, password):
    """Checked through the authentication backends, so that django-axes counts a wrong
    password here as it does at sign-in, and pauses a locked account here too."""
    credentials = {"username": user.get_username(), "password": password}
    if authenticate(request, **credentials) != user:
        raise forms.ValidationError(WRONG_PASSWORD)


def password_field(label, autocomplete):
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


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
        self.device = check_second_factor(self.user, self.cleaned_data["code"])
        return self.cleaned_data["code"]


class ReauthenticationForm(forms.Form):
    """Proof, from a signed-in session, that the person is the account's owner: their
    password and a current code. A session alone (a borrowed laptop, a stolen cookie) must not
    be enough to take over the second factor."""

    password = password_field(_("Your password"), "current-password")
    code = code_field(
        _("Code"),
        _("The 6-digit code from your authenticator app, or one of your recovery codes."),
        autofocus=False,
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        user = self.request.user
        if "password" in self.cleaned_data and "code" in self.cleaned_data:
            # The password first: a wrong one must not use up a recovery code.
            check_password(self.request, user, self.cleaned_data["password"])
            check_second_factor(user, self.cleaned_data["code"])
        return self.cleaned_data


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


class EnrolmentForm(AuthenticatorSetupForm):
    """Set-up through an enrolment link: a new account chooses its password; an account that
    already has one (its second factor was reset) proves it, so the email alone is not enough.
    Then the code from the newly scanned authenticator app."""

    field_order = ["password", "new_password1", "new_password2", "code"]

    def __init__(self, request, account, device, *args, **kwargs):
        super().__init__(device, *args, **kwargs)
        self.request = request
        self.account = account
        self.fields["code"].widget.attrs["autofocus"] = False
        if account.has_usable_password():
            self.fields["password"] = password_field(_("Your password"), "current-password")
        else:
            self.fields["new_password1"] = password_field(_("Choose a password"), "new-password")
            self.fields[
                "new_password1"
            ].help_text = password_validation.password_validators_help_text_html()
            self.fields["new_password2"] = password_field(
                _("The same password again"), "new-password"
            )
        self.order_fields(self.field_order)

    def clean_code(self):
        # Checked only once everything else is right: a code is accepted once, and the person
        # must be able to submit the same code again after fixing a password.
        if self.errors:
            return self.cleaned_data["code"]
        return super().clean_code()

    def clean_password(self):
        check_password(self.request, self.account, self.cleaned_data["password"])
        return self.cleaned_data["password"]

    def clean_new_password2(self):
        password = self.cleaned_data.get("new_password1")
        if password and password != self.cleaned_data["new_password2"]:
            raise forms.ValidationError(PASSWORDS_DIFFER)
        password_validation.validate_password(self.cleaned_data["new_password2"], self.account)
        return self.cleaned_data["new_password2"]

    def save_password(self):
        if "new_password2" in self.cleaned_data:
            self.account.set_password(self.cleaned_data["new_password2"])
            self.account.save(update_fields=["password"])
