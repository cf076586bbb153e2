"""Every admin address, as every role, against planted private data.

The addresses come from Django's URL resolver, so a new admin view (Wagtail's, wagtail-localize's
or ours) is requested here without editing this file. Each pattern is filled with the real ids of
the objects it takes (pages of each kind, sponsors in every state, translations, revisions ...)
and requested as anonymous, Editor, Translator and Organiser, each a member of the group the
migrations and the content loader make: GET, GET with a search and the private ids in its query,
and a POST that asks for everything to be published. A non-organiser must never receive a planted
marker (a name the public never sees, a supporter, a contact detail, who read the sign-ups) and
must never change what the public sees.
"""

import datetime
import functools
import html
import io
import re
from collections import Counter

import pytest
import wagtail_factories
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from wagtail import hooks
from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.admin.models import EditingSession
from wagtail.admin.viewsets import viewsets
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.log_actions import LogContext, log
from wagtail.models import (
    Collection,
    Locale,
    Page,
    Revision,
    Site,
    Task,
    TaskState,
    UploadedFile,
    Workflow,
    WorkflowState,
)
from wagtail.snippets.models import get_snippet_models
from wagtail_localize.models import Translation

from cms.localisation.models import SponsorDescription
from cms.localisation.translators import TRANSLATORS
from forms_app.models import (
    CampaignFormSubmission,
    ConsentRecord,
    OutgoingEmail,
    SignupFormPage,
    SponsorFormPage,
    Subscriber,
)
from home.models import (
    HomePage,
    MeetingIndexPage,
    MeetingPage,
    MeetingPrivateDetails,
    PlatformPage,
    Registration,
    UpdatePage,
)
from sponsors.models import Sponsor

from .conftest import authenticator_for
from .factories import SponsorFactory, meeting_taking_registrations
from .newsletter_helpers import newsletter_page, send_newsletter
from .translation_helpers import translate

# Words the public never reads. Each planted private value contains one of these, and none of
# them appears in the site's own content; the search in every query asks for the common word.
SEARCH_WORD = "Quokka"
PRIVATE_SPONSORS = {
    "pending": "Pending Quokka Union",
    "rejected": "Rejected Quokka Union",
    "withdrawn": "Withdrawn Quokka Union",
    "kind_and_country": "Unnamed Quokka Union",
}
PUBLIC_SPONSOR = "Listed Wombat Union"
SUPPORTER_NAME = "Quokka Supporter"
SUPPORTER_EMAIL = "quokka-supporter@example.org"
CONTACT = {
    "contact_name": "Quokka Contact Person",
    "contact_email": "quokka-contact@example.org",
    "contact_role": "Quokka Contact Secretary",
}
# A meeting's private details: only those with a place are emailed them.
MEETING_DETAILS = {
    "address": "Quokka Hall, 1 Quokka Street",
    "joining_link": "https://quokka-meeting.example.org/room",
    "access_notes": "Ask for Quokka at the side door",
}
# Who registered for it: one with a place, one waiting for the organisers' approval.
REGISTRANTS = {
    Registration.Status.REGISTERED: ("Quokka Registrant", "quokka-registrant@example.org"),
    Registration.Status.AWAITING_APPROVAL: ("Quokka Applicant", "quokka-applicant@example.org"),
}
# What the audit log says when an organiser reads the sign-ups: who reads them is private too.
READING_SIGN_UPS = ["Viewed the form", "Exported the form"]
MARKERS = [*PRIVATE_SPONSORS.values(), SUPPORTER_NAME, SUPPORTER_EMAIL, *CONTACT.values()]
MARKERS += [*MEETING_DETAILS.values(), *(value for pair in REGISTRANTS.values() for value in pair)]
MARKERS += READING_SIGN_UPS

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "Editors", TRANSLATORS, "Organisers"]
VOLUNTEERS = ["Editors", TRANSLATORS]
PASSWORD = "a long enough test passphrase"

# A POST that asks every view it reaches to publish, for every language, everything selected.
PUBLISH_EVERYTHING = {
    "action": "publish",
    "action-publish": "action-publish",
    "publish_translations": "on",
    "include_subtree": "on",
    "comment": "",
    "title": "Published by a volunteer",
    "value": "Published by a volunteer",
}

