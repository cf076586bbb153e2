"""Registration for meetings: the address confirmed first, then a place (or the waiting list,
or organisers' approval first), the private details emailed with a calendar file, and every
change told to each registrant once.

A registration is a form submission of the meeting page with a `Registration` beside it; the
meeting's place, link and capacity are in its `MeetingPrivateDetails`, never on the page."""

import datetime
import hashlib
import json

import icalendar
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables
from wagtail import hooks
from wagtail.models import Locale

from cms.site_url.address import absolute_url
from forms_app.mail import send_email

from .ical import meeting_event
from .models import MeetingPage, MeetingPrivateDetails, Registration
from .templatetags.email_tags import plain_text

REGISTRATION_SALT = "home.meeting_registration"
# Functions registered under this name take an email address and say whether it is a
# confirmed contact of a listed sponsor: who may register for a sponsors-only meeting.
SPONSOR_CONTACT_HOOK = "is_sponsor_contact"

Status = Registration.Status
# Those a change of time or place, or a cancellation, is told to.
EXPECTING_NEWS = [Status.REGISTERED, Status.WAITING_LIST, Status.AWAITING_APPROVAL]


def meeting_of(key):
    """The meeting in the site's default language (its other languages take their times and
    place from it), or in any language when it has none there."""
    meetings = MeetingPage.objects.filter(translation_key=key, alias_of__isnull=True)
    default = meetings.filter(locale=Locale.get_default()).first()
    return default or meetings.first()


def private_details_of(meeting):
    details, _created = MeetingPrivateDetails.objects.get_or_create(
        meeting_key=meeting.translation_key
    )
    return details


def registrations_for(meeting):
    return Registration.objects.filter(meeting_key=meeting.translation_key).select_related(
        "submission"
    )


def register(meeting, submission):
    """A submitted registration form: asks its address to confirm before anything else."""
    registration = Registration.objects.create(
        submission=submission, meeting_key=meeting.translation_key
    )
    if registration.email:
        send_confirmation(registration, meeting)
    return registration


def token_for(registration):
    return signing.dumps(registration.pk, salt=REGISTRATION_SALT)


