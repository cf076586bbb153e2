import datetime
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.html import escape
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import GroupPagePermission, Locale, Page, Site
from wagtail.rich_text import RichText
from wagtail_localize.models import LocaleSynchronization

from cms.localisation.translators import ensure_translators_group
from forms_app.models import (
    PrivacyNoticePage,
    SignupFormField,
    SignupFormPage,
    SponsorFormField,
    SponsorFormPage,
)
from home.models import HomePage, PlatformPage, UpdateIndexPage, UpdatePage
from sponsors.models import Sponsor, SponsorIndexPage

CONTENT_FILE = Path(__file__).resolve().parents[2] / "content" / "campaign.toml"


def paragraph(text):
    return f"<p>{escape(text)}</p>"


class Command(BaseCommand):
    help = (
        "Builds the site from the campaign's call (home/content/campaign.toml). It looks "
        "everything up before creating it and never changes or deletes existing content, "
        "so running it again is harmless."
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
        content = tomllib.loads(CONTENT_FILE.read_text(encoding="utf-8"))
        self.created = []
        with transaction.atomic():
            self.load(content)
        if self.created:
            self.stdout.write(self.style.SUCCESS("Created: " + "; ".join(self.created)))
        else:
            self.stdout.write("Nothing to do: all the campaign content is already there.")

    def load(self, content):
        home, home_is_new = self.home_page(content["home"])
        platform = self.child_page(home, PlatformPage, content["platform"], self.platform_fields)
        update_index = self.child_page(
            home, UpdateIndexPage, content["updates"], lambda c: {"intro": c["intro"]}
        )
        for notice in content["updates"]["notices"]:
            self.child_page(update_index, UpdatePage, notice, self.update_fields)
        sponsor_index = self.child_page(
            home, SponsorIndexPage, content["sponsors"], lambda c: {"intro": c["intro"]}
        )
        self.sponsors(content["sponsors"]["organisations"])
        privacy = self.child_page(
            home,
            PrivacyNoticePage,
            content["privacy"],
            lambda c: {"body": "".join(paragraph(text) for text in c["paragraphs"])},
        )
        sponsor_form = self.child_page(
            home,
            SponsorFormPage,
            content["sponsor_form"],
            self.form_fields(privacy, SponsorFormField),
        )
        signup_form = self.child_page(
            home, SignupFormPage, content["signup_form"], self.form_fields(privacy, SignupFormField)
        )
        if home_is_new:
            home.calls_to_action = [
                (
                    "call_to_action",
                    {
                        "page": platform,
                        "label": "Read the platform",
                        "description": platform.summary,
                    },
                ),
                (
                    "call_to_action",
                    {"page": signup_form, "label": "Sign up for updates", "description": ""},
                ),
                (
                    "call_to_action",
                    {"page": sponsor_form, "label": "Sponsor the campaign", "description": ""},
                ),
                (
                    "call_to_action",
                    {"page": sponsor_index, "label": "See our sponsors", "description": ""},
                ),
                (
                    "call_to_action",
                    {"page": update_index, "label": "Read the updates", "description": ""},
                ),
            ]
            home.save_revision().publish()
        self.translation_locales(home)

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
            Site.objects.create(
                hostname="localhost",
                port=80,
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
        """A form page's values; "privacy notice" in its consent statement links to it."""
        link_text = escape(privacy.title.lower())
        link = f'<a linktype="page" id="{privacy.pk}">{link_text}</a>'

        def values(form):
            statement = escape(form["consent_statement"]).replace(link_text, link)
            return {
                "intro": paragraph(form["intro"]),
                "consent_statement": f"<p>{statement}</p>",
                "thank_you_text": paragraph(form["thank_you_text"]),
                "subject": form["subject"],
                "form_fields": [
                    field_model(
                        clean_name=field["key"],
                        label=field["label"],
                        help_text=field.get("help_text", ""),
                        field_type=field["type"],
                        required=field.get("required", True),
                        choices=field.get("choices", ""),
                    )
                    for field in form["fields"]
                ],
            }

        return values

    @staticmethod
    def update_fields(fields):
        published_on = fields["published_on"]
        if not isinstance(published_on, datetime.date):
            published_on = datetime.date.fromisoformat(published_on)
        return {
            "published_on": published_on,
            "summary": fields["summary"],
            "body": paragraph(fields["body"]),
            "is_pinned": fields["is_pinned"],
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
