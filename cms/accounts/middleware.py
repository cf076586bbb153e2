from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve, reverse
from django_otp import user_has_device

# What a signed-in person may open before giving the second factor: the steps themselves.
OPEN_BEFORE_SECOND_FACTOR = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
    "accounts_verify_second_factor",
    "accounts_awaiting_enrolment",
    "accounts_open_enrolment_link",
    "accounts_enrol",
}


class SecondFactorRequiredMiddleware:
    """A password alone opens nothing. After django-otp's OTPMiddleware (which marks
    request.user verified or not): in the admin, an unverified user is sent to the second
    step, or told how to set one up if they have none; elsewhere they are anonymous."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.require_second_factor(request) or self.get_response(request)

    def require_second_factor(self, request):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if not request.path_info.startswith(reverse("wagtailadmin_home")):
            request.user = AnonymousUser()
            return None
        try:
            url_name = resolve(request.path_info).url_name
        except Resolver404:
            url_name = None
        if url_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        step = (
            "accounts_verify_second_factor"
            if user_has_device(user)
            else "accounts_awaiting_enrolment"
        )
        return redirect_to_login(request.get_full_path(), login_url=reverse(step))