# Views that answer some malformed requests with a server error, in Wagtail and wagtail-localize
# themselves (reported upstream); their answers are still checked for private data and publishing.
UPSTREAM_SERVER_ERRORS = {
    "wagtailadmin_error_test": "Wagtail's test of the admin's error page: it fails on purpose",
    "wagtailadmin_choose_page_chosen_multiple": "Wagtail fails on the root page's id",
    "wagtailadmin_choose_page_external_link": "Wagtail fails on a POST without a URL",
    "wagtail_localize:upload_pofile": "wagtail-localize fails on a POST without a file",
    "wagtailsnippetchoosers_localisation_sponsordescription:create": (
        "Wagtail's snippet chooser fails on a POST to create a snippet that has no creation form"
    ),
    # wagtail-newsletter's audiences are queryish models, which filter by id only: Wagtail's
    # choice of several (which wagtail-newsletter never offers) filters by a list of ids.
    "audience_chooser:chosen_multiple": "wagtail-newsletter's audiences: no choice of several",
    "audience_segment_chooser:chosen_multiple": (
        "wagtail-newsletter's audience segments: no choice of several"
    ),
}

# Patterns this test does not fill by their parameters, each with the reason. Nothing else may
# be left out: a pattern it cannot fill fails test_every_admin_pattern_can_be_filled.
FILLED_BY_HAND = {
    # Wagtail's catch-all for unknown admin addresses (it answers with the admin's 404 page).
    "admin/^.*/$": "admin/no-such-address/",
    # wagtail-newsletter's audiences are not in the database: their ids are the backend's.
    "admin/audience_chooser/chosen/<str:pk>/": "admin/audience_chooser/chosen/supporters/",
    # A segment's id is "<audience>/<language>", quoted as Wagtail's choosers quote ids.
    "admin/audience_segment_chooser/chosen/<str:pk>/": (
        "admin/audience_segment_chooser/chosen/supporters_2Fen/"
    ),
}


