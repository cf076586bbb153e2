import csv

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from wagtail.contrib.forms.views import SubmissionsListView
from wagtail.log_actions import log
from wagtail.models import Locale

from cms.personal_data import PERSONAL_DATA_PERMISSION

from . import supporters
from .mail import address_from_unsubscribe_token
from .models import ConsentRecord, SignupFormPage, Suppression


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def confirm_subscription(request, token):
    """The link in the confirmation email. A GET only asks: link checkers in mail systems
    open links, and must not confirm on the person's behalf."""
    subscriber = supporters.subscriber_from_token(token)
    if subscriber is None:
        return render(request, "forms_app/confirm.html", {"state": "invalid"}, status=400)
    if request.method == "POST":
        supporters.confirm(subscriber)
        return render(request, "forms_app/confirm.html", {"state": "confirmed"})
    # A confirmed subscriber who signed up again for something more has that to confirm.
    state = "ask" if subscriber.has_unconfirmed_consents() else "confirmed"
    return render(request, "forms_app/confirm.html", {"state": state})


# Mail programs unsubscribe with a bare POST (RFC 8058) that carries no CSRF token; the signed
# link is the authority, and all it can do is stop emails.
@csrf_exempt
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """The link in every email: works without logging in, and removes the person's details.
    Once unsubscribed, the same link is the way back (`welcome_back`)."""
    hashed = address_from_unsubscribe_token(token)
    if hashed is None:
        return render(request, "forms_app/unsubscribe.html", {"state": "invalid"}, status=400)
    if request.method == "POST":
        supporters.unsubscribe(hashed)
        state = "done"
    else:
        state = "unsubscribed" if Suppression.matching(hashed).exists() else "ask"
    return render(request, "forms_app/unsubscribe.html", {"state": state, "token": token})


@sensitive_post_parameters()
@require_http_methods(["POST"])
def welcome_back(request, token):
    """From the page an unsubscribe link opens: lets the address be mailed again, so that its
    owner can sign up afresh. Only a POST from that page (with its CSRF token) does it."""
    hashed = address_from_unsubscribe_token(token)
    if hashed is None:
        return render(request, "forms_app/unsubscribe.html", {"state": "invalid"}, status=400)
    supporters.welcome_back(hashed)
    return render(
        request,
        "forms_app/unsubscribe.html",
        {"state": "welcome_back", "signup_page": signup_page_in_language()},
    )


def signup_page_in_language():
    pages = SignupFormPage.objects.live().public()
    language = translation.get_language()
    return (
        pages.filter(locale__language_code=language).first()
        or pages.filter(locale=Locale.get_default()).first()
    )


def export_subscribers(request):
    """Confirmed subscribers as CSV, for the campaign's newsletter tool (organisers only)."""
    if not request.user.has_perm(PERSONAL_DATA_PERMISSION):
        raise PermissionDenied
    subscribers = list(supporters.confirmed_subscribers())
    response, writer = csv_download(
        "subscribers", ["email", "name", "language", "confirmed_at", "updates", "newsletter"]
    )
    for subscriber in subscribers:
        purposes = {
            consent.purpose for consent in subscriber.consents.all() if consent.confirmed_at
        }
        writer.writerow(
            [
                spreadsheet_safe(subscriber.email),
                spreadsheet_safe(subscriber.name),
                subscriber.language,
                subscriber.confirmed_at.isoformat(),
                "yes" if ConsentRecord.Purpose.UPDATES in purposes else "no",
                "yes" if ConsentRecord.Purpose.NEWSLETTER in purposes else "no",
            ]
        )
    signup_page = SignupFormPage.objects.first()
    if signup_page:
        log(
            signup_page,
            "forms_app.export_subscribers",
            user=request.user,
            data={"rows": len(subscribers)},
        )
    return response


def csv_download(name, header):
    """A CSV file to download, named after what it holds and today's date, with its header
    row written: the response, and the writer for the rest."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    return response, writer


def spreadsheet_safe(value):
    """A cell a spreadsheet will show as text, never run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@method_decorator(sensitive_post_parameters(), name="dispatch")
class PersonalDataSubmissionsListView(SubmissionsListView):
    """Wagtail's submissions listing, for organisers only, with every view and export of it
    recorded in the audit log."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERSONAL_DATA_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        action = "forms_app.export_submissions" if self.is_export else "forms_app.view_submissions"
        log(
            self.form_page,
            action,
            user=self.request.user,
            data={"format": self.request.GET.get("export", "")} if self.is_export else {},
        )
        return super().render_to_response(context, **response_kwargs)

    def write_csv_row(self, writer, row_dict):
        # Whatever a visitor typed is exported as text, never as a spreadsheet formula
        # (Wagtail guards its XLSX export this way, not its CSV).
        return super().write_csv_row(
            writer,
            {
                field: spreadsheet_safe(value) if isinstance(value, str) else value
                for field, value in row_dict.items()
            },
        )
