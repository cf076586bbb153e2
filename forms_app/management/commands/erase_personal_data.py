from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from forms_app.supporters import erase


class Command(BaseCommand):
    help = (
        "Removes everything stored about one email address (form submissions, subscriber, "
        "consent records, emails, sponsor contact details), keeps a hashed suppression record "
        "so the address is never mailed again, and reports what it removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The address whose data is to be erased.")

    def handle(self, *args, email, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError("That is not an email address.") from None
        report = erase(email)
        self.stdout.write(f"Removed: {report}. The address is suppressed.")