def admin_patterns(resolver=None, prefix="", namespace=""):
    """(route, namespace, name) of every URL pattern below /admin/."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from admin_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and (prefix + str(entry.pattern)).startswith("admin/"):
            yield prefix + str(entry.pattern), namespace, entry.name


PATTERNS = sorted(
    set(admin_patterns()), key=lambda pattern: (pattern[0], pattern[1], pattern[2] or "")
)


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def parameter_names(route):
    return {converter or group for converter, group in PARAMETER.findall(route)}


@functools.cache
def viewset_models():
    """The database model behind each admin viewset's URL namespace (wagtail-newsletter's
    audience choosers have models of another kind, with no ids stored here)."""
    found = {
        viewset.url_namespace: apps.get_model(viewset.model)
        if isinstance(viewset.model, str)
        else viewset.model
        for viewset in viewsets.viewsets
        if getattr(viewset, "name", None) and getattr(viewset, "model", None) is not None
    }
    return {
        namespace: model
        for namespace, model in found.items()
        if isinstance(model, type) and issubclass(model, models.Model)
    }


# Namespaces whose views take the pk of a model their viewset does not name.
MODEL_BY_NAMESPACE = {
    "wagtailadmin_api:pages": Page,
    "wagtailadmin_api:images": get_image_model(),
    "wagtailadmin_api:documents": get_document_model(),
    "wagtailadmin_pages": Page,
    "wagtailadmin_workflows": Workflow,
    "wagtailadmin_collections": Collection,
    "wagtailusers_users": get_user_model(),
    "wagtailusers_groups": Group,
    "wagtailsites": Site,
    "wagtaillocales": Locale,
    "wagtailimages_chooser": get_image_model(),
    "wagtaildocs_chooser": get_document_model(),
    "wagtaildocs": get_document_model(),
    "wagtailimages": get_image_model(),
    "wagtailredirects": Redirect,
}
# Views of one namespace that take another model's pk.
MODEL_BY_URL_NAME = {
    ":accounts_reset_second_factor": get_user_model(),
    ":accounts_lift_sign_in_pause": get_user_model(),
    "wagtailadmin_workflows:edit_task": Task,
    "wagtailadmin_workflows:disable_task": Task,
    "wagtailadmin_workflows:enable_task": Task,
}


def model_of(namespace, name):
    return (
        MODEL_BY_URL_NAME.get(f"{namespace}:{name}")
        or viewset_models().get(namespace)
        or MODEL_BY_NAMESPACE.get(namespace)
    )


# --- The planted world ----------------------------------------------------------------------


def member_of(group_name):
    user = get_user_model().objects.create_user(
        group_name.lower(), f"{group_name.lower()}@example.org", PASSWORD
    )
    user.groups.add(Group.objects.get(name=group_name))
    authenticator_for(user)
    return user


def translate_and_save(instance, code, user, publish=False):
    translation = translate(instance, code, f"Translated into {code}", user)
    translation.save_target(user=user, publish=publish)
    return translation


def sponsor_that_was_listed(name, organiser, translator, **fields):
    """A sponsor once approved and listed by name, with its description translated and
    published, before it stopped being public (the caller changes that)."""
    sponsor = SponsorFactory(name=name, description=f"About {name}.", **CONTACT, **fields)
    log(sponsor, "sponsors.approve", user=organiser)
    english = SponsorDescription.objects.get(sponsor=sponsor)
    translate_and_save(english, "zh-hant", translator, publish=True)
    return sponsor


def plant_sponsors(organiser, translator):
    public = SponsorFactory(name=PUBLIC_SPONSOR, description="A listed union.", **CONTACT)
    translate_and_save(SponsorDescription.objects.get(sponsor=public), "ug", translator)
    pending = SponsorFactory(
        name=PRIVATE_SPONSORS["pending"], status=Sponsor.Status.PENDING, **CONTACT
    )
    pending.submission = CampaignFormSubmission.objects.create(
        page=SponsorFormPage.objects.get(locale__language_code="en"),
        form_data={"organisation_name": pending.name, **CONTACT},
        language="en",
    )
    pending.save()
    rejected = sponsor_that_was_listed(PRIVATE_SPONSORS["rejected"], organiser, translator)
    rejected.review(Sponsor.Status.REJECTED, organiser)
    sponsor_that_was_listed(PRIVATE_SPONSORS["withdrawn"], organiser, translator).withdraw()
    unnamed = sponsor_that_was_listed(
        PRIVATE_SPONSORS["kind_and_country"],
        organiser,
        translator,
        logo=wagtail_factories.ImageFactory(title="Logo"),
    )
    unnamed.listing = Sponsor.Listing.KIND_AND_COUNTRY
    unnamed.save()
    for sponsor in Sponsor.objects.all():
        log(sponsor, "sponsors.view_contact_details", user=organiser)


def plant_supporter(organiser):
    for code in ("en", "zh-hant"):
        page = SignupFormPage.objects.get(locale__language_code=code)
        submission = CampaignFormSubmission.objects.create(
            page=page,
            form_data={"name": SUPPORTER_NAME, "email": SUPPORTER_EMAIL, "updates_consent": True},
            language=code,
        )
        log(page, "forms_app.view_submissions", user=organiser)
        log(page, "forms_app.export_submissions", user=organiser, data={"format": "csv"})
    subscriber = Subscriber.objects.create(
        email=SUPPORTER_EMAIL, name=SUPPORTER_NAME, language="en", confirmed_at=timezone.now()
    )
    ConsentRecord.objects.create(
        subscriber=subscriber,
        purpose=ConsentRecord.Purpose.UPDATES,
        wording="Send me updates",
        wording_version="0",
        language="en",
        submission=submission,
    )
    OutgoingEmail.objects.create(
        recipient=SUPPORTER_EMAIL, subject=f"Welcome, {SUPPORTER_NAME}", body="Confirm."
    )


def plant_newsletter(organiser):
    """A newsletter an organiser sent to the supporters (the planted one among them), and the
    log entry of a test send, which names the address it went to."""
    ConsentRecord.objects.create(
        subscriber=Subscriber.objects.get(email=SUPPORTER_EMAIL),
        purpose=ConsentRecord.Purpose.NEWSLETTER,
        wording="Send me the newsletter",
        wording_version="0",
        language="en",
        confirmed_at=timezone.now(),
    )
    newsletter = newsletter_page(publish=False, user=organiser)
    with LogContext(user=organiser):
        send_newsletter(newsletter)
    assert OutgoingEmail.objects.filter(campaign__isnull=False, recipient=SUPPORTER_EMAIL)
    log(
        newsletter,
        "wagtail_newsletter.send_test_email",
        user=organiser,
        data={"email": SUPPORTER_EMAIL},
    )


def plant_meeting(organiser):
    """A coming meeting taking registrations, below the loader's meeting index, with its
    private details, two registrants, and the organiser's reading of the registrations in the
    audit log."""
    index = MeetingIndexPage.objects.get(locale__language_code="en")
    meeting = meeting_taking_registrations(
        index,
        title="Members' planning meeting",
        starts_at=timezone.now() + datetime.timedelta(days=60),
    )
    MeetingPrivateDetails.objects.create(
        meeting_key=meeting.translation_key, capacity=40, **MEETING_DETAILS
    )
    for status, (name, email) in REGISTRANTS.items():
        submission = CampaignFormSubmission.objects.create(
            page=meeting, form_data={"name": name, "email": email}, language="en"
        )
        Registration.objects.create(
            submission=submission,
            meeting_key=meeting.translation_key,
            status=status,
            confirmed_at=timezone.now(),
        )
    # As the organisers' registrant list, its CSV and the sign-in sheet log their readings.
    log(meeting, "forms_app.view_submissions", user=organiser)
    log(meeting, "forms_app.export_submissions", user=organiser, data={"format": "csv"})
    log(meeting, "forms_app.export_submissions", user=organiser, data={"format": "sign-in"})
    return meeting


def planted_meeting():
    """The English meeting with registrations (the loader's conference has none)."""
    keys = Registration.objects.values("meeting_key")
    return MeetingPage.objects.get(locale__language_code="en", translation_key__in=keys)


def plant_translation_work(translator):
    """A page translated and waiting for review, and a translation still in progress."""
    platform = PlatformPage.objects.get(locale__language_code="en")
    translate_and_save(platform, "zh-hant", translator)
    in_review = PlatformPage.objects.get(locale__language_code="zh-hant")
    in_review.get_workflow().start(in_review, translator)
    update = UpdatePage.objects.filter(locale__language_code="en").first()
    translate_and_save(update, "ug", translator)


def plant_admin_objects(organiser, editor):
    Redirect.objects.create(old_path="/old-address", redirect_link="/en/")
    wagtail_factories.DocumentFactory(title="Minutes")
    for model in (get_image_model(), get_document_model()):
        UploadedFile.objects.create(
            for_content_type=ContentType.objects.get_for_model(model),
            file=ContentFile(b"upload", name="upload.txt"),
            uploaded_by_user=organiser,
        )
    EditingSession.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Page),
        object_id=str(HomePage.objects.get(locale__language_code="en").pk),
        last_seen_at=timezone.now(),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The campaign with private data of every kind, built once for the whole module and
    rolled back at its end; each request below is rolled back too."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_campaign_content", stdout=io.StringIO())
            users = {role: member_of(role) for role in ROLES if role != "anonymous"}
            plant_sponsors(users["Organisers"], users[TRANSLATORS])
            plant_supporter(users["Organisers"])
            plant_newsletter(users["Organisers"])
            plant_meeting(users["Organisers"])
            plant_translation_work(users[TRANSLATORS])
            plant_admin_objects(users["Organisers"], users["Editors"])
            yield {"users": users, "fills": Fills(users), "public_state": public_state()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- Filling patterns with real ids ------------------------------------------------------------


def representative_pages():
    """The root, one English page of each kind, and translations in each state: waiting for
    review, in progress, and untranslated aliases (among them a form page with a submission).
    The meeting is the planted one, with its private details and registrations."""
    pages, kinds = [Page.get_first_root_node()], set()
    english = Page.objects.filter(locale__language_code="en", depth__gt=1)
    english = english.exclude(
        pk__in=MeetingPage.objects.exclude(pk=planted_meeting().pk).values("pk")
    )
    for page in english.specific():
        if type(page) not in kinds:
            kinds.add(type(page))
            pages.append(page)
    translated = Page.objects.filter(depth__gt=1).exclude(locale__language_code="en")
    pages += [
        PlatformPage.objects.get(locale__language_code="zh-hant"),
        UpdatePage.objects.filter(locale__language_code="ug", alias_of__isnull=True).first(),
        SignupFormPage.objects.get(locale__language_code="zh-hant"),
        translated.filter(locale__language_code="zh-hant", depth=2).specific().get(),
    ]
    return pages


def address(route, namespace, name, values):
    """The pattern's address for these values: reversed by name, or (for the patterns this
    project puts in front of Wagtail's at the same address, which have none) filled in."""
    if name:
        return reverse(f"{namespace}:{name}" if namespace else name, kwargs=values)
    return "/" + PARAMETER.sub(lambda match: str(values[match[1] or match[2]]), route)


PAGE_PARAMETERS = {"page_id", "parent_page_id", "page_to_move_id", "page_pk"}


class Fills:
    """The values each URL parameter takes: real ids of every kind of object, in bundles that
    belong together (a page with its own revision, a translation with its own segment)."""

    def __init__(self, users):
        self.users = users
        self.pages = representative_pages()

    def page_bundles(self):
        for page in self.pages:
            bundle = {
                "page_id": page.pk,
                "parent_page_id": page.pk,
                "page_to_move_id": page.pk,
                "page_pk": page.pk,
                "pk": page.pk,
                "revision_id_a": "earliest",
                "revision_id_b": "latest",
                "destination_id": page.get_parent().pk if page.depth > 1 else page.pk,
            }
            if page.latest_revision_id:
                bundle["revision_id"] = page.latest_revision_id
            registrations = Registration.objects.none()
            if isinstance(page, MeetingPage):
                registrations = Registration.objects.filter(meeting_key=page.translation_key)
            # A meeting's registrations, each in its own bundle (the others take none).
            for registration_id in registrations.values_list("pk", flat=True):
                yield {**bundle, "registration_id": registration_id}
            workflow_state = WorkflowState.objects.filter(base_content_type__isnull=False)
            workflow_state = workflow_state.filter(object_id=str(page.pk)).first()
            if workflow_state:
                bundle["workflow_state_id"] = workflow_state.pk
                bundle["workflow_pk"] = workflow_state.workflow_id
                task_state = TaskState.objects.filter(workflow_state=workflow_state).first()
                if task_state:
                    bundle["task_state_id"] = task_state.pk
                    bundle["task_id"] = task_state.task_id
            else:
                workflow = page.get_workflow()
                if workflow:
                    bundle["workflow_pk"] = workflow.pk
                    bundle["task_id"] = workflow.tasks.first().pk
            # Workflow actions, and the page actions of the admin's own API (these on a few
            # pages: a translation in review, one in progress, an untranslated alias).
            action_names = ["approve", "reject"]
            if page in self.pages[-4:-1]:
                action_names += PagesAdminAPIViewSet.actions
            for action_name in action_names:
                yield {**bundle, "action_name": action_name}
            for subpage_type in page.specific_class.creatable_subpage_models():
                yield {
                    **bundle,
                    "content_type_app_name": subpage_type._meta.app_label,
                    "content_type_model_name": subpage_type._meta.model_name,
                }

    def model_bundles(self, model):
        """A bundle for every instance of the model (and its revisions, when it has them)."""
        # The newest instances: the planted ones, and one made by the content loader.
        for instance in model._default_manager.order_by("-pk")[:6]:
            bundle = {
                "pk": instance.pk,
                "object_id": instance.pk,
                "revision_id_a": "earliest",
                "revision_id_b": "latest",
                "image_id": instance.pk,
                "document_id": instance.pk,
                "doc_id": instance.pk,
                "collection_id": instance.pk,
                "redirect_id": instance.pk,
                "task_id": instance.pk,
            }
            revisions = (
                Revision.objects.for_instance(instance)
                if hasattr(instance, "latest_revision")
                else Revision.objects.none()
            )
            for revision_id in revisions.values_list("pk", flat=True)[:1] or [None]:
                yield bundle if revision_id is None else {**bundle, "revision_id": revision_id}

    def model_name_bundles(self):
        """app_label and model_name for every kind of object the admin names in its URLs,
        with each instance's id and the bulk actions registered for it."""
        page_models = [model for model in {type(page) for page in self.pages} if model is not Page]
        models = [*get_snippet_models(), *page_models, get_image_model(), get_document_model()]
        models += [type(task) for task in Task.objects.all().specific()]
        actions = {}
        for action_class in hooks.get_hooks("register_bulk_action"):
            for model in action_class.models:
                actions.setdefault(model, []).append(action_class.action_type)
        actions[Page] = [a for a in {a for m in page_models for a in actions.get(m, [])}]
        session = EditingSession.objects.first()
        for model in models:
            label = {
                "app_label": model._meta.app_label,
                "app_name": model._meta.app_label,
                "model_name": model._meta.model_name,
                "session_id": session.pk,
            }
            for instance in model._default_manager.order_by("-pk")[:6]:
                for action in actions.get(model, ["delete"]):
                    yield {**label, "pk": instance.pk, "object_id": instance.pk, "action": action}

    def translation_bundles(self):
        for translation in Translation.objects.all():
            segments = translation.source.stringsegment_set
            overridables = translation.source.overridablesegment_set
            yield {
                "translation_id": translation.pk,
                "translation_source_id": translation.source_id,
                "string_segment_id": segments.values_list("pk", flat=True).first(),
                "overridable_segment_id": overridables.values_list("pk", flat=True).first(),
                "mode": "default",
            }

    def other_bundles(self):
        organiser = self.users["Organisers"]
        image = get_image_model().objects.first()
        yield {"image_id": image.pk, "filter_spec": "max-100x100"}
        for upload in UploadedFile.objects.all():
            yield {"uploaded_file_id": upload.pk}
        for session in EditingSession.objects.all():
            yield {"session_id": session.pk}
        yield {
            "uidb64": urlsafe_base64_encode(force_bytes(organiser.pk)),
            "token": default_token_generator.make_token(organiser),
        }
        # An enrolment link for each account, with a token that was never issued.
        for user in self.users.values():
            yield {"user_id": user.pk, "token": "never-issued"}

    def sources(self, wanted, model):
        """Where a pattern's values come from, most specific first."""
        if wanted & {"app_label", "app_name", "model_name"}:
            yield self.model_name_bundles()
        if wanted & {"translation_id", "translation_source_id"}:
            yield self.translation_bundles()
        if wanted & PAGE_PARAMETERS or model is Page:
            yield self.page_bundles()
        if model is not None:
            yield self.model_bundles(model)
        yield self.other_bundles()

    def urls(self, route, namespace, name):
        """Every address the pattern makes from coherent bundles, without repeats."""
        if route in FILLED_BY_HAND:
            return ["/" + FILLED_BY_HAND[route]]
        wanted = parameter_names(route)
        for bundles in self.sources(wanted, model_of(namespace, name)) if wanted else [[{}]]:
            urls = []
            for bundle in bundles:
                if wanted <= {key for key, value in bundle.items() if value is not None}:
                    url = address(route, namespace, name, {key: bundle[key] for key in wanted})
                    if url not in urls:
                        urls.append(url)
            if urls:
                return urls
        return []

    def ids_for(self, namespace, name):
        model = model_of(namespace, name) or Sponsor
        return list(model._default_manager.values_list("pk", flat=True)[:50])


# --- Requests --------------------------------------------------------------------------------


def public_state():
    """What visitors see: every live page's address, title and time of publishing (an alias
    takes its source's when it follows it again), every published sponsor description, every
    sponsor's status and listing. (Turning an alias into an ordinary page, which Wagtail lets
    anyone who may edit it do, changes none of these: visitors see the same page.) And what
    registrants are told: whose registration holds a place, which decides who among the public
    is emailed a meeting's private details, and those details."""
    pages = set(
        Page.objects.filter(live=True).values_list("pk", "url_path", "title", "last_published_at")
    )
    descriptions = set(
        SponsorDescription.objects.filter(live=True).values_list("pk", "live_revision_id")
    )
    sponsors = set(Sponsor.objects.values_list("pk", "status", "listing"))
    registrations = set(Registration.objects.values_list("pk", "status"))
    meeting_details = set(
        MeetingPrivateDetails.objects.values_list(
            "meeting_key", "address", "joining_link", "access_notes", "capacity"
        )
    )
    return pages, descriptions, sponsors, registrations, meeting_details


def body(response):
    """The response as a reader sees it: HTML entities and JSON escapes undone."""
    if response.streaming:
        text = b"".join(response.streaming_content).decode(errors="replace")
    else:
        text = response.content.decode(errors="replace") + response.get("Location", "")
    return html.unescape(text.replace("\\u0027", "'"))


def leaked_markers(response):
    text = body(response).casefold()
    return [marker for marker in MARKERS if marker.casefold() in text]


def signed_in_client(user):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
        session.save()
    return client


REQUESTS = Counter()


def request_rolled_back(client, method, url, data, planted_state):
    """The response, and whether the request changed what the public sees of the planted world
    (undone after, as is every test's own change)."""
    with transaction.atomic():
        response = getattr(client, method)(url, data)
        body(response)
        changed_public_state = public_state() != planted_state
        transaction.set_rollback(True)
    return response, changed_public_state


@pytest.fixture(scope="module")
def clients(world):
    users = world["users"]
    return {role: signed_in_client(users.get(role)) for role in ROLES}


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    print(
        f"\nEvery admin URL: {len(PATTERNS)} patterns, {REQUESTS['urls']} addresses, "
        f"{REQUESTS['requests']} requests"
    )


def test_the_markers_are_planted_where_organisers_see_them(world, clients):
    """The check below can fail: an organiser finds every marker in the admin."""
    organiser = clients["Organisers"]
    meeting = planted_meeting()
    seen = ""
    for url in (
        reverse(Sponsor.snippet_viewset.get_url_name("list")),
        reverse("wagtailadmin_reports:site_history"),
        reverse("wagtailforms:list_submissions", args=[SignupFormPage.objects.first().pk]),
        # The meeting's registrants, with its CSV and sign-in sheet, and its private details.
        reverse("meeting_registrations", args=[meeting.pk]),
        reverse("meeting_registrations", args=[meeting.pk]) + "?export=csv",
        reverse("meeting_sign_in_sheet", args=[meeting.pk]),
        reverse("meeting_private_details", args=[meeting.pk]),
        reverse("wagtailadmin_pages:history", args=[meeting.pk]),
        *(
            reverse(Sponsor.snippet_viewset.get_url_name("edit"), args=[pk])
            for pk in Sponsor.objects.values_list("pk", flat=True)
        ),
    ):
        response = organiser.get(url)
        assert response.status_code == 200, url
        seen += body(response)
    assert [marker for marker in MARKERS if marker not in seen] == []


def test_every_admin_pattern_can_be_filled(world):
    unfilled = [
        route
        for route, namespace, name in PATTERNS
        if not world["fills"].urls(route, namespace, name)
    ]
    assert not unfilled, "\n".join(unfilled)


@pytest.mark.parametrize(
    "route, namespace, name", PATTERNS, ids=[f"{ns}:{name}|{route}" for route, ns, name in PATTERNS]
)
def test_no_private_data_and_no_publishing_for_volunteers(world, clients, route, namespace, name):
    fills = world["fills"]
    full_name = f"{namespace}:{name}" if namespace else name
    query = {"q": SEARCH_WORD, "id": fills.ids_for(namespace, name), "p": "1"}
    post_data = {**PUBLISH_EVERYTHING, "id": query["id"]}
    post_data["locales"] = list(Locale.objects.values_list("pk", flat=True))
    problems = []
    for index, url in enumerate(fills.urls(route, namespace, name)):
        REQUESTS["urls"] += 1
        requests = [(role, "get", {}) for role in VOLUNTEERS]
        requests += [(role, "post", post_data) for role in VOLUNTEERS]
        if index == 0:
            # What the path's ids do not change is asked once per pattern: a search with the
            # private ids in the query, and the requests of those who may or must see it all.
            requests += [(role, "get", query) for role in VOLUNTEERS]
            requests += [("anonymous", "get", {}), ("anonymous", "post", post_data)]
            requests += [("Organisers", "get", {})]
        for role, method, data in requests:
            REQUESTS["requests"] += 1
            response, published = request_rolled_back(
                clients[role], method, url, data, world["public_state"]
            )
            what = f"{role} {method.upper()} {url} {data if method == 'get' else ''}"
            if response.status_code >= 500 and full_name not in UPSTREAM_SERVER_ERRORS:
                problems.append(f"{what}: server error {response.status_code}")
            if role == "Organisers":
                continue
            if leaked := leaked_markers(response):
                problems.append(f"{what}: shows {leaked}")
            if published:
                problems.append(f"{what}: changed what the public sees")
    assert problems == []