def registration_from_token(token, max_age=None):
    """The registration a link names, or None when it is forged, too old or deleted."""
    try:
        pk = signing.loads(token, salt=REGISTRATION_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return Registration.objects.filter(pk=pk).select_related("submission").first()


def link(view_name, registration):
    with translation.override(registration.submission.language):
        return absolute_url(reverse(view_name, args=[token_for(registration)]))


# An error report shows no variable of these, nor of what they call: they hold the address,
# and the meeting's private details.
@sensitive_variables()
def send_confirmation(registration, meeting):
    with translation.override(registration.submission.language):
        body = _(
            "Thank you for registering for “%(meeting)s”.\n\n"
            "To confirm that this is your address, open this link within %(days)s days:\n\n"
            "%(url)s\n\n"
            "If you did not register, ignore this email: without confirmation nothing more "
            "happens, and your details are deleted."
        ) % {
            "meeting": meeting.title,
            "days": settings.FORMS_CONFIRMATION_MAX_AGE // 86400,
            "url": link("meetings:confirm", registration),
        }
        send_email(
            registration.email,
            _("Please confirm your registration"),
            body,
            language=registration.submission.language,
            limit="meeting-confirmation",
        )


def is_sponsor_contact(address):
    return any(check(address) for check in hooks.get_hooks(SPONSOR_CONTACT_HOOK))


@transaction.atomic
def confirm(registration):
    """The registrant opened the link in the confirmation email and pressed the button."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Status.UNCONFIRMED:
        return registration
    meeting = meeting_of(registration.meeting_key)
    if meeting is None or meeting.cancelled or meeting.is_over:
        return registration
    # Registering again with the same address keeps the first registration and its place;
    # the second, which says nothing more, is not kept.
    earlier = (
        registrations_for(meeting)
        .filter(status__in=EXPECTING_NEWS, submission__form_data__email__iexact=registration.email)
        .first()
    )
    if earlier is not None:
        registration.submission.delete()
        return earlier
    registration.confirmed_at = timezone.now()
    details = private_details_of(meeting)
    if meeting.who_may_register == MeetingPage.WhoMayRegister.SPONSORS and not is_sponsor_contact(
        registration.email
    ):
        registration.status = Status.NOT_ELIGIBLE
    elif (
        details.approval_required or meeting.who_may_register == MeetingPage.WhoMayRegister.INVITED
    ):
        registration.status = Status.AWAITING_APPROVAL
    else:
        registration.save()
        return offer_place(registration, meeting)
    registration.save()
    return registration


def locked_details(meeting):
    """The meeting's private details, locked until the transaction ends, so that two
    registrations at once cannot both take the last place."""
    return MeetingPrivateDetails.objects.select_for_update().get(
        meeting_key=meeting.translation_key
    )


def free_places(meeting, details):
    """How many places are not taken, or None when there is no limit."""
    if details.capacity is None:
        return None
    taken = registrations_for(meeting).filter(status=Status.REGISTERED).count()
    return max(details.capacity - taken, 0)


def offer_place(registration, meeting):
    """A place, with the details emailed, while there are places; else the waiting list."""
    details = locked_details(meeting)
    if free_places(meeting, details) != 0:
        registration.status = Status.REGISTERED
        registration.save()
        tell(registration, meeting, details, kind="place")
    else:
        registration.status = Status.WAITING_LIST
        registration.save()
        tell(registration, meeting, details, kind="waiting_list")
    return registration


@transaction.atomic
def fill_free_places(meeting):
    """Places that came free (a cancellation, more places) go to the waiting list in the order
    its people confirmed, each told the details at once. Returns how many."""
    details = locked_details(meeting)
    waiting = registrations_for(meeting).filter(status=Status.WAITING_LIST)
    free = free_places(meeting, details)
    given = list(waiting if free is None else waiting[:free])
    for registration in given:
        registration.status = Status.REGISTERED
        registration.save()
        tell(registration, meeting, details, kind="place")
    return len(given)


@transaction.atomic
def decide(registration, *, approve):
    """An organiser's answer to a registration waiting for approval."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Status.AWAITING_APPROVAL:
        return registration
    meeting = meeting_of(registration.meeting_key)
    if approve:
        return offer_place(registration, meeting)
    registration.status = Status.DECLINED
    registration.save()
    tell(registration, meeting, private_details_of(meeting), kind="declined")
    return registration


@transaction.atomic
def cancel(registration):
    """The registrant cancels from their link: a place they held goes to the first on the
    waiting list."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Status.CANCELLED:
        return registration
    held_a_place = registration.status == Status.REGISTERED
    registration.status = Status.CANCELLED
    registration.save()
    meeting = meeting_of(registration.meeting_key)
    if held_a_place and meeting is not None and not meeting.cancelled:
        fill_free_places(meeting)
    return registration


def release_place_of_deleted(sender, instance, **kwargs):
    """A registration deleted with its submission (an organiser deleting it from the form's
    submissions, a person's erasure) frees its place as cancelling does, once that commits; the
    list of a meeting that is over (as retention deletes it) stays as it is."""
    if instance.status != Status.REGISTERED:
        return

    def give_the_place_on():
        meeting = meeting_of(instance.meeting_key)
        if meeting and not meeting.cancelled and not meeting.is_over:
            fill_free_places(meeting)

    transaction.on_commit(give_the_place_on)


def version_of(meeting, details):
    """What registrants have been told of the meeting, as one short value: when, where, the
    private details and whether it takes place."""
    told = [
        meeting.title,
        meeting.starts_at.isoformat() if meeting.starts_at else "",
        meeting.ends_at.isoformat() if meeting.ends_at else "",
        meeting.time_zone,
        meeting.public_place,
        meeting.cancelled,
        details.address,
        details.joining_link,
        details.access_notes,
    ]
    return hashlib.sha256(json.dumps(told).encode()).hexdigest()[:32]


@transaction.atomic
def announce_changes(key):
    """Emails each registrant once about a meeting whose details differ from what they were
    told: after a publish of the meeting in any language, or a save of its private details."""
    meeting = meeting_of(key)
    expecting_news = Registration.objects.filter(meeting_key=key, status__in=EXPECTING_NEWS)
    if meeting is None or not meeting.live or not expecting_news.exists():
        return 0
    details = MeetingPrivateDetails.objects.select_for_update().get_or_create(meeting_key=key)[0]
    version = version_of(meeting, details)
    outdated = list(
        registrations_for(meeting)
        .filter(status__in=EXPECTING_NEWS)
        .exclude(told_version=version)
        .select_for_update(of=("self",))
    )
    if outdated:
        details.sequence += 1
        details.save(update_fields=["sequence"])
    for registration in outdated:
        tell(registration, meeting, details, kind="cancelled" if meeting.cancelled else "change")
    return len(outdated)


def send_reminders(now=None):
    """The day before: each registrant with a place is reminded once, with the details."""
    now = now or timezone.now()
    soon = MeetingPage.objects.live().filter(
        cancelled=False, starts_at__gt=now, starts_at__lte=now + datetime.timedelta(days=1)
    )
    keys = set(soon.values_list("translation_key", flat=True))
    sent = 0
    for key in keys:
        meeting = meeting_of(key)
        with transaction.atomic():
            details = private_details_of(meeting)
            due = (
                Registration.objects.filter(
                    meeting_key=key, status=Status.REGISTERED, reminded_at__isnull=True
                )
                .select_related("submission")
                .select_for_update(of=("self",))
            )
            for registration in due:
                tell(registration, meeting, details, kind="reminder")
                registration.reminded_at = now
                registration.save(update_fields=["reminded_at", "updated_at"])
                sent += 1
    return sent


@sensitive_variables()
def tell(registration, meeting, details, *, kind):
    """One email to a registrant, in the language they registered in. Only those with a
    place are given the private details and the calendar file."""
    language = registration.submission.language
    page = (
        meeting.get_translations(inclusive=True)
        .filter(locale__language_code=language, live=True, alias_of__isnull=True)
        .first()
    )
    page = page.specific if page is not None else meeting
    with translation.override(language):
        when = plain_text(render_to_string("includes/meeting_time.html", {"meeting": meeting}))
        facts = {"meeting": page.title, "when": when, "where": page.public_place}
        subject, text = MESSAGES[kind]
        parts = [str(text) % facts]
        calendar = ""
        if registration.status == Status.REGISTERED and kind != "cancelled":
            parts.append(private_details_text(details))
            calendar = invitation(page, details).to_ical().decode()
        elif kind == "cancelled" and registration.status == Status.REGISTERED:
            calendar = invitation(page, details, cancelled=True).to_ical().decode()
        if registration.status in (Status.REGISTERED, Status.WAITING_LIST):
            parts.append(
                _("If you cannot come, please cancel, so that someone else can have your place:")
                + "\n"
                + link("meetings:cancel", registration)
            )
        send_email(
            registration.email,
            str(subject) % facts,
            "\n\n".join(parts),
            language=language,
            calendar=calendar,
        )
    registration.told_version = version_of(meeting, details)
    registration.save(update_fields=["told_version", "updated_at"])


def private_details_text(details):
    lines = []
    if details.address:
        lines.append(_("The place:") + "\n" + details.address)
    if details.joining_link:
        lines.append(_("The link to join:") + "\n" + details.joining_link)
    if details.access_notes:
        lines.append(_("Getting in:") + "\n" + details.access_notes)
    lines.append(
        _("Please keep these details to yourself: they are given only to those registered.")
    )
    return "\n\n".join(lines)


def invitation(meeting, details, *, cancelled=False):
    """The calendar file a registrant is sent: the public event with the private place."""
    hostname = meeting.get_site().hostname
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{hostname}//meetings//")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = meeting_event(meeting, None, hostname)
    event["location"] = icalendar.vText(
        ", ".join(part for part in [details.address, details.joining_link] if part)
        or meeting.public_place
    )
    if details.joining_link:
        event.add("conference", details.joining_link, parameters={"value": "URI"})
    event.add("sequence", details.sequence)
    if cancelled:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar


# (subject, opening) of each email a registrant may get, with the meeting's title, when (in
# UK time, and local time where it differs) and its city or "online".
MESSAGES = {
    "place": (
        gettext_lazy("Your place at %(meeting)s"),
        gettext_lazy(
            "You have a place at “%(meeting)s”.\n\n"
            "When: %(when)s\nWhere: %(where)s\n\n"
            "The calendar file attached holds the same details."
        ),
    ),
    "waiting_list": (
        gettext_lazy("On the waiting list: %(meeting)s"),
        gettext_lazy(
            "Thank you for confirming. All the places at “%(meeting)s” are taken, so you are on "
            "the waiting list. If a place comes free, it is yours in turn, and we email you the "
            "details at once.\n\nWhen: %(when)s\nWhere: %(where)s"
        ),
    ),
    "declined": (
        gettext_lazy("Your registration for %(meeting)s"),
        gettext_lazy(
            "Thank you for registering for “%(meeting)s”. The organisers could not offer you a "
            "place this time."
        ),
    ),
    "change": (
        gettext_lazy("Changed: %(meeting)s"),
        gettext_lazy(
            "The details of “%(meeting)s” have changed. As they are now:\n\n"
            "When: %(when)s\nWhere: %(where)s"
        ),
    ),
    "cancelled": (
        gettext_lazy("Cancelled: %(meeting)s"),
        gettext_lazy("“%(meeting)s” (%(when)s) has been cancelled: it will not take place."),
    ),
    "reminder": (
        gettext_lazy("Tomorrow: %(meeting)s"),
        gettext_lazy("A reminder: “%(meeting)s” is soon.\n\nWhen: %(when)s\nWhere: %(where)s"),
    ),
}


def announce_changes_on_publish(sender, instance, **kwargs):
    if isinstance(instance, MeetingPage):
        announce_changes(instance.translation_key)
