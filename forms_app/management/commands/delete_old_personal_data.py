from django.core.management.base import BaseCommand

from forms_app.retention import delete_expired


class Command(BaseCommand):
    help = (
        "Deletes form submissions, emails, unconfirmed sign-ups and pending or rejected "
        "sponsor requests older than FORMS_RETENTION_DAYS (or --days). Run it daily from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Override FORMS_RETENTION_DAYS.")

    def handle(self, *args, days=None, **options):
        report = delete_expired(days)
        self.stdout.write(f"Deleted: {report}.")
