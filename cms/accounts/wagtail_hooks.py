from django.urls import path
from wagtail import hooks

from . import views


@hooks.register("register_admin_urls")
def two_factor_urls():
    return [
        path(
            "sign-in/second-step/",
            views.verify_second_factor,
            name="accounts_verify_second_factor",
        ),
        path(
            "sign-in/set-up/",
            views.set_up_second_factor,
            name="accounts_set_up_second_factor",
        ),
        path(
            "sign-in/recovery-codes/",
            views.new_recovery_codes,
            name="accounts_new_recovery_codes",
        ),
    ]
