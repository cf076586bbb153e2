from django.conf import settings
from django.shortcuts import render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import registrations


def registration_page(request, state, registration=None, status=200):
    meeting = registrations.meeting_of(registration.meeting_key) if registration else None
    return render(
        request,
        "home/registration.html",
        {"state": state, "registration": registration, "meeting": meeting},
        status=status,
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def confirm_registration(request, token):
    """The link in the confirmation email. A GET only asks: link checkers in mail systems
    open links, and must not confirm on the person's behalf."""
    registration = registrations.registration_from_token(
        token, max_age=settings.FORMS_CONFIRMATION_MAX_AGE
    )
    if registration is None:
        return registration_page(request, "invalid", status=400)
    if request.method == "POST":
        registration = registrations.confirm(registration)
        if registration.status == registration.Status.UNCONFIRMED:
            # The meeting was cancelled, or is over, before the address was confirmed.
            return registration_page(request, "closed", registration)
    elif registration.status == registration.Status.UNCONFIRMED:
        return registration_page(request, "ask_to_confirm", registration)
    return registration_page(request, registration.status, registration)


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def cancel_registration(request, token):
    """The link in every email that gives a place or a place on the waiting list."""
    registration = registrations.registration_from_token(token)
    if registration is None:
        return registration_page(request, "invalid", status=400)
    if request.method == "POST":
        registration = registrations.cancel(registration)
    elif registration.status != registration.Status.CANCELLED:
        return registration_page(request, "ask_to_cancel", registration)
    return registration_page(request, registration.status, registration)
