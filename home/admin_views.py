"""The organisers' side of meetings: the private details, the registrant list with its
decisions and CSV export, and the sign-in sheet. Only with the personal-data permission, and
every reading of who registered is in the audit log like a reading of the sign-ups."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from wagtail.log_actions import log

from cms.personal_data import PERSONAL_DATA_PERMISSION
from forms_app.views import csv_download, spreadsheet_safe

from . import registrations
from .models import MeetingPage, MeetingPrivateDetails, Registration


def organisers_only(view):
    # Error reports of these screens show neither what was posted nor any local variable.
    @sensitive_post_parameters()
    def checked(request, page_id, *args, **kwargs):
        if not request.user.has_perm(PERSONAL_DATA_PERMISSION):
            raise PermissionDenied
        page = get_object_or_404(MeetingPage, pk=page_id)
        return view(
            request, registrations.meeting_of(page.translation_key) or page, *args, **kwargs
        )

    return checked


class PrivateDetailsForm(forms.ModelForm):
    joining_link = forms.URLField(
        required=False,
        assume_scheme="https",
        help_text=MeetingPrivateDetails._meta.get_field("joining_link").help_text,
    )

    class Meta:
        model = MeetingPrivateDetails
        fields = ["address", "joining_link", "access_notes", "capacity", "approval_required"]


@organisers_only
def private_details(request, meeting):
    details = registrations.private_details_of(meeting)
    form = PrivateDetailsForm(request.POST or None, instance=details)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            log(meeting, "home.change_meeting_details", user=request.user)
            # Those given a place are told the details as they are now: the announcement of
            # the change then skips them.
            registrations.fill_free_places(meeting)
            told = registrations.announce_changes(meeting.translation_key)
        messages.success(
            request,
            _("The private details are saved. %(count)s registrants were emailed the change.")
            % {"count": told},
        )
        return redirect("meeting_registrations", meeting.pk)
    return TemplateResponse(
        request,
        "home/admin/meeting_private_details.html",
        {
            "page_title": _("Private details: %(meeting)s") % {"meeting": meeting.title},
            "meeting": meeting,
            "form": form,
        },
    )


@organisers_only
def registrant_list(request, meeting):
    registered = list(registrations.registrations_for(meeting))
    if request.GET.get("export") == "csv":
        log(meeting, "forms_app.export_submissions", user=request.user, data={"format": "csv"})
        return registrations_csv(meeting, registered)
    log(meeting, "forms_app.view_submissions", user=request.user)
    counts = {
        status: sum(1 for registration in registered if registration.status == status)
        for status in Registration.Status
    }
    return TemplateResponse(
        request,
        "home/admin/meeting_registrations.html",
        {
            "page_title": _("Registrations: %(meeting)s") % {"meeting": meeting.title},
            "meeting": meeting,
            "details": registrations.private_details_of(meeting),
            "registrations": registered,
            "counts": [(status.label, counts[status]) for status in Registration.Status],
        },
    )


def registrations_csv(meeting, registered):
    response, writer = csv_download(
        f"registrations-{meeting.slug}",
        ["name", "email", "language", "status", "registered_at", "confirmed_at"],
    )
    for registration in registered:
        writer.writerow(
            [
                spreadsheet_safe(registration.name),
                spreadsheet_safe(registration.email),
                registration.submission.language,
                registration.status,
                registration.submission.submit_time.isoformat(),
                registration.confirmed_at.isoformat() if registration.confirmed_at else "",
            ]
        )
    return response


@require_POST
@organisers_only
def decide(request, meeting, registration_id):
    registration = get_object_or_404(
        Registration, pk=registration_id, meeting_key=meeting.translation_key
    )
    approve = request.POST.get("decision") == "approve"
    with transaction.atomic():
        registration = registrations.decide(registration, approve=approve)
        log(
            meeting,
            "home.approve_registration" if approve else "home.decline_registration",
            user=request.user,
        )
    return redirect("meeting_registrations", meeting.pk)


@organisers_only
def sign_in_sheet(request, meeting):
    """Names only, to print for the door: no addresses."""
    log(meeting, "forms_app.export_submissions", user=request.user, data={"format": "sign-in"})
    names = sorted(
        (
            registration.name
            for registration in registrations.registrations_for(meeting).filter(
                status=Registration.Status.REGISTERED
            )
        ),
        key=str.casefold,
    )
    return TemplateResponse(
        request, "home/admin/sign_in_sheet.html", {"meeting": meeting, "names": names}
    )
