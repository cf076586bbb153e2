from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from forms_app.addresses import HashedAddress
from forms_app.models import Suppression


class Command(BaseCommand):
    help = (
        "Lets the site email an address that unsubscribed, was erased or was refused, so that "
        "its owner can sign up again (they still confirm by the emailed link). Only when the "
        "request came from that address: the usual way back is the unsubscribe link in any "
        "email the person has from the campaign."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The address that asked to hear from the campaign.")

    def handle(self, *args, email, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError("That is not an email address.") from None
        hashes = [hashed.suppression_hash() for hashed in HashedAddress.every_form_of(email)]
        lifted = Suppression.objects.filter(email_hash__in=hashes).delete()[0]
        if lifted:
            self.stdout.write("The address may be emailed again; its owner can now sign up.")
        else:
            self.stdout.write("The address was not suppressed: nothing to do.")
