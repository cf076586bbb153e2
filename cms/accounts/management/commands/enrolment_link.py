from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError
from django.db import transaction
from wagtail.log_actions import log

from cms.accounts.enrolment import enrolment_url
from cms.accounts.models import EnrolmentLink


class Command(BaseCommand):
    help = (
        "Print a single-use link with which an account sets up its two-factor sign-in: for "
        "the first superuser (made with createsuperuser), whom nobody can invite from the "
        "admin. Anyone else gets their link by email from an organiser."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        account = get_user_model().objects.filter(username=username, is_active=True).first()
        if account is None:
            raise CommandError(f"No active account has the user name {username!r}.")
        with transaction.atomic():
            token = EnrolmentLink.issue(account, sent_by=None)
            log(account, "accounts.send_enrolment_link")
        self.stdout.write(enrolment_url(account, token))
