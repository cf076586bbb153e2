import base64

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import AuthenticatorSetupForm, SecondFactorForm


@never_cache
@sensitive_post_parameters()
def verify_second_factor(request):
    """The second sign-in step for an admin user who has set up two-factor sign-in."""
    user = request.user
    if user.is_verified():
        return redirect(next_url(request))
    if not user_has_device(user):
        return redirect("accounts_set_up_second_factor")
    form = SecondFactorForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        return redirect(next_url(request))
    return render(request, "accounts/verify.html", {"form": form, "next": next_url(request)})


@never_cache
@sensitive_post_parameters()
def set_up_second_factor(request):
    """Enrolment: scan a QR code, prove it with a code, receive the recovery codes once."""
    user = request.user
    # A password alone must never be enough to add an authenticator to an enrolled account.
    if user_has_device(user) and not user.is_verified():
        return redirect("accounts_verify_second_factor")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    form = AuthenticatorSetupForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = replace_recovery_codes(user)
        otp_login(request, device)
        context = {"codes": codes, "next": next_url(request)}
        return render(request, "accounts/recovery_codes.html", context)
    context = {
        "form": form,
        "qr_code": qr_code_data_uri(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
        "next": next_url(request),
    }
    return render(request, "accounts/set_up.html", context)


@never_cache
@require_POST
def new_recovery_codes(request):
    """Replaces a signed-in organiser's recovery codes, for when they are used up or exposed."""
    codes = replace_recovery_codes(request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": reverse("wagtailadmin_home")},
    )


def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers while sign-in is paused for an account or an address."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "accounts/locked_out.html", context, status=429)


def replace_recovery_codes(user):
    """Single-use codes for when the phone is lost, shown once: no page shows them again."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


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
