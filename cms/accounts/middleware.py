from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve, reverse
from django_otp import user_has_device
from django_otp.middleware import OTPMiddleware

# What a signed-in organiser may open before giving the second factor: the steps themselves.
OPEN_BEFORE_SECOND_FACTOR = {
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
    "accounts_verify_second_factor",
    "accounts_set_up_second_factor",
}


class TwoFactorMiddleware(OTPMiddleware):
    """django-otp's middleware (it marks request.user verified or not), and a rule on top: a
    password alone opens nothing. In the admin, an unverified user is sent to the second
    step, or to enrolment if they have no authenticator yet; elsewhere they are anonymous."""

    async_capable = False

    def __call__(self, request):
        self._install_lazy_accessors(request)
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
            else "accounts_set_up_second_factor"
        )
        return redirect_to_login(request.get_full_path(), login_url=reverse(step))
