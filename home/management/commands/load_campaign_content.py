import re
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.html import escape
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.log_actions import log
from wagtail.models import GroupPagePermission, Locale, Page, Site
from wagtail.rich_text import RichText
from wagtail_localize.models import LocaleSynchronization, Translation, TranslationSource
from wagtail_localize.strings import StringValue, extract_strings

from cms.localisation.translators import ensure_translators_group
from cms.site_url.address import site_host_and_port
from forms_app.models import (
    ContactFormField,
    ContactFormPage,
    PrivacyNoticePage,
    SignupFormField,
    SignupFormPage,
    SponsorFormField,
    SponsorFormPage,
)
from home.models import (
    HomePage,
    MeetingFormField,
    MeetingIndexPage,
    MeetingPage,
    PlatformPage,
    UpdateIndexPage,
    UpdatePage,
)
from sponsors.models import Sponsor, SponsorIndexPage

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
CONTENT_FILE = CONTENT_DIR / "campaign.toml"
# Draft translations of the same text, laid out like CONTENT_FILE, for the languages that have
# one: translators review them in the translation editor and organisers publish them.
TRANSLATION_FILES = {
    "zh-hant": CONTENT_DIR / "campaign.zh-hant.toml",
    "zh-hans": CONTENT_DIR / "campaign.zh-hans.toml",
}
# [words](target): a link on the words, to a part of a page (#sign-up) or to the privacy notice.
LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
# How the translation editor says where the drafts come from.
DRAFT_TOOL_NAME = "Draft translation in the project's content files"
# Fields whose text is rich text (HTML) in some page, where the editor shows its links.
RICH_TEXT_KEYS = {"paragraphs", "closing", "body", "intro", "consent_statement", "thank_you_text"}


def read_content(path):
    return tomllib.loads(path.read_text(encoding="utf-8"))


def paragraph(text, privacy=None):
    """A paragraph of rich text, its [words](target) links made real."""
    html, position = [], 0
    for match in LINK.finditer(text):
        words, target = escape(match[1]), match[2]
        html.append(escape(text[position : match.start()]))
        if target == "privacy" and privacy is not None:
            html.append(f'<a linktype="page" id="{privacy.pk}">{words}</a>')
        else:
            html.append(f'<a href="{escape(target)}">{words}</a>')
        position = match.end()
    html.append(escape(text[position:]))
    return f"<p>{''.join(html)}</p>"


def aligned_texts(source, translated, key=None):
    """(source text, translated text, key) for every text the translated content gives, found
    by walking both files' structure side by side."""
    if isinstance(source, str) and isinstance(translated, str):
        yield source, translated, key
    elif isinstance(source, dict) and isinstance(translated, dict):
        for name, value in translated.items():
            if name in source:
                yield from aligned_texts(source[name], value, name)
    elif isinstance(source, list) and isinstance(translated, list):
        for source_item, translated_item in zip(source, translated, strict=True):
            yield from aligned_texts(source_item, translated_item, key)


def translated_strings(source, translated, privacy):
    """The translation editor's source strings (as wagtail-localize extracts them from the
    pages) mapped to their draft translations."""
    strings = {}
    for text, translation, key in aligned_texts(source, translated):
        # Plain text, as the editor shows it: a list of choices is one string, a line each.
        strings[StringValue.from_plaintext(text).data] = StringValue.from_plaintext(
            translation
        ).data
        if key in RICH_TEXT_KEYS or LINK.search(text):
            ((source_value, source_attrs),) = extract_strings(paragraph(text, privacy))[1]
            ((value, attrs),) = extract_strings(paragraph(translation, privacy))[1]
            strings[source_value.data] = same_link_ids(value.data, attrs, source_attrs)
    return strings


def same_link_ids(data, attrs, source_attrs):
    """A translation's links numbered as in the source, where the words may come in another
    order: each link keeps the id of the source's link to the same place."""
    ids_by_target = {}
    for element, link_attrs in source_attrs.items():
        ids_by_target.setdefault(repr(sorted(link_attrs.items())), []).append(element)
    renumbered = {}
    for element, link_attrs in attrs.items():
        renumbered[element] = ids_by_target[repr(sorted(link_attrs.items()))].pop(0)

    def renumber(match):
        return f'<a id="{renumbered[match[1]]}">'

    return re.sub(r'<a id="(\w+)">', renumber, data)


