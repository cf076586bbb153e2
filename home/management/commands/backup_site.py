"""Writes one archive with everything needed to rebuild the site: every table (content,
sponsors, sign-ups, subscribers, consents, admin accounts and their second factors) and every
uploaded file. The archive holds supporters' personal data: keep it encrypted, off the server,
and delete old ones on the same schedule as the data itself."""

import io
import os
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, call_command

DATA_NAME = "data.json"
MEDIA_NAME = "media"
# Short-lived (sessions, sign-in attempts) or rebuilt by `update_index` on restore. Content
# types and permissions are kept with their ids, so every row comes back exactly as it was.
EXCLUDED = ["sessions", "axes", "wagtailsearch"]


class Command(BaseCommand):
    help = "Back up the database and the uploaded files to one archive (restore_site reads it)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Where to write the archive, e.g. site.tar.gz")

    def handle(self, *args, archive, **options):
        data = io.StringIO()
        call_command("dumpdata", exclude=EXCLUDED, stdout=data)
        path = Path(archive)
        # Readable by its owner only, from the moment it exists.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file, tarfile.open(fileobj=file, mode="w:gz") as tar:
            encoded = data.getvalue().encode()
            info = tarfile.TarInfo(DATA_NAME)
            info.size = len(encoded)
            tar.addfile(info, io.BytesIO(encoded))
            if Path(settings.MEDIA_ROOT).is_dir():
                tar.add(settings.MEDIA_ROOT, arcname=MEDIA_NAME)
        self.stdout.write(f"Backed up the database and the uploaded files to {path}.")
