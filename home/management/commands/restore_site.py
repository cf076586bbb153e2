"""Puts the site back as a backup_site archive has it: the database is emptied and refilled,
and the uploaded files are written back. On a new database, first run `migrate` with the
same code as made the backup."""

import json
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction

from .backup_site import DATA_NAME, MEDIA_NAME

CORE_TABLES = ("contenttypes.", "auth.", "wagtailcore.")


class Command(BaseCommand):
    help = "Replace the database and the uploaded files with a backup_site archive."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--replace-everything",
            action="store_true",
            help="Required: everything now in the database is deleted first.",
        )

    def handle(self, *args, archive, replace_everything, **options):
        if not replace_everything:
            raise CommandError(
                "This deletes everything in the database before restoring; "
                "add --replace-everything to go ahead."
            )
        with tarfile.open(archive, "r:gz") as tar:
            data = tar.extractfile(DATA_NAME).read().decode()
            media = [member for member in tar.getmembers() if member.name != DATA_NAME]
            with transaction.atomic():
                # Nothing recreated after emptying: the archive's content types and
                # permissions come back with their own ids.
                call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
                self.load(data)
            media_root = Path(settings.MEDIA_ROOT)
            media_root.mkdir(parents=True, exist_ok=True)
            for member in media:
                member.name = str(Path(member.name).relative_to(MEDIA_NAME))
                if member.name != ".":
                    # The "data" filter refuses absolute paths, links out and device files.
                    tar.extract(member, media_root, filter="data")
        call_command("update_index", verbosity=0)
        self.stdout.write(f"Restored the database and the uploaded files from {archive}.")

    def load(self, data):
        # Some apps' signal handlers look up locales, users or content types while rows load,
        # so Django's and Wagtail's core tables go in first.
        objects = json.loads(data)
        core = [row for row in objects if row["model"].startswith(CORE_TABLES)]
        rest = [row for row in objects if not row["model"].startswith(CORE_TABLES)]
        for part in (core, rest):
            # loaddata reads fixtures from files: a private temporary one, gone once loaded.
            with tempfile.NamedTemporaryFile("w", suffix=".json") as fixture:
                json.dump(part, fixture)
                fixture.flush()
                call_command("loaddata", fixture.name, verbosity=0)