class Command(BaseCommand):
    help = (
        "Builds the site from the campaign's call (home/content/campaign.toml), with draft "
        "Chinese translations for translators to review. It looks everything up before "
        "creating it and never changes or deletes existing content, so running it again is "
        "harmless."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the site already has a home page.",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and HomePage.objects.exists():
            self.stdout.write("The campaign content is already loaded.")
            return
        content = read_content(CONTENT_FILE)
        self.created = []
        with transaction.atomic():
            self.load(content)
        if self.created:
            self.stdout.write(self.style.SUCCESS("Created: " + "; ".join(self.created)))
        else:
            self.stdout.write("Nothing to do: all the campaign content is already there.")

    def load(self, content):
        home, home_is_new = self.home_page(content["home"])
        pages = {
            "platform": self.child_page(
                home, PlatformPage, content["platform"], self.platform_fields
            ),
            "updates": self.child_page(
                home, UpdateIndexPage, content["updates"], lambda c: {"intro": c["intro"]}
            ),
        }
        for notice in content["updates"]["notices"]:
            self.child_page(pages["updates"], UpdatePage, notice, self.update_fields)
        meetings = self.child_page(
            home, MeetingIndexPage, content["meetings"], lambda c: {"intro": c["intro"]}
        )
        pages["sponsors"] = self.child_page(
            home, SponsorIndexPage, content["sponsors"], lambda c: {"intro": c["intro"]}
        )
        self.sponsors(content["sponsors"]["organisations"])
        privacy = self.child_page(
            home,
            PrivacyNoticePage,
            content["privacy"],
            lambda c: {"body": "".join(paragraph(text) for text in c["paragraphs"])},
        )
        registration_form = self.form_fields(privacy, MeetingFormField)
        for meeting in content["meetings"]["meetings"]:
            self.child_page(
                meetings,
                MeetingPage,
                meeting,
                lambda fields: {**self.meeting_fields(fields), **registration_form(fields)},
            )
        forms = [
            ("sponsor_form", SponsorFormPage, SponsorFormField),
            ("signup_form", SignupFormPage, SignupFormField),
            ("contact_form", ContactFormPage, ContactFormField),
        ]
        for name, page_model, field_model in forms:
            pages[name] = self.child_page(
                home, page_model, content[name], self.form_fields(privacy, field_model)
            )
        if home_is_new:
            home.calls_to_action = [
                (
                    "call_to_action",
                    {
                        "page": pages[call["page"]],
                        "label": call["label"],
                        "description": getattr(pages[call["page"]], "summary", ""),
                    },
                )
                for call in content["home"]["calls_to_action"]
            ]
            home.save_revision().publish()
        self.translation_locales(home)
        for language_code, path in TRANSLATION_FILES.items():
            strings = translated_strings(content, read_content(path), privacy)
            self.draft_translations(home, Locale.objects.get(language_code=language_code), strings)

    def translation_locales(self, home):
        """Every language of the site, each kept in step with the English tree.

        wagtail-localize copies pages into a synchronised locale as aliases (the English text,
        waiting for a translator) when the synchronisation is first saved, and afterwards
        whenever a page is created in the admin; pages created from code, like this command's,
        need the explicit sync below.
        """
        source_locale = home.locale
        for language_code, _name in settings.LANGUAGES:
            locale, created = Locale.objects.get_or_create(language_code=language_code)
            if created:
                self.created.append(f"locale “{language_code}”")
            if locale == source_locale:
                continue
            pages_before = Page.objects.filter(locale=locale).count()
            sync, sync_created = LocaleSynchronization.objects.get_or_create(
                locale=locale, defaults={"sync_from": source_locale}
            )
            if not sync_created:
                sync.sync_trees()
            new_aliases = Page.objects.filter(locale=locale).count() - pages_before
            if new_aliases:
                self.created.append(f"{new_aliases} pages to translate into “{language_code}”")
            self.let_translators_edit(home.get_translation(locale))

    def draft_translations(self, home, locale, strings):
        """Every page of the English tree, translated into `locale` as a draft for review.

        The drafts go where a translator's own work goes: into wagtail-localize's translation
        memory (as an imported PO file), shown in the translation editor, and into a draft
        revision of the page, which an organiser publishes after review. The page's live text
        stays the English until then. A page a translator has already started is left alone.
        """
        drafted = 0
        for page in home.get_descendants(inclusive=True).specific():
            translated_page = page.get_translation_or_none(locale)
            if translated_page is None or translated_page.alias_of_id is None:
                continue
            source, _ = TranslationSource.get_or_create_from_instance(page)
            translation, _ = Translation.objects.get_or_create(
                source=source, target_locale=locale, defaults={"enabled": True}
            )
            po = translation.export_po()
            for entry in po:
                # Each language's page keeps the address it has (the home pages' differ).
                draft = (
                    translated_page.slug if entry.msgctxt == "slug" else strings.get(entry.msgid)
                )
                entry.msgstr = entry.msgstr or draft or ""
            translation.import_po(po, translation_type="machine", tool_name=DRAFT_TOOL_NAME)
            self.start_translation(translated_page, source, locale)
            drafted += 1
        if drafted:
            self.created.append(f"{drafted} draft translations into “{locale.language_code}”")

    @staticmethod
    def start_translation(translated_page, source, locale):
        """What choosing "Translate this page" does to an alias, without its publishing step:
        the page becomes a translation of its own, still live with the English text, and the
        translation waits in a draft revision."""
        translated_page.alias_of = None
        translated_page.save(update_fields=["alias_of"], clean=False)
        log(translated_page, "wagtail.convert_alias")
        draft = source.get_ephemeral_translated_instance(locale, fallback=True)
        draft.save_revision()

    def let_translators_edit(self, language_home):
        """Translators may edit a translated language's pages, never the English source."""
        translators = ensure_translators_group(apps)
        _, created = GroupPagePermission.objects.get_or_create(
            group=translators,
            page=language_home,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename="change_page"
            ),
        )
        if created:
            self.created.append(f"translators' access to “{language_home.url}”")

    def home_page(self, fields):
        locale, _ = Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        home = HomePage.objects.filter(locale=locale, depth=2).first()
        if home:
            return home, False
        site = Site.objects.filter(is_default_site=True).first()
        # Wagtail's migrations make the root; a database emptied by a test flush has none.
        root = Page.get_first_root_node() or Page.add_root(
            instance=Page(title="Root", slug="root", locale=locale)
        )
        self.remove_wagtail_placeholder(site)
        home = HomePage(
            title=fields["title"],
            slug="home",
            intro=fields["intro"],
            privacy_promise=fields["privacy_promise"],
            locale=locale,
        )
        root.add_child(instance=home)
        home.save_revision().publish()
        if site:
            site.root_page = home
            site.site_name = fields["title"]
            site.save()
        else:
            hostname, port = site_host_and_port()
            Site.objects.create(
                hostname=hostname,
                port=port,
                root_page=home,
                is_default_site=True,
                site_name=fields["title"],
            )
        self.created.append("home page")
        return home, True

    @staticmethod
    def remove_wagtail_placeholder(site):
        """Wagtail's own "Welcome to your new Wagtail site!" page is the only page removed."""
        if site is None:
            return
        placeholder = site.root_page
        if placeholder.specific_class is Page and placeholder.numchild == 0:
            placeholder.delete()

    def child_page(self, parent, model, fields, field_values):
        page = model.objects.child_of(parent).filter(slug=fields["slug"]).first()
        if page:
            return page
        page = model(
            title=fields["title"],
            slug=fields["slug"],
            show_in_menus=fields.get("show_in_menus", False),
            menu_title=fields.get("menu_title", ""),
            **field_values(fields),
        )
        parent.add_child(instance=page)
        page.save_revision().publish()
        self.created.append(f"{model._meta.verbose_name} “{page.title}”")
        return page

    @staticmethod
    def platform_fields(fields):
        body = [("paragraph", RichText(paragraph(text))) for text in fields["paragraphs"]]
        body += [
            ("platform_section", {"introduction": s["introduction"], "items": s["items"]})
            for s in fields["sections"]
        ]
        body.append(("paragraph", RichText(paragraph(fields["closing"]))))
        return {"summary": fields["summary"], "body": body}

    @staticmethod
    def form_fields(privacy, field_model):
        """A form page's values; its consent statement links to the privacy notice."""

        def values(form):
            return {
                "intro": paragraph(form["intro"]),
                "consent_statement": paragraph(form["consent_statement"], privacy),
                "thank_you_text": paragraph(form["thank_you_text"]),
                "subject": form["subject"],
                "form_fields": [
                    field_model(
                        # Questions without an order come in whatever order the database
                        # keeps them, which on PostgreSQL changes when one is edited.
                        sort_order=number,
                        clean_name=field["key"],
                        label=field["label"],
                        help_text=field.get("help_text", ""),
                        field_type=field["type"],
                        required=field.get("required", True),
                        choices=field.get("choices", ""),
                    )
                    for number, field in enumerate(form["fields"])
                ],
            }

        return values

    @staticmethod
    def update_fields(fields):
        # The call dates neither notice: the date stays empty for organisers to set.
        return {
            "published_on": None,
            "summary": fields["summary"],
            "body": paragraph(fields["body"]),
            "is_pinned": fields["is_pinned"],
        }

    @staticmethod
    def meeting_fields(fields):
        # No date is invented: the page says it is to be set, and registration stays closed,
        # until organisers set them.
        return {
            "summary": fields["summary"],
            "starts_at": None,
            "public_place": fields["public_place"],
            "who_may_register": fields["who_may_register"],
            "registration_open": False,
        }

    def sponsors(self, organisations):
        for organisation in organisations:
            name = organisation["name"]
            _, created = Sponsor.objects.get_or_create(
                name=name,
                defaults={"status": Sponsor.Status.APPROVED, "kind": organisation["kind"]},
            )
            if created:
                self.created.append(f"sponsor “{name}”")
