import base64
import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.log_actions import log

from .enrolment import claim
from .forms import AuthenticatorSetupForm, EnrolmentForm, ReauthenticationForm, SecondFactorForm
from .lockout import cooloff_minutes
from .models import EnrolmentLink

# The enrolment link a visitor has opened, kept in their session so that the token leaves the
# address bar (and the browser history) at once.
ENROLMENT_LINK_SESSION_KEY = "accounts_enrolment_link"
# When the signed-in person last gave their password and a code again.
REAUTHENTICATED_AT_SESSION_KEY = "accounts_reauthenticated_at"
REAUTHENTICATION_MAX_AGE_SECONDS = 5 * 60


@never_cache
@sensitive_post_parameters()
def verify_second_factor(request):
    """The second sign-in step for an admin user who has set up two-factor sign-in."""
    user = request.user
    if user.is_verified():
        return redirect(next_url(request))
    if not user_has_device(user):
        return redirect("accounts_awaiting_enrolment")
    form = SecondFactorForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        return redirect(next_url(request))
    return render(request, "accounts/verify.html", {"form": form, "next": next_url(request)})


@never_cache
def awaiting_enrolment(request):
    """Where a password without a second factor leads: nowhere. The second factor is set
    up only through a link that an organiser sends to the account's email address."""
    if user_has_device(request.user):
        return redirect("accounts_verify_second_factor")
    return render(request, "accounts/awaiting_enrolment.html")


# An expired, used or unknown link is "gone" (410), not "not found": a 404 outside the language
# prefix would be redirected by the locale middleware to /en/..., and 404 again there.
LINK_GONE = 410


@never_cache
def open_enrolment_link(request, user_id, token):
    """The link in the email: checked, then kept in the session, out of the address bar."""
    account = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    link = account and EnrolmentLink.find(account, token)
    if not link:
        return render(request, "accounts/enrolment_link_invalid.html", status=LINK_GONE)
    request.session[ENROLMENT_LINK_SESSION_KEY] = link.pk
    return redirect("accounts_enrol")


@never_cache
@sensitive_post_parameters()
def enrol(request):
    """Set-up through an enrolment link: a password (chosen, or the current one proved), a
    newly scanned authenticator app, then the recovery codes, shown once. The link is then
    used up and the person is signed in with both factors."""
    link = (
        EnrolmentLink.usable()
        .filter(pk=request.session.get(ENROLMENT_LINK_SESSION_KEY), user__is_active=True)
        .select_related("user")
        .first()
    )
    if link is None:
        return render(request, "accounts/enrolment_link_invalid.html", status=LINK_GONE)
    account = link.user
    device = unconfirmed_authenticator(account)
    form = EnrolmentForm(request, account, device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if not claim(link):
                return render(request, "accounts/enrolment_link_invalid.html", status=LINK_GONE)
            form.save_password()
            confirm_authenticator(device)
            codes = replace_recovery_codes(account)
            log(account, "accounts.enrol", user=account)
        del request.session[ENROLMENT_LINK_SESSION_KEY]
        login(request, account, backend="django.contrib.auth.backends.ModelBackend")
        otp_login(request, device)
        return render_recovery_codes(request, codes)
    context = {
        "form": form,
        "account": account,
        **authenticator_context(device),
    }
    return render(request, "accounts/enrol.html", context)


@never_cache
@sensitive_post_parameters()
def two_factor_settings(request):
    """The signed-in person's two-factor page. Replacing the authenticator app or the
    recovery codes first asks for the password and a current code again."""
    if is_recently_reauthenticated(request):
        return render(request, "accounts/two_factor.html")
    form = ReauthenticationForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[REAUTHENTICATED_AT_SESSION_KEY] = time.time()
        return redirect("accounts_two_factor")
    return render(request, "accounts/two_factor.html", {"form": form})


@never_cache
@sensitive_post_parameters()
def replace_authenticator(request):
    """A new authenticator app (a new phone) in place of the old, after re-authentication."""
    if not is_recently_reauthenticated(request):
        return redirect("accounts_two_factor")
    user = request.user
    device = unconfirmed_authenticator(user)
    form = AuthenticatorSetupForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            confirm_authenticator(device)
            log(user, "accounts.replace_authenticator", user=user)
        otp_login(request, device)
        del request.session[REAUTHENTICATED_AT_SESSION_KEY]
        messages.success(
            request, _("Your new authenticator app is set up; the old one no longer works.")
        )
        return redirect("accounts_two_factor")
    context = {"form": form, **authenticator_context(device)}
    return render(request, "accounts/replace_authenticator.html", context)


@never_cache
@require_POST
def new_recovery_codes(request):
    """Replaces the recovery codes, for when they are used up or exposed, after
    re-authentication."""
    if not is_recently_reauthenticated(request):
        return redirect("accounts_two_factor")
    with transaction.atomic():
        codes = replace_recovery_codes(request.user)
        log(request.user, "accounts.new_recovery_codes", user=request.user)
    del request.session[REAUTHENTICATED_AT_SESSION_KEY]
    return render_recovery_codes(request, codes)


def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers while sign-in is paused for a name at an address, or for an
    address."""
    context = {"cooloff_minutes": cooloff_minutes()}
    return render(request, "accounts/locked_out.html", context, status=429)


def is_recently_reauthenticated(request):
    reauthenticated_at = request.session.get(REAUTHENTICATED_AT_SESSION_KEY, 0)
    return time.time() - reauthenticated_at < REAUTHENTICATION_MAX_AGE_SECONDS


def unconfirmed_authenticator(user):
    """The authenticator app being set up: its secret is shown until a code proves it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


def confirm_authenticator(device):
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def replace_recovery_codes(user):
    """Single-use codes for when the phone is lost, shown once: no page shows them again."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def render_recovery_codes(request, codes):
    context = {"codes": codes, "next": reverse("wagtailadmin_home")}
    return render(request, "accounts/recovery_codes.html", context)


def authenticator_context(device):
    return {
        "qr_code": qr_code_data_uri(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
    }


def qr_code_data_uri(text):
    svg = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def next_url(request):
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("wagtailadmin_home")
